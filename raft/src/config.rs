//! The node's configuration: parsed from a TOML file, environment variables and flags into a
//! [`RawConfig`] (every setting optional), then validated into a [`NodeConfig`], the only form
//! the runtime sees (STYLE rule 10).
//!
//! ```text
//!  --config FILE ──toml──▶ RawConfig ─┐
//!  TAVERN_* vars ──────────▶ RawConfig ─┼─ over() ──▶ RawConfig ──validate()──▶ NodeConfig
//!  flags (tools) ──────────▶ RawConfig ─┘  (flags win, then env, then file)   or every problem
//! ```
//!
//! Every setting has one name: `snake_case` in the file, `TAVERN_` + upper case in the
//! environment, `--kebab-case` as a flag. [`SETTINGS`] lists them:
//!
//! | setting | default | meaning |
//! |---|---|---|
//! | `node_id` | required | this node's id, ≥ 1, listed in `peers`; never reused |
//! | `cluster_id` | required | the cluster's name (1 to 64 of `A-Z a-z 0-9 . _ -`); a node refuses data of another cluster |
//! | `raft_addr` | this node's `raft_addr` in `peers` | `IP:port` the internal Raft service listens on |
//! | `client_addr` | this node's `client_addr` in `peers` | `IP:port` the gRPC domain services listen on |
//! | `http_port` | none | port of the health page (`/livez`, `/readyz`), on the IP of `client_addr` |
//! | `data_dir` | required | the directory of this node's RocksDB database and snapshots |
//! | `peers` | required | every voter at bootstrap: `id`, `raft_addr`, `client_addr` (`host:port`) |
//! | `heartbeat_ms` | 50 | leader heartbeat interval |
//! | `election_timeout_min_ms`, `election_timeout_max_ms` | 150, 300 | a follower's election timeout is drawn from this range |
//! | `rpc_timeout_ms` | 1000 | deadline of one RPC to a peer (Raft, forwarded calls) |
//! | `request_timeout_ms` | 5000 | bound on a client call inside the node: a write from propose to applied, a read's wait for its index |
//! | `snapshot_every_entries` | 10000 | build a snapshot after this many entries since the last one |
//! | `logs_to_keep` | 1000 | entries kept in the log behind a snapshot (slow followers catch up from them) |
//! | `snapshot_chunk_bytes` | 1 MiB | a snapshot is streamed to a follower in chunks of at most this size |
//! | `snapshot_timeout_ms` | 600000 | bound on sending one whole snapshot to a follower |
//! | `request_bytes_max` | 1 MiB | largest gRPC request a client may send |
//! | `read_lease` | false | serve `LEASE` reads on the leader |
//! | `auto_promote_learners` | false | the leader promotes a learner to voter once it has caught up (within `CAUGHT_UP_LAG_ENTRIES`) and answers heartbeats |
//! | `watch_window_entries` | 100000 | the events of this many last applied entries are kept (on disk) for watchers to resume from; 1 to 100000000 |
//! | `watch_buffer_replies` | 256 | replies queued for one watcher before it is cut off as too slow; 1 to 65536 |
//! | `watch_streams_max` | 1024 | concurrent watch streams one node serves; 1 to 65536 |
//! | `state_bytes_max` | 0 (no quota) | quota on the state's logical size (every key + value, in bytes); at or above it the node refuses writes that grow the state (`node/alarms.rs`); applied again on SIGHUP (`config/reload.rs`) |
//! | `disk_free_min_bytes` | 256 MiB | free-disk low-water mark of the filesystem of `data_dir`, in bytes (0: off); below it the node refuses writes that grow the state; applied again on SIGHUP |
//! | `backup_dir` | none (no scheduled backups) | directory the node writes its scheduled backups to (snapshot files, `tavern snapshot inspect` reads them) |
//! | `backup_interval_s` | 3600 | seconds between two scheduled backups, 1 to 604800 (a week); a backup is skipped when nothing was applied since the last one |
//! | `backup_keep` | 24 | how many scheduled backups to keep, 1 to 10000; older ones are removed after each new one |
//! | `client_concurrency_max` | 1024 | client calls in progress at once on this node; one more is refused at once with `RESOURCE_EXHAUSTED` |
//!
//! `backup_interval_s` and `backup_keep` without `backup_dir` are refused (they would do
//! nothing).
//!
//! `read_lease` and clocks: a `LEASE` read is served by the leader without a round as long as a
//! quorum acknowledged it within the last `election_timeout_max_ms` (openraft's leader lease),
//! measured on the leader's monotonic clock; followers do not vote for another leader before
//! that long without its heartbeats. This holds only while the nodes' clocks advance at nearly
//! the same rate: the drift between any two nodes over one lease must stay well below
//! `election_timeout_max_ms - election_timeout_min_ms` (with the defaults, 150 ms per 300 ms;
//! NTP-disciplined clocks drift microseconds). A leader process paused (GC, VM migration,
//! SIGSTOP) between the lease check and the read can serve data up to one lease old. Leave it
//! off unless such a rare stale read is acceptable; `LINEARIZABLE` makes no clock assumption.
//!
//! Security, in the file's `[security]` table (`security.rs`; the environment and flags use the
//! bare names, `TAVERN_TLS_CERT`, `--tls-cert`). Every value is a path to a PEM or text file,
//! never a secret itself:
//!
//! | setting | default | meaning |
//! |---|---|---|
//! | `tls_cert`, `tls_key` | none (plain text, warned at start) | this node's certificate chain and key: TLS on `client_addr` and `raft_addr`, and the client certificate it shows its peers |
//! | `tls_cluster_ca` | required with `tls_cert` | CA of the nodes' certificates: Raft is mutual TLS, a peer without a certificate signed by it is refused |
//! | `tls_client_ca` | none | when set, clients must present a certificate signed by it |
//! | `cluster_secret_file` | none | a shared secret (16 to 256 visible ASCII bytes) every Raft message carries; compared in constant time |
//! | `client_tokens_file` | none | accepted bearer tokens, one a line (`#` comments); when set, every client call needs `authorization: Bearer <token>` |
//!
//! In the environment, `TAVERN_PEERS` (and the `--peers` flag) is a comma-separated list of
//! `ID=RAFT_ADDR/CLIENT_ADDR`, e.g. `1=10.0.0.1:7101/10.0.0.1:7201,2=...`. Environment
//! variables outside [`SETTINGS`] are ignored.
//!
//! Validation reports every problem at once, each naming the setting, its value and the rule:
//! "election_timeout_min_ms (100) must be more than heartbeat_ms (150)".

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The prefix of every environment variable the node reads.
pub const ENV_PREFIX: &str = "TAVERN_";

