//! Arena teams (DOMAIN.md 1.7, 2.4, flows 3.11, 3.12, 3.13, 3.15), following AzerothCore's
//! `ArenaTeam.cpp`, `ArenaTeamHandler.cpp` and `Arena::EndBattleground`.
//!
//! Keys (tags `ARENA_BASE + n`, consts in `store.rs`):
//! ```text
//! 0x60 TEAM             | realm u32 | team u32                         -> ArenaTeam
//! 0x61 MEMBER           | realm u32 | team u32 | low u32               -> ArenaMember
//! 0x62 SLOT             | realm u32 | low u32 | slot u8                -> team u32
//! 0x63 NAME             | realm u32 | lower(name) str                  -> team u32
//! 0x64 INVITE           | realm u32 | low u32                          -> ArenaInvite
//! 0x65 INVITE_BY_EXPIRY | expires_ms u64 | realm u32 | low u32         -> ()
//! 0x66 INVITE_BY_TEAM   | realm u32 | team u32 | low u32               -> ()
//! 0x67 MMR              | realm u32 | low u32 | slot u8                -> Matchmaker
//! 0x68 MATCH            | realm u32 | match_id u64                     -> AppliedMatch
//! 0x69 MATCH_BY_TIME    | applied_ms u64 | realm u32 | match_id u64    -> ()
//! 0x6a NEXT_TEAM_ID     | realm u32                                    -> u32
//! 0x6b RATING           | realm u32 | type u8 | (65535 - rating) u16 | team u32 -> ()
//! 0x6c WEEK             | realm u32                                    -> u32
//! ```
//! One record per team and per member. Team ids come from the per-realm counter (starting at 1,
//! never reused). The rating index sorts the teams of a type best first, for the rank.
//!
//! Invariants ([`check_invariants`]): a team has 1..=2×type members and its captain is one of
//! them; a character holds at most one team per slot and the slot index matches membership
//! exactly; the name and rating indexes match the teams; no member belongs to a missing team or
//! is a missing character; team ids are below the realm's counter; pending invites belong to
//! online characters and existing teams.
//!
//! Weekly counters: `FinishWeek` bumps the realm's week number in O(1); a team or member record
//! whose `week` is older reads as 0 week games and wins (it is rewritten on its next change).
//! So the reset is atomic for every team of the realm without a batch over all of them.
//!
//! Left out, on purpose:
//! - AC refuses leave, remove and disband while a member is fighting or queued (TEAMS_LOCKED):
//!   tavern does not know about fights or queues; the worldserver must check before calling.
//! - Charters and petition signatures (AC removes a joiner's other signatures): not stored here.
//! - Arena points distribution and the 15-second "valid arena" rule; draws: the worldserver
//!   decides and only sends rated results with a winner.
//! - A team's matchmaker rating is the average of its participants' stored ratings when the
//!   result is applied (AC takes the average when the group queued).
//!
//! Differences from AC, and why:
//! - Invites expire after `invite_ttl_ms` (AC keeps them until logout) so none lingers.
//! - Match ids are remembered for `match_id_ttl_ms`, then swept: idempotency covers retries,
//!   not a replay weeks later, and the store does not grow with every match ever played.
//! - The Elo chance is computed in f64 with a portable `exp` (see `rating.rs`) so every node
//!   computes the same bits; AC's f32 result can differ by one only at integer boundaries.
//! - As in AC, a team's rank is recomputed only when it plays.

mod invariants;
mod rating;
mod read;
mod store;
mod sweep;
mod team;

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{CharacterId, GatewayId, RealmId, TeamId};
use crate::presence::Notify;
use crate::txn::Txn;

pub use invariants::check_invariants;
pub use rating::{chance_against, matchmaker_mod, modify_matchmaker, rating_mod};
pub(crate) use store::check_record;
pub use store::{
    slot_of_type, ArenaInvite, ArenaMember, ArenaTeam, Emblem, Matchmaker, ARENA_SLOTS,
    ARENA_TYPE_MAX, TEAM_MEMBERS_MAX,
};

