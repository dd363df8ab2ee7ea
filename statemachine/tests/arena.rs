//! Arena teams, told as stories: every command, query, limit and error code of `arena`.

use tavern_statemachine::arena::{
    action, chance_against, modify_matchmaker, ArenaCommand, ArenaConfig, ArenaEvent, ArenaInvite,
    ArenaMember, ArenaQuery, ArenaQueryResponse, ArenaResponse, ArenaResult, ArenaTeam, CreateTeam,
    DisbandReason, Emblem, InviteView, LeaveReason, MatchOutcome, MatchResult, Matchmaker,
    MemberChange, Roster, RosterMember, SlotTeam, TeamChange,
};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::codec::Record;
use tavern_statemachine::keys::{Key, IGNORE};
use tavern_statemachine::presence::{Login, Notify, PresenceCommand};
use tavern_statemachine::testkit::{Sim, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Error, Event, Mutation, Query, QueryResponse, Response,
    TeamId,
};

const EMBLEM: Emblem = Emblem {
    background_color: 0xFF10_2030,
    emblem_style: 7,
    emblem_color: 0xFFAA_BBCC,
    border_style: 2,
    border_color: 0xFF00_0000,
};

fn c(low: u32) -> CharacterId {
    CharacterId::new(1, low)
}

fn gw(low: u32) -> Notify {
    Notify {
        id: c(low),
        gateway: "gw1".into(),
    }
}

fn arena_err(r: ArenaResult) -> Error {
    Error::Arena(r)
}

fn create_cmd(captain: u32, name: &str, arena_type: u8) -> ArenaCommand {
    ArenaCommand::Create(CreateTeam {
        realm: 1,
        captain: c(captain),
        name: name.into(),
        arena_type,
        emblem: EMBLEM,
    })
}

fn create(sim: &mut Sim, captain: u32, name: &str, arena_type: u8) -> TeamId {
    match sim.ok(create_cmd(captain, name, arena_type)) {
        Response::Arena(ArenaResponse::Created { team_id }) => team_id,
        other => panic!("create answered {other:?}"),
    }
}

fn invite_cmd(inviter: u32, team: TeamId, target: &str) -> ArenaCommand {
    ArenaCommand::Invite {
        inviter: c(inviter),
        team,
        target_name: target.into(),
    }
}

/// Invites `target` (by its world name) and accepts.
fn join(sim: &mut Sim, team: TeamId, inviter: u32, target: u32) {
    sim.ok(invite_cmd(
        inviter,
        team,
        &tavern_statemachine::testkit::name_of(target),
    ));
    assert_eq!(
        sim.ok(ArenaCommand::Accept { id: c(target) }),
        Response::Arena(ArenaResponse::Joined { team_id: team })
    );
}

fn query(sim: &Sim, q: ArenaQuery) -> ArenaQueryResponse {
    match sim.query(Query::Arena(q)) {
        Ok(QueryResponse::Arena(r)) => r,
        other => panic!("arena query answered {other:?}"),
    }
}

fn team(sim: &Sim, team_id: TeamId) -> Option<ArenaTeam> {
    match query(sim, ArenaQuery::Team { realm: 1, team_id }) {
        ArenaQueryResponse::Team(t) => t,
        other => panic!("{other:?}"),
    }
}

fn roster(sim: &Sim, team_id: TeamId) -> Option<Roster> {
    match query(sim, ArenaQuery::Roster { realm: 1, team_id }) {
        ArenaQueryResponse::Roster(r) => r,
        other => panic!("{other:?}"),
    }
}

fn invite_of(sim: &Sim, low: u32) -> Option<InviteView> {
    match query(sim, ArenaQuery::Invite { id: c(low) }) {
        ArenaQueryResponse::Invite(i) => i,
        other => panic!("{other:?}"),
    }
}

fn set_arena_config(sim: &mut Sim, f: impl FnOnce(&mut ArenaConfig)) {
    let mut cfg = ClusterConfig::default();
    f(&mut cfg.arena);
    sim.ok(Command::SetConfig(cfg));
}

fn member(low: u32, team_id: TeamId, personal_rating: u16) -> ArenaMember {
    ArenaMember {
        id: c(low),
        team_id,
        week: 0,
        week_games: 0,
        week_wins: 0,
        season_games: 0,
        season_wins: 0,
        personal_rating,
    }
}

/// A world of `n` alliance characters, all online through gw1.
fn online_world(n: u32) -> Sim {
    let mut sim = Sim::world(n);
    for i in 1..=n {
        sim.login(c(i), "gw1");
    }
    sim
}

