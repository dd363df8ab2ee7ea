//! Chat channels: built-in and custom channels, membership, moderation, bans, rights and the
//! speak check (DOMAIN.md 1.5, 2.2 `ChatService`, 3.14).
//!
//! A channel is named by `(realm, team, lower(name))` ([`ChannelKey`]); when
//! [`ChannelConfig::allow_two_side_channel`] is on both factions share one channel, keyed with
//! [`Team::Neutral`]. Built-in channels (`channel_id != 0`, from `ChatChannels.dbc`) have fixed
//! flags, no owner, no announcements and no rights; re-joining one is a silent no-op. Custom
//! channels (`channel_id == 0`) get an id from a counter, an owner, a password, bans, mutes and
//! per-name [`Rights`]. Membership lives only while the character is online (AC: a player leaves
//! every channel on logout), so hot channels churn and every member is one record.
//!
//! Keys (`ck` = `realm u32 | team u8 | lower(name) str`, the channel key):
//! ```text
//! CHANNEL          0x40 | ck                            -> Channel
//! CHANNEL_STATS    0x41 | ck                            -> Stats { members, next_seq }
//! MEMBER           0x42 | ck | realm u32 | low u32      -> Member
//! MEMBER_BY_SEQ    0x43 | ck | seq u64                  -> CharacterId   (join order)
//! MODERATOR_BY_SEQ 0x44 | ck | seq u64                  -> CharacterId   (members with MODERATOR)
//! CHANNELS_OF      0x45 | realm u32 | low u32 | team u8 | lower(name) str -> ()
//! BAN              0x46 | ck | realm u32 | low u32      -> Ban
//! BAN_BY_EXPIRY    0x47 | until_ms u64 | ck | realm u32 | low u32 -> ()
//! BANS_OF          0x48 | realm u32 | low u32 | team u8 | lower(name) str -> ()
//! EMPTY_BY_USE     0x49 | last_used_ms u64 | ck         -> ()   (preserved custom, no members)
//! RIGHTS           0x4a | lower(name) str               -> Rights
//! CHANNEL_META     0x4f | "next_custom_id" str          -> u32
//! ```
//! A channel's realm is always its members' realm, so the per-character indexes only carry
//! team and name.
//!
//! Invariants ([`check_invariants`]): an owned custom channel with members has exactly one
//! owner, who is a member with OWNER (and MODERATOR) and nobody else has OWNER; a channel with
//! no members has no owner and is either a preserved custom channel in `EMPTY_BY_USE` or gone;
//! no member has a ban record (an expired ban is removed when its holder joins again); the
//! stats count equals the members; the join-order, moderator and per-character indexes match
//! the member records; every member is online on the gateway stored with it.
//!
//! Departures from AC, on purpose: set/unset moderator, set owner and password are owner-only
//! (ToCloud9's API answers NOT_OWNER; AC lets any moderator do the first and the last); GM
//! powers other than the speak-delay exemption are not modelled; the restricted LFG channel
//! check is not made (tavern knows no groups); invites are not filtered by the target's ignore
//! list. The speak delivery list does leave out the members who ignore the sender (AC filters
//! channel messages by the receiver's ignore list).

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{AccountId, ChannelId, CharacterId, GatewayId, RealmId, Team};
use crate::presence::Notify;
use crate::txn::Txn;

mod dispatch;
mod invariants;
mod membership;
mod model;
mod moderation;
mod query;
mod speak;
mod sweep;

pub use invariants::check_invariants;
pub(crate) use model::check_record;
pub use model::{
    built_in, channel_flags, member_flags, rights_flags, Ban, Channel, ChannelKey, Member, Rights,
    Stats, BANS_OF, BAN_BY_EXPIRY, CHANNEL, CHANNELS_OF, CHANNEL_META, CHANNEL_STATS, EMPTY_BY_USE,
    MEMBER, MEMBER_BY_SEQ, MODERATOR_BY_SEQ, RIGHTS,
};

