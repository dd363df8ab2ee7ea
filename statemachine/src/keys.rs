//! The key layout: every record of the state has one key, built here.
//!
//! A key is a one-byte table tag followed by fields: integers as fixed-width big-endian (so keys
//! sort by number), strings as a u16 big-endian length then the bytes (so no key is a prefix of
//! another by accident). Names used for lookups are lower-cased before they go into a key.
//!
//! One record per friend edge, channel member, mail and mail item: no list is ever rewritten as
//! one value. The tags are grouped by domain; every domain module builds its keys with
//! [`Key`] and one of these tags, and documents its layout at the top of its file.

use crate::ids::CharacterId;

/// Cluster config, id allocators, format version.
pub const META: u8 = 0x01;
/// Realms.
pub const REALM: u8 = 0x10;
/// Accounts, their username index, their account-level settings.
pub const ACCOUNT: u8 = 0x11;
pub const ACCOUNT_BY_USERNAME: u8 = 0x12;
/// Characters, their name index (per realm) and characters-of-account index.
pub const CHARACTER: u8 = 0x13;
pub const CHARACTER_BY_NAME: u8 = 0x14;
pub const CHARACTERS_OF_ACCOUNT: u8 = 0x15;
/// Presence: rows, per-gateway index, online character of an account, gateway leases.
pub const PRESENCE: u8 = 0x20;
pub const PRESENCE_BY_GATEWAY: u8 = 0x21;
pub const ONLINE_OF_ACCOUNT: u8 = 0x22;
pub const GATEWAY: u8 = 0x23;
pub const GATEWAY_BY_EXPIRY: u8 = 0x24;
/// Social: friend and ignore edges with their reverse indexes, account-level friends.
pub const FRIEND: u8 = 0x30;
pub const FRIEND_REVERSE: u8 = 0x31;
pub const IGNORE: u8 = 0x32;
pub const IGNORE_REVERSE: u8 = 0x33;
pub const ACCOUNT_FRIEND: u8 = 0x34;
/// Channels (tags 0x40..=0x4f are the channel module's).
pub const CHANNEL_BASE: u8 = 0x40;
/// Mail (tags 0x50..=0x5f are the mail module's).
pub const MAIL_BASE: u8 = 0x50;
/// Arena teams (tags 0x60..=0x6f are the arena module's).
pub const ARENA_BASE: u8 = 0x60;
/// Client sessions for exactly-once writes and their expiry index.
pub const SESSION: u8 = 0x70;
pub const SESSION_RESPONSE: u8 = 0x71;
pub const SESSION_BY_EXPIRY: u8 = 0x72;
/// Reserved for tavern-raft, which keeps the highest node id ever a member of the cluster here
/// (in the state, so it is in every snapshot and in the state digest). The state machine never
/// reads or writes a key with this tag.
pub const RAFT_RESERVED: u8 = 0xf0;

