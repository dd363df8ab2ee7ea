//! tavern-statemachine: the domain of tavern, as a pure, deterministic state machine.
//!
//! It owns every entity of the social state (accounts, characters, presence, friends and
//! ignores, account friends, channels, mail, arena teams, realms, client sessions), the
//! commands that change them, the queries that read them, the events they emit, the limits
//! and the game's result codes.
//!
//! Entry points: [`apply`] (one log entry → mutations, response, events) and [`query`].
//! Both read the state through a [`View`]; [`MemView`] is the in-memory one.
//! [`records::check`] checks one stored record against its table (`tavern snapshot verify`).
//!
//! Architecture invariant: this crate does no I/O, reads no clock, draws no random number and
//! has no async code. It depends on none of tokio, tonic, rocksdb, openraft (checked by
//! `tests/tests/boundaries.rs`). Time comes from the entry (`Entry::time_ms`, stamped by the
//! leader), so every node computes the same bytes from the same log.

pub mod account;
pub mod apply;
pub mod arena;
pub mod channel;
pub mod character;
pub mod codec;
pub mod command;
pub mod config;
pub mod entry;
pub mod error;
pub mod event;
pub mod ids;
pub mod keys;
pub mod limits;
pub mod mail;
pub mod presence;
pub mod query;
pub mod realm;
pub mod records;
pub mod session;
pub mod sizes;
pub mod social;
pub mod testkit;
pub mod txn;
pub mod view;

pub use apply::{apply, Applied};
pub use command::{Command, Response};
pub use config::ClusterConfig;
pub use entry::Entry;
pub use error::{Error, Fatal};
pub use event::Event;
pub use ids::{
    AccountId, CharacterId, ClientId, GatewayId, MailId, RealmId, RequestId, Team, TeamId,
};
pub use query::{query, Query, QueryResponse};
pub use view::{MemView, Mutation, Pairs, StorageError, View};
