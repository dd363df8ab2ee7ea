//! Membership changes: add a learner, promote learners to voters, remove nodes. Leader transfer
//! and the hand-over at shutdown are in `leadership.rs`.
//!
//! ```text
//!  add_learner(id, member) ─┐   leader? ── no ──▶ NotLeader { leader's client address }
//!  promote(ids) ────────────┼─▶ a change in progress (joint, or not yet committed)? ──▶ InProgress
//!  remove(ids) ─────────────┘   the rules below ──▶ refused with the rule's error
//!                               change_membership_if(change, [LastMembershipLogId = checked one])
//!                               add_learner only: wait until the learner is caught up
//! ```
//!
//! The rules, checked on the leader against its effective membership:
//!
//! - **Node ids are never reused.** A new node takes an id above the highest id ever a member of
//!   the cluster (`store::node_ids`: raised deterministically when a membership entry is
//!   applied, in the same `WriteBatch`, carried by snapshots). Before checking, the leader waits
//!   until it has applied its effective membership entry (at most `request_timeout_ms`), so the
//!   value covers every membership entry in its log. Re-adding a current learner with the same
//!   addresses is allowed (a retry); other addresses are refused (`AddressMismatch`).
//! - **Checked against what is proposed.** Every change is proposed with openraft's
//!   `Precondition::LastMembershipLogId` of the membership it was checked against: a change
//!   committed in between makes it fail (`Changed`), so two concurrent calls cannot both pass a
//!   check that only one of them may pass.
//! - **A reachable quorum, before and after.** A voter is reachable when the leader's
//!   replication to it was acknowledged within `REACHABLE_ELECTION_TIMEOUTS` ×
//!   `election_timeout_max_ms` (the leader's own heartbeat metrics; the leader itself always
//!   is). A voter change from voters O to N goes through the joint config (O, N), which commits
//!   only with a majority of O and a majority of N, so it is refused unless both majorities are
//!   reachable (`QuorumUnreachable`): otherwise the cluster would sit in the joint config,
//!   unable to commit anything, until the missing voters come back.
//! - `remove`: every id must be a member (`UnknownNode`); at least one voter must stay
//!   (`LastVoter`). Removed voters leave the membership (they do not stay as learners).
//! - `promote`: every id must be a learner (`NotALearner`).
//! - `add_learner` blocks until the learner is caught up (the leader's matched index for it
//!   within `CAUGHT_UP_LAG_ENTRIES` of its last log index) or `snapshot.timeout_ms` passes (the
//!   bound on sending one whole snapshot, which is what catching up from far behind costs). On
//!   that bound it answers `NotCaughtUp`: the learner stays in the membership and keeps
//!   catching up; promote it later.
//!
//! A new node is started with its own id in its peer list and the existing voters (so that it
//! is not the lowest id of its list, which would bootstrap a cluster of its own), then added
//! here; it learns the cluster from the leader.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use openraft::async_runtime::watch::WatchReceiver as _;
use openraft::errors::{ChangeMembershipError, ClientWriteError, RaftError};
use openraft::raft::{ClientWriteResponse, Precondition};
use openraft::{ChangeMembers, Instant as _, RaftMetrics};
use tracing::Instrument as _;

use super::TavernNode;
use crate::types::{Member, Membership, NodeId, TypeConfig};

/// A learner is caught up when the leader's matched index for it is at most this many entries
/// behind the leader's last log index: close enough that, promoted, it does not hold up commits.
pub const CAUGHT_UP_LAG_ENTRIES: u64 = 1_000;
/// A node counts as reachable when it acknowledged the leader within this many (maximum)
/// election timeouts: long enough for a few heartbeats to be lost, short enough that a stopped
/// node stops counting before an operator's next command.
pub const REACHABLE_ELECTION_TIMEOUTS: u64 = 2;

