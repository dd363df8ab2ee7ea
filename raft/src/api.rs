//! The contract between the node runtime and the gRPC domain services.
//!
//! ```text
//!  gRPC domain service (service/) ──decode + validate (tavern-proto)──▶ Node::write / Node::read
//!                                                                           │
//!                         node runtime (openraft, RocksDB) ◀────────────────┘
//! ```
//! The services know nothing of openraft or RocksDB; the runtime knows nothing of protobuf.
//! Tests can implement [`Node`] over the bare state machine.

use std::future::Future;

use tavern_proto::convert::ReadLevel;
use tavern_statemachine::{Command, Error, Query, QueryResponse, RequestId, Response};

/// A write that was applied: the state machine's answer (a domain error is an answer too) and
/// the log index of the entry that carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub response: Result<Response, Error>,
    pub applied_index: u64,
}

/// A read that was served: the answer and the applied index it was served at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub response: Result<QueryResponse, Error>,
    pub applied_index: u64,
}

/// Why a node could not serve a call. Defined in `tavern-proto` (the client library rebuilds it
/// from a status, and must not depend on this crate); the variants are unchanged.
pub use tavern_proto::NodeError;

/// What the gRPC domain services need from a node.
pub trait Node: Send + Sync + 'static {
    /// Proposes `command` (through the leader: forwarded when this node is a follower), waits
    /// until it is applied on this node, and returns the state machine's answer.
    fn write(
        &self,
        command: Command,
        request: Option<RequestId>,
    ) -> impl Future<Output = Result<Written, NodeError>> + Send;

    /// The node id its RPC metrics are labelled with; `None` (the default) records none.
    fn metrics_id(&self) -> Option<u64> {
        None
    }

    /// Serves `query` at `level` (DESIGN.md "Reads").
    fn read(
        &self,
        query: Query,
        level: ReadLevel,
    ) -> impl Future<Output = Result<Served, NodeError>> + Send;
}
