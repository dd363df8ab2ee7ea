//! Moderation: kick, ban, unban, moderator and mute flags, owner, password, the two toggles
//! and invites. The checks follow AC `Channel.cpp` in its order; a rights moderator (an
//! account in the channel's rights list, AC's "constant moderator") is exempt from CANT_KICK,
//! CANT_BAN, CANT_MUTE and the owner protection, and may ban offline characters.

use super::membership::{make_owner, remove_member, set_flags};
use super::model::{
    active_ban, check_name, delete_ban, fail, get_channel, get_member, rights_of, Ban, Channel,
    ChannelKey, Member, Rights,
};
use super::{
    member_flags, rights_flags, ChannelEvent, ChannelNotice, ChannelResponse, LeaveReason,
    CHANNEL_BANS_MAX,
};
use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{CharacterId, Team};
use crate::limits::{
    check_bytes, check_chars, CHANNEL_PASSWORD_BYTES_MAX, CHARACTER_NAME_CHARS_MAX,
};
use crate::txn::Txn;

/// The member flag a set/unset command changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flag {
    Moderator,
    Muted,
}

/// The calling member and its channel.
struct Caller {
    id: CharacterId,
    team: Team,
    ch: Channel,
    me: Member,
    rights: Option<Rights>,
}

impl Caller {
    fn key(&self) -> &ChannelKey {
        &self.ch.key
    }

    fn is_owner(&self) -> bool {
        self.ch.owner == Some(self.id)
    }

    fn is_moderator(&self) -> bool {
        self.me.has(member_flags::MODERATOR)
    }

    /// In the rights moderator list (by account).
    fn is_rights_moderator(&self) -> bool {
        self.rights
            .as_ref()
            .is_some_and(|r| r.is_moderator(self.me.account))
    }

    fn rights_forbid(&self, flag: u32) -> bool {
        self.rights.as_ref().is_some_and(|r| r.has(flag))
    }

    fn require_moderator(&self) -> Result<(), Error> {
        if self.is_moderator() {
            Ok(())
        } else {
            Err(fail(ChannelNotice::NotModerator))
        }
    }

    fn require_owner(&self) -> Result<(), Error> {
        if self.is_owner() {
            Ok(())
        } else {
            Err(fail(ChannelNotice::NotOwner))
        }
    }

    fn notify(&self, txn: &mut Txn<'_>, notice: ChannelNotice, target: Option<CharacterId>) {
        txn.emit(ChannelEvent::Notify {
            channel: self.key().clone(),
            notice,
            target,
            by: Some(self.id),
            flags: None,
        });
    }
}

/// The caller's channel of that name and its member record, or NOT_MEMBER.
fn caller(txn: &Txn<'_>, by: CharacterId, channel: &str) -> Result<Caller, Error> {
    check_name("channel", channel)?;
    let character = crate::character::require(txn, by)?;
    let two_side = txn.config().channel.allow_two_side_channel;
    let key = ChannelKey::new(by.realm, character.team(), channel, two_side);
    let not_member = || fail(ChannelNotice::NotMember);
    let ch = get_channel(txn, &key)?.ok_or_else(not_member)?;
    let me = get_member(txn, &key, by)?.ok_or_else(not_member)?;
    let rights = rights_of(txn, &ch)?;
    Ok(Caller {
        id: by,
        team: character.team(),
        ch,
        me,
        rights,
    })
}

fn check_target_name(name: &str) -> Result<(), Error> {
    check_chars("target_name", name, CHARACTER_NAME_CHARS_MAX)
}

fn target_character(txn: &Txn<'_>, c: &Caller, name: &str) -> Result<Option<Character>, Error> {
    crate::character::by_name(txn, c.id.realm, name)
}

/// The member named `name`, or PLAYER_NOT_FOUND.
fn target_member(txn: &Txn<'_>, c: &Caller, name: &str) -> Result<Member, Error> {
    match target_character(txn, c, name)? {
        Some(t) => get_member(txn, c.key(), t.id)?,
        None => None,
    }
    .ok_or(fail(ChannelNotice::PlayerNotFound))
}

