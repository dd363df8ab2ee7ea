//! The Raft log and vote in RocksDB: openraft's `RaftLogStorage` and `RaftLogReader`.
//!
//! ```text
//!  append(entries, callback) ──WriteBatch (no sync)──▶ memtable + WAL   (readable at once)
//!            └──callback──▶ log-sync thread: drain every queued callback, one
//!                           flush_wal(sync) for all of them, then complete them in order
//! ```
//! Group commit: appends that arrive while an fsync runs share the next one. All column
//! families share one WAL, so an fsync makes every earlier write durable, state writes and
//! truncations included, and callbacks are completed in append order. `save_vote` writes with
//! `sync` before it returns, as openraft requires.

use std::fmt;
use std::io;
use std::ops::{Bound, RangeBounds};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Weak};

use openraft::entry::RaftEntry;
use openraft::storage::{IOFlushed, RaftLogStorage};
use openraft::{LogState, OptionalSend, RaftLogReader};
use rocksdb::{Direction, IteratorMode, WriteBatch, WriteOptions};

use super::{
    cf, decode_meta, encode_meta, Db, StoreError, CF_LOG, CF_RAFT_META, LOG_FORMAT_VERSION,
};
use crate::types::{LogEntry, LogId, TypeConfig, Vote};

/// Appends waiting for their fsync; past this, `append` blocks until the sync thread catches up.
pub const LOG_SYNC_QUEUE_MAX: usize = 4096;

const KEY_VOTE: &[u8] = b"vote";
const KEY_COMMITTED: &[u8] = b"committed";
const KEY_PURGED: &[u8] = b"purged";

/// The log store. Cheap to clone: clones share the database and the sync thread, which is
/// why the store is also its own log reader.
#[derive(Clone)]
pub struct LogStore {
    db: Arc<Db>,
    /// Each append's callback and its entry count, for the log-sync thread.
    sync: SyncSender<(IOFlushed<TypeConfig>, usize)>,
    _hold: super::OpenraftHold,
}

impl fmt::Debug for LogStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogStore")
            .field("db", &self.db.path())
            .finish()
    }
}

impl LogStore {
    pub(super) fn new(
        db: Arc<Db>,
        hold: super::OpenraftHold,
        node_id: crate::types::NodeId,
    ) -> Result<Self, StoreError> {
        cf(&db, CF_LOG)?;
        cf(&db, CF_RAFT_META)?;
        let (tx, rx) = sync_channel(LOG_SYNC_QUEUE_MAX);
        let weak = Arc::downgrade(&db);
        // Owned by the senders: the thread ends when the last clone of this store is dropped.
        // It holds the database weakly so that dropping the stores closes it.
        std::thread::Builder::new()
            .name("tavern-log-sync".into())
            .spawn(move || sync_loop(weak, rx, node_id))?;
        Ok(LogStore {
            db,
            sync: tx,
            _hold: hold,
        })
    }

    fn get_meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        what: &'static str,
    ) -> Result<Option<T>, io::Error> {
        let meta = cf(&self.db, CF_RAFT_META)?;
        match self.db.get_cf(&meta, key).map_err(io::Error::other)? {
            None => Ok(None),
            Some(bytes) => Ok(Some(decode_meta(what, &bytes)?)),
        }
    }
}

/// The group-commit loop: one fsync for every callback queued while the previous one ran.
fn sync_loop(
    db: Weak<Db>,
    rx: Receiver<(IOFlushed<TypeConfig>, usize)>,
    node_id: crate::types::NodeId,
) {
    while let Ok(first) = rx.recv() {
        let mut waiting = vec![first];
        waiting.extend(rx.try_iter());
        let started = std::time::Instant::now();
        let result = match db.upgrade() {
            Some(db) => db.flush_wal(true).map_err(|e| e.to_string()),
            None => Err("the store is closed".to_string()),
        };
        match &result {
            Ok(()) => {
                let entries = waiting.iter().map(|(_, n)| n).sum();
                crate::metrics::record_fsync(node_id, started.elapsed(), entries);
            }
            Err(e) => tracing::error!(error = %e, "log fsync failed"),
        }
        for (cb, _) in waiting {
            cb.io_completed(result.clone().map_err(io::Error::other));
        }
    }
}

fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

fn encode_entry(entry: &LogEntry) -> Vec<u8> {
    let mut out = vec![LOG_FORMAT_VERSION];
    // An entry we hold in memory always serializes.
    out.extend(postcard::to_allocvec(entry).expect("log entry serializes"));
    out
}

