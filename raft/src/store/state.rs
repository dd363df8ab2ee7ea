//! The state machine store: openraft's `RaftStateMachine` over the live state column family.
//!
//! ```text
//!  committed entries ──▶ for each: tavern_statemachine::apply(BatchView{live state, pending}, entry)
//!                           │ mutations ──▶ pending (the next entry sees them)
//!                           │ Fatal ─────▶ write what came before, halt, storage error (node stops)
//!                           ▼
//!   membership entry: the highest node id ever a member ──▶ pending (`node_ids`)
//!        one WriteBatch: pending mutations + last_applied + membership
//!                        + the entries' events and the window's trim (`events`) ──▶ RocksDB
//!                           ▼
//!        then: events broadcast, applied index watch, responders
//! ```
//! A batch is written whole (or split at `APPLY_BATCH_BYTES_MAX`, each part with its own
//! `last_applied`), so the state and `last_applied` never disagree after a crash. Reads go
//! through [`StateReader`], at a RocksDB snapshot that holds `last_applied` and the state of
//! the same moment.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use futures_util::{Stream, TryStreamExt};
use openraft::storage::{EntryResponder, RaftStateMachine};
use openraft::{EntryPayload, OptionalSend};
use rocksdb::WriteBatch;
use tavern_proto::convert::TableSize;
use tavern_statemachine::sizes::{add_signed, TableCounts, TableDeltas};
use tavern_statemachine::txn::record_bytes;
use tavern_statemachine::{Entry, Event, Query, QueryResponse, View as _};
use tokio::sync::{broadcast, watch};

use super::events;
use super::sm_snapshot::{self, SnapshotBuilder};
use super::table_sizes;
use super::view::{BatchView, Pending, RocksView};
use super::{cf, decode_meta, encode_meta, Db, SnapshotFile, StoreError, CF_SM_META};
use crate::types::{
    LogId, Membership, NodeId, Proposal, Reply, SnapshotMeta, StoredMembership, TavernSnapshot,
    TypeConfig,
};

/// Pending writes of one apply batch, in bytes, before they are written and a new batch starts.
pub const APPLY_BATCH_BYTES_MAX: usize = 8 << 20;
/// Applied entries with events a slow subscriber may lag behind before it misses some (a
/// watcher that lags more is cut off and resumes from the window on disk).
pub const EVENTS_CHANNEL_CAPACITY: usize = 1024;

pub(super) const KEY_LAST_APPLIED: &[u8] = b"last_applied";
pub(super) const KEY_MEMBERSHIP: &[u8] = b"membership";
/// The state's logical size (see [`StateReader::state_bytes`]), kept in `sm_meta`.
pub(super) const KEY_STATE_BYTES: &[u8] = b"state_bytes";

/// The events of one applied entry, numbered with its log index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEvents {
    pub index: u64,
    pub events: Vec<Event>,
}

/// What the state machine store, its snapshot builder and the readers share.
pub(super) struct Shared {
    /// The node this store belongs to (for the spans of apply).
    pub(super) node_id: NodeId,
    /// The cluster this store belongs to: written into every snapshot file's header.
    pub(super) cluster_id: String,
    pub(super) db: Arc<Db>,
    /// The live state column family. Taken for reading by whoever reads the state, for
    /// writing only to switch generations after a snapshot install. A std lock: never held
    /// across an `.await`.
    pub(super) state_cf: RwLock<String>,
    pub(super) snapshot_dir: PathBuf,
    /// Metadata of `current.tsnap`, guarding its replacement (newer only).
    pub(super) current_snapshot: Mutex<Option<SnapshotMeta>>,
    /// Numbers temporary snapshot files.
    pub(super) file_seq: AtomicU64,
    applied: watch::Sender<Option<u64>>,
    /// `last_applied` as found on disk when the store was opened: where this process resumed.
    applied_at_open: Option<u64>,
    /// The largest `time_ms` of the entries applied since this process opened the store.
    last_entry_time_ms: AtomicU64,
    events: broadcast::Sender<AppliedEvents>,
    /// How many applied entries the event window keeps (`watch_window_entries`).
    events_window: AtomicU64,
    /// The first index the event window covers (see `events`); written only by apply and
    /// snapshot install, under their WriteBatch.
    pub(super) events_from: AtomicU64,
    /// `events_from` as set by the last snapshot install of this process (0: none): a live
    /// watcher before it has a gap and must resync.
    pub(super) events_reset: watch::Sender<u64>,
    halted: Mutex<Option<String>>,
    /// The state's logical size in bytes (every key + value of the live state column family),
    /// as of the last batch written; the same value as `KEY_STATE_BYTES` on disk.
    pub(super) state_bytes: AtomicU64,
    /// The same split by table, with the records of each (`KEY_TABLE_SIZES` on disk). Set with
    /// `state_bytes` under this lock (see `table_sizes::publish`).
    pub(super) tables: Mutex<TableCounts>,
}