pub(super) fn kick_or_ban(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    target_name: &str,
    ban: bool,
) -> Result<(), Error> {
    check_target_name(target_name)?;
    let c = caller(txn, by, channel)?;
    c.require_moderator()?;
    let rights_moderator = c.is_rights_moderator();
    let target = target_character(txn, &c, target_name)?;
    let member = match &target {
        Some(t) => get_member(txn, c.key(), t.id)?,
        None => None,
    };
    let (victim, victim_account) = match (&member, &target) {
        (Some(m), _) => (m.id, m.account),
        (None, Some(t)) if ban && rights_moderator => {
            if t.team() != c.team {
                return Err(fail(ChannelNotice::WrongFaction));
            }
            (t.id, t.account)
        }
        _ => return Err(fail(ChannelNotice::PlayerNotFound)),
    };
    if !rights_moderator {
        if c.ch.owner == Some(victim) && !c.is_owner() {
            return Err(fail(ChannelNotice::NotOwner));
        }
        let forbidden = if ban {
            rights_flags::CANT_BAN
        } else {
            rights_flags::CANT_KICK
        };
        if c.rights_forbid(forbidden) {
            return Err(fail(ChannelNotice::NotModerator));
        }
        if c.rights
            .as_ref()
            .is_some_and(|r| r.is_moderator(victim_account))
        {
            return Err(fail(ChannelNotice::NotModerator));
        }
    }
    if ban {
        if active_ban(txn, c.key(), victim)?.is_none() {
            put_ban(txn, c.key(), victim, by)?;
            c.notify(txn, ChannelNotice::PlayerBanned, Some(victim));
        }
    } else {
        c.notify(txn, ChannelNotice::PlayerKicked, Some(victim));
    }
    if let Some(m) = member {
        let reason = if ban {
            LeaveReason::Banned
        } else {
            LeaveReason::Kicked
        };
        let prefer = (victim != by).then_some(by);
        remove_member(txn, c.ch, &m, reason, prefer)?;
    }
    Ok(())
}

/// Records a ban for `ban_duration_ms`, replacing an expired record of the same character.
fn put_ban(
    txn: &mut Txn<'_>,
    key: &ChannelKey,
    victim: CharacterId,
    by: CharacterId,
) -> Result<(), Error> {
    match txn.get::<Ban>(&key.ban(victim))? {
        Some(old) => delete_ban(txn, key, &old),
        None => {
            let n = txn.count(&key.bans(), CHANNEL_BANS_MAX)?;
            if n >= CHANNEL_BANS_MAX {
                return Err(Error::invalid(
                    "channel",
                    format!(
                        "channel {} has {n} bans, the limit is {CHANNEL_BANS_MAX}",
                        key.name
                    ),
                ));
            }
        }
    }
    let now = txn.now_ms();
    let ban = Ban {
        id: victim,
        by,
        banned_ms: now,
        until_ms: now.saturating_add(txn.config().channel.ban_duration_ms),
    };
    txn.put(key.ban(victim), &ban);
    txn.put(key.ban_expiry(ban.until_ms, victim), &());
    txn.put(key.ban_of(victim), &());
    Ok(())
}

pub(super) fn unban(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    target_name: &str,
) -> Result<(), Error> {
    check_target_name(target_name)?;
    let c = caller(txn, by, channel)?;
    c.require_moderator()?;
    let target =
        target_character(txn, &c, target_name)?.ok_or(fail(ChannelNotice::PlayerNotFound))?;
    let ban = active_ban(txn, c.key(), target.id)?.ok_or(fail(ChannelNotice::PlayerNotBanned))?;
    if !c.is_rights_moderator() && c.rights_forbid(rights_flags::CANT_BAN) {
        return Err(fail(ChannelNotice::NotModerator));
    }
    delete_ban(txn, c.key(), &ban);
    c.notify(txn, ChannelNotice::PlayerUnbanned, Some(target.id));
    Ok(())
}

/// Set/unset moderator (owner only) or mute (moderators).
pub(super) fn set_mode(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    target_name: &str,
    flag: Flag,
    set: bool,
) -> Result<(), Error> {
    check_target_name(target_name)?;
    let c = caller(txn, by, channel)?;
    match flag {
        Flag::Moderator => c.require_owner()?,
        Flag::Muted => c.require_moderator()?,
    }
    let t = target_member(txn, &c, target_name)?;
    let bit = match flag {
        Flag::Moderator => {
            // The owner stays a moderator, and so do rights moderators (AC).
            let rights_moderator = c.rights.as_ref().is_some_and(|r| r.is_moderator(t.account));
            if c.ch.owner == Some(t.id) || rights_moderator {
                return Ok(());
            }
            member_flags::MODERATOR
        }
        Flag::Muted => {
            if c.ch.owner == Some(t.id) && !c.is_owner() {
                return Err(fail(ChannelNotice::NotOwner));
            }
            if !c.is_rights_moderator() && c.rights_forbid(rights_flags::CANT_MUTE) {
                return Err(fail(ChannelNotice::NotModerator));
            }
            member_flags::MUTED
        }
    };
    let flags = if set { t.flags | bit } else { t.flags & !bit };
    set_flags(txn, c.key(), &t, flags, Some(by));
    Ok(())
}

