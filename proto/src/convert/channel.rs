//! `ChannelService` ⇄ `tavern_statemachine::channel`.
//!
//! Field names are the state machine's (`name`, `password`, `channel`, `target_name`), so a
//! client reads the same field whether the wire or the state machine refused it. Teams travel
//! as AzerothCore's `TeamId` number and are checked here.

use tavern_statemachine::channel::{
    Ban, ChannelCommand, ChannelInfo, ChannelKey, ChannelQuery, ChannelQueryResponse,
    ChannelResponse, MemberInfo, Membership, Rights, RIGHTS_MESSAGE_BYTES_MAX,
    RIGHTS_MODERATORS_MAX,
};
use tavern_statemachine::limits::{
    CHANNEL_NAME_BYTES_MAX, CHANNEL_PASSWORD_BYTES_MAX, GATEWAY_ID_BYTES_MAX,
};
use tavern_statemachine::presence::Notify;
use tavern_statemachine::{QueryResponse, Response, Team};

use super::{
    byte, bytes_max, character_id, count_max, done_reply, each, mismatch, query_reply, requests,
    required, try_from, write_reply, ConvertError, QueryReply, WriteReply,
    CHARACTER_NAME_BYTES_MAX,
};
use crate::pb;

pub(super) fn channel_name(field: &str, name: String) -> Result<String, ConvertError> {
    bytes_max(field, name, CHANNEL_NAME_BYTES_MAX)
}

fn password(field: &str, password: String) -> Result<String, ConvertError> {
    bytes_max(field, password, CHANNEL_PASSWORD_BYTES_MAX)
}

/// A target named by character name: at most [`CHARACTER_NAME_BYTES_MAX`] bytes, so the state
/// machine still answers the too-long names that fit with its own error.
fn target_name(name: String) -> Result<String, ConvertError> {
    bytes_max("target_name", name, CHARACTER_NAME_BYTES_MAX)
}

fn rights_message(field: &str, message: String) -> Result<String, ConvertError> {
    bytes_max(field, message, RIGHTS_MESSAGE_BYTES_MAX)
}

/// AzerothCore's `TeamId` number.
fn team(field: &str, value: u32) -> Result<Team, ConvertError> {
    Team::from_u32(value).ok_or_else(|| {
        ConvertError::new(
            field,
            format!("is {value}, it must be 0 (alliance), 1 (horde) or 2 (neutral)"),
        )
    })
}

impl From<ChannelKey> for pb::ChannelKey {
    fn from(k: ChannelKey) -> Self {
        pb::ChannelKey {
            realm: k.realm,
            team: k.team as u32,
            name: k.name,
        }
    }
}

impl TryFrom<pb::ChannelKey> for ChannelKey {
    type Error = ConvertError;

    fn try_from(k: pb::ChannelKey) -> Result<Self, ConvertError> {
        Ok(ChannelKey {
            realm: k.realm,
            team: team("key.team", k.team)?,
            name: channel_name("key.name", k.name)?,
        })
    }
}

/// A required channel key, its errors named under `field` (`channel.key.team`).
pub(super) fn channel_key(
    field: &str,
    k: Option<pb::ChannelKey>,
) -> Result<ChannelKey, ConvertError> {
    ChannelKey::try_from(required(field, k)?).map_err(|e| ConvertError {
        field: format!("{field}.{}", e.field.trim_start_matches("key.")),
        reason: e.reason,
    })
}

impl From<ChannelInfo> for pb::ChannelInfo {
    fn from(c: ChannelInfo) -> Self {
        pb::ChannelInfo {
            key: Some(c.key.into()),
            name: c.name,
            channel_id: c.channel_id,
            custom_id: c.custom_id,
            flags: c.flags.into(),
            members: c.members,
            owner: c.owner.map(Into::into),
            has_password: c.has_password,
            announce: c.announce,
            moderation: c.moderation,
            last_used_ms: c.last_used_ms,
        }
    }
}

impl TryFrom<pb::ChannelInfo> for ChannelInfo {
    type Error = ConvertError;

