//! The speak check: member, not muted, voiced/moderator/owner in a moderated channel, and the
//! per-member speak delay (rights `speakDelay`, else AC's anti-spam delay in crowded channels;
//! GM accounts are exempt, as in AC's `Channel::Say`). The write variant records the speak time
//! only when a delay applies and touches the channel's `last_used_ms` at most once per
//! `last_used_touch_interval_ms`, so a hot channel's message path stays nearly read-only.

use super::model::{check_name, fail, get_channel, get_member, get_stats, members, rights_of};
use super::{member_flags, Channel, ChannelKey, ChannelNotice, ChannelResponse, Member};
use crate::command::Response;
use crate::error::Error;
use crate::ids::CharacterId;
use crate::presence::Notify;
use crate::txn::Txn;

/// A speak that passed the checks.
pub(super) struct Allowed {
    pub ch: Channel,
    pub me: Member,
    /// A speak delay applies: the write records the speak time.
    pub delayed: bool,
}

pub(super) fn check(txn: &Txn<'_>, id: CharacterId, channel: &str) -> Result<Allowed, Error> {
    check_name("channel", channel)?;
    let character = crate::character::require(txn, id)?;
    let two_side = txn.config().channel.allow_two_side_channel;
    let key = ChannelKey::new(id.realm, character.team(), channel, two_side);
    let not_member = || fail(ChannelNotice::NotMember);
    let ch = get_channel(txn, &key)?.ok_or_else(not_member)?;
    let me = get_member(txn, &key, id)?.ok_or_else(not_member)?;
    if me.has(member_flags::MUTED) {
        return Err(fail(ChannelNotice::Muted));
    }
    let may_speak_moderated = member_flags::VOICED | member_flags::MODERATOR | member_flags::OWNER;
    if ch.moderation && me.flags & may_speak_moderated == 0 {
        return Err(fail(ChannelNotice::Muted));
    }
    let delay_ms = speak_delay_ms(txn, &ch, &me)?;
    if let Some(last) = me.last_speak_ms {
        if delay_ms > 0 && last.saturating_add(delay_ms) > txn.now_ms() {
            return Err(fail(ChannelNotice::Throttled));
        }
    }
    Ok(Allowed {
        ch,
        me,
        delayed: delay_ms > 0,
    })
}

/// The delay between two messages of this member, 0 when none applies.
fn speak_delay_ms(txn: &Txn<'_>, ch: &Channel, me: &Member) -> Result<u64, Error> {
    if crate::account::require(txn, me.account)?.gm_level > 0 {
        return Ok(0);
    }
    let rights_delay_s = rights_of(txn, ch)?.map_or(0, |r| r.speak_delay_s);
    if rights_delay_s > 0 {
        return Ok(u64::from(rights_delay_s) * 1000);
    }
    let cfg = &txn.config().channel;
    if cfg.crowded_speak_delay_ms > 0 {
        let stats = get_stats(txn, &ch.key)?;
        if stats.members >= cfg.crowded_members_min {
            return Ok(cfg.crowded_speak_delay_ms);
        }
    }
    Ok(0)
}

/// Every member with its gateway, in character id order (the sender included: the gateway
/// echoes the message to it), except the members who ignore the sender (AC filters a channel
/// message by the receiver's ignore list; the ignore reverse index keeps this one bounded scan
/// instead of a lookup per member).
pub(super) fn deliver_list(
    txn: &Txn<'_>,
    key: &ChannelKey,
    sender: CharacterId,
) -> Result<Vec<Notify>, Error> {
    let ignoring = crate::social::ignored_by(txn, sender)?;
    Ok(members(txn, key)?
        .into_iter()
        .filter(|m| ignoring.binary_search(&m.id).is_err())
        .map(|m| Notify {
            id: m.id,
            gateway: m.gateway,
        })
        .collect())
}

pub(super) fn speak(txn: &mut Txn<'_>, id: CharacterId, channel: &str) -> Result<Response, Error> {
    let Allowed {
        mut ch,
        me,
        delayed,
    } = check(txn, id, channel)?;
    let now = txn.now_ms();
    if delayed {
        let key = ch.key.member(id);
        txn.put(
            key,
            &Member {
                last_speak_ms: Some(now),
                ..me
            },
        );
    }
    let touch = txn.config().channel.last_used_touch_interval_ms;
    if ch.is_custom() && now.saturating_sub(ch.last_used_ms) >= touch {
        ch.last_used_ms = now;
        txn.put(ch.key.channel(), &ch);
    }
    let to = deliver_list(txn, &ch.key, id)?;
    Ok(Response::Channel(ChannelResponse::Deliver { to }))
}