impl Shared {
    /// The live state column family's name.
    pub(super) fn state_cf_name(&self) -> String {
        match self.state_cf.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(super) fn read_applied(
        &self,
        get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, rocksdb::Error>,
    ) -> Result<(Option<LogId>, StoredMembership), StoreError> {
        Self::read_applied_from(get)
    }

    fn read_applied_from(
        get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, rocksdb::Error>,
    ) -> Result<(Option<LogId>, StoredMembership), StoreError> {
        let last = match get(KEY_LAST_APPLIED)? {
            Some(b) => decode_meta::<Option<LogId>>("last applied log id", &b)?,
            None => None,
        };
        let membership = match get(KEY_MEMBERSHIP)? {
            Some(b) => decode_meta::<StoredMembership>("membership", &b)?,
            None => StoredMembership::default(),
        };
        Ok((last, membership))
    }

    pub(super) fn publish_applied(&self, index: Option<u64>) {
        self.applied.send_replace(index);
    }

    fn halt(&self, why: &str) {
        tracing::error!(reason = %why, "the state machine halted: apply failed fatally");
        let mut h = self.halted.lock().unwrap_or_else(|p| p.into_inner());
        h.get_or_insert_with(|| why.to_string());
    }
}

/// The state machine store. Openraft owns it; the node keeps a [`StateReader`].
pub struct StateMachine {
    pub(super) shared: Arc<Shared>,
    hold: super::OpenraftHold,
}

impl fmt::Debug for StateMachine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateMachine")
            .field("db", &self.shared.db.path())
            .finish()
    }
}

impl StateMachine {
    pub(super) fn new(
        identity: &crate::identity::Identity,
        db: Arc<Db>,
        state_cf: String,
        snapshot_dir: PathBuf,
        hold: super::OpenraftHold,
    ) -> Result<Self, StoreError> {
        let current = sm_snapshot::open_dir(&snapshot_dir)?;
        let meta = cf(&db, CF_SM_META)?;
        let (last, _) = Shared::read_applied_from(|k| db.get_cf(&meta, k))?;
        drop(meta);
        let (state_bytes, tables) = table_sizes::open(&db, &state_cf)?;
        let applied_at_open = last.map(|l| l.index());
        let events_from = events::open_events_from(&db, applied_at_open)?;
        let (applied, _) = watch::channel(applied_at_open);
        let (events, _) = broadcast::channel(EVENTS_CHANNEL_CAPACITY);
        let shared = Arc::new(Shared {
            node_id: identity.node_id,
            cluster_id: identity.cluster_id.clone(),
            db,
            state_cf: RwLock::new(state_cf),
            snapshot_dir,
            current_snapshot: Mutex::new(current),
            file_seq: AtomicU64::new(0),
            applied,
            applied_at_open,
            last_entry_time_ms: AtomicU64::new(0),
            events,
            events_window: AtomicU64::new(crate::config::WATCH_WINDOW_ENTRIES_DEFAULT),
            events_from: AtomicU64::new(events_from),
            events_reset: watch::channel(0).0,
            halted: Mutex::new(None),
            state_bytes: AtomicU64::new(state_bytes),
            tables: Mutex::new(tables),
        });
        Ok(StateMachine { shared, hold })
    }

