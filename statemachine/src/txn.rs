//! [`Txn`]: the working state of one apply (or one query).
//!
//! Reads go to an overlay of this entry's own writes first, then to the [`View`]; writes only
//! touch the overlay. When the command succeeds, the overlay becomes the entry's mutations (in
//! key order, so every node writes the same batch); when it fails, the overlay is dropped and the
//! state is untouched. It also carries the entry's time, the cluster config and the events.
//!
//! ```text
//!  domain code ──get/scan──▶ overlay (this entry's writes) ──miss──▶ View (RocksDB / MemView)
//!              ──put/delete─▶ overlay ──finish()──▶ Vec<Mutation> (sorted) + Vec<Event>
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;

use crate::codec::Record;
use crate::config::ClusterConfig;
use crate::error::Error;
use crate::event::Event;
use crate::sizes::TableDeltas;
use crate::view::{Mutation, Pairs, View};

/// How many base pairs a merged scan pulls from the view at a time.
const SCAN_PAGE_PAIRS: usize = 256;

pub struct Txn<'a> {
    view: &'a dyn View,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    events: Vec<Event>,
    now_ms: u64,
    config: ClusterConfig,
}

impl std::fmt::Debug for Txn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Txn")
            .field("writes", &self.writes.len())
            .field("events", &self.events.len())
            .field("now_ms", &self.now_ms)
            .finish()
    }
}

impl<'a> Txn<'a> {
    /// A transaction at `now_ms` (the entry's leader-stamped time, or the reader's time for a
    /// query). Loads the cluster config from the view.
    pub fn new(view: &'a dyn View, now_ms: u64) -> Result<Self, Error> {
        let mut txn = Txn {
            view,
            writes: BTreeMap::new(),
            events: Vec::new(),
            now_ms,
            config: Default::default(),
        };
        txn.config = crate::config::load(&txn)?;
        Ok(txn)
    }

