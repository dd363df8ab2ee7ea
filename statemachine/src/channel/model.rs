//! The channel records, their keys, and the small lookups every command shares.

use serde::{Deserialize, Serialize};

use super::ChannelNotice;
use crate::codec::Record;
use crate::error::Error;
use crate::ids::{AccountId, ChannelId, CharacterId, GatewayId, RealmId, Team};
use crate::keys::{fold, Key, KeyReader, CHANNEL_BASE};
use crate::limits::{check_bytes, CHANNEL_NAME_BYTES_MAX};
use crate::records::Problem;
use crate::txn::Txn;

pub const CHANNEL: u8 = CHANNEL_BASE;
pub const CHANNEL_STATS: u8 = CHANNEL_BASE + 0x01;
pub const MEMBER: u8 = CHANNEL_BASE + 0x02;
pub const MEMBER_BY_SEQ: u8 = CHANNEL_BASE + 0x03;
pub const MODERATOR_BY_SEQ: u8 = CHANNEL_BASE + 0x04;
pub const CHANNELS_OF: u8 = CHANNEL_BASE + 0x05;
pub const BAN: u8 = CHANNEL_BASE + 0x06;
pub const BAN_BY_EXPIRY: u8 = CHANNEL_BASE + 0x07;
pub const BANS_OF: u8 = CHANNEL_BASE + 0x08;
pub const EMPTY_BY_USE: u8 = CHANNEL_BASE + 0x09;
pub const RIGHTS: u8 = CHANNEL_BASE + 0x0a;
pub const CHANNEL_META: u8 = CHANNEL_BASE + 0x0f;

/// Channel flags (AC `ChannelFlags`).
pub mod channel_flags {
    pub const CUSTOM: u8 = 0x01;
    pub const TRADE: u8 = 0x04;
    pub const NOT_LFG: u8 = 0x08;
    pub const GENERAL: u8 = 0x10;
    pub const CITY: u8 = 0x20;
    pub const LFG: u8 = 0x40;
}

/// Member flags (AC `ChannelMemberFlags`).
pub mod member_flags {
    pub const OWNER: u8 = 0x01;
    pub const MODERATOR: u8 = 0x02;
    pub const VOICED: u8 = 0x04;
    pub const MUTED: u8 = 0x08;
    pub const CUSTOM: u8 = 0x10;
}

/// Rights flags (AC `eChannelRights`).
pub mod rights_flags {
    pub const FORCE_NO_ANNOUNCEMENTS: u32 = 0x001;
    pub const FORCE_ANNOUNCEMENTS: u32 = 0x002;
    pub const NO_OWNERSHIP: u32 = 0x004;
    pub const CANT_SPEAK: u32 = 0x008;
    pub const CANT_BAN: u32 = 0x010;
    pub const CANT_KICK: u32 = 0x020;
    pub const CANT_MUTE: u32 = 0x040;
    pub const CANT_CHANGE_PASSWORD: u32 = 0x080;
    pub const DONT_PRESERVE: u32 = 0x100;
    pub const ALL: u32 = 0x1ff;
}

/// The channel flags of a built-in channel id, as AC's `Channel` constructor derives them from
/// `ChatChannels.dbc` (GENERAL always; TRADE, CITY, LFG or else NOT_LFG), or `None` when the id
/// is not a built-in channel tavern knows.
pub fn built_in(channel_id: u32) -> Option<u8> {
    use channel_flags::*;
    match channel_id {
        1 => Some(GENERAL | NOT_LFG),                // General
        2 => Some(GENERAL | TRADE | CITY | NOT_LFG), // Trade
        22 => Some(GENERAL | NOT_LFG),               // LocalDefense
        23 => Some(GENERAL | NOT_LFG),               // WorldDefense
        25 => Some(GENERAL | CITY | NOT_LFG),        // GuildRecruitment
        26 => Some(GENERAL | LFG),                   // LookingForGroup
        _ => None,
    }
}

/// Names one channel: realm, team (neutral for two-side channels) and the lower-cased name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChannelKey {
    pub realm: RealmId,
    pub team: Team,
    pub name: String,
}

impl ChannelKey {
    /// The key of `name` for a character of `team` (neutral when two-side channels are on).
    pub fn new(realm: RealmId, team: Team, name: &str, two_side: bool) -> Self {
        ChannelKey {
            realm,
            team: if two_side { Team::Neutral } else { team },
            name: fold(name),
        }
    }

