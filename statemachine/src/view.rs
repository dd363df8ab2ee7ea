//! The read side of the store: what `apply` and `query` see of the state.
//!
//! The node implements [`View`] over a RocksDB snapshot; tests use [`MemView`]. Keys and values
//! are opaque bytes here; `keys` and `codec` give them meaning.

use std::collections::BTreeMap;

/// A failure of the storage under the view. It stops the apply: the node must not go on
/// with a state it could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage read failed: {0}")]
pub struct StorageError(pub String);

/// Key/value pairs, as scans return them.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Read access to the state at one point in the log.
pub trait View {
    /// The value stored at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Every key/value pair whose key starts with `prefix`, in key order, starting after
    /// `after` when given (a cursor sorting before `prefix` means from the start of the prefix),
    /// at most `limit` pairs.
    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Pairs, StorageError>;
}

/// One change to the state, produced by `apply` and written by the node in one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Put { key: Vec<u8>, value: Vec<u8> },
    Delete { key: Vec<u8> },
}

impl Mutation {
    pub fn key(&self) -> &[u8] {
        match self {
            Mutation::Put { key, .. } | Mutation::Delete { key } => key,
        }
    }
}

/// An in-memory state: the reference implementation of [`View`], used by tests, the
/// in-memory scenario and (later) the domain API suite.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemView {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the mutations of one entry.
    pub fn write(&mut self, mutations: &[Mutation]) {
        for m in mutations {
            match m {
                Mutation::Put { key, value } => {
                    self.map.insert(key.clone(), value.clone());
                }
                Mutation::Delete { key } => {
                    self.map.remove(key);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The state's logical size: the bytes of every key and value (what the node's quota
    /// counts; the sum of [`crate::Applied::size_delta`] over the entries applied).
    pub fn bytes(&self) -> u64 {
        self.map
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum()
    }

    /// Records and bytes per table, counted from every pair (what the node keeps by apply).
    pub fn table_counts(&self) -> crate::sizes::TableCounts {
        let mut counts = crate::sizes::TableCounts::new();
        for (k, v) in &self.map {
            counts.add_record(k, v);
        }
        counts
    }

    /// Every stored pair in key order; two states are equal when these are.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
        self.map.iter()
    }

    /// A stable digest of the whole state (FNV-1a 64 over length-prefixed keys and values),
    /// for comparing replicas in tests.
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in (bytes.len() as u64).to_be_bytes().iter().chain(bytes) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for (k, v) in &self.map {
            eat(k);
            eat(v);
        }
        h
    }
}

impl View for MemView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.map.get(key).cloned())
    }

    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Pairs, StorageError> {
        use std::ops::Bound;
        let after = after.filter(|a| *a >= prefix);
        let start = match after {
            Some(a) => Bound::Excluded(a.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        Ok(self
            .map
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
