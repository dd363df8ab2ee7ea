//! The highest node id ever a member of the cluster: what keeps node ids from being reused.
//!
//! ```text
//!  apply(membership entry M) ──▶ max_node_id = max(max_node_id, every id in M: voters and learners)
//!                                written in the apply batch's WriteBatch, with last_applied
//! ```
//!
//! The value lives in the state column family under a key tavern-statemachine reserves for us
//! (`keys::RAFT_RESERVED`), not in `sm_meta`: so it is replicated by applying the log, carried by
//! every snapshot, restored by installing one, and part of the state digest. Every node computes
//! it from the same membership entries, so every node holds the same value at the same applied
//! index. A new node must take an id above it (`TavernNode::add_learner`); since it only grows,
//! an id that was once a member and was removed can never come back, even on a node that joined
//! later from a snapshot taken after the removal.

use tavern_statemachine::keys::{Key, RAFT_RESERVED};
use tavern_statemachine::View;

use super::{decode_meta, encode_meta, StoreError};
use crate::types::Membership;

/// The key of the highest node id ever a member.
pub fn max_node_id_key() -> Vec<u8> {
    Key::new(RAFT_RESERVED).str("max_node_id").build()
}

/// Decodes the stored value.
pub(super) fn decode(bytes: &[u8]) -> Result<u64, StoreError> {
    decode_meta::<u64>("highest node id ever a member", bytes)
}

/// Checks one record of the reserved table, as `tavern snapshot verify` does for every record
/// of a file: the only key tavern-raft writes there is [`max_node_id_key`], and its value is
/// exactly an encoded node id.
pub fn check_record(key: &[u8], value: &[u8]) -> Result<(), String> {
    if key != max_node_id_key().as_slice() {
        return Err("not a key tavern-raft writes (it writes only \"max_node_id\")".into());
    }
    let id = decode(value).map_err(|e| e.to_string())?;
    if encode_meta(&id) != value {
        return Err(format!(
            "the value has {} bytes, more than the node id {id} in it (trailing bytes)",
            value.len()
        ));
    }
    Ok(())
}

/// A key and the value to put there.
pub(super) type Put = (Vec<u8>, Vec<u8>);

/// Reads the highest id so far through `view` (the live state and the batch's pending writes);
/// if `membership` names a higher one, the key and value to write.
pub(super) fn raised(view: &dyn View, membership: &Membership) -> Result<Option<Put>, String> {
    let key = max_node_id_key();
    let current = match view.get(&key).map_err(|e| e.0)? {
        Some(bytes) => decode(&bytes).map_err(|e| e.to_string())?,
        None => 0,
    };
    let highest = membership.nodes().map(|(id, _)| *id).max().unwrap_or(0);
    if highest <= current {
        return Ok(None);
    }
    Ok(Some((key, encode_meta(&highest))))
}
