//! Team life cycle: create, invite, accept, decline, leave, remove, captain change, disband,
//! and the character-delete hand-off. AC's checks, in AC's order (`ArenaTeamHandler.cpp`,
//! `ArenaTeam::Create`/`AddMember`/`DelMember`/`SetCaptain`/`Disband`).

use crate::character::Character;
use crate::error::Error;
use crate::ids::{CharacterId, TeamId};
use crate::keys::{Key, KeyReader, IGNORE};
use crate::limits::{check_chars, check_not_empty, ARENA_TEAM_NAME_CHARS_MAX};
use crate::txn::Txn;

use super::store::{
    self, current_week, delete_invite, delete_member, get_member, get_mmr, live_invite, members,
    mmr_key, name_key, next_team_id, next_team_id_key, online, online_members, put_invite,
    put_member, put_team, rating_key, require_team, slot_key, slot_of_type, team_in_slot, team_key,
    ArenaInvite, ArenaMember, ArenaTeam, Matchmaker, ARENA_SLOTS, TEAM_INVITES_MAX,
};
use super::{ArenaEvent, ArenaResult, CreateTeam, DisbandReason, LeaveReason};

fn fail<T>(r: ArenaResult) -> Result<T, Error> {
    Err(Error::Arena(r))
}

/// A team name: 1..=24 characters (limits), no control characters (`ERR_ARENA_TEAM_NAME_INVALID`).
/// AC's default `StrictCharterNames = 0` accepts any other text.
pub(crate) fn check_team_name(name: &str) -> Result<(), Error> {
    check_not_empty("name", name)?;
    check_chars("name", name, ARENA_TEAM_NAME_CHARS_MAX)?;
    if name.chars().any(char::is_control) {
        return fail(ArenaResult::NameInvalid);
    }
    Ok(())
}

/// The faction check AC applies unless `AllowTwoSide.Interaction.Guild` is on.
fn allied(txn: &Txn<'_>, a: &Character, b: &Character) -> bool {
    txn.config().arena.allow_two_side || a.team() == b.team()
}

/// `ArenaTeam::AddMember` after the caller's checks: personal rating from config, matchmaker
/// rating reused from the slot or started from config, membership and slot index written.
fn add_member(txn: &mut Txn<'_>, team: &ArenaTeam, id: CharacterId) -> Result<(), Error> {
    let cfg = txn.config().arena.clone();
    let personal_rating = if cfg.start_personal_rating > 0 {
        cfg.start_personal_rating
    } else if team.rating >= 1000 {
        1000
    } else {
        0
    };
    let mmr = match get_mmr(txn, id, team.slot())? {
        Some(m) => Matchmaker {
            rating: m.rating,
            max_rating: m.max_rating.max(m.rating),
        },
        None => Matchmaker {
            rating: cfg.start_matchmaker_rating,
            max_rating: cfg.start_matchmaker_rating,
        },
    };
    txn.put(mmr_key(id, team.slot()), &mmr);
    let week = current_week(txn, team.realm)?;
    put_member(
        txn,
        &ArenaMember {
            id,
            team_id: team.id,
            week,
            week_games: 0,
            week_wins: 0,
            season_games: 0,
            season_wins: 0,
            personal_rating,
        },
    );
    txn.put(slot_key(id, team.slot()), &team.id);
    Ok(())
}

