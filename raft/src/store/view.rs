//! The state machine's `View` over RocksDB.
//!
//! [`RocksView`] reads one state column family, either live (apply, the only writer) or at a
//! RocksDB snapshot (queries and snapshot building see one point in the log while apply goes
//! on). [`BatchView`] puts the writes of the entries applied earlier in the same batch over
//! it, so entry N sees entry N-1 before either reaches RocksDB.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use rocksdb::{BoundColumnFamily, Direction, IteratorMode, ReadOptions};
use tavern_statemachine::{Pairs, StorageError, View};

use super::Db;

/// The pairs a scan of the base reads per step while merging with pending writes.
const MERGE_PAGE_PAIRS: usize = 256;

/// One state column family, live or at a RocksDB snapshot.
pub struct RocksView<'a> {
    db: &'a Db,
    cf: &'a Arc<BoundColumnFamily<'a>>,
    snapshot: Option<&'a rocksdb::SnapshotWithThreadMode<'a, Db>>,
}

impl std::fmt::Debug for RocksView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksView")
            .field("at_snapshot", &self.snapshot.is_some())
            .finish()
    }
}

impl<'a> RocksView<'a> {
    /// The live state: only the applier may read it this way (nobody else writes).
    pub fn live(db: &'a Db, cf: &'a Arc<BoundColumnFamily<'a>>) -> Self {
        RocksView {
            db,
            cf,
            snapshot: None,
        }
    }

    /// The state as of `snapshot`.
    pub fn at(
        db: &'a Db,
        cf: &'a Arc<BoundColumnFamily<'a>>,
        snapshot: &'a rocksdb::SnapshotWithThreadMode<'a, Db>,
    ) -> Self {
        RocksView {
            db,
            cf,
            snapshot: Some(snapshot),
        }
    }

    fn read_options(&self) -> ReadOptions {
        let mut opts = ReadOptions::default();
        if let Some(s) = self.snapshot {
            opts.set_snapshot(s);
        }
        opts
    }
}

/// The first key after every key that starts with `prefix` (`None`: no such key, the prefix
/// is empty or all `0xff`).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

fn storage(e: rocksdb::Error) -> StorageError {
    StorageError(e.to_string())
}

