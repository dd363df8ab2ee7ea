//! The node runtime's configuration: parsed by whoever starts the node (`tavern serve`, tests),
//! validated here into [`ValidNodeConfig`], which is all the runtime ever sees.
//!
//! Every duration is in milliseconds and says so in its name; every relation (election
//! timeout above the heartbeat, the node among its peers) is checked with a message that
//! names the values.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::store::snapshot::SNAPSHOT_CHUNK_BYTES_MAX;
use crate::types::{Member, NodeId};

/// Defaults, each a named value with its unit.
pub const HEARTBEAT_MS_DEFAULT: u64 = 100;
pub const ELECTION_TIMEOUT_MIN_MS_DEFAULT: u64 = 500;
pub const ELECTION_TIMEOUT_MAX_MS_DEFAULT: u64 = 1000;
pub const SNAPSHOT_EVERY_ENTRIES_DEFAULT: u64 = 10_000;
pub const LOGS_KEPT_AFTER_SNAPSHOT_DEFAULT: u64 = 1_000;
pub const CONNECT_TIMEOUT_MS_DEFAULT: u64 = 1_000;
pub const SNAPSHOT_TIMEOUT_MS_DEFAULT: u64 = 600_000;
pub const WRITE_TIMEOUT_MS_DEFAULT: u64 = 5_000;
pub const READ_TIMEOUT_MS_DEFAULT: u64 = 5_000;

/// What a node needs to run, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// This node's id; never reused.
    pub id: NodeId,
    /// Holds `db/` (RocksDB) and `snapshots/`.
    pub data_dir: PathBuf,
    /// The voters of a fresh cluster, this node included, with their addresses. The node with
    /// the lowest id initializes the cluster from it when its log is empty.
    pub peers: BTreeMap<NodeId, Member>,
    /// The leader sends a heartbeat at least this often.
    pub heartbeat_ms: u64,
    /// A follower that heard nothing for a random time in [min, max) starts an election.
    pub election_timeout_min_ms: u64,
    pub election_timeout_max_ms: u64,
    /// Build a snapshot once this many entries were applied since the last one (0: never).
    pub snapshot_every_entries: u64,
    /// Entries already in a snapshot kept in the log (for followers slightly behind).
    pub logs_kept_after_snapshot: u64,
    /// Bound on a TCP connect to a peer.
    pub connect_timeout_ms: u64,
    /// Bound on a whole snapshot transfer to a peer.
    pub snapshot_timeout_ms: u64,
    /// Size of the chunks a snapshot is sent in, at most `SNAPSHOT_CHUNK_BYTES_MAX`.
    pub snapshot_chunk_bytes: usize,
    /// Bound on a write, from propose to applied on this node.
    pub write_timeout_ms: u64,
    /// Bound on the wait of a read (`AT_LEAST` apply, read index confirmation).
    pub read_timeout_ms: u64,
    /// Serve `LEASE` reads (the leader answers within its lease, no heartbeat round); off by
    /// default, since a clock jump beyond the lease could serve a stale read.
    pub lease_reads: bool,
}

impl NodeConfig {
    /// A config with every default, for node `id` of `peers`.
    pub fn new(id: NodeId, data_dir: PathBuf, peers: BTreeMap<NodeId, Member>) -> Self {
        NodeConfig {
            id,
            data_dir,
            peers,
            heartbeat_ms: HEARTBEAT_MS_DEFAULT,
            election_timeout_min_ms: ELECTION_TIMEOUT_MIN_MS_DEFAULT,
            election_timeout_max_ms: ELECTION_TIMEOUT_MAX_MS_DEFAULT,
            snapshot_every_entries: SNAPSHOT_EVERY_ENTRIES_DEFAULT,
            logs_kept_after_snapshot: LOGS_KEPT_AFTER_SNAPSHOT_DEFAULT,
            connect_timeout_ms: CONNECT_TIMEOUT_MS_DEFAULT,
            snapshot_timeout_ms: SNAPSHOT_TIMEOUT_MS_DEFAULT,
            snapshot_chunk_bytes: SNAPSHOT_CHUNK_BYTES_MAX,
            write_timeout_ms: WRITE_TIMEOUT_MS_DEFAULT,
            read_timeout_ms: READ_TIMEOUT_MS_DEFAULT,
            lease_reads: false,
        }
    }

