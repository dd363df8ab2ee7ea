//! tavern-gateway: the client library game gateways link to talk to a tavern cluster.
//!
//! ```text
//!  Client::connect(endpoints, ClientOptions)
//!    typed calls (calls.rs) ──▶ write(Command) / read(Query) ──▶ rpc.rs: the RPC's message
//!        ──▶ client.rs: leader or next node, NOT_LEADER → follow, lost → retry (same request id)
//!        ◀── answer, or Error (error.rs, from tavern_proto::status)
//! ```
//!
//! Writes are exactly once: each carries a [`RequestId`](tavern_statemachine::RequestId)
//! (`client`, `seq`, `ack_below`, see `session.rs`) drawn before the first attempt and kept
//! across retries, so a write whose fate is unknown (a timeout, a lost connection, a leader
//! that died) is retried safely and answers what it answered the first time.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tavern_gateway::Error> {
//! use tavern_gateway::{Client, ClientOptions};
//! use tavern_statemachine::realm::Realm;
//! let client = Client::connect(["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"],
//!     ClientOptions::default())?;
//! client.upsert_realm(Realm { id: 1, name: "Lordaeron".into(), cross_realm: false }).await?;
//! assert_eq!(client.get_realm(1).await?.map(|r| r.name), Some("Lordaeron".into()));
//! # Ok(()) }
//! ```
//!
//! Every command and query of the eight domains goes through [`Client::write`] and
//! [`Client::read`]; typed methods exist so far for realm, account, character and mail.
//! Not yet here (issue 4): typed methods of presence, social, channel and arena (same
//! macros), watch. Reads any node serves (`LINEARIZABLE`, `AT_LEAST`, `STALE`) are spread
//! round robin over every node unless [`ClientOptions::reads_on_leader`].
//!
//! Architecture invariant: no rocksdb, no openraft; the server crates only for their types.

mod calls;
mod client;
mod error;
pub mod options;
mod rpc;
pub mod security;
mod session;

pub use calls::NewCharacter;
pub use client::Client;
pub use error::Error;
pub use options::ClientOptions;
pub use rpc::{Served, Written};
pub use security::{BearerToken, ClientIdentity, TlsOptions};
pub use tavern_proto::ReadLevel;
