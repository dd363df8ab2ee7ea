//! Events of channels, mail and arena teams.

use tavern_statemachine::arena::{
    ArenaEvent, ArenaTeam, DisbandReason, LeaveReason as ArenaLeave, MatchOutcome,
};
use tavern_statemachine::channel::{
    ChannelEvent, ChannelNotice, DeleteReason as ChannelDelete, LeaveReason as ChannelLeave,
};
use tavern_statemachine::mail::{
    DeleteReason as MailDelete, MailEvent, MailItem, ReturnReason as MailReturn,
};
use tavern_statemachine::CharacterId;

use super::super::arena::team_name;
use super::super::channel::{channel_key, channel_name};
use super::super::mail::{items, items_to_wire, money, sender};
use super::super::{byte, character_id, count_max, nested, ConvertError};
use super::{
    gateway, name, opt_gateway, recipients, recipients_to_wire, wire_enum, EVENT_LIST_MAX,
};
use crate::pb;
use crate::pb::arena_event as ae;
use crate::pb::channel_event as che;
use crate::pb::mail_event as me;

wire_enum!(channel_leave: ChannelLeave => ChannelLeaveReason, "ChannelLeaveReason (1 to 4)", {
    Left => Left,
    Kicked => Kicked,
    Banned => Banned,
    LoggedOut => LoggedOut,
});

wire_enum!(channel_delete: ChannelDelete => ChannelDeleteReason, "ChannelDeleteReason (1 to 2)", {
    Empty => Empty,
    Unused => Unused,
});

wire_enum!(mail_return: MailReturn => MailReturnReason, "MailReturnReason (1 to 3)", {
    Player => Player,
    Expired => Expired,
    ReceiverDeleted => ReceiverDeleted,
});

wire_enum!(mail_delete: MailDelete => MailDeleteReason, "MailDeleteReason (1 to 4)", {
    Player => Player,
    Expired => Expired,
    ReceiverDeleted => ReceiverDeleted,
    SenderMissing => SenderMissing,
});

wire_enum!(arena_leave: ArenaLeave => ArenaLeaveReason, "ArenaLeaveReason (1 to 2)", {
    Left => Left,
    Deleted => Deleted,
});

wire_enum!(disband_reason: DisbandReason => ArenaDisbandReason, "ArenaDisbandReason (1 to 3)", {
    Disbanded => Disbanded,
    CaptainLeft => CaptainLeft,
    CaptainDeleted => CaptainDeleted,
});

/// Every channel notice, to decode one by its AzerothCore `ChatNotify` code.
const CHANNEL_NOTICES: [ChannelNotice; 25] = [
    ChannelNotice::WrongPassword,
    ChannelNotice::NotMember,
    ChannelNotice::NotModerator,
    ChannelNotice::PasswordChanged,
    ChannelNotice::PlayerNotFound,
    ChannelNotice::NotOwner,
    ChannelNotice::ModeChange,
    ChannelNotice::AnnouncementsOn,
    ChannelNotice::AnnouncementsOff,
    ChannelNotice::ModerationOn,
    ChannelNotice::ModerationOff,
    ChannelNotice::Muted,
    ChannelNotice::PlayerKicked,
    ChannelNotice::Banned,
    ChannelNotice::PlayerBanned,
    ChannelNotice::PlayerUnbanned,
    ChannelNotice::PlayerNotBanned,
    ChannelNotice::PlayerAlreadyMember,
    ChannelNotice::Invite,
    ChannelNotice::InviteWrongFaction,
    ChannelNotice::WrongFaction,
    ChannelNotice::InvalidName,
    ChannelNotice::PlayerInvited,
    ChannelNotice::PlayerInviteBanned,
    ChannelNotice::Throttled,
];

fn notice(field: &str, code: u32) -> Result<ChannelNotice, ConvertError> {
    CHANNEL_NOTICES
        .into_iter()
        .find(|n| n.code() == code)
        .ok_or_else(|| ConvertError::new(field, format!("is {code}, not a ChatNotify code")))
}

