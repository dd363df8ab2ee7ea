//! Typed calls of the channel domain: joining and leaving, moderation, rights, the speak
//! check, and the leader's sweeps.
//!
//! A channel named by `channel` (or `name`) is the one of that name in the caller's realm and
//! team (the neutral one when two-side channels are on).

use tavern_statemachine::channel::{
    Ban, ChannelCommand, ChannelInfo, ChannelQuery, ChannelQueryResponse, ChannelResponse,
    MemberInfo, Membership, Rights,
};
use tavern_statemachine::presence::Notify;
use tavern_statemachine::{
    AccountId, CharacterId, Command, Query, QueryResponse, RealmId, Response, Team,
};

use super::typed_calls;

/// What [`ChannelApi::join_channel`] answers: the channel, the joiner's member flags, the
/// rights' join message (empty when none), and whether it was already in that built-in channel.
///
/// ```
/// # fn show(j: tavern_gateway::Joined) {
/// println!("joined {} with flags {}", j.channel.name, j.member_flags);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub channel: ChannelInfo,
    pub member_flags: u8,
    pub join_message: String,
    pub rejoin: bool,
}

typed_calls! {
    /// Chat channels: built-in and custom, passwords, owners, moderators, mutes and bans.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// use tavern_statemachine::CharacterId;
    /// let joined = client.join_channel(CharacterId { realm: 1, low: 1 }, "Scourge".into(), 0,
    ///     "frostmourne".into()).await?;
    /// # Ok(()) }
    /// ```
    trait ChannelApi;

    /// Joins a channel (creating a custom one, `channel_id` 0, on first join, with
    /// `password`); the character must be online.
    write join_channel(id: CharacterId, name: String, channel_id: u32, password: String) -> Joined
        = Command::Channel(ChannelCommand::Join { id, name, channel_id, password });
        Response::Channel(ChannelResponse::Joined { channel, member_flags, join_message, rejoin })
            => Joined { channel, member_flags, join_message, rejoin };
        example "let joined = client.join_channel(arthas, \"Scourge\".into(), 0, String::new()).await?;";

    /// Leaves a channel; when `channel_id` is given it must be the channel's.
    write leave_channel(id: CharacterId, name: String, channel_id: Option<u32>) -> ()
        = Command::Channel(ChannelCommand::Leave { id, name, channel_id }); Response::Done => ();
        example "client.leave_channel(arthas, \"Scourge\".into(), None).await?;";

    /// Kicks a member (moderators and the owner).
    write kick_from_channel(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::Kick { by, channel, target_name }); Response::Done => ();
        example "client.kick_from_channel(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Bans (and removes) a member.
    write ban_from_channel(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::Ban { by, channel, target_name }); Response::Done => ();
        example "client.ban_from_channel(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Lifts a ban.
    write unban_from_channel(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::Unban { by, channel, target_name }); Response::Done => ();
        example "client.unban_from_channel(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Makes a member a moderator.
    write set_channel_moderator(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::SetModerator { by, channel, target_name });
        Response::Done => ();
        example "client.set_channel_moderator(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Takes a member's moderator flag away.
    write unset_channel_moderator(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::UnsetModerator { by, channel, target_name });
        Response::Done => ();
        example "client.unset_channel_moderator(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Mutes a member.
    write set_channel_mute(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::SetMute { by, channel, target_name });
        Response::Done => ();
        example "client.set_channel_mute(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Unmutes a member.
    write unset_channel_mute(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::UnsetMute { by, channel, target_name });
        Response::Done => ();
        example "client.unset_channel_mute(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Hands the channel to another member (the owner only).
    write set_channel_owner(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::SetOwner { by, channel, target_name });
        Response::Done => ();
        example "client.set_channel_owner(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Sets the password; an empty one removes it.
    write set_channel_password(by: CharacterId, channel: String, password: String) -> ()
        = Command::Channel(ChannelCommand::SetPassword { by, channel, password });
        Response::Done => ();
        example "client.set_channel_password(arthas, \"Scourge\".into(), \"lichking\".into()).await?;";

    /// Turns moderation on or off; answers whether it is now on.
    write toggle_channel_moderation(by: CharacterId, channel: String) -> bool
        = Command::Channel(ChannelCommand::ToggleModeration { by, channel });
        Response::Channel(ChannelResponse::Moderation { enabled }) => enabled;
        example "let moderated = client.toggle_channel_moderation(arthas, \"Scourge\".into()).await?;";

    /// Turns join/leave announcements on or off; answers whether they are now on.
    write toggle_channel_announcements(by: CharacterId, channel: String) -> bool
        = Command::Channel(ChannelCommand::ToggleAnnouncements { by, channel });
        Response::Channel(ChannelResponse::Announcements { enabled }) => enabled;
        example "let announced = client.toggle_channel_announcements(arthas, \"Scourge\".into()).await?;";

    /// Invites a character (nothing is stored: the invite goes out as an event).
    write invite_to_channel(by: CharacterId, channel: String, target_name: String) -> ()
        = Command::Channel(ChannelCommand::Invite { by, channel, target_name });
        Response::Done => ();
        example "client.invite_to_channel(arthas, \"Scourge\".into(), \"Jaina\".into()).await?;";

    /// Sets the rights of every custom channel of that name (`channels_rights`);
    /// `moderators` are account ids.
    write set_channel_rights(name: String, flags: u32, speak_delay_s: u32, join_message: String,
        delay_message: String, moderators: Vec<AccountId>) -> ()
        = Command::Channel(ChannelCommand::SetRights {
            name, flags, speak_delay_s, join_message, delay_message, moderators,
        });
        Response::Done => ();
        example "client.set_channel_rights(\"Trade\".into(), 0, 5, \"Welcome\".into(),
    \"Slow down\".into(), vec![1]).await?;";

    /// Removes the rights of a channel name.
    write remove_channel_rights(name: String) -> ()
        = Command::Channel(ChannelCommand::RemoveRights { name }); Response::Done => ();
        example "client.remove_channel_rights(\"Trade\".into()).await?;";

    /// The speak check as a write (it records the speak time when a speak delay applies);
    /// answers whom to deliver the message to. The message itself never enters the log.
    write speak_in_channel(id: CharacterId, channel: String) -> Vec<Notify>
        = Command::Channel(ChannelCommand::Speak { id, channel });
        Response::Channel(ChannelResponse::Deliver { to }) => to;
        example "let deliver_to = client.speak_in_channel(arthas, \"Scourge\".into()).await?;";

    /// Deletes empty custom channels unused for the preserve duration; answers how many
    /// channels and bans went (normally the leader's job).
    write cleanup_channels() -> (u32, u32)
        = Command::Channel(ChannelCommand::Cleanup);
        Response::Channel(ChannelResponse::CleanedUp { channels, bans }) => (channels, bans);
        example "let (channels, bans) = client.cleanup_channels().await?;";

    /// Removes bans whose time is over; answers how many (normally the leader's job).
    write expire_channel_bans() -> u32
        = Command::Channel(ChannelCommand::ExpireBans);
        Response::Channel(ChannelResponse::BansExpired { bans }) => bans;
        example "let bans = client.expire_channel_bans().await?;";

    /// A channel, seen by a character of `team` on `realm`.
    read get_channel(realm: RealmId, team: Team, name: String) -> Option<ChannelInfo>
        = Query::Channel(ChannelQuery::Channel { realm, team, name });
        QueryResponse::Channel(ChannelQueryResponse::Channel(c)) => c;
        example "use tavern_statemachine::Team;
let channel = client.get_channel(1, Team::Alliance, \"Scourge\".into()).await?;";

    /// A channel's roster, in character id order.
    read list_channel_members(realm: RealmId, team: Team, name: String) -> Vec<MemberInfo>
        = Query::Channel(ChannelQuery::Members { realm, team, name });
        QueryResponse::Channel(ChannelQueryResponse::Members(m)) => m;
        example "use tavern_statemachine::Team;
let roster = client.list_channel_members(1, Team::Alliance, \"Scourge\".into()).await?;";

    /// The channels a character is in.
    read list_channels_of_character(id: CharacterId) -> Vec<Membership>
        = Query::Channel(ChannelQuery::ChannelsOf { id });
        QueryResponse::Channel(ChannelQueryResponse::ChannelsOf(m)) => m;
        example "let mine = client.list_channels_of_character(arthas).await?;";

    /// [`ChannelApi::speak_in_channel`] without the write: the same refusals, the same answer.
    read check_channel_speak(id: CharacterId, channel: String) -> Vec<Notify>
        = Query::Channel(ChannelQuery::SpeakCheck { id, channel });
        QueryResponse::Channel(ChannelQueryResponse::Deliver(to)) => to;
        example "let deliver_to = client.check_channel_speak(arthas, \"Scourge\".into()).await?;";

    /// The bans of a channel still running.
    read list_channel_bans(realm: RealmId, team: Team, name: String) -> Vec<Ban>
        = Query::Channel(ChannelQuery::Bans { realm, team, name });
        QueryResponse::Channel(ChannelQueryResponse::Bans(b)) => b;
        example "use tavern_statemachine::Team;
let bans = client.list_channel_bans(1, Team::Alliance, \"Scourge\".into()).await?;";

    /// The rights of a channel name, if set.
    read get_channel_rights(name: String) -> Option<Rights>
        = Query::Channel(ChannelQuery::Rights { name });
        QueryResponse::Channel(ChannelQueryResponse::Rights(r)) => r;
        example "let rights = client.get_channel_rights(\"Trade\".into()).await?;";
}
