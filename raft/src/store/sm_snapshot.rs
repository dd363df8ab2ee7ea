//! Building, installing and finding snapshots of the state machine store.
//!
//! ```text
//!  build:   RocksDB snapshot ──stream──▶ building-N.tsnap ──fsync, rename──▶ current.tsnap
//!  install: file ──stream──▶ new column family state.<gen+1> (batches ≤ INSTALL_BATCH_BYTES_MAX)
//!           checksum ok? ──▶ the file becomes current.tsnap
//!           (counting records and bytes per table on the way: `table_sizes`)
//!           ──▶ one synced WriteBatch: state_cf = state.<gen+1>, last_applied, membership,
//!               state_bytes, table_sizes
//!           ──▶ drop state.<gen>
//! ```
//! A crash before the switch leaves the old generation live (the new one is dropped at the
//! next open) and possibly a newer `current.tsnap`, which openraft installs again at startup
//! because it is ahead of `last_applied`. `current.tsnap` is only ever replaced by a snapshot
//! at a later-or-equal log id, so it never goes behind the purged log.

use std::fs;
use std::io::{self, BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use openraft::storage::{RaftSnapshotBuilder, Snapshot};
use rocksdb::{IteratorMode, Options, WriteBatch, WriteOptions};
use tavern_statemachine::sizes::TableCounts;

use super::snapshot::{self as file, SnapshotFile, SnapshotReader, SnapshotWriter};
use super::state::{Shared, KEY_LAST_APPLIED, KEY_MEMBERSHIP, KEY_STATE_BYTES};
use super::table_sizes::KEY_TABLE_SIZES;
use super::{
    cf, encode_meta, state_cf_generation, state_cf_name, StoreError, CF_SM_META, KEY_STATE_CF,
};
use crate::types::{SnapshotMeta, TavernSnapshot, TypeConfig};

/// Bytes of snapshot records written to RocksDB per batch while installing.
pub const INSTALL_BATCH_BYTES_MAX: usize = 4 << 20;

const CURRENT: &str = super::CURRENT_SNAPSHOT;

/// Reads the whole current snapshot, if any, and checks it (magic, version, record count,
/// checksum). Reads only: a file that does not read is reported with its path and left where
/// it is, for the operator to look at. This reads the file once at every start, a sequential
/// read of the snapshot's size; the alternative is finding out only when openraft installs or
/// sends it, with the node already serving.
pub(super) fn verify_current(dir: &Path) -> Result<(), StoreError> {
    let current = dir.join(CURRENT);
    if !current.exists() {
        return Ok(());
    }
    match file::verify(&current) {
        Ok(_) => Ok(()),
        Err(source) => Err(StoreError::CorruptSnapshot {
            path: current,
            source,
        }),
    }
}

/// Reads the metadata of the current snapshot, if any, and removes the temporary files a
/// crash left behind.
pub(super) fn open_dir(dir: &Path) -> Result<Option<SnapshotMeta>, StoreError> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let is_temp = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n != CURRENT && n.ends_with(".tsnap"));
        if is_temp {
            tracing::info!(path = %path.display(), "removing an unfinished snapshot file");
            fs::remove_file(&path)?;
        }
    }
    let current = dir.join(CURRENT);
    if !current.exists() {
        return Ok(None);
    }
    Ok(Some(file::read_meta(&current)?))
}

pub(super) fn temp_path(shared: &Shared, what: &str) -> PathBuf {
    let n = shared.file_seq.fetch_add(1, Ordering::Relaxed);
    shared.snapshot_dir.join(format!("{what}-{n}.tsnap"))
}

/// The current snapshot, opened.
pub(super) fn current(shared: &Shared) -> Result<Option<TavernSnapshot>, StoreError> {
    let guard = shared
        .current_snapshot
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let Some(meta) = guard.clone() else {
        return Ok(None);
    };
    let snapshot = SnapshotFile::open(shared.snapshot_dir.join(CURRENT))?;
    Ok(Some(Snapshot { meta, snapshot }))
}