    fn under(&self, tag: u8) -> Key {
        Key::new(tag)
            .u32(self.realm)
            .u8(self.team as u8)
            .str(&self.name)
    }

    pub(crate) fn channel(&self) -> Vec<u8> {
        self.under(CHANNEL).build()
    }

    pub(crate) fn stats(&self) -> Vec<u8> {
        self.under(CHANNEL_STATS).build()
    }

    pub(crate) fn members(&self) -> Vec<u8> {
        self.under(MEMBER).build()
    }

    pub(crate) fn member(&self, id: CharacterId) -> Vec<u8> {
        self.under(MEMBER).character(id).build()
    }

    pub(crate) fn by_seq_prefix(&self) -> Vec<u8> {
        self.under(MEMBER_BY_SEQ).build()
    }

    pub(crate) fn by_seq(&self, seq: u64) -> Vec<u8> {
        self.under(MEMBER_BY_SEQ).u64(seq).build()
    }

    pub(crate) fn moderators_prefix(&self) -> Vec<u8> {
        self.under(MODERATOR_BY_SEQ).build()
    }

    pub(crate) fn moderator(&self, seq: u64) -> Vec<u8> {
        self.under(MODERATOR_BY_SEQ).u64(seq).build()
    }

    pub(crate) fn bans(&self) -> Vec<u8> {
        self.under(BAN).build()
    }

    pub(crate) fn ban(&self, id: CharacterId) -> Vec<u8> {
        self.under(BAN).character(id).build()
    }

    pub(crate) fn ban_expiry(&self, until_ms: u64, id: CharacterId) -> Vec<u8> {
        Key::new(BAN_BY_EXPIRY)
            .u64(until_ms)
            .u32(self.realm)
            .u8(self.team as u8)
            .str(&self.name)
            .character(id)
            .build()
    }

    pub(crate) fn channel_of(&self, id: CharacterId) -> Vec<u8> {
        of_key(CHANNELS_OF, id, self)
    }

    pub(crate) fn ban_of(&self, id: CharacterId) -> Vec<u8> {
        of_key(BANS_OF, id, self)
    }

    pub(crate) fn empty(&self, last_used_ms: u64) -> Vec<u8> {
        Key::new(EMPTY_BY_USE)
            .u64(last_used_ms)
            .u32(self.realm)
            .u8(self.team as u8)
            .str(&self.name)
            .build()
    }

    /// Reads `realm | team | name` at the reader's position.
    pub(crate) fn read(r: &mut KeyReader<'_>) -> Option<ChannelKey> {
        let realm = r.u32()?;
        let team = Team::from_u32(u32::from(r.u8()?))?;
        let name = r.str()?;
        Some(ChannelKey { realm, team, name })
    }
}

fn of_key(tag: u8, id: CharacterId, key: &ChannelKey) -> Vec<u8> {
    Key::new(tag)
        .character(id)
        .u8(key.team as u8)
        .str(&key.name)
        .build()
}

/// The prefix of a character's `CHANNELS_OF` or `BANS_OF` entries.
pub(crate) fn of_prefix(tag: u8, id: CharacterId) -> Vec<u8> {
    Key::new(tag).character(id).build()
}

/// The channel key of a `CHANNELS_OF` / `BANS_OF` entry (the realm is the character's).
pub(crate) fn read_of_key(k: &[u8]) -> Result<ChannelKey, Error> {
    let mut r = KeyReader::new(k, 0);
    let parsed = (|| {
        let id = r.character()?;
        let team = Team::from_u32(u32::from(r.u8()?))?;
        let name = r.str()?;
        Some(ChannelKey {
            realm: id.realm,
            team,
            name,
        })
    })();
    parsed.ok_or_else(|| Error::Corrupt(format!("channel index key {k:02x?}")))
}

pub(crate) fn rights_key(name: &str) -> Vec<u8> {
    Key::new(RIGHTS).str(&fold(name)).build()
}

