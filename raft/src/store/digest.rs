//! The SHA-256 digest of a node's whole state, for comparing replicas (`AdminService/StateDigest`).
//!
//! ```text
//!  state_cf read lock ─▶ RocksDB snapshot ─▶ unlock
//!                           ├─ sm_meta "last_applied"  ─▶ applied index
//!                           └─ state.<gen>, key order  ─▶ SHA-256(len u64 BE, key, len u64 BE, value)*
//! ```
//! The index and the records come from the same RocksDB snapshot, taken while the generation
//! cannot switch (the lock), so apply may go on while the digest is computed and the pair still
//! describes one moment: two nodes at the same applied index must give the same digest.
//! Length prefixes make the encoding unambiguous (no two different states hash the same
//! bytes). Membership is not part of it: it is Raft's, not the state machine's.

use rocksdb::IteratorMode;
use sha2::{Digest as _, Sha256};
use tavern_proto::convert::StateDigest;

use super::state::Shared;
use super::{cf, StoreError, CF_SM_META};

/// Hashes every record of the live state generation; see the module header.
pub(super) fn sha256(shared: &Shared) -> Result<StateDigest, StoreError> {
    let db = &shared.db;
    let guard = shared.state_cf.read().unwrap_or_else(|p| p.into_inner());
    let state_cf = cf(db, &guard)?;
    let snap = db.snapshot();
    drop(guard);
    let meta_cf = cf(db, CF_SM_META)?;
    let (last, _) = shared.read_applied(|k| snap.get_cf(&meta_cf, k))?;
    let mut digest = Hasher::default();
    for item in snap.iterator_cf(&state_cf, IteratorMode::Start) {
        let (k, v) = item?;
        digest.record(&k, &v);
    }
    Ok(digest.finish(last.map(|l| l.index())))
}

/// The digest's encoding, shared with `TestNode` and `tavern snapshot inspect` so all give the
/// same digest for the same records.
#[derive(Debug, Default)]
pub struct Hasher {
    sha: Sha256,
    records: u64,
}

impl Hasher {
    /// Adds one record; records must come in key order.
    pub fn record(&mut self, key: &[u8], value: &[u8]) {
        for bytes in [key, value] {
            self.sha.update((bytes.len() as u64).to_be_bytes());
            self.sha.update(bytes);
        }
        self.records += 1;
    }

    pub fn finish(self, applied_index: Option<u64>) -> StateDigest {
        StateDigest {
            sha256: self.sha.finalize().into(),
            applied_index,
            records: self.records,
        }
    }
}
