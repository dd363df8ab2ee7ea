//! Join and leave, owner hand-off, flag changes and channel deletion: the pieces every
//! command that adds or removes a member goes through.
//!
//! ```text
//! join ──▶ create on first join (custom id from the counter) ──▶ member + indexes + stats
//! leave / kick / ban / logout ──▶ remove_member ──▶ owner left? hand off (preferred caller,
//!     else earliest moderator, else earliest joiner) ──▶ last one out? preserve or delete
//! ```

use super::model::{
    built_in, channel_flags, check_join_name, check_name, delete_ban, fail, get_channel,
    get_member, get_stats, next_custom_id_key, of_prefix, read_of_key, rights_key, rights_of, Ban,
    Channel, ChannelKey, Member, Rights, Stats, CHANNELS_OF,
};
use super::{
    member_flags, rights_flags, ChannelEvent, ChannelInfo, ChannelNotice, ChannelResponse,
    DeleteReason, LeaveReason, CHANNELS_PER_CHARACTER_MAX, CHANNEL_BANS_MAX,
};
use crate::command::Response;
use crate::error::Error;
use crate::ids::{ChannelId, CharacterId};
use crate::limits::{check_bytes, CHANNEL_PASSWORD_BYTES_MAX};
use crate::txn::Txn;

/// The channel as the gateway shows it.
pub(super) fn info(ch: &Channel, stats: &Stats, rights: Option<&Rights>) -> ChannelInfo {
    ChannelInfo {
        key: ch.key.clone(),
        name: ch.name.clone(),
        channel_id: ch.channel_id,
        custom_id: ch.custom_id,
        flags: ch.flags,
        members: stats.members,
        owner: ch.owner,
        has_password: !ch.password.is_empty(),
        announce: ch.announces(rights),
        moderation: ch.moderation,
        last_used_ms: ch.last_used_ms,
    }
}

pub(super) fn check_channel_id(field: &str, channel_id: u32) -> Result<(), Error> {
    if channel_id != 0 && built_in(channel_id).is_none() {
        return Err(Error::invalid(
            field,
            format!("{channel_id} is neither 0 (custom) nor a built-in channel id (1, 2, 22, 23, 25, 26)"),
        ));
    }
    Ok(())
}