/// Every table of the state by its tag: its name, and for the tables that hold one record per
/// entity (not an index, counter or allocator), what that entity is called. `tavern snapshot
/// inspect` counts the entities of a snapshot with it, `verify` refuses a record of an unknown
/// tag. Kept in step with the tags above and the domain modules' own (channel `0x40..`, mail
/// `0x50..`, arena `0x60..`); ARCHITECTURE.md "Key layout" is the same table.
pub const TABLES: &[(u8, &str, Option<&str>)] = &[
    (META, "META", None),
    (REALM, "REALM", Some("realms")),
    (ACCOUNT, "ACCOUNT", Some("accounts")),
    (ACCOUNT_BY_USERNAME, "ACCOUNT_BY_USERNAME", None),
    (CHARACTER, "CHARACTER", Some("characters")),
    (CHARACTER_BY_NAME, "CHARACTER_BY_NAME", None),
    (CHARACTERS_OF_ACCOUNT, "CHARACTERS_OF_ACCOUNT", None),
    (PRESENCE, "PRESENCE", Some("characters online")),
    (PRESENCE_BY_GATEWAY, "PRESENCE_BY_GATEWAY", None),
    (ONLINE_OF_ACCOUNT, "ONLINE_OF_ACCOUNT", None),
    (GATEWAY, "GATEWAY", Some("gateways")),
    (GATEWAY_BY_EXPIRY, "GATEWAY_BY_EXPIRY", None),
    (FRIEND, "FRIEND", Some("friend edges")),
    (FRIEND_REVERSE, "FRIEND_REVERSE", None),
    (IGNORE, "IGNORE", Some("ignores")),
    (IGNORE_REVERSE, "IGNORE_REVERSE", None),
    (
        ACCOUNT_FRIEND,
        "ACCOUNT_FRIEND",
        Some("account friend edges (both sides)"),
    ),
    (CHANNEL_BASE, "CHANNEL", Some("channels")),
    (CHANNEL_BASE + 0x01, "CHANNEL_STATS", None),
    (CHANNEL_BASE + 0x02, "MEMBER", Some("channel members")),
    (CHANNEL_BASE + 0x03, "MEMBER_BY_SEQ", None),
    (CHANNEL_BASE + 0x04, "MODERATOR_BY_SEQ", None),
    (CHANNEL_BASE + 0x05, "CHANNELS_OF", None),
    (CHANNEL_BASE + 0x06, "BAN", Some("channel bans")),
    (CHANNEL_BASE + 0x07, "BAN_BY_EXPIRY", None),
    (CHANNEL_BASE + 0x08, "BANS_OF", None),
    (CHANNEL_BASE + 0x09, "EMPTY_BY_USE", None),
    (CHANNEL_BASE + 0x0a, "RIGHTS", Some("channel rights")),
    (CHANNEL_BASE + 0x0f, "CHANNEL_META", None),
    (MAIL_BASE, "MAIL", Some("mails")),
    (MAIL_BASE + 0x01, "MAIL_ITEM", Some("mail items")),
    (MAIL_BASE + 0x02, "MAIL_BY_RECEIVER", None),
    (MAIL_BASE + 0x03, "MAIL_BY_EXPIRY", None),
    (MAIL_BASE + 0x04, "MAIL_ITEM_BY_GUID", None),
    (MAIL_BASE + 0x05, "MAIL_NEXT_ID", None),
    (ARENA_BASE, "ARENA_TEAM", Some("arena teams")),
    (
        ARENA_BASE + 0x01,
        "ARENA_MEMBER",
        Some("arena team members"),
    ),
    (ARENA_BASE + 0x02, "ARENA_SLOT", None),
    (ARENA_BASE + 0x03, "ARENA_NAME", None),
    (ARENA_BASE + 0x04, "ARENA_INVITE", Some("arena invites")),
    (ARENA_BASE + 0x05, "ARENA_INVITE_BY_EXPIRY", None),
    (ARENA_BASE + 0x06, "ARENA_INVITE_BY_TEAM", None),
    (ARENA_BASE + 0x07, "ARENA_MMR", None),
    (ARENA_BASE + 0x08, "ARENA_MATCH", Some("arena matches")),
    (ARENA_BASE + 0x09, "ARENA_MATCH_BY_TIME", None),
    (ARENA_BASE + 0x0a, "ARENA_NEXT_TEAM_ID", None),
    (ARENA_BASE + 0x0b, "ARENA_RATING", None),
    (ARENA_BASE + 0x0c, "ARENA_WEEK", None),
    (SESSION, "SESSION", Some("client sessions")),
    (SESSION_RESPONSE, "SESSION_RESPONSE", None),
    (SESSION_BY_EXPIRY, "SESSION_BY_EXPIRY", None),
    (RAFT_RESERVED, "RAFT_RESERVED", None),
];

/// The table of `tag`: its name and its entity, if it has one.
pub fn table(tag: u8) -> Option<(&'static str, Option<&'static str>)> {
    TABLES
        .iter()
        .find(|(t, _, _)| *t == tag)
        .map(|(_, name, entity)| (*name, *entity))
}

/// A key under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new(tag: u8) -> Self {
        Key(vec![tag])
    }

    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }

    pub fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn character(self, c: CharacterId) -> Self {
        self.u32(c.realm).u32(c.low)
    }

    /// A length-prefixed string. Every string a write puts in a key is validated far below
    /// 64 KiB first; a longer one (only a read can bring it) is cut at 65535 bytes rather than
    /// panicking, and then simply finds nothing.
    pub fn str(mut self, s: &str) -> Self {
        let bytes = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// Raw bytes at the end of a key (no length prefix).
    pub fn tail(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.0
    }
}

/// Reads fields back out of a key, front to back.
#[derive(Debug)]
pub struct KeyReader<'a> {
    rest: &'a [u8],
}

impl<'a> KeyReader<'a> {
    /// Starts after the tag byte and `skip` further bytes of prefix.
    pub fn new(key: &'a [u8], skip: usize) -> Self {
        let start = (1 + skip).min(key.len());
        KeyReader {
            rest: &key[start..],
        }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        if self.rest.len() < N {
            return None;
        }
        let (head, rest) = self.rest.split_at(N);
        self.rest = rest;
        head.try_into().ok()
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.take::<2>().map(u16::from_be_bytes)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_be_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.take::<8>().map(u64::from_be_bytes)
    }

    pub fn character(&mut self) -> Option<CharacterId> {
        Some(CharacterId {
            realm: self.u32()?,
            low: self.u32()?,
        })
    }

    pub fn str(&mut self) -> Option<String> {
        let len = usize::from(self.u16()?);
        if self.rest.len() < len {
            return None;
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

/// Lower-cases a name for a lookup key (names match case-insensitively, DOMAIN.md 1.1).
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_back_and_oversized_ones_do_not_panic() {
        let key = Key::new(0x42).str("Dalaran").u32(7).build();
        let mut r = KeyReader::new(&key, 0);
        assert_eq!((r.str().as_deref(), r.u32()), (Some("Dalaran"), Some(7)));
        let huge = "x".repeat(70_000);
        let key = Key::new(0x42).str(&huge).build();
        assert_eq!(key.len(), 1 + 2 + 65_535);
        assert_eq!(KeyReader::new(&key, 0).str().map(|s| s.len()), Some(65_535));
        // A truncated read of a key is None, not a panic.
        assert_eq!(KeyReader::new(&key[..10], 0).str(), None);
        assert_eq!(KeyReader::new(&[0x42, 1], 0).u32(), None);
    }
}
