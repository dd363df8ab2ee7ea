//! [`check_invariants`]: reads the whole arena state and says what is inconsistent.
//! Used by the property tests after every step; it scans everything, so it is not for apply.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::ids::{CharacterId, RealmId, TeamId};
use crate::keys::{fold, Key, KeyReader};
use crate::txn::Txn;
use crate::view::View;

use super::store::{
    self, invite_expiry_key, invite_team_key, match_time_key, member_key, name_key, rating_key,
    slot_key, slot_of_type, team_key, AppliedMatch, ArenaInvite, ArenaMember, ArenaTeam,
    Matchmaker, ARENA_SLOTS,
};

/// Records of one kind the checker reads at most.
const CHECK_RECORDS_MAX: usize = 10_000_000;

fn all<T: crate::codec::Record>(txn: &Txn<'_>, tag: u8) -> Result<Vec<(Vec<u8>, T)>, String> {
    txn.scan_records::<T>(&Key::new(tag).build(), CHECK_RECORDS_MAX)
        .map_err(|e| e.to_string())
}

fn keys(txn: &Txn<'_>, tag: u8) -> Result<Vec<Vec<u8>>, String> {
    Ok(txn
        .scan_all(&Key::new(tag).build(), CHECK_RECORDS_MAX)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(k, _)| k)
        .collect())
}

fn e(err: Error) -> String {
    err.to_string()
}

/// Checks every arena invariant listed in the module header.
pub fn check_invariants(view: &dyn View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(e)?;
    let teams = check_teams(&txn)?;
    check_members(&txn, &teams)?;
    check_indexes(&txn, &teams)?;
    check_invites(&txn, &teams)?;
    check_matchmakers_and_matches(&txn)
}

fn check_teams(txn: &Txn<'_>) -> Result<BTreeMap<(RealmId, TeamId), ArenaTeam>, String> {
    let mut teams = BTreeMap::new();
    for (k, t) in all::<ArenaTeam>(txn, store::TEAM)? {
        if k != team_key(t.realm, t.id) {
            return Err(format!("team {} stored under key {k:02x?}", t.id));
        }
        if slot_of_type(t.arena_type).is_none() {
            return Err(format!("team {} has type {}", t.id, t.arena_type));
        }
        let next = store::next_team_id(txn, t.realm).map_err(e)?;
        if t.id == 0 || t.id >= next {
            return Err(format!(
                "team {} of realm {} is not below the allocator {next}",
                t.id, t.realm
            ));
        }
        let week = store::current_week(txn, t.realm).map_err(e)?;
        if t.week > week {
            return Err(format!(
                "team {} has week {} > realm week {week}",
                t.id, t.week
            ));
        }
        if t.captain.realm != t.realm {
            return Err(format!("team {} has a captain of another realm", t.id));
        }
        teams.insert((t.realm, t.id), t);
    }
    Ok(teams)
}

fn check_members(
    txn: &Txn<'_>,
    teams: &BTreeMap<(RealmId, TeamId), ArenaTeam>,
) -> Result<(), String> {
    let mut of_team: BTreeMap<(RealmId, TeamId), Vec<CharacterId>> = BTreeMap::new();
    for (k, m) in all::<ArenaMember>(txn, store::MEMBER)? {
        if k != member_key(m.team_id, m.id) {
            return Err(format!("member {} stored under key {k:02x?}", m.id));
        }
        let Some(team) = teams.get(&(m.id.realm, m.team_id)) else {
            return Err(format!("member {} of missing team {}", m.id, m.team_id));
        };
        if crate::character::get(txn, m.id).map_err(e)?.is_none() {
            return Err(format!(
                "member {} of team {} is no character",
                m.id, m.team_id
            ));
        }
        let slot = txn.get::<u32>(&slot_key(m.id, team.slot())).map_err(e)?;
        if slot != Some(team.id) {
            return Err(format!(
                "member {} of team {} has slot index {slot:?}",
                m.id, team.id
            ));
        }
        if !txn.exists(&store::mmr_key(m.id, team.slot())).map_err(e)? {
            return Err(format!("member {} has no matchmaker rating", m.id));
        }
        if m.week > store::current_week(txn, m.id.realm).map_err(e)? {
            return Err(format!("member {} has a future week", m.id));
        }
        of_team
            .entry((m.id.realm, m.team_id))
            .or_default()
            .push(m.id);
    }
    for (key, team) in teams {
        let members = of_team.get(key).map(Vec::as_slice).unwrap_or(&[]);
        if members.is_empty() {
            return Err(format!("team {} has no members", team.id));
        }
        if members.len() > team.capacity() {
            return Err(format!(
                "team {} ({}v{}) has {} members",
                team.id,
                team.arena_type,
                team.arena_type,
                members.len()
            ));
        }
        if !members.contains(&team.captain) {
            return Err(format!(
                "team {} captain {} is not a member",
                team.id, team.captain
            ));
        }
    }
    Ok(())
}