pub(super) fn join(
    txn: &mut Txn<'_>,
    id: CharacterId,
    name: &str,
    channel_id: u32,
    password: &str,
) -> Result<Response, Error> {
    check_join_name("name", name)?;
    check_bytes("password", password, CHANNEL_PASSWORD_BYTES_MAX)?;
    check_channel_id("channel_id", channel_id)?;
    let presence = crate::presence::get(txn, id)?
        .ok_or_else(|| Error::not_found(format!("online character {id}")))?;
    let two_side = txn.config().channel.allow_two_side_channel;
    let key = ChannelKey::new(id.realm, presence.team(), name, two_side);
    let existing = get_channel(txn, &key)?;
    if let Some(ch) = &existing {
        if let Some(m) = get_member(txn, &key, id)? {
            if ch.is_custom() {
                return Err(fail(ChannelNotice::PlayerAlreadyMember));
            }
            // Built-in re-join (worldserver redirect, layer switch): a silent no-op.
            let stats = get_stats(txn, &key)?;
            return Ok(joined(info(ch, &stats, None), m.flags, String::new(), true));
        }
    }
    if let Some(ban) = txn.get::<Ban>(&key.ban(id))? {
        if ban.until_ms > txn.now_ms() {
            return Err(fail(ChannelNotice::Banned));
        }
        // An expired ban never blocks; it goes now so no member holds a ban record.
        delete_ban(txn, &key, &ban);
    }
    if let Some(ch) = &existing {
        if !ch.password.is_empty() && password != ch.password {
            return Err(fail(ChannelNotice::WrongPassword));
        }
    }
    let in_channels = txn.count(&of_prefix(CHANNELS_OF, id), CHANNELS_PER_CHARACTER_MAX)?;
    if in_channels >= CHANNELS_PER_CHARACTER_MAX {
        return Err(Error::invalid(
            "id",
            format!("character {id} is in {in_channels} channels, the limit is {CHANNELS_PER_CHARACTER_MAX}"),
        ));
    }
    let created = existing.is_none();
    let (mut ch, mut stats) = match existing {
        Some(ch) => {
            let stats = get_stats(txn, &key)?;
            (ch, stats)
        }
        None => (
            create(txn, key.clone(), name, channel_id)?,
            Stats::default(),
        ),
    };
    let members_max = txn.config().channel.members_limit();
    if stats.members as usize >= members_max {
        return Err(Error::invalid(
            "name",
            format!(
                "channel {name} has {} members, the limit is {members_max}",
                stats.members
            ),
        ));
    }
    if stats.members == 0 {
        txn.delete(key.empty(ch.last_used_ms));
    }
    let rights = rights_of(txn, &ch)?;
    let now = txn.now_ms();
    let mut flags = 0u8;
    let mut became_owner = false;
    if ch.is_custom() {
        if rights
            .as_ref()
            .is_some_and(|r| r.is_moderator(presence.account))
        {
            flags |= member_flags::MODERATOR;
        }
        if ch.ownership && ch.owner.is_none() {
            flags |= member_flags::OWNER | member_flags::MODERATOR;
            ch.owner = Some(id);
            became_owner = true;
        }
        if rights
            .as_ref()
            .is_some_and(|r| r.has(rights_flags::CANT_SPEAK))
        {
            flags |= member_flags::MUTED;
        }
        ch.last_used_ms = now;
    }
    let member = Member {
        id,
        name: presence.name.clone(),
        account: presence.account,
        gateway: presence.gateway.clone(),
        flags,
        seq: stats.next_seq,
        joined_ms: now,
        last_speak_ms: None,
    };
    stats.next_seq += 1;
    stats.members += 1;
    put_member(txn, &key, &member);
    // A built-in channel's record only changes when it is created: hot system channels
    // write just the member, its indexes and the counter.
    if created || ch.is_custom() {
        txn.put(key.channel(), &ch);
    }
    txn.put(key.stats(), &stats);
    txn.emit(ChannelEvent::Joined {
        channel: key.clone(),
        channel_id: ch.channel_id,
        id,
        name: member.name.clone(),
        gateway: member.gateway.clone(),
        flags,
        announce: ch.announces(rights.as_ref()),
    });
    if became_owner {
        txn.emit(ChannelEvent::OwnerChanged {
            channel: key,
            old: None,
            new: Some(id),
        });
    }
    let join_message = rights
        .as_ref()
        .map(|r| r.join_message.clone())
        .unwrap_or_default();
    Ok(joined(
        info(&ch, &stats, rights.as_ref()),
        flags,
        join_message,
        false,
    ))
}

fn joined(channel: ChannelInfo, member_flags: u8, join_message: String, rejoin: bool) -> Response {
    Response::Channel(ChannelResponse::Joined {
        channel,
        member_flags,
        join_message,
        rejoin,
    })
}

/// A new channel record: built-in flags from the DBC table, or a custom channel with the next
/// custom id and the ownership its rights allow.
fn create(
    txn: &mut Txn<'_>,
    key: ChannelKey,
    name: &str,
    channel_id: u32,
) -> Result<Channel, Error> {
    let now = txn.now_ms();
    let mut ch = Channel {
        key,
        name: name.to_string(),
        channel_id,
        custom_id: 0,
        flags: 0,
        announce: false,
        ownership: false,
        moderation: false,
        password: String::new(),
        owner: None,
        created_ms: now,
        last_used_ms: now,
    };
    match built_in(channel_id) {
        Some(flags) => ch.flags = flags,
        None => {
            let rights = txn.get::<Rights>(&rights_key(&ch.key.name))?;
            ch.custom_id = allocate_custom_id(txn)?;
            ch.flags = channel_flags::CUSTOM;
            ch.announce = true;
            ch.ownership = !rights.is_some_and(|r| r.has(rights_flags::NO_OWNERSHIP));
        }
    }
    Ok(ch)
}