/// Every setting, by its file name (see the module docs for env and flag names).
pub const SETTINGS: &[&str] = &[
    "node_id",
    "cluster_id",
    "raft_addr",
    "client_addr",
    "http_port",
    "data_dir",
    "peers",
    "heartbeat_ms",
    "election_timeout_min_ms",
    "election_timeout_max_ms",
    "rpc_timeout_ms",
    "request_timeout_ms",
    "snapshot_every_entries",
    "logs_to_keep",
    "snapshot_chunk_bytes",
    "snapshot_timeout_ms",
    "request_bytes_max",
    "read_lease",
    "auto_promote_learners",
    "state_bytes_max",
    "disk_free_min_bytes",
    "client_concurrency_max",
    "watch_window_entries",
    "watch_buffer_replies",
    "watch_streams_max",
    "backup_dir",
    "backup_interval_s",
    "backup_keep",
];

/// openraft's defaults: a heartbeat well inside the election timeout, so one lost heartbeat does
/// not start an election.
pub const HEARTBEAT_MS_DEFAULT: u64 = 50;
pub const ELECTION_TIMEOUT_MIN_MS_DEFAULT: u64 = 150;
pub const ELECTION_TIMEOUT_MAX_MS_DEFAULT: u64 = 300;
pub const RPC_TIMEOUT_MS_DEFAULT: u64 = 1_000;
pub const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 5_000;
pub const SNAPSHOT_TIMEOUT_MS_DEFAULT: u64 = 600_000;
/// A snapshot transfer longer than a day is a typo, not a choice.
pub const SNAPSHOT_TIMEOUT_MS_MAX: u64 = 86_400_000;
pub use crate::store::snapshot::SNAPSHOT_CHUNK_BYTES_MAX;
pub const SNAPSHOT_EVERY_ENTRIES_DEFAULT: u64 = 10_000;
pub const LOGS_TO_KEEP_DEFAULT: u64 = 1_000;
/// Four times the largest valid request (a full presence batch with long world server names).
pub const REQUEST_BYTES_MAX_DEFAULT: usize = 1024 * 1024;