    fn try_from(c: pb::ChannelInfo) -> Result<Self, ConvertError> {
        Ok(ChannelInfo {
            key: channel_key("channel.key", c.key)?,
            name: channel_name("channel.name", c.name)?,
            channel_id: c.channel_id,
            custom_id: c.custom_id,
            flags: byte("channel.flags", c.flags)?,
            members: c.members,
            owner: c.owner.map(Into::into),
            has_password: c.has_password,
            announce: c.announce,
            moderation: c.moderation,
            last_used_ms: c.last_used_ms,
        })
    }
}

impl From<MemberInfo> for pb::ChannelMember {
    fn from(m: MemberInfo) -> Self {
        pb::ChannelMember {
            id: Some(m.id.into()),
            name: m.name,
            flags: m.flags.into(),
        }
    }
}

impl TryFrom<pb::ChannelMember> for MemberInfo {
    type Error = ConvertError;

    fn try_from(m: pb::ChannelMember) -> Result<Self, ConvertError> {
        Ok(MemberInfo {
            id: character_id("member.id", m.id)?,
            name: bytes_max("member.name", m.name, CHARACTER_NAME_BYTES_MAX)?,
            flags: byte("member.flags", m.flags)?,
        })
    }
}

impl From<Membership> for pb::ChannelMembership {
    fn from(m: Membership) -> Self {
        pb::ChannelMembership {
            channel: Some(m.channel.into()),
            name: m.name,
            channel_id: m.channel_id,
            member_flags: m.member_flags.into(),
        }
    }
}

impl TryFrom<pb::ChannelMembership> for Membership {
    type Error = ConvertError;

    fn try_from(m: pb::ChannelMembership) -> Result<Self, ConvertError> {
        Ok(Membership {
            channel: channel_key("membership.channel", m.channel)?,
            name: channel_name("membership.name", m.name)?,
            channel_id: m.channel_id,
            member_flags: byte("membership.member_flags", m.member_flags)?,
        })
    }
}

impl From<Notify> for pb::ChannelRecipient {
    fn from(n: Notify) -> Self {
        pb::ChannelRecipient {
            id: Some(n.id.into()),
            gateway: n.gateway,
        }
    }
}

impl TryFrom<pb::ChannelRecipient> for Notify {
    type Error = ConvertError;

    fn try_from(n: pb::ChannelRecipient) -> Result<Self, ConvertError> {
        Ok(Notify {
            id: character_id("recipient.id", n.id)?,
            gateway: bytes_max("recipient.gateway", n.gateway, GATEWAY_ID_BYTES_MAX)?,
        })
    }
}

fn recipients(to: Vec<pb::ChannelRecipient>) -> Result<Vec<Notify>, ConvertError> {
    each("to", to, Notify::try_from)
}

impl From<Ban> for pb::ChannelBan {
    fn from(b: Ban) -> Self {
        pb::ChannelBan {
            id: Some(b.id.into()),
            by: Some(b.by.into()),
            banned_ms: b.banned_ms,
            until_ms: b.until_ms,
        }
    }
}

impl TryFrom<pb::ChannelBan> for Ban {
    type Error = ConvertError;

    fn try_from(b: pb::ChannelBan) -> Result<Self, ConvertError> {
        Ok(Ban {
            id: character_id("ban.id", b.id)?,
            by: character_id("ban.by", b.by)?,
            banned_ms: b.banned_ms,
            until_ms: b.until_ms,
        })
    }
}

impl From<Rights> for pb::ChannelRights {
    fn from(r: Rights) -> Self {
        pb::ChannelRights {
            name: r.name,
            flags: r.flags,
            speak_delay_s: r.speak_delay_s,
            join_message: r.join_message,
            delay_message: r.delay_message,
            moderators: r.moderators,
        }
    }
}

impl TryFrom<pb::ChannelRights> for Rights {
    type Error = ConvertError;

    fn try_from(r: pb::ChannelRights) -> Result<Self, ConvertError> {
        count_max(
            "rights.moderators",
            r.moderators.len(),
            RIGHTS_MODERATORS_MAX,
        )?;
        Ok(Rights {
            name: channel_name("rights.name", r.name)?,
            flags: r.flags,
            speak_delay_s: r.speak_delay_s,
            join_message: rights_message("rights.join_message", r.join_message)?,
            delay_message: rights_message("rights.delay_message", r.delay_message)?,
            moderators: r.moderators,
        })
    }
}

