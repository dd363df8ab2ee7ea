//! Why a node could not serve a call at all, as opposed to the state machine's answer (a domain
//! [`tavern_statemachine::Error`] is an answer).
//!
//! It lives in the wire crate, not in `tavern-raft`, because both sides need it: the node's
//! services map it to a [`tonic::Status`] and the client library (`tavern-gateway`, which must
//! not depend on the node) rebuilds it from the status to follow the leader or retry
//! ([`crate::status::node_error_from_status`]). `tavern_raft::api` re-exports it.

/// Why a node could not serve a call (nothing about the domain: those are in the answers).
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
    /// Watch: the events before `first_index` are no longer kept on this node (the window
    /// moved past them, or a snapshot replaced the log there).
    #[error("events before index {first_index} are compacted; resync from a read at index {first_index}")]
    Compacted { first_index: u64 },
    /// Watch: the watcher did not keep up (its buffer filled, or it fell further behind than
    /// the node's live event channel holds) and was cut off.
    #[error("the watcher fell behind and was cut off; watch again from the last index received + 1 (this node last sent up to {})", .resume_index.saturating_sub(1))]
    WatchLagged { resume_index: u64 },
    /// Watch: the node serves `max` watch streams already.
    #[error("this node serves {max} watch streams already; try another node or later")]
    TooManyWatches { max: u64 },
    /// A write that adds data, refused while a space alarm is active on this node (`detail`:
    /// the figures and what to do). Reads, and writes that free data, still work.
    #[error("write refused, {alarm} alarm: {detail}")]
    NoSpace {
        alarm: crate::convert::AlarmKind,
        detail: String,
    },
}
