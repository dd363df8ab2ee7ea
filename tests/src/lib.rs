//! tavern-tests: cluster-level test tools and end-to-end tests.
//!
//! - `domain_api/`: one story through every domain, written against the gateway's typed
//!   calls on any `Backend`; `tests/domain_api.rs` runs it on the bare state machine
//!   ([`sim::SimBackend`]) and through `tavern-gateway` on a three-node cluster
//!   ([`cluster::Cluster`]), with the same expectations.
//! - `history`: a per-entity linearizability checker (Wing & Gong's search with memoisation)
//!   and a [`history::Recorder`] for histories of concurrent clients.
//! - `models`: sequential models of our entities for it: a mailbox (send, take money or an
//!   item exactly once, list), a friend list (add, remove, list), a channel's members (join,
//!   leave, members).
//! - `tests/boundaries.rs`: the crate boundary test.
//!
//! The fault tests that record real histories run against `tavern serve` processes
//! (`tools/tests/process_linearizable.rs`) and use this crate as a dev-dependency.

pub mod cluster;
pub mod domain_api;
pub mod history;
pub mod models;
pub mod sim;