    /// Tells when openraft has dropped every part of this store it owns (see `OpenraftHold`).
    pub fn released(&self) -> super::Released {
        self.hold.released()
    }

    /// Sets how many applied entries the event window keeps (`watch_window_entries`; the
    /// default until called is the config's default). Takes effect at the next apply.
    pub fn set_events_window(&self, entries: u64) {
        self.shared
            .events_window
            .store(entries.max(1), Ordering::Relaxed);
    }

    /// The read side, for the node.
    pub fn reader(&self) -> StateReader {
        StateReader {
            shared: self.shared.clone(),
        }
    }

    /// Applies one batch; see the module header.
    fn apply_batch(&self, batch: &mut ApplyBatch) -> Result<(), io::Error> {
        let db = &self.shared.db;
        let state = self
            .shared
            .state_cf
            .read()
            .unwrap_or_else(|p| p.into_inner());
        let state_cf = cf(db, &state)?;
        let meta_cf = cf(db, CF_SM_META)?;
        let mut wb = WriteBatch::default();
        for (k, v) in std::mem::take(&mut batch.pending) {
            match v {
                Some(v) => wb.put_cf(&state_cf, k, v),
                None => wb.delete_cf(&state_cf, k),
            }
        }
        if let Some(last) = &batch.last_applied {
            wb.put_cf(&meta_cf, KEY_LAST_APPLIED, encode_meta(&Some(*last)));
        }
        if let Some(m) = &batch.membership {
            wb.put_cf(&meta_cf, KEY_MEMBERSHIP, encode_meta(m));
        }
        let events_cf = cf(db, events::CF_EVENTS)?;
        let moved = events::write_batch_events(
            &mut wb,
            &events_cf,
            &meta_cf,
            &batch.events,
            batch.last_applied.as_ref().map(|l| l.index()),
            self.shared.events_window.load(Ordering::Relaxed),
            self.shared.events_from.load(Ordering::Relaxed),
        );
        // Only apply writes the state (one task), so nothing changes it between load and store.
        let state_bytes = add_signed(
            self.shared.state_bytes.load(Ordering::Acquire),
            batch.size_delta,
        );
        wb.put_cf(&meta_cf, KEY_STATE_BYTES, encode_meta(&state_bytes));
        let mut tables = table_sizes::current(&self.shared);
        tables.apply(&batch.tables);
        wb.put_cf(&meta_cf, table_sizes::KEY_TABLE_SIZES, encode_meta(&tables));
        db.write(wb).map_err(io::Error::other)?;
        drop(state);
        if let Some(from) = moved {
            self.shared.events_from.store(from, Ordering::Relaxed);
        }
        table_sizes::publish(&self.shared, state_bytes, tables);
        batch.size_delta = 0;
        batch.tables.clear();
        batch.pending_bytes = 0;
        batch.membership = None;
        // Events before the applied index: a watcher that sees the index has its events
        // queued already (the watch service's progress replies rely on it).
        for ev in batch.events.drain(..) {
            // No subscriber is not an error: events are for whoever listens now.
            let _ = self.shared.events.send(ev);
        }
        self.shared
            .publish_applied(batch.last_applied.as_ref().map(|l| l.index()));
        for (responder, reply) in batch.responders.drain(..) {
            responder.send(reply);
        }
        Ok(())
    }

    /// Runs `f` over the live state plus the batch's pending writes (what apply reads).
    fn in_batch_view<T>(
        &self,
        batch: &ApplyBatch,
        f: impl FnOnce(&BatchView) -> Result<T, String>,
    ) -> Result<T, String> {
        let db = &self.shared.db;
        let state = self
            .shared
            .state_cf
            .read()
            .unwrap_or_else(|p| p.into_inner());
        let state_cf = cf(db, &state).map_err(|e| e.to_string())?;
        let live = RocksView::live(db, &state_cf);
        f(&BatchView {
            base: &live,
            pending: &batch.pending,
        })
    }

