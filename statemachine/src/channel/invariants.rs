//! [`check_invariants`]: reads the whole channel state and checks what every entry must keep
//! true. Used after each step of the property tests (and by the cross-domain one).

use std::collections::{BTreeMap, BTreeSet};

use super::member_flags;
use super::model::next_custom_id_key;
use super::model::{
    built_in, channel_flags, get_stats, members, read_of_key, Ban, Channel, ChannelKey, BANS_OF,
    BAN_BY_EXPIRY, CHANNEL, CHANNELS_OF, CHANNEL_STATS, EMPTY_BY_USE, MEMBER, MEMBER_BY_SEQ,
    MODERATOR_BY_SEQ,
};
use crate::codec::Record;
use crate::ids::CharacterId;
use crate::keys::KeyReader;
use crate::txn::Txn;
use crate::view::View;

/// Far above any state a test builds; bounds each whole-table scan.
const SCAN_MAX: usize = 10_000_000;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// Checks the channel invariants (see the module header of `channel`).
pub fn check_invariants(view: &dyn View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(|e| e.to_string())?;
    check(&txn)
}

fn count(txn: &Txn<'_>, tag: u8) -> Result<usize, String> {
    txn.count(&[tag], SCAN_MAX).map_err(|e| e.to_string())
}

fn check(txn: &Txn<'_>) -> Result<(), String> {
    let err = |e: crate::Error| e.to_string();
    let channels = txn
        .scan_records::<Channel>(&[CHANNEL], SCAN_MAX)
        .map_err(err)?;
    let mut keys = BTreeSet::new();
    // No custom channel id is used twice, and every one is below the allocator.
    let next_custom_id = txn
        .get::<u32>(&next_custom_id_key())
        .map_err(err)?
        .unwrap_or(1);
    let mut custom_ids = BTreeSet::new();
    let (mut total_members, mut total_moderators, mut empty) = (0usize, 0usize, 0usize);
    for (k, ch) in &channels {
        ensure!(
            *k == ch.key.channel(),
            "channel {:?} stored under another key",
            ch.key
        );
        keys.insert(ch.key.clone());
        if ch.is_custom() {
            ensure!(
                custom_ids.insert(ch.custom_id) && ch.custom_id < next_custom_id,
                "custom id {} of {:?} is used twice or not below the counter {next_custom_id}",
                ch.custom_id,
                ch.key
            );
        }
        let ms = check_channel(txn, ch)?;
        total_members += ms.0;
        total_moderators += ms.1;
        if ms.0 == 0 {
            empty += 1;
        }
    }
    ensure!(
        count(txn, CHANNEL_STATS)? == channels.len(),
        "stats records do not match the {} channels",
        channels.len()
    );
    ensure!(
        count(txn, MEMBER)? == total_members,
        "member records of missing channels exist"
    );
    ensure!(
        count(txn, MEMBER_BY_SEQ)? == total_members,
        "join-order entries do not match the {total_members} members"
    );
    ensure!(
        count(txn, MODERATOR_BY_SEQ)? == total_moderators,
        "moderator index does not match the {total_moderators} moderators"
    );
    ensure!(
        count(txn, CHANNELS_OF)? == total_members,
        "character→channel index does not match the {total_members} members"
    );
    ensure!(
        count(txn, EMPTY_BY_USE)? == empty,
        "empty-channel index does not match the {empty} empty channels"
    );
    check_bans(txn, &keys)
}