pub(crate) fn create(txn: &mut Txn<'_>, c: &CreateTeam) -> Result<TeamId, Error> {
    let Some(slot) = slot_of_type(c.arena_type) else {
        return Err(Error::invalid(
            "arena_type",
            format!("is {}, must be 2, 3 or 5", c.arena_type),
        ));
    };
    check_team_name(&c.name)?;
    if c.captain.realm != c.realm {
        return Err(Error::invalid(
            "captain.realm",
            format!("is {}, the team's realm is {}", c.captain.realm, c.realm),
        ));
    }
    crate::realm::require(txn, c.realm)?;
    let captain = crate::character::require(txn, c.captain)?;
    // AC's Create refuses a captain who is not connected (the charter is turned in in game).
    if crate::presence::get(txn, c.captain)?.is_none() {
        return Err(Error::not_found(format!("online character {}", c.captain)));
    }
    if team_in_slot(txn, c.captain, slot)?.is_some() {
        return fail(ArenaResult::AlreadyInArenaTeam);
    }
    if txn.exists(&name_key(c.realm, &c.name))? {
        return fail(ArenaResult::NameExistsS);
    }
    let id = next_team_id(txn, c.realm)?;
    let Some(next) = id.checked_add(1) else {
        return Err(Error::invalid(
            "realm",
            format!("realm {} has used every arena team id", c.realm),
        ));
    };
    txn.put(next_team_id_key(c.realm), &next);
    let team = ArenaTeam {
        id,
        realm: c.realm,
        name: c.name.clone(),
        captain: c.captain,
        arena_type: c.arena_type,
        rating: txn.config().arena.start_rating,
        week: current_week(txn, c.realm)?,
        week_games: 0,
        week_wins: 0,
        season_games: 0,
        season_wins: 0,
        rank: 0,
        emblem: c.emblem,
        created_ms: txn.now_ms(),
    };
    put_team(txn, &team)?;
    txn.put(name_key(c.realm, &c.name), &id);
    add_member(txn, &team, c.captain)?;
    let notify = online(txn, &[c.captain])?;
    txn.emit(ArenaEvent::Created {
        team,
        captain_name: captain.name,
        notify,
    });
    Ok(id)
}

pub(crate) fn invite(
    txn: &mut Txn<'_>,
    inviter: CharacterId,
    team_id: TeamId,
    target_name: &str,
) -> Result<(), Error> {
    let target = crate::character::by_name(txn, inviter.realm, target_name)?;
    let presence = match &target {
        Some(t) => crate::presence::get(txn, t.id)?,
        None => None,
    };
    let (Some(target), Some(presence)) = (target, presence) else {
        return fail(ArenaResult::PlayerNotFoundS);
    };
    if presence.level < txn.config().max_player_level {
        return fail(ArenaResult::TargetTooLowS);
    }
    let Some(team) = store::get_team(txn, inviter.realm, team_id)? else {
        return fail(ArenaResult::PlayerNotInTeam);
    };
    if team_in_slot(txn, inviter, team.slot())? != Some(team.id) {
        return fail(ArenaResult::Permissions);
    }
    let inviter_char = crate::character::require(txn, inviter)?;
    // OK result but no invite: AC drops an invite to someone who ignores the inviter.
    let ignore = Key::new(IGNORE)
        .character(target.id)
        .character(inviter)
        .build();
    if txn.exists(&ignore)? {
        return Ok(());
    }
    if !allied(txn, &target, &inviter_char) {
        return fail(ArenaResult::NotAllied);
    }
    if team_in_slot(txn, target.id, team.slot())?.is_some() {
        return fail(ArenaResult::AlreadyInArenaTeamS);
    }
    if live_invite(txn, target.id)?.is_some() {
        return fail(ArenaResult::AlreadyInvitedToArenaTeamS);
    }
    if members(txn, &team)?.len() >= team.capacity() {
        return fail(ArenaResult::TooManyMembersS);
    }
    // An expired invite not yet swept is replaced.
    delete_invite(txn, target.id)?;
    let expires_ms = txn
        .now_ms()
        .saturating_add(txn.config().arena.invite_ttl_ms);
    put_invite(
        txn,
        &ArenaInvite {
            target: target.id,
            team_id: team.id,
            inviter,
            expires_ms,
        },
    );
    txn.emit(ArenaEvent::Invited {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name,
        inviter,
        inviter_name: inviter_char.name,
        target: target.id,
        target_gateway: presence.gateway,
        expires_ms,
    });
    Ok(())
}