requests! {
    /// The write RPCs of `ChannelService`.
    ChannelWrite => ChannelCommand {
        JoinChannel(pb::JoinChannelRequest),
        LeaveChannel(pb::LeaveChannelRequest),
        KickFromChannel(pb::KickFromChannelRequest),
        BanFromChannel(pb::BanFromChannelRequest),
        UnbanFromChannel(pb::UnbanFromChannelRequest),
        SetChannelModerator(pb::SetChannelModeratorRequest),
        UnsetChannelModerator(pb::UnsetChannelModeratorRequest),
        SetChannelMute(pb::SetChannelMuteRequest),
        UnsetChannelMute(pb::UnsetChannelMuteRequest),
        SetChannelOwner(pb::SetChannelOwnerRequest),
        SetChannelPassword(pb::SetChannelPasswordRequest),
        ToggleChannelModeration(pb::ToggleChannelModerationRequest),
        ToggleChannelAnnouncements(pb::ToggleChannelAnnouncementsRequest),
        InviteToChannel(pb::InviteToChannelRequest),
        SetChannelRights(pb::SetChannelRightsRequest),
        RemoveChannelRights(pb::RemoveChannelRightsRequest),
        SpeakInChannel(pb::SpeakInChannelRequest),
        CleanupChannels(pb::CleanupChannelsRequest),
        ExpireChannelBans(pb::ExpireChannelBansRequest),
    }
}

requests! {
    /// The read RPCs of `ChannelService`.
    ChannelRead => ChannelQuery {
        GetChannel(pb::GetChannelRequest),
        ListChannelMembers(pb::ListChannelMembersRequest),
        ListChannelsOfCharacter(pb::ListChannelsOfCharacterRequest),
        CheckChannelSpeak(pb::CheckChannelSpeakRequest),
        ListChannelBans(pb::ListChannelBansRequest),
        GetChannelRights(pb::GetChannelRightsRequest),
    }
}

/// Builds one of the requests that name the caller, the channel and a target by name.
macro_rules! targeted {
    ($variant:ident, $req:ident, $by:expr, $channel:expr, $target_name:expr) => {
        ChannelWrite::$variant(pb::$req {
            header: None,
            by: Some($by.into()),
            channel: $channel,
            target_name: $target_name,
        })
    };
}

