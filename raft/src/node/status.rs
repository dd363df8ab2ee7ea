//! [`Admin`] for [`TavernNode`]: its status from openraft's metrics and the state store, and
//! the digest of its state.
//!
//! Status reads only what is in memory (the metrics watch, the applied-index watch), so it
//! answers at once even on a node that has no leader. The applied index is the state store's
//! (what reads are served at), not openraft's metric, which may trail it by a moment.

use openraft::async_runtime::watch::WatchReceiver as _;
use openraft::ServerState;
use tavern_proto::convert::{ClusterMember, FollowerProgress, NodeRole, NodeStatus, StateDigest};

use super::{MembershipError, MembershipView, TavernNode};
use crate::api::NodeError;
use crate::service::Admin;
use crate::types::{Member, NodeId};

fn role(state: ServerState) -> NodeRole {
    match state {
        ServerState::Leader => NodeRole::Leader,
        ServerState::Follower => NodeRole::Follower,
        ServerState::Candidate => NodeRole::Candidate,
        ServerState::Learner => NodeRole::Learner,
        ServerState::Shutdown => NodeRole::Shutdown,
    }
}

fn member(id: NodeId, m: &Member) -> ClusterMember {
    ClusterMember {
        id,
        raft_addr: m.raft_addr.clone(),
        client_addr: m.client_addr.clone(),
    }
}

impl Admin for TavernNode {
    async fn status(&self) -> Result<NodeStatus, NodeError> {
        let m = self.inner.raft.metrics().borrow_watched().clone();
        let membership = m.membership_config.membership();
        let in_membership = |ids: Vec<NodeId>| -> Vec<ClusterMember> {
            ids.into_iter()
                .filter_map(|id| membership.get_node(&id).map(|n| member(id, n)))
                .collect()
        };
        let voters = in_membership(membership.voter_ids().collect());
        let learners = in_membership(membership.learner_ids().collect());
        let followers = m
            .replication
            .as_ref()
            .map(|r| {
                r.iter()
                    .filter(|(&id, _)| id != self.inner.id)
                    .map(|(&id, matched)| FollowerProgress {
                        id,
                        matched_index: matched.as_ref().map(|l| l.index()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let reader = &self.inner.reader;
        let applied_index = *reader.applied().borrow();
        let (state_bytes, tables) = reader.sizes();
        Ok(NodeStatus {
            node_id: self.inner.id,
            cluster_id: self.inner.config.cluster_id.clone(),
            role: role(m.state),
            current_term: m.current_term,
            leader_id: m.current_leader,
            leader_addr: m
                .current_leader
                .and_then(|id| membership.get_node(&id))
                .map(|n| n.client_addr.clone()),
            last_log_index: m.last_log_index,
            committed_index: m.local_committed.as_ref().map(|l| l.index()),
            applied_index,
            applied_index_at_start: reader.applied_at_open(),
            snapshot_index: m.snapshot.as_ref().map(|l| l.index()),
            purged_index: m.purged.as_ref().map(|l| l.index()),
            voters,
            learners,
            followers,
            halted: reader.halted(),
            alarms: self.alarms(),
            state_bytes,
            disk_free_bytes: self.inner.alarms.disk_free(),
            tables,
            watch: self.inner.watch_stats.counts(),
        })
    }

    async fn state_digest(&self) -> Result<StateDigest, NodeError> {
        let reader = self.inner.reader.clone();
        tokio::task::spawn_blocking(move || reader.state_digest())
            .await
            .map_err(|e| NodeError::Unavailable(format!("digest task: {e}")))?
            .map_err(|e| NodeError::Unavailable(format!("reading the state: {e}")))
    }

    async fn add_learner(
        &self,
        id: NodeId,
        member: Member,
    ) -> Result<MembershipView, MembershipError> {
        TavernNode::add_learner(self, id, member).await
    }

    async fn promote(&self, ids: Vec<NodeId>) -> Result<MembershipView, MembershipError> {
        TavernNode::promote(self, ids).await
    }

    async fn remove(&self, ids: Vec<NodeId>) -> Result<MembershipView, MembershipError> {
        TavernNode::remove(self, ids).await
    }

    async fn transfer_leader(&self, to: NodeId) -> Result<(), MembershipError> {
        TavernNode::transfer_leader(self, to).await
    }

    async fn save_snapshot(
        &self,
        chunk_bytes: usize,
    ) -> Result<crate::service::SnapshotStream, NodeError> {
        TavernNode::save_snapshot(self, chunk_bytes).await
    }

    async fn readiness(&self) -> Result<String, String> {
        let s = self.status().await.map_err(|e| e.to_string())?;
        if let Some(why) = &s.halted {
            return Err(format!("halted: {why}"));
        }
        let leader = match (s.role, s.leader_id) {
            (NodeRole::Shutdown, _) => return Err("shutting down".into()),
            (NodeRole::Leader, _) => {
                let voters = s.voters.len();
                let reachable = self
                    .reachable()
                    .map_or(0, |r| s.voters.iter().filter(|v| r.contains(&v.id)).count());
                if voters > 0 && reachable * 2 <= voters {
                    return Err(format!(
                        "leader without a quorum: {reachable} of {voters} voters answered recently"
                    ));
                }
                "this node".to_string()
            }
            (NodeRole::Candidate, _) | (_, None) => return Err("no leader known".into()),
            (_, Some(id)) => format!("node {id}"),
        };
        let (applied, committed) = (s.applied_index.unwrap_or(0), s.committed_index.unwrap_or(0));
        let behind = committed.saturating_sub(applied);
        if behind > crate::service::READY_APPLY_LAG_MAX {
            return Err(format!(
                "applied index {applied} is {behind} entries behind the commit index {committed}"
            ));
        }
        Ok(format!("{:?}, leader {leader}, applied {applied}", s.role))
    }
}
