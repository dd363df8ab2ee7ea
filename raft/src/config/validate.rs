//! The rules of [`RawConfig::validate`]: every setting alone, then the relations between them
//! (the node in its peers, listen addresses that differ, an election timeout longer than the
//! heartbeat). Each problem names the setting, its value and the rule; all are collected, so
//! one run shows everything to fix.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::*;

impl RawConfig {
    /// Checks every setting and every relation between settings, and fills the defaults.
    pub fn validate(self) -> Result<NodeConfig, ConfigError> {
        let mut v = Problems::default();
        let identity = check_identity(&mut v, &self);
        let [heartbeat_ms, election_timeout_min_ms, election_timeout_max_ms, rpc_timeout_ms, request_timeout_ms] =
            check_timing(&mut v, &self);
        let snapshot = SnapshotPolicy {
            every_entries: self
                .snapshot_every_entries
                .unwrap_or(SNAPSHOT_EVERY_ENTRIES_DEFAULT),
            logs_to_keep: self.logs_to_keep.unwrap_or(LOGS_TO_KEEP_DEFAULT),
            chunk_bytes: self
                .snapshot_chunk_bytes
                .unwrap_or(SNAPSHOT_CHUNK_BYTES_MAX),
            timeout_ms: self
                .snapshot_timeout_ms
                .unwrap_or(SNAPSHOT_TIMEOUT_MS_DEFAULT),
        };
        if snapshot.every_entries == 0 {
            v.push("snapshot_every_entries (0) must be at least 1".into());
        }
        if !(1..=SNAPSHOT_CHUNK_BYTES_MAX).contains(&snapshot.chunk_bytes) {
            v.push(format!(
                "snapshot_chunk_bytes ({}) must be from 1 to {SNAPSHOT_CHUNK_BYTES_MAX}",
                snapshot.chunk_bytes
            ));
        }
        if !(1..=SNAPSHOT_TIMEOUT_MS_MAX).contains(&snapshot.timeout_ms) {
            v.push(format!(
                "snapshot_timeout_ms ({}) must be from 1 to {SNAPSHOT_TIMEOUT_MS_MAX} (milliseconds)",
                snapshot.timeout_ms
            ));
        }
        let request_bytes_max = self.request_bytes_max.unwrap_or(REQUEST_BYTES_MAX_DEFAULT);
        if !(REQUEST_BYTES_MAX_FLOOR..=REQUEST_BYTES_MAX_CEILING).contains(&request_bytes_max) {
            v.push(format!(
                "request_bytes_max ({request_bytes_max}) must be from {REQUEST_BYTES_MAX_FLOOR} \
                 to {REQUEST_BYTES_MAX_CEILING} bytes"
            ));
        }
        let client_concurrency_max = self
            .client_concurrency_max
            .unwrap_or(CLIENT_CONCURRENCY_MAX_DEFAULT);
        if !(1..=CLIENT_CONCURRENCY_MAX_CEILING).contains(&client_concurrency_max) {
            v.push(format!(
                "client_concurrency_max ({client_concurrency_max}) must be from 1 to \
                 {CLIENT_CONCURRENCY_MAX_CEILING} (calls)"
            ));
        }
        let security = self
            .security
            .clone()
            .unwrap_or_default()
            .validate(&mut v.problems);
        let backup = check_backup(&mut v, &self);
        match identity {
            Some(id) if v.problems.is_empty() => Ok(NodeConfig {
                node_id: id.node_id,
                cluster_id: id.cluster_id,
                raft_addr: id.raft_addr,
                client_addr: id.client_addr,
                http_port: self.http_port,
                data_dir: id.data_dir,
                peers: id.peers,
                heartbeat_ms,
                election_timeout_min_ms,
                election_timeout_max_ms,
                rpc_timeout_ms,
                request_timeout_ms,
                snapshot,
                request_bytes_max,
                read_lease: self.read_lease.unwrap_or(false),
                auto_promote_learners: self.auto_promote_learners.unwrap_or(false),
                client_concurrency_max,
                security,
                backup,
            }),
            _ => Err(ConfigError::Invalid {
                problems: v.problems,
            }),
        }
    }
}