impl From<ChannelCommand> for ChannelWrite {
    fn from(c: ChannelCommand) -> Self {
        use ChannelCommand as C;
        use ChannelWrite as W;
        let header = None;
        match c {
            C::Join {
                id,
                name,
                channel_id,
                password,
            } => W::JoinChannel(pb::JoinChannelRequest {
                header,
                id: Some(id.into()),
                name,
                channel_id,
                password,
            }),
            C::Leave {
                id,
                name,
                channel_id,
            } => W::LeaveChannel(pb::LeaveChannelRequest {
                header,
                id: Some(id.into()),
                name,
                channel_id,
            }),
            C::Kick {
                by,
                channel,
                target_name,
            } => targeted!(
                KickFromChannel,
                KickFromChannelRequest,
                by,
                channel,
                target_name
            ),
            C::Ban {
                by,
                channel,
                target_name,
            } => targeted!(
                BanFromChannel,
                BanFromChannelRequest,
                by,
                channel,
                target_name
            ),
            C::Unban {
                by,
                channel,
                target_name,
            } => targeted!(
                UnbanFromChannel,
                UnbanFromChannelRequest,
                by,
                channel,
                target_name
            ),
            C::SetModerator {
                by,
                channel,
                target_name,
            } => targeted!(
                SetChannelModerator,
                SetChannelModeratorRequest,
                by,
                channel,
                target_name
            ),
            C::UnsetModerator {
                by,
                channel,
                target_name,
            } => targeted!(
                UnsetChannelModerator,
                UnsetChannelModeratorRequest,
                by,
                channel,
                target_name
            ),
            C::SetMute {
                by,
                channel,
                target_name,
            } => targeted!(
                SetChannelMute,
                SetChannelMuteRequest,
                by,
                channel,
                target_name
            ),
            C::UnsetMute {
                by,
                channel,
                target_name,
            } => targeted!(
                UnsetChannelMute,
                UnsetChannelMuteRequest,
                by,
                channel,
                target_name
            ),
            C::SetOwner {
                by,
                channel,
                target_name,
            } => targeted!(
                SetChannelOwner,
                SetChannelOwnerRequest,
                by,
                channel,
                target_name
            ),
            C::SetPassword {
                by,
                channel,
                password,
            } => W::SetChannelPassword(pb::SetChannelPasswordRequest {
                header,
                by: Some(by.into()),
                channel,
                password,
            }),
            C::ToggleModeration { by, channel } => {
                W::ToggleChannelModeration(pb::ToggleChannelModerationRequest {
                    header,
                    by: Some(by.into()),
                    channel,
                })
            }
            C::ToggleAnnouncements { by, channel } => {
                W::ToggleChannelAnnouncements(pb::ToggleChannelAnnouncementsRequest {
                    header,
                    by: Some(by.into()),
                    channel,
                })
            }
            C::Invite {
                by,
                channel,
                target_name,
            } => targeted!(
                InviteToChannel,
                InviteToChannelRequest,
                by,
                channel,
                target_name
            ),
            C::SetRights {
                name,
                flags,
                speak_delay_s,
                join_message,
                delay_message,
                moderators,
            } => W::SetChannelRights(pb::SetChannelRightsRequest {
                header,
                name,
                flags,
                speak_delay_s,
                join_message,
                delay_message,
                moderators,
            }),
            C::RemoveRights { name } => {
                W::RemoveChannelRights(pb::RemoveChannelRightsRequest { header, name })
            }
            C::Speak { id, channel } => W::SpeakInChannel(pb::SpeakInChannelRequest {
                header,
                id: Some(id.into()),
                channel,
            }),
            C::Cleanup => W::CleanupChannels(pb::CleanupChannelsRequest { header }),
            C::ExpireBans => W::ExpireChannelBans(pb::ExpireChannelBansRequest { header }),
        }
    }
}

impl From<ChannelQuery> for ChannelRead {
    fn from(q: ChannelQuery) -> Self {
        use ChannelQuery as Q;
        use ChannelRead as R;
        let header = None;
        match q {
            Q::Channel { realm, team, name } => R::GetChannel(pb::GetChannelRequest {
                header,
                realm,
                team: team as u32,
                name,
            }),
            Q::Members { realm, team, name } => {
                R::ListChannelMembers(pb::ListChannelMembersRequest {
                    header,
                    realm,
                    team: team as u32,
                    name,
                })
            }
            Q::ChannelsOf { id } => {
                R::ListChannelsOfCharacter(pb::ListChannelsOfCharacterRequest {
                    header,
                    id: Some(id.into()),
                })
            }
            Q::SpeakCheck { id, channel } => R::CheckChannelSpeak(pb::CheckChannelSpeakRequest {
                header,
                id: Some(id.into()),
                channel,
            }),
            Q::Bans { realm, team, name } => R::ListChannelBans(pb::ListChannelBansRequest {
                header,
                realm,
                team: team as u32,
                name,
            }),
            Q::Rights { name } => R::GetChannelRights(pb::GetChannelRightsRequest { header, name }),
        }
    }
}

/// Implements `TryFrom` for the requests that name the caller, the channel and a target.
macro_rules! try_from_targeted {
    ($($req:ty => $variant:ident),+ $(,)?) => {
        $(try_from!($req => ChannelCommand, |r| ChannelCommand::$variant {
            by: character_id("by", r.by)?,
            channel: channel_name("channel", r.channel)?,
            target_name: target_name(r.target_name)?,
        });)+
    };
}