pub(crate) fn next_custom_id_key() -> Vec<u8> {
    Key::new(CHANNEL_META).str("next_custom_id").build()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub key: ChannelKey,
    /// The name as first created.
    pub name: String,
    /// Built-in DBC id, 0 for custom channels.
    pub channel_id: u32,
    /// From the custom id counter; 0 for built-in channels.
    pub custom_id: ChannelId,
    pub flags: u8,
    /// Announcements as toggled (rights FORCE_* override it, see [`Channel::announces`]).
    pub announce: bool,
    /// Whether the channel hands out ownership (custom channels without NO_OWNERSHIP at
    /// creation).
    pub ownership: bool,
    pub moderation: bool,
    pub password: String,
    pub owner: Option<CharacterId>,
    pub created_ms: u64,
    pub last_used_ms: u64,
}

impl Record for Channel {
    const WHAT: &'static str = "channel";
}

impl Channel {
    pub fn is_custom(&self) -> bool {
        self.channel_id == 0
    }

    /// Whether join and leave are announced, with the rights' FORCE_* flags applied.
    pub fn announces(&self, rights: Option<&Rights>) -> bool {
        let flags = rights.map_or(0, |r| r.flags);
        if flags & rights_flags::FORCE_NO_ANNOUNCEMENTS != 0 {
            false
        } else if flags & rights_flags::FORCE_ANNOUNCEMENTS != 0 {
            true
        } else {
            self.announce
        }
    }
}

/// The member counter and the join-order sequence of a channel, apart from the channel record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Stats {
    pub members: u32,
    pub next_seq: u64,
}

impl Record for Stats {
    const WHAT: &'static str = "channel stats";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: CharacterId,
    pub name: String,
    pub account: AccountId,
    /// The gateway of the character's presence (fixed while it is a member: a relog through
    /// another gateway logs it out of every channel first).
    pub gateway: GatewayId,
    pub flags: u8,
    /// Join order in the channel; the earliest joiner takes over an orphaned ownership.
    pub seq: u64,
    pub joined_ms: u64,
    /// Set only when a speak delay applied to the last message.
    pub last_speak_ms: Option<u64>,
}

impl Record for Member {
    const WHAT: &'static str = "channel member";
}

impl Member {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    pub id: CharacterId,
    pub by: CharacterId,
    pub banned_ms: u64,
    pub until_ms: u64,
}

impl Record for Ban {
    const WHAT: &'static str = "channel ban";
}

/// `channels_rights`: per channel name, for custom channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub name: String,
    pub flags: u32,
    pub speak_delay_s: u32,
    pub join_message: String,
    pub delay_message: String,
    /// ACCOUNT ids (AC semantics), sorted, without duplicates.
    pub moderators: Vec<AccountId>,
}

impl Record for Rights {
    const WHAT: &'static str = "channel rights";
}

impl Rights {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub fn is_moderator(&self, account: AccountId) -> bool {
        self.moderators.binary_search(&account).is_ok()
    }
}

/// A refusal with AC's notice code.
pub(crate) fn fail(n: ChannelNotice) -> Error {
    Error::Channel(n)
}

/// Checks a channel name the way AC's join handler does: empty or a leading digit is
/// INVALID_NAME; then the byte limit.
pub(crate) fn check_join_name(field: &str, name: &str) -> Result<(), Error> {
    if name.is_empty() || name.starts_with(|ch: char| ch.is_ascii_digit()) {
        return Err(fail(ChannelNotice::InvalidName));
    }
    check_bytes(field, name, CHANNEL_NAME_BYTES_MAX)
}

/// A name that names an existing channel or none: only the byte limit is an error.
pub(crate) fn check_name(field: &str, name: &str) -> Result<(), Error> {
    check_bytes(field, name, CHANNEL_NAME_BYTES_MAX)
}

pub(crate) fn get_channel(txn: &Txn<'_>, key: &ChannelKey) -> Result<Option<Channel>, Error> {
    txn.get::<Channel>(&key.channel())
}

pub(crate) fn get_stats(txn: &Txn<'_>, key: &ChannelKey) -> Result<Stats, Error> {
    txn.get::<Stats>(&key.stats())?
        .ok_or_else(|| Error::Corrupt(format!("channel {key:?} has no stats record")))
}

pub(crate) fn get_member(
    txn: &Txn<'_>,
    key: &ChannelKey,
    id: CharacterId,
) -> Result<Option<Member>, Error> {
    txn.get::<Member>(&key.member(id))
}