    /// Raises the highest node id ever a member to cover `membership` (see `node_ids`).
    fn note_node_ids(&self, membership: &Membership, batch: &mut ApplyBatch) -> Result<(), String> {
        let raised = self.in_batch_view(batch, |view| {
            let Some((key, value)) = super::node_ids::raised(view, membership)? else {
                return Ok(None);
            };
            let old = view.get(&key).map_err(|e| e.0)?;
            let delta = record_bytes(&key, Some(&value)) - record_bytes(&key, old.as_deref());
            Ok(Some((key, value, old, delta)))
        })?;
        if let Some((key, value, old, delta)) = raised {
            batch.size_delta += delta;
            batch.tables.record(&key, old.as_deref(), Some(&value));
            batch.pending_bytes += key.len() + value.len();
            batch.pending.insert(key, Some(value));
        }
        Ok(())
    }

    /// Writes what applied before the entry `log_id`, which failed with `why`, then halts:
    /// an entry is never skipped.
    fn stop(&self, batch: &mut ApplyBatch, log_id: &LogId, why: &str) -> io::Error {
        if !batch.is_empty() {
            if let Err(e) = self.apply_batch(batch) {
                return e;
            }
        }
        let why = format!("entry {log_id}: {why}");
        self.shared.halt(&why);
        io::Error::other(why)
    }

    /// Runs one normal entry against the live state plus the batch's pending writes.
    fn apply_entry(
        &self,
        index: u64,
        proposal: &Proposal,
        batch: &mut ApplyBatch,
    ) -> Result<Reply, String> {
        let applied = self.in_batch_view(batch, |view| {
            tavern_statemachine::apply(view, &proposal.0).map_err(|f| f.0)
        })?;
        self.shared
            .last_entry_time_ms
            .fetch_max(proposal.0.time_ms, Ordering::Relaxed);
        batch.size_delta += applied.size_delta;
        batch.tables.merge(&applied.tables);
        for m in applied.mutations {
            match m {
                tavern_statemachine::Mutation::Put { key, value } => {
                    batch.pending_bytes += key.len() + value.len();
                    batch.pending.insert(key, Some(value));
                }
                tavern_statemachine::Mutation::Delete { key } => {
                    batch.pending_bytes += key.len();
                    batch.pending.insert(key, None);
                }
            }
        }
        if !applied.events.is_empty() {
            batch.events.push(AppliedEvents {
                index,
                events: applied.events,
            });
        }
        Ok(Reply {
            response: Some(applied.response),
        })
    }
}

/// The work of one `apply` call not yet written.
#[derive(Default)]
struct ApplyBatch {
    pending: Pending,
    pending_bytes: usize,
    /// The sum of the pending entries' size deltas (see `StateReader::state_bytes`).
    size_delta: i64,
    /// The same per table, with records (see `StateReader::table_sizes`).
    tables: TableDeltas,
    last_applied: Option<LogId>,
    membership: Option<StoredMembership>,
    events: Vec<AppliedEvents>,
    responders: Vec<(openraft::storage::ApplyResponder<TypeConfig>, Reply)>,
}

