//! tavern-raft: the replicated node: openraft, the RocksDB log and state stores, snapshots,
//! the internal Raft service and the node runtime.
//!
//! Entry points: [`node::TavernNode`] (start a node from a validated
//! [`config::NodeConfig`]; membership changes, leader transfer), [`identity`] (who a node is,
//! checked at start and on every Raft message),
//! [`api::Node`] (what the gRPC domain services call), [`store`] (RocksDB log and state
//! stores, snapshot files), [`network`] (openraft's RPCs over gRPC), [`types`] (the openraft
//! type config).
//!
//! Architecture invariant: the only crate that touches RocksDB and openraft. Apply writes the
//! mutations, `last_applied` and membership in one RocksDB `WriteBatch`.

pub mod api;
pub mod config;
pub mod identity;
pub mod metrics;
pub mod network;
pub mod node;
pub mod reads;
pub mod security;
pub mod service;
pub mod store;
pub mod testnode;
pub mod types;

pub use node::{MembershipError, MembershipView, StartError, TavernNode};