fn decode_entry(key: &[u8], bytes: &[u8]) -> Result<LogEntry, io::Error> {
    let bad = |reason: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            StoreError::Decode {
                what: "log entry",
                reason,
            },
        )
    };
    let index = <[u8; 8]>::try_from(key)
        .map(u64::from_be_bytes)
        .map_err(|_| bad(format!("key of {} bytes", key.len())))?;
    let entry: LogEntry = match bytes.split_first() {
        Some((&LOG_FORMAT_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| bad(format!("at index {index}: {e}")))?
        }
        Some((v, _)) => {
            return Err(bad(format!(
                "at index {index}: format version {v}, this build reads {LOG_FORMAT_VERSION}"
            )))
        }
        None => return Err(bad(format!("at index {index}: empty value"))),
    };
    if entry.index() != index {
        return Err(bad(format!(
            "stored at {index} but carries index {}",
            entry.index()
        )));
    }
    Ok(entry)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + fmt::Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<LogEntry>, io::Error> {
        let start = match range.start_bound() {
            Bound::Included(i) => *i,
            Bound::Excluded(i) => i.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let log = cf(&self.db, CF_LOG)?;
        let mut out = Vec::new();
        let from = index_key(start);
        for item in self
            .db
            .iterator_cf(&log, IteratorMode::From(&from, Direction::Forward))
        {
            let (key, value) = item.map_err(io::Error::other)?;
            let entry = decode_entry(&key, &value)?;
            if !range.contains(&entry.index()) {
                break;
            }
            out.push(entry);
        }
        Ok(out)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, io::Error> {
        self.get_meta(KEY_VOTE, "vote")
    }
}

impl LogStore {
    /// Writes the vote (synced) outside openraft: a restore (`store::restore`) sets the term
    /// the new cluster starts above. Blocking.
    pub(super) fn write_vote(&self, vote: &Vote) -> Result<(), super::StoreError> {
        let meta = cf(&self.db, CF_RAFT_META)?;
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db
            .put_cf_opt(&meta, KEY_VOTE, encode_meta(vote), &opts)?;
        Ok(())
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, io::Error> {
        let log = cf(&self.db, CF_LOG)?;
        let last = match self.db.iterator_cf(&log, IteratorMode::End).next() {
            None => None,
            Some(item) => {
                let (key, value) = item.map_err(io::Error::other)?;
                Some(decode_entry(&key, &value)?.log_id())
            }
        };
        let last_purged_log_id: Option<LogId> = self.get_meta(KEY_PURGED, "purged log id")?;
        Ok(LogState {
            last_log_id: last.or(last_purged_log_id),
            last_purged_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), io::Error> {
        let db = self.db.clone();
        let value = encode_meta(vote);
        tokio::task::spawn_blocking(move || -> Result<(), io::Error> {
            let meta = cf(&db, CF_RAFT_META)?;
            let mut opts = WriteOptions::default();
            opts.set_sync(true);
            db.put_cf_opt(&meta, KEY_VOTE, value, &opts)
                .map_err(io::Error::other)
        })
        .await
        .map_err(io::Error::other)?
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), io::Error> {
        // Not synced: the next log fsync carries it, and a lost `committed` only means
        // re-applying from the state machine's own `last_applied` after a crash.
        let meta = cf(&self.db, CF_RAFT_META)?;
        self.db
            .put_cf(&meta, KEY_COMMITTED, encode_meta(&committed))
            .map_err(io::Error::other)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, io::Error> {
        Ok(self
            .get_meta::<Option<LogId>>(KEY_COMMITTED, "committed log id")?
            .flatten())
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: IOFlushed<TypeConfig>,
    ) -> Result<(), io::Error>
    where
        I: IntoIterator<Item = LogEntry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let log = cf(&self.db, CF_LOG)?;
        let mut batch = WriteBatch::default();
        let mut count = 0;
        for entry in entries {
            batch.put_cf(&log, index_key(entry.index()), encode_entry(&entry));
            count += 1;
        }
        self.db.write(batch).map_err(io::Error::other)?;
        self.sync
            .send((callback, count))
            .map_err(|_| io::Error::other("the log sync thread stopped"))
    }

    async fn truncate_after(&mut self, last_log_id: Option<LogId>) -> Result<(), io::Error> {
        let from = last_log_id.map_or(0, |l| l.index().saturating_add(1));
        let log = cf(&self.db, CF_LOG)?;
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(&log, index_key(from), index_key(u64::MAX));
        batch.delete_cf(&log, index_key(u64::MAX));
        self.db.write(batch).map_err(io::Error::other)
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), io::Error> {
        // `purged` and the deletion in one batch: openraft ignores entries at or before it.
        let log = cf(&self.db, CF_LOG)?;
        let meta = cf(&self.db, CF_RAFT_META)?;
        let mut batch = WriteBatch::default();
        batch.put_cf(&meta, KEY_PURGED, encode_meta(&log_id));
        batch.delete_range_cf(
            &log,
            index_key(0),
            index_key(log_id.index().saturating_add(1)),
        );
        self.db.write(batch).map_err(io::Error::other)
    }
}
