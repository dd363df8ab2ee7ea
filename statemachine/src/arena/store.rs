//! The arena records, their keys, and the small reads and writes every command shares.
//! The key layout is documented in the module header (`arena/mod.rs`).

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::error::Error;
use crate::ids::{CharacterId, RealmId, TeamId};
use crate::keys::{fold, Key, ARENA_BASE};
use crate::presence::Notify;
use crate::records::Problem;
use crate::txn::Txn;

use super::{ArenaResult, MatchOutcome};

pub(crate) const TEAM: u8 = ARENA_BASE;
pub(crate) const MEMBER: u8 = ARENA_BASE + 0x01;
pub(crate) const SLOT: u8 = ARENA_BASE + 0x02;
pub(crate) const NAME: u8 = ARENA_BASE + 0x03;
pub(crate) const INVITE: u8 = ARENA_BASE + 0x04;
pub(crate) const INVITE_BY_EXPIRY: u8 = ARENA_BASE + 0x05;
pub(crate) const INVITE_BY_TEAM: u8 = ARENA_BASE + 0x06;
pub(crate) const MMR: u8 = ARENA_BASE + 0x07;
pub(crate) const MATCH: u8 = ARENA_BASE + 0x08;
pub(crate) const MATCH_BY_TIME: u8 = ARENA_BASE + 0x09;
pub(crate) const NEXT_TEAM_ID: u8 = ARENA_BASE + 0x0a;
pub(crate) const RATING: u8 = ARENA_BASE + 0x0b;
pub(crate) const WEEK: u8 = ARENA_BASE + 0x0c;

/// Arena slots (`MAX_ARENA_SLOT`): 2v2, 3v3, 5v5.
pub const ARENA_SLOTS: u8 = 3;
/// The largest arena type (5v5), so the most participants one side of a match may have.
pub const ARENA_TYPE_MAX: u8 = 5;
/// Members one team may hold at most (2 × the largest type); bounds member scans.
pub const TEAM_MEMBERS_MAX: usize = 2 * ARENA_TYPE_MAX as usize;
/// Pending invites to one team that a disband reads at most. Invites expire, and only online
/// characters hold one, so a team never has anywhere near this many.
pub const TEAM_INVITES_MAX: usize = 100_000;
/// Teams of one type on one realm that a rank computation counts at most; a team below that
/// many better teams gets rank `RANK_COUNT_MAX + 1`.
pub const RANK_COUNT_MAX: usize = 100_000;

/// The slot (0, 1, 2) of an arena type (2, 3, 5), as AC's `GetSlotByType`.
pub fn slot_of_type(arena_type: u8) -> Option<u8> {
    match arena_type {
        2 => Some(0),
        3 => Some(1),
        5 => Some(2),
        _ => None,
    }
}

/// Team emblem, as the charter turn-in gives it (`arena_team` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Emblem {
    /// ARGB.
    pub background_color: u32,
    pub emblem_style: u8,
    /// ARGB.
    pub emblem_color: u32,
    pub border_style: u8,
    /// ARGB.
    pub border_color: u32,
}

/// One arena team (`arena_team`). The week counters are valid for `week` only: a team whose
/// `week` is behind its realm's week has played no game this week (see [`ArenaTeam::this_week`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaTeam {
    pub id: TeamId,
    pub realm: RealmId,
    pub name: String,
    pub captain: CharacterId,
    /// 2, 3 or 5.
    pub arena_type: u8,
    pub rating: u16,
    pub week: u32,
    pub week_games: u16,
    pub week_wins: u16,
    pub season_games: u16,
    pub season_wins: u16,
    /// 1 + the teams of this type with a higher rating, as of this team's last game (0 before).
    pub rank: u32,
    pub emblem: Emblem,
    pub created_ms: u64,
}

impl Record for ArenaTeam {
    const WHAT: &'static str = "arena team";
}

impl ArenaTeam {
    /// The slot of this team's type.
    pub fn slot(&self) -> u8 {
        slot_of_type(self.arena_type).unwrap_or(0)
    }

    /// Members it may hold (`type * 2`).
    pub fn capacity(&self) -> usize {
        2 * usize::from(self.arena_type)
    }

    /// The team as of realm week `week`: week counters reset if they belong to an older week.
    pub fn this_week(mut self, week: u32) -> Self {
        if self.week != week {
            self.week = week;
            self.week_games = 0;
            self.week_wins = 0;
        }
        self
    }
}