/// Makes `path` the current snapshot if it is not older than the current one (else removes
/// it); returns where the file now is, if anywhere.
fn promote(
    shared: &Shared,
    path: &Path,
    meta: &SnapshotMeta,
) -> Result<Option<PathBuf>, StoreError> {
    let mut guard = shared
        .current_snapshot
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let current = shared.snapshot_dir.join(CURRENT);
    let newer = guard
        .as_ref()
        .is_none_or(|c| c.last_log_id <= meta.last_log_id);
    if newer {
        if path != current {
            fs::rename(path, &current)?;
            file::sync_dir(&shared.snapshot_dir)?;
        }
        *guard = Some(meta.clone());
        Ok(Some(current))
    } else {
        if path != current {
            fs::remove_file(path)?;
        }
        Ok(None)
    }
}

/// Builds snapshots from a RocksDB snapshot of the state, off the async runtime.
pub struct SnapshotBuilder {
    shared: Arc<Shared>,
    hold: super::OpenraftHold,
}

impl std::fmt::Debug for SnapshotBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotBuilder").finish()
    }
}

impl SnapshotBuilder {
    pub(super) fn new(shared: Arc<Shared>, hold: super::OpenraftHold) -> Self {
        SnapshotBuilder { shared, hold }
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    type SnapshotData = SnapshotFile;

    async fn build_snapshot(&mut self) -> Result<TavernSnapshot, io::Error> {
        let shared = self.shared.clone();
        let hold = self.hold.clone();
        tokio::task::spawn_blocking(move || {
            let _hold = hold;
            build(&shared)
        })
        .await
        .map_err(io::Error::other)?
        .map_err(io::Error::from)
    }
}

fn build(shared: &Shared) -> Result<TavernSnapshot, StoreError> {
    let started = std::time::Instant::now();
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

    let tmp = temp_path(shared, "building");
    let mut w = SnapshotWriter::new(file::create(&tmp)?, &shared.cluster_id, &meta)?;
    for item in snap.iterator_cf(&state_cf, IteratorMode::Start) {
        let (k, v) = item?;
        w.record(&k, &v)?;
    }
    let (out, records) = w.finish()?;
    let out = out.into_inner().map_err(|e| e.into_error())?;
    out.sync_all()?;
    drop(out);
    // Opened before the promotion, so this handle stays these bytes whatever happens to
    // `current.tsnap` next.
    let mut snapshot = SnapshotFile::open(tmp.clone())?;
    if let Some(path) = promote(shared, &tmp, &meta)? {
        snapshot.path = path;
    }
    tracing::info!(last_log_id = ?meta.last_log_id, records, "snapshot built");
    let bytes = std::fs::metadata(&snapshot.path).map_or(0, |m| m.len());
    crate::metrics::record_snapshot_build(shared.node_id, started.elapsed(), bytes);
    Ok(Snapshot { meta, snapshot })
}

/// Loads `snapshot` into a new state generation and switches to it; see the module header.
pub(super) fn install(
    shared: &Shared,
    meta: &SnapshotMeta,
    mut snapshot: SnapshotFile,
) -> Result<(), StoreError> {
    let db = &shared.db;
    let old = shared.state_cf_name();
    let generation = state_cf_generation(&old).map_or(0, |g| g + 1);
    let new = state_cf_name(generation);
    if db.cf_handle(&new).is_some() {
        db.drop_cf(&new)?;
    }
    db.create_cf(&new, &Options::default())?;

    let loaded = load(shared, &new, meta, &mut snapshot);
    let (records, tables) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            db.drop_cf(&new)?;
            return Err(e);
        }
    };

    // The file first: a crash after this and before the switch reinstalls it at startup. A
    // file of ours (received, or current.tsnap itself) is renamed; any other is copied from
    // the open handle, so a path that moved meanwhile does not matter.
    let ours =
        snapshot.path.parent() == Some(shared.snapshot_dir.as_path()) && snapshot.path.exists();
    let adopted = if ours {
        snapshot.path.clone()
    } else {
        let tmp = temp_path(shared, "installing");
        let mut out = fs::File::create(&tmp)?;
        let mut src = &snapshot.file;
        src.rewind()?;
        io::copy(&mut src, &mut out)?;
        out.sync_all()?;
        tmp
    };
    promote(shared, &adopted, meta)?;

    let mut guard = shared.state_cf.write().unwrap_or_else(|p| p.into_inner());
    let meta_cf = cf(db, CF_SM_META)?;
    let mut wb = WriteBatch::default();
    wb.put_cf(&meta_cf, KEY_STATE_CF, new.as_bytes());
    wb.put_cf(&meta_cf, KEY_LAST_APPLIED, encode_meta(&meta.last_log_id));
    wb.put_cf(&meta_cf, KEY_MEMBERSHIP, encode_meta(&meta.last_membership));
    // The entries the snapshot replaced were not applied here: the event window starts after it.
    let events_from = meta.last_log_id.as_ref().map_or(0, |l| l.index() + 1);
    let events_cf = cf(db, super::events::CF_EVENTS)?;
    super::events::reset_in_batch(&mut wb, &events_cf, &meta_cf, events_from);
    let state_bytes = tables.bytes();
    wb.put_cf(&meta_cf, KEY_STATE_BYTES, encode_meta(&state_bytes));
    wb.put_cf(&meta_cf, KEY_TABLE_SIZES, encode_meta(&tables));
    let mut opts = WriteOptions::default();
    opts.set_sync(true);
    db.write_opt(wb, &opts)?;
    *guard = new.clone();
    super::table_sizes::publish(shared, state_bytes, tables);
    drop(guard);
    shared
        .events_from
        .store(events_from, std::sync::atomic::Ordering::Relaxed);
    shared.events_reset.send_replace(events_from);
    // Readers that took the old handle keep reading it until they drop it.
    db.drop_cf(&old)?;
    shared.publish_applied(meta.last_log_id.as_ref().map(|l| l.index()));
    tracing::info!(last_log_id = ?meta.last_log_id, records, state_cf = %new, "snapshot installed");
    Ok(())
}