/// Channels one character may be in at once (the client shows 10 numbered channels; the
/// built-in ones come on top).
pub const CHANNELS_PER_CHARACTER_MAX: usize = 20;
/// Hard bound on the members of one channel, above any `members_max` config; bounds scans.
pub const CHANNEL_MEMBERS_SCAN_MAX: usize = 100_000;
/// Bans one channel may hold (expired ones count until the sweep removes them).
pub const CHANNEL_BANS_MAX: usize = 1000;
/// Account ids in one rights moderator list.
pub const RIGHTS_MODERATORS_MAX: usize = 64;
/// Rights join and delay messages, in bytes (`channels_rights` text columns).
pub const RIGHTS_MESSAGE_BYTES_MAX: usize = 255;
/// Longest rights speak delay, in seconds.
pub const RIGHTS_SPEAK_DELAY_S_MAX: u32 = 86_400;
/// Bans of one character over all channels; bounds the delete cascade scan.
pub const BANS_PER_CHARACTER_SCAN_MAX: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConfig {
    /// `AllowTwoSide.Interaction.Channel`: both factions share every channel.
    pub allow_two_side_channel: bool,
    /// `PreserveCustomChannels`: custom channels outlive their last member.
    pub preserve_custom_channels: bool,
    /// `PreserveCustomChannelDuration`: an empty custom channel unused this long is deleted
    /// by [`ChannelCommand::Cleanup`] (ToCloud9: 720 h). 0 keeps them forever (AC).
    pub preserve_duration_ms: u64,
    /// `CHANNEL_BAN_DURATION` (AC: 60 days).
    pub ban_duration_ms: u64,
    /// A speak refreshes a custom channel's `last_used_ms` at most this often.
    pub last_used_touch_interval_ms: u64,
    /// AC's anti-spam delay for players in channels with at least `crowded_members_min`
    /// members and no rights speak delay (5 s). 0 turns it off.
    pub crowded_speak_delay_ms: u64,
    pub crowded_members_min: u32,
    /// Members one channel may have; clamped to [`CHANNEL_MEMBERS_SCAN_MAX`].
    pub members_max: u32,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        const HOUR_MS: u64 = 3_600_000;
        ChannelConfig {
            allow_two_side_channel: false,
            preserve_custom_channels: true,
            preserve_duration_ms: 720 * HOUR_MS,
            ban_duration_ms: 60 * 24 * HOUR_MS,
            last_used_touch_interval_ms: HOUR_MS,
            crowded_speak_delay_ms: 5_000,
            crowded_members_min: 10,
            members_max: 20_000,
        }
    }
}

impl ChannelConfig {
    /// Relations between the values (for `ClusterConfig::validate`).
    pub fn validate(&self) -> Result<(), Error> {
        if self.ban_duration_ms == 0 {
            return Err(Error::invalid(
                "config.channel.ban_duration_ms",
                "must be above 0 ms",
            ));
        }
        if self.members_max == 0 || self.members_max as usize > CHANNEL_MEMBERS_SCAN_MAX {
            return Err(Error::invalid(
                "config.channel.members_max",
                format!("must be in 1..={CHANNEL_MEMBERS_SCAN_MAX}"),
            ));
        }
        Ok(())
    }

    pub(crate) fn members_limit(&self) -> usize {
        (self.members_max as usize).clamp(1, CHANNEL_MEMBERS_SCAN_MAX)
    }
}

/// AC `ChatNotify` values (`Channel.h`) that tavern answers or emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelNotice {
    WrongPassword,
    NotMember,
    NotModerator,
    PasswordChanged,
    PlayerNotFound,
    NotOwner,
    ModeChange,
    AnnouncementsOn,
    AnnouncementsOff,
    ModerationOn,
    ModerationOff,
    Muted,
    PlayerKicked,
    Banned,
    PlayerBanned,
    PlayerUnbanned,
    PlayerNotBanned,
    PlayerAlreadyMember,
    Invite,
    InviteWrongFaction,
    WrongFaction,
    InvalidName,
    PlayerInvited,
    PlayerInviteBanned,
    Throttled,
}

