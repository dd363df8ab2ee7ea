//! `AdminService` ⇄ the node's status and state digest.
//!
//! These types have no home in the state machine (they describe a node, not the domain), so
//! they live here, like [`crate::NodeError`]: the node builds them, the wire carries them, and a
//! client (`tavern status`, the tests, the gateway library) reads them back, validated.
//!
//! ```text
//!  node:   NodeStatus ──From──▶ pb::StatusResponse        StateDigest ──From──▶ pb::StateDigestResponse
//!  client: pb::StatusResponse ──TryFrom──▶ NodeStatus     (role required, digest 32 bytes)
//! ```

use super::ConvertError;
use crate::pb;

/// Bytes of a SHA-256 digest.
pub const SHA256_BYTES: usize = 32;

/// A node's role in the Raft group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    Leader,
    Follower,
    Candidate,
    /// A non-voting member receiving the log.
    Learner,
    /// Stopping or stopped.
    Shutdown,
}

/// A member of the cluster and its addresses (`host:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMember {
    pub id: u64,
    pub raft_addr: String,
    pub client_addr: String,
}

/// How far the leader knows a member has replicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerProgress {
    pub id: u64,
    /// `None` before the member's first answer.
    pub matched_index: Option<u64>,
}

/// One node's view of itself and the cluster (see `admin.proto` for each field). Log indexes
/// are `None` when there is no such entry yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    pub node_id: u64,
    pub cluster_id: String,
    pub role: NodeRole,
    pub current_term: u64,
    pub leader_id: Option<u64>,
    /// The leader's client address.
    pub leader_addr: Option<String>,
    pub last_log_index: Option<u64>,
    pub committed_index: Option<u64>,
    pub applied_index: Option<u64>,
    /// The applied index found on disk when the process opened its store.
    pub applied_index_at_start: Option<u64>,
    pub snapshot_index: Option<u64>,
    pub purged_index: Option<u64>,
    pub voters: Vec<ClusterMember>,
    pub learners: Vec<ClusterMember>,
    /// The leader's view of every other member; empty on other nodes.
    pub followers: Vec<FollowerProgress>,
    /// Why the state machine stopped applying, if it did.
    pub halted: Option<String>,
    /// The space alarms active on this node (writes that add data are refused meanwhile).
    pub alarms: Vec<Alarm>,
    /// The state's logical size: every key and value, in bytes.
    pub state_bytes: u64,
    /// Free space of the data directory's filesystem at the last check, in bytes.
    pub disk_free_bytes: Option<u64>,
    /// This node's watch streams.
    pub watch: WatchCounts,
    /// The state per table, in tag order (their bytes add up to `state_bytes`).
    pub tables: Vec<TableSize>,
}

impl NodeStatus {
    /// The entities the state holds, in tag order, the kinds with none left out: each table of
    /// one record per entity as (entity, records). What the status shows in one line.
    pub fn entities(&self) -> Vec<(&str, u64)> {
        self.tables
            .iter()
            .filter(|t| t.records > 0)
            .filter_map(|t| Some((t.entity.as_deref()?, t.records)))
            .collect()
    }
}

/// One table of a node's state: its records and their bytes (keys + values), kept exactly by
/// apply. See `TableSize` in `admin.proto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    pub tag: u8,
    /// The name in the key layout (`keys::TABLES`), or `0x..` for an unknown tag.
    pub name: String,
    /// What one record is, for a table of one record per entity ("mails").
    pub entity: Option<String>,
    pub records: u64,
    pub bytes: u64,
}

impl From<TableSize> for pb::TableSize {
    fn from(t: TableSize) -> Self {
        pb::TableSize {
            tag: u32::from(t.tag),
            name: t.name,
            entity: t.entity,
            records: t.records,
            bytes: t.bytes,
        }
    }
}

impl TryFrom<pb::TableSize> for TableSize {
    type Error = ConvertError;

    fn try_from(t: pb::TableSize) -> Result<Self, ConvertError> {
        let tag = u8::try_from(t.tag).map_err(|_| {
            ConvertError::new("table.tag", format!("is {}, a table tag is 0..=255", t.tag))
        })?;
        Ok(TableSize {
            tag,
            name: t.name,
            entity: t.entity,
            records: t.records,
            bytes: t.bytes,
        })
    }
}

