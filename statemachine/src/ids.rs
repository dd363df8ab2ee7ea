//! Identifiers. Every character-scoped record is keyed by `(realm, low guid)`, never by the raw
//! 64-bit wire GUID alone, so the same low GUID on two realms cannot collide (DOMAIN.md 1.1).

use serde::{Deserialize, Serialize};
use std::fmt;

/// `realmlist.id`. Realm 0 is reserved for cross-realm game servers.
pub type RealmId = u32;
/// `auth.account.id`.
pub type AccountId = u32;
/// A mail id, allocated per realm by the state machine (see `mail`).
pub type MailId = u32;
/// An arena team id, allocated per realm by the state machine.
pub type TeamId = u32;
/// A custom channel id, allocated cluster-wide by the state machine.
pub type ChannelId = u32;
/// Identifies one client session for exactly-once writes.
pub type ClientId = u64;

/// A realm-qualified character: the only way characters are named inside tavern.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct CharacterId {
    pub realm: RealmId,
    /// The per-realm 32-bit counter (`characters.guid`).
    pub low: u32,
}

impl CharacterId {
    pub const fn new(realm: RealmId, low: u32) -> Self {
        Self { realm, low }
    }
}

impl fmt::Display for CharacterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.realm, self.low)
    }
}

/// A gateway (or game server) id: the decimal FNV-32a string ToCloud9 uses.
/// Bounded by [`crate::limits::GATEWAY_ID_BYTES_MAX`].
pub type GatewayId = String;

/// The request id that makes a write exactly-once (DESIGN.md "Exactly once").
///
/// `seq` numbers a client's writes; `ack_below` tells the state machine that the client has the
/// responses of every `seq < ack_below`, so it may forget them. A client with several writes in
/// flight keeps `ack_below` at its oldest unanswered `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestId {
    pub client: ClientId,
    pub seq: u64,
    pub ack_below: u64,
}

/// Faction, as AzerothCore's `TeamId`: alliance 0, horde 1, neutral 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Team {
    Alliance = 0,
    Horde = 1,
    Neutral = 2,
}

impl Team {
    /// The faction of a playable race (`shared/wow/race.go`, AC `Player::TeamIdForRace`).
    pub fn of_race(race: u8) -> Option<Team> {
        match race {
            1 | 3 | 4 | 7 | 11 => Some(Team::Alliance),
            2 | 5 | 6 | 8 | 10 => Some(Team::Horde),
            _ => None,
        }
    }

    pub fn from_u32(v: u32) -> Option<Team> {
        match v {
            0 => Some(Team::Alliance),
            1 => Some(Team::Horde),
            2 => Some(Team::Neutral),
            _ => None,
        }
    }
}
