//! The sweeps: invites past their expiry, and applied match ids past `match_id_ttl_ms`. Each
//! entry handles at most [`SWEEP_BATCH_MAX`] of them, oldest first.

use crate::error::Error;
use crate::keys::{Key, KeyReader};
use crate::limits::SWEEP_BATCH_MAX;
use crate::txn::Txn;

use super::store;

pub(crate) fn expire_invites(txn: &mut Txn<'_>) -> Result<u32, Error> {
    let now = txn.now_ms();
    let mut n = 0u32;
    let prefix = Key::new(store::INVITE_BY_EXPIRY).build();
    for (k, _) in txn.scan(&prefix, None, SWEEP_BATCH_MAX)? {
        let mut r = KeyReader::new(&k, 0);
        let (Some(expires_ms), Some(id)) = (r.u64(), r.character()) else {
            return Err(Error::Corrupt(format!("arena invite expiry key {k:02x?}")));
        };
        if expires_ms > now {
            break;
        }
        store::delete_invite(txn, id)?;
        txn.delete(k);
        n += 1;
    }
    Ok(n)
}

pub(crate) fn expire_match_ids(txn: &mut Txn<'_>) -> Result<u32, Error> {
    let cutoff = txn
        .now_ms()
        .saturating_sub(txn.config().arena.match_id_ttl_ms);
    let mut n = 0u32;
    let prefix = Key::new(store::MATCH_BY_TIME).build();
    for (k, _) in txn.scan(&prefix, None, SWEEP_BATCH_MAX)? {
        let mut r = KeyReader::new(&k, 0);
        let (Some(applied_ms), Some(realm), Some(match_id)) = (r.u64(), r.u32(), r.u64()) else {
            return Err(Error::Corrupt(format!("arena match time key {k:02x?}")));
        };
        if applied_ms > cutoff {
            break;
        }
        txn.delete(store::match_key(realm, match_id));
        txn.delete(k);
        n += 1;
    }
    Ok(n)
}
