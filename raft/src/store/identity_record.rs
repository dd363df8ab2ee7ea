//! The identity record of a store: `sm_meta "identity" -> [META_FORMAT_VERSION][postcard(Identity)]`.
//!
//! Written once, on the first open of a fresh store; compared with the config's identity on
//! every later open, before anything in the directory is written (see `store::open`). A store
//! written by a build that had no identity record is adopted by the first identity that opens
//! it (no such store was ever deployed; the rule only keeps such a directory usable).

use super::{cf, decode_meta, encode_meta, Db, StoreError, CF_SM_META};
use crate::identity::Identity;

const KEY_IDENTITY: &[u8] = b"identity";

/// Whether the store is `expected`'s: `Ok(true)` for a store with no identity yet (to be
/// stamped), `Ok(false)` for one that is already `expected`'s, an error naming both otherwise.
/// Reads only.
pub(super) fn check(db: &Db, expected: &Identity) -> Result<bool, StoreError> {
    let meta = cf(db, CF_SM_META)?;
    let Some(bytes) = db.get_cf(&meta, KEY_IDENTITY)? else {
        return Ok(true);
    };
    let found: Identity = decode_meta("node identity", &bytes)?;
    if &found == expected {
        Ok(false)
    } else {
        Err(StoreError::Identity {
            found,
            expected: expected.clone(),
        })
    }
}

/// Writes `identity` into a store that has none (synced: it is the first thing a fresh store
/// holds, and it must survive whatever happens next).
pub(super) fn stamp(db: &Db, identity: &Identity) -> Result<(), StoreError> {
    let meta = cf(db, CF_SM_META)?;
    let mut opts = rocksdb::WriteOptions::default();
    opts.set_sync(true);
    db.put_cf_opt(&meta, KEY_IDENTITY, encode_meta(identity), &opts)?;
    tracing::info!(node = identity.node_id, cluster = %identity.cluster_id, "a fresh store now belongs to this node");
    Ok(())
}
