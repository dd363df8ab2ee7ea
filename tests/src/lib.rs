//! tavern-tests: cluster-level test tools and end-to-end tests.
//!
//! - `history`: a per-entity linearizability checker (Wing & Gong's search with memoisation)
//!   and a [`history::Recorder`] for histories of concurrent clients.
//! - `models`: sequential models of our entities for it: a mailbox (send, take money or an
//!   item exactly once, list), a friend list (add, remove, list), a channel's members (join,
//!   leave, members).
//! - `tests/boundaries.rs`: the crate boundary test.
//!
//! The fault tests that record real histories run against `tavern serve` processes
//! (`tools/tests/process_linearizable.rs`) and use this crate as a dev-dependency.

pub mod history;
pub mod models;
