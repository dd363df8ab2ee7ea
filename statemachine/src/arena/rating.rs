//! Rated match results and the weekly reset: AC's `ArenaTeam::GetChanceAgainst`,
//! `GetRatingMod`, `GetMatchmakerRatingMod`, `WonAgainst`/`LostAgainst`/`FinishGame`,
//! `MemberWon`/`MemberLost` and `ArenaTeamMember::ModifyPersonalRating`/`ModifyMatchmakerRating`,
//! as `Arena::EndBattleground` calls them, in one entry.
//!
//! Determinism: AC computes the Elo chance with the C library's `exp`, whose last bits differ
//! between platforms. Every node must compute the same bits, so [`exp`] here uses only IEEE
//! basic operations (range reduction and a fixed Taylor series, in f64). A modifier therefore
//! matches AC's f32 result except when it lands within about 1e-5 of an integer, where the `ceil`
//! of the two can differ by one.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::ids::{CharacterId, TeamId};
use crate::keys::KeyReader;
use crate::limits::check_count;
use crate::txn::Txn;

use super::store::{
    self, get_member, get_mmr, match_key, match_time_key, mmr_key, put_member, put_team,
    rating_prefix, require_team, AppliedMatch, ArenaTeam, Matchmaker, ARENA_TYPE_MAX,
    RANK_COUNT_MAX,
};
use super::{
    ArenaConfig, ArenaEvent, ArenaResult, MatchOutcome, MatchResult, MemberChange, TeamChange,
};

/// `e^x` from IEEE basic operations only, so it gives the same bits on every platform.
/// Accurate to a few ulps over the range the ratings produce (|x| < 240).
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 700.0 {
        return f64::INFINITY;
    }
    if x < -700.0 {
        return 0.0;
    }
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=24 {
        term *= r / f64::from(n);
        sum += term;
    }
    // 2^k, built exactly: |k| <= 1010 stays in the normal range.
    let two_k = f64::from_bits(((k as i64 + 1023) as u64) << 52);
    sum * two_k
}

/// The chance to beat an opponent of `opponent` rating (`GetChanceAgainst`).
pub fn chance_against(own: u32, opponent: u32) -> f64 {
    let diff = f64::from(opponent) - f64::from(own);
    1.0 / (1.0 + exp(std::f64::consts::LN_10 * diff / 650.0))
}

/// The team or personal rating change (`GetRatingMod`).
pub fn rating_mod(cfg: &ArenaConfig, own: u32, opponent: u32, won: bool) -> i32 {
    let chance = chance_against(own, opponent);
    let m = if won {
        if own < 1000 {
            f64::from(cfg.win_rating_modifier_1) * (1.0 - chance)
        } else if own < 1300 {
            let half = f64::from(cfg.win_rating_modifier_1) / 2.0;
            (half + half * (1300.0 - f64::from(own)) / 300.0) * (1.0 - chance)
        } else {
            f64::from(cfg.win_rating_modifier_2) * (1.0 - chance)
        }
    } else {
        f64::from(cfg.lose_rating_modifier) * -chance
    };
    m.ceil() as i32
}

/// The matchmaker rating change (`GetMatchmakerRatingMod`).
pub fn matchmaker_mod(cfg: &ArenaConfig, own: u32, opponent: u32, won: bool) -> i32 {
    let won_mod = if won { 1.0 } else { 0.0 };
    let m = (won_mod - chance_against(own, opponent)) * f64::from(cfg.matchmaker_rating_modifier);
    m.ceil() as i32
}

/// `value + m`, floored at 0 (as AC) and capped at the u16 column.
fn add_rating(value: u16, m: i32) -> u16 {
    (i64::from(value) + i64::from(m)).clamp(0, i64::from(u16::MAX)) as u16
}

/// `ModifyMatchmakerRating`: a loss cannot take the rating more than `max_drop` below the
/// highest one reached; the highest follows every gain.
pub fn modify_matchmaker(mmr: Matchmaker, m: i32, max_drop: u32) -> Matchmaker {
    let mut m = i64::from(m);
    if m < 0 {
        let floor = -(i64::from(mmr.rating) - i64::from(mmr.max_rating) + i64::from(max_drop));
        m = m.max(floor).min(0);
    }
    let rating = add_rating(
        mmr.rating,
        m.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
    );
    Matchmaker {
        rating,
        max_rating: mmr.max_rating.max(rating),
    }
}