try_from!(pb::JoinChannelRequest => ChannelCommand, |r| ChannelCommand::Join {
    id: character_id("id", r.id)?,
    name: channel_name("name", r.name)?,
    channel_id: r.channel_id,
    password: password("password", r.password)?,
});
try_from!(pb::LeaveChannelRequest => ChannelCommand, |r| ChannelCommand::Leave {
    id: character_id("id", r.id)?,
    name: channel_name("name", r.name)?,
    channel_id: r.channel_id,
});
try_from_targeted!(
    pb::KickFromChannelRequest => Kick,
    pb::BanFromChannelRequest => Ban,
    pb::UnbanFromChannelRequest => Unban,
    pb::SetChannelModeratorRequest => SetModerator,
    pb::UnsetChannelModeratorRequest => UnsetModerator,
    pb::SetChannelMuteRequest => SetMute,
    pb::UnsetChannelMuteRequest => UnsetMute,
    pb::SetChannelOwnerRequest => SetOwner,
    pb::InviteToChannelRequest => Invite,
);
try_from!(pb::SetChannelPasswordRequest => ChannelCommand, |r| ChannelCommand::SetPassword {
    by: character_id("by", r.by)?,
    channel: channel_name("channel", r.channel)?,
    password: password("password", r.password)?,
});
try_from!(pb::ToggleChannelModerationRequest => ChannelCommand, |r| {
    ChannelCommand::ToggleModeration {
        by: character_id("by", r.by)?,
        channel: channel_name("channel", r.channel)?,
    }
});
try_from!(pb::ToggleChannelAnnouncementsRequest => ChannelCommand, |r| {
    ChannelCommand::ToggleAnnouncements {
        by: character_id("by", r.by)?,
        channel: channel_name("channel", r.channel)?,
    }
});
try_from!(pb::SetChannelRightsRequest => ChannelCommand, |r| {
    count_max("moderators", r.moderators.len(), RIGHTS_MODERATORS_MAX)?;
    ChannelCommand::SetRights {
        name: channel_name("name", r.name)?,
        flags: r.flags,
        speak_delay_s: r.speak_delay_s,
        join_message: rights_message("join_message", r.join_message)?,
        delay_message: rights_message("delay_message", r.delay_message)?,
        moderators: r.moderators,
    }
});
try_from!(pb::RemoveChannelRightsRequest => ChannelCommand, |r| ChannelCommand::RemoveRights {
    name: channel_name("name", r.name)?,
});
try_from!(pb::SpeakInChannelRequest => ChannelCommand, |r| ChannelCommand::Speak {
    id: character_id("id", r.id)?,
    channel: channel_name("channel", r.channel)?,
});
try_from!(pb::CleanupChannelsRequest => ChannelCommand, |_r| ChannelCommand::Cleanup);
try_from!(pb::ExpireChannelBansRequest => ChannelCommand, |_r| ChannelCommand::ExpireBans);

try_from!(pb::GetChannelRequest => ChannelQuery, |r| ChannelQuery::Channel {
    realm: r.realm,
    team: team("team", r.team)?,
    name: channel_name("name", r.name)?,
});
try_from!(pb::ListChannelMembersRequest => ChannelQuery, |r| ChannelQuery::Members {
    realm: r.realm,
    team: team("team", r.team)?,
    name: channel_name("name", r.name)?,
});
try_from!(pb::ListChannelsOfCharacterRequest => ChannelQuery, |r| ChannelQuery::ChannelsOf {
    id: character_id("id", r.id)?,
});
try_from!(pb::CheckChannelSpeakRequest => ChannelQuery, |r| ChannelQuery::SpeakCheck {
    id: character_id("id", r.id)?,
    channel: channel_name("channel", r.channel)?,
});
try_from!(pb::ListChannelBansRequest => ChannelQuery, |r| ChannelQuery::Bans {
    realm: r.realm,
    team: team("team", r.team)?,
    name: channel_name("name", r.name)?,
});
try_from!(pb::GetChannelRightsRequest => ChannelQuery, |r| ChannelQuery::Rights {
    name: channel_name("name", r.name)?,
});

