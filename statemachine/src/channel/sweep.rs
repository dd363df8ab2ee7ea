//! Rights administration and the leader-driven sweeps: unused custom channels and expired
//! bans. Each sweep does at most [`SWEEP_BATCH_MAX`] items per entry; the leader repeats it
//! while it reports work done.

use super::membership::delete_channel;
use super::model::{
    check_join_name, check_name, delete_ban, get_channel, of_prefix, read_of_key, rights_key, Ban,
    ChannelKey, Rights, BANS_OF, BAN_BY_EXPIRY, EMPTY_BY_USE,
};
use super::{
    rights_flags, ChannelResponse, DeleteReason, BANS_PER_CHARACTER_SCAN_MAX,
    RIGHTS_MESSAGE_BYTES_MAX, RIGHTS_MODERATORS_MAX, RIGHTS_SPEAK_DELAY_S_MAX,
};
use crate::command::Response;
use crate::error::Error;
use crate::ids::CharacterId;
use crate::keys::{Key, KeyReader};
use crate::limits::{check_bytes, check_count, SWEEP_BATCH_MAX};
use crate::txn::Txn;

pub(super) fn set_rights(txn: &mut Txn<'_>, mut rights: Rights) -> Result<(), Error> {
    check_join_name("name", &rights.name)?;
    if rights.flags & !rights_flags::ALL != 0 {
        return Err(Error::invalid(
            "flags",
            format!(
                "{:#x} has bits outside the known rights {:#x}",
                rights.flags,
                rights_flags::ALL
            ),
        ));
    }
    if rights.speak_delay_s > RIGHTS_SPEAK_DELAY_S_MAX {
        return Err(Error::invalid(
            "speak_delay_s",
            format!(
                "is {} s, the limit is {RIGHTS_SPEAK_DELAY_S_MAX} s",
                rights.speak_delay_s
            ),
        ));
    }
    check_bytes(
        "join_message",
        &rights.join_message,
        RIGHTS_MESSAGE_BYTES_MAX,
    )?;
    check_bytes(
        "delay_message",
        &rights.delay_message,
        RIGHTS_MESSAGE_BYTES_MAX,
    )?;
    check_count("moderators", rights.moderators.len(), RIGHTS_MODERATORS_MAX)?;
    rights.moderators.sort_unstable();
    rights.moderators.dedup();
    txn.put(rights_key(&rights.name), &rights);
    Ok(())
}

pub(super) fn remove_rights(txn: &mut Txn<'_>, name: &str) -> Result<(), Error> {
    check_name("name", name)?;
    let key = rights_key(name);
    if !txn.exists(&key)? {
        return Err(Error::not_found(format!("rights of channel {name}")));
    }
    txn.delete(key);
    Ok(())
}

/// Deletes empty custom channels unused for the preserve duration (all of them when
/// preservation is off), oldest first, with their bans.
pub(super) fn cleanup(txn: &mut Txn<'_>) -> Result<Response, Error> {
    let cfg = txn.config().channel.clone();
    let now = txn.now_ms();
    let (mut channels, mut bans) = (0u32, 0u32);
    let entries = txn.scan(&Key::new(EMPTY_BY_USE).build(), None, SWEEP_BATCH_MAX)?;
    for (k, _) in entries {
        let mut r = KeyReader::new(&k, 0);
        let parsed = r.u64().zip(ChannelKey::read(&mut r));
        let (last_used_ms, key) =
            parsed.ok_or_else(|| Error::Corrupt(format!("empty channel key {k:02x?}")))?;
        let unused = cfg.preserve_duration_ms > 0
            && last_used_ms.saturating_add(cfg.preserve_duration_ms) <= now;
        if cfg.preserve_custom_channels && !unused {
            break; // keys are in last-used order: the rest are younger
        }
        match get_channel(txn, &key)? {
            Some(ch) => {
                bans += delete_channel(txn, &ch, DeleteReason::Unused)?;
                channels += 1;
            }
            None => txn.delete(k),
        }
        if bans as usize >= SWEEP_BATCH_MAX {
            break;
        }
    }
    Ok(Response::Channel(ChannelResponse::CleanedUp {
        channels,
        bans,
    }))
}

/// Removes bans whose time is over, oldest first.
pub(super) fn expire_bans(txn: &mut Txn<'_>) -> Result<Response, Error> {
    let now = txn.now_ms();
    let mut expired = 0u32;
    let entries = txn.scan(&Key::new(BAN_BY_EXPIRY).build(), None, SWEEP_BATCH_MAX)?;
    for (k, _) in entries {
        let mut r = KeyReader::new(&k, 0);
        let parsed = (|| Some((r.u64()?, ChannelKey::read(&mut r)?, r.character()?)))();
        let (until_ms, key, id) =
            parsed.ok_or_else(|| Error::Corrupt(format!("ban expiry key {k:02x?}")))?;
        if until_ms > now {
            break;
        }
        match txn.get::<Ban>(&key.ban(id))? {
            Some(ban) if ban.until_ms == until_ms => {
                delete_ban(txn, &key, &ban);
                expired += 1;
            }
            _ => txn.delete(k),
        }
    }
    Ok(Response::Channel(ChannelResponse::BansExpired {
        bans: expired,
    }))
}

/// Deletes every ban of a character (it was deleted).
pub(super) fn delete_bans_of(txn: &mut Txn<'_>, id: CharacterId) -> Result<(), Error> {
    let entries = txn.scan_all(&of_prefix(BANS_OF, id), BANS_PER_CHARACTER_SCAN_MAX)?;
    for (k, _) in entries {
        let key = read_of_key(&k)?;
        match txn.get::<Ban>(&key.ban(id))? {
            Some(ban) => delete_ban(txn, &key, &ban),
            None => txn.delete(k),
        }
    }
    Ok(())
}
