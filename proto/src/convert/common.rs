//! The request header: exactly-once request ids and read levels (DESIGN.md "Reads").

use tavern_statemachine::RequestId;

use crate::pb;
use crate::pb::read_level::Level;

/// How fresh a read must be. The default is [`ReadLevel::Linearizable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadLevel {
    /// Any node, once it applied the leader's read index (ReadIndex confirms leadership with
    /// a quorum; a follower asks the leader for it).
    #[default]
    Linearizable,
    /// Leader within its lease, no heartbeat round.
    Lease,
    /// Any node once it applied at least `index` (read-your-writes).
    AtLeast { index: u64 },
    /// Any node whose data is no older than `max_ms`.
    Stale { max_ms: u64 },
}

/// What every request carries, in domain form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestHeader {
    /// Present for writes that must be applied exactly once.
    pub request: Option<RequestId>,
    pub read_level: ReadLevel,
}

impl From<RequestId> for pb::RequestId {
    fn from(r: RequestId) -> Self {
        pb::RequestId {
            client: r.client,
            seq: r.seq,
            ack_below: r.ack_below,
        }
    }
}

impl From<pb::RequestId> for RequestId {
    fn from(r: pb::RequestId) -> Self {
        RequestId {
            client: r.client,
            seq: r.seq,
            ack_below: r.ack_below,
        }
    }
}

impl From<ReadLevel> for pb::ReadLevel {
    fn from(level: ReadLevel) -> Self {
        let level = match level {
            ReadLevel::Linearizable => Level::Linearizable(pb::read_level::Linearizable {}),
            ReadLevel::Lease => Level::Lease(pb::read_level::Lease {}),
            ReadLevel::AtLeast { index } => Level::AtLeastIndex(index),
            ReadLevel::Stale { max_ms } => Level::StaleMaxMs(max_ms),
        };
        pb::ReadLevel { level: Some(level) }
    }
}

impl From<pb::ReadLevel> for ReadLevel {
    fn from(level: pb::ReadLevel) -> Self {
        match level.level {
            None | Some(Level::Linearizable(_)) => ReadLevel::Linearizable,
            Some(Level::Lease(_)) => ReadLevel::Lease,
            Some(Level::AtLeastIndex(index)) => ReadLevel::AtLeast { index },
            Some(Level::StaleMaxMs(max_ms)) => ReadLevel::Stale { max_ms },
        }
    }
}

impl From<RequestHeader> for pb::RequestHeader {
    fn from(h: RequestHeader) -> Self {
        pb::RequestHeader {
            request_id: h.request.map(Into::into),
            read_level: Some(h.read_level.into()),
        }
    }
}

/// A request without a header is a write without a request id, or a linearizable read.
impl From<Option<pb::RequestHeader>> for RequestHeader {
    fn from(h: Option<pb::RequestHeader>) -> Self {
        let h = h.unwrap_or_default();
        RequestHeader {
            request: h.request_id.map(Into::into),
            read_level: h.read_level.map(Into::into).unwrap_or_default(),
        }
    }
}