/// Below this the leader spends its time on heartbeats.
pub const HEARTBEAT_MS_MIN: u64 = 10;
/// Any timing above a minute is a typo (seconds for milliseconds), not a choice.
pub const TIMING_MS_MAX: u64 = 60_000;
/// A smaller limit would refuse valid requests (a presence batch of `PRESENCE_BATCH_MAX`).
pub const REQUEST_BYTES_MAX_FLOOR: usize = 256 * 1024;
/// A larger one lets one client hold that much memory per call for no domain reason.
pub const REQUEST_BYTES_MAX_CEILING: usize = 64 * 1024 * 1024;
/// Room for RocksDB to flush and compact, and for a snapshot or two, before the disk is full.
pub const DISK_FREE_MIN_BYTES_DEFAULT: u64 = 256 * 1024 * 1024;
/// Client calls in progress at once on one node: far more than a realm's gateways keep in
/// flight, far fewer than would exhaust the node's memory or file handles.
pub const CLIENT_CONCURRENCY_MAX_DEFAULT: usize = 1024;
pub const CLIENT_CONCURRENCY_MAX_CEILING: usize = 65_536;
/// Voters at bootstrap: each write waits for a majority, so more nodes only add latency.
pub const PEERS_MAX: usize = 9;
/// Enough for a watcher to resume after a restart of its gateway under a busy cluster.
pub const WATCH_WINDOW_ENTRIES_DEFAULT: u64 = 100_000;
/// A window past this is a typo: each entry's events take disk.
pub const WATCH_WINDOW_ENTRIES_MAX: u64 = 100_000_000;
pub const WATCH_BUFFER_REPLIES_DEFAULT: usize = 256;
/// Past this one slow watcher holds too much memory.
pub const WATCH_BUFFER_REPLIES_MAX: usize = 65_536;
pub const WATCH_STREAMS_MAX_DEFAULT: usize = 1024;
pub const WATCH_STREAMS_MAX_CEILING: usize = 65_536;
pub const CLUSTER_ID_BYTES_MAX: usize = 64;
pub const BACKUP_INTERVAL_S_DEFAULT: u64 = 3_600;
/// A backup less often than weekly is a typo (milliseconds for seconds), not a choice.
pub const BACKUP_INTERVAL_S_MAX: u64 = 7 * 24 * 3_600;
pub const BACKUP_KEEP_DEFAULT: usize = 24;
/// More files than this in one directory is a typo, not a retention policy.
pub const BACKUP_KEEP_MAX: usize = 10_000;

/// Why a config could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{var}={value:?} is not valid: {reason}")]
    Env {
        var: String,
        value: String,
        reason: String,
    },
    #[error("invalid config:\n  - {}", .problems.join("\n  - "))]
    Invalid { problems: Vec<String> },
}

/// A peer as written in the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeer {
    pub id: u64,
    pub raft_addr: String,
    pub client_addr: String,
}

/// The config as read from one source (or several merged): every setting optional, nothing
/// checked beyond its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raft_addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election_timeout_min_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election_timeout_max_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_every_entries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs_to_keep: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_chunk_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_bytes_max: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_lease: Option<bool>,
    pub auto_promote_learners: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_bytes_max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_free_min_bytes: Option<u64>,
    pub client_concurrency_max: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch_window_entries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch_buffer_replies: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch_streams_max: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_interval_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_keep: Option<usize>,
    /// Last, so TOML writes it as `[[peers]]` tables after the plain settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peers: Option<Vec<RawPeer>>,
    /// The `[security]` table (TLS, cluster secret, client tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<RawSecurity>,
}

/// A peer of the validated config: the raft membership's own node type. Addresses are
/// `host:port` (a host name or an IP), as the other nodes and the clients dial them.
pub type Peer = crate::types::Member;

/// When to build a snapshot and how much log to keep behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    pub every_entries: u64,
    pub logs_to_keep: u64,
    /// Chunk size of a snapshot stream, 1 to [`SNAPSHOT_CHUNK_BYTES_MAX`].
    pub chunk_bytes: usize,
    /// Bound on sending one whole snapshot to a follower.
    pub timeout_ms: u64,
}

