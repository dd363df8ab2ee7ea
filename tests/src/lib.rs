//! tavern-tests: end-to-end tests and what they share.
//!
//! - `domain_api/`: one story through every domain, written against the gateway's typed
//!   calls on any `Backend`; `tests/domain_api.rs` runs it on the bare state machine
//!   ([`sim::SimBackend`]) and through `tavern-gateway` on a three-node cluster
//!   ([`cluster::Cluster`]), with the same expectations.
//! - `tests/boundaries.rs`: the crate boundaries (`cargo tree`).

pub mod cluster;
pub mod domain_api;
pub mod sim;
