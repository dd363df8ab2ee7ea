//! Restoring a backup (a snapshot file) into the data directory of one node of a new cluster.
//!
//! ```text
//!  backup.tsnap ──read, checked record by record──▶ <data_dir>/snapshots/restoring.tsnap
//!     header rewritten: the new cluster id, membership = the voters given (at the same log id)
//!  fsync, rename ──▶ current.tsnap
//!  store::open(data_dir, new identity)  stamps the format and the identity
//!  vote := (term of the backup's last log id, this node), not committed
//! ```
//! Nothing else is written: at its first start openraft finds `current.tsnap` ahead of the
//! empty state and installs it (the same path as a crash mid-install), purges the empty log up
//! to it, and the nodes elect a leader among the voters given, in a term above every entry of
//! the backup (the vote), so the new leader's entries follow the old ones in log order.
//!
//! The records are copied byte for byte, so the restored cluster's state digest is the
//! backup's. The highest node id ever a member (`node_ids`) is one of those records: it stays
//! the old cluster's until the new cluster's first membership change raises it.
//!
//! A directory that is not empty is refused; a backup that does not read (header, a record,
//! the count, the checksum) is refused, and what this call created is removed again.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use openraft::vote::{RaftLeaderId, RaftVote};

use super::snapshot::{self as file, SnapshotError, SnapshotReader, SnapshotWriter};
use super::{StoreError, CURRENT_SNAPSHOT};
use crate::identity::Identity;
use crate::types::{Member, Membership, NodeId, SnapshotMeta, StoredMembership, Vote};

/// Why a data directory could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("backup {}: {source}", .path.display())]
    Backup {
        path: PathBuf,
        source: SnapshotError,
    },
    #[error("backup {} holds no applied entry: nothing to restore", .0.display())]
    Empty(PathBuf),
    #[error("data directory {} is not empty: a restore only fills a new directory", .0.display())]
    NotEmpty(PathBuf),
    #[error("membership: {0}")]
    Membership(String),
    #[error("writing {}: {source}", .dir.display())]
    Store { dir: PathBuf, source: StoreError },
}

/// What a restored data directory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub meta: SnapshotMeta,
    pub records: u64,
}

/// Fills the empty (or missing) `data_dir` for node `identity` of a new cluster whose voters
/// are `voters`, with the state of the backup at `backup`; see the module header.
pub fn restore(
    backup: &Path,
    data_dir: &Path,
    identity: &Identity,
    voters: &BTreeMap<NodeId, Member>,
) -> Result<Restored, RestoreError> {
    if !voters.contains_key(&identity.node_id) {
        return Err(RestoreError::Membership(format!(
            "node {} is not one of the voters {:?}",
            identity.node_id,
            voters.keys().collect::<Vec<_>>()
        )));
    }
    let existed = data_dir.exists();
    if existed {
        let mut entries = fs::read_dir(data_dir).map_err(|e| store_err(data_dir, e.into()))?;
        if entries.next().is_some() {
            return Err(RestoreError::NotEmpty(data_dir.to_path_buf()));
        }
    }
    let done = fill(backup, data_dir, identity, voters);
    if done.is_err() {
        // Only what this call made: the directory was missing or empty.
        let _ = if existed {
            fs::read_dir(data_dir).and_then(|entries| {
                entries.flatten().try_for_each(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        fs::remove_dir_all(p)
                    } else {
                        fs::remove_file(p)
                    }
                })
            })
        } else {
            fs::remove_dir_all(data_dir)
        };
    }
    done
}

fn store_err(dir: &Path, source: StoreError) -> RestoreError {
    RestoreError::Store {
        dir: dir.to_path_buf(),
        source,
    }
}

