//! Backups of this node's state: the `SaveSnapshot` stream (`tavern snapshot save`) and the
//! scheduled backups the node writes to `backup_dir` by itself.
//!
//! ```text
//!  save_snapshot:  blocking task: StateReader::write_backup ──▶ ChunkSink ──mpsc (bounded)──▶ gRPC stream
//!                  ends at the end of the file, on an error (sent as the last item), or when
//!                  the client goes away (the channel closes, the next send fails)
//!
//!  scheduled:      every backup_interval_s (first one an interval after start)
//!                    applied index == the newest backup's? ──▶ skip (nothing changed)
//!                    else write .<name>.partial, fsync, rename to <cluster>-<index:020>.tsnap,
//!                    fsync the directory, remove all but the newest backup_keep
//! ```
//! The scheduled task is owned by the node and stopped by `shutdown` (a backup being written
//! finishes first, for at most [`BACKUP_STOP_WAIT`]; a file cut short stays `.partial` and is
//! removed at the next start). File names sort by applied index, so the newest backup is the
//! last name, and a restart knows the index of its last backup from the directory alone.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::TavernNode;
use crate::api::NodeError;
use crate::config::BackupPolicy;
use crate::service::SnapshotStream;
use crate::store::{snapshot, StateReader};

/// Chunks of a `SaveSnapshot` stream produced ahead of the client: the memory one stream may
/// hold is this times the chunk size.
pub const SAVE_CHUNKS_IN_FLIGHT: usize = 4;
/// How long `shutdown` waits for a scheduled backup being written.
pub const BACKUP_STOP_WAIT: Duration = Duration::from_secs(10);
/// The suffix of a backup file; the name is `<cluster_id>-<applied index, 20 digits>.tsnap`.
pub const BACKUP_SUFFIX: &str = ".tsnap";
const PARTIAL_SUFFIX: &str = ".partial";

/// A `Write` that sends what it is given as chunks of at most `chunk_bytes`.
struct ChunkSink {
    tx: mpsc::Sender<Result<Vec<u8>, String>>,
    buf: Vec<u8>,
    chunk_bytes: usize,
}

impl ChunkSink {
    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(self.chunk_bytes));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChunkSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let room = self.chunk_bytes - self.buf.len();
        let n = bytes.len().min(room);
        self.buf.extend_from_slice(&bytes[..n]);
        if self.buf.len() == self.chunk_bytes {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

impl TavernNode {
    /// A backup of the state at this node's applied index, streamed; see the module header.
    pub async fn save_snapshot(&self, chunk_bytes: usize) -> Result<SnapshotStream, NodeError> {
        let chunk_bytes = chunk_bytes.clamp(1, snapshot::SNAPSHOT_CHUNK_BYTES_MAX);
        let reader = self.inner.reader.clone();
        let (info_tx, info_rx) = oneshot::channel();
        let (tx, mut rx) = mpsc::channel(SAVE_CHUNKS_IN_FLIGHT);
        let failed = tx.clone();
        // Owned by the stream: it ends with the file, or at the first send after the client
        // dropped the stream.
        tokio::task::spawn_blocking(move || {
            let written = reader.write_backup(|info| {
                let _ = info_tx.send(info.clone());
                Ok(ChunkSink {
                    tx,
                    buf: Vec::with_capacity(chunk_bytes),
                    chunk_bytes,
                })
            });
            if let Err(e) = written {
                let _ = failed.blocking_send(Err(e.to_string()));
            }
        });
        match info_rx.await {
            Ok(info) => Ok(SnapshotStream { info, chunks: rx }),
            Err(_) => {
                let why = match rx.recv().await {
                    Some(Err(why)) => why,
                    _ => "the backup task ended early".into(),
                };
                Err(NodeError::Unavailable(format!("reading the state: {why}")))
            }
        }
    }

    /// Starts the scheduled backups if the config asks for them.
    pub(super) fn start_backups(&self) -> Option<BackupTask> {
        let policy = self.inner.config.backup.clone()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let reader = self.inner.reader.clone();
        let cluster = self.inner.config.cluster_id.clone();
        let task = tokio::spawn(run_schedule(policy, cluster, reader, stop_rx));
        Some((stop_tx, task))
    }
}

/// The scheduled backups' task and the sender that stops it.
pub(super) type BackupTask = (watch::Sender<bool>, JoinHandle<()>);

/// Stops the scheduled backups, waiting at most [`BACKUP_STOP_WAIT`] for one being written.
pub(super) async fn stop(task: Option<BackupTask>) {
    let Some((stop, mut task)) = task else {
        return;
    };
    let _ = stop.send(true);
    if tokio::time::timeout(BACKUP_STOP_WAIT, &mut task)
        .await
        .is_err()
    {
        tracing::warn!("a scheduled backup was still being written at shutdown; left unfinished");
        task.abort();
    }
}

async fn run_schedule(
    policy: BackupPolicy,
    cluster: String,
    reader: StateReader,
    mut stop: watch::Receiver<bool>,
) {
    let dir = policy.dir.clone();
    let prepared = {
        let (dir, cluster) = (dir.clone(), cluster.clone());
        tokio::task::spawn_blocking(move || prepare_dir(&dir, &cluster)).await
    };
    let mut last = match prepared {
        Ok(Ok(last)) => last,
        Ok(Err(e)) => {
            tracing::error!(dir = %dir.display(), error = %e, "scheduled backups are off: the directory is not usable");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "scheduled backups are off");
            return;
        }
    };
    let period = Duration::from_secs(policy.interval_s);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        let applied = *reader.applied().borrow();
        if applied.is_none() || applied == last {
            tracing::debug!(applied = ?applied, "scheduled backup skipped: nothing applied since the last one");
            continue;
        }
        let (reader, dir, cluster, keep) =
            (reader.clone(), dir.clone(), cluster.clone(), policy.keep);
        let written =
            tokio::task::spawn_blocking(move || write_backup(&reader, &dir, &cluster, keep)).await;
        match written {
            Ok(Ok((path, index))) => {
                tracing::info!(path = %path.display(), applied = ?index, "scheduled backup written");
                last = index;
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "scheduled backup failed; trying again next interval")
            }
            Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
        }
    }
}