#[test]
fn create_a_team_and_read_it_every_way() {
    let mut sim = online_world(2);
    let created_ms = sim.now_ms;

    // Alice turns in a 2v2 charter.
    let id = create(&mut sim, 1, "Gank Squad", 2);
    assert_eq!(id, 1);
    let expected = ArenaTeam {
        id: 1,
        realm: 1,
        name: "Gank Squad".into(),
        captain: c(1),
        arena_type: 2,
        rating: 0,
        week: 0,
        week_games: 0,
        week_wins: 0,
        season_games: 0,
        season_wins: 0,
        rank: 0,
        emblem: EMBLEM,
        created_ms,
    };
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Created {
            team: expected.clone(),
            captain_name: "Alice".into(),
            notify: vec![gw(1)],
        })]
    );

    // By id, by name (any case), roster, the captain's slots.
    assert_eq!(team(&sim, 1), Some(expected.clone()));
    assert_eq!(
        query(
            &sim,
            ArenaQuery::TeamByName {
                realm: 1,
                name: "gANK sQUAD".into()
            }
        ),
        ArenaQueryResponse::Team(Some(expected.clone()))
    );
    assert_eq!(
        query(
            &sim,
            ArenaQuery::TeamByName {
                realm: 2,
                name: "Gank Squad".into()
            }
        ),
        ArenaQueryResponse::Team(None)
    );
    assert_eq!(team(&sim, 2), None);
    assert_eq!(
        roster(&sim, 1),
        Some(Roster {
            team: expected.clone(),
            members: vec![RosterMember {
                member: member(1, 1, 0),
                name: "Alice".into(),
                class: 1,
                online: true,
                level: 80,
                captain: true,
                matchmaker_rating: 1500,
            }],
        })
    );
    assert_eq!(roster(&sim, 9), None);
    assert_eq!(
        query(&sim, ArenaQuery::TeamsOf { id: c(1) }),
        ArenaQueryResponse::TeamsOf(vec![SlotTeam {
            slot: 0,
            team: expected,
            member: member(1, 1, 0),
            matchmaker_rating: 1500,
        }])
    );
    assert_eq!(
        query(&sim, ArenaQuery::TeamsOf { id: c(2) }),
        ArenaQueryResponse::TeamsOf(vec![])
    );

    // The same captain may hold a 3v3 and a 5v5 too, each in its own slot; ids count up.
    assert_eq!(create(&mut sim, 1, "Trio", 3), 2);
    assert_eq!(create(&mut sim, 1, "Five", 5), 3);
    match query(&sim, ArenaQuery::TeamsOf { id: c(1) }) {
        ArenaQueryResponse::TeamsOf(slots) => assert_eq!(
            slots
                .iter()
                .map(|s| (s.slot, s.team.id))
                .collect::<Vec<_>>(),
            vec![(0, 1), (1, 2), (2, 3)]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn create_checks_type_name_captain_and_uniqueness() {
    let mut sim = online_world(3);

    // Type must be 2, 3 or 5.
    for bad in [0u8, 1, 4, 6] {
        assert_eq!(
            sim.err(create_cmd(1, "Team", bad)),
            Error::invalid("arena_type", format!("is {bad}, must be 2, 3 or 5"))
        );
    }
    // Name: 1..=24 characters; control characters are invalid.
    assert_eq!(
        sim.err(create_cmd(1, "", 2)),
        Error::invalid("name", "must not be empty")
    );
    let long: String = "x".repeat(25);
    assert_eq!(
        sim.err(create_cmd(1, &long, 2)),
        Error::invalid("name", "is 25 characters, the limit is 24 characters")
    );
    assert_eq!(
        sim.err(create_cmd(1, "Bad\nName", 2)),
        arena_err(ArenaResult::NameInvalid)
    );
    let max: String = "é".repeat(24);
    assert_eq!(create(&mut sim, 1, &max, 2), 1);

    // Unique per realm, case-insensitively.
    assert_eq!(
        sim.err(create_cmd(2, &"É".repeat(24), 3)),
        arena_err(ArenaResult::NameExistsS)
    );
    // One team per type.
    assert_eq!(
        sim.err(create_cmd(1, "Second Pair", 2)),
        arena_err(ArenaResult::AlreadyInArenaTeam)
    );
    // The captain must be of the realm, exist and be online.
    assert_eq!(
        sim.err(ArenaCommand::Create(CreateTeam {
            realm: 2,
            captain: c(2),
            name: "Elsewhere".into(),
            arena_type: 2,
            emblem: EMBLEM,
        })),
        Error::invalid("captain.realm", "is 1, the team's realm is 2")
    );
    assert_eq!(
        sim.err(ArenaCommand::Create(CreateTeam {
            realm: 7,
            captain: CharacterId::new(7, 1),
            name: "Nowhere".into(),
            arena_type: 2,
            emblem: EMBLEM,
        })),
        Error::not_found("realm 7")
    );
    assert_eq!(
        sim.err(create_cmd(99, "Ghosts", 2)),
        Error::not_found("character 1:99")
    );
    sim.logout(c(3), "gw1");
    assert_eq!(
        sim.err(create_cmd(3, "Offline", 2)),
        Error::not_found("online character 1:3")
    );
    // Nothing of the failed creates was stored: the next id is 2.
    assert_eq!(create(&mut sim, 2, "Pair", 2), 2);
}

#[test]
fn starting_ratings_follow_config_and_stored_matchmaker_ratings() {
    let mut sim = online_world(4);

    // Team rating 1200 → personal 1000 (start personal rating 0).
    set_arena_config(&mut sim, |a| {
        a.start_rating = 1200;
        a.start_matchmaker_rating = 1700;
    });
    let t = create(&mut sim, 1, "Twelve Hundred", 2);
    assert_eq!(team(&sim, t).map(|t| t.rating), Some(1200));
    assert_eq!(
        roster(&sim, t).map(|r| r.members),
        Some(vec![RosterMember {
            member: member(1, t, 1000),
            name: "Alice".into(),
            class: 1,
            online: true,
            level: 80,
            captain: true,
            matchmaker_rating: 1700,
        }])
    );

    // A start personal rating above 0 wins.
    set_arena_config(&mut sim, |a| a.start_personal_rating = 1300);
    let u = create(&mut sim, 2, "Thirteen", 2);
    match roster(&sim, u) {
        Some(r) => assert_eq!(r.members[0].member.personal_rating, 1300),
        None => panic!("team {u} missing"),
    }

    // Team rating below 1000 and no start personal rating → 0.
    set_arena_config(&mut sim, |a| a.start_rating = 999);
    let v = create(&mut sim, 3, "Nine", 2);
    match roster(&sim, v) {
        Some(r) => assert_eq!(
            (
                r.members[0].member.personal_rating,
                r.members[0].matchmaker_rating
            ),
            (0, 1500)
        ),
        None => panic!("team {v} missing"),
    }

    // Alice leaves her team (alone: it disbands) and joins Carol's: her 1700 MMR comes along.
    sim.ok(ArenaCommand::Leave { id: c(1), team: t });
    join(&mut sim, v, 3, 1);
    match roster(&sim, v) {
        Some(r) => assert_eq!(
            r.members
                .iter()
                .map(|m| (m.member.id, m.matchmaker_rating))
                .collect::<Vec<_>>(),
            vec![(c(1), 1700), (c(3), 1500)]
        ),
        None => panic!("team {v} missing"),
    }
}

#[test]
fn invite_and_accept_fill_a_2v2_to_four_then_too_many_members() {
    let mut sim = online_world(5);
    let t = create(&mut sim, 1, "Full House", 2);

    // Alice invites Bob: Bob's gateway gets the invite.
    let expires_ms = sim.now_ms + ArenaConfig::default().invite_ttl_ms;
    assert_eq!(sim.ok(invite_cmd(1, t, "bob")), Response::Done);
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Invited {
            realm: 1,
            team_id: t,
            team_name: "Full House".into(),
            inviter: c(1),
            inviter_name: "Alice".into(),
            target: c(2),
            target_gateway: "gw1".into(),
            expires_ms,
        })]
    );
    assert_eq!(
        invite_of(&sim, 2),
        Some(InviteView {
            invite: ArenaInvite {
                target: c(2),
                team_id: t,
                inviter: c(1),
                expires_ms,
            },
            team_name: "Full House".into(),
            arena_type: 2,
            inviter_name: "Alice".into(),
        })
    );

    // Bob accepts: the whole team (Bob included) hears it.
    assert_eq!(
        sim.ok(ArenaCommand::Accept { id: c(2) }),
        Response::Arena(ArenaResponse::Joined { team_id: t })
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Joined {
            realm: 1,
            team_id: t,
            team_name: "Full House".into(),
            id: c(2),
            name: "Bob".into(),
            notify: vec![gw(1), gw(2)],
        })]
    );
    assert_eq!(invite_of(&sim, 2), None);

    // Any member (Bob) may invite. Carol and Dave make four.
    join(&mut sim, t, 2, 3);
    join(&mut sim, t, 1, 4);
    assert_eq!(roster(&sim, t).map(|r| r.members.len()), Some(4));

    // The fifth: TOO_MANY_MEMBERS_S, nothing stored.
    assert_eq!(
        sim.err(invite_cmd(1, t, "Erin")),
        arena_err(ArenaResult::TooManyMembersS)
    );
    assert_eq!(invite_of(&sim, 5), None);
}