/// The rights of a custom channel (built-in channels have none).
pub(crate) fn rights_of(txn: &Txn<'_>, ch: &Channel) -> Result<Option<Rights>, Error> {
    if !ch.is_custom() {
        return Ok(None);
    }
    txn.get::<Rights>(&rights_key(&ch.key.name))
}

/// The ban record of `id` when it still runs at the entry's time.
pub(crate) fn active_ban(
    txn: &Txn<'_>,
    key: &ChannelKey,
    id: CharacterId,
) -> Result<Option<Ban>, Error> {
    Ok(txn
        .get::<Ban>(&key.ban(id))?
        .filter(|b| b.until_ms > txn.now_ms()))
}

/// Deletes a ban record and its two indexes.
pub(crate) fn delete_ban(txn: &mut Txn<'_>, key: &ChannelKey, ban: &Ban) {
    txn.delete(key.ban(ban.id));
    txn.delete(key.ban_expiry(ban.until_ms, ban.id));
    txn.delete(key.ban_of(ban.id));
}

/// Every member of a channel, in character id order.
pub(crate) fn members(txn: &Txn<'_>, key: &ChannelKey) -> Result<Vec<Member>, Error> {
    Ok(txn
        .scan_records::<Member>(&key.members(), super::CHANNEL_MEMBERS_SCAN_MAX)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

/// The record check of the channel tables (see `crate::records`; the layouts are in the module
/// header, `ck` = `realm u32 | team u8 | lower(name) str`).
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field, Field::*, Layout};
    const CK: &Layout = &[("realm", U32), ("team", Field::Team), ("lower(name)", Str)];
    const CK_CHAR: &Layout = &[
        ("realm", U32),
        ("team", Field::Team),
        ("lower(name)", Str),
        ("char realm", U32),
        ("char low", U32),
    ];
    const CK_SEQ: &Layout = &[
        ("realm", U32),
        ("team", Field::Team),
        ("lower(name)", Str),
        ("seq", U64),
    ];
    const OF: &Layout = &[
        ("realm", U32),
        ("low", U32),
        ("team", Field::Team),
        ("lower(name)", Str),
    ];
    Some(match tag {
        CHANNEL => record::<Channel>(key, CK, value),
        CHANNEL_STATS => record::<Stats>(key, CK, value),
        MEMBER => record::<Member>(key, CK_CHAR, value),
        MEMBER_BY_SEQ | MODERATOR_BY_SEQ => record::<CharacterId>(key, CK_SEQ, value),
        CHANNELS_OF | BANS_OF => record::<()>(key, OF, value),
        BAN => record::<Ban>(key, CK_CHAR, value),
        BAN_BY_EXPIRY => record::<()>(
            key,
            &[
                ("until_ms", U64),
                ("realm", U32),
                ("team", Field::Team),
                ("lower(name)", Str),
                ("char realm", U32),
                ("char low", U32),
            ],
            value,
        ),
        EMPTY_BY_USE => record::<()>(
            key,
            &[
                ("last_used_ms", U64),
                ("realm", U32),
                ("team", Field::Team),
                ("lower(name)", Str),
            ],
            value,
        ),
        RIGHTS => record::<Rights>(key, &[("lower(name)", Str)], value),
        CHANNEL_META => record::<u32>(key, &[("name", Is("next_custom_id"))], value),
        _ => return None,
    })
}

#[cfg(test)]
mod tables_test {
    use super::*;

    /// `keys::TABLES` names this module's tags as they are.
    #[test]
    fn the_table_of_tables_knows_the_channel_tags() {
        for (tag, name) in [
            (CHANNEL, "CHANNEL"),
            (CHANNEL_STATS, "CHANNEL_STATS"),
            (MEMBER, "MEMBER"),
            (MEMBER_BY_SEQ, "MEMBER_BY_SEQ"),
            (MODERATOR_BY_SEQ, "MODERATOR_BY_SEQ"),
            (CHANNELS_OF, "CHANNELS_OF"),
            (BAN, "BAN"),
            (BAN_BY_EXPIRY, "BAN_BY_EXPIRY"),
            (BANS_OF, "BANS_OF"),
            (EMPTY_BY_USE, "EMPTY_BY_USE"),
            (RIGHTS, "RIGHTS"),
            (CHANNEL_META, "CHANNEL_META"),
        ] {
            assert_eq!(crate::keys::table(tag).map(|t| t.0), Some(name));
        }
    }
}