fn allocate_custom_id(txn: &mut Txn<'_>) -> Result<ChannelId, Error> {
    let id = txn.get::<u32>(&next_custom_id_key())?.unwrap_or(1);
    let next = id
        .checked_add(1)
        .ok_or_else(|| Error::invalid("channel_id", "the custom channel ids are exhausted"))?;
    txn.put(next_custom_id_key(), &next);
    Ok(id)
}

/// Writes a member and its join-order, moderator and per-character index entries.
fn put_member(txn: &mut Txn<'_>, key: &ChannelKey, m: &Member) {
    txn.put(key.member(m.id), m);
    txn.put(key.by_seq(m.seq), &m.id);
    if m.has(member_flags::MODERATOR) {
        txn.put(key.moderator(m.seq), &m.id);
    }
    txn.put(key.channel_of(m.id), &());
}

pub(super) fn leave(
    txn: &mut Txn<'_>,
    id: CharacterId,
    name: &str,
    channel_id: Option<u32>,
) -> Result<(), Error> {
    check_name("name", name)?;
    if let Some(cid) = channel_id {
        check_channel_id("channel_id", cid)?;
    }
    let character = crate::character::require(txn, id)?;
    let two_side = txn.config().channel.allow_two_side_channel;
    let key = ChannelKey::new(id.realm, character.team(), name, two_side);
    let not_member = || fail(ChannelNotice::NotMember);
    let ch = get_channel(txn, &key)?.ok_or_else(not_member)?;
    if channel_id.is_some_and(|cid| cid != ch.channel_id) {
        return Err(not_member());
    }
    let m = get_member(txn, &key, id)?.ok_or_else(not_member)?;
    remove_member(txn, ch, &m, LeaveReason::Left, None)
}

/// Removes the character from every channel it is in.
pub(super) fn leave_all(
    txn: &mut Txn<'_>,
    id: CharacterId,
    reason: LeaveReason,
) -> Result<(), Error> {
    let entries = txn.scan_all(&of_prefix(CHANNELS_OF, id), CHANNELS_PER_CHARACTER_MAX)?;
    for (k, _) in entries {
        let key = read_of_key(&k)?;
        let corrupt = || Error::Corrupt(format!("channel index of {id} names {key:?}"));
        let ch = get_channel(txn, &key)?.ok_or_else(corrupt)?;
        let m = get_member(txn, &key, id)?.ok_or_else(corrupt)?;
        remove_member(txn, ch, &m, reason, None)?;
    }
    Ok(())
}

/// Removes one member, hands ownership on when the owner goes (to `prefer` when it is a
/// member, as AC gives it to the moderator who kicked the owner), and keeps or deletes the
/// channel when it was the last member. Writes the channel itself.
pub(super) fn remove_member(
    txn: &mut Txn<'_>,
    mut ch: Channel,
    m: &Member,
    reason: LeaveReason,
    prefer: Option<CharacterId>,
) -> Result<(), Error> {
    let key = ch.key.clone();
    let rights = rights_of(txn, &ch)?;
    txn.delete(key.member(m.id));
    txn.delete(key.by_seq(m.seq));
    if m.has(member_flags::MODERATOR) {
        txn.delete(key.moderator(m.seq));
    }
    txn.delete(key.channel_of(m.id));
    let mut stats = get_stats(txn, &key)?;
    stats.members = stats
        .members
        .checked_sub(1)
        .ok_or_else(|| Error::Corrupt(format!("channel {key:?} counts no members")))?;
    txn.emit(ChannelEvent::Left {
        channel: key.clone(),
        channel_id: ch.channel_id,
        id: m.id,
        name: m.name.clone(),
        gateway: m.gateway.clone(),
        reason,
        announce: ch.announces(rights.as_ref()),
    });
    if ch.is_custom() {
        ch.last_used_ms = txn.now_ms();
    }
    if ch.owner == Some(m.id) {
        ch.owner = None;
        let new = if stats.members > 0 && ch.ownership {
            pick_owner(txn, &key, prefer)?
        } else {
            None
        };
        if let Some(new_id) = new {
            make_owner(txn, &mut ch, new_id, None)?;
        }
        txn.emit(ChannelEvent::OwnerChanged {
            channel: key.clone(),
            old: Some(m.id),
            new,
        });
    }
    if stats.members > 0 {
        if ch.is_custom() {
            txn.put(key.channel(), &ch); // last_used, maybe the owner
        }
        txn.put(key.stats(), &stats);
        return Ok(());
    }
    let preserve = ch.is_custom()
        && txn.config().channel.preserve_custom_channels
        && !rights
            .as_ref()
            .is_some_and(|r| r.has(rights_flags::DONT_PRESERVE));
    if preserve {
        txn.put(key.empty(ch.last_used_ms), &());
        txn.put(key.channel(), &ch);
        txn.put(key.stats(), &stats);
    } else {
        delete_channel(txn, &ch, DeleteReason::Empty)?;
    }
    Ok(())
}