/// 1 + the teams of the same type and realm with a strictly higher rating (`FinishGame`), read
/// from the rating index, which sorts higher ratings first.
fn rank(txn: &Txn<'_>, team: &ArenaTeam) -> Result<u32, Error> {
    const PAGE: usize = 256;
    let prefix = rating_prefix(team.realm, team.arena_type);
    let own = u16::MAX - team.rating;
    let mut after: Option<Vec<u8>> = None;
    let mut better = 0usize;
    loop {
        let page = txn.scan(&prefix, after.as_deref(), PAGE)?;
        for (k, _) in &page {
            let inverted = KeyReader::new(k, prefix.len() - 1)
                .u16()
                .ok_or_else(|| Error::Corrupt(format!("arena rating key {k:02x?}")))?;
            if inverted >= own || better >= RANK_COUNT_MAX {
                return Ok(better as u32 + 1);
            }
            better += 1;
        }
        if page.len() < PAGE {
            return Ok(better as u32 + 1);
        }
        after = page.last().map(|(k, _)| k.clone());
    }
}

/// One side of a match, checked: the team and its participants' stored matchmaker ratings.
struct Side {
    team: ArenaTeam,
    participants: Vec<(CharacterId, Matchmaker)>,
    /// The side's matchmaker rating: the participants' average (AC `GetAverageMMR`).
    mmr: u32,
}

fn side(
    txn: &Txn<'_>,
    m: &MatchResult,
    team_id: TeamId,
    ids: &[CharacterId],
    field: &str,
) -> Result<Side, Error> {
    let team = require_team(txn, m.realm, team_id)?;
    if ids.is_empty() || ids.len() > usize::from(team.arena_type) {
        return Err(Error::invalid(
            field,
            format!(
                "has {} participants, a {}v{} team fields 1 to {}",
                ids.len(),
                team.arena_type,
                team.arena_type,
                team.arena_type
            ),
        ));
    }
    let distinct: BTreeSet<CharacterId> = ids.iter().copied().collect();
    if distinct.len() != ids.len() {
        return Err(Error::invalid(field, "names a participant twice"));
    }
    let start = txn.config().arena.start_matchmaker_rating;
    let mut participants = Vec::with_capacity(ids.len());
    let mut sum = 0u32;
    for id in ids {
        if get_member(txn, &team, *id)?.is_none() {
            return Err(Error::Arena(ArenaResult::PlayerNotInTeamSs));
        }
        let mmr = get_mmr(txn, *id, team.slot())?.unwrap_or(Matchmaker {
            rating: start,
            max_rating: start,
        });
        sum += u32::from(mmr.rating);
        participants.push((*id, mmr));
    }
    let mmr = sum / ids.len() as u32;
    Ok(Side {
        team,
        participants,
        mmr,
    })
}

/// `WonAgainst`/`LostAgainst` + `FinishGame` for one team; returns its matchmaker change.
fn finish_team(
    txn: &mut Txn<'_>,
    side: &mut Side,
    opponent_mmr: u32,
    won: bool,
) -> Result<TeamChange, Error> {
    let cfg = txn.config().arena.clone();
    let mmr_change = matchmaker_mod(&cfg, side.mmr, opponent_mmr, won);
    let rating_change = rating_mod(&cfg, u32::from(side.team.rating), opponent_mmr, won);
    let old_rating = side.team.rating;
    let t = &mut side.team;
    t.rating = add_rating(t.rating, rating_change);
    t.week_games = t.week_games.saturating_add(1);
    t.season_games = t.season_games.saturating_add(1);
    if won {
        t.week_wins = t.week_wins.saturating_add(1);
        t.season_wins = t.season_wins.saturating_add(1);
    }
    put_team(txn, &side.team)?;
    side.team.rank = rank(txn, &side.team)?;
    put_team(txn, &side.team)?;
    Ok(TeamChange {
        team_id: side.team.id,
        matchmaker_rating: u16::try_from(side.mmr).unwrap_or(u16::MAX),
        matchmaker_change: mmr_change,
        old_rating,
        new_rating: side.team.rating,
        rank: side.team.rank,
    })
}

