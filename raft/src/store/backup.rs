//! Backups: a snapshot file of the live state, written to any `Write` (a gRPC stream for
//! `tavern snapshot save`, a file for the node's scheduled backups).
//!
//! ```text
//!  state_cf read lock ─▶ RocksDB snapshot ─▶ unlock
//!      pass 1: count the records and their bytes ─▶ BackupInfo (exact file size, metadata)
//!      open(&info) ─▶ W
//!      pass 2: SnapshotWriter(W): header (cluster id, last log id, membership), records, checksum
//! ```
//! It is the same format as a Raft snapshot (`snapshot.rs`), built the same way (apply goes on
//! meanwhile, the pair of applied index and records describes one moment), but it never becomes
//! `current.tsnap` and never touches the log. The first pass lets a reader show a real progress
//! bar: both passes read the same RocksDB snapshot, so the size announced is the size written.

use std::io::{self, Write};

use rocksdb::IteratorMode;

use super::snapshot::{self as file, SnapshotWriter};
use super::state::Shared;
use super::{cf, StoreError, CF_SM_META};
use crate::types::SnapshotMeta;

/// What a backup holds, known before its first byte is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub cluster_id: String,
    pub meta: SnapshotMeta,
    pub records: u64,
    /// The exact size of the file, in bytes.
    pub bytes: u64,
}

/// Writes a backup of the live state; see the module header. Blocking.
pub(super) fn write<W: Write>(
    shared: &Shared,
    open: impl FnOnce(&BackupInfo) -> io::Result<W>,
) -> Result<(W, BackupInfo), StoreError> {
    let db = &shared.db;
    let guard = shared.state_cf.read().unwrap_or_else(|p| p.into_inner());
    let state_cf = cf(db, &guard)?;
    let snap = db.snapshot();
    drop(guard);
    let meta_cf = cf(db, CF_SM_META)?;
    let (last_log_id, last_membership) = shared.read_applied(|k| snap.get_cf(&meta_cf, k))?;
    let meta = SnapshotMeta {
        last_log_id,
        last_membership,
    };

    let mut records = 0u64;
    let mut records_bytes = 0u64;
    for item in snap.iterator_cf(&state_cf, IteratorMode::Start) {
        let (k, v) = item?;
        records += 1;
        records_bytes += file::record_bytes(k.len() as u64, v.len() as u64);
    }
    let info = BackupInfo {
        cluster_id: shared.cluster_id.clone(),
        bytes: file::file_bytes(&shared.cluster_id, &meta, records_bytes)?,
        meta,
        records,
    };

    let out = open(&info)?;
    let mut w = SnapshotWriter::new(out, &info.cluster_id, &info.meta)?;
    for item in snap.iterator_cf(&state_cf, IteratorMode::Start) {
        let (k, v) = item?;
        w.record(&k, &v)?;
    }
    let (out, written) = w.finish()?;
    if written != info.records {
        // One RocksDB snapshot read twice cannot differ; if it did, the file is not what was
        // announced and must not be kept.
        return Err(StoreError::Decode {
            what: "backup",
            reason: format!(
                "the first pass counted {} records, the second wrote {written}",
                info.records
            ),
        });
    }
    Ok((out, info))
}