/// A node's watch streams: open now, and counts since its process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchCounts {
    pub open: u64,
    pub opened: u64,
    /// Refused with TOO_MANY_WATCHES.
    pub refused: u64,
    /// Cut off with WATCH_LAGGED (the watcher read too slowly).
    pub cut_off_lagged: u64,
    /// Cut off with COMPACTED (resumed before the event window, or a snapshot install).
    pub cut_off_compacted: u64,
}

impl From<WatchCounts> for pb::WatchCounts {
    fn from(w: WatchCounts) -> Self {
        pb::WatchCounts {
            open: w.open,
            opened: w.opened,
            refused: w.refused,
            cut_off_lagged: w.cut_off_lagged,
            cut_off_compacted: w.cut_off_compacted,
        }
    }
}

impl From<pb::WatchCounts> for WatchCounts {
    fn from(w: pb::WatchCounts) -> Self {
        WatchCounts {
            open: w.open,
            opened: w.opened,
            refused: w.refused,
            cut_off_lagged: w.cut_off_lagged,
            cut_off_compacted: w.cut_off_compacted,
        }
    }
}

/// Which space alarm (`node/alarms.rs` in tavern-raft says when each is raised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlarmKind {
    /// The state's size reached `state_bytes_max`.
    Quota,
    /// The data directory's filesystem has less free space than `disk_free_min_bytes`.
    Disk,
}

impl AlarmKind {
    /// The name status, metrics and errors use: "quota", "disk".
    pub fn name(self) -> &'static str {
        match self {
            AlarmKind::Quota => "quota",
            AlarmKind::Disk => "disk",
        }
    }
}

impl std::fmt::Display for AlarmKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An active space alarm and what it means for an operator (the figures, what to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub kind: AlarmKind,
    pub detail: String,
}

impl From<AlarmKind> for pb::AlarmKind {
    fn from(k: AlarmKind) -> Self {
        match k {
            AlarmKind::Quota => pb::AlarmKind::Quota,
            AlarmKind::Disk => pb::AlarmKind::Disk,
        }
    }
}

impl TryFrom<pb::AlarmKind> for AlarmKind {
    type Error = ConvertError;

    fn try_from(k: pb::AlarmKind) -> Result<Self, ConvertError> {
        match k {
            pb::AlarmKind::Quota => Ok(AlarmKind::Quota),
            pb::AlarmKind::Disk => Ok(AlarmKind::Disk),
            pb::AlarmKind::Unspecified => Err(ConvertError::new(
                "alarm.kind",
                "is unspecified, not an alarm kind",
            )),
        }
    }
}

impl TryFrom<pb::Alarm> for Alarm {
    type Error = ConvertError;

    fn try_from(a: pb::Alarm) -> Result<Self, ConvertError> {
        let kind = pb::AlarmKind::try_from(a.kind).map_err(|_| {
            ConvertError::new("alarm.kind", format!("is {}, not an alarm kind", a.kind))
        })?;
        Ok(Alarm {
            kind: kind.try_into()?,
            detail: a.detail,
        })
    }
}

/// A digest of a node's whole state, taken at one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateDigest {
    pub sha256: [u8; SHA256_BYTES],
    /// The applied index of the same snapshot of the state (`None`: nothing applied).
    pub applied_index: Option<u64>,
    /// How many records were hashed.
    pub records: u64,
}