/// How long events are kept and how watchers are bounded (the watch stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPolicy {
    /// The events of the last this many applied entries are kept on disk.
    pub window_entries: u64,
    /// Replies queued for one watcher before it is cut off.
    pub buffer_replies: usize,
    /// Concurrent watch streams on this node.
    pub streams_max: usize,
}

impl Default for WatchPolicy {
    fn default() -> Self {
        WatchPolicy {
            window_entries: WATCH_WINDOW_ENTRIES_DEFAULT,
            buffer_replies: WATCH_BUFFER_REPLIES_DEFAULT,
            streams_max: WATCH_STREAMS_MAX_DEFAULT,
        }
    }
}

/// Scheduled backups of the node's state (`node/backup.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPolicy {
    pub dir: PathBuf,
    pub interval_s: u64,
    /// How many backups to keep, 1 to [`BACKUP_KEEP_MAX`].
    pub keep: usize,
}

/// A validated config: the only form the runtime sees. Built only by [`RawConfig::validate`]
/// (`non_exhaustive` forbids a struct literal outside this crate).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeConfig {
    pub node_id: u64,
    pub cluster_id: String,
    pub raft_addr: SocketAddr,
    pub client_addr: SocketAddr,
    pub http_port: Option<u16>,
    pub data_dir: PathBuf,
    /// Every voter at bootstrap, this node included.
    pub peers: BTreeMap<u64, Peer>,
    pub heartbeat_ms: u64,
    pub election_timeout_min_ms: u64,
    pub election_timeout_max_ms: u64,
    pub rpc_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub snapshot: SnapshotPolicy,
    pub request_bytes_max: usize,
    pub read_lease: bool,
    /// Promote caught-up learners automatically (on the leader; `node/promotion.rs`).
    pub auto_promote_learners: bool,
    /// Quota on the state's logical size in bytes (every key + value); 0: no quota.
    pub state_bytes_max: u64,
    /// Free-disk low-water mark of `data_dir`'s filesystem, in bytes; 0: not watched.
    pub disk_free_min_bytes: u64,
    /// Client calls in progress at once; one more is refused (`crate::security`).
    pub client_concurrency_max: usize,
    /// TLS, the cluster secret, the client tokens (`crate::security` loads the files).
    pub security: SecurityConfig,
    pub watch: WatchPolicy,
    /// `None`: no scheduled backups.
    pub backup: Option<BackupPolicy>,
}