/// The next owner: `prefer` when still a member, else the earliest-joined moderator, else the
/// earliest joiner.
fn pick_owner(
    txn: &Txn<'_>,
    key: &ChannelKey,
    prefer: Option<CharacterId>,
) -> Result<Option<CharacterId>, Error> {
    if let Some(p) = prefer {
        if get_member(txn, key, p)?.is_some() {
            return Ok(Some(p));
        }
    }
    for prefix in [key.moderators_prefix(), key.by_seq_prefix()] {
        if let Some((_, v)) = txn.scan(&prefix, None, 1)?.into_iter().next() {
            return Ok(Some(crate::codec::Record::decode(&v)?));
        }
    }
    Ok(None)
}

/// Gives `id` OWNER (and MODERATOR, as AC's `SetOwner`) and records it on the channel. The
/// caller writes the channel.
pub(super) fn make_owner(
    txn: &mut Txn<'_>,
    ch: &mut Channel,
    id: CharacterId,
    by: Option<CharacterId>,
) -> Result<(), Error> {
    let m = get_member(txn, &ch.key, id)?
        .ok_or_else(|| Error::Corrupt(format!("new owner {id} of {:?} is no member", ch.key)))?;
    let flags = m.flags | member_flags::OWNER | member_flags::MODERATOR;
    set_flags(txn, &ch.key, &m, flags, by);
    ch.owner = Some(id);
    Ok(())
}

/// Changes a member's flags, keeps the moderator index in step and emits MODE_CHANGE.
pub(super) fn set_flags(
    txn: &mut Txn<'_>,
    key: &ChannelKey,
    m: &Member,
    flags: u8,
    by: Option<CharacterId>,
) {
    if m.flags == flags {
        return;
    }
    let was_mod = m.has(member_flags::MODERATOR);
    let is_mod = flags & member_flags::MODERATOR != 0;
    if was_mod && !is_mod {
        txn.delete(key.moderator(m.seq));
    } else if is_mod && !was_mod {
        txn.put(key.moderator(m.seq), &m.id);
    }
    let updated = Member { flags, ..m.clone() };
    txn.put(key.member(m.id), &updated);
    txn.emit(ChannelEvent::Notify {
        channel: key.clone(),
        notice: ChannelNotice::ModeChange,
        target: Some(m.id),
        by,
        flags: Some((m.flags, flags)),
    });
}

/// Deletes a channel that has no members, with its stats, empty-index entry and bans.
/// Returns how many bans went.
pub(super) fn delete_channel(
    txn: &mut Txn<'_>,
    ch: &Channel,
    reason: DeleteReason,
) -> Result<u32, Error> {
    let key = &ch.key;
    txn.delete(key.channel());
    txn.delete(key.stats());
    txn.delete(key.empty(ch.last_used_ms));
    let bans = txn.scan_records::<Ban>(&key.bans(), CHANNEL_BANS_MAX)?;
    for (_, b) in &bans {
        delete_ban(txn, key, b);
    }
    txn.emit(ChannelEvent::ChannelDeleted {
        channel: key.clone(),
        custom_id: ch.custom_id,
        reason,
    });
    Ok(bans.len() as u32)
}