fn check_indexes(
    txn: &Txn<'_>,
    teams: &BTreeMap<(RealmId, TeamId), ArenaTeam>,
) -> Result<(), String> {
    // Slot index: every entry is a membership in a team of that slot.
    for (k, v) in txn
        .scan_all(&Key::new(store::SLOT).build(), CHECK_RECORDS_MAX)
        .map_err(e)?
    {
        let mut r = KeyReader::new(&k, 0);
        let (Some(id), Some(slot)) = (r.character(), r.u8()) else {
            return Err(format!("slot key {k:02x?}"));
        };
        let team_id: u32 = crate::codec::Record::decode(&v).map_err(|x| x.to_string())?;
        let Some(team) = teams.get(&(id.realm, team_id)) else {
            return Err(format!("slot index of {id} names missing team {team_id}"));
        };
        if slot >= ARENA_SLOTS || team.slot() != slot {
            return Err(format!(
                "slot index of {id}: slot {slot} for team {team_id}"
            ));
        }
        if !txn.exists(&member_key(team_id, id)).map_err(e)? {
            return Err(format!(
                "slot index of {id} names team {team_id} it is not in"
            ));
        }
    }
    // Name index: one entry per team, and nothing else.
    let names = keys(txn, store::NAME)?;
    if names.len() != teams.len() {
        return Err(format!("{} names for {} teams", names.len(), teams.len()));
    }
    for team in teams.values() {
        let v = txn
            .get::<u32>(&name_key(team.realm, &team.name))
            .map_err(e)?;
        if v != Some(team.id) {
            return Err(format!("name index of team {} gives {v:?}", team.id));
        }
        if fold(&team.name).is_empty() {
            return Err(format!("team {} has an empty name", team.id));
        }
    }
    // Rating index: one entry per team, with its current rating.
    let ratings = keys(txn, store::RATING)?;
    if ratings.len() != teams.len() {
        return Err(format!(
            "{} rating entries for {} teams",
            ratings.len(),
            teams.len()
        ));
    }
    for team in teams.values() {
        if !txn.exists(&rating_key(team)).map_err(e)? {
            return Err(format!("team {} is missing from the rating index", team.id));
        }
    }
    Ok(())
}

fn check_invites(
    txn: &Txn<'_>,
    teams: &BTreeMap<(RealmId, TeamId), ArenaTeam>,
) -> Result<(), String> {
    let invites = all::<ArenaInvite>(txn, store::INVITE)?;
    for (k, i) in &invites {
        if *k != store::invite_key(i.target) {
            return Err(format!("invite of {} under key {k:02x?}", i.target));
        }
        if !teams.contains_key(&(i.target.realm, i.team_id)) {
            return Err(format!(
                "invite of {} to missing team {}",
                i.target, i.team_id
            ));
        }
        if crate::presence::get(txn, i.target).map_err(e)?.is_none() {
            return Err(format!("invite of offline character {}", i.target));
        }
        if !txn
            .exists(&invite_expiry_key(i.expires_ms, i.target))
            .map_err(e)?
            || !txn
                .exists(&invite_team_key(i.team_id, i.target))
                .map_err(e)?
        {
            return Err(format!("invite of {} lacks an index entry", i.target));
        }
    }
    for tag in [store::INVITE_BY_EXPIRY, store::INVITE_BY_TEAM] {
        let n = keys(txn, tag)?.len();
        if n != invites.len() {
            return Err(format!(
                "{n} invite index entries (tag {tag:#04x}) for {} invites",
                invites.len()
            ));
        }
    }
    Ok(())
}

fn check_matchmakers_and_matches(txn: &Txn<'_>) -> Result<(), String> {
    for (k, m) in all::<Matchmaker>(txn, store::MMR)? {
        let mut r = KeyReader::new(&k, 0);
        let (Some(id), Some(slot)) = (r.character(), r.u8()) else {
            return Err(format!("matchmaker key {k:02x?}"));
        };
        if slot >= ARENA_SLOTS {
            return Err(format!("matchmaker rating of {id} in slot {slot}"));
        }
        if crate::character::get(txn, id).map_err(e)?.is_none() {
            return Err(format!("matchmaker rating of missing character {id}"));
        }
        if m.rating > m.max_rating {
            return Err(format!("matchmaker rating of {id} above its maximum"));
        }
    }
    let matches = all::<AppliedMatch>(txn, store::MATCH)?;
    for (_, m) in &matches {
        let key = match_time_key(m.applied_ms, m.outcome.realm, m.outcome.match_id);
        if !txn.exists(&key).map_err(e)? {
            return Err(format!("match {} lacks its time index", m.outcome.match_id));
        }
    }
    let n = keys(txn, store::MATCH_BY_TIME)?.len();
    if n != matches.len() {
        return Err(format!(
            "{n} match time entries for {} matches",
            matches.len()
        ));
    }
    Ok(())
}