/// `MemberWon`/`MemberLost` for every participant of one side.
fn finish_members(
    txn: &mut Txn<'_>,
    side: &Side,
    opponent_mmr: u32,
    mmr_change: i32,
    won: bool,
    out: &mut Vec<MemberChange>,
) -> Result<(), Error> {
    let cfg = txn.config().arena.clone();
    for (id, mmr) in &side.participants {
        let Some(mut member) = get_member(txn, &side.team, *id)? else {
            return Err(Error::Arena(ArenaResult::PlayerNotInTeamSs));
        };
        let old_personal = member.personal_rating;
        let personal_mod = rating_mod(&cfg, u32::from(old_personal), opponent_mmr, won);
        member.personal_rating = add_rating(old_personal, personal_mod);
        let new_mmr = if won {
            // Winners' MMR never climbs past the team rating (AC "pussywizard" cap).
            if mmr.rating < side.team.rating {
                let room = i32::from(side.team.rating) - i32::from(mmr.rating);
                modify_matchmaker(*mmr, mmr_change.min(room), cfg.max_allowed_mmr_drop)
            } else {
                *mmr
            }
        } else {
            modify_matchmaker(*mmr, mmr_change, cfg.max_allowed_mmr_drop)
        };
        member.week_games = member.week_games.saturating_add(1);
        member.season_games = member.season_games.saturating_add(1);
        if won {
            member.week_wins = member.week_wins.saturating_add(1);
            member.season_wins = member.season_wins.saturating_add(1);
        }
        put_member(txn, &member);
        txn.put(mmr_key(*id, side.team.slot()), &new_mmr);
        out.push(MemberChange {
            id: *id,
            team_id: side.team.id,
            won,
            old_personal_rating: old_personal,
            new_personal_rating: member.personal_rating,
            old_matchmaker_rating: mmr.rating,
            new_matchmaker_rating: new_mmr.rating,
        });
    }
    Ok(())
}

/// Applies a rated match once: a second apply with the same id answers the stored outcome.
pub(crate) fn apply_match(
    txn: &mut Txn<'_>,
    m: &MatchResult,
) -> Result<(MatchOutcome, bool), Error> {
    if let Some(done) = txn.get::<AppliedMatch>(&match_key(m.realm, m.match_id))? {
        return Ok((done.outcome, false));
    }
    let side_max = usize::from(ARENA_TYPE_MAX);
    check_count("winner_participants", m.winner_participants.len(), side_max)?;
    check_count("loser_participants", m.loser_participants.len(), side_max)?;
    if m.winner == m.loser {
        return Err(Error::invalid(
            "loser",
            format!("is team {}, the winner too", m.loser),
        ));
    }
    let mut winner = side(
        txn,
        m,
        m.winner,
        &m.winner_participants,
        "winner_participants",
    )?;
    let mut loser = side(txn, m, m.loser, &m.loser_participants, "loser_participants")?;
    if winner.team.arena_type != loser.team.arena_type {
        return Err(Error::invalid(
            "loser",
            format!(
                "is a {}v{} team, the winner a {}v{} team",
                loser.team.arena_type,
                loser.team.arena_type,
                winner.team.arena_type,
                winner.team.arena_type
            ),
        ));
    }
    // AC order: the winner's team update (and rank) first, then the loser's, then members.
    let (winner_mmr, loser_mmr) = (winner.mmr, loser.mmr);
    let winner_change = finish_team(txn, &mut winner, loser_mmr, true)?;
    let loser_change = finish_team(txn, &mut loser, winner_mmr, false)?;
    let mut members = Vec::new();
    let w_mmr = winner_change.matchmaker_change;
    let l_mmr = loser_change.matchmaker_change;
    finish_members(txn, &winner, loser_mmr, w_mmr, true, &mut members)?;
    finish_members(txn, &loser, winner_mmr, l_mmr, false, &mut members)?;
    let outcome = MatchOutcome {
        realm: m.realm,
        match_id: m.match_id,
        winner: winner_change,
        loser: loser_change,
        members,
    };
    let now = txn.now_ms();
    txn.put(
        match_key(m.realm, m.match_id),
        &AppliedMatch {
            applied_ms: now,
            outcome: outcome.clone(),
        },
    );
    txn.put(match_time_key(now, m.realm, m.match_id), &());
    let mut notify = store::online_members(txn, &winner.team)?;
    notify.extend(store::online_members(txn, &loser.team)?);
    txn.emit(ArenaEvent::MatchApplied {
        outcome: outcome.clone(),
        notify,
    });
    Ok((outcome, true))
}
