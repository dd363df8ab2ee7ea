//! The event window: the events of the last `watch_window_entries` applied entries, kept in
//! the `events` column family so a watcher can resume from an index (DESIGN.md "Events").
//!
//! ```text
//!  events        index u64 BE -> [EVENTS_FORMAT_VERSION][postcard(Vec<Event>)]   (entries with events only)
//!  sm_meta       "events_from" -> [META_FORMAT_VERSION][postcard(u64)]
//! ```
//! `events_from` is the first index the window covers: the events of every applied entry at or
//! after it are in the column family (an entry without events has no key). Apply writes an
//! entry's events in the same `WriteBatch` as its mutations and `last_applied`, and in that
//! batch moves `events_from` up to `last_applied + 1 - window`, deleting what falls out: the
//! window, `last_applied` and the state never disagree after a crash. Installing a snapshot
//! empties the window and sets `events_from` to the snapshot's index + 1 (the events of the
//! entries it replaced were never applied here). A store opened without the key (written before
//! the window existed) starts its window after its `last_applied`.

use std::sync::Arc;

use rocksdb::{BoundColumnFamily, Direction, IteratorMode, WriteBatch};
use tavern_statemachine::Event;

use super::state::{AppliedEvents, Shared};
use super::{cf, decode_meta, encode_meta, Db, StoreError, CF_SM_META};

/// The column family of the event window.
pub const CF_EVENTS: &str = "events";
/// Version byte in front of every stored event list.
pub const EVENTS_FORMAT_VERSION: u8 = 1;
pub(super) const KEY_EVENTS_FROM: &[u8] = b"events_from";

/// Stored entries one [`page`] reads at most.
pub const EVENTS_PAGE_ENTRIES_MAX: usize = 256;

/// A run of the window read at one moment: `first_index` is `events_from` at that moment, and
/// `entries` the stored entries from the asked index on, in index order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsPage {
    pub first_index: u64,
    pub entries: Vec<AppliedEvents>,
}

fn encode(events: &[Event]) -> Vec<u8> {
    let mut out = vec![EVENTS_FORMAT_VERSION];
    // Serializing our own event types to a Vec cannot fail.
    out.extend(postcard::to_allocvec(events).expect("events serialize"));
    out
}

fn decode(bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
    match bytes.split_first() {
        Some((&EVENTS_FORMAT_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| StoreError::Decode {
                what: "stored events",
                reason: e.to_string(),
            })
        }
        Some((v, _)) => Err(StoreError::Decode {
            what: "stored events",
            reason: format!("format version {v}, this build reads {EVENTS_FORMAT_VERSION}"),
        }),
        None => Err(StoreError::Decode {
            what: "stored events",
            reason: "empty value".into(),
        }),
    }
}

fn index_of(key: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(key)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Decode {
            what: "event window key",
            reason: format!("{} bytes, expected 8", key.len()),
        })
}

/// `events_from` as stored; a store without it (fresh, or written before the window existed)
/// starts its window after its `last_applied`, and the key is written so every later read
/// agrees.
pub(super) fn open_events_from(db: &Db, last_applied: Option<u64>) -> Result<u64, StoreError> {
    let meta = cf(db, CF_SM_META)?;
    match db.get_cf(&meta, KEY_EVENTS_FROM)? {
        Some(b) => decode_meta::<u64>("events_from", &b),
        None => {
            let from = last_applied.map_or(0, |l| l + 1);
            db.put_cf(&meta, KEY_EVENTS_FROM, encode_meta(&from))?;
            Ok(from)
        }
    }
}

fn stored_events_from(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, rocksdb::Error>,
) -> Result<u64, StoreError> {
    match get(KEY_EVENTS_FROM)? {
        Some(b) => decode_meta::<u64>("events_from", &b),
        None => Err(StoreError::Decode {
            what: "events_from",
            reason: "missing (it is written when the store opens)".into(),
        }),
    }
}

/// Adds the batch's events and the window's trim to `wb`; returns the new `events_from` when
/// it moves.
pub(super) fn write_batch_events(
    wb: &mut WriteBatch,
    events_cf: &Arc<BoundColumnFamily<'_>>,
    meta_cf: &Arc<BoundColumnFamily<'_>>,
    events: &[AppliedEvents],
    last_applied: Option<u64>,
    window_entries: u64,
    events_from: u64,
) -> Option<u64> {
    for e in events {
        wb.put_cf(events_cf, e.index.to_be_bytes(), encode(&e.events));
    }
    let last = last_applied?;
    let from = (last + 1).saturating_sub(window_entries);
    if from <= events_from {
        return None;
    }
    wb.delete_range_cf(events_cf, events_from.to_be_bytes(), from.to_be_bytes());
    wb.put_cf(meta_cf, KEY_EVENTS_FROM, encode_meta(&from));
    Some(from)
}

/// Empties the window in `wb` and starts it at `from` (a snapshot install).
pub(super) fn reset_in_batch(
    wb: &mut WriteBatch,
    events_cf: &Arc<BoundColumnFamily<'_>>,
    meta_cf: &Arc<BoundColumnFamily<'_>>,
    from: u64,
) {
    wb.delete_range_cf(events_cf, 0u64.to_be_bytes(), u64::MAX.to_be_bytes());
    wb.put_cf(meta_cf, KEY_EVENTS_FROM, encode_meta(&from));
}

/// Reads up to `max` stored entries from index `from` on, with `events_from`, from one RocksDB
/// snapshot. Blocking.
pub(super) fn page(shared: &Shared, from: u64, max: usize) -> Result<EventsPage, StoreError> {
    let db: &Db = &shared.db;
    let snap = db.snapshot();
    let meta = cf(db, CF_SM_META)?;
    let first_index = stored_events_from(|k| snap.get_cf(&meta, k))?;
    let events_cf = cf(db, CF_EVENTS)?;
    let start = from.to_be_bytes();
    let mut entries = Vec::new();
    let iter = snap.iterator_cf(&events_cf, IteratorMode::From(&start, Direction::Forward));
    for item in iter.take(max.min(EVENTS_PAGE_ENTRIES_MAX)) {
        let (k, v) = item?;
        entries.push(AppliedEvents {
            index: index_of(&k)?,
            events: decode(&v)?,
        });
    }
    Ok(EventsPage {
        first_index,
        entries,
    })
}
