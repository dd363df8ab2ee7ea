//! Leader transfer, and the hand-over of leadership before a graceful shutdown.
//!
//! ```text
//!  transfer_leader(to)   leader? voter? reachable? ──▶ openraft trigger().transfer_leader(to)
//!                        the leader stops proposing and tells every voter; `to` campaigns at
//!                        once (no election timeout) and the others grant its vote
//!                        ──▶ wait until this node sees `to` as leader (bounded)
//!
//!  shutdown() on a leader with other voters
//!      ──▶ transfer_leader(most caught-up reachable voter), bounded
//!      ──▶ then stop (also when the transfer failed: it is logged, the cluster elects as usual)
//! ```
//!
//! The most caught-up voter is, among the voters that acknowledged the leader within the last
//! `HANDOVER_ACK_HEARTBEATS` heartbeats (a live follower acknowledges every heartbeat; one that
//! stopped a moment ago, say in a whole-cluster shutdown, must not be chosen), the one with the
//! highest matched log index in the leader's replication metrics (ties: the lowest id): it can
//! take over without waiting for more log.

use std::collections::BTreeSet;
use std::time::Duration;

use tracing::Instrument as _;

use super::membership::MembershipError;
use super::TavernNode;
use crate::types::NodeId;

/// A transfer waits at most this many (maximum) election timeouts for the target to lead: a
/// transfer that takes longer has failed, and the cluster would have elected on its own by then.
pub const TRANSFER_WAIT_ELECTION_TIMEOUTS: u64 = 2;
/// Bound on waiting, at shutdown, for openraft's tasks to drop the store (a snapshot being built
/// holds it until it is written).
pub const STORE_RELEASE_WAIT: Duration = Duration::from_secs(10);
/// How often that wait looks.
const STORE_RELEASE_POLL: Duration = Duration::from_millis(10);
/// At shutdown, a voter is a candidate for the hand-over when it acknowledged the leader within
/// this many heartbeat intervals.
pub const HANDOVER_ACK_HEARTBEATS: u64 = 5;

impl TavernNode {
    /// Hands leadership to voter `to` and waits until this node sees it leading (at most
    /// `TRANSFER_WAIT_ELECTION_TIMEOUTS` election timeouts). `to` being this node is a no-op.
    pub async fn transfer_leader(&self, to: NodeId) -> Result<(), MembershipError> {
        let span = tracing::info_span!(
            "transfer_leader",
            node = self.inner.id,
            to,
            term = tracing::field::Empty
        );
        async {
            let m = self.leader_metrics()?;
            tracing::Span::current().record("term", m.current_term);
            if to == self.inner.id {
                return Ok(());
            }
            let membership = m.membership_config.membership();
            if !membership.voter_ids().any(|v| v == to) {
                let is_learner = membership.get_node(&to).is_some();
                return Err(MembershipError::NotAVoter { id: to, is_learner });
            }
            if !self.reachable_in(&m).contains(&to) {
                return Err(MembershipError::Unreachable {
                    id: to,
                    window_ms: millis(self.reachable_window()),
                });
            }
            tracing::info!("transferring leadership");
            self.inner
                .raft
                .trigger()
                .transfer_leader(to)
                .await
                .map_err(|e| MembershipError::Halted(e.to_string()))?;
            let bound = self.transfer_wait();
            let moved = self
                .inner
                .raft
                .wait(Some(bound))
                .metrics(|m| m.current_leader == Some(to), "the new leader takes over")
                .await;
            match moved {
                Ok(m) => {
                    tracing::info!(term = m.current_term, "leadership transferred");
                    Ok(())
                }
                Err(_) => Err(MembershipError::TransferTimeout {
                    to,
                    after_ms: millis(bound),
                }),
            }
        }
        .instrument(span)
        .await
    }

    /// Before a graceful shutdown: a leader with other reachable voters hands leadership to
    /// the most caught-up one. Failures are logged, never returned: the node stops anyway.
    pub(super) async fn hand_over_leadership(&self) {
        let Ok(m) = self.leader_metrics() else {
            return;
        };
        let fresh = Duration::from_millis(
            HANDOVER_ACK_HEARTBEATS.saturating_mul(self.inner.config.heartbeat_ms),
        );
        let reachable = self.acked_within(&m, fresh);
        let candidates: BTreeSet<NodeId> = m
            .membership_config
            .membership()
            .voter_ids()
            .filter(|v| *v != self.inner.id && reachable.contains(v))
            .collect();
        let matched = |id: &NodeId| {
            m.replication
                .as_ref()
                .and_then(|r| r.get(id).cloned().flatten())
                .map(|l| l.index())
        };
        // Highest matched index; among equals the lowest id (max_by_key keeps the last maximum,
        // so iterate from the highest id down).
        let Some(to) = candidates.iter().rev().copied().max_by_key(|id| matched(id)) else {
            tracing::info!(node = self.inner.id, "stopping the leader: no other voter acknowledged it recently enough to take over");
            return;
        };
        match self.transfer_leader(to).await {
            Ok(()) => {
                tracing::info!(node = self.inner.id, to, "handed leadership over before stopping")
            }
            Err(e) => tracing::warn!(
                node = self.inner.id,
                to,
                error = %e,
                "stopping without handing leadership over: the cluster elects a new leader after an election timeout"
            ),
        }
    }

    /// After openraft stopped: waits until its remaining tasks dropped the store, at most
    /// `STORE_RELEASE_WAIT` (then it is logged, and the store closes when they end).
    pub(super) async fn wait_store_released(&self) {
        let deadline = tokio::time::Instant::now() + STORE_RELEASE_WAIT;
        while !self.inner.released.is_released() {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    node = self.inner.id,
                    "openraft still holds the store after shutdown; it closes when its last task ends"
                );
                return;
            }
            tokio::time::sleep(STORE_RELEASE_POLL).await;
        }
    }

    fn transfer_wait(&self) -> Duration {
        Duration::from_millis(
            TRANSFER_WAIT_ELECTION_TIMEOUTS.saturating_mul(self.inner.config.election_timeout_max_ms),
        )
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
