//! Typed calls of the arena domain: teams, invites, membership, match results, the weekly
//! reset and the leader's sweeps.

use tavern_statemachine::arena::{
    ArenaCommand, ArenaQuery, ArenaQueryResponse, ArenaResponse, ArenaTeam, CreateTeam, InviteView,
    MatchOutcome, MatchResult, Roster, SlotTeam,
};
use tavern_statemachine::{CharacterId, Command, Query, QueryResponse, RealmId, Response, TeamId};

use super::typed_calls;

typed_calls! {
    /// Arena teams: charters, invites, rosters, rated match results.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// use tavern_statemachine::CharacterId;
    /// let teams = client.list_arena_teams_of_character(CharacterId { realm: 1, low: 1 }).await?;
    /// # Ok(()) }
    /// ```
    trait ArenaApi;

    /// Creates a team from a charter turned in; answers its id.
    write create_arena_team(team: CreateTeam) -> TeamId
        = Command::Arena(ArenaCommand::Create(team));
        Response::Arena(ArenaResponse::Created { team_id }) => team_id;
        example "use tavern_statemachine::arena::{CreateTeam, Emblem};
let team = client.create_arena_team(CreateTeam { realm: 1, captain: arthas,
    name: \"Scourge\".into(), arena_type: 2, emblem: Emblem::default() }).await?;";

    /// A member invites an online, max-level character by name.
    write invite_to_arena_team(inviter: CharacterId, team: TeamId, target_name: String) -> ()
        = Command::Arena(ArenaCommand::Invite { inviter, team, target_name });
        Response::Done => ();
        example "client.invite_to_arena_team(arthas, 1, \"Jaina\".into()).await?;";

    /// Accepts the character's pending invite; answers the team joined.
    write accept_arena_team_invite(id: CharacterId) -> TeamId
        = Command::Arena(ArenaCommand::Accept { id });
        Response::Arena(ArenaResponse::Joined { team_id }) => team_id;
        example "let team = client.accept_arena_team_invite(jaina).await?;";

    /// Declines the character's pending invite.
    write decline_arena_team_invite(id: CharacterId) -> ()
        = Command::Arena(ArenaCommand::Decline { id }); Response::Done => ();
        example "client.decline_arena_team_invite(jaina).await?;";

    /// Leaves a team (the captain only when alone, which disbands it); answers whether the
    /// team was disbanded.
    write leave_arena_team(id: CharacterId, team: TeamId) -> bool
        = Command::Arena(ArenaCommand::Leave { id, team });
        Response::Arena(ArenaResponse::Left { disbanded, .. }) => disbanded;
        example "let disbanded = client.leave_arena_team(jaina, 1).await?;";

    /// The captain removes a member.
    write remove_arena_team_member(captain: CharacterId, team: TeamId, target: CharacterId) -> ()
        = Command::Arena(ArenaCommand::Remove { captain, team, target }); Response::Done => ();
        example "client.remove_arena_team_member(arthas, 1, jaina).await?;";

    /// The captain hands the team to a member.
    write set_arena_team_captain(captain: CharacterId, team: TeamId, target: CharacterId) -> ()
        = Command::Arena(ArenaCommand::SetCaptain { captain, team, target }); Response::Done => ();
        example "client.set_arena_team_captain(arthas, 1, jaina).await?;";

    /// The captain disbands the team.
    write disband_arena_team(captain: CharacterId, team: TeamId) -> ()
        = Command::Arena(ArenaCommand::Disband { captain, team }); Response::Done => ();
        example "client.disband_arena_team(arthas, 1).await?;";

    /// Applies a rated match's result; answers what it changed and whether this call applied
    /// it (`false`: that match id was applied before and nothing changed now).
    write apply_arena_match_result(result: MatchResult) -> (MatchOutcome, bool)
        = Command::Arena(ArenaCommand::ApplyMatchResult(result));
        Response::Arena(r @ (ArenaResponse::MatchApplied(_) | ArenaResponse::MatchAlreadyApplied(_)))
            => {
                let now = matches!(r, ArenaResponse::MatchApplied(_));
                match r {
                    ArenaResponse::MatchApplied(o) | ArenaResponse::MatchAlreadyApplied(o) => (o, now),
                    other => return Err(super::unexpected("apply_arena_match_result", &other)),
                }
            };
        example "use tavern_statemachine::arena::MatchResult;
let (outcome, applied_now) = client.apply_arena_match_result(MatchResult { realm: 1,
    match_id: 7, winner: 1, loser: 2, winner_participants: vec![arthas],
    loser_participants: vec![jaina] }).await?;";

    /// Resets the weekly games and wins of a realm's teams; answers the new week number.
    write finish_arena_week(realm: RealmId) -> u32
        = Command::Arena(ArenaCommand::FinishWeek { realm });
        Response::Arena(ArenaResponse::WeekFinished { week, .. }) => week;
        example "let week = client.finish_arena_week(1).await?;";

    /// Drops invites past their expiry; answers how many (normally the leader's job).
    write expire_arena_invites() -> u32
        = Command::Arena(ArenaCommand::ExpireInvites);
        Response::Arena(ArenaResponse::InvitesExpired { invites }) => invites;
        example "let dropped = client.expire_arena_invites().await?;";

    /// Forgets old applied match ids; answers how many (normally the leader's job).
    write expire_arena_match_ids() -> u32
        = Command::Arena(ArenaCommand::ExpireMatchIds);
        Response::Arena(ArenaResponse::MatchIdsExpired { matches }) => matches;
        example "let forgotten = client.expire_arena_match_ids().await?;";

    /// A team by id.
    read get_arena_team(realm: RealmId, team_id: TeamId) -> Option<ArenaTeam>
        = Query::Arena(ArenaQuery::Team { realm, team_id });
        QueryResponse::Arena(ArenaQueryResponse::Team(t)) => t;
        example "let team = client.get_arena_team(1, 1).await?;";

    /// A team by name (any case).
    read get_arena_team_by_name(realm: RealmId, name: String) -> Option<ArenaTeam>
        = Query::Arena(ArenaQuery::TeamByName { realm, name });
        QueryResponse::Arena(ArenaQueryResponse::Team(t)) => t;
        example "let team = client.get_arena_team_by_name(1, \"Scourge\".into()).await?;";

    /// A team with its members as the roster shows them.
    read get_arena_team_roster(realm: RealmId, team_id: TeamId) -> Option<Roster>
        = Query::Arena(ArenaQuery::Roster { realm, team_id });
        QueryResponse::Arena(ArenaQueryResponse::Roster(r)) => r;
        example "let roster = client.get_arena_team_roster(1, 1).await?;";

    /// A character's teams, by slot.
    read list_arena_teams_of_character(id: CharacterId) -> Vec<SlotTeam>
        = Query::Arena(ArenaQuery::TeamsOf { id });
        QueryResponse::Arena(ArenaQueryResponse::TeamsOf(t)) => t;
        example "let teams = client.list_arena_teams_of_character(arthas).await?;";

    /// A character's pending (unexpired) invite.
    read get_arena_team_invite(id: CharacterId) -> Option<InviteView>
        = Query::Arena(ArenaQuery::Invite { id });
        QueryResponse::Arena(ArenaQueryResponse::Invite(i)) => i;
        example "let invite = client.get_arena_team_invite(jaina).await?;";
}