fn id(c: CharacterId) -> Option<pb::CharacterId> {
    Some(c.into())
}

fn opt_id(c: Option<pb::CharacterId>) -> Option<CharacterId> {
    c.map(Into::into)
}

impl From<ChannelEvent> for pb::ChannelEvent {
    fn from(e: ChannelEvent) -> Self {
        let event = match e {
            ChannelEvent::Joined {
                channel,
                channel_id,
                id: who,
                name,
                gateway,
                flags,
                announce,
            } => che::Event::Joined(che::Joined {
                key: Some(channel.into()),
                channel_id,
                id: id(who),
                name,
                gateway,
                flags: flags.into(),
                announce,
            }),
            ChannelEvent::Left {
                channel,
                channel_id,
                id: who,
                name,
                gateway,
                reason,
                announce,
            } => che::Event::Left(che::Left {
                key: Some(channel.into()),
                channel_id,
                id: id(who),
                name,
                gateway,
                reason: pb::ChannelLeaveReason::from(reason).into(),
                announce,
            }),
            ChannelEvent::OwnerChanged { channel, old, new } => {
                che::Event::OwnerChanged(che::OwnerChanged {
                    key: Some(channel.into()),
                    old_owner: old.map(Into::into),
                    new_owner: new.map(Into::into),
                })
            }
            ChannelEvent::Notify {
                channel,
                notice,
                target,
                by,
                flags,
            } => che::Event::Notify(che::Notify {
                key: Some(channel.into()),
                notice: notice.code(),
                target: target.map(Into::into),
                by: by.map(Into::into),
                flags: flags.map(|(old, new)| che::FlagsChange {
                    old_flags: old.into(),
                    new_flags: new.into(),
                }),
            }),
            ChannelEvent::Invited {
                channel,
                channel_name,
                by,
                by_name,
                target,
                target_name,
                gateway,
            } => che::Event::Invited(che::Invited {
                key: Some(channel.into()),
                channel_name,
                by: id(by),
                by_name,
                target: id(target),
                target_name,
                gateway,
            }),
            ChannelEvent::ChannelDeleted {
                channel,
                custom_id,
                reason,
            } => che::Event::Deleted(che::Deleted {
                key: Some(channel.into()),
                custom_id,
                reason: pb::ChannelDeleteReason::from(reason).into(),
            }),
        };
        pb::ChannelEvent { event: Some(event) }
    }
}

impl TryFrom<pb::ChannelEvent> for ChannelEvent {
    type Error = ConvertError;

    fn try_from(e: pb::ChannelEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("channel"))? {
                che::Event::Joined(e) => ChannelEvent::Joined {
                    channel: channel_key("joined.key", e.key)?,
                    channel_id: e.channel_id,
                    id: character_id("joined.id", e.id)?,
                    name: name("joined.name", e.name)?,
                    gateway: gateway("joined.gateway", e.gateway)?,
                    flags: byte("joined.flags", e.flags)?,
                    announce: e.announce,
                },
                che::Event::Left(e) => ChannelEvent::Left {
                    channel: channel_key("left.key", e.key)?,
                    channel_id: e.channel_id,
                    id: character_id("left.id", e.id)?,
                    name: name("left.name", e.name)?,
                    gateway: gateway("left.gateway", e.gateway)?,
                    reason: channel_leave("left.reason", e.reason)?,
                    announce: e.announce,
                },
                che::Event::OwnerChanged(e) => ChannelEvent::OwnerChanged {
                    channel: channel_key("owner_changed.key", e.key)?,
                    old: opt_id(e.old_owner),
                    new: opt_id(e.new_owner),
                },
                che::Event::Notify(e) => ChannelEvent::Notify {
                    channel: channel_key("notify.key", e.key)?,
                    notice: notice("notify.notice", e.notice)?,
                    target: opt_id(e.target),
                    by: opt_id(e.by),
                    flags: match e.flags {
                        Some(f) => Some((
                            byte("notify.flags.old_flags", f.old_flags)?,
                            byte("notify.flags.new_flags", f.new_flags)?,
                        )),
                        None => None,
                    },
                },
                che::Event::Invited(e) => ChannelEvent::Invited {
                    channel: channel_key("invited.key", e.key)?,
                    channel_name: channel_name("invited.channel_name", e.channel_name)?,
                    by: character_id("invited.by", e.by)?,
                    by_name: name("invited.by_name", e.by_name)?,
                    target: character_id("invited.target", e.target)?,
                    target_name: name("invited.target_name", e.target_name)?,
                    gateway: gateway("invited.gateway", e.gateway)?,
                },
                che::Event::Deleted(e) => ChannelEvent::ChannelDeleted {
                    channel: channel_key("deleted.key", e.key)?,
                    custom_id: e.custom_id,
                    reason: channel_delete("deleted.reason", e.reason)?,
                },
            },
        )
    }
}