/// One member of a team (`arena_team_member`). Week counters as in [`ArenaTeam`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaMember {
    pub id: CharacterId,
    pub team_id: TeamId,
    pub week: u32,
    pub week_games: u16,
    pub week_wins: u16,
    pub season_games: u16,
    pub season_wins: u16,
    pub personal_rating: u16,
}

impl Record for ArenaMember {
    const WHAT: &'static str = "arena team member";
}

impl ArenaMember {
    pub fn this_week(mut self, week: u32) -> Self {
        if self.week != week {
            self.week = week;
            self.week_games = 0;
            self.week_wins = 0;
        }
        self
    }
}

/// A pending invite (AC's transient `m_ArenaTeamIdInvited`): one per character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaInvite {
    pub target: CharacterId,
    pub team_id: TeamId,
    pub inviter: CharacterId,
    pub expires_ms: u64,
}

impl Record for ArenaInvite {
    const WHAT: &'static str = "arena team invite";
}

/// A character's matchmaker rating in one slot (`character_arena_stats`); it outlives
/// membership, so a character who joins a new team of that type keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matchmaker {
    pub rating: u16,
    /// The highest rating reached; losses cannot take `rating` more than
    /// `config.arena.max_allowed_mmr_drop` below it.
    pub max_rating: u16,
}

impl Record for Matchmaker {
    const WHAT: &'static str = "arena matchmaker rating";
}

/// An applied match: what it changed, kept so a retry answers the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedMatch {
    pub applied_ms: u64,
    pub outcome: MatchOutcome,
}

impl Record for AppliedMatch {
    const WHAT: &'static str = "applied arena match";
}

pub(crate) fn team_key(realm: RealmId, team: TeamId) -> Vec<u8> {
    Key::new(TEAM).u32(realm).u32(team).build()
}

pub(crate) fn member_prefix(realm: RealmId, team: TeamId) -> Vec<u8> {
    Key::new(MEMBER).u32(realm).u32(team).build()
}

pub(crate) fn member_key(team: TeamId, id: CharacterId) -> Vec<u8> {
    Key::new(MEMBER).u32(id.realm).u32(team).u32(id.low).build()
}

pub(crate) fn slot_key(id: CharacterId, slot: u8) -> Vec<u8> {
    Key::new(SLOT).character(id).u8(slot).build()
}

pub(crate) fn name_key(realm: RealmId, name: &str) -> Vec<u8> {
    Key::new(NAME).u32(realm).str(&fold(name)).build()
}

pub(crate) fn invite_key(id: CharacterId) -> Vec<u8> {
    Key::new(INVITE).character(id).build()
}

pub(crate) fn invite_expiry_key(expires_ms: u64, id: CharacterId) -> Vec<u8> {
    Key::new(INVITE_BY_EXPIRY)
        .u64(expires_ms)
        .character(id)
        .build()
}

pub(crate) fn invite_team_prefix(realm: RealmId, team: TeamId) -> Vec<u8> {
    Key::new(INVITE_BY_TEAM).u32(realm).u32(team).build()
}

pub(crate) fn invite_team_key(team: TeamId, id: CharacterId) -> Vec<u8> {
    Key::new(INVITE_BY_TEAM)
        .u32(id.realm)
        .u32(team)
        .u32(id.low)
        .build()
}

pub(crate) fn mmr_key(id: CharacterId, slot: u8) -> Vec<u8> {
    Key::new(MMR).character(id).u8(slot).build()
}

pub(crate) fn match_key(realm: RealmId, match_id: u64) -> Vec<u8> {
    Key::new(MATCH).u32(realm).u64(match_id).build()
}

pub(crate) fn match_time_key(applied_ms: u64, realm: RealmId, match_id: u64) -> Vec<u8> {
    Key::new(MATCH_BY_TIME)
        .u64(applied_ms)
        .u32(realm)
        .u64(match_id)
        .build()
}

pub(crate) fn next_team_id_key(realm: RealmId) -> Vec<u8> {
    Key::new(NEXT_TEAM_ID).u32(realm).build()
}

pub(crate) fn rating_prefix(realm: RealmId, arena_type: u8) -> Vec<u8> {
    Key::new(RATING).u32(realm).u8(arena_type).build()
}

/// Higher ratings sort first: the rating is stored inverted.
pub(crate) fn rating_key(team: &ArenaTeam) -> Vec<u8> {
    Key::new(RATING)
        .u32(team.realm)
        .u8(team.arena_type)
        .u16(u16::MAX - team.rating)
        .u32(team.id)
        .build()
}