impl View for RocksView<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.db
            .get_cf_opt(self.cf, key, &self.read_options())
            .map_err(storage)
    }

    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Pairs, StorageError> {
        // A cursor sorting before the prefix means "from the start of the prefix".
        let after = after.filter(|a| *a >= prefix);
        let start = after.unwrap_or(prefix);
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let mut opts = self.read_options();
        // Bounded to the prefix: past its last live key the iterator stops at once instead of
        // stepping over the tombstones of deleted keys that follow it (a queue-like table,
        // such as a session's acknowledged responses, leaves many until a compaction).
        if let Some(end) = prefix_end(prefix) {
            opts.set_iterate_upper_bound(end);
        }
        let iter =
            self.db
                .iterator_cf_opt(self.cf, opts, IteratorMode::From(start, Direction::Forward));
        for item in iter {
            let (k, v) = item.map_err(storage)?;
            if Some(&*k) == after {
                continue;
            }
            if !k.starts_with(prefix) {
                break;
            }
            out.push((k.into_vec(), v.into_vec()));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

/// Writes pending in the current apply batch: `None` is a deletion.
pub type Pending = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// `base` with the batch's pending writes on top.
pub struct BatchView<'a> {
    pub base: &'a dyn View,
    pub pending: &'a Pending,
}

impl std::fmt::Debug for BatchView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchView")
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl View for BatchView<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.pending.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }

    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Pairs, StorageError> {
        let after = after.filter(|a| *a >= prefix);
        let start = match after {
            Some(a) => Bound::Excluded(a.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        let mut overlay = self
            .pending
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .peekable();
        let mut base = std::collections::VecDeque::new();
        let mut cursor: Option<Vec<u8>> = after.map(<[u8]>::to_vec);
        let mut base_done = false;
        let mut out = Vec::new();
        while out.len() < limit {
            if base.is_empty() && !base_done {
                let page = self
                    .base
                    .scan(prefix, cursor.as_deref(), MERGE_PAGE_PAIRS)?;
                base_done = page.len() < MERGE_PAGE_PAIRS;
                if let Some((last, _)) = page.last() {
                    cursor = Some(last.clone());
                }
                base.extend(page);
            }
            let from_base = match (base.front(), overlay.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((bk, _)), Some((ok, _))) => {
                    if bk == *ok {
                        base.pop_front(); // shadowed by a pending write
                        false
                    } else {
                        bk < *ok
                    }
                }
            };
            if from_base {
                if let Some(pair) = base.pop_front() {
                    out.push(pair);
                }
            } else if let Some((k, Some(v))) = overlay.next() {
                out.push((k.clone(), v.clone()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavern_statemachine::MemView;
    use tavern_statemachine::Mutation;

    fn put(k: &[u8], v: &[u8]) -> Mutation {
        Mutation::Put {
            key: k.to_vec(),
            value: v.to_vec(),
        }
    }

    #[test]
    fn a_prefix_ends_at_its_successor() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[0x12, 0xff]), Some(vec![0x13]));
        assert_eq!(
            prefix_end(&[0x12, 0xfe, 0xff, 0xff]),
            Some(vec![0x12, 0xff])
        );
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn a_rocks_scan_sees_every_key_of_its_prefix_and_none_after() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open_cf_descriptors(
            &{
                let mut o = rocksdb::Options::default();
                o.create_if_missing(true);
                o.create_missing_column_families(true);
                o
            },
            dir.path(),
            vec![rocksdb::ColumnFamilyDescriptor::new(
                "s",
                rocksdb::Options::default(),
            )],
        )
        .expect("open");
        let cf = db.cf_handle("s").expect("cf");
        for k in [
            &[0x12, 0xfe][..],
            &[0x12, 0xff],
            &[0x12, 0xff, 0xff, 0x01],
            &[0x13],
            &[0x13, 0x00],
        ] {
            db.put_cf(&cf, k, b"v").expect("put");
        }
        // Deleted keys inside and after the prefix are skipped.
        for k in [&[0x12, 0xff, 0x00][..], &[0x13, 0x01]] {
            db.put_cf(&cf, k, b"v").expect("put");
            db.delete_cf(&cf, k).expect("delete");
        }
        let view = RocksView::live(&db, &cf);
        let keys = |prefix: &[u8], after: Option<&[u8]>| -> Vec<Vec<u8>> {
            let pairs = view.scan(prefix, after, 100).expect("scan");
            pairs.into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(
            keys(&[0x12, 0xff], None),
            [vec![0x12, 0xff], vec![0x12, 0xff, 0xff, 0x01]]
        );
        assert_eq!(
            keys(&[0x12, 0xff], Some(&[0x12, 0xff])),
            [vec![0x12, 0xff, 0xff, 0x01]]
        );
        assert_eq!(keys(&[0x13], None), [vec![0x13], vec![0x13, 0x00]]);
        assert_eq!(keys(&[0x12], None).len(), 3);
    }

    #[test]
    fn a_batch_view_scans_like_the_state_after_its_pending_writes() {
        // Base: a1..a5 and b1. Pending: a2 deleted, a3 replaced, a6 added, b0 added.
        let mut base = MemView::new();
        base.write(&[
            put(b"a1", b"1"),
            put(b"a2", b"2"),
            put(b"a3", b"3"),
            put(b"a4", b"4"),
            put(b"a5", b"5"),
            put(b"b1", b"x"),
        ]);
        let mut pending = Pending::new();
        pending.insert(b"a2".to_vec(), None);
        pending.insert(b"a3".to_vec(), Some(b"33".to_vec()));
        pending.insert(b"a6".to_vec(), Some(b"6".to_vec()));
        pending.insert(b"b0".to_vec(), Some(b"y".to_vec()));

        let mut expected = base.clone();
        expected.write(&[
            Mutation::Delete {
                key: b"a2".to_vec(),
            },
            put(b"a3", b"33"),
            put(b"a6", b"6"),
            put(b"b0", b"y"),
        ]);
        let view = BatchView {
            base: &base,
            pending: &pending,
        };
        for (prefix, after, limit) in [
            (&b"a"[..], None, 100),
            (b"a", Some(&b"a2"[..]), 2),
            (b"a", Some(b"a5"), 10),
            (b"b", None, 1),
            (b"b", Some(b"a9"), 10),
            (b"", None, 100),
        ] {
            assert_eq!(
                view.scan(prefix, after, limit).expect("scan"),
                expected.scan(prefix, after, limit).expect("scan"),
                "scan({prefix:?}, {after:?}, {limit})"
            );
        }
        assert_eq!(view.get(b"a2").expect("get"), None);
        assert_eq!(view.get(b"a3").expect("get"), Some(b"33".to_vec()));
        assert_eq!(view.get(b"a4").expect("get"), Some(b"4".to_vec()));
    }
}