/// Arena switches, with AC's `worldserver.conf` defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaConfig {
    /// `Arena.ArenaStartRating`: a new team's rating.
    pub start_rating: u16,
    /// `Arena.ArenaStartPersonalRating`: a new member's rating when above 0 (else 1000 in a
    /// team rated 1000 or more, else 0).
    pub start_personal_rating: u16,
    /// `Arena.ArenaStartMatchmakerRating`: a character's first matchmaker rating in a slot.
    pub start_matchmaker_rating: u16,
    /// `Arena.ArenaWinRatingModifier1`: win modifier below 1300 rating.
    pub win_rating_modifier_1: u32,
    /// `Arena.ArenaWinRatingModifier2`: win modifier from 1300 rating.
    pub win_rating_modifier_2: u32,
    /// `Arena.ArenaLoseRatingModifier`.
    pub lose_rating_modifier: u32,
    /// `Arena.ArenaMatchmakerRatingModifier`.
    pub matchmaker_rating_modifier: u32,
    /// `Arena.MaxAllowedMMRDrop`: how far below its highest value a matchmaker rating may fall.
    pub max_allowed_mmr_drop: u32,
    /// How long an invite stays pending. AC keeps it until logout; a TTL bounds stale ones.
    pub invite_ttl_ms: u64,
    /// `AllowTwoSide.Interaction.Guild`: invites and joins across factions.
    pub allow_two_side: bool,
    /// How long an applied match id is remembered for idempotency (then swept by
    /// `ExpireMatchIds`); a retry of a result comes within seconds.
    pub match_id_ttl_ms: u64,
}

impl Default for ArenaConfig {
    fn default() -> Self {
        ArenaConfig {
            start_rating: 0,
            start_personal_rating: 0,
            start_matchmaker_rating: 1500,
            win_rating_modifier_1: 48,
            win_rating_modifier_2: 24,
            lose_rating_modifier: 24,
            matchmaker_rating_modifier: 24,
            max_allowed_mmr_drop: 500,
            invite_ttl_ms: 5 * 60 * 1000,
            allow_two_side: false,
            match_id_ttl_ms: 7 * 24 * 3600 * 1000,
        }
    }
}

/// AC `ArenaTeamCommandErrors` values (`ArenaTeam.h`) used here. `LeaderLeaveS` and
/// `Permissions` share 0x08 in AC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaResult {
    /// `ERR_ARENA_TEAM_INTERNAL`: accept into a team that filled up meanwhile.
    Internal,
    /// `ERR_ALREADY_IN_ARENA_TEAM`: you already have a team of that size.
    AlreadyInArenaTeam,
    /// `ERR_ALREADY_IN_ARENA_TEAM_S`: the invitee already has a team of that size.
    AlreadyInArenaTeamS,
    /// `ERR_ALREADY_INVITED_TO_ARENA_TEAM_S`.
    AlreadyInvitedToArenaTeamS,
    /// `ERR_ARENA_TEAM_NAME_INVALID`.
    NameInvalid,
    /// `ERR_ARENA_TEAM_NAME_EXISTS_S`.
    NameExistsS,
    /// `ERR_ARENA_TEAM_LEADER_LEAVE_S`: the captain cannot leave or be removed.
    LeaderLeaveS,
    /// `ERR_ARENA_TEAM_PERMISSIONS`.
    Permissions,
    /// `ERR_ARENA_TEAM_PLAYER_NOT_IN_TEAM`.
    PlayerNotInTeam,
    /// `ERR_ARENA_TEAM_PLAYER_NOT_IN_TEAM_SS`: a match participant is not in its team.
    PlayerNotInTeamSs,
    /// `ERR_ARENA_TEAM_PLAYER_NOT_FOUND_S`.
    PlayerNotFoundS,
    /// `ERR_ARENA_TEAM_NOT_ALLIED`.
    NotAllied,
    /// `ERR_ARENA_TEAM_TARGET_TOO_LOW_S`.
    TargetTooLowS,
    /// `ERR_ARENA_TEAM_TOO_MANY_MEMBERS_S`.
    TooManyMembersS,
    /// `ERR_ARENA_TEAM_NOT_FOUND`.
    NotFound,
}