pub(crate) fn week_key(realm: RealmId) -> Vec<u8> {
    Key::new(WEEK).u32(realm).build()
}

/// The realm's current arena week (0 before the first `FinishWeek`).
pub(crate) fn current_week(txn: &Txn<'_>, realm: RealmId) -> Result<u32, Error> {
    Ok(txn.get::<u32>(&week_key(realm))?.unwrap_or(0))
}

/// The next team id the realm will hand out (ids start at 1 and are never reused).
pub(crate) fn next_team_id(txn: &Txn<'_>, realm: RealmId) -> Result<TeamId, Error> {
    Ok(txn.get::<u32>(&next_team_id_key(realm))?.unwrap_or(1))
}

/// The team as of the realm's current week.
pub(crate) fn get_team(
    txn: &Txn<'_>,
    realm: RealmId,
    team: TeamId,
) -> Result<Option<ArenaTeam>, Error> {
    let week = current_week(txn, realm)?;
    Ok(txn
        .get::<ArenaTeam>(&team_key(realm, team))?
        .map(|t| t.this_week(week)))
}

/// The team, or `ERR_ARENA_TEAM_NOT_FOUND`.
pub(crate) fn require_team(
    txn: &Txn<'_>,
    realm: RealmId,
    team: TeamId,
) -> Result<ArenaTeam, Error> {
    get_team(txn, realm, team)?.ok_or(Error::Arena(ArenaResult::NotFound))
}

/// The team's members in low-guid order, as of the realm's current week.
pub(crate) fn members(txn: &Txn<'_>, team: &ArenaTeam) -> Result<Vec<ArenaMember>, Error> {
    let week = current_week(txn, team.realm)?;
    Ok(txn
        .scan_records::<ArenaMember>(&member_prefix(team.realm, team.id), TEAM_MEMBERS_MAX)?
        .into_iter()
        .map(|(_, m)| m.this_week(week))
        .collect())
}

pub(crate) fn get_member(
    txn: &Txn<'_>,
    team: &ArenaTeam,
    id: CharacterId,
) -> Result<Option<ArenaMember>, Error> {
    if id.realm != team.realm {
        return Ok(None);
    }
    let week = current_week(txn, team.realm)?;
    Ok(txn
        .get::<ArenaMember>(&member_key(team.id, id))?
        .map(|m| m.this_week(week)))
}

/// The team the character holds in `slot`, if any.
pub(crate) fn team_in_slot(
    txn: &Txn<'_>,
    id: CharacterId,
    slot: u8,
) -> Result<Option<TeamId>, Error> {
    txn.get::<u32>(&slot_key(id, slot))
}

/// The character's pending invite, if it has not expired.
pub(crate) fn live_invite(txn: &Txn<'_>, id: CharacterId) -> Result<Option<ArenaInvite>, Error> {
    let now = txn.now_ms();
    Ok(txn
        .get::<ArenaInvite>(&invite_key(id))?
        .filter(|i| i.expires_ms > now))
}

pub(crate) fn put_invite(txn: &mut Txn<'_>, invite: &ArenaInvite) {
    txn.put(invite_key(invite.target), invite);
    txn.put(invite_expiry_key(invite.expires_ms, invite.target), &());
    txn.put(invite_team_key(invite.team_id, invite.target), &());
}

/// Removes the character's invite (expired or not) and its index entries; returns it.
pub(crate) fn delete_invite(
    txn: &mut Txn<'_>,
    id: CharacterId,
) -> Result<Option<ArenaInvite>, Error> {
    let Some(invite) = txn.get::<ArenaInvite>(&invite_key(id))? else {
        return Ok(None);
    };
    txn.delete(invite_key(id));
    txn.delete(invite_expiry_key(invite.expires_ms, id));
    txn.delete(invite_team_key(invite.team_id, id));
    Ok(Some(invite))
}

/// Writes the team, moving its rating index entry if the rating changed.
pub(crate) fn put_team(txn: &mut Txn<'_>, team: &ArenaTeam) -> Result<(), Error> {
    if let Some(old) = txn.get::<ArenaTeam>(&team_key(team.realm, team.id))? {
        txn.delete(rating_key(&old));
    }
    txn.put(team_key(team.realm, team.id), team);
    txn.put(rating_key(team), &());
    Ok(())
}

pub(crate) fn put_member(txn: &mut Txn<'_>, member: &ArenaMember) {
    txn.put(member_key(member.team_id, member.id), member);
}

