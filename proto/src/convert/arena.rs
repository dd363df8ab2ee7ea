//! `ArenaService` ⇄ `tavern_statemachine::arena`.
//!
//! Ratings and game counters are `u16` in the domain and `uint32` on the wire; nested records
//! name their fields by where they sit (`roster.members[2].member.personal_rating`).

use tavern_statemachine::arena::{
    ArenaCommand, ArenaInvite, ArenaMember, ArenaQuery, ArenaQueryResponse, ArenaResponse,
    ArenaTeam, CreateTeam, Emblem, InviteView, MatchOutcome, MatchResult, MemberChange, Roster,
    RosterMember, SlotTeam, TeamChange, ARENA_SLOTS, ARENA_TYPE_MAX, TEAM_MEMBERS_MAX,
};
use tavern_statemachine::limits::ARENA_TEAM_NAME_CHARS_MAX;
use tavern_statemachine::{QueryResponse, Response};

use super::{
    byte, bytes_max, character_id, count_max, done_reply, each, mismatch, nested, query_reply,
    requests, required, short, try_from, write_reply, ConvertError, QueryReply, WriteReply,
    CHARACTER_NAME_BYTES_MAX,
};
use crate::pb;

/// The most bytes an arena team name may take on the wire: [`ARENA_TEAM_NAME_CHARS_MAX`]
/// characters of at most 4 UTF-8 bytes each. The character count is the state machine's check.
pub const ARENA_TEAM_NAME_BYTES_MAX: usize = ARENA_TEAM_NAME_CHARS_MAX * 4;

/// Participants one side of a match may report: the largest arena type.
const PARTICIPANTS_MAX: usize = ARENA_TYPE_MAX as usize;

/// Member changes one match may report: both sides' participants.
const MEMBER_CHANGES_MAX: usize = 2 * PARTICIPANTS_MAX;

pub(super) fn team_name(field: &str, name: String) -> Result<String, ConvertError> {
    bytes_max(field, name, ARENA_TEAM_NAME_BYTES_MAX)
}

fn character_name(field: &str, name: String) -> Result<String, ConvertError> {
    bytes_max(field, name, CHARACTER_NAME_BYTES_MAX)
}

impl From<Emblem> for pb::ArenaEmblem {
    fn from(e: Emblem) -> Self {
        pb::ArenaEmblem {
            background_color: e.background_color,
            emblem_style: e.emblem_style.into(),
            emblem_color: e.emblem_color,
            border_style: e.border_style.into(),
            border_color: e.border_color,
        }
    }
}

impl TryFrom<pb::ArenaEmblem> for Emblem {
    type Error = ConvertError;

    fn try_from(e: pb::ArenaEmblem) -> Result<Self, ConvertError> {
        Ok(Emblem {
            background_color: e.background_color,
            emblem_style: byte("emblem.emblem_style", e.emblem_style)?,
            emblem_color: e.emblem_color,
            border_style: byte("emblem.border_style", e.border_style)?,
            border_color: e.border_color,
        })
    }
}

impl From<ArenaTeam> for pb::ArenaTeam {
    fn from(t: ArenaTeam) -> Self {
        pb::ArenaTeam {
            id: t.id,
            realm: t.realm,
            name: t.name,
            captain: Some(t.captain.into()),
            arena_type: t.arena_type.into(),
            rating: t.rating.into(),
            week: t.week,
            week_games: t.week_games.into(),
            week_wins: t.week_wins.into(),
            season_games: t.season_games.into(),
            season_wins: t.season_wins.into(),
            rank: t.rank,
            emblem: Some(t.emblem.into()),
            created_ms: t.created_ms,
        }
    }
}

impl TryFrom<pb::ArenaTeam> for ArenaTeam {
    type Error = ConvertError;