impl ArenaResult {
    pub fn code(self) -> u32 {
        match self {
            ArenaResult::Internal => 0x01,
            ArenaResult::AlreadyInArenaTeam => 0x02,
            ArenaResult::AlreadyInArenaTeamS => 0x03,
            ArenaResult::AlreadyInvitedToArenaTeamS => 0x05,
            ArenaResult::NameInvalid => 0x06,
            ArenaResult::NameExistsS => 0x07,
            ArenaResult::LeaderLeaveS => 0x08,
            ArenaResult::Permissions => 0x08,
            ArenaResult::PlayerNotInTeam => 0x09,
            ArenaResult::PlayerNotInTeamSs => 0x0A,
            ArenaResult::PlayerNotFoundS => 0x0B,
            ArenaResult::NotAllied => 0x0C,
            ArenaResult::TargetTooLowS => 0x15,
            ArenaResult::TooManyMembersS => 0x17,
            ArenaResult::NotFound => 0x1B,
        }
    }
}

/// AC `ArenaTeamCommandTypes`: the action field of `SMSG_ARENA_TEAM_COMMAND_RESULT`.
pub mod action {
    pub const CREATE_S: u32 = 0x00;
    pub const INVITE_SS: u32 = 0x01;
    pub const QUIT_S: u32 = 0x03;
    pub const FOUNDER_S: u32 = 0x0E;
}

/// A charter turned in: the new team and its captain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTeam {
    pub realm: RealmId,
    pub captain: CharacterId,
    pub name: String,
    /// 2, 3 or 5.
    pub arena_type: u8,
    pub emblem: Emblem,
}

/// A rated match that ended with a winner, as the worldserver reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    pub realm: RealmId,
    /// Unique per realm; a second apply with the same id changes nothing.
    pub match_id: u64,
    pub winner: TeamId,
    pub loser: TeamId,
    /// 1..=type members of the winning team who played.
    pub winner_participants: Vec<CharacterId>,
    /// 1..=type members of the losing team who played.
    pub loser_participants: Vec<CharacterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaCommand {
    Create(CreateTeam),
    /// Any member may invite an online, max-level character by name.
    Invite {
        inviter: CharacterId,
        team: TeamId,
        target_name: String,
    },
    Accept {
        id: CharacterId,
    },
    Decline {
        id: CharacterId,
    },
    /// The captain may leave only when alone, which disbands the team.
    Leave {
        id: CharacterId,
        team: TeamId,
    },
    Remove {
        captain: CharacterId,
        team: TeamId,
        target: CharacterId,
    },
    SetCaptain {
        captain: CharacterId,
        team: TeamId,
        target: CharacterId,
    },
    Disband {
        captain: CharacterId,
        team: TeamId,
    },
    ApplyMatchResult(MatchResult),
    /// Resets the weekly games and wins of every team and member of the realm.
    FinishWeek {
        realm: RealmId,
    },
    /// Drops invites past their expiry (at most a sweep batch per entry).
    ExpireInvites,
    /// Forgets applied match ids older than `match_id_ttl_ms` (at most a sweep batch).
    ExpireMatchIds,
}

/// One team's side of an applied match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChange {
    pub team_id: TeamId,
    /// The team's matchmaker rating used for the match (participants' average).
    pub matchmaker_rating: u16,
    pub matchmaker_change: i32,
    pub old_rating: u16,
    pub new_rating: u16,
    pub rank: u32,
}