/// Why a membership change (or a leader transfer) was refused or did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    #[error("this node is not the leader (the leader is {}); ask it", display_leader(*.leader_id, .leader_addr.as_deref()))]
    NotLeader {
        leader_id: Option<NodeId>,
        leader_addr: Option<String>,
    },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("node id {id} was already used in this cluster (the highest id ever a member is {max_ever}): a new node needs an id above {max_ever}")]
    IdReused { id: NodeId, max_ever: NodeId },
    #[error("node {id} is already a member with other addresses ({current}, not {given}): remove it and add the new node under a new id")]
    AddressMismatch {
        id: NodeId,
        current: Member,
        given: Member,
    },
    #[error("node {id} is already a voter")]
    AlreadyVoter { id: NodeId },
    #[error("node {id} is {}: only a learner can be promoted", if *.is_voter { "already a voter" } else { "not a member" })]
    NotALearner { id: NodeId, is_voter: bool },
    #[error("node {id} is not a member of the cluster")]
    UnknownNode { id: NodeId },
    #[error("node {id} is {}: leadership goes to voters only", if *.is_learner { "a learner" } else { "not a member" })]
    NotAVoter { id: NodeId, is_learner: bool },
    #[error("refused: removing {ids:?} would leave no voter")]
    LastVoter { ids: BTreeSet<NodeId> },
    #[error("refused: {change} needs a quorum ({needed} of {}) of voters {voters:?}, but only {reachable:?} acknowledged the leader within the last {window_ms} ms: bring the other voters back first", .voters.len())]
    QuorumUnreachable {
        change: String,
        voters: BTreeSet<NodeId>,
        reachable: BTreeSet<NodeId>,
        needed: usize,
        window_ms: u64,
    },
    #[error("node {id} did not acknowledge the leader within the last {window_ms} ms")]
    Unreachable { id: NodeId, window_ms: u64 },
    #[error("node {id} was added as a learner but {} after {after_ms} ms; it keeps catching up: promote it once it has", behind_text(*.behind))]
    NotCaughtUp {
        id: NodeId,
        behind: u64,
        after_ms: u64,
    },
    #[error("another membership change is in progress ({0}); retry when it is done")]
    InProgress(String),
    #[error("the membership changed while this change was being checked; check again and retry")]
    Changed,
    #[error("leadership did not move to node {to} within {after_ms} ms")]
    TransferTimeout { to: NodeId, after_ms: u64 },
    #[error("leadership cannot move to node {to}: it stopped answering (a request to it failed after the transfer began)")]
    TransferTargetGone { to: NodeId },
    #[error("no answer within {after_ms} ms (the change may still take effect)")]
    Timeout { after_ms: u64 },
    #[error("raft refused the change: {0}")]
    Refused(String),
    #[error("this node is stopping or halted: {0}")]
    Halted(String),
}

/// "is still N entries behind", or for a node that never acknowledged anything "has not
/// answered the leader yet" (`behind` is then `u64::MAX`).
fn behind_text(behind: u64) -> String {
    if behind == u64::MAX {
        "has not answered the leader yet (check its address, its TLS certificate or secret, and that it runs)".into()
    } else {
        format!("is still {behind} entries behind")
    }
}

fn display_leader(id: Option<NodeId>, addr: Option<&str>) -> String {
    match (id, addr) {
        (Some(id), Some(addr)) => format!("node {id} at {addr}"),
        (Some(id), None) => format!("node {id}"),
        _ => "not known yet".into(),
    }
}

/// A membership as the admin side shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MembershipView {
    /// The log index of the membership entry (`None` before the cluster is initialized).
    pub log_index: Option<u64>,
    pub voters: BTreeMap<NodeId, Member>,
    pub learners: BTreeMap<NodeId, Member>,
    /// True while a joint config (a voter change half done) is in effect.
    pub joint: bool,
}

impl MembershipView {
    fn of(log_index: Option<u64>, m: &Membership) -> Self {
        let voter_ids: BTreeSet<NodeId> = m.voter_ids().collect();
        let (voters, learners) = m
            .nodes()
            .map(|(id, n)| (*id, n.clone()))
            .partition(|(id, _)| voter_ids.contains(id));
        MembershipView {
            log_index,
            voters,
            learners,
            joint: m.get_joint_config().len() > 1,
        }
    }
}