#[test]
fn invite_refusals_in_ac_order() {
    let mut sim = online_world(6);
    let t = create(&mut sim, 1, "Picky", 2);
    create(&mut sim, 3, "Other Pair", 2);

    // Unknown or offline target: PLAYER_NOT_FOUND_S.
    assert_eq!(
        sim.err(invite_cmd(1, t, "Nobody")),
        arena_err(ArenaResult::PlayerNotFoundS)
    );
    sim.logout(c(6), "gw1");
    assert_eq!(
        sim.err(invite_cmd(1, t, "Frank")),
        arena_err(ArenaResult::PlayerNotFoundS)
    );

    // Below max level: TARGET_TOO_LOW_S.
    sim.ok(PresenceCommand::Login(Login {
        id: c(6),
        gateway: "gw1".into(),
        zone: 1,
        area: 1,
        map: 0,
        level: 79,
        guild_id: 0,
        worldserver: None,
    }));
    assert_eq!(
        sim.err(invite_cmd(1, t, "Frank")),
        arena_err(ArenaResult::TargetTooLowS)
    );

    // No such team: PLAYER_NOT_IN_TEAM. Inviter not in it: PERMISSIONS.
    assert_eq!(
        sim.err(invite_cmd(1, 77, "Bob")),
        arena_err(ArenaResult::PlayerNotInTeam)
    );
    assert_eq!(
        sim.err(invite_cmd(2, t, "Erin")),
        arena_err(ArenaResult::Permissions)
    );

    // Other faction: NOT_ALLIED, unless AllowTwoSide.Interaction.Guild.
    sim.account(50);
    sim.character(c(50), 50, "Grom", ORC);
    sim.login(c(50), "gw1");
    assert_eq!(
        sim.err(invite_cmd(1, t, "Grom")),
        arena_err(ArenaResult::NotAllied)
    );
    set_arena_config(&mut sim, |a| a.allow_two_side = true);
    sim.ok(invite_cmd(1, t, "Grom"));
    sim.ok(ArenaCommand::Decline { id: c(50) });

    // Already in a team of that size: ALREADY_IN_ARENA_TEAM_S (Carol has one; so has Alice).
    assert_eq!(
        sim.err(invite_cmd(1, t, "Carol")),
        arena_err(ArenaResult::AlreadyInArenaTeamS)
    );
    assert_eq!(
        sim.err(invite_cmd(1, t, "Alice")),
        arena_err(ArenaResult::AlreadyInArenaTeamS)
    );

    // Already invited (to any team): ALREADY_INVITED_TO_ARENA_TEAM_S.
    sim.ok(invite_cmd(1, t, "Bob"));
    assert_eq!(
        sim.err(invite_cmd(3, 2, "Bob")),
        arena_err(ArenaResult::AlreadyInvitedToArenaTeamS)
    );
}

#[test]
fn an_invite_to_someone_who_ignores_the_inviter_is_dropped_silently() {
    let mut sim = online_world(2);
    let t = create(&mut sim, 1, "Unwanted", 2);
    // Bob ignores Alice (the social module's IGNORE edge: owner | ignored).
    let key = Key::new(IGNORE).character(c(2)).character(c(1)).build();
    sim.state.write(&[Mutation::Put {
        key,
        value: ().encode(),
    }]);
    let before = sim.state.clone();

    assert_eq!(sim.ok(invite_cmd(1, t, "Bob")), Response::Done);
    assert_eq!(sim.events, vec![]);
    assert_eq!(sim.state, before);
    assert_eq!(invite_of(&sim, 2), None);
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(2) }),
        Error::not_found("arena team invite for 1:2")
    );

    // Alice ignoring Bob does not stop her inviting him.
    let mut sim = online_world(2);
    let t = create(&mut sim, 1, "Unwanted", 2);
    let key = Key::new(IGNORE).character(c(1)).character(c(2)).build();
    sim.state.write(&[Mutation::Put {
        key,
        value: ().encode(),
    }]);
    sim.ok(invite_cmd(1, t, "Bob"));
    assert_eq!(sim.events.len(), 1);
}