pub(crate) fn accept(txn: &mut Txn<'_>, id: CharacterId) -> Result<TeamId, Error> {
    let Some(invite) = live_invite(txn, id)? else {
        return Err(Error::not_found(format!("arena team invite for {id}")));
    };
    let Some(team) = store::get_team(txn, id.realm, invite.team_id)? else {
        return Err(Error::not_found(format!("arena team {}", invite.team_id)));
    };
    let character = crate::character::require(txn, id)?;
    if team_in_slot(txn, id, team.slot())?.is_some() {
        return fail(ArenaResult::AlreadyInArenaTeam);
    }
    if let Some(captain) = crate::character::get(txn, team.captain)? {
        if !allied(txn, &character, &captain) {
            return fail(ArenaResult::NotAllied);
        }
    }
    // AddMember refuses a full team; AC answers ERR_ARENA_TEAM_INTERNAL.
    if members(txn, &team)?.len() >= team.capacity() {
        return fail(ArenaResult::Internal);
    }
    delete_invite(txn, id)?;
    add_member(txn, &team, id)?;
    let notify = online_members(txn, &team)?;
    txn.emit(ArenaEvent::Joined {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name.clone(),
        id,
        name: character.name,
        notify,
    });
    Ok(team.id)
}

pub(crate) fn decline(txn: &mut Txn<'_>, id: CharacterId) -> Result<(), Error> {
    let Some(invite) = live_invite(txn, id)? else {
        return Err(Error::not_found(format!("arena team invite for {id}")));
    };
    delete_invite(txn, id)?;
    let notify = online(txn, &[invite.inviter])?;
    txn.emit(ArenaEvent::Declined {
        realm: id.realm,
        team_id: invite.team_id,
        id,
        name: store::name_of(txn, id)?,
        inviter: invite.inviter,
        notify,
    });
    Ok(())
}

/// Leave: the captain may only leave alone, which disbands. Returns whether it disbanded.
pub(crate) fn leave(txn: &mut Txn<'_>, id: CharacterId, team_id: TeamId) -> Result<bool, Error> {
    let team = require_team(txn, id.realm, team_id)?;
    if get_member(txn, &team, id)?.is_none() {
        return fail(ArenaResult::PlayerNotInTeam);
    }
    let count = members(txn, &team)?.len();
    if team.captain == id {
        if count > 1 {
            return fail(ArenaResult::LeaderLeaveS);
        }
        disband_team(txn, &team, id, DisbandReason::CaptainLeft)?;
        return Ok(true);
    }
    drop_member(txn, &team, id, LeaveReason::Left)?;
    Ok(false)
}

/// Removes a non-captain member and tells the team (including the one leaving).
fn drop_member(
    txn: &mut Txn<'_>,
    team: &ArenaTeam,
    id: CharacterId,
    reason: LeaveReason,
) -> Result<(), Error> {
    let notify = online_members(txn, team)?;
    delete_member(txn, team, id);
    txn.emit(ArenaEvent::Left {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name.clone(),
        id,
        name: store::name_of(txn, id)?,
        reason,
        notify,
    });
    Ok(())
}

/// The team, checked to exist and to have `captain` as its captain.
fn captained(txn: &Txn<'_>, captain: CharacterId, team_id: TeamId) -> Result<ArenaTeam, Error> {
    let team = require_team(txn, captain.realm, team_id)?;
    if team.captain != captain {
        return fail(ArenaResult::Permissions);
    }
    Ok(team)
}

pub(crate) fn remove(
    txn: &mut Txn<'_>,
    captain: CharacterId,
    team_id: TeamId,
    target: CharacterId,
) -> Result<(), Error> {
    let team = captained(txn, captain, team_id)?;
    if get_member(txn, &team, target)?.is_none() {
        return fail(ArenaResult::PlayerNotFoundS);
    }
    if target == team.captain {
        return fail(ArenaResult::LeaderLeaveS);
    }
    let notify = online_members(txn, &team)?;
    delete_member(txn, &team, target);
    txn.emit(ArenaEvent::Removed {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name.clone(),
        id: target,
        name: store::name_of(txn, target)?,
        by: captain,
        by_name: store::name_of(txn, captain)?,
        notify,
    });
    Ok(())
}

pub(crate) fn set_captain(
    txn: &mut Txn<'_>,
    captain: CharacterId,
    team_id: TeamId,
    target: CharacterId,
) -> Result<(), Error> {
    let team = captained(txn, captain, team_id)?;
    if get_member(txn, &team, target)?.is_none() {
        return fail(ArenaResult::PlayerNotFoundS);
    }
    // Already the captain: AC does nothing and says nothing.
    if target == team.captain {
        return Ok(());
    }
    hand_captaincy(txn, team, target)
}

