//! The state's size, in total and per table (records and bytes), as the store keeps it.
//!
//! ```text
//!  apply batch: Σ entries' size_delta, Σ entries' TableDeltas ──▶ sm_meta "state_bytes",
//!               "table_sizes" in the batch's WriteBatch ──▶ Shared (one lock, both figures)
//!  snapshot install: counted while the file streams in (sm_snapshot::load) ──▶ the same keys
//!  open: read both keys; a store from before either was kept is scanned once and both written
//! ```
//! Exact, like the state itself: the figures always equal a full scan of the live state (the
//! tests check it after writes, deletes, an install and a reopen).

use std::sync::atomic::Ordering;

use tavern_proto::convert::TableSize;
use tavern_statemachine::keys;
use tavern_statemachine::sizes::TableCounts;

use super::state::{Shared, KEY_STATE_BYTES};
use super::{cf, decode_meta, encode_meta, Db, StoreError, CF_SM_META};

/// The state's records and bytes per table (see [`TableCounts`]), kept in `sm_meta`.
pub(super) const KEY_TABLE_SIZES: &[u8] = b"table_sizes";

/// The state's total logical size and its figures per table as stored in `sm_meta`; a store
/// written before they were kept (either key missing) is scanned once and both stored.
/// Blocking: the scan reads every record.
pub(super) fn open(db: &Db, state_cf: &str) -> Result<(u64, TableCounts), StoreError> {
    let meta = cf(db, CF_SM_META)?;
    let bytes = db.get_cf(&meta, KEY_STATE_BYTES)?;
    let tables = db.get_cf(&meta, KEY_TABLE_SIZES)?;
    if let (Some(bytes), Some(tables)) = (bytes, tables) {
        return Ok((
            decode_meta::<u64>("state bytes", &bytes)?,
            decode_meta::<TableCounts>("table sizes", &tables)?,
        ));
    }
    let state = cf(db, state_cf)?;
    let mut counts = TableCounts::new();
    for item in db.iterator_cf(&state, rocksdb::IteratorMode::Start) {
        let (k, v) = item?;
        counts.add_record(&k, &v);
    }
    let total = counts.bytes();
    tracing::info!(
        state_bytes = total,
        records = counts.records(),
        "counted the state's size per table (a store from before it was kept)"
    );
    let mut wb = rocksdb::WriteBatch::default();
    wb.put_cf(&meta, KEY_STATE_BYTES, encode_meta(&total));
    wb.put_cf(&meta, KEY_TABLE_SIZES, encode_meta(&counts));
    db.write(wb)?;
    Ok((total, counts))
}

/// Sets what readers see, both figures under the one lock (a reader of [`read`] never sees a
/// total from one batch and tables from another). Called after the batch is written.
pub(super) fn publish(shared: &Shared, state_bytes: u64, tables: TableCounts) {
    let mut kept = shared.tables.lock().unwrap_or_else(|p| p.into_inner());
    shared.state_bytes.store(state_bytes, Ordering::Release);
    *kept = tables;
}

/// The kept per-table figures as they are now (apply clones them to add a batch's changes).
pub(super) fn current(shared: &Shared) -> TableCounts {
    shared
        .tables
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// The total and every table of the key layout (zeros included) plus any other tag with
/// data, in tag order, from one moment.
pub(super) fn read(shared: &Shared) -> (u64, Vec<TableSize>) {
    let kept = shared.tables.lock().unwrap_or_else(|p| p.into_inner());
    let total = shared.state_bytes.load(Ordering::Acquire);
    (total, sizes(&kept))
}

/// Names `counts` with the key layout: every table of `keys::TABLES`, then the tags it does
/// not know that hold data (named `0x..`), all in tag order.
pub fn sizes(counts: &TableCounts) -> Vec<TableSize> {
    let mut out: Vec<TableSize> = keys::TABLES
        .iter()
        .map(|&(tag, name, entity)| {
            let c = counts.get(tag);
            TableSize {
                tag,
                name: name.to_string(),
                entity: entity.map(str::to_string),
                records: c.records,
                bytes: c.bytes,
            }
        })
        .collect();
    for (tag, c) in counts.iter() {
        if keys::table(tag).is_none() {
            out.push(TableSize {
                tag,
                name: format!("0x{tag:02x}"),
                entity: None,
                records: c.records,
                bytes: c.bytes,
            });
        }
    }
    out.sort_by_key(|t| t.tag);
    out
}