#[test]
fn accept_rechecks_slot_faction_and_size() {
    let mut sim = online_world(6);
    let t = create(&mut sim, 1, "Recheck", 2);

    // No invite.
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(2) }),
        Error::not_found("arena team invite for 1:2")
    );

    // Bob is invited, then founds his own 2v2: ALREADY_IN_ARENA_TEAM on accept.
    sim.ok(invite_cmd(1, t, "Bob"));
    create(&mut sim, 2, "Bobs Own", 2);
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(2) }),
        arena_err(ArenaResult::AlreadyInArenaTeam)
    );
    sim.ok(ArenaCommand::Decline { id: c(2) });

    // A horde character invited while two-side was on cannot accept once it is off.
    sim.account(50);
    sim.character(c(50), 50, "Grom", ORC);
    sim.login(c(50), "gw1");
    set_arena_config(&mut sim, |a| a.allow_two_side = true);
    sim.ok(invite_cmd(1, t, "Grom"));
    set_arena_config(&mut sim, |a| a.allow_two_side = false);
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(50) }),
        arena_err(ArenaResult::NotAllied)
    );
    sim.ok(ArenaCommand::Decline { id: c(50) });

    // Four invites out, three accept: the fourth finds the team full (AC: INTERNAL).
    for name in ["Carol", "Dave", "Erin", "Frank"] {
        sim.ok(invite_cmd(1, t, name));
    }
    for low in [3, 4, 5] {
        sim.ok(ArenaCommand::Accept { id: c(low) });
    }
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(6) }),
        arena_err(ArenaResult::Internal)
    );
    // The invite is still there (a failed accept changes nothing).
    assert!(invite_of(&sim, 6).is_some());
}

#[test]
fn decline_tells_the_inviter_and_clears_the_invite() {
    let mut sim = online_world(2);
    let t = create(&mut sim, 1, "Declined", 3);
    sim.ok(invite_cmd(1, t, "Bob"));
    assert_eq!(sim.ok(ArenaCommand::Decline { id: c(2) }), Response::Done);
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Declined {
            realm: 1,
            team_id: t,
            id: c(2),
            name: "Bob".into(),
            inviter: c(1),
            notify: vec![gw(1)],
        })]
    );
    assert_eq!(invite_of(&sim, 2), None);
    assert_eq!(
        sim.err(ArenaCommand::Decline { id: c(2) }),
        Error::not_found("arena team invite for 1:2")
    );
}

#[test]
fn invites_expire_by_entry_time_and_are_swept() {
    let mut sim = online_world(3);
    set_arena_config(&mut sim, |a| a.invite_ttl_ms = 10_000);
    let t = create(&mut sim, 1, "Patience", 2);
    sim.ok(invite_cmd(1, t, "Bob"));
    sim.ok(invite_cmd(1, t, "Carol"));

    // One millisecond before expiry it is pending; at expiry it is gone for every purpose.
    sim.advance(9_999);
    assert!(invite_of(&sim, 2).is_some());
    sim.advance(1);
    assert_eq!(invite_of(&sim, 2), None);
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(2) }),
        Error::not_found("arena team invite for 1:2")
    );

    // A new invite replaces the expired one before any sweep.
    sim.ok(invite_cmd(1, t, "Bob"));
    assert!(invite_of(&sim, 2).is_some());

    // The sweep removes only Carol's expired invite.
    assert_eq!(
        sim.ok(ArenaCommand::ExpireInvites),
        Response::Arena(ArenaResponse::InvitesExpired { invites: 1 })
    );
    assert_eq!(
        sim.ok(ArenaCommand::ExpireInvites),
        Response::Arena(ArenaResponse::InvitesExpired { invites: 0 })
    );
    sim.ok(ArenaCommand::Accept { id: c(2) });
}

#[test]
fn logout_drops_the_pending_invite() {
    let mut sim = online_world(2);
    let t = create(&mut sim, 1, "Transient", 2);
    sim.ok(invite_cmd(1, t, "Bob"));
    sim.logout(c(2), "gw1");
    assert_eq!(invite_of(&sim, 2), None);
    sim.login(c(2), "gw1");
    assert_eq!(
        sim.err(ArenaCommand::Accept { id: c(2) }),
        Error::not_found("arena team invite for 1:2")
    );
}

#[test]
fn leave_member_captain_refused_and_last_captain_disbands() {
    let mut sim = online_world(3);
    let t = create(&mut sim, 1, "Leavers", 2);
    join(&mut sim, t, 1, 2);

    // Missing team, non-member.
    assert_eq!(
        sim.err(ArenaCommand::Leave { id: c(2), team: 42 }),
        arena_err(ArenaResult::NotFound)
    );
    assert_eq!(
        sim.err(ArenaCommand::Leave { id: c(3), team: t }),
        arena_err(ArenaResult::PlayerNotInTeam)
    );
    // The captain cannot leave while Bob is there.
    assert_eq!(
        sim.err(ArenaCommand::Leave { id: c(1), team: t }),
        arena_err(ArenaResult::LeaderLeaveS)
    );

    // Bob leaves: both hear it.
    assert_eq!(
        sim.ok(ArenaCommand::Leave { id: c(2), team: t }),
        Response::Arena(ArenaResponse::Left {
            team_id: t,
            disbanded: false
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Left {
            realm: 1,
            team_id: t,
            team_name: "Leavers".into(),
            id: c(2),
            name: "Bob".into(),
            reason: LeaveReason::Left,
            notify: vec![gw(1), gw(2)],
        })]
    );
    assert_eq!(
        query(&sim, ArenaQuery::TeamsOf { id: c(2) }),
        ArenaQueryResponse::TeamsOf(vec![])
    );

    // Alone, the captain leaves: the team is disbanded.
    assert_eq!(
        sim.ok(ArenaCommand::Leave { id: c(1), team: t }),
        Response::Arena(ArenaResponse::Left {
            team_id: t,
            disbanded: true
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Disbanded {
            realm: 1,
            team_id: t,
            team_name: "Leavers".into(),
            arena_type: 2,
            by: c(1),
            by_name: "Alice".into(),
            reason: DisbandReason::CaptainLeft,
            members: vec![c(1)],
            notify: vec![gw(1)],
        })]
    );
    assert_eq!(team(&sim, t), None);
}