    /// Checks every value and relation; the runtime only takes the result.
    pub fn validate(self) -> Result<ValidNodeConfig, ConfigError> {
        if !self.peers.contains_key(&self.id) {
            return Err(ConfigError::NotAPeer {
                id: self.id,
                peers: self.peers.keys().copied().collect(),
            });
        }
        for (id, m) in &self.peers {
            for (what, addr) in [("raft_addr", &m.raft_addr), ("client_addr", &m.client_addr)] {
                if addr
                    .rsplit_once(':')
                    .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
                {
                    return Err(ConfigError::Address {
                        id: *id,
                        what,
                        addr: addr.clone(),
                    });
                }
            }
        }
        for (name, v) in [
            ("heartbeat_ms", self.heartbeat_ms),
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("snapshot_timeout_ms", self.snapshot_timeout_ms),
            ("write_timeout_ms", self.write_timeout_ms),
            ("read_timeout_ms", self.read_timeout_ms),
        ] {
            if v == 0 {
                return Err(ConfigError::Zero { name });
            }
        }
        if self.snapshot_chunk_bytes == 0 || self.snapshot_chunk_bytes > SNAPSHOT_CHUNK_BYTES_MAX {
            return Err(ConfigError::ChunkBytes {
                value: self.snapshot_chunk_bytes,
                max: SNAPSHOT_CHUNK_BYTES_MAX,
            });
        }
        let snapshot_policy = match self.snapshot_every_entries {
            0 => openraft::SnapshotPolicy::Never,
            n => openraft::SnapshotPolicy::LogsSinceLast(n),
        };
        let raft = openraft::Config {
            cluster_name: "tavern".into(),
            heartbeat_interval: self.heartbeat_ms,
            election_timeout_min: self.election_timeout_min_ms,
            election_timeout_max: self.election_timeout_max_ms,
            install_snapshot_timeout: self.snapshot_timeout_ms,
            snapshot_policy,
            max_in_snapshot_log_to_keep: self.logs_kept_after_snapshot,
            enable_pre_vote: Some(true),
            ..Default::default()
        }
        .validate()
        .map_err(|e| ConfigError::Raft {
            heartbeat_ms: self.heartbeat_ms,
            election_timeout_min_ms: self.election_timeout_min_ms,
            election_timeout_max_ms: self.election_timeout_max_ms,
            reason: e.to_string(),
        })?;
        Ok(ValidNodeConfig {
            node: self,
            raft: Arc::new(raft),
        })
    }
}

/// A config that passed [`NodeConfig::validate`].
#[derive(Debug, Clone)]
pub struct ValidNodeConfig {
    node: NodeConfig,
    raft: Arc<openraft::Config>,
}

impl ValidNodeConfig {
    pub fn node(&self) -> &NodeConfig {
        &self.node
    }

    pub(crate) fn raft(&self) -> Arc<openraft::Config> {
        self.raft.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("node id {id} is not in the peer list {peers:?}")]
    NotAPeer { id: NodeId, peers: Vec<NodeId> },
    #[error("node {id}: {what} {addr:?} is not host:port")]
    Address {
        id: NodeId,
        what: &'static str,
        addr: String,
    },
    #[error("snapshot_chunk_bytes {value} must be in 1..={max}")]
    ChunkBytes { value: usize, max: usize },
    #[error("{name} must be above 0")]
    Zero { name: &'static str },
    #[error(
        "raft timing: heartbeat_ms {heartbeat_ms}, election_timeout_min_ms \
         {election_timeout_min_ms}, election_timeout_max_ms {election_timeout_max_ms}: {reason} \
         (the election timeouts must satisfy heartbeat < min < max)"
    )]
    Raft {
        heartbeat_ms: u64,
        election_timeout_min_ms: u64,
        election_timeout_max_ms: u64,
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> BTreeMap<NodeId, Member> {
        BTreeMap::from([(
            1,
            Member {
                raft_addr: "127.0.0.1:7001".into(),
                client_addr: "127.0.0.1:8001".into(),
            },
        )])
    }

    #[test]
    fn validation_names_the_bad_values() {
        let ok = NodeConfig::new(1, "/tmp/x".into(), peers());
        assert!(ok.clone().validate().is_ok());

        let mut c = ok.clone();
        c.id = 2;
        assert_eq!(
            c.validate().err().map(|e| e.to_string()),
            Some("node id 2 is not in the peer list [1]".to_string())
        );

        let mut c = ok.clone();
        c.election_timeout_min_ms = 50;
        let e = c
            .validate()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("heartbeat_ms 100, election_timeout_min_ms 50"),
            "{e}"
        );

        let mut c = ok.clone();
        c.peers
            .values_mut()
            .for_each(|m| m.raft_addr = "nowhere".into());
        assert_eq!(
            c.validate().err().map(|e| e.to_string()),
            Some("node 1: raft_addr \"nowhere\" is not host:port".to_string())
        );

        let mut c = ok;
        c.write_timeout_ms = 0;
        assert_eq!(
            c.validate().err(),
            Some(ConfigError::Zero {
                name: "write_timeout_ms"
            })
        );
    }
}