fn fill(
    backup: &Path,
    data_dir: &Path,
    identity: &Identity,
    voters: &BTreeMap<NodeId, Member>,
) -> Result<Restored, RestoreError> {
    let bad = |source: SnapshotError| RestoreError::Backup {
        path: backup.to_path_buf(),
        source,
    };
    let input = File::open(backup).map_err(|e| bad(e.into()))?;
    let mut reader = SnapshotReader::new(BufReader::new(input)).map_err(bad)?;
    let Some(last_log_id) = reader.meta().last_log_id else {
        return Err(RestoreError::Empty(backup.to_path_buf()));
    };
    let ids: BTreeSet<NodeId> = voters.keys().copied().collect();
    let membership = Membership::new(vec![ids], voters.clone())
        .map_err(|e| RestoreError::Membership(e.to_string()))?;
    let meta = SnapshotMeta {
        last_log_id: Some(last_log_id),
        last_membership: StoredMembership::new(Some(last_log_id), membership),
    };

    let snapshot_dir = super::snapshot_dir(data_dir);
    fs::create_dir_all(&snapshot_dir).map_err(|e| store_err(data_dir, e.into()))?;
    let tmp = snapshot_dir.join("restoring.tsnap");
    let out = file::create(&tmp).map_err(|e| store_err(data_dir, e.into()))?;
    let mut w = SnapshotWriter::new(out, &identity.cluster_id, &meta)
        .map_err(|e| store_err(data_dir, e.into()))?;
    while let Some((k, v)) = reader.next_record().map_err(bad)? {
        w.record(&k, &v)
            .map_err(|e| store_err(data_dir, e.into()))?;
    }
    let (out, records) = w.finish().map_err(|e| store_err(data_dir, e.into()))?;
    let out = out
        .into_inner()
        .map_err(|e| store_err(data_dir, e.into_error().into()))?;
    out.sync_all().map_err(|e| store_err(data_dir, e.into()))?;
    drop(out);
    fs::rename(&tmp, snapshot_dir.join(CURRENT_SNAPSHOT))
        .and_then(|()| file::sync_dir(&snapshot_dir))
        .map_err(|e| store_err(data_dir, e.into()))?;

    let (log, sm) = super::open(data_dir, identity).map_err(|e| store_err(data_dir, e))?;
    let term = last_log_id.committed_leader_id().term;
    let leader =
        openraft::alias::LeaderIdOf::<crate::types::TypeConfig>::new(term, identity.node_id);
    let vote = Vote::from_leader_id(leader, false);
    log.write_vote(&vote).map_err(|e| store_err(data_dir, e))?;
    drop((log, sm));
    Ok(Restored { meta, records })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::LogId;
    use openraft::vote::RaftLeaderId;

    fn member(port: u16) -> Member {
        Member {
            raft_addr: format!("127.0.0.1:{port}"),
            client_addr: format!("127.0.0.1:{}", port + 100),
        }
    }

    /// A backup of cluster "old" at T3-N1.42 with two records.
    fn backup(dir: &Path) -> PathBuf {
        let leader = openraft::alias::LeaderIdOf::<crate::types::TypeConfig>::new(3, 1);
        let log_id = LogId::new(leader.to_committed(), 42);
        let meta = SnapshotMeta {
            last_log_id: Some(log_id),
            last_membership: StoredMembership::new(
                Some(log_id),
                Membership::new_with_defaults(vec![BTreeSet::from([1])], []),
            ),
        };
        let path = dir.join("old.tsnap");
        let out = file::create(&path).expect("create");
        let mut w = SnapshotWriter::new(out, "old", &meta).expect("writer");
        w.record(b"\x10a", b"\x01one").expect("record");
        w.record(b"\x11b", b"\x01two").expect("record");
        w.finish().expect("finish");
        path
    }

    #[test]
    fn a_restored_directory_holds_the_records_under_the_new_identity_and_membership() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = backup(tmp.path());
        let data = tmp.path().join("node2");
        let identity = Identity::new("new", 2);
        let voters = BTreeMap::from([(2, member(7102)), (5, member(7105))]);
        let restored = restore(&file, &data, &identity, &voters).expect("restore");
        assert_eq!(restored.records, 2);
        assert_eq!(
            restored
                .meta
                .last_membership
                .membership()
                .voter_ids()
                .collect::<Vec<_>>(),
            vec![2, 5]
        );
        let current = super::super::snapshot_dir(&data).join(CURRENT_SNAPSHOT);
        let reader = SnapshotReader::new(BufReader::new(File::open(&current).expect("open")))
            .expect("the restored snapshot reads");
        assert_eq!(reader.cluster_id(), Some("new"));
        assert_eq!(reader.meta(), &restored.meta);
        // The identity is stamped: the old cluster's identity is refused at open.
        assert!(matches!(
            super::super::open(&data, &Identity::new("old", 2)),
            Err(StoreError::Identity { .. })
        ));
        // A second restore into the same directory is refused.
        assert!(matches!(
            restore(&file, &data, &identity, &voters),
            Err(RestoreError::NotEmpty(_))
        ));
    }

    #[test]
    fn a_damaged_backup_leaves_no_directory_behind() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = backup(tmp.path());
        let mut bytes = fs::read(&file).expect("read");
        let at = bytes.len() - 32 - 9 - 1; // the last value's last byte
        bytes[at] ^= 0x01;
        fs::write(&file, &bytes).expect("write");
        let data = tmp.path().join("node1");
        let voters = BTreeMap::from([(1, member(7101))]);
        let e = restore(&file, &data, &Identity::new("new", 1), &voters).expect_err("refused");
        assert!(
            matches!(
                e,
                RestoreError::Backup {
                    source: SnapshotError::Checksum,
                    ..
                }
            ),
            "{e}"
        );
        assert!(!data.exists(), "nothing of the restore is left");
        // A node that is not a voter is refused before anything.
        let e = restore(&file, &data, &Identity::new("new", 9), &voters).expect_err("refused");
        assert!(matches!(e, RestoreError::Membership(_)), "{e}");
    }
}