/// Removes one member and its slot index entry (the team record is the caller's business).
pub(crate) fn delete_member(txn: &mut Txn<'_>, team: &ArenaTeam, id: CharacterId) {
    txn.delete(member_key(team.id, id));
    txn.delete(slot_key(id, team.slot()));
}

/// The character's matchmaker rating in `slot`, if it has one stored.
pub(crate) fn get_mmr(
    txn: &Txn<'_>,
    id: CharacterId,
    slot: u8,
) -> Result<Option<Matchmaker>, Error> {
    txn.get::<Matchmaker>(&mmr_key(id, slot))
}

/// The online characters among `ids`, with their gateways, in the order given.
pub(crate) fn online(txn: &Txn<'_>, ids: &[CharacterId]) -> Result<Vec<Notify>, Error> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(p) = crate::presence::get(txn, *id)? {
            out.push(Notify {
                id: *id,
                gateway: p.gateway,
            });
        }
    }
    Ok(out)
}

/// The online members of a team, with their gateways (AC's `BroadcastPacket` audience).
pub(crate) fn online_members(txn: &Txn<'_>, team: &ArenaTeam) -> Result<Vec<Notify>, Error> {
    let ids: Vec<CharacterId> = members(txn, team)?.iter().map(|m| m.id).collect();
    online(txn, &ids)
}

/// A character's name for an event (empty if the character is gone).
pub(crate) fn name_of(txn: &Txn<'_>, id: CharacterId) -> Result<String, Error> {
    Ok(crate::character::get(txn, id)?
        .map(|c| c.name)
        .unwrap_or_default())
}

/// The record check of the arena tables (see `crate::records`; the layouts are in `mod.rs`).
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        TEAM => record::<ArenaTeam>(key, &[("realm", U32), ("team", U32)], value),
        MEMBER => record::<ArenaMember>(key, &[("realm", U32), ("team", U32), ("low", U32)], value),
        SLOT => record::<u32>(key, &[("realm", U32), ("low", U32), ("slot", U8)], value),
        NAME => record::<u32>(key, &[("realm", U32), ("lower(name)", Str)], value),
        INVITE => record::<ArenaInvite>(key, &[("realm", U32), ("low", U32)], value),
        INVITE_BY_EXPIRY => record::<()>(
            key,
            &[("expires_ms", U64), ("realm", U32), ("low", U32)],
            value,
        ),
        INVITE_BY_TEAM => record::<()>(key, &[("realm", U32), ("team", U32), ("low", U32)], value),
        MMR => record::<Matchmaker>(key, &[("realm", U32), ("low", U32), ("slot", U8)], value),
        MATCH => record::<AppliedMatch>(key, &[("realm", U32), ("match_id", U64)], value),
        MATCH_BY_TIME => record::<()>(
            key,
            &[("applied_ms", U64), ("realm", U32), ("match_id", U64)],
            value,
        ),
        NEXT_TEAM_ID => record::<u32>(key, &[("realm", U32)], value),
        RATING => record::<()>(
            key,
            &[
                ("realm", U32),
                ("type", U8),
                ("65535 - rating", U16),
                ("team", U32),
            ],
            value,
        ),
        WEEK => record::<u32>(key, &[("realm", U32)], value),
        _ => return None,
    })
}

#[cfg(test)]
mod tables_test {
    use super::*;

    /// `keys::TABLES` names this module's tags as they are.
    #[test]
    fn the_table_of_tables_knows_the_arena_tags() {
        for (tag, name) in [
            (TEAM, "ARENA_TEAM"),
            (MEMBER, "ARENA_MEMBER"),
            (SLOT, "ARENA_SLOT"),
            (NAME, "ARENA_NAME"),
            (INVITE, "ARENA_INVITE"),
            (INVITE_BY_EXPIRY, "ARENA_INVITE_BY_EXPIRY"),
            (INVITE_BY_TEAM, "ARENA_INVITE_BY_TEAM"),
            (MMR, "ARENA_MMR"),
            (MATCH, "ARENA_MATCH"),
            (MATCH_BY_TIME, "ARENA_MATCH_BY_TIME"),
            (NEXT_TEAM_ID, "ARENA_NEXT_TEAM_ID"),
            (RATING, "ARENA_RATING"),
            (WEEK, "ARENA_WEEK"),
        ] {
            assert_eq!(crate::keys::table(tag).map(|t| t.0), Some(name));
        }
    }
}
