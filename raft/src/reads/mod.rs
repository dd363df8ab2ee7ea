//! Linearizable reads on any node: the read index and the round that many reads share.
//!
//! ```text
//!  read(LINEARIZABLE) on node N ──▶ Reads::read_index (coalesced: one round serves every read
//!                                   that arrived before it started)
//!     N leads ────▶ openraft ReadIndex: a heartbeat quorum confirms leadership ─▶ commit index
//!     N follows ──▶ RaftInternal/ReadIndex to the leader (envelope checked there) ─▶ the
//!                   leader's own coalesced round ─▶ its read index
//!  then N waits until it applied that index and reads its local state.
//! ```
//! A read index is the leader's commit index at a moment after the read arrived, confirmed by
//! a quorum still following that leader; once a node has applied it, its state holds every
//! write that completed before the read began, so the read is linearizable wherever it runs.
//!
//! Errors are typed: no leader known, a leader without quorum, a node that lost leadership or
//! stopped answering → `Unavailable` (the client tries another node); no answer within
//! `request_timeout_ms` → `Timeout`; a halted leader → `Unavailable` with the reason.

pub mod coalesce;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use openraft::async_runtime::watch::WatchReceiver as _;
use openraft::errors::{LinearizableReadError, RaftError};
use openraft::ReadPolicy;
use serde::{Deserialize, Serialize};
use tonic::transport::{Channel, Endpoint};

use crate::api::NodeError;
use crate::identity::Identity;
use crate::network::pb::raft_internal_client::RaftInternalClient;
use crate::network::pb::RaftPayload;
use crate::network::{decode, encode};
use crate::types::{NodeId, Raft};
pub use coalesce::{Coalescer, COALESCE_QUEUE_MAX};

/// A read waits for its read index at most this many round timeouts (`request_timeout_ms`):
/// the round in flight when it arrived, then its own.
pub const READ_INDEX_WAIT_ROUNDS: u32 = 2;

/// The leader's answer to a follower's `ReadIndex` request (in the payload, postcard behind
/// `RAFT_WIRE_VERSION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadIndexReply {
    /// Apply up to this log index, then read.
    Index(u64),
    /// The node asked is not the leader (any more); `leader` is who it thinks leads.
    NotLeader { leader: Option<NodeId> },
    /// No quorum confirmed the leadership, or the leader is stopping.
    Unavailable(String),
    /// The round did not finish within the leader's request timeout.
    Timeout { after_ms: u64 },
}

/// The read index service of one node: its coalesced round and the count of rounds.
#[derive(Debug)]
pub struct Reads {
    coalescer: Coalescer<Result<u64, NodeError>>,
    timeout: Duration,
}

impl Reads {
    /// Starts the round task of node `identity`; a round gives up after `timeout`, and a
    /// connection to the leader after `connect_timeout`.
    pub fn spawn(
        identity: Identity,
        raft: Raft,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Self {
        let round = Round {
            identity,
            raft,
            timeout,
            connect_timeout,
            leaders: std::sync::Arc::new(Mutex::new(BTreeMap::new())),
        };
        let coalescer = Coalescer::spawn(move || {
            let round = round.clone();
            async move { round.run().await }
        });
        Reads { coalescer, timeout }
    }

    /// A read index valid for a read that arrived before this call: from this node's own
    /// ReadIndex round if it leads, else from the leader. Shares the round with every read
    /// that queued meanwhile.
    pub async fn read_index(&self) -> Result<u64, NodeError> {
        let after_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        // The round is bounded by `timeout`; this bound also covers the wait for a slot and
        // for the round in flight.
        let wait = self.timeout.saturating_mul(READ_INDEX_WAIT_ROUNDS);
        match tokio::time::timeout(wait, self.coalescer.next_round()).await {
            Ok(Some(outcome)) => outcome,
            Ok(None) => Err(NodeError::Unavailable("the node is stopping".into())),
            Err(_) => Err(NodeError::Timeout {
                after_ms: after_ms.saturating_mul(u64::from(READ_INDEX_WAIT_ROUNDS)),
            }),
        }
    }

    /// Read index rounds this node ran (as leader for itself and its followers, or as a
    /// follower asking the leader). Many concurrent reads share one round.
    pub fn rounds(&self) -> u64 {
        self.coalescer.rounds()
    }

    /// Ends the round task (node shutdown).
    pub fn stop(&self) {
        self.coalescer.stop();
    }
}

/// A lazy client per leader node, with the raft address it was made for.
type LeaderClients = BTreeMap<NodeId, (String, RaftInternalClient<Channel>)>;

/// What one round needs; cloned into each round's future.
#[derive(Debug, Clone)]
struct Round {
    identity: Identity,
    raft: Raft,
    timeout: Duration,
    connect_timeout: Duration,
    /// A lazy channel per leader, with the raft address it was made for.
    leaders: std::sync::Arc<Mutex<LeaderClients>>,
}

impl Round {
    fn after_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    async fn run(&self) -> Result<u64, NodeError> {
        let m = self.raft.metrics().borrow_watched().clone();
        match m.current_leader {
            Some(leader) if leader == self.identity.node_id => self.as_leader().await,
            Some(leader) => {
                let member = m.membership_config.membership().get_node(&leader).cloned();
                match member {
                    Some(member) => self.ask(leader, &member.raft_addr).await,
                    None => Err(NodeError::Unavailable(format!(
                        "leader node {leader} is not in this node's membership yet"
                    ))),
                }
            }
            None => Err(NodeError::Unavailable(
                "no leader known: cannot get a read index".into(),
            )),
        }
    }