type Metrics = RaftMetrics<TypeConfig>;

impl TavernNode {
    /// Who this node is.
    pub fn identity(&self) -> &crate::identity::Identity {
        &self.inner.identity
    }

    /// The effective membership as this node knows it.
    pub fn membership(&self) -> MembershipView {
        let m = self.inner.raft.metrics().borrow_watched().clone();
        let stored = &m.membership_config;
        MembershipView::of(
            stored.log_id().as_ref().map(|l| l.index()),
            stored.membership(),
        )
    }

    /// On the leader, the nodes that acknowledged it recently (see the module header); `None`
    /// on any other node.
    pub fn reachable(&self) -> Option<BTreeSet<NodeId>> {
        let m = self.inner.raft.metrics().borrow_watched().clone();
        (m.current_leader == Some(self.inner.id)).then(|| self.reachable_in(&m))
    }

    /// The peers that refused this node's last raft message to them (another node or cluster
    /// at the address this node has for them), with their refusal.
    pub fn refused_by(&self) -> BTreeMap<NodeId, String> {
        self.inner.peers.refused_by()
    }

    /// Adds node `id` at `member` as a learner and waits until it has caught up (see the module
    /// header for the rules and the bound). Returns the membership with the learner.
    pub async fn add_learner(
        &self,
        id: NodeId,
        member: Member,
    ) -> Result<MembershipView, MembershipError> {
        let span = tracing::info_span!(
            "add_learner",
            node = self.inner.id,
            id,
            term = tracing::field::Empty
        );
        async {
            let m = self.leader_metrics()?;
            tracing::Span::current().record("term", m.current_term);
            check_member(id, &member)?;
            let membership = m.membership_config.membership();
            let view = match membership.get_node(&id) {
                Some(_) if membership.voter_ids().any(|v| v == id) => {
                    return Err(MembershipError::AlreadyVoter { id })
                }
                Some(current) if current != &member => {
                    return Err(MembershipError::AddressMismatch {
                        id,
                        current: current.clone(),
                        given: member,
                    })
                }
                // Already a learner there: a retry; only wait for it below.
                Some(_) => MembershipView::of(
                    m.membership_config.log_id().as_ref().map(|l| l.index()),
                    membership,
                ),
                None => {
                    Self::not_in_progress(&m)?;
                    let max_ever = self.max_node_id_ever(&m).await?;
                    if id <= max_ever {
                        return Err(MembershipError::IdReused { id, max_ever });
                    }
                    let add = ChangeMembers::AddNodes(BTreeMap::from([(id, member)]));
                    self.propose(&m, add, true).await?
                }
            };
            tracing::info!("learner added; waiting for it to catch up");
            self.wait_caught_up(id).await?;
            tracing::info!("learner caught up");
            Ok(view)
        }
        .instrument(span)
        .await
    }

    /// Makes learners `ids` voters, if a quorum of the voters before and after is reachable.
    pub async fn promote(
        &self,
        ids: impl IntoIterator<Item = NodeId>,
    ) -> Result<MembershipView, MembershipError> {
        let ids: BTreeSet<NodeId> = ids.into_iter().collect();
        let span = tracing::info_span!("promote", node = self.inner.id, ids = ?ids, term = tracing::field::Empty);
        async {
            let m = self.leader_metrics()?;
            tracing::Span::current().record("term", m.current_term);
            if ids.is_empty() {
                return Err(MembershipError::InvalidArgument(
                    "no node to promote".into(),
                ));
            }
            let membership = m.membership_config.membership();
            let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
            for &id in &ids {
                if voters.contains(&id) || membership.get_node(&id).is_none() {
                    let is_voter = voters.contains(&id);
                    return Err(MembershipError::NotALearner { id, is_voter });
                }
            }
            Self::not_in_progress(&m)?;
            let after: BTreeSet<NodeId> = voters.union(&ids).copied().collect();
            self.check_quorum(&m, &format!("promoting {ids:?}"), &voters, &after)?;
            let view = self
                .propose(&m, ChangeMembers::AddVoterIds(ids.clone()), true)
                .await?;
            tracing::info!(voters = ?view.voters.keys().collect::<Vec<_>>(), "promoted");
            Ok(view)
        }
        .instrument(span)
        .await
    }