impl ApplyBatch {
    fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.responders.is_empty() && self.last_applied.is_none()
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotData = SnapshotFile;
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), io::Error> {
        let db = &self.shared.db;
        let meta = cf(db, CF_SM_META)?;
        Ok(self.shared.read_applied(|k| db.get_cf(&meta, k))?)
    }

    async fn apply<Strm>(&mut self, mut entries: Strm) -> Result<(), io::Error>
    where
        Strm: Stream<Item = Result<EntryResponder<TypeConfig>, io::Error>> + Unpin + OptionalSend,
    {
        let mut batch = ApplyBatch::default();
        let started = std::time::Instant::now();
        let mut count = 0u64;
        while let Some((entry, responder)) = entries.try_next().await? {
            count += 1;
            let log_id = entry.log_id;
            // log_id is "T<term>-N<leader>.<index>".
            let _span =
                tracing::debug_span!("apply", node = self.shared.node_id, %log_id).entered();
            let reply = match &entry.payload {
                EntryPayload::Blank => Reply { response: None },
                EntryPayload::Membership(m) => {
                    if let Err(why) = self.note_node_ids(m, &mut batch) {
                        return Err(self.stop(&mut batch, &log_id, &why));
                    }
                    tracing::info!(membership = %m, "membership applied");
                    batch.membership = Some(StoredMembership::new(Some(log_id), m.clone()));
                    Reply { response: None }
                }
                EntryPayload::Normal(p) => match self.apply_entry(log_id.index(), p, &mut batch) {
                    Ok(reply) => reply,
                    Err(why) => return Err(self.stop(&mut batch, &log_id, &why)),
                },
            };
            batch.last_applied = Some(log_id);
            if let Some(r) = responder {
                batch.responders.push((r, reply));
            }
            if batch.pending_bytes >= APPLY_BATCH_BYTES_MAX {
                self.apply_batch(&mut batch)?;
            }
        }
        if !batch.is_empty() {
            self.apply_batch(&mut batch)?;
        }
        crate::metrics::record_apply(self.shared.node_id, started.elapsed(), count);
        Ok(())
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder::new(self.shared.clone(), self.hold.clone())
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: SnapshotFile,
    ) -> Result<(), io::Error> {
        let shared = self.shared.clone();
        let meta = meta.clone();
        let hold = self.hold.clone();
        tokio::task::spawn_blocking(move || {
            let _hold = hold;
            sm_snapshot::install(&shared, &meta, snapshot)
        })
        .await
        .map_err(io::Error::other)?
        .map_err(io::Error::from)
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<TavernSnapshot>, io::Error> {
        Ok(sm_snapshot::current(&self.shared)?)
    }
}

/// The node's read side of the state machine: queries at a consistent point, the applied
/// index, the events, and whether apply halted.
#[derive(Clone)]
pub struct StateReader {
    shared: Arc<Shared>,
}

impl fmt::Debug for StateReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateReader")
            .field("db", &self.shared.db.path())
            .finish()
    }
}

impl StateReader {
    /// Answers `q` from one RocksDB snapshot; returns the answer and the index it was served at
    /// (`None` when nothing is applied yet). Blocking: call it off the async runtime.
    pub fn query(
        &self,
        now_ms: u64,
        q: &Query,
    ) -> Result<
        (
            Result<QueryResponse, tavern_statemachine::Error>,
            Option<u64>,
        ),
        StoreError,
    > {
        let db = &self.shared.db;
        // The lock makes the snapshot and the column family of the same generation.
        let guard = self
            .shared
            .state_cf
            .read()
            .unwrap_or_else(|p| p.into_inner());
        let state_cf = cf(db, &guard)?;
        let snap = db.snapshot();
        drop(guard);
        let meta = cf(db, CF_SM_META)?;
        let (last, _) = self.shared.read_applied(|k| snap.get_cf(&meta, k))?;
        let view = RocksView::at(db, &state_cf, &snap);
        let answer = tavern_statemachine::query(&view, now_ms, q);
        Ok((answer, last.map(|l| l.index())))
    }

    /// The index of the last applied entry, as a watch (`None`: nothing applied yet).
    pub fn applied(&self) -> watch::Receiver<Option<u64>> {
        self.shared.applied.subscribe()
    }

    /// The state's logical size in bytes: every key and value of the live state, as of the
    /// last applied batch. Kept exactly by apply (the sum of the entries' size deltas, written
    /// in the same `WriteBatch`), set by a snapshot install; what the quota alarm compares
    /// with `state_bytes_max`. Not the bytes RocksDB takes on disk (compression, compaction,
    /// the log): those are watched by the free-disk alarm.
    pub fn state_bytes(&self) -> u64 {
        self.shared.state_bytes.load(Ordering::Acquire)
    }

    /// The state per table: every table of the key layout (zeros included) and any other tag
    /// with data, in tag order, with its records and their bytes (keys + values). Kept exactly
    /// by apply like [`StateReader::state_bytes`], which the bytes add up to; set by a snapshot
    /// install; `/metrics` and the status show it.
    pub fn table_sizes(&self) -> Vec<TableSize> {
        table_sizes::read(&self.shared).1
    }

    /// [`StateReader::state_bytes`] and [`StateReader::table_sizes`] of the same moment (the
    /// node's status: the tables always add up to the total).
    pub fn sizes(&self) -> (u64, Vec<TableSize>) {
        table_sizes::read(&self.shared)
    }