    /// The entry's time in milliseconds since the Unix epoch. The only clock apply may use.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    pub(crate) fn set_config(&mut self, config: ClusterConfig) {
        self.config = config;
    }

    /// Records an event; it is emitted only if the command succeeds.
    pub fn emit(&mut self, event: impl Into<Event>) {
        self.events.push(event.into());
    }

    pub fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => Ok(self.view.get(key)?),
        }
    }

    pub fn get<T: Record>(&self, key: &[u8]) -> Result<Option<T>, Error> {
        match self.get_raw(key)? {
            Some(bytes) => Ok(Some(T::decode(&bytes)?)),
            None => Ok(None),
        }
    }

    pub fn exists(&self, key: &[u8]) -> Result<bool, Error> {
        Ok(self.get_raw(key)?.is_some())
    }

    pub fn put<T: Record>(&mut self, key: Vec<u8>, value: &T) {
        self.writes.insert(key, Some(value.encode()));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// Pairs under `prefix` in key order, after `after` when given, at most `limit`, with this
    /// entry's own writes applied.
    pub fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs, Error> {
        let mut out = Vec::new();
        // A cursor before the prefix means "from the start of the prefix".
        let after = after.filter(|a| *a >= prefix);
        let start = match after {
            Some(a) => Bound::Excluded(a.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        let mut overlay = self
            .writes
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .peekable();
        let mut base: VecDeque<(Vec<u8>, Vec<u8>)> = VecDeque::new();
        let mut base_cursor: Option<Vec<u8>> = after.map(<[u8]>::to_vec);
        let mut base_done = false;
        while out.len() < limit {
            if base.is_empty() && !base_done {
                let page = self
                    .view
                    .scan(prefix, base_cursor.as_deref(), SCAN_PAGE_PAIRS)?;
                base_done = page.len() < SCAN_PAGE_PAIRS;
                if let Some((last, _)) = page.last() {
                    base_cursor = Some(last.clone());
                }
                base.extend(page);
            }
            let take_base = match (base.front(), overlay.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((bk, _)), Some((ok, _))) => {
                    if bk.as_slice() == ok.as_slice() {
                        base.pop_front(); // shadowed by this entry's write
                        false
                    } else {
                        bk.as_slice() < ok.as_slice()
                    }
                }
            };
            if take_base {
                if let Some(pair) = base.pop_front() {
                    out.push(pair);
                }
            } else if let Some((k, Some(v))) = overlay.next() {
                out.push((k.clone(), v.clone()));
            }
        }
        Ok(out)
    }

    /// Every pair under `prefix`, refusing to read more than `max` (a bound every caller names).
    pub fn scan_all(&self, prefix: &[u8], max: usize) -> Result<Pairs, Error> {
        let pairs = self.scan(prefix, None, max.saturating_add(1))?;
        if pairs.len() > max {
            return Err(Error::Corrupt(format!(
                "more than {max} records under prefix {prefix:02x?}, the bound for this scan"
            )));
        }
        Ok(pairs)
    }

    /// Decoded records under `prefix`, at most `max` (see [`Txn::scan_all`]).
    pub fn scan_records<T: Record>(
        &self,
        prefix: &[u8],
        max: usize,
    ) -> Result<Vec<(Vec<u8>, T)>, Error> {
        self.scan_all(prefix, max)?
            .into_iter()
            .map(|(k, v)| Ok((k, T::decode(&v)?)))
            .collect()
    }

    /// Number of keys under `prefix`, counting at most `max + 1`.
    pub fn count(&self, prefix: &[u8], max: usize) -> Result<usize, Error> {
        Ok(self.scan(prefix, None, max.saturating_add(1))?.len())
    }

    /// How many bytes (key + value) the state grows by when this transaction's writes land:
    /// each written key's new length (0 for a delete) minus what the view holds there (0 when
    /// absent). Exact and deterministic, like the writes themselves: the node keeps the sum as
    /// the state's logical size (quota alarm). Reads the view once per written key.
    pub fn size_delta(&self) -> Result<i64, Error> {
        Ok(self.size_deltas()?.0)
    }

    /// [`Txn::size_delta`] and, from the same reads, its split by table
    /// ([`crate::sizes`]): per tag, the records added minus deleted and the bytes. The
    /// per-table bytes add up to the total.
    pub fn size_deltas(&self) -> Result<(i64, TableDeltas), Error> {
        let mut delta: i64 = 0;
        let mut tables = TableDeltas::new();
        for (key, new) in &self.writes {
            let old = self.view.get(key)?;
            delta = delta
                .saturating_add(record_bytes(key, new.as_deref()))
                .saturating_sub(record_bytes(key, old.as_deref()));
            tables.record(key, old.as_deref(), new.as_deref());
        }
        Ok((delta, tables))
    }

    /// The mutations (sorted by key) and events of this transaction.
    pub fn finish(self) -> (Vec<Mutation>, Vec<Event>) {
        let mutations = self
            .writes
            .into_iter()
            .map(|(key, v)| match v {
                Some(value) => Mutation::Put { key, value },
                None => Mutation::Delete { key },
            })
            .collect();
        (mutations, self.events)
    }
}

/// The bytes one record takes in the state's logical size: key + value, 0 when absent.
pub fn record_bytes(key: &[u8], value: Option<&[u8]>) -> i64 {
    value.map_or(0, |v| {
        i64::try_from(key.len().saturating_add(v.len())).unwrap_or(i64::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::MemView;
    use proptest::prelude::*;

    fn model_scan(
        model: &BTreeMap<Vec<u8>, Vec<u8>>,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Pairs {
        model
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && after.is_none_or(|a| k.as_slice() > a))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    proptest! {
        /// A scan through the overlay sees exactly what the state would hold after the writes,
        /// across view pages (keys are drawn from a small alphabet so pages of 256 fill up).
        #[test]
        fn scan_merges_overlay_and_view_like_the_final_state(
            base in prop::collection::btree_map(prop::collection::vec(0u8..4, 1..6), any::<u8>(), 0..600),
            ops in prop::collection::vec((prop::collection::vec(0u8..4, 1..6), prop::option::of(any::<u8>())), 0..200),
            prefix in prop::collection::vec(0u8..4, 0..2),
            after in prop::option::of(prop::collection::vec(0u8..4, 1..4)),
            limit in 0usize..700,
        ) {
            let mut view = MemView::new();
            let mut model = BTreeMap::new();
            let puts: Vec<Mutation> = base.iter().map(|(k, v)| Mutation::Put { key: k.clone(), value: vec![*v] }).collect();
            view.write(&puts);
            for (k, v) in &base { model.insert(k.clone(), vec![*v]); }
            let mut txn = Txn::new(&view, 0).unwrap();
            for (k, v) in &ops {
                match v {
                    Some(v) => { txn.writes.insert(k.clone(), Some(vec![*v])); model.insert(k.clone(), vec![*v]); }
                    None => { txn.delete(k.clone()); model.remove(k); }
                }
            }
            let got = txn.scan(&prefix, after.as_deref(), limit).unwrap();
            prop_assert_eq!(got, model_scan(&model, &prefix, after.as_deref(), limit));
            // The size delta is what the state's key + value bytes grow by.
            let before = view.bytes();
            let delta = txn.size_delta().unwrap();
            // Split by table, it turns the counts of the state before into those after.
            let mut tables = view.table_counts();
            let (total, deltas) = txn.size_deltas().unwrap();
            prop_assert_eq!(total, delta);
            tables.apply(&deltas);
            // And the mutations turn the view into the model.
            let (mutations, _) = txn.finish();
            view.write(&mutations);
            prop_assert_eq!(i64::try_from(view.bytes()).unwrap() - i64::try_from(before).unwrap(), delta);
            prop_assert_eq!(tables, view.table_counts());
            prop_assert_eq!(view.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<BTreeMap<_, _>>(), model);
        }
    }
}