    /// Removes nodes `ids` (voters or learners) from the membership, if at least one voter
    /// stays and a quorum of the voters before and after is reachable.
    pub async fn remove(
        &self,
        ids: impl IntoIterator<Item = NodeId>,
    ) -> Result<MembershipView, MembershipError> {
        let ids: BTreeSet<NodeId> = ids.into_iter().collect();
        let span = tracing::info_span!("remove", node = self.inner.id, ids = ?ids, term = tracing::field::Empty);
        async {
            let m = self.leader_metrics()?;
            tracing::Span::current().record("term", m.current_term);
            if ids.is_empty() {
                return Err(MembershipError::InvalidArgument("no node to remove".into()));
            }
            let membership = m.membership_config.membership();
            if let Some(&id) = ids.iter().find(|id| membership.get_node(id).is_none()) {
                return Err(MembershipError::UnknownNode { id });
            }
            let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
            let after: BTreeSet<NodeId> = voters.difference(&ids).copied().collect();
            if after.is_empty() {
                return Err(MembershipError::LastVoter { ids });
            }
            Self::not_in_progress(&m)?;
            self.check_quorum(&m, &format!("removing {ids:?}"), &voters, &after)?;
            let (gone_voters, gone_learners): (BTreeSet<NodeId>, BTreeSet<NodeId>) =
                ids.iter().partition(|id| voters.contains(id));
            let change = match (gone_voters.is_empty(), gone_learners.is_empty()) {
                (false, true) => ChangeMembers::RemoveVoters(gone_voters),
                (true, false) => ChangeMembers::RemoveNodes(gone_learners),
                _ => ChangeMembers::Batch(vec![
                    ChangeMembers::RemoveVoters(gone_voters),
                    ChangeMembers::RemoveNodes(gone_learners),
                ]),
            };
            // retain = false: a removed voter leaves the membership, it does not stay a learner.
            let view = self.propose(&m, change, false).await?;
            tracing::info!(voters = ?view.voters.keys().collect::<Vec<_>>(), "removed");
            Ok(view)
        }
        .instrument(span)
        .await
    }

    /// Learners the leader may promote now: in the membership, caught up (within
    /// `CAUGHT_UP_LAG_ENTRIES`) and reachable, with no membership change in progress. Empty on
    /// a follower. Used by the automatic promotion (`node/promotion.rs`).
    pub(super) fn caught_up_learners(&self) -> BTreeSet<NodeId> {
        let Ok(m) = self.leader_metrics() else {
            return BTreeSet::new();
        };
        if Self::not_in_progress(&m).is_err() {
            return BTreeSet::new();
        }
        let membership = m.membership_config.membership();
        let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
        let reachable = self.reachable_in(&m);
        membership
            .nodes()
            .map(|(id, _)| *id)
            .filter(|id| !voters.contains(id) && reachable.contains(id))
            .filter(|&id| behind(&m, id) <= CAUGHT_UP_LAG_ENTRIES)
            .collect()
    }

    /// This node's metrics if it is the leader, else where the leader is.
    pub(super) fn leader_metrics(&self) -> Result<Metrics, MembershipError> {
        let m = self.inner.raft.metrics().borrow_watched().clone();
        if let Err(e) = &m.running_state {
            return Err(MembershipError::Halted(e.to_string()));
        }
        if m.current_leader == Some(self.inner.id) {
            return Ok(m);
        }
        let leader_addr = m.current_leader.and_then(|l| {
            m.membership_config
                .membership()
                .get_node(&l)
                .map(|n| n.client_addr.clone())
        });
        Err(MembershipError::NotLeader {
            leader_id: m.current_leader,
            leader_addr,
        })
    }