    /// openraft's ReadIndex: a heartbeat round confirms the leadership with a quorum.
    async fn as_leader(&self) -> Result<u64, NodeError> {
        let r = tokio::time::timeout(
            self.timeout,
            self.raft.get_read_linearizer(ReadPolicy::ReadIndex),
        )
        .await
        .map_err(|_| NodeError::Timeout {
            after_ms: self.after_ms(),
        })?;
        match r {
            Ok(linearizer) => Ok(linearizer.read_log_id().index()),
            Err(RaftError::APIError(LinearizableReadError::ForwardToLeader(f))) => {
                Err(NodeError::NotLeader {
                    leader_id: f.leader_id,
                    leader_addr: f.leader_node.map(|m| m.client_addr),
                })
            }
            Err(RaftError::APIError(LinearizableReadError::QuorumNotEnough(q))) => {
                Err(NodeError::Unavailable(q.to_string()))
            }
            Err(RaftError::Fatal(f)) => Err(NodeError::Halted(f.to_string())),
        }
    }

    fn client(
        &self,
        leader: NodeId,
        raft_addr: &str,
    ) -> Result<RaftInternalClient<Channel>, NodeError> {
        let mut leaders = self.leaders.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((addr, client)) = leaders.get(&leader) {
            if addr == raft_addr {
                return Ok(client.clone());
            }
        }
        let endpoint = Endpoint::from_shared(format!("http://{raft_addr}")).map_err(|e| {
            NodeError::Unavailable(format!(
                "bad raft address {raft_addr:?} of node {leader}: {e}"
            ))
        })?;
        let client = RaftInternalClient::new(
            endpoint
                .connect_timeout(self.connect_timeout)
                .tcp_nodelay(true)
                .connect_lazy(),
        );
        leaders.insert(leader, (raft_addr.to_string(), client.clone()));
        Ok(client)
    }

    /// Asks `leader` for a read index over the internal Raft service.
    async fn ask(&self, leader: NodeId, raft_addr: &str) -> Result<u64, NodeError> {
        let mut client = self.client(leader, raft_addr)?;
        let payload = encode(&()).map_err(NodeError::Unavailable)?;
        let request = RaftPayload {
            payload,
            envelope: Some(self.identity.envelope_to(leader)),
        };
        let reply = tokio::time::timeout(self.timeout, client.read_index(request))
            .await
            .map_err(|_| NodeError::Timeout {
                after_ms: self.after_ms(),
            })?
            .map_err(|s| {
                NodeError::Unavailable(format!(
                    "asking leader node {leader} for a read index: {}: {}",
                    s.code(),
                    s.message()
                ))
            })?;
        let reply: ReadIndexReply = decode(&reply.into_inner().payload).map_err(|e| {
            NodeError::Unavailable(format!("read index reply of node {leader}: {e}"))
        })?;
        match reply {
            ReadIndexReply::Index(index) => Ok(index),
            ReadIndexReply::NotLeader { leader: now } => Err(NodeError::Unavailable(format!(
                "node {leader} no longer leads (it names {now:?}): no read index"
            ))),
            ReadIndexReply::Unavailable(why) => Err(NodeError::Unavailable(format!(
                "leader node {leader}: {why}"
            ))),
            ReadIndexReply::Timeout { after_ms } => Err(NodeError::Timeout { after_ms }),
        }
    }
}

/// The leader side of `RaftInternal/ReadIndex`: only a node that believes it leads answers,
/// through its own coalesced round (which confirms the leadership with a quorum).
pub async fn serve_read_index(node_id: NodeId, raft: &Raft, reads: &Reads) -> ReadIndexReply {
    let leader = raft.metrics().borrow_watched().current_leader;
    if leader != Some(node_id) {
        return ReadIndexReply::NotLeader { leader };
    }
    match reads.read_index().await {
        Ok(index) => ReadIndexReply::Index(index),
        Err(NodeError::NotLeader { leader_id, .. }) => {
            ReadIndexReply::NotLeader { leader: leader_id }
        }
        Err(NodeError::Timeout { after_ms }) => ReadIndexReply::Timeout { after_ms },
        Err(e) => ReadIndexReply::Unavailable(e.to_string()),
    }
}