/// One channel; returns (members, moderators).
fn check_channel(txn: &Txn<'_>, ch: &Channel) -> Result<(usize, usize), String> {
    let err = |e: crate::Error| e.to_string();
    let key = &ch.key;
    let stats = get_stats(txn, key).map_err(err)?;
    let ms = members(txn, key).map_err(err)?;
    ensure!(
        stats.members as usize == ms.len(),
        "{key:?} counts {} members but has {}",
        stats.members,
        ms.len()
    );
    if ch.is_custom() {
        ensure!(
            ch.flags == channel_flags::CUSTOM && ch.custom_id > 0,
            "custom {key:?} has flags {:#x} id {}",
            ch.flags,
            ch.custom_id
        );
    } else {
        ensure!(
            built_in(ch.channel_id) == Some(ch.flags) && ch.custom_id == 0 && !ch.ownership,
            "built-in {key:?} has flags {:#x}, custom id {}, ownership {}",
            ch.flags,
            ch.custom_id,
            ch.ownership
        );
    }
    let by_seq = seq_index(txn, &key.by_seq_prefix())?;
    let expected: BTreeMap<u64, CharacterId> = ms.iter().map(|m| (m.seq, m.id)).collect();
    ensure!(
        by_seq == expected && expected.len() == ms.len(),
        "{key:?} join order {by_seq:?} does not match members {expected:?}"
    );
    let mods = seq_index(txn, &key.moderators_prefix())?;
    let expected: BTreeMap<u64, CharacterId> = ms
        .iter()
        .filter(|m| m.has(member_flags::MODERATOR))
        .map(|m| (m.seq, m.id))
        .collect();
    ensure!(
        mods == expected,
        "{key:?} moderator index {mods:?} does not match {expected:?}"
    );
    let owners: Vec<CharacterId> = ms
        .iter()
        .filter(|m| m.has(member_flags::OWNER))
        .map(|m| m.id)
        .collect();
    if ch.ownership && !ms.is_empty() {
        ensure!(
            owners.len() == 1 && ch.owner == Some(owners[0]),
            "{key:?} has owner {:?} but members with OWNER {owners:?}",
            ch.owner
        );
        let owner_is_mod = ms
            .iter()
            .any(|m| Some(m.id) == ch.owner && m.has(member_flags::MODERATOR));
        ensure!(owner_is_mod, "{key:?} owner is not a moderator");
    } else {
        ensure!(
            owners.is_empty() && ch.owner.is_none(),
            "{key:?} (ownership {}, {} members) has owner {:?}, OWNER flags on {owners:?}",
            ch.ownership,
            ms.len(),
            ch.owner
        );
    }
    let empty_entry = txn.exists(&key.empty(ch.last_used_ms)).map_err(err)?;
    if ms.is_empty() {
        // (Rights may say DONT_PRESERVE now; they could have changed after it emptied.)
        ensure!(
            ch.is_custom() && empty_entry,
            "{key:?} has no members but is built-in or not in the empty index"
        );
    } else {
        ensure!(
            !empty_entry,
            "{key:?} has members but is in the empty index"
        );
    }
    for m in &ms {
        ensure!(
            m.seq < stats.next_seq,
            "{key:?} member {} has seq {} >= next {}",
            m.id,
            m.seq,
            stats.next_seq
        );
        ensure!(
            txn.exists(&key.channel_of(m.id)).map_err(err)?,
            "{} is in {key:?} but not in its channel index",
            m.id
        );
        ensure!(
            !txn.exists(&key.ban(m.id)).map_err(err)?,
            "{} is a member of {key:?} and holds a ban record",
            m.id
        );
        let p = crate::presence::get(txn, m.id).map_err(err)?;
        ensure!(
            p.as_ref().is_some_and(|p| p.gateway == m.gateway) && m.id.realm == key.realm,
            "member {} of {key:?} is not online on gateway {}",
            m.id,
            m.gateway
        );
    }
    let moderators = ms.iter().filter(|m| m.has(member_flags::MODERATOR)).count();
    Ok((ms.len(), moderators))
}

fn seq_index(txn: &Txn<'_>, prefix: &[u8]) -> Result<BTreeMap<u64, CharacterId>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in txn.scan_all(prefix, SCAN_MAX).map_err(|e| e.to_string())? {
        let seq = KeyReader::new(&k, prefix.len() - 1)
            .u64()
            .ok_or_else(|| format!("bad sequence key {k:02x?}"))?;
        let id = CharacterId::decode(&v).map_err(|e| e.to_string())?;
        out.insert(seq, id);
    }
    Ok(out)
}

fn check_bans(txn: &Txn<'_>, keys: &BTreeSet<ChannelKey>) -> Result<(), String> {
    let err = |e: crate::Error| e.to_string();
    let mut total = 0usize;
    for key in keys {
        let bans = txn
            .scan_records::<Ban>(&key.bans(), SCAN_MAX)
            .map_err(err)?;
        for (k, b) in &bans {
            ensure!(
                *k == key.ban(b.id),
                "ban of {} stored under another key",
                b.id
            );
            ensure!(
                txn.exists(&key.ban_expiry(b.until_ms, b.id)).map_err(err)?
                    && txn.exists(&key.ban_of(b.id)).map_err(err)?,
                "ban of {} in {key:?} misses an index entry",
                b.id
            );
            ensure!(
                crate::character::get(txn, b.id).map_err(err)?.is_some(),
                "ban of deleted character {} in {key:?}",
                b.id
            );
        }
        total += bans.len();
    }
    let all_bans = txn.count(&[super::model::BAN], SCAN_MAX).map_err(err)?;
    ensure!(all_bans == total, "bans of missing channels exist");
    ensure!(
        count(txn, BAN_BY_EXPIRY)? == total,
        "ban expiry index does not match the {total} bans"
    );
    ensure!(
        count(txn, BANS_OF)? == total,
        "character→ban index does not match the {total} bans"
    );
    for (k, _) in txn.scan_all(&[BANS_OF], SCAN_MAX).map_err(err)? {
        let key = read_of_key(&k).map_err(err)?;
        ensure!(
            keys.contains(&key),
            "ban index names missing channel {key:?}"
        );
    }
    Ok(())
}