    /// How many bytes `entry` would add to the state if it applied now (negative: it frees
    /// some), from a dry run of `tavern_statemachine::apply` on a RocksDB snapshot of the
    /// live state; nothing is written. What a node under a space alarm lets through: a write
    /// that does not grow the state. Blocking: call it off the async runtime.
    pub fn size_delta_of(&self, entry: &Entry) -> Result<i64, StoreError> {
        let db = &self.shared.db;
        let guard = self
            .shared
            .state_cf
            .read()
            .unwrap_or_else(|p| p.into_inner());
        let state_cf = cf(db, &guard)?;
        let snap = db.snapshot();
        drop(guard);
        let view = RocksView::at(db, &state_cf, &snap);
        tavern_statemachine::apply(&view, entry)
            .map(|a| a.size_delta)
            .map_err(|f| StoreError::Decode {
                what: "a dry run of the write",
                reason: f.0,
            })
    }

    /// The applied index found on disk when the store was opened (`None`: a fresh store): a
    /// restarted node resumes from it rather than replaying its log.
    pub fn applied_at_open(&self) -> Option<u64> {
        self.shared.applied_at_open
    }

    /// The largest entry time applied since the store was opened: a new leader stamps no
    /// earlier than this, so entry time does not go backwards across a leader change.
    pub fn last_entry_time_ms(&self) -> u64 {
        self.shared.last_entry_time_ms.load(Ordering::Relaxed)
    }

    /// The events of every entry applied from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AppliedEvents> {
        self.shared.events.subscribe()
    }

    /// Up to `max` stored entries of the event window from index `from` on, with the window's
    /// first index, from one consistent read (see [`super::events`]). Blocking.
    pub fn events_page(&self, from: u64, max: usize) -> Result<super::EventsPage, StoreError> {
        super::events::page(&self.shared, from, max)
    }

    /// The first index the event window covers now.
    pub fn events_first_index(&self) -> u64 {
        self.shared.events_from.load(Ordering::Relaxed)
    }

    /// The first index of the window as set by the last snapshot install (0: none yet).
    pub fn events_reset(&self) -> watch::Receiver<u64> {
        self.shared.events_reset.subscribe()
    }

    /// The highest node id ever a member of the cluster, as of the applied index (`None`
    /// before the first membership entry is applied). Blocking (one RocksDB read).
    pub fn max_node_id(&self) -> Result<Option<u64>, StoreError> {
        let db = &self.shared.db;
        let guard = self
            .shared
            .state_cf
            .read()
            .unwrap_or_else(|p| p.into_inner());
        let state_cf = cf(db, &guard)?;
        match db.get_cf(&state_cf, super::node_ids::max_node_id_key())? {
            Some(bytes) => super::node_ids::decode(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Why apply stopped, if it did.
    pub fn halted(&self) -> Option<String> {
        self.shared
            .halted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A fresh path in the snapshot directory for a snapshot being received.
    pub fn incoming_snapshot_path(&self) -> PathBuf {
        sm_snapshot::temp_path(&self.shared, "incoming")
    }

    /// Every key/value of the live state, in key order, with a digest (tests and admin).
    /// Blocking.
    pub fn digest(&self) -> Result<(u64, Option<u64>), StoreError> {
        sm_snapshot::digest(&self.shared)
    }

    /// The SHA-256 digest of the whole live state and the applied index, both from one RocksDB
    /// snapshot (see [`super::digest`]). Blocking: reads every record.
    pub fn state_digest(&self) -> Result<tavern_proto::convert::StateDigest, StoreError> {
        super::digest::sha256(&self.shared)
    }

    /// Writes a snapshot file of the live state (a backup) into the writer `open` makes once
    /// it knows the file's size and metadata; see [`super::backup`]. Blocking: reads every
    /// record twice.
    pub fn write_backup<W: std::io::Write>(
        &self,
        open: impl FnOnce(&super::BackupInfo) -> io::Result<W>,
    ) -> Result<(W, super::BackupInfo), StoreError> {
        super::backup::write(&self.shared, open)
    }
}