#[test]
fn remove_is_for_the_captain_and_never_removes_the_captain() {
    let mut sim = online_world(4);
    let t = create(&mut sim, 1, "Kickers", 3);
    join(&mut sim, t, 1, 2);
    join(&mut sim, t, 1, 3);
    let remove = |captain, target| ArenaCommand::Remove {
        captain: c(captain),
        team: t,
        target: c(target),
    };

    assert_eq!(sim.err(remove(2, 3)), arena_err(ArenaResult::Permissions));
    assert_eq!(
        sim.err(ArenaCommand::Remove {
            captain: c(1),
            team: 9,
            target: c(2)
        }),
        arena_err(ArenaResult::NotFound)
    );
    assert_eq!(
        sim.err(remove(1, 4)),
        arena_err(ArenaResult::PlayerNotFoundS)
    );
    assert_eq!(sim.err(remove(1, 1)), arena_err(ArenaResult::LeaderLeaveS));

    assert_eq!(sim.ok(remove(1, 3)), Response::Done);
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Removed {
            realm: 1,
            team_id: t,
            team_name: "Kickers".into(),
            id: c(3),
            name: "Carol".into(),
            by: c(1),
            by_name: "Alice".into(),
            notify: vec![gw(1), gw(2), gw(3)],
        })]
    );
    assert_eq!(
        roster(&sim, t).map(|r| r.members.iter().map(|m| m.member.id).collect::<Vec<_>>()),
        Some(vec![c(1), c(2)])
    );
    // Carol may now be invited again.
    join(&mut sim, t, 2, 3);
}

#[test]
fn set_captain_hands_over_and_the_old_captain_may_leave() {
    let mut sim = online_world(3);
    let t = create(&mut sim, 1, "Promoted", 2);
    join(&mut sim, t, 1, 2);
    let promote = |captain, target| ArenaCommand::SetCaptain {
        captain: c(captain),
        team: t,
        target: c(target),
    };

    assert_eq!(sim.err(promote(2, 2)), arena_err(ArenaResult::Permissions));
    assert_eq!(
        sim.err(promote(1, 3)),
        arena_err(ArenaResult::PlayerNotFoundS)
    );
    assert_eq!(
        sim.err(ArenaCommand::SetCaptain {
            captain: c(1),
            team: 5,
            target: c(2)
        }),
        arena_err(ArenaResult::NotFound)
    );
    // Promoting the captain is a silent no-op.
    let before = sim.state.clone();
    assert_eq!(sim.ok(promote(1, 1)), Response::Done);
    assert_eq!((sim.events.clone(), &sim.state), (vec![], &before));

    assert_eq!(sim.ok(promote(1, 2)), Response::Done);
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::CaptainChanged {
            realm: 1,
            team_id: t,
            team_name: "Promoted".into(),
            old_captain: c(1),
            old_captain_name: "Alice".into(),
            new_captain: c(2),
            new_captain_name: "Bob".into(),
            notify: vec![gw(1), gw(2)],
        })]
    );
    assert_eq!(team(&sim, t).map(|t| t.captain), Some(c(2)));
    sim.ok(ArenaCommand::Leave { id: c(1), team: t });
    assert_eq!(sim.err(promote(1, 2)), arena_err(ArenaResult::Permissions));
}

#[test]
fn disband_removes_team_members_indexes_and_invites_at_once() {
    let mut sim = online_world(4);
    let t = create(&mut sim, 1, "Short Lived", 2);
    join(&mut sim, t, 1, 2);
    sim.ok(invite_cmd(1, t, "Carol"));

    assert_eq!(
        sim.err(ArenaCommand::Disband {
            captain: c(2),
            team: t
        }),
        arena_err(ArenaResult::Permissions)
    );
    assert_eq!(
        sim.err(ArenaCommand::Disband {
            captain: c(1),
            team: 3
        }),
        arena_err(ArenaResult::NotFound)
    );
    assert_eq!(
        sim.ok(ArenaCommand::Disband {
            captain: c(1),
            team: t
        }),
        Response::Done
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::Disbanded {
            realm: 1,
            team_id: t,
            team_name: "Short Lived".into(),
            arena_type: 2,
            by: c(1),
            by_name: "Alice".into(),
            reason: DisbandReason::Disbanded,
            members: vec![c(1), c(2)],
            notify: vec![gw(1), gw(2)],
        })]
    );
    assert_eq!(team(&sim, t), None);
    assert_eq!(invite_of(&sim, 3), None);
    for low in [1, 2] {
        assert_eq!(
            query(&sim, ArenaQuery::TeamsOf { id: c(low) }),
            ArenaQueryResponse::TeamsOf(vec![])
        );
    }
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");

    // The name is free again; the id is not reused.
    assert_eq!(create(&mut sim, 2, "short lived", 2), 2);
}

fn match_cmd(id: u64, winner: TeamId, loser: TeamId, w: &[u32], l: &[u32]) -> ArenaCommand {
    ArenaCommand::ApplyMatchResult(MatchResult {
        realm: 1,
        match_id: id,
        winner,
        loser,
        winner_participants: w.iter().map(|x| c(*x)).collect(),
        loser_participants: l.iter().map(|x| c(*x)).collect(),
    })
}

/// Two 2v2 teams: Alice+Bob (team 1), Carol+Dave (team 2).
fn two_pairs(sim: &mut Sim) -> (TeamId, TeamId) {
    let a = create(sim, 1, "Alpha", 2);
    join(sim, a, 1, 2);
    let b = create(sim, 3, "Bravo", 2);
    join(sim, b, 3, 4);
    (a, b)
}