fn hand_captaincy(txn: &mut Txn<'_>, team: ArenaTeam, to: CharacterId) -> Result<(), Error> {
    let old = team.captain;
    let team = ArenaTeam {
        captain: to,
        ..team
    };
    put_team(txn, &team)?;
    let notify = online_members(txn, &team)?;
    txn.emit(ArenaEvent::CaptainChanged {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name.clone(),
        old_captain: old,
        old_captain_name: store::name_of(txn, old)?,
        new_captain: to,
        new_captain_name: store::name_of(txn, to)?,
        notify,
    });
    Ok(())
}

pub(crate) fn disband(
    txn: &mut Txn<'_>,
    captain: CharacterId,
    team_id: TeamId,
) -> Result<(), Error> {
    let team = captained(txn, captain, team_id)?;
    disband_team(txn, &team, captain, DisbandReason::Disbanded)
}

/// Removes the team, its members and their slot entries, its name and rating index entries and
/// the pending invites to it, in this one entry (AC's disband transaction). Matchmaker ratings
/// stay: they belong to the characters.
pub(crate) fn disband_team(
    txn: &mut Txn<'_>,
    team: &ArenaTeam,
    by: CharacterId,
    reason: DisbandReason,
) -> Result<(), Error> {
    let roster = members(txn, team)?;
    let ids: Vec<CharacterId> = roster.iter().map(|m| m.id).collect();
    let notify = online(txn, &ids)?;
    for id in &ids {
        delete_member(txn, team, *id);
    }
    let invites = txn.scan_all(
        &store::invite_team_prefix(team.realm, team.id),
        TEAM_INVITES_MAX,
    )?;
    for (k, _) in invites {
        // realm u32 | team u32 | low u32
        let low = KeyReader::new(&k, 8)
            .u32()
            .ok_or_else(|| Error::Corrupt(format!("invite-by-team key {k:02x?}")))?;
        delete_invite(txn, CharacterId::new(team.realm, low))?;
        txn.delete(k);
    }
    txn.delete(team_key(team.realm, team.id));
    txn.delete(name_key(team.realm, &team.name));
    txn.delete(rating_key(team));
    txn.emit(ArenaEvent::Disbanded {
        realm: team.realm,
        team_id: team.id,
        team_name: team.name.clone(),
        arena_type: team.arena_type,
        by,
        by_name: store::name_of(txn, by)?,
        reason,
        members: ids,
        notify,
    });
    Ok(())
}

/// The deleted character leaves every team. A captain with others hands captaincy to the
/// member with the highest personal rating (ties: lowest low guid); a captain alone disbands.
/// Its pending invite and its matchmaker ratings go.
pub(crate) fn on_character_deleted(txn: &mut Txn<'_>, c: &Character) -> Result<(), Error> {
    delete_invite(txn, c.id)?;
    for slot in 0..ARENA_SLOTS {
        txn.delete(mmr_key(c.id, slot));
        let Some(team_id) = team_in_slot(txn, c.id, slot)? else {
            continue;
        };
        let Some(team) = store::get_team(txn, c.id.realm, team_id)? else {
            // A dangling slot entry: clean it rather than fail the delete.
            txn.delete(slot_key(c.id, slot));
            continue;
        };
        let others: Vec<ArenaMember> = members(txn, &team)?
            .into_iter()
            .filter(|m| m.id != c.id)
            .collect();
        if team.captain == c.id {
            // Highest personal rating; among equals the lowest low guid (members are in
            // low-guid order, and `max_by_key` keeps the last maximum, so scan reversed).
            let heir = others.iter().rev().max_by_key(|m| m.personal_rating);
            match heir {
                Some(heir) => hand_captaincy(txn, team.clone(), heir.id)?,
                None => {
                    disband_team(txn, &team, c.id, DisbandReason::CaptainDeleted)?;
                    continue;
                }
            }
        }
        drop_member(txn, &team, c.id, LeaveReason::Deleted)?;
    }
    Ok(())
}