    fn try_from(t: pb::ArenaTeam) -> Result<Self, ConvertError> {
        Ok(ArenaTeam {
            id: t.id,
            realm: t.realm,
            name: team_name("team.name", t.name)?,
            captain: character_id("team.captain", t.captain)?,
            arena_type: byte("team.arena_type", t.arena_type)?,
            rating: short("team.rating", t.rating)?,
            week: t.week,
            week_games: short("team.week_games", t.week_games)?,
            week_wins: short("team.week_wins", t.week_wins)?,
            season_games: short("team.season_games", t.season_games)?,
            season_wins: short("team.season_wins", t.season_wins)?,
            rank: t.rank,
            emblem: nested("team.emblem", t.emblem)?,
            created_ms: t.created_ms,
        })
    }
}

impl From<ArenaMember> for pb::ArenaMember {
    fn from(m: ArenaMember) -> Self {
        pb::ArenaMember {
            id: Some(m.id.into()),
            team_id: m.team_id,
            week: m.week,
            week_games: m.week_games.into(),
            week_wins: m.week_wins.into(),
            season_games: m.season_games.into(),
            season_wins: m.season_wins.into(),
            personal_rating: m.personal_rating.into(),
        }
    }
}

impl TryFrom<pb::ArenaMember> for ArenaMember {
    type Error = ConvertError;

    fn try_from(m: pb::ArenaMember) -> Result<Self, ConvertError> {
        Ok(ArenaMember {
            id: character_id("member.id", m.id)?,
            team_id: m.team_id,
            week: m.week,
            week_games: short("member.week_games", m.week_games)?,
            week_wins: short("member.week_wins", m.week_wins)?,
            season_games: short("member.season_games", m.season_games)?,
            season_wins: short("member.season_wins", m.season_wins)?,
            personal_rating: short("member.personal_rating", m.personal_rating)?,
        })
    }
}

impl From<ArenaInvite> for pb::ArenaInvite {
    fn from(i: ArenaInvite) -> Self {
        pb::ArenaInvite {
            target: Some(i.target.into()),
            team_id: i.team_id,
            inviter: Some(i.inviter.into()),
            expires_ms: i.expires_ms,
        }
    }
}

impl TryFrom<pb::ArenaInvite> for ArenaInvite {
    type Error = ConvertError;

    fn try_from(i: pb::ArenaInvite) -> Result<Self, ConvertError> {
        Ok(ArenaInvite {
            target: character_id("invite.target", i.target)?,
            team_id: i.team_id,
            inviter: character_id("invite.inviter", i.inviter)?,
            expires_ms: i.expires_ms,
        })
    }
}

impl From<RosterMember> for pb::ArenaRosterMember {
    fn from(m: RosterMember) -> Self {
        pb::ArenaRosterMember {
            member: Some(m.member.into()),
            name: m.name,
            class_id: m.class.into(),
            online: m.online,
            level: m.level.into(),
            captain: m.captain,
            matchmaker_rating: m.matchmaker_rating.into(),
        }
    }
}

impl TryFrom<pb::ArenaRosterMember> for RosterMember {
    type Error = ConvertError;

    fn try_from(m: pb::ArenaRosterMember) -> Result<Self, ConvertError> {
        Ok(RosterMember {
            member: nested("roster_member.member", m.member)?,
            name: character_name("roster_member.name", m.name)?,
            class: byte("roster_member.class", m.class_id)?,
            online: m.online,
            level: byte("roster_member.level", m.level)?,
            captain: m.captain,
            matchmaker_rating: short("roster_member.matchmaker_rating", m.matchmaker_rating)?,
        })
    }
}