#[test]
fn match_result_with_default_config_matches_ac_by_hand() {
    let mut sim = online_world(4);
    let (a, b) = two_pairs(&mut sim);

    // Both teams 0 rating, members 0 personal and 1500 MMR.
    // chance(0 vs 1500) = 1/(1+10^(1500/650)) = 0.0048998
    // winner team: 48*(1-0.0049) = 47.76 → 48; loser team: ceil(-24*0.0049) = 0
    // MMR: ±(0.5*24) = ±12; winners' MMR capped by team rating 48 < 1500 → unchanged.
    let outcome = MatchOutcome {
        realm: 1,
        match_id: 7,
        winner: TeamChange {
            team_id: a,
            matchmaker_rating: 1500,
            matchmaker_change: 12,
            old_rating: 0,
            new_rating: 48,
            rank: 1,
        },
        loser: TeamChange {
            team_id: b,
            matchmaker_rating: 1500,
            matchmaker_change: -12,
            old_rating: 0,
            new_rating: 0,
            rank: 2,
        },
        members: vec![
            MemberChange {
                id: c(1),
                team_id: a,
                won: true,
                old_personal_rating: 0,
                new_personal_rating: 48,
                old_matchmaker_rating: 1500,
                new_matchmaker_rating: 1500,
            },
            MemberChange {
                id: c(2),
                team_id: a,
                won: true,
                old_personal_rating: 0,
                new_personal_rating: 48,
                old_matchmaker_rating: 1500,
                new_matchmaker_rating: 1500,
            },
            MemberChange {
                id: c(3),
                team_id: b,
                won: false,
                old_personal_rating: 0,
                new_personal_rating: 0,
                old_matchmaker_rating: 1500,
                new_matchmaker_rating: 1488,
            },
            MemberChange {
                id: c(4),
                team_id: b,
                won: false,
                old_personal_rating: 0,
                new_personal_rating: 0,
                old_matchmaker_rating: 1500,
                new_matchmaker_rating: 1488,
            },
        ],
    };
    assert_eq!(
        sim.ok(match_cmd(7, a, b, &[1, 2], &[3, 4])),
        Response::Arena(ArenaResponse::MatchApplied(outcome.clone()))
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::MatchApplied {
            outcome,
            notify: vec![gw(1), gw(2), gw(3), gw(4)],
        })]
    );
    let ta = team(&sim, a).expect("team a");
    assert_eq!(
        (
            ta.rating,
            ta.week_games,
            ta.week_wins,
            ta.season_games,
            ta.season_wins,
            ta.rank
        ),
        (48, 1, 1, 1, 1, 1)
    );
    let tb = team(&sim, b).expect("team b");
    assert_eq!(
        (
            tb.rating,
            tb.week_games,
            tb.week_wins,
            tb.season_games,
            tb.season_wins,
            tb.rank
        ),
        (0, 1, 0, 1, 0, 2)
    );
    match roster(&sim, b) {
        Some(r) => assert_eq!(
            r.members
                .iter()
                .map(|m| (m.member.clone(), m.matchmaker_rating))
                .collect::<Vec<_>>(),
            vec![
                (
                    ArenaMember {
                        week_games: 1,
                        season_games: 1,
                        ..member(3, b, 0)
                    },
                    1488
                ),
                (
                    ArenaMember {
                        week_games: 1,
                        season_games: 1,
                        ..member(4, b, 0)
                    },
                    1488
                ),
            ]
        ),
        None => panic!("team b missing"),
    }
}

#[test]
fn two_matches_at_1500_match_ac_by_hand() {
    let mut sim = online_world(4);
    set_arena_config(&mut sim, |a| a.start_rating = 1500);
    let (a, b) = two_pairs(&mut sim);

    // Match 1, Alpha beats Bravo. Teams 1500, personal 1000 (team ≥ 1000), MMR 1500.
    // Teams: ±24*0.5 = ±12 → 1512 / 1488. MMR ±12.
    // Winners' personal: chance(1000 vs 1500) = 0.14539; (24+24*300/300)*(1-0.14539) = 41.02 → 42.
    // Winners' MMR: 1500 < 1512 → +min(12, 12) → 1512. Losers' personal: ceil(-24*0.14539) = -3.
    sim.ok(match_cmd(1, a, b, &[1, 2], &[3, 4]));

    // Match 2, Bravo (MMR 1488) beats Alpha (MMR 1512).
    // chance(1488 vs 1512) = 0.47876: Bravo MMR +ceil(12.51) = 13, rating 1488 + 13 = 1501.
    // Alpha MMR ceil(-12.51) = -12, rating ceil(-24*0.52124) = -12 → 1500.
    // Bravo's members: personal 997 < 1000: 48*(1-chance(997 vs 1512)) = 41.33 → 42 → 1039;
    //   MMR 1488 < 1501: +min(13, 13) → 1501.
    // Alpha's members: personal ceil(-24*chance(1042 vs 1488)) = ceil(-4.10) = -4 → 1038;
    //   MMR 1512 - 12 → 1500 (well within the 500 drop allowed below the 1512 maximum).
    // Ranks (AC computes the winner's before the loser moves): Bravo 1501 < Alpha 1512 → 2;
    //   Alpha 1500 < Bravo 1501 → 2.
    let expected = MatchOutcome {
        realm: 1,
        match_id: 2,
        winner: TeamChange {
            team_id: b,
            matchmaker_rating: 1488,
            matchmaker_change: 13,
            old_rating: 1488,
            new_rating: 1501,
            rank: 2,
        },
        loser: TeamChange {
            team_id: a,
            matchmaker_rating: 1512,
            matchmaker_change: -12,
            old_rating: 1512,
            new_rating: 1500,
            rank: 2,
        },
        members: vec![
            MemberChange {
                id: c(3),
                team_id: b,
                won: true,
                old_personal_rating: 997,
                new_personal_rating: 1039,
                old_matchmaker_rating: 1488,
                new_matchmaker_rating: 1501,
            },
            MemberChange {
                id: c(4),
                team_id: b,
                won: true,
                old_personal_rating: 997,
                new_personal_rating: 1039,
                old_matchmaker_rating: 1488,
                new_matchmaker_rating: 1501,
            },
            MemberChange {
                id: c(1),
                team_id: a,
                won: false,
                old_personal_rating: 1042,
                new_personal_rating: 1038,
                old_matchmaker_rating: 1512,
                new_matchmaker_rating: 1500,
            },
            MemberChange {
                id: c(2),
                team_id: a,
                won: false,
                old_personal_rating: 1042,
                new_personal_rating: 1038,
                old_matchmaker_rating: 1512,
                new_matchmaker_rating: 1500,
            },
        ],
    };
    assert_eq!(
        sim.ok(match_cmd(2, b, a, &[3, 4], &[1, 2])),
        Response::Arena(ArenaResponse::MatchApplied(expected))
    );
    let tb = team(&sim, b).expect("team b");
    assert_eq!(
        (
            tb.rating,
            tb.week_games,
            tb.week_wins,
            tb.season_games,
            tb.season_wins
        ),
        (1501, 2, 1, 2, 1)
    );
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");
}