impl From<MailEvent> for pb::MailEvent {
    fn from(e: MailEvent) -> Self {
        let event = match e {
            MailEvent::Incoming {
                receiver,
                mail,
                sender,
                deliver_ms,
                gateway,
            } => me::Event::Incoming(me::Incoming {
                receiver: id(receiver),
                mail_id: mail,
                sender: Some(sender.into()),
                deliver_ms,
                gateway,
            }),
            MailEvent::Returned {
                mail,
                from,
                to,
                money,
                items,
                reason,
            } => me::Event::Returned(me::Returned {
                mail_id: mail,
                from_id: id(from),
                to_id: id(to),
                money,
                items,
                reason: pb::MailReturnReason::from(reason).into(),
            }),
            MailEvent::Deleted {
                mail,
                receiver,
                money,
                items,
                reason,
            } => me::Event::Deleted(me::Deleted {
                mail_id: mail,
                receiver: id(receiver),
                money,
                items: items_to_wire(items),
                reason: pb::MailDeleteReason::from(reason).into(),
            }),
            MailEvent::MoneyTaken {
                mail,
                receiver,
                money,
            } => me::Event::MoneyTaken(me::MoneyTaken {
                mail_id: mail,
                receiver: id(receiver),
                money,
            }),
            MailEvent::ItemTaken {
                mail,
                receiver,
                item,
                cod_paid,
            } => me::Event::ItemTaken(me::ItemTaken {
                mail_id: mail,
                receiver: id(receiver),
                item: Some(item.into()),
                cod_paid,
            }),
            MailEvent::CodPaid {
                mail,
                payer,
                seller,
                amount,
                payment_mail,
            } => me::Event::CodPaid(me::CodPaid {
                mail_id: mail,
                payer: id(payer),
                seller: id(seller),
                amount,
                payment_mail_id: payment_mail,
            }),
        };
        pb::MailEvent { event: Some(event) }
    }
}

impl TryFrom<pb::MailEvent> for MailEvent {
    type Error = ConvertError;