impl From<Roster> for pb::ArenaRoster {
    fn from(r: Roster) -> Self {
        pb::ArenaRoster {
            team: Some(r.team.into()),
            members: r.members.into_iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<pb::ArenaRoster> for Roster {
    type Error = ConvertError;

    fn try_from(r: pb::ArenaRoster) -> Result<Self, ConvertError> {
        count_max("roster.members", r.members.len(), TEAM_MEMBERS_MAX)?;
        Ok(Roster {
            team: nested("roster.team", r.team)?,
            members: each("roster.members", r.members, RosterMember::try_from)?,
        })
    }
}

impl From<SlotTeam> for pb::ArenaSlotTeam {
    fn from(s: SlotTeam) -> Self {
        pb::ArenaSlotTeam {
            slot: s.slot.into(),
            team: Some(s.team.into()),
            member: Some(s.member.into()),
            matchmaker_rating: s.matchmaker_rating.into(),
        }
    }
}

impl TryFrom<pb::ArenaSlotTeam> for SlotTeam {
    type Error = ConvertError;

    fn try_from(s: pb::ArenaSlotTeam) -> Result<Self, ConvertError> {
        Ok(SlotTeam {
            slot: byte("slot_team.slot", s.slot)?,
            team: nested("slot_team.team", s.team)?,
            member: nested("slot_team.member", s.member)?,
            matchmaker_rating: short("slot_team.matchmaker_rating", s.matchmaker_rating)?,
        })
    }
}

impl From<InviteView> for pb::ArenaInviteView {
    fn from(v: InviteView) -> Self {
        pb::ArenaInviteView {
            invite: Some(v.invite.into()),
            team_name: v.team_name,
            arena_type: v.arena_type.into(),
            inviter_name: v.inviter_name,
        }
    }
}

impl TryFrom<pb::ArenaInviteView> for InviteView {
    type Error = ConvertError;

    fn try_from(v: pb::ArenaInviteView) -> Result<Self, ConvertError> {
        Ok(InviteView {
            invite: nested("invite_view.invite", v.invite)?,
            team_name: team_name("invite_view.team_name", v.team_name)?,
            arena_type: byte("invite_view.arena_type", v.arena_type)?,
            inviter_name: character_name("invite_view.inviter_name", v.inviter_name)?,
        })
    }
}

impl From<TeamChange> for pb::ArenaTeamChange {
    fn from(c: TeamChange) -> Self {
        pb::ArenaTeamChange {
            team_id: c.team_id,
            matchmaker_rating: c.matchmaker_rating.into(),
            matchmaker_change: c.matchmaker_change,
            old_rating: c.old_rating.into(),
            new_rating: c.new_rating.into(),
            rank: c.rank,
        }
    }
}

impl TryFrom<pb::ArenaTeamChange> for TeamChange {
    type Error = ConvertError;

    fn try_from(c: pb::ArenaTeamChange) -> Result<Self, ConvertError> {
        Ok(TeamChange {
            team_id: c.team_id,
            matchmaker_rating: short("team_change.matchmaker_rating", c.matchmaker_rating)?,
            matchmaker_change: c.matchmaker_change,
            old_rating: short("team_change.old_rating", c.old_rating)?,
            new_rating: short("team_change.new_rating", c.new_rating)?,
            rank: c.rank,
        })
    }
}

impl From<MemberChange> for pb::ArenaMemberChange {
    fn from(c: MemberChange) -> Self {
        pb::ArenaMemberChange {
            id: Some(c.id.into()),
            team_id: c.team_id,
            won: c.won,
            old_personal_rating: c.old_personal_rating.into(),
            new_personal_rating: c.new_personal_rating.into(),
            old_matchmaker_rating: c.old_matchmaker_rating.into(),
            new_matchmaker_rating: c.new_matchmaker_rating.into(),
        }
    }
}

impl TryFrom<pb::ArenaMemberChange> for MemberChange {
    type Error = ConvertError;

    fn try_from(c: pb::ArenaMemberChange) -> Result<Self, ConvertError> {
        Ok(MemberChange {
            id: character_id("member_change.id", c.id)?,
            team_id: c.team_id,
            won: c.won,
            old_personal_rating: short("member_change.old_personal_rating", c.old_personal_rating)?,
            new_personal_rating: short("member_change.new_personal_rating", c.new_personal_rating)?,
            old_matchmaker_rating: short(
                "member_change.old_matchmaker_rating",
                c.old_matchmaker_rating,
            )?,
            new_matchmaker_rating: short(
                "member_change.new_matchmaker_rating",
                c.new_matchmaker_rating,
            )?,
        })
    }
}

impl From<MatchOutcome> for pb::ArenaMatchOutcome {
    fn from(o: MatchOutcome) -> Self {
        pb::ArenaMatchOutcome {
            realm: o.realm,
            match_id: o.match_id,
            winner: Some(o.winner.into()),
            loser: Some(o.loser.into()),
            members: o.members.into_iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<pb::ArenaMatchOutcome> for MatchOutcome {
    type Error = ConvertError;

    fn try_from(o: pb::ArenaMatchOutcome) -> Result<Self, ConvertError> {
        count_max("outcome.members", o.members.len(), MEMBER_CHANGES_MAX)?;
        Ok(MatchOutcome {
            realm: o.realm,
            match_id: o.match_id,
            winner: nested("outcome.winner", o.winner)?,
            loser: nested("outcome.loser", o.loser)?,
            members: each("outcome.members", o.members, MemberChange::try_from)?,
        })
    }
}

impl From<CreateTeam> for pb::CreateArenaTeamRequest {
    fn from(c: CreateTeam) -> Self {
        pb::CreateArenaTeamRequest {
            header: None,
            realm: c.realm,
            captain: Some(c.captain.into()),
            name: c.name,
            arena_type: c.arena_type.into(),
            emblem: Some(c.emblem.into()),
        }
    }
}

impl From<MatchResult> for pb::ApplyArenaMatchResultRequest {
    fn from(m: MatchResult) -> Self {
        pb::ApplyArenaMatchResultRequest {
            header: None,
            realm: m.realm,
            match_id: m.match_id,
            winner: m.winner,
            loser: m.loser,
            winner_participants: m.winner_participants.into_iter().map(Into::into).collect(),
            loser_participants: m.loser_participants.into_iter().map(Into::into).collect(),
        }
    }
}

requests! {
    /// The write RPCs of `ArenaService`.
    ArenaWrite => ArenaCommand {
        CreateArenaTeam(pb::CreateArenaTeamRequest),
        InviteToArenaTeam(pb::InviteToArenaTeamRequest),
        AcceptArenaTeamInvite(pb::AcceptArenaTeamInviteRequest),
        DeclineArenaTeamInvite(pb::DeclineArenaTeamInviteRequest),
        LeaveArenaTeam(pb::LeaveArenaTeamRequest),
        RemoveArenaTeamMember(pb::RemoveArenaTeamMemberRequest),
        SetArenaTeamCaptain(pb::SetArenaTeamCaptainRequest),
        DisbandArenaTeam(pb::DisbandArenaTeamRequest),
        ApplyArenaMatchResult(pb::ApplyArenaMatchResultRequest),
        FinishArenaWeek(pb::FinishArenaWeekRequest),
        ExpireArenaInvites(pb::ExpireArenaInvitesRequest),
        ExpireArenaMatchIds(pb::ExpireArenaMatchIdsRequest),
    }
}

requests! {
    /// The read RPCs of `ArenaService`.
    ArenaRead => ArenaQuery {
        GetArenaTeam(pb::GetArenaTeamRequest),
        GetArenaTeamByName(pb::GetArenaTeamByNameRequest),
        GetArenaTeamRoster(pb::GetArenaTeamRosterRequest),
        ListArenaTeamsOfCharacter(pb::ListArenaTeamsOfCharacterRequest),
        GetArenaTeamInvite(pb::GetArenaTeamInviteRequest),
    }
}

impl From<ArenaCommand> for ArenaWrite {
    fn from(c: ArenaCommand) -> Self {
        use ArenaWrite as W;
        let header = None;
        match c {
            ArenaCommand::Create(create) => W::CreateArenaTeam(create.into()),
            ArenaCommand::Invite {
                inviter,
                team,
                target_name,
            } => W::InviteToArenaTeam(pb::InviteToArenaTeamRequest {
                header,
                inviter: Some(inviter.into()),
                team_id: team,
                target_name,
            }),
            ArenaCommand::Accept { id } => {
                W::AcceptArenaTeamInvite(pb::AcceptArenaTeamInviteRequest {
                    header,
                    id: Some(id.into()),
                })
            }
            ArenaCommand::Decline { id } => {
                W::DeclineArenaTeamInvite(pb::DeclineArenaTeamInviteRequest {
                    header,
                    id: Some(id.into()),
                })
            }
            ArenaCommand::Leave { id, team } => W::LeaveArenaTeam(pb::LeaveArenaTeamRequest {
                header,
                id: Some(id.into()),
                team_id: team,
            }),
            ArenaCommand::Remove {
                captain,
                team,
                target,
            } => W::RemoveArenaTeamMember(pb::RemoveArenaTeamMemberRequest {
                header,
                captain: Some(captain.into()),
                team_id: team,
                target: Some(target.into()),
            }),
            ArenaCommand::SetCaptain {
                captain,
                team,
                target,
            } => W::SetArenaTeamCaptain(pb::SetArenaTeamCaptainRequest {
                header,
                captain: Some(captain.into()),
                team_id: team,
                target: Some(target.into()),
            }),
            ArenaCommand::Disband { captain, team } => {
                W::DisbandArenaTeam(pb::DisbandArenaTeamRequest {
                    header,
                    captain: Some(captain.into()),
                    team_id: team,
                })
            }
            ArenaCommand::ApplyMatchResult(m) => W::ApplyArenaMatchResult(m.into()),
            ArenaCommand::FinishWeek { realm } => {
                W::FinishArenaWeek(pb::FinishArenaWeekRequest { header, realm })
            }
            ArenaCommand::ExpireInvites => {
                W::ExpireArenaInvites(pb::ExpireArenaInvitesRequest { header })
            }
            ArenaCommand::ExpireMatchIds => {
                W::ExpireArenaMatchIds(pb::ExpireArenaMatchIdsRequest { header })
            }
        }
    }
}

impl From<ArenaQuery> for ArenaRead {
    fn from(q: ArenaQuery) -> Self {
        use ArenaRead as R;
        let header = None;
        match q {
            ArenaQuery::Team { realm, team_id } => R::GetArenaTeam(pb::GetArenaTeamRequest {
                header,
                realm,
                team_id,
            }),
            ArenaQuery::TeamByName { realm, name } => {
                R::GetArenaTeamByName(pb::GetArenaTeamByNameRequest {
                    header,
                    realm,
                    name,
                })
            }
            ArenaQuery::Roster { realm, team_id } => {
                R::GetArenaTeamRoster(pb::GetArenaTeamRosterRequest {
                    header,
                    realm,
                    team_id,
                })
            }
            ArenaQuery::TeamsOf { id } => {
                R::ListArenaTeamsOfCharacter(pb::ListArenaTeamsOfCharacterRequest {
                    header,
                    id: Some(id.into()),
                })
            }
            ArenaQuery::Invite { id } => R::GetArenaTeamInvite(pb::GetArenaTeamInviteRequest {
                header,
                id: Some(id.into()),
            }),
        }
    }
}

try_from!(pb::CreateArenaTeamRequest => ArenaCommand, |r| ArenaCommand::Create(CreateTeam {
    realm: r.realm,
    captain: character_id("create_team.captain", r.captain)?,
    name: team_name("create_team.name", r.name)?,
    arena_type: byte("create_team.arena_type", r.arena_type)?,
    emblem: nested("create_team.emblem", r.emblem)?,
}));
try_from!(pb::InviteToArenaTeamRequest => ArenaCommand, |r| ArenaCommand::Invite {
    inviter: character_id("invite.inviter", r.inviter)?,
    team: r.team_id,
    target_name: character_name("invite.target_name", r.target_name)?,
});
try_from!(pb::AcceptArenaTeamInviteRequest => ArenaCommand, |r| ArenaCommand::Accept {
    id: character_id("accept.id", r.id)?,
});
try_from!(pb::DeclineArenaTeamInviteRequest => ArenaCommand, |r| ArenaCommand::Decline {
    id: character_id("decline.id", r.id)?,
});
try_from!(pb::LeaveArenaTeamRequest => ArenaCommand, |r| ArenaCommand::Leave {
    id: character_id("leave.id", r.id)?,
    team: r.team_id,
});
try_from!(pb::RemoveArenaTeamMemberRequest => ArenaCommand, |r| ArenaCommand::Remove {
    captain: character_id("remove.captain", r.captain)?,
    team: r.team_id,
    target: character_id("remove.target", r.target)?,
});
try_from!(pb::SetArenaTeamCaptainRequest => ArenaCommand, |r| ArenaCommand::SetCaptain {
    captain: character_id("set_captain.captain", r.captain)?,
    team: r.team_id,
    target: character_id("set_captain.target", r.target)?,
});
try_from!(pb::DisbandArenaTeamRequest => ArenaCommand, |r| ArenaCommand::Disband {
    captain: character_id("disband.captain", r.captain)?,
    team: r.team_id,
});
try_from!(pb::ApplyArenaMatchResultRequest => ArenaCommand, |r| {
    count_max("winner_participants", r.winner_participants.len(), PARTICIPANTS_MAX)?;
    count_max("loser_participants", r.loser_participants.len(), PARTICIPANTS_MAX)?;
    ArenaCommand::ApplyMatchResult(MatchResult {
        realm: r.realm,
        match_id: r.match_id,
        winner: r.winner,
        loser: r.loser,
        winner_participants: r.winner_participants.into_iter().map(Into::into).collect(),
        loser_participants: r.loser_participants.into_iter().map(Into::into).collect(),
    })
});
try_from!(pb::FinishArenaWeekRequest => ArenaCommand, |r| ArenaCommand::FinishWeek {
    realm: r.realm,
});
try_from!(pb::ExpireArenaInvitesRequest => ArenaCommand, |_r| ArenaCommand::ExpireInvites);
try_from!(pb::ExpireArenaMatchIdsRequest => ArenaCommand, |_r| ArenaCommand::ExpireMatchIds);

try_from!(pb::GetArenaTeamRequest => ArenaQuery, |r| ArenaQuery::Team {
    realm: r.realm,
    team_id: r.team_id,
});
try_from!(pb::GetArenaTeamByNameRequest => ArenaQuery, |r| ArenaQuery::TeamByName {
    realm: r.realm,
    name: team_name("team_by_name.name", r.name)?,
});
try_from!(pb::GetArenaTeamRosterRequest => ArenaQuery, |r| ArenaQuery::Roster {
    realm: r.realm,
    team_id: r.team_id,
});
try_from!(pb::ListArenaTeamsOfCharacterRequest => ArenaQuery, |r| ArenaQuery::TeamsOf {
    id: character_id("teams_of.id", r.id)?,
});
try_from!(pb::GetArenaTeamInviteRequest => ArenaQuery, |r| ArenaQuery::Invite {
    id: character_id("invite.id", r.id)?,
});

done_reply!(
    pb::InviteToArenaTeamResponse,
    pb::DeclineArenaTeamInviteResponse,
    pb::RemoveArenaTeamMemberResponse,
    pb::SetArenaTeamCaptainResponse,
    pb::DisbandArenaTeamResponse,
);

write_reply!(Arena,
    pb::CreateArenaTeamResponse, "CreateArenaTeam",
    ArenaResponse::Created { team_id } => { team_id },
    |m| ArenaResponse::Created { team_id: m.team_id }
);
write_reply!(Arena,
    pb::AcceptArenaTeamInviteResponse, "AcceptArenaTeamInvite",
    ArenaResponse::Joined { team_id } => { team_id },
    |m| ArenaResponse::Joined { team_id: m.team_id }
);
write_reply!(Arena,
    pb::LeaveArenaTeamResponse, "LeaveArenaTeam",
    ArenaResponse::Left { team_id, disbanded } => { team_id, disbanded },
    |m| ArenaResponse::Left { team_id: m.team_id, disbanded: m.disbanded }
);
write_reply!(Arena,
    pb::FinishArenaWeekResponse, "FinishArenaWeek",
    ArenaResponse::WeekFinished { realm, week } => { realm, week },
    |m| ArenaResponse::WeekFinished { realm: m.realm, week: m.week }
);
write_reply!(Arena,
    pb::ExpireArenaInvitesResponse, "ExpireArenaInvites",
    ArenaResponse::InvitesExpired { invites } => { invites },
    |m| ArenaResponse::InvitesExpired { invites: m.invites }
);
write_reply!(Arena,
    pb::ExpireArenaMatchIdsResponse, "ExpireArenaMatchIds",
    ArenaResponse::MatchIdsExpired { matches } => { matches },
    |m| ArenaResponse::MatchIdsExpired { matches: m.matches }
);

/// A first apply and a retry carry the same outcome; `already_applied` tells them apart.
impl WriteReply for pb::ApplyArenaMatchResultResponse {
    fn from_response(header: pb::ResponseHeader, response: Response) -> Result<Self, ConvertError> {
        let (outcome, already_applied) = match response {
            Response::Arena(ArenaResponse::MatchApplied(o)) => (o, false),
            Response::Arena(ArenaResponse::MatchAlreadyApplied(o)) => (o, true),
            other => return Err(mismatch("ApplyArenaMatchResult", &other)),
        };
        Ok(Self {
            header: Some(header),
            outcome: Some(outcome.into()),
            already_applied,
        })
    }

    fn into_response(self) -> Result<Response, ConvertError> {
        let outcome = required("outcome", self.outcome)?.try_into()?;
        Ok(Response::Arena(if self.already_applied {
            ArenaResponse::MatchAlreadyApplied(outcome)
        } else {
            ArenaResponse::MatchApplied(outcome)
        }))
    }
}

query_reply!(Arena,
    pb::GetArenaTeamResponse, "GetArenaTeam",
    ArenaQueryResponse::Team(t) => { team: t.map(Into::into) },
    |m| ArenaQueryResponse::Team(m.team.map(ArenaTeam::try_from).transpose()?)
);
query_reply!(Arena,
    pb::GetArenaTeamByNameResponse, "GetArenaTeamByName",
    ArenaQueryResponse::Team(t) => { team: t.map(Into::into) },
    |m| ArenaQueryResponse::Team(m.team.map(ArenaTeam::try_from).transpose()?)
);
query_reply!(Arena,
    pb::GetArenaTeamRosterResponse, "GetArenaTeamRoster",
    ArenaQueryResponse::Roster(r) => { roster: r.map(Into::into) },
    |m| ArenaQueryResponse::Roster(m.roster.map(Roster::try_from).transpose()?)
);
query_reply!(Arena,
    pb::ListArenaTeamsOfCharacterResponse, "ListArenaTeamsOfCharacter",
    ArenaQueryResponse::TeamsOf(teams) => { teams: teams.into_iter().map(Into::into).collect() },
    |m| {
        count_max("teams", m.teams.len(), usize::from(ARENA_SLOTS))?;
        ArenaQueryResponse::TeamsOf(each("teams", m.teams, SlotTeam::try_from)?)
    }
);
query_reply!(Arena,
    pb::GetArenaTeamInviteResponse, "GetArenaTeamInvite",
    ArenaQueryResponse::Invite(v) => { invite: v.map(Into::into) },
    |m| ArenaQueryResponse::Invite(m.invite.map(InviteView::try_from).transpose()?)
);