/// The scheduled backups: none without `backup_dir`, and then no other backup setting.
fn check_backup(v: &mut Problems, raw: &RawConfig) -> Option<BackupPolicy> {
    let Some(dir) = raw.backup_dir.clone() else {
        if let Some(s) = raw.backup_interval_s {
            v.push(format!(
                "backup_interval_s ({s}) is set but backup_dir is not: set both or neither"
            ));
        }
        if let Some(k) = raw.backup_keep {
            v.push(format!(
                "backup_keep ({k}) is set but backup_dir is not: set both or neither"
            ));
        }
        return None;
    };
    match dir.to_str() {
        Some("") => v.push("backup_dir must not be empty".into()),
        None => v.push(format!("backup_dir ({dir:?}) must be valid UTF-8")),
        Some(_) => {}
    }
    let interval_s = raw.backup_interval_s.unwrap_or(BACKUP_INTERVAL_S_DEFAULT);
    if !(1..=BACKUP_INTERVAL_S_MAX).contains(&interval_s) {
        v.push(format!(
            "backup_interval_s ({interval_s}) must be from 1 to {BACKUP_INTERVAL_S_MAX} (seconds)"
        ));
    }
    let keep = raw.backup_keep.unwrap_or(BACKUP_KEEP_DEFAULT);
    if !(1..=BACKUP_KEEP_MAX).contains(&keep) {
        v.push(format!(
            "backup_keep ({keep}) must be from 1 to {BACKUP_KEEP_MAX}"
        ));
    }
    Some(BackupPolicy {
        dir,
        interval_s,
        keep,
    })
}

/// Who and where this node is.
struct Identity {
    node_id: u64,
    cluster_id: String,
    raft_addr: SocketAddr,
    client_addr: SocketAddr,
    data_dir: PathBuf,
    peers: BTreeMap<u64, Peer>,
}

/// The identity settings, each checked (`None` when one is missing or wrong: the problems say
/// which).
fn check_identity(v: &mut Problems, raw: &RawConfig) -> Option<Identity> {
    let node_id = v.required("node_id", raw.node_id);
    if node_id == Some(0) {
        v.push("node_id (0) must be at least 1 (0 means unset on the wire)".into());
    }
    let cluster_id = v.required("cluster_id", raw.cluster_id.clone());
    if let Some(id) = &cluster_id {
        check_cluster_id(v, id);
    }
    let data_dir = v.required("data_dir", raw.data_dir.clone());
    match data_dir.as_ref().map(|d| d.to_str()) {
        Some(Some("")) => v.push("data_dir must not be empty".into()),
        Some(None) => v.push(format!("data_dir ({data_dir:?}) must be valid UTF-8")),
        _ => {}
    }
    let peers = v
        .required("peers", raw.peers.clone())
        .and_then(|p| check_peers(v, p));
    let me = match (&peers, node_id) {
        (Some(peers), Some(id)) => {
            let me = peers.get(&id).cloned();
            if me.is_none() {
                v.push(format!("node_id {id} is not in peers"));
            }
            me
        }
        _ => None,
    };
    let raft_addr = listen_addr(v, "raft_addr", raw.raft_addr.clone(), me.as_ref());
    let client_addr = listen_addr(v, "client_addr", raw.client_addr.clone(), me.as_ref());
    if let (Some(r), Some(c)) = (raft_addr, client_addr) {
        if r == c {
            v.push(format!(
                "raft_addr and client_addr are both {r}; they must differ"
            ));
        }
    }
    if let Some(port) = raw.http_port {
        check_http_port(v, port, [raft_addr, client_addr]);
    }
    Some(Identity {
        node_id: node_id?,
        cluster_id: cluster_id?,
        raft_addr: raft_addr?,
        client_addr: client_addr?,
        data_dir: data_dir?,
        peers: peers?,
    })
}

/// The problems found so far.
#[derive(Debug, Default)]
struct Problems {
    problems: Vec<String>,
}

impl Problems {
    fn push(&mut self, problem: String) {
        self.problems.push(problem);
    }

    fn required<T>(&mut self, setting: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(format!(
                "{setting} is required (in the file, or {ENV_PREFIX}{})",
                setting.to_ascii_uppercase()
            ));
        }
        value
    }
}

fn check_cluster_id(v: &mut Problems, id: &str) {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.is_empty() || id.len() > CLUSTER_ID_BYTES_MAX || !id.chars().all(allowed) {
        v.push(format!(
            "cluster_id ({id:?}) must be 1 to {CLUSTER_ID_BYTES_MAX} of A-Z a-z 0-9 . _ -"
        ));
    }
}

