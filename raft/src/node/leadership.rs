//! Leader transfer, and the hand-over of leadership before a graceful shutdown.
//!
//! ```text
//!  transfer_leader(to)   leader? voter? reachable? ──▶ openraft trigger().transfer_leader(to)
//!                        the leader stops proposing and tells every voter; `to` campaigns at
//!                        once (no election timeout) and the others grant its vote
//!                        ──▶ wait until this node sees `to` as leader (bounded), or until a
//!                            request to `to` fails in transport (it is gone: give up at once)
//!
//!  shutdown() on a leader with other voters
//!      ──▶ transfer_leader(each candidate, most caught-up first) until one takes over
//!      ──▶ then stop (also when none did: it is logged, the cluster elects as usual)
//! ```
//!
//! While a transfer is under way the leader takes no writes and sends no heartbeats (openraft);
//! if the target never takes over, the followers elect a new leader after an election timeout.
//! The transfer RPC itself is the probe for a target that stopped a moment ago (in a
//! whole-cluster shutdown, say): its transport failure ends the wait and the hand-over tries
//! the next candidate.
//!
//! The most caught-up voter is, among the voters that acknowledged the leader within the last
//! `HANDOVER_ACK_HEARTBEATS` heartbeats (a live follower acknowledges every heartbeat; one that
//! stopped a moment ago, say in a whole-cluster shutdown, must not be chosen), the one with the
//! highest matched log index in the leader's replication metrics (ties: the lowest id): it can
//! take over without waiting for more log.

use std::collections::BTreeSet;
use std::time::Duration;

use openraft::async_runtime::watch::WatchReceiver as _;
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
/// How often the waits of this module look (store released, new leader, target gone).
const POLL: Duration = Duration::from_millis(10);
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
            let began = std::time::Instant::now();
            self.inner
                .raft
                .trigger()
                .transfer_leader(to)
                .await
                .map_err(|e| MembershipError::Halted(e.to_string()))?;
            let bound = self.transfer_wait();
            let deadline = tokio::time::Instant::now() + bound;
            let mut metrics = self.inner.raft.metrics();
            loop {
                let m = metrics.borrow_watched().clone();
                if m.current_leader == Some(to) {
                    tracing::info!(term = m.current_term, "leadership transferred");
                    return Ok(());
                }
                if self.inner.peers.unreachable_since(to, began) {
                    return Err(MembershipError::TransferTargetGone { to });
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(MembershipError::TransferTimeout {
                        to,
                        after_ms: millis(bound),
                    });
                }
                // A metrics change or the next look, whichever comes first.
                let _ = tokio::time::timeout(POLL, metrics.changed()).await;
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
        let me = self.inner.id;
        let fresh = Duration::from_millis(
            HANDOVER_ACK_HEARTBEATS.saturating_mul(self.inner.config.heartbeat_ms),
        );
        let acked = self.acked_within(&m, fresh);
        let voters: BTreeSet<NodeId> = m.membership_config.membership().voter_ids().collect();
        // The voters that can vote for a successor: this node (it grants the transfer's vote)
        // and the ones that acknowledged it just now, unless a request to them failed since.
        let mut live: BTreeSet<NodeId> = voters
            .iter()
            .copied()
            .filter(|v| *v == me || (acked.contains(v) && !self.inner.peers.is_unreachable(*v)))
            .collect();
        let matched = |id: &NodeId| {
            m.replication
                .as_ref()
                .and_then(|r| r.get(id).cloned().flatten())
                .map(|l| l.index())
        };
        loop {
            if live.len() < voters.len() / 2 + 1 {
                tracing::info!(node = me, live = ?live, voters = ?voters, "stopping the leader: too few voters are up to elect a successor");
                return;
            }
            // Highest matched index first; among equals the lowest id.
            let best = live
                .iter()
                .copied()
                .filter(|v| *v != me)
                .min_by_key(|id| (std::cmp::Reverse(matched(id)), *id));
            let Some(to) = best else {
                tracing::info!(
                    node = me,
                    "stopping the leader: no other voter to hand over to"
                );
                return;
            };
            match self.transfer_leader(to).await {
                Ok(()) => {
                    tracing::info!(node = me, to, "handed leadership over before stopping");
                    return;
                }
                Err(MembershipError::TransferTargetGone { .. }) => {
                    tracing::info!(node = me, to, "that voter is gone, trying the next one");
                    live.remove(&to);
                }
                Err(e) => {
                    tracing::warn!(
                        node = me,
                        to,
                        error = %e,
                        "stopping without handing leadership over: the cluster elects a new leader after an election timeout"
                    );
                    return;
                }
            }
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
            tokio::time::sleep(POLL).await;
        }
    }

    fn transfer_wait(&self) -> Duration {
        Duration::from_millis(
            TRANSFER_WAIT_ELECTION_TIMEOUTS
                .saturating_mul(self.inner.config.election_timeout_max_ms),
        )
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