    fn not_in_progress(m: &Metrics) -> Result<(), MembershipError> {
        let joint = m.membership_config.membership().get_joint_config().len() > 1;
        if joint || m.membership_config.log_id() != m.committed_membership_config.log_id() {
            return Err(MembershipError::InProgress(format!(
                "the membership at {:?} is not final yet",
                m.membership_config.log_id().as_ref().map(|l| l.index())
            )));
        }
        Ok(())
    }

    /// The window within which a node must have acknowledged the leader to count as reachable.
    pub(super) fn reachable_window(&self) -> Duration {
        Duration::from_millis(
            REACHABLE_ELECTION_TIMEOUTS.saturating_mul(self.inner.config.election_timeout_max_ms),
        )
    }

    /// The nodes that acknowledged this leader within the window, and the leader itself.
    pub(super) fn reachable_in(&self, m: &Metrics) -> BTreeSet<NodeId> {
        self.acked_within(m, self.reachable_window())
    }

    /// The nodes that acknowledged this leader within `window`, and the leader itself.
    pub(super) fn acked_within(&self, m: &Metrics, window: Duration) -> BTreeSet<NodeId> {
        let mut out = BTreeSet::from([self.inner.id]);
        for (id, acked) in m.heartbeat.iter().flatten() {
            if acked.as_ref().is_some_and(|t| t.elapsed() <= window) {
                out.insert(*id);
            }
        }
        out
    }

    /// Refuses a change from voters `before` to `after` unless a majority of each is reachable.
    fn check_quorum(
        &self,
        m: &Metrics,
        change: &str,
        before: &BTreeSet<NodeId>,
        after: &BTreeSet<NodeId>,
    ) -> Result<(), MembershipError> {
        let reachable = self.reachable_in(m);
        for voters in [before, after] {
            let needed = voters.len() / 2 + 1;
            let up: BTreeSet<NodeId> = voters.intersection(&reachable).copied().collect();
            if up.len() < needed {
                return Err(MembershipError::QuorumUnreachable {
                    change: change.to_string(),
                    voters: voters.clone(),
                    reachable: up,
                    needed,
                    window_ms: u64::try_from(self.reachable_window().as_millis())
                        .unwrap_or(u64::MAX),
                });
            }
        }
        Ok(())
    }

    /// The highest node id ever a member: the replicated value, once this leader has applied
    /// its effective membership, and the effective membership itself.
    async fn max_node_id_ever(&self, m: &Metrics) -> Result<NodeId, MembershipError> {
        if let Some(log_id) = m.membership_config.log_id() {
            self.wait_applied(log_id.index()).await.map_err(|e| {
                MembershipError::InProgress(format!("applying the membership: {e}"))
            })?;
        }
        let reader = self.inner.reader.clone();
        let stored = tokio::task::spawn_blocking(move || reader.max_node_id())
            .await
            .map_err(|e| MembershipError::Halted(format!("reading the state: {e}")))?
            .map_err(|e| MembershipError::Halted(format!("reading the state: {e}")))?;
        let current = m.membership_config.nodes().map(|(id, _)| *id).max();
        Ok(stored.unwrap_or(0).max(current.unwrap_or(0)))
    }

