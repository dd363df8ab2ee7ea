//! The state's size per table (a key's first byte is its table tag, see [`crate::keys`]):
//! records and their bytes (key + value), kept exactly the way the total size is.
//!
//! ```text
//!  Txn::size_deltas ──▶ TableDeltas (per tag: records ±, bytes ±; sorted, one per tag touched)
//!        Applied.tables ──▶ the node sums them per batch ──▶ TableCounts::apply ──▶ sm_meta
//!  a full scan:  TableCounts::add_record for every pair ──▶ the same TableCounts
//! ```
//! Deterministic like the mutations themselves: every node that applies the same log keeps the
//! same figures, and they always equal a scan of the state (the tests check both).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::txn::record_bytes;

/// The table tag of `key`: its first byte. An empty key (the state machine never writes one)
/// counts under 0x00, which no table uses, so the per-table bytes still add up to the total.
pub fn tag_of(key: &[u8]) -> u8 {
    key.first().copied().unwrap_or(0)
}

/// What one transaction (or a batch of them) changes in one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDelta {
    pub tag: u8,
    /// Records written where none was, minus present records deleted.
    pub records: i64,
    /// Key + value bytes added, minus those freed.
    pub bytes: i64,
}

/// The per-table changes of a transaction: sorted by tag, one entry per tag with a change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDeltas(Vec<TableDelta>);

impl TableDeltas {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one record written at `key`: `old` is what the state held there, `new` what it
    /// holds after (`None`: absent, or deleted).
    pub fn record(&mut self, key: &[u8], old: Option<&[u8]>, new: Option<&[u8]>) {
        let records = i64::from(new.is_some()) - i64::from(old.is_some());
        let bytes = record_bytes(key, new).saturating_sub(record_bytes(key, old));
        self.add(tag_of(key), records, bytes);
    }

    /// Adds a change to table `tag`. Writes come in key order, so the last entry is usually
    /// the one to add to; otherwise a binary search keeps the vector sorted.
    pub fn add(&mut self, tag: u8, records: i64, bytes: i64) {
        if records == 0 && bytes == 0 {
            return;
        }
        let at = match self.0.last() {
            Some(last) if last.tag == tag => self.0.len() - 1,
            _ => match self.0.binary_search_by_key(&tag, |d| d.tag) {
                Ok(i) => i,
                Err(i) => {
                    self.0.insert(
                        i,
                        TableDelta {
                            tag,
                            records: 0,
                            bytes: 0,
                        },
                    );
                    i
                }
            },
        };
        let d = &mut self.0[at];
        d.records = d.records.saturating_add(records);
        d.bytes = d.bytes.saturating_add(bytes);
    }

    /// Adds every change of `other` (one batch summing its entries').
    pub fn merge(&mut self, other: &TableDeltas) {
        for d in &other.0 {
            self.add(d.tag, d.records, d.bytes);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &TableDelta> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// One table's figures: how many records it holds and their bytes (keys + values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    pub records: u64,
    pub bytes: u64,
}

/// The figures of every table that holds data, by tag. The node keeps one (in its store's
/// metadata, next to the total size) and updates it with each batch's [`TableDeltas`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCounts(BTreeMap<u8, TableCount>);

impl TableCounts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one stored pair (building the figures from a full scan).
    pub fn add_record(&mut self, key: &[u8], value: &[u8]) {
        let c = self.0.entry(tag_of(key)).or_default();
        c.records = c.records.saturating_add(1);
        c.bytes = c
            .bytes
            .saturating_add((key.len() as u64).saturating_add(value.len() as u64));
    }

    /// Applies a batch's changes; a table left with no record and no byte is dropped, so two
    /// counts of the same state compare equal whatever their history.
    pub fn apply(&mut self, deltas: &TableDeltas) {
        for d in deltas.iter() {
            let c = self.0.entry(d.tag).or_default();
            c.records = add_signed(c.records, d.records);
            c.bytes = add_signed(c.bytes, d.bytes);
            if *c == TableCount::default() {
                self.0.remove(&d.tag);
            }
        }
    }

    /// The figures of table `tag` (zero when it holds nothing).
    pub fn get(&self, tag: u8) -> TableCount {
        self.0.get(&tag).copied().unwrap_or_default()
    }

    /// Tables with data, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, TableCount)> + '_ {
        self.0.iter().map(|(t, c)| (*t, *c))
    }

    /// The bytes of every table: the state's logical size.
    pub fn bytes(&self) -> u64 {
        self.0.values().fold(0u64, |s, c| s.saturating_add(c.bytes))
    }

    /// Every record of every table.
    pub fn records(&self) -> u64 {
        self.0
            .values()
            .fold(0u64, |s, c| s.saturating_add(c.records))
    }
}

/// `value + delta`, never below 0 nor above `u64::MAX`.
pub fn add_signed(value: u64, delta: i64) -> u64 {
    if delta >= 0 {
        value.saturating_add(delta.unsigned_abs())
    } else {
        value.saturating_sub(delta.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_stay_sorted_one_per_tag_and_drop_what_nets_to_nothing() {
        let mut d = TableDeltas::new();
        d.record(&[0x50, 1], None, Some(b"abc")); // +1 record, +5 bytes
        d.record(&[0x10, 9], Some(b"x"), None); // -1 record, -3 bytes
        d.record(&[0x50, 2], Some(b"ab"), Some(b"abcd")); // +2 bytes
        d.record(&[0x20], Some(b"same"), Some(b"sama")); // no change
        assert_eq!(
            d.iter().copied().collect::<Vec<_>>(),
            vec![
                TableDelta {
                    tag: 0x10,
                    records: -1,
                    bytes: -3
                },
                TableDelta {
                    tag: 0x50,
                    records: 1,
                    bytes: 7
                },
            ]
        );

        // Kept figures of the state before, plus the deltas, equal a count of the state after.
        let mut kept = TableCounts::new();
        kept.add_record(&[0x10, 9], b"x");
        kept.add_record(&[0x20], b"same");
        kept.add_record(&[0x50, 2], b"ab");
        kept.apply(&d);
        let mut after = TableCounts::new();
        after.add_record(&[0x20], b"sama");
        after.add_record(&[0x50, 1], b"abc");
        after.add_record(&[0x50, 2], b"abcd");
        assert_eq!(kept, after, "an emptied table is dropped");
        assert_eq!(
            kept.get(0x50),
            TableCount {
                records: 2,
                bytes: 11
            }
        );
        assert_eq!((kept.records(), kept.bytes()), (3, 16));
    }
}