impl RawConfig {
    /// Parses a TOML document; `path` only names it in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<RawConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        RawConfig::from_toml(&text, path)
    }

    /// The settings found in `vars` (pass `std::env::vars()`): `TAVERN_` + the setting's name
    /// in upper case. Other variables are ignored.
    pub fn from_env(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RawConfig, ConfigError> {
        let mut raw = RawConfig::default();
        for (var, value) in vars {
            let Some(name) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let setting = name.to_ascii_lowercase();
            if !SETTINGS.contains(&setting.as_str())
                && !SECURITY_SETTINGS.contains(&setting.as_str())
            {
                continue;
            }
            raw.set(&setting, &value)
                .map_err(|reason| ConfigError::Env {
                    var: var.clone(),
                    value: value.clone(),
                    reason,
                })?;
        }
        Ok(raw)
    }

    /// Sets one setting from its text form (the environment's).
    pub fn set(&mut self, setting: &str, value: &str) -> Result<(), String> {
        fn num<T: std::str::FromStr>(value: &str) -> Result<Option<T>, String>
        where
            T::Err: fmt::Display,
        {
            value.trim().parse().map(Some).map_err(|e| format!("{e}"))
        }
        match setting {
            "node_id" => self.node_id = num(value)?,
            "cluster_id" => self.cluster_id = Some(value.to_string()),
            "raft_addr" => self.raft_addr = Some(value.to_string()),
            "client_addr" => self.client_addr = Some(value.to_string()),
            "http_port" => self.http_port = num(value)?,
            "data_dir" => self.data_dir = Some(PathBuf::from(value)),
            "peers" => self.peers = Some(parse_peers(value)?),
            "heartbeat_ms" => self.heartbeat_ms = num(value)?,
            "election_timeout_min_ms" => self.election_timeout_min_ms = num(value)?,
            "election_timeout_max_ms" => self.election_timeout_max_ms = num(value)?,
            "rpc_timeout_ms" => self.rpc_timeout_ms = num(value)?,
            "request_timeout_ms" => self.request_timeout_ms = num(value)?,
            "snapshot_every_entries" => self.snapshot_every_entries = num(value)?,
            "logs_to_keep" => self.logs_to_keep = num(value)?,
            "snapshot_chunk_bytes" => self.snapshot_chunk_bytes = num(value)?,
            "snapshot_timeout_ms" => self.snapshot_timeout_ms = num(value)?,
            "request_bytes_max" => self.request_bytes_max = num(value)?,
            "read_lease" => self.read_lease = num(value)?,
            "auto_promote_learners" => self.auto_promote_learners = num(value)?,
            "watch_window_entries" => self.watch_window_entries = num(value)?,
            "watch_buffer_replies" => self.watch_buffer_replies = num(value)?,
            "watch_streams_max" => self.watch_streams_max = num(value)?,
            "state_bytes_max" => self.state_bytes_max = num(value)?,
            "disk_free_min_bytes" => self.disk_free_min_bytes = num(value)?,
            "backup_dir" => self.backup_dir = Some(PathBuf::from(value)),
            "backup_interval_s" => self.backup_interval_s = num(value)?,
            "backup_keep" => self.backup_keep = num(value)?,
            "client_concurrency_max" => self.client_concurrency_max = num(value)?,
            other if SECURITY_SETTINGS.contains(&other) => {
                let security = self.security.get_or_insert_with(RawSecurity::default);
                security.set(other, value);
            }
            other => return Err(format!("{other} is not a setting")),
        }
        Ok(())
    }

    /// `self`'s settings, and `base`'s where `self` has none (`peers` is taken whole).
    pub fn over(self, base: RawConfig) -> RawConfig {
        RawConfig {
            node_id: self.node_id.or(base.node_id),
            cluster_id: self.cluster_id.or(base.cluster_id),
            raft_addr: self.raft_addr.or(base.raft_addr),
            client_addr: self.client_addr.or(base.client_addr),
            http_port: self.http_port.or(base.http_port),
            data_dir: self.data_dir.or(base.data_dir),
            heartbeat_ms: self.heartbeat_ms.or(base.heartbeat_ms),
            election_timeout_min_ms: self
                .election_timeout_min_ms
                .or(base.election_timeout_min_ms),
            election_timeout_max_ms: self
                .election_timeout_max_ms
                .or(base.election_timeout_max_ms),
            rpc_timeout_ms: self.rpc_timeout_ms.or(base.rpc_timeout_ms),
            request_timeout_ms: self.request_timeout_ms.or(base.request_timeout_ms),
            snapshot_every_entries: self.snapshot_every_entries.or(base.snapshot_every_entries),
            logs_to_keep: self.logs_to_keep.or(base.logs_to_keep),
            snapshot_chunk_bytes: self.snapshot_chunk_bytes.or(base.snapshot_chunk_bytes),
            snapshot_timeout_ms: self.snapshot_timeout_ms.or(base.snapshot_timeout_ms),
            request_bytes_max: self.request_bytes_max.or(base.request_bytes_max),
            read_lease: self.read_lease.or(base.read_lease),
            auto_promote_learners: self.auto_promote_learners.or(base.auto_promote_learners),
            state_bytes_max: self.state_bytes_max.or(base.state_bytes_max),
            disk_free_min_bytes: self.disk_free_min_bytes.or(base.disk_free_min_bytes),
            client_concurrency_max: self.client_concurrency_max.or(base.client_concurrency_max),
            watch_window_entries: self.watch_window_entries.or(base.watch_window_entries),
            watch_buffer_replies: self.watch_buffer_replies.or(base.watch_buffer_replies),
            watch_streams_max: self.watch_streams_max.or(base.watch_streams_max),
            backup_dir: self.backup_dir.or(base.backup_dir),
            backup_interval_s: self.backup_interval_s.or(base.backup_interval_s),
            backup_keep: self.backup_keep.or(base.backup_keep),
            peers: self.peers.or(base.peers),
            security: match (self.security, base.security) {
                (Some(s), Some(b)) => Some(s.over(b)),
                (s, b) => s.or(b),
            },
        }
    }
}