#[test]
fn rating_helpers_match_ac_formulas() {
    // GetChanceAgainst: equal ratings 0.5; 1500 apart → 1/(1+10^(1500/650)).
    assert_eq!(chance_against(1500, 1500), 0.5);
    let want = 1.0 / (1.0 + 10f64.powf(1500.0 / 650.0));
    assert!((chance_against(0, 1500) - want).abs() < 1e-14);
    assert!((chance_against(1500, 0) - (1.0 - want)).abs() < 1e-14);

    // ModifyMatchmakerRating: a loss stops MaxAllowedMMRDrop (500) below the maximum.
    let mmr = |rating, max_rating| Matchmaker { rating, max_rating };
    assert_eq!(
        modify_matchmaker(mmr(1105, 1600), -12, 500),
        mmr(1100, 1600)
    );
    assert_eq!(
        modify_matchmaker(mmr(1100, 1600), -12, 500),
        mmr(1100, 1600)
    );
    assert_eq!(
        modify_matchmaker(mmr(1500, 1500), -12, 500),
        mmr(1488, 1500)
    );
    assert_eq!(modify_matchmaker(mmr(5, 5), -12, 500), mmr(0, 5));
    assert_eq!(modify_matchmaker(mmr(1500, 1520), 30, 500), mmr(1530, 1530));
}

#[test]
fn a_match_id_applies_once() {
    let mut sim = online_world(4);
    let (a, b) = two_pairs(&mut sim);
    let first = match sim.ok(match_cmd(9, a, b, &[1, 2], &[3, 4])) {
        Response::Arena(ArenaResponse::MatchApplied(o)) => o,
        other => panic!("{other:?}"),
    };
    let before = sim.state.clone();

    // The same id again (even with other details): nothing changes, the first outcome answers.
    assert_eq!(
        sim.ok(match_cmd(9, b, a, &[3], &[1])),
        Response::Arena(ArenaResponse::MatchAlreadyApplied(first))
    );
    assert_eq!(sim.events, vec![]);
    assert_eq!(sim.state, before);

    // After the id TTL the sweep forgets it.
    sim.advance(ArenaConfig::default().match_id_ttl_ms - 1);
    assert_eq!(
        sim.ok(ArenaCommand::ExpireMatchIds),
        Response::Arena(ArenaResponse::MatchIdsExpired { matches: 0 })
    );
    sim.advance(1);
    assert_eq!(
        sim.ok(ArenaCommand::ExpireMatchIds),
        Response::Arena(ArenaResponse::MatchIdsExpired { matches: 1 })
    );
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");
}

#[test]
fn match_results_are_validated_before_anything_changes() {
    let mut sim = online_world(9);
    let (a, b) = two_pairs(&mut sim);
    let trio = create(&mut sim, 5, "Trio", 3);
    let before = sim.state.clone();

    assert_eq!(
        sim.err(match_cmd(1, a, a, &[1], &[2])),
        Error::invalid("loser", "is team 1, the winner too")
    );
    assert_eq!(
        sim.err(match_cmd(1, a, 99, &[1], &[3])),
        arena_err(ArenaResult::NotFound)
    );
    assert_eq!(
        sim.err(match_cmd(1, a, trio, &[1], &[5])),
        Error::invalid("loser", "is a 3v3 team, the winner a 2v2 team")
    );
    assert_eq!(
        sim.err(match_cmd(1, a, b, &[], &[3])),
        Error::invalid(
            "winner_participants",
            "has 0 participants, a 2v2 team fields 1 to 2"
        )
    );
    assert_eq!(
        sim.err(match_cmd(1, a, b, &[1, 2], &[3, 4, 5])),
        Error::invalid(
            "loser_participants",
            "has 3 participants, a 2v2 team fields 1 to 2"
        )
    );
    assert_eq!(
        sim.err(match_cmd(1, a, b, &[1, 2, 3, 4, 5, 6], &[3])),
        Error::invalid("winner_participants", "has 6 elements, the limit is 5")
    );
    assert_eq!(
        sim.err(match_cmd(1, a, b, &[1, 1], &[3])),
        Error::invalid("winner_participants", "names a participant twice")
    );
    assert_eq!(
        sim.err(match_cmd(1, a, b, &[1, 5], &[3])),
        arena_err(ArenaResult::PlayerNotInTeamSs)
    );
    assert_eq!(sim.state, before);

    // One participant per side is enough (a 2v2 where one player dropped).
    sim.ok(match_cmd(1, a, b, &[1], &[3, 4]));
}

