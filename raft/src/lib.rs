//! tavern-raft: the replicated node: openraft, the RocksDB log and state stores, snapshots,
//! the gRPC services and the node runtime.
//!
//! Architecture invariant: the only crate that touches RocksDB and openraft. Apply writes the
//! mutations, `last_applied` and membership in one RocksDB `WriteBatch`.

pub mod api;
pub mod config;
pub mod service;
pub mod testnode;