/// Peers by id, each with `host:port` addresses, no id or address twice.
fn check_peers(v: &mut Problems, raw: Vec<RawPeer>) -> Option<BTreeMap<u64, Peer>> {
    let before = v.problems.len();
    if raw.is_empty() {
        v.push("peers must list at least this node".into());
    }
    if raw.len() > PEERS_MAX {
        v.push(format!(
            "peers lists {} nodes, the limit is {PEERS_MAX}",
            raw.len()
        ));
    }
    let mut peers = BTreeMap::new();
    let mut raft_addrs: BTreeMap<&str, u64> = BTreeMap::new();
    let mut client_addrs: BTreeMap<&str, u64> = BTreeMap::new();
    for p in &raw {
        if p.id == 0 {
            v.push("peers: node id 0 is not allowed (ids start at 1)".into());
        }
        for (what, addr) in [("raft_addr", &p.raft_addr), ("client_addr", &p.client_addr)] {
            if let Err(reason) = check_host_port(addr) {
                v.push(format!("peers: node {} {what} ({addr:?}) {reason}", p.id));
            }
        }
        if p.raft_addr == p.client_addr {
            v.push(format!(
                "peers: node {} has raft_addr and client_addr both {}; they must differ",
                p.id, p.raft_addr
            ));
        }
        if let Some(other) = raft_addrs.insert(&p.raft_addr, p.id) {
            v.push(format!(
                "peers: nodes {other} and {} share raft_addr {}",
                p.id, p.raft_addr
            ));
        }
        if let Some(other) = client_addrs.insert(&p.client_addr, p.id) {
            v.push(format!(
                "peers: nodes {other} and {} share client_addr {}",
                p.id, p.client_addr
            ));
        }
        let peer = Peer {
            raft_addr: p.raft_addr.clone(),
            client_addr: p.client_addr.clone(),
        };
        if peers.insert(p.id, peer).is_some() {
            v.push(format!("peers: node {} listed twice", p.id));
        }
    }
    (v.problems.len() == before).then_some(peers)
}

/// `host:port` with a host and a port from 1 to 65535.
fn check_host_port(addr: &str) -> Result<(), String> {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err("must be host:port".into());
    };
    if host.is_empty() {
        return Err("must be host:port, the host is missing".into());
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err("must be host:port with a port from 1 to 65535".into()),
        Ok(_) => Ok(()),
    }
}

/// A listen address: the setting when given, else this node's address in `peers`, which must
/// then be an `IP:port`.
fn listen_addr(
    v: &mut Problems,
    setting: &str,
    value: Option<String>,
    me: Option<&Peer>,
) -> Option<SocketAddr> {
    let (text, from) = match (value, me) {
        (Some(text), _) => (text, setting.to_string()),
        (None, Some(me)) => {
            let peer = if setting == "raft_addr" {
                &me.raft_addr
            } else {
                &me.client_addr
            };
            (peer.clone(), format!("{setting} (from peers)"))
        }
        // node_id missing or not in peers: already reported.
        (None, None) => return None,
    };
    match text.parse::<SocketAddr>() {
        Ok(addr) => Some(addr),
        Err(_) => {
            v.push(format!(
                "{from} ({text:?}) must be IP:port to listen on, like 0.0.0.0:7101"
            ));
            None
        }
    }
}

fn check_http_port(v: &mut Problems, port: u16, listen: [Option<SocketAddr>; 2]) {
    if port == 0 {
        v.push("http_port (0) must be from 1 to 65535".into());
    }
    for addr in listen.into_iter().flatten() {
        if addr.port() == port {
            v.push(format!("http_port ({port}) is also the port of {addr}"));
        }
    }
}

/// `[heartbeat, election min, election max, rpc timeout, request timeout]` in ms, defaults
/// filled in.
fn check_timing(v: &mut Problems, raw: &RawConfig) -> [u64; 5] {
    let heartbeat = raw.heartbeat_ms.unwrap_or(HEARTBEAT_MS_DEFAULT);
    let min = raw
        .election_timeout_min_ms
        .unwrap_or(ELECTION_TIMEOUT_MIN_MS_DEFAULT);
    let max = raw
        .election_timeout_max_ms
        .unwrap_or(ELECTION_TIMEOUT_MAX_MS_DEFAULT);
    let rpc = raw.rpc_timeout_ms.unwrap_or(RPC_TIMEOUT_MS_DEFAULT);
    let request = raw.request_timeout_ms.unwrap_or(REQUEST_TIMEOUT_MS_DEFAULT);
    if heartbeat < HEARTBEAT_MS_MIN {
        v.push(format!(
            "heartbeat_ms ({heartbeat}) must be at least {HEARTBEAT_MS_MIN}"
        ));
    }
    if min <= heartbeat {
        v.push(format!(
            "election_timeout_min_ms ({min}) must be more than heartbeat_ms ({heartbeat})"
        ));
    }
    if max <= min {
        v.push(format!(
            "election_timeout_max_ms ({max}) must be more than election_timeout_min_ms ({min})"
        ));
    }
    for (setting, value) in [("rpc_timeout_ms", rpc), ("request_timeout_ms", request)] {
        if value == 0 {
            v.push(format!("{setting} (0) must be at least 1"));
        }
    }
    for (setting, value) in [
        ("heartbeat_ms", heartbeat),
        ("election_timeout_min_ms", min),
        ("election_timeout_max_ms", max),
        ("rpc_timeout_ms", rpc),
        ("request_timeout_ms", request),
    ] {
        if value > TIMING_MS_MAX {
            v.push(format!(
                "{setting} ({value}) must be at most {TIMING_MS_MAX} (milliseconds)"
            ));
        }
    }
    [heartbeat, min, max, rpc, request]
}