impl ChannelNotice {
    pub fn code(self) -> u32 {
        match self {
            ChannelNotice::WrongPassword => 0x04,
            ChannelNotice::NotMember => 0x05,
            ChannelNotice::NotModerator => 0x06,
            ChannelNotice::PasswordChanged => 0x07,
            ChannelNotice::PlayerNotFound => 0x09,
            ChannelNotice::NotOwner => 0x0A,
            ChannelNotice::ModeChange => 0x0C,
            ChannelNotice::AnnouncementsOn => 0x0D,
            ChannelNotice::AnnouncementsOff => 0x0E,
            ChannelNotice::ModerationOn => 0x0F,
            ChannelNotice::ModerationOff => 0x10,
            ChannelNotice::Muted => 0x11,
            ChannelNotice::PlayerKicked => 0x12,
            ChannelNotice::Banned => 0x13,
            ChannelNotice::PlayerBanned => 0x14,
            ChannelNotice::PlayerUnbanned => 0x15,
            ChannelNotice::PlayerNotBanned => 0x16,
            ChannelNotice::PlayerAlreadyMember => 0x17,
            ChannelNotice::Invite => 0x18,
            ChannelNotice::InviteWrongFaction => 0x19,
            ChannelNotice::WrongFaction => 0x1A,
            ChannelNotice::InvalidName => 0x1B,
            ChannelNotice::PlayerInvited => 0x1D,
            ChannelNotice::PlayerInviteBanned => 0x1E,
            ChannelNotice::Throttled => 0x1F,
        }
    }
}