    /// Proposes `change` on top of the membership in `m`, within the request timeout.
    async fn propose(
        &self,
        m: &Metrics,
        change: ChangeMembers<NodeId, Member>,
        retain: bool,
    ) -> Result<MembershipView, MembershipError> {
        let checked = Precondition::LastMembershipLogId {
            last_membership_log_id: *m.membership_config.log_id(),
        };
        tracing::info!(%change, "proposing a membership change");
        let timeout_ms = self.inner.config.request_timeout_ms;
        let r = tokio::time::timeout(
            Duration::from_millis(timeout_ms),
            self.inner
                .raft
                .change_membership_if(change, retain, [checked]),
        )
        .await
        .map_err(|_| MembershipError::Timeout {
            after_ms: timeout_ms,
        })?;
        match r {
            Ok(resp) => Ok(applied_view(&resp)),
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f))) => {
                Err(MembershipError::NotLeader {
                    leader_id: f.leader_id,
                    leader_addr: f.leader_node.map(|n| n.client_addr),
                })
            }
            Err(RaftError::APIError(ClientWriteError::ChangeMembershipError(
                ChangeMembershipError::InProgress(p),
            ))) => Err(MembershipError::InProgress(p.to_string())),
            Err(RaftError::APIError(ClientWriteError::PreconditionFailed(_))) => {
                Err(MembershipError::Changed)
            }
            Err(RaftError::APIError(e)) => Err(MembershipError::Refused(e.to_string())),
            Err(RaftError::Fatal(f)) => Err(MembershipError::Halted(f.to_string())),
        }
    }

    /// Waits until the leader's replication to learner `id` is within `CAUGHT_UP_LAG_ENTRIES`,
    /// at most `snapshot.timeout_ms`.
    async fn wait_caught_up(&self, id: NodeId) -> Result<(), MembershipError> {
        let after_ms = self.inner.config.snapshot.timeout_ms;
        let done =
            |m: &Metrics| m.current_leader != Some(m.id) || behind(m, id) <= CAUGHT_UP_LAG_ENTRIES;
        let waited = self
            .inner
            .raft
            .wait(Some(Duration::from_millis(after_ms)))
            .metrics(done, "the learner catches up")
            .await;
        let m = match waited {
            Ok(m) => m,
            Err(_) => self.inner.raft.metrics().borrow_watched().clone(),
        };
        if m.current_leader != Some(m.id) {
            return Err(self
                .leader_metrics()
                .err()
                .unwrap_or(MembershipError::NotLeader {
                    leader_id: None,
                    leader_addr: None,
                }));
        }
        let behind = behind(&m, id);
        if behind > CAUGHT_UP_LAG_ENTRIES {
            return Err(MembershipError::NotCaughtUp {
                id,
                behind,
                after_ms,
            });
        }
        Ok(())
    }
}

/// How many entries the leader's replication to `id` is behind its last log index;
/// `u64::MAX` for a node that has not acknowledged any entry yet (it never answered: however
/// short the log, it is not caught up).
fn behind(m: &Metrics, id: NodeId) -> u64 {
    let last = m.last_log_index.map_or(0, |i| i + 1);
    let matched = m
        .replication
        .as_ref()
        .and_then(|r| r.get(&id).cloned().flatten());
    match matched {
        Some(l) => last.saturating_sub(l.index() + 1),
        None => u64::MAX,
    }
}

fn applied_view(resp: &ClientWriteResponse<TypeConfig>) -> MembershipView {
    match &resp.membership {
        Some(m) => MembershipView::of(Some(resp.log_id.index()), m),
        None => MembershipView::default(),
    }
}

/// A member's addresses must be `host:port`, and differ (as in the config's `peers`).
fn check_member(id: NodeId, member: &Member) -> Result<(), MembershipError> {
    if id == 0 {
        return Err(MembershipError::InvalidArgument(
            "node id 0 is not allowed (ids start at 1)".into(),
        ));
    }
    for (what, addr) in [
        ("raft_addr", &member.raft_addr),
        ("client_addr", &member.client_addr),
    ] {
        let ok = addr.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !ok {
            return Err(MembershipError::InvalidArgument(format!(
                "node {id}: {what} {addr:?} is not host:port"
            )));
        }
    }
    if member.raft_addr == member.client_addr {
        return Err(MembershipError::InvalidArgument(format!(
            "node {id}: raft_addr and client_addr are both {}; they must differ",
            member.raft_addr
        )));
    }
    Ok(())
}