/// Owner only: the owner flag moves to another member (both flags change in this entry).
pub(super) fn set_owner(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    target_name: &str,
) -> Result<(), Error> {
    check_target_name(target_name)?;
    let mut c = caller(txn, by, channel)?;
    c.require_owner()?;
    let t = target_member(txn, &c, target_name)?;
    if t.id == by {
        return Ok(());
    }
    set_flags(
        txn,
        c.key(),
        &c.me,
        c.me.flags & !member_flags::OWNER,
        Some(by),
    );
    make_owner(txn, &mut c.ch, t.id, Some(by))?;
    txn.put(c.key().channel(), &c.ch);
    txn.emit(ChannelEvent::OwnerChanged {
        channel: c.key().clone(),
        old: Some(by),
        new: Some(t.id),
    });
    Ok(())
}

/// Owner only, unless the rights say CANT_CHANGE_PASSWORD. An empty password removes it.
pub(super) fn set_password(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    password: &str,
) -> Result<(), Error> {
    check_bytes("password", password, CHANNEL_PASSWORD_BYTES_MAX)?;
    let mut c = caller(txn, by, channel)?;
    c.require_owner()?;
    if c.rights_forbid(rights_flags::CANT_CHANGE_PASSWORD) {
        return Err(fail(ChannelNotice::NotModerator));
    }
    c.ch.password = password.to_string();
    txn.put(c.key().channel(), &c.ch);
    c.notify(txn, ChannelNotice::PasswordChanged, None);
    Ok(())
}

pub(super) fn toggle_moderation(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
) -> Result<Response, Error> {
    let mut c = caller(txn, by, channel)?;
    c.require_moderator()?;
    c.ch.moderation = !c.ch.moderation;
    txn.put(c.key().channel(), &c.ch);
    let notice = if c.ch.moderation {
        ChannelNotice::ModerationOn
    } else {
        ChannelNotice::ModerationOff
    };
    c.notify(txn, notice, None);
    Ok(Response::Channel(ChannelResponse::Moderation {
        enabled: c.ch.moderation,
    }))
}

/// Moderators; refused when the rights force announcements on or off.
pub(super) fn toggle_announcements(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
) -> Result<Response, Error> {
    let mut c = caller(txn, by, channel)?;
    c.require_moderator()?;
    if c.rights_forbid(rights_flags::FORCE_ANNOUNCEMENTS | rights_flags::FORCE_NO_ANNOUNCEMENTS) {
        return Err(fail(ChannelNotice::NotModerator));
    }
    c.ch.announce = !c.ch.announce;
    txn.put(c.key().channel(), &c.ch);
    let notice = if c.ch.announce {
        ChannelNotice::AnnouncementsOn
    } else {
        ChannelNotice::AnnouncementsOff
    };
    c.notify(txn, notice, None);
    Ok(Response::Channel(ChannelResponse::Announcements {
        enabled: c.ch.announce,
    }))
}

/// Any member may invite an online character of its faction who is neither banned nor a
/// member already. Nothing is stored.
pub(super) fn invite(
    txn: &mut Txn<'_>,
    by: CharacterId,
    channel: &str,
    target_name: &str,
) -> Result<(), Error> {
    check_target_name(target_name)?;
    let c = caller(txn, by, channel)?;
    let target = match target_character(txn, &c, target_name)? {
        Some(t) => crate::presence::get(txn, t.id)?.map(|p| (t, p)),
        None => None,
    };
    let (t, presence) = target.ok_or(fail(ChannelNotice::PlayerNotFound))?;
    if active_ban(txn, c.key(), t.id)?.is_some() {
        return Err(fail(ChannelNotice::PlayerInviteBanned));
    }
    if t.team() != c.team {
        return Err(fail(ChannelNotice::InviteWrongFaction));
    }
    if get_member(txn, c.key(), t.id)?.is_some() {
        return Err(fail(ChannelNotice::PlayerAlreadyMember));
    }
    txn.emit(ChannelEvent::Invited {
        channel: c.key().clone(),
        channel_name: c.ch.name.clone(),
        by,
        by_name: c.me.name.clone(),
        target: t.id,
        target_name: t.name,
        gateway: presence.gateway,
    });
    Ok(())
}