/// Every channel write. Commands that name a channel by `channel` (or `name`) mean the channel
/// of that name in the caller's realm and team (the shared neutral one with two-side channels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelCommand {
    /// Joins (creating a custom channel on first join). `channel_id` is 0 for custom channels
    /// or a built-in id (1, 2, 22, 23, 25, 26). The character must be online.
    Join {
        id: CharacterId,
        name: String,
        channel_id: u32,
        password: String,
    },
    /// Leaves; when `channel_id` is given it must be the channel's.
    Leave {
        id: CharacterId,
        name: String,
        channel_id: Option<u32>,
    },
    Kick {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    /// Bans (and removes) a member; a rights moderator may also ban an offline character of
    /// the same faction.
    Ban {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    /// The target is resolved among all characters, so ex-members can be unbanned.
    Unban {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    SetModerator {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    UnsetModerator {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    SetMute {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    UnsetMute {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    SetOwner {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    /// An empty password removes it.
    SetPassword {
        by: CharacterId,
        channel: String,
        password: String,
    },
    ToggleModeration {
        by: CharacterId,
        channel: String,
    },
    ToggleAnnouncements {
        by: CharacterId,
        channel: String,
    },
    /// Invites are not stored (AC neither): checks and emits [`ChannelEvent::Invited`].
    Invite {
        by: CharacterId,
        channel: String,
        target_name: String,
    },
    /// Sets the rights of every custom channel of that name (`channels_rights`), on all
    /// realms and teams. `moderators` are ACCOUNT ids.
    SetRights {
        name: String,
        flags: u32,
        speak_delay_s: u32,
        join_message: String,
        delay_message: String,
        moderators: Vec<AccountId>,
    },
    RemoveRights {
        name: String,
    },
    /// The speak check as a write: answers whom to deliver to, and records the speak time
    /// when a speak delay applies. The message itself never enters the log.
    Speak {
        id: CharacterId,
        channel: String,
    },
    /// Leader-driven: deletes empty custom channels unused for the preserve duration.
    Cleanup,
    /// Leader-driven: removes bans whose time is over.
    ExpireBans,
}

/// A channel as the gateway shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    pub key: ChannelKey,
    /// The name as first created (the key holds it lower-cased).
    pub name: String,
    /// Built-in DBC id, 0 for custom channels.
    pub channel_id: u32,
    /// The custom channel id from the counter, 0 for built-in channels.
    pub custom_id: ChannelId,
    pub flags: u8,
    pub members: u32,
    pub owner: Option<CharacterId>,
    pub has_password: bool,
    pub announce: bool,
    pub moderation: bool,
    pub last_used_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelResponse {
    /// `rejoin`: already in that built-in channel; nothing changed.
    Joined {
        channel: ChannelInfo,
        member_flags: u8,
        /// The rights join message, empty when none.
        join_message: String,
        rejoin: bool,
    },
    Moderation {
        enabled: bool,
    },
    Announcements {
        enabled: bool,
    },
    /// Whom a message goes to: every member (the sender too) with its gateway, by id.
    Deliver {
        to: Vec<Notify>,
    },
    CleanedUp {
        channels: u32,
        bans: u32,
    },
    BansExpired {
        bans: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveReason {
    Left,
    Kicked,
    Banned,
    /// Logout, kick by another login, or the gateway's lease lapsed.
    LoggedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteReason {
    /// The last member left a channel that is not preserved.
    Empty,
    /// An empty custom channel unused for the preserve duration.
    Unused,
}

/// What changed. Events name the channel by key so watchers filter by channel; none carries
/// a member list (hot channels have thousands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelEvent {
    Joined {
        channel: ChannelKey,
        channel_id: u32,
        id: CharacterId,
        name: String,
        gateway: GatewayId,
        flags: u8,
        /// Whether members are told (JOINED notice).
        announce: bool,
    },
    Left {
        channel: ChannelKey,
        channel_id: u32,
        id: CharacterId,
        name: String,
        gateway: GatewayId,
        reason: LeaveReason,
        announce: bool,
    },
    OwnerChanged {
        channel: ChannelKey,
        old: Option<CharacterId>,
        new: Option<CharacterId>,
    },
    /// A notice for every member: `target` is the character it is about, `by` who did it,
    /// `flags` the (old, new) member flags of a MODE_CHANGE.
    Notify {
        channel: ChannelKey,
        notice: ChannelNotice,
        target: Option<CharacterId>,
        by: Option<CharacterId>,
        flags: Option<(u8, u8)>,
    },
    /// INVITE for the target (at `gateway`) and PLAYER_INVITED for the inviter.
    Invited {
        channel: ChannelKey,
        channel_name: String,
        by: CharacterId,
        by_name: String,
        target: CharacterId,
        target_name: String,
        gateway: GatewayId,
    },
    ChannelDeleted {
        channel: ChannelKey,
        custom_id: ChannelId,
        reason: DeleteReason,
    },
}

/// One line of a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub id: CharacterId,
    pub name: String,
    pub flags: u8,
}

/// One channel a character is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub channel: ChannelKey,
    pub name: String,
    pub channel_id: u32,
    pub member_flags: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelQuery {
    /// `team` is the asker's team; it is read as neutral when two-side channels are on.
    Channel {
        realm: RealmId,
        team: Team,
        name: String,
    },
    /// The roster, in character id order.
    Members {
        realm: RealmId,
        team: Team,
        name: String,
    },
    ChannelsOf {
        id: CharacterId,
    },
    /// [`ChannelCommand::Speak`] without the write: the same refusals, the same answer.
    SpeakCheck {
        id: CharacterId,
        channel: String,
    },
    /// Bans still running at the query's time.
    Bans {
        realm: RealmId,
        team: Team,
        name: String,
    },
    Rights {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelQueryResponse {
    Channel(Option<ChannelInfo>),
    Members(Vec<MemberInfo>),
    ChannelsOf(Vec<Membership>),
    Deliver(Vec<Notify>),
    Bans(Vec<Ban>),
    Rights(Option<Rights>),
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &ChannelCommand) -> Result<Response, Error> {
    dispatch::apply(txn, cmd)
}

pub(crate) fn query(txn: &Txn<'_>, q: &ChannelQuery) -> Result<ChannelQueryResponse, Error> {
    query::query(txn, q)
}

/// The character logged out (or its gateway was lost): it leaves every channel, with owner
/// hand-off and events.
pub(crate) fn on_logout(txn: &mut Txn<'_>, id: CharacterId) -> Result<(), Error> {
    membership::leave_all(txn, id, LeaveReason::LoggedOut)
}

/// The character was deleted (it is offline, so it is in no channel): its bans go too.
pub(crate) fn on_character_deleted(txn: &mut Txn<'_>, c: &Character) -> Result<(), Error> {
    membership::leave_all(txn, c.id, LeaveReason::LoggedOut)?;
    sweep::delete_bans_of(txn, c.id)
}