#[test]
fn finish_week_resets_weekly_counters_only() {
    let mut sim = online_world(4);
    let (a, b) = two_pairs(&mut sim);
    sim.ok(match_cmd(1, a, b, &[1, 2], &[3, 4]));
    sim.ok(match_cmd(2, a, b, &[1], &[3]));

    assert_eq!(
        sim.err(ArenaCommand::FinishWeek { realm: 8 }),
        Error::not_found("realm 8")
    );
    assert_eq!(
        sim.ok(ArenaCommand::FinishWeek { realm: 1 }),
        Response::Arena(ArenaResponse::WeekFinished { realm: 1, week: 1 })
    );
    assert_eq!(
        sim.events,
        vec![Event::Arena(ArenaEvent::WeekFinished { realm: 1, week: 1 })]
    );
    let ta = team(&sim, a).expect("team a");
    assert_eq!(
        (
            ta.week,
            ta.week_games,
            ta.week_wins,
            ta.season_games,
            ta.season_wins
        ),
        (1, 0, 0, 2, 2)
    );
    match roster(&sim, a) {
        Some(r) => assert_eq!(
            r.members
                .iter()
                .map(|m| {
                    let m = &m.member;
                    (
                        m.id,
                        m.week,
                        m.week_games,
                        m.week_wins,
                        m.season_games,
                        m.season_wins,
                    )
                })
                .collect::<Vec<_>>(),
            vec![(c(1), 1, 0, 0, 2, 2), (c(2), 1, 0, 0, 1, 1)]
        ),
        None => panic!("team a missing"),
    }

    // The next game counts in the new week.
    sim.ok(match_cmd(3, b, a, &[4], &[2]));
    let tb = team(&sim, b).expect("team b");
    assert_eq!(
        (
            tb.week,
            tb.week_games,
            tb.week_wins,
            tb.season_games,
            tb.season_wins
        ),
        (1, 1, 1, 3, 1)
    );
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");
}

#[test]
fn deleting_the_captain_hands_captaincy_to_the_best_rated_member() {
    let mut sim = online_world(6);
    set_arena_config(&mut sim, |a| a.start_rating = 1500);
    let t = create(&mut sim, 1, "Heirs", 3);
    join(&mut sim, t, 1, 2);
    join(&mut sim, t, 1, 3);
    join(&mut sim, t, 1, 4);
    let other = create(&mut sim, 5, "Rivals", 3);
    join(&mut sim, other, 5, 6);
    // Carol and Dave win a game (personal 1000 → 1042); Bob stays at 1000.
    sim.ok(match_cmd(1, t, other, &[3, 4], &[5, 6]));
    // Alice is invited to a 2v2 too; her invite must go with her.
    let side = create(&mut sim, 5, "Side", 2);
    sim.ok(invite_cmd(5, side, "Alice"));

    sim.logout(c(1), "gw1");
    sim.ok(CharacterCommand::Delete { id: c(1) });
    let arena_events: Vec<Event> = sim
        .events
        .iter()
        .filter(|e| matches!(e, Event::Arena(_)))
        .cloned()
        .collect();
    // Carol and Dave tie at 1042: the lower low guid (Carol) wins.
    assert_eq!(
        arena_events,
        vec![
            Event::Arena(ArenaEvent::CaptainChanged {
                realm: 1,
                team_id: t,
                team_name: "Heirs".into(),
                old_captain: c(1),
                old_captain_name: "Alice".into(),
                new_captain: c(3),
                new_captain_name: "Carol".into(),
                notify: vec![gw(2), gw(3), gw(4)],
            }),
            Event::Arena(ArenaEvent::Left {
                realm: 1,
                team_id: t,
                team_name: "Heirs".into(),
                id: c(1),
                name: "Alice".into(),
                reason: LeaveReason::Deleted,
                notify: vec![gw(2), gw(3), gw(4)],
            }),
        ]
    );
    assert_eq!(team(&sim, t).map(|t| t.captain), Some(c(3)));
    assert_eq!(invite_of(&sim, 1), None);
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");

    // A captain alone is disbanded with the character.
    let solo = create(&mut sim, 2, "Solo", 2);
    sim.logout(c(2), "gw1");
    sim.ok(CharacterCommand::Delete { id: c(2) });
    assert!(sim.events.contains(&Event::Arena(ArenaEvent::Disbanded {
        realm: 1,
        team_id: solo,
        team_name: "Solo".into(),
        arena_type: 2,
        by: c(2),
        by_name: "Bob".into(),
        reason: DisbandReason::CaptainDeleted,
        members: vec![c(2)],
        notify: vec![],
    })));
    assert_eq!(team(&sim, solo), None);
    assert_eq!(
        roster(&sim, t).map(|r| r.members.iter().map(|m| m.member.id).collect::<Vec<_>>()),
        Some(vec![c(3), c(4)])
    );
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");
}

#[test]
fn deleted_characters_leave_no_matchmaker_rating_behind() {
    let mut sim = online_world(2);
    let t = create(&mut sim, 1, "Pair", 2);
    join(&mut sim, t, 1, 2);
    sim.logout(c(2), "gw1");
    sim.ok(CharacterCommand::Delete { id: c(2) });
    // Bob's slot-0 MMR record would make the checker fail ("missing character").
    tavern_statemachine::arena::check_invariants(&sim.state).expect("invariants");
    assert_eq!(roster(&sim, t).map(|r| r.members.len()), Some(1));
}

#[test]
fn error_codes_are_ac_values() {
    let table = [
        (ArenaResult::Internal, 0x01),
        (ArenaResult::AlreadyInArenaTeam, 0x02),
        (ArenaResult::AlreadyInArenaTeamS, 0x03),
        (ArenaResult::AlreadyInvitedToArenaTeamS, 0x05),
        (ArenaResult::NameInvalid, 0x06),
        (ArenaResult::NameExistsS, 0x07),
        (ArenaResult::LeaderLeaveS, 0x08),
        (ArenaResult::Permissions, 0x08),
        (ArenaResult::PlayerNotInTeam, 0x09),
        (ArenaResult::PlayerNotInTeamSs, 0x0A),
        (ArenaResult::PlayerNotFoundS, 0x0B),
        (ArenaResult::NotAllied, 0x0C),
        (ArenaResult::TargetTooLowS, 0x15),
        (ArenaResult::TooManyMembersS, 0x17),
        (ArenaResult::NotFound, 0x1B),
    ];
    for (r, code) in table {
        assert_eq!((r, r.code()), (r, code));
        assert_eq!(Error::Arena(r).game_code(), Some(code));
    }
    assert_eq!(
        (
            action::CREATE_S,
            action::INVITE_SS,
            action::QUIT_S,
            action::FOUNDER_S
        ),
        (0x00, 0x01, 0x03, 0x0E)
    );
}