done_reply!(
    pb::LeaveChannelResponse,
    pb::KickFromChannelResponse,
    pb::BanFromChannelResponse,
    pb::UnbanFromChannelResponse,
    pb::SetChannelModeratorResponse,
    pb::UnsetChannelModeratorResponse,
    pb::SetChannelMuteResponse,
    pb::UnsetChannelMuteResponse,
    pb::SetChannelOwnerResponse,
    pb::SetChannelPasswordResponse,
    pb::InviteToChannelResponse,
    pb::SetChannelRightsResponse,
    pb::RemoveChannelRightsResponse,
);

write_reply!(Channel,
    pb::JoinChannelResponse, "JoinChannel",
    ChannelResponse::Joined { channel, member_flags, join_message, rejoin } => {
        channel: Some(channel.into()),
        member_flags: member_flags.into(),
        join_message,
        rejoin,
    },
    |m| ChannelResponse::Joined {
        channel: ChannelInfo::try_from(required("channel", m.channel)?)?,
        member_flags: byte("member_flags", m.member_flags)?,
        join_message: rights_message("join_message", m.join_message)?,
        rejoin: m.rejoin,
    }
);
write_reply!(Channel,
    pb::ToggleChannelModerationResponse, "ToggleChannelModeration",
    ChannelResponse::Moderation { enabled } => { enabled },
    |m| ChannelResponse::Moderation { enabled: m.enabled }
);
write_reply!(Channel,
    pb::ToggleChannelAnnouncementsResponse, "ToggleChannelAnnouncements",
    ChannelResponse::Announcements { enabled } => { enabled },
    |m| ChannelResponse::Announcements { enabled: m.enabled }
);
write_reply!(Channel,
    pb::SpeakInChannelResponse, "SpeakInChannel",
    ChannelResponse::Deliver { to } => { to: to.into_iter().map(Into::into).collect() },
    |m| ChannelResponse::Deliver { to: recipients(m.to)? }
);
write_reply!(Channel,
    pb::CleanupChannelsResponse, "CleanupChannels",
    ChannelResponse::CleanedUp { channels, bans } => { channels, bans },
    |m| ChannelResponse::CleanedUp { channels: m.channels, bans: m.bans }
);
write_reply!(Channel,
    pb::ExpireChannelBansResponse, "ExpireChannelBans",
    ChannelResponse::BansExpired { bans } => { bans },
    |m| ChannelResponse::BansExpired { bans: m.bans }
);

query_reply!(Channel,
    pb::GetChannelResponse, "GetChannel",
    ChannelQueryResponse::Channel(c) => { channel: c.map(Into::into) },
    |m| ChannelQueryResponse::Channel(m.channel.map(ChannelInfo::try_from).transpose()?)
);
query_reply!(Channel,
    pb::ListChannelMembersResponse, "ListChannelMembers",
    ChannelQueryResponse::Members(ms) => { members: ms.into_iter().map(Into::into).collect() },
    |m| ChannelQueryResponse::Members(each("members", m.members, MemberInfo::try_from)?)
);
query_reply!(Channel,
    pb::ListChannelsOfCharacterResponse, "ListChannelsOfCharacter",
    ChannelQueryResponse::ChannelsOf(cs) => { channels: cs.into_iter().map(Into::into).collect() },
    |m| ChannelQueryResponse::ChannelsOf(each("channels", m.channels, Membership::try_from)?)
);
query_reply!(Channel,
    pb::CheckChannelSpeakResponse, "CheckChannelSpeak",
    ChannelQueryResponse::Deliver(to) => { to: to.into_iter().map(Into::into).collect() },
    |m| ChannelQueryResponse::Deliver(recipients(m.to)?)
);
query_reply!(Channel,
    pb::ListChannelBansResponse, "ListChannelBans",
    ChannelQueryResponse::Bans(bs) => { bans: bs.into_iter().map(Into::into).collect() },
    |m| ChannelQueryResponse::Bans(each("bans", m.bans, Ban::try_from)?)
);
query_reply!(Channel,
    pb::GetChannelRightsResponse, "GetChannelRights",
    ChannelQueryResponse::Rights(r) => { rights: r.map(Into::into) },
    |m| ChannelQueryResponse::Rights(m.rights.map(Rights::try_from).transpose()?)
);
