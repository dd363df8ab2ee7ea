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

/// Why a node could not serve a call (nothing about the domain: those are in `Written` and
/// `Served`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// This node is not the leader and did not forward the call; `leader_addr` is the client
    /// address of the leader when known.
    #[error("not the leader; leader is node {leader_id:?} at {leader_addr:?}")]
    NotLeader {
        leader_id: Option<u64>,
        leader_addr: Option<String>,
    },
    /// No leader, no quorum, shutting down, or a forward that failed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The call did not finish within its deadline; a write's fate is unknown (retry it with
    /// the same request id).
    #[error("deadline exceeded after {after_ms} ms")]
    Timeout { after_ms: u64 },
    /// A `STALE(max_ms)` read on a node whose data is older than that.
    #[error("data on this node is {stale_ms} ms old, more than the {max_ms} ms allowed")]
    TooStale { stale_ms: u64, max_ms: u64 },
    /// A read level this node does not serve (e.g. `LEASE` when not enabled in the config).
    #[error("read level not available: {0}")]
    ReadLevelUnavailable(String),
    /// The node stopped applying (a fatal apply error) and serves nothing more.
    #[error("node halted: {0}")]
    Halted(String),
}

/// What the gRPC domain services need from a node.
pub trait Node: Send + Sync + 'static {
    /// Proposes `command` (through the leader: forwarded when this node is a follower), waits
    /// until it is applied on this node, and returns the state machine's answer.
    fn write(
        &self,
        command: Command,
        request: Option<RequestId>,
    ) -> impl Future<Output = Result<Written, NodeError>> + Send;

    /// Serves `query` at `level` (DESIGN.md "Reads").
    fn read(
        &self,
        query: Query,
        level: ReadLevel,
    ) -> impl Future<Output = Result<Served, NodeError>> + Send;
}