/// Streams the records of `snapshot` into column family `into`, checking the file as it goes;
/// returns how many records it loaded and, counted in the same pass, the records and bytes
/// (keys + values) of each table, whose bytes add up to the state's logical size.
fn load(
    shared: &Shared,
    into: &str,
    meta: &SnapshotMeta,
    snapshot: &mut SnapshotFile,
) -> Result<(u64, TableCounts), StoreError> {
    let db = &shared.db;
    let target = cf(db, into)?;
    snapshot.file.rewind()?;
    let mut reader = SnapshotReader::new(BufReader::new(&snapshot.file))?;
    if reader.meta() != meta {
        return Err(StoreError::Decode {
            what: "snapshot",
            reason: format!(
                "the file is at {:?}, openraft installs {:?}",
                reader.meta().last_log_id,
                meta.last_log_id
            ),
        });
    }
    let (mut records, mut tables) = (0u64, TableCounts::new());
    let mut wb = WriteBatch::default();
    while let Some((k, v)) = reader.next_record()? {
        tables.add_record(&k, &v);
        wb.put_cf(&target, k, v);
        records += 1;
        if wb.size_in_bytes() >= INSTALL_BATCH_BYTES_MAX {
            db.write(std::mem::take(&mut wb))?;
        }
    }
    db.write(wb)?;
    Ok((records, tables))
}

/// A digest of the live state (FNV-1a 64 over length-prefixed keys and values, the same as
/// `MemView::digest`) and the applied index it was taken at.
pub(super) fn digest(shared: &Shared) -> Result<(u64, Option<u64>), StoreError> {
    let db = &shared.db;
    let guard = shared.state_cf.read().unwrap_or_else(|p| p.into_inner());
    let state_cf = cf(db, &guard)?;
    let snap = db.snapshot();
    drop(guard);
    let meta_cf = cf(db, CF_SM_META)?;
    let (last, _) = shared.read_applied(|k| snap.get_cf(&meta_cf, k))?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in (bytes.len() as u64).to_be_bytes().iter().chain(bytes) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for item in snap.iterator_cf(&state_cf, IteratorMode::Start) {
        let (k, v) = item?;
        eat(&k);
        eat(&v);
    }
    Ok((h, last.map(|l| l.index())))
}