/// The applied index in a backup's file name, if it is one of `cluster`'s backups.
fn backup_index(name: &str, cluster: &str) -> Option<u64> {
    let rest = name.strip_prefix(cluster)?.strip_prefix('-')?;
    let digits = rest.strip_suffix(BACKUP_SUFFIX)?;
    (digits.len() == 20).then(|| digits.parse().ok()).flatten()
}

fn backup_name(cluster: &str, index: u64) -> String {
    format!("{cluster}-{index:020}{BACKUP_SUFFIX}")
}

/// `cluster`'s backups in `dir`, oldest first.
fn backups(dir: &Path, cluster: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let index = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| backup_index(n, cluster));
        if let Some(index) = index {
            found.push((index, path));
        }
    }
    found.sort();
    Ok(found)
}

/// Creates the directory, removes unfinished files of an earlier run, and returns the applied
/// index of the newest backup.
fn prepare_dir(dir: &Path, cluster: &str) -> io::Result<Option<u64>> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let partial = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!(".{cluster}-")) && n.ends_with(PARTIAL_SUFFIX));
        if partial {
            tracing::info!(path = %path.display(), "removing an unfinished backup");
            fs::remove_file(&path)?;
        }
    }
    Ok(backups(dir, cluster)?.last().map(|(index, _)| *index))
}

/// Writes one backup (temp file, fsync, rename, fsync the directory) and prunes old ones;
/// returns its path and applied index.
fn write_backup(
    reader: &StateReader,
    dir: &Path,
    cluster: &str,
    keep: usize,
) -> Result<(PathBuf, Option<u64>), String> {
    let mut names = None;
    let written = reader.write_backup(|info| {
        let index = info.meta.last_log_id.as_ref().map_or(0, |l| l.index());
        let name = backup_name(cluster, index);
        let tmp = dir.join(format!(".{name}{PARTIAL_SUFFIX}"));
        let file = io::BufWriter::new(fs::File::create(&tmp)?);
        names = Some((tmp, dir.join(name)));
        Ok(file)
    });
    let cleanup = |names: &Option<(PathBuf, PathBuf)>| {
        if let Some((tmp, _)) = names {
            let _ = fs::remove_file(tmp);
        }
    };
    let (out, info) = match written {
        Ok(w) => w,
        Err(e) => {
            cleanup(&names);
            return Err(e.to_string());
        }
    };
    let Some((tmp, path)) = names.clone() else {
        return Err("the backup was never opened".into());
    };
    let synced = out
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .and_then(|()| fs::rename(&tmp, &path))
        .and_then(|()| fs::File::open(dir)?.sync_all());
    if let Err(e) = synced {
        cleanup(&names);
        return Err(format!("writing {}: {e}", path.display()));
    }
    let all = backups(dir, cluster).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    for (_, old) in all.iter().take(all.len().saturating_sub(keep)) {
        if let Err(e) = fs::remove_file(old) {
            tracing::warn!(path = %old.display(), error = %e, "could not remove an old backup");
        }
    }
    Ok((path, info.meta.last_log_id.map(|l| l.index())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_sort_by_index_and_name_their_cluster() {
        assert_eq!(backup_name("c", 42), "c-00000000000000000042.tsnap");
        assert_eq!(backup_index(&backup_name("c", 42), "c"), Some(42));
        assert_eq!(backup_index(&backup_name("c", 42), "other"), None);
        assert_eq!(backup_index("c-42.tsnap", "c"), None);
        assert!(backup_name("c", 9) < backup_name("c", 10));
    }
}