impl StateDigest {
    /// The digest in lower-case hex, as tools print it.
    pub fn hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl From<NodeRole> for pb::NodeRole {
    fn from(r: NodeRole) -> Self {
        match r {
            NodeRole::Leader => pb::NodeRole::Leader,
            NodeRole::Follower => pb::NodeRole::Follower,
            NodeRole::Candidate => pb::NodeRole::Candidate,
            NodeRole::Learner => pb::NodeRole::Learner,
            NodeRole::Shutdown => pb::NodeRole::Shutdown,
        }
    }
}

/// The wire's `i32` enum value: unknown values and `UNSPECIFIED` are refused.
fn role(value: i32) -> Result<NodeRole, ConvertError> {
    match pb::NodeRole::try_from(value) {
        Ok(pb::NodeRole::Leader) => Ok(NodeRole::Leader),
        Ok(pb::NodeRole::Follower) => Ok(NodeRole::Follower),
        Ok(pb::NodeRole::Candidate) => Ok(NodeRole::Candidate),
        Ok(pb::NodeRole::Learner) => Ok(NodeRole::Learner),
        Ok(pb::NodeRole::Shutdown) => Ok(NodeRole::Shutdown),
        Ok(pb::NodeRole::Unspecified) | Err(_) => Err(ConvertError::new(
            "status.role",
            format!("is {value}, not a node role"),
        )),
    }
}

impl From<ClusterMember> for pb::ClusterMember {
    fn from(m: ClusterMember) -> Self {
        pb::ClusterMember {
            id: m.id,
            raft_addr: m.raft_addr,
            client_addr: m.client_addr,
        }
    }
}

impl From<pb::ClusterMember> for ClusterMember {
    fn from(m: pb::ClusterMember) -> Self {
        ClusterMember {
            id: m.id,
            raft_addr: m.raft_addr,
            client_addr: m.client_addr,
        }
    }
}

impl From<FollowerProgress> for pb::FollowerProgress {
    fn from(f: FollowerProgress) -> Self {
        pb::FollowerProgress {
            id: f.id,
            matched_index: f.matched_index,
        }
    }
}

impl From<pb::FollowerProgress> for FollowerProgress {
    fn from(f: pb::FollowerProgress) -> Self {
        FollowerProgress {
            id: f.id,
            matched_index: f.matched_index,
        }
    }
}

impl From<NodeStatus> for pb::StatusResponse {
    fn from(s: NodeStatus) -> Self {
        pb::StatusResponse {
            node_id: s.node_id,
            cluster_id: s.cluster_id,
            role: pb::NodeRole::from(s.role).into(),
            current_term: s.current_term,
            leader_id: s.leader_id,
            leader_addr: s.leader_addr,
            last_log_index: s.last_log_index,
            committed_index: s.committed_index,
            applied_index: s.applied_index,
            applied_index_at_start: s.applied_index_at_start,
            snapshot_index: s.snapshot_index,
            purged_index: s.purged_index,
            voters: s.voters.into_iter().map(Into::into).collect(),
            learners: s.learners.into_iter().map(Into::into).collect(),
            followers: s.followers.into_iter().map(Into::into).collect(),
            halted: s.halted,
            alarms: s
                .alarms
                .into_iter()
                .map(|a| pb::Alarm {
                    kind: pb::AlarmKind::from(a.kind).into(),
                    detail: a.detail,
                })
                .collect(),
            state_bytes: s.state_bytes,
            disk_free_bytes: s.disk_free_bytes,
            watch: Some(s.watch.into()),
            tables: s.tables.into_iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<pb::StatusResponse> for NodeStatus {
    type Error = ConvertError;

    fn try_from(s: pb::StatusResponse) -> Result<Self, ConvertError> {
        Ok(NodeStatus {
            node_id: s.node_id,
            cluster_id: s.cluster_id,
            role: role(s.role)?,
            current_term: s.current_term,
            leader_id: s.leader_id,
            leader_addr: s.leader_addr,
            last_log_index: s.last_log_index,
            committed_index: s.committed_index,
            applied_index: s.applied_index,
            applied_index_at_start: s.applied_index_at_start,
            snapshot_index: s.snapshot_index,
            purged_index: s.purged_index,
            voters: s.voters.into_iter().map(Into::into).collect(),
            learners: s.learners.into_iter().map(Into::into).collect(),
            followers: s.followers.into_iter().map(Into::into).collect(),
            halted: s.halted,
            alarms: s
                .alarms
                .into_iter()
                .map(Alarm::try_from)
                .collect::<Result<_, _>>()?,
            state_bytes: s.state_bytes,
            disk_free_bytes: s.disk_free_bytes,
            watch: s.watch.map(Into::into).unwrap_or_default(),
            tables: s
                .tables
                .into_iter()
                .map(TableSize::try_from)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl From<StateDigest> for pb::StateDigestResponse {
    fn from(d: StateDigest) -> Self {
        pb::StateDigestResponse {
            sha256: d.sha256.to_vec(),
            applied_index: d.applied_index,
            records: d.records,
        }
    }
}

impl TryFrom<pb::StateDigestResponse> for StateDigest {
    type Error = ConvertError;

    fn try_from(d: pb::StateDigestResponse) -> Result<Self, ConvertError> {
        let len = d.sha256.len();
        let sha256 = <[u8; SHA256_BYTES]>::try_from(d.sha256).map_err(|_| {
            ConvertError::new(
                "digest.sha256",
                format!("is {len} bytes, a SHA-256 digest is {SHA256_BYTES}"),
            )
        })?;
        Ok(StateDigest {
            sha256,
            applied_index: d.applied_index,
            records: d.records,
        })
    }
}