    fn try_from(e: pb::MailEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("mail"))? {
                me::Event::Incoming(e) => MailEvent::Incoming {
                    receiver: character_id("incoming.receiver", e.receiver)?,
                    mail: e.mail_id,
                    sender: sender("incoming.sender", e.sender)?,
                    deliver_ms: e.deliver_ms,
                    gateway: opt_gateway("incoming.gateway", e.gateway)?,
                },
                me::Event::Returned(e) => MailEvent::Returned {
                    mail: e.mail_id,
                    from: character_id("returned.from_id", e.from_id)?,
                    to: character_id("returned.to_id", e.to_id)?,
                    money: money("returned.money", e.money)?,
                    items: {
                        count_max("returned.items", e.items.len(), EVENT_LIST_MAX)?;
                        e.items
                    },
                    reason: mail_return("returned.reason", e.reason)?,
                },
                me::Event::Deleted(e) => MailEvent::Deleted {
                    mail: e.mail_id,
                    receiver: character_id("deleted.receiver", e.receiver)?,
                    money: money("deleted.money", e.money)?,
                    items: items("deleted.items", e.items)?,
                    reason: mail_delete("deleted.reason", e.reason)?,
                },
                me::Event::MoneyTaken(e) => MailEvent::MoneyTaken {
                    mail: e.mail_id,
                    receiver: character_id("money_taken.receiver", e.receiver)?,
                    money: money("money_taken.money", e.money)?,
                },
                me::Event::ItemTaken(e) => MailEvent::ItemTaken {
                    mail: e.mail_id,
                    receiver: character_id("item_taken.receiver", e.receiver)?,
                    item: nested::<_, MailItem>("item_taken.item", e.item)?,
                    cod_paid: money("item_taken.cod_paid", e.cod_paid)?,
                },
                me::Event::CodPaid(e) => MailEvent::CodPaid {
                    mail: e.mail_id,
                    payer: character_id("cod_paid.payer", e.payer)?,
                    seller: character_id("cod_paid.seller", e.seller)?,
                    amount: money("cod_paid.amount", e.amount)?,
                    payment_mail: e.payment_mail_id,
                },
            },
        )
    }
}