/// One participant's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    pub id: CharacterId,
    pub team_id: TeamId,
    pub won: bool,
    pub old_personal_rating: u16,
    pub new_personal_rating: u16,
    pub old_matchmaker_rating: u16,
    pub new_matchmaker_rating: u16,
}

/// What a match changed: winner first, then members (winners, then losers, in given order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOutcome {
    pub realm: RealmId,
    pub match_id: u64,
    pub winner: TeamChange,
    pub loser: TeamChange,
    pub members: Vec<MemberChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaResponse {
    Created {
        team_id: TeamId,
    },
    Joined {
        team_id: TeamId,
    },
    Left {
        team_id: TeamId,
        disbanded: bool,
    },
    MatchApplied(MatchOutcome),
    /// The match id was applied before: nothing changed; this is what it did then.
    MatchAlreadyApplied(MatchOutcome),
    WeekFinished {
        realm: RealmId,
        week: u32,
    },
    InvitesExpired {
        invites: u32,
    },
    MatchIdsExpired {
        matches: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveReason {
    Left,
    /// The character was deleted.
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisbandReason {
    /// The captain disbanded it.
    Disbanded,
    /// The captain left as the last member.
    CaptainLeft,
    /// The captain, the last member, was deleted.
    CaptainDeleted,
}

/// Events carry the online characters to tell (`notify`, with their gateways), as AC's
/// `BroadcastEvent` reaches the online members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaEvent {
    Created {
        team: ArenaTeam,
        captain_name: String,
        notify: Vec<Notify>,
    },
    /// `SMSG_ARENA_TEAM_INVITE` to the target.
    Invited {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        inviter: CharacterId,
        inviter_name: String,
        target: CharacterId,
        target_gateway: GatewayId,
        expires_ms: u64,
    },
    /// `ERR_ARENA_TEAM_JOIN_SS` to the team, the joiner included.
    Joined {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        id: CharacterId,
        name: String,
        notify: Vec<Notify>,
    },
    /// The invitee declined; `notify` is the inviter when online.
    Declined {
        realm: RealmId,
        team_id: TeamId,
        id: CharacterId,
        name: String,
        inviter: CharacterId,
        notify: Vec<Notify>,
    },
    /// `ERR_ARENA_TEAM_LEAVE_SS` to the team, the leaver included.
    Left {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        id: CharacterId,
        name: String,
        reason: LeaveReason,
        notify: Vec<Notify>,
    },
    /// `ERR_ARENA_TEAM_REMOVE_SSS` to the team, the removed member included.
    Removed {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        id: CharacterId,
        name: String,
        by: CharacterId,
        by_name: String,
        notify: Vec<Notify>,
    },
    /// `ERR_ARENA_TEAM_LEADER_CHANGED_SSS`.
    CaptainChanged {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        old_captain: CharacterId,
        old_captain_name: String,
        new_captain: CharacterId,
        new_captain_name: String,
        notify: Vec<Notify>,
    },
    /// `ERR_ARENA_TEAM_DISBANDED_S` to the former members.
    Disbanded {
        realm: RealmId,
        team_id: TeamId,
        team_name: String,
        arena_type: u8,
        by: CharacterId,
        by_name: String,
        reason: DisbandReason,
        members: Vec<CharacterId>,
        notify: Vec<Notify>,
    },
    /// New stats for both teams (AC `NotifyStatsChanged` reaches every online member).
    MatchApplied {
        outcome: MatchOutcome,
        notify: Vec<Notify>,
    },
    WeekFinished {
        realm: RealmId,
        week: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaQuery {
    Team {
        realm: RealmId,
        team_id: TeamId,
    },
    TeamByName {
        realm: RealmId,
        name: String,
    },
    Roster {
        realm: RealmId,
        team_id: TeamId,
    },
    /// The character's teams, by slot.
    TeamsOf {
        id: CharacterId,
    },
    /// The character's pending (unexpired) invite.
    Invite {
        id: CharacterId,
    },
}

/// A member as the roster shows it (`SMSG_ARENA_TEAM_ROSTER`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterMember {
    pub member: ArenaMember,
    pub name: String,
    pub class: u8,
    pub online: bool,
    /// From presence when online, else 0 (as AC).
    pub level: u8,
    pub captain: bool,
    pub matchmaker_rating: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub team: ArenaTeam,
    pub members: Vec<RosterMember>,
}

/// One of a character's teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTeam {
    pub slot: u8,
    pub team: ArenaTeam,
    pub member: ArenaMember,
    pub matchmaker_rating: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub invite: ArenaInvite,
    pub team_name: String,
    pub arena_type: u8,
    pub inviter_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaQueryResponse {
    Team(Option<ArenaTeam>),
    Roster(Option<Roster>),
    TeamsOf(Vec<SlotTeam>),
    Invite(Option<InviteView>),
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &ArenaCommand) -> Result<Response, Error> {
    let done = |r| Ok(Response::Arena(r));
    match cmd {
        ArenaCommand::Create(c) => done(ArenaResponse::Created {
            team_id: team::create(txn, c)?,
        }),
        ArenaCommand::Invite {
            inviter,
            team,
            target_name,
        } => {
            team::invite(txn, *inviter, *team, target_name)?;
            Ok(Response::Done)
        }
        ArenaCommand::Accept { id } => done(ArenaResponse::Joined {
            team_id: team::accept(txn, *id)?,
        }),
        ArenaCommand::Decline { id } => {
            team::decline(txn, *id)?;
            Ok(Response::Done)
        }
        ArenaCommand::Leave { id, team } => done(ArenaResponse::Left {
            team_id: *team,
            disbanded: team::leave(txn, *id, *team)?,
        }),
        ArenaCommand::Remove {
            captain,
            team,
            target,
        } => {
            team::remove(txn, *captain, *team, *target)?;
            Ok(Response::Done)
        }
        ArenaCommand::SetCaptain {
            captain,
            team,
            target,
        } => {
            team::set_captain(txn, *captain, *team, *target)?;
            Ok(Response::Done)
        }
        ArenaCommand::Disband { captain, team } => {
            team::disband(txn, *captain, *team)?;
            Ok(Response::Done)
        }
        ArenaCommand::ApplyMatchResult(m) => match rating::apply_match(txn, m)? {
            (outcome, true) => done(ArenaResponse::MatchApplied(outcome)),
            (outcome, false) => done(ArenaResponse::MatchAlreadyApplied(outcome)),
        },
        ArenaCommand::FinishWeek { realm } => {
            crate::realm::require(txn, *realm)?;
            let week = store::current_week(txn, *realm)?.saturating_add(1);
            txn.put(store::week_key(*realm), &week);
            txn.emit(ArenaEvent::WeekFinished {
                realm: *realm,
                week,
            });
            done(ArenaResponse::WeekFinished {
                realm: *realm,
                week,
            })
        }
        ArenaCommand::ExpireInvites => done(ArenaResponse::InvitesExpired {
            invites: sweep::expire_invites(txn)?,
        }),
        ArenaCommand::ExpireMatchIds => done(ArenaResponse::MatchIdsExpired {
            matches: sweep::expire_match_ids(txn)?,
        }),
    }
}

pub(crate) fn query(txn: &Txn<'_>, q: &ArenaQuery) -> Result<ArenaQueryResponse, Error> {
    read::query(txn, q)
}

/// The character logged out: its pending invite goes (AC invites are transient).
pub(crate) fn on_logout(txn: &mut Txn<'_>, id: CharacterId) -> Result<(), Error> {
    store::delete_invite(txn, id)?;
    Ok(())
}

/// The character was deleted: it leaves every team (captaincy handed on, or the team disbanded
/// when it was alone), and its invite and matchmaker ratings go.
pub(crate) fn on_character_deleted(txn: &mut Txn<'_>, c: &Character) -> Result<(), Error> {
    team::on_character_deleted(txn, c)
}