impl RawConfig {
    /// The settings that say who node `node_id` of `peers` is, every other setting left to its
    /// default: what `tavern dev` and the tests start a node with.
    pub fn for_node(
        cluster_id: &str,
        node_id: u64,
        data_dir: &Path,
        peers: &BTreeMap<u64, Peer>,
    ) -> RawConfig {
        RawConfig {
            node_id: Some(node_id),
            cluster_id: Some(cluster_id.to_string()),
            data_dir: Some(data_dir.to_path_buf()),
            peers: Some(
                peers
                    .iter()
                    .map(|(&id, p)| RawPeer {
                        id,
                        raft_addr: p.raft_addr.clone(),
                        client_addr: p.client_addr.clone(),
                    })
                    .collect(),
            ),
            ..RawConfig::default()
        }
    }
}

/// `ID=RAFT_ADDR/CLIENT_ADDR[,...]`, the text form of `peers`.
pub fn parse_peers(text: &str) -> Result<Vec<RawPeer>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let bad = || format!("peer {p:?} must be ID=RAFT_ADDR/CLIENT_ADDR");
            let (id, addrs) = p.split_once('=').ok_or_else(bad)?;
            let (raft, client) = addrs.split_once('/').ok_or_else(bad)?;
            let id = id.trim().parse().map_err(|_| bad())?;
            Ok(RawPeer {
                id,
                raft_addr: raft.trim().to_string(),
                client_addr: client.trim().to_string(),
            })
        })
        .collect()
}

impl NodeConfig {
    /// The config in the file format, every setting written out: what `tavern serve` prints,
    /// and a file that validates to the same config.
    pub fn to_toml(&self) -> String {
        let raw = RawConfig {
            node_id: Some(self.node_id),
            cluster_id: Some(self.cluster_id.clone()),
            raft_addr: Some(self.raft_addr.to_string()),
            client_addr: Some(self.client_addr.to_string()),
            http_port: self.http_port,
            data_dir: Some(self.data_dir.clone()),
            heartbeat_ms: Some(self.heartbeat_ms),
            election_timeout_min_ms: Some(self.election_timeout_min_ms),
            election_timeout_max_ms: Some(self.election_timeout_max_ms),
            rpc_timeout_ms: Some(self.rpc_timeout_ms),
            request_timeout_ms: Some(self.request_timeout_ms),
            snapshot_every_entries: Some(self.snapshot.every_entries),
            logs_to_keep: Some(self.snapshot.logs_to_keep),
            snapshot_chunk_bytes: Some(self.snapshot.chunk_bytes),
            snapshot_timeout_ms: Some(self.snapshot.timeout_ms),
            request_bytes_max: Some(self.request_bytes_max),
            read_lease: Some(self.read_lease),
            auto_promote_learners: Some(self.auto_promote_learners),
            state_bytes_max: Some(self.state_bytes_max),
            disk_free_min_bytes: Some(self.disk_free_min_bytes),
            client_concurrency_max: Some(self.client_concurrency_max),
            security: (self.security != SecurityConfig::default()).then(|| self.security.to_raw()),
            watch_window_entries: Some(self.watch.window_entries),
            watch_buffer_replies: Some(self.watch.buffer_replies),
            watch_streams_max: Some(self.watch.streams_max),
            backup_dir: self.backup.as_ref().map(|b| b.dir.clone()),
            backup_interval_s: self.backup.as_ref().map(|b| b.interval_s),
            backup_keep: self.backup.as_ref().map(|b| b.keep),
            peers: Some(
                self.peers
                    .iter()
                    .map(|(&id, p)| RawPeer {
                        id,
                        raft_addr: p.raft_addr.clone(),
                        client_addr: p.client_addr.clone(),
                    })
                    .collect(),
            ),
        };
        toml::to_string(&raw)
            .expect("plain values and a UTF-8 data_dir (checked by validate) serialize to TOML")
    }
}

mod reload;
mod security;
mod validate;

pub use reload::{Changed, ConfigChanges, RELOADABLE_SETTINGS};
pub use security::{RawSecurity, SecurityConfig, TlsFiles, SECURITY_SETTINGS};

#[cfg(test)]
mod tests;