impl From<ArenaEvent> for pb::ArenaEvent {
    fn from(e: ArenaEvent) -> Self {
        let event = match e {
            ArenaEvent::Created {
                team,
                captain_name,
                notify,
            } => ae::Event::Created(ae::Created {
                team: Some(team.into()),
                captain_name,
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::Invited {
                realm,
                team_id,
                team_name,
                inviter,
                inviter_name,
                target,
                target_gateway,
                expires_ms,
            } => ae::Event::Invited(ae::Invited {
                realm,
                team_id,
                team_name,
                inviter: id(inviter),
                inviter_name,
                target: id(target),
                target_gateway,
                expires_ms,
            }),
            ArenaEvent::Joined {
                realm,
                team_id,
                team_name,
                id: who,
                name,
                notify,
            } => ae::Event::Joined(ae::Joined {
                realm,
                team_id,
                team_name,
                id: id(who),
                name,
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::Declined {
                realm,
                team_id,
                id: who,
                name,
                inviter,
                notify,
            } => ae::Event::Declined(ae::Declined {
                realm,
                team_id,
                id: id(who),
                name,
                inviter: id(inviter),
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::Left {
                realm,
                team_id,
                team_name,
                id: who,
                name,
                reason,
                notify,
            } => ae::Event::Left(ae::Left {
                realm,
                team_id,
                team_name,
                id: id(who),
                name,
                reason: pb::ArenaLeaveReason::from(reason).into(),
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::Removed {
                realm,
                team_id,
                team_name,
                id: who,
                name,
                by,
                by_name,
                notify,
            } => ae::Event::Removed(ae::Removed {
                realm,
                team_id,
                team_name,
                id: id(who),
                name,
                by: id(by),
                by_name,
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::CaptainChanged {
                realm,
                team_id,
                team_name,
                old_captain,
                old_captain_name,
                new_captain,
                new_captain_name,
                notify,
            } => ae::Event::CaptainChanged(ae::CaptainChanged {
                realm,
                team_id,
                team_name,
                old_captain: id(old_captain),
                old_captain_name,
                new_captain: id(new_captain),
                new_captain_name,
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::Disbanded {
                realm,
                team_id,
                team_name,
                arena_type,
                by,
                by_name,
                reason,
                members,
                notify,
            } => ae::Event::Disbanded(ae::Disbanded {
                realm,
                team_id,
                team_name,
                arena_type: arena_type.into(),
                by: id(by),
                by_name,
                reason: pb::ArenaDisbandReason::from(reason).into(),
                members: members.into_iter().map(Into::into).collect(),
                notify: recipients_to_wire(notify),
            }),
            ArenaEvent::MatchApplied { outcome, notify } => {
                ae::Event::MatchApplied(ae::MatchApplied {
                    outcome: Some(outcome.into()),
                    notify: recipients_to_wire(notify),
                })
            }
            ArenaEvent::WeekFinished { realm, week } => {
                ae::Event::WeekFinished(ae::WeekFinished { realm, week })
            }
        };
        pb::ArenaEvent { event: Some(event) }
    }
}

impl TryFrom<pb::ArenaEvent> for ArenaEvent {
    type Error = ConvertError;

    fn try_from(e: pb::ArenaEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("arena"))? {
                ae::Event::Created(e) => ArenaEvent::Created {
                    team: nested::<_, ArenaTeam>("created.team", e.team)?,
                    captain_name: name("created.captain_name", e.captain_name)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::Invited(e) => ArenaEvent::Invited {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("invited.team_name", e.team_name)?,
                    inviter: character_id("invited.inviter", e.inviter)?,
                    inviter_name: name("invited.inviter_name", e.inviter_name)?,
                    target: character_id("invited.target", e.target)?,
                    target_gateway: gateway("invited.target_gateway", e.target_gateway)?,
                    expires_ms: e.expires_ms,
                },
                ae::Event::Joined(e) => ArenaEvent::Joined {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("joined.team_name", e.team_name)?,
                    id: character_id("joined.id", e.id)?,
                    name: name("joined.name", e.name)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::Declined(e) => ArenaEvent::Declined {
                    realm: e.realm,
                    team_id: e.team_id,
                    id: character_id("declined.id", e.id)?,
                    name: name("declined.name", e.name)?,
                    inviter: character_id("declined.inviter", e.inviter)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::Left(e) => ArenaEvent::Left {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("left.team_name", e.team_name)?,
                    id: character_id("left.id", e.id)?,
                    name: name("left.name", e.name)?,
                    reason: arena_leave("left.reason", e.reason)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::Removed(e) => ArenaEvent::Removed {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("removed.team_name", e.team_name)?,
                    id: character_id("removed.id", e.id)?,
                    name: name("removed.name", e.name)?,
                    by: character_id("removed.by", e.by)?,
                    by_name: name("removed.by_name", e.by_name)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::CaptainChanged(e) => ArenaEvent::CaptainChanged {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("captain_changed.team_name", e.team_name)?,
                    old_captain: character_id("captain_changed.old_captain", e.old_captain)?,
                    old_captain_name: name("captain_changed.old_captain_name", e.old_captain_name)?,
                    new_captain: character_id("captain_changed.new_captain", e.new_captain)?,
                    new_captain_name: name("captain_changed.new_captain_name", e.new_captain_name)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::Disbanded(e) => ArenaEvent::Disbanded {
                    realm: e.realm,
                    team_id: e.team_id,
                    team_name: team_name("disbanded.team_name", e.team_name)?,
                    arena_type: byte("disbanded.arena_type", e.arena_type)?,
                    by: character_id("disbanded.by", e.by)?,
                    by_name: name("disbanded.by_name", e.by_name)?,
                    reason: disband_reason("disbanded.reason", e.reason)?,
                    members: {
                        count_max("disbanded.members", e.members.len(), EVENT_LIST_MAX)?;
                        e.members.into_iter().map(Into::into).collect()
                    },
                    notify: recipients(e.notify)?,
                },
                ae::Event::MatchApplied(e) => ArenaEvent::MatchApplied {
                    outcome: nested::<_, MatchOutcome>("match_applied.outcome", e.outcome)?,
                    notify: recipients(e.notify)?,
                },
                ae::Event::WeekFinished(e) => ArenaEvent::WeekFinished {
                    realm: e.realm,
                    week: e.week,
                },
            },
        )
    }
}
