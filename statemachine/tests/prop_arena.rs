//! Random sequences (every character starts online) of arena operations mixed with logins, logouts, gateway loss, character
//! deletes and time; the arena invariants must hold after every step, failed commands must
//! change nothing, and replaying the log must rebuild the same state.

use proptest::prelude::*;

use tavern_statemachine::arena::{
    check_invariants, ArenaCommand, ArenaQuery, ArenaQueryResponse, CreateTeam, Emblem, MatchResult,
};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::presence::{Login, PresenceCommand, PresenceQuery, PresenceQueryResponse};
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC, WARRIOR};
use tavern_statemachine::{CharacterId, ClusterConfig, Command, Query, QueryResponse};

/// Characters 1..=8 are alliance, 9..=10 horde.
const CHARACTERS: u32 = 10;
const TEAM_IDS: u32 = 16;
const NAMES: [&str; 8] = [
    "Alpha",
    "alpha",
    "Bravo",
    "Charlie Team",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
];

#[derive(Debug, Clone)]
enum Op {
    Login(u32, u8),
    LoginAll,
    Logout(u32),
    LoseGateway,
    Delete(u32),
    Recreate(u32),
    Create(u32, usize, u8),
    Invite(u32, u32, u32),
    Accept(u32),
    Decline(u32),
    Leave(u32, u32),
    Remove(u32, u32, u32),
    SetCaptain(u32, u32, u32),
    Disband(u32, u32),
    /// Match id, picks of the winner and loser among the slot's teams, slot, which members of each team
    /// play (bit masks over the roster), and maybe an outsider slipped in.
    Match(u64, u32, u32, u8, u16, u16, Option<u32>),
    FinishWeek,
    ExpireInvites,
    ExpireMatchIds,
    TwoSide(bool),
    Advance(u64),
}

fn who() -> impl Strategy<Value = u32> {
    1..=CHARACTERS
}

/// A team: mostly one of the actor's own (by slot), sometimes any id.
fn team() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0u32..3, 1 => 3..=TEAM_IDS + 3]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (who(), prop::sample::select(vec![79u8, 80, 80, 80]))
            .prop_map(|(c, l)| Op::Login(c, l)),
        8 => Just(Op::LoginAll),
        2 => who().prop_map(Op::Logout),
        1 => Just(Op::LoseGateway),
        1 => who().prop_map(Op::Delete),
        2 => who().prop_map(Op::Recreate),
        6 => (who(), 0..NAMES.len(), prop::sample::select(vec![2u8, 2, 2, 3, 5, 4]))
            .prop_map(|(c, n, t)| Op::Create(c, n, t)),
        12 => (who(), team(), who()).prop_map(|(c, t, x)| Op::Invite(c, t, x)),
        10 => who().prop_map(Op::Accept),
        2 => who().prop_map(Op::Decline),
        3 => (who(), team()).prop_map(|(c, t)| Op::Leave(c, t)),
        3 => (who(), team(), who()).prop_map(|(c, t, x)| Op::Remove(c, t, x)),
        3 => (who(), team(), who()).prop_map(|(c, t, x)| Op::SetCaptain(c, t, x)),
        1 => (who(), team()).prop_map(|(c, t)| Op::Disband(c, t)),
        10 => (
            0u64..6,
            who(),
            who(),
            prop::sample::select(vec![0u8, 0, 0, 1, 2]),
            any::<u16>(),
            any::<u16>(),
            prop::option::weighted(0.1, who())
        )
            .prop_map(|(m, w, l, s, wm, lm, x)| Op::Match(m, w, l, s, wm, lm, x)),
        1 => Just(Op::FinishWeek),
        1 => Just(Op::ExpireInvites),
        1 => Just(Op::ExpireMatchIds),
        1 => any::<bool>().prop_map(Op::TwoSide),
        2 => prop::sample::select(vec![1_000u64, 60_000, 400_000, 8 * 24 * 3600 * 1000])
            .prop_map(Op::Advance),
    ]
}

fn c(low: u32) -> CharacterId {
    CharacterId::new(1, low)
}

fn race(low: u32) -> u8 {
    if low > 8 {
        ORC
    } else {
        HUMAN
    }
}

fn world() -> Sim {
    let mut sim = Sim::new();
    sim.realm(1);
    sim.gateway("gw1", 1);
    for i in 1..=CHARACTERS {
        sim.account(i);
        sim.character(c(i), i, &name_of(i), race(i));
        sim.login(c(i), "gw1");
    }
    sim
}

fn login(i: u32, level: u8) -> Command {
    PresenceCommand::Login(Login {
        id: c(i),
        gateway: "gw1".into(),
        zone: 1,
        area: 1,
        map: 0,
        level,
        guild_id: 0,
        worldserver: None,
    })
    .into()
}

/// The team behind a pick: picks 0..3 are the character's team in that slot (if any).
fn resolve(sim: &Sim, id: CharacterId, pick: u32) -> u32 {
    if pick >= 3 {
        return pick - 3;
    }
    match sim.query(Query::Arena(ArenaQuery::TeamsOf { id })) {
        Ok(QueryResponse::Arena(ArenaQueryResponse::TeamsOf(slots))) => slots
            .iter()
            .find(|s| u32::from(s.slot) == pick)
            .map_or(0, |s| s.team.id),
        _ => 0,
    }
}

/// Character `i` and its team in slot `pick`; if it has none, a member (or the captain) of some
/// team in that slot, so most commands come from someone entitled; picks from 3 up name any id.
fn actor_and_team(sim: &Sim, i: u32, pick: u32, captain: bool) -> (CharacterId, u32) {
    let own = resolve(sim, c(i), pick);
    if pick >= 3 || own != 0 {
        return (c(i), own);
    }
    let teams = teams_in_slot(sim, pick as u8);
    let Some(team) = teams.get(i as usize % teams.len().max(1)) else {
        return (c(i), 0);
    };
    if captain {
        if let Ok(QueryResponse::Arena(ArenaQueryResponse::Team(Some(t)))) =
            sim.query(Query::Arena(ArenaQuery::Team {
                realm: 1,
                team_id: *team,
            }))
        {
            return (t.captain, *team);
        }
    }
    let members = players(sim, *team, u16::MAX);
    match members.get(i as usize % members.len().max(1)) {
        Some(m) => (*m, *team),
        None => (c(i), *team),
    }
}

/// A member of `team` picked by `x`, or character `x` when `x` is above the roster.
fn target(sim: &Sim, team: u32, x: u32) -> CharacterId {
    let members = players(sim, team, u16::MAX);
    members
        .get(x as usize % (members.len() + 1))
        .copied()
        .unwrap_or(c(x))
}

/// Every team of a slot that some character holds, in id order.
fn teams_in_slot(sim: &Sim, slot: u8) -> Vec<u32> {
    let mut out = std::collections::BTreeSet::new();
    for i in 1..=CHARACTERS {
        if let Ok(QueryResponse::Arena(ArenaQueryResponse::TeamsOf(slots))) =
            sim.query(Query::Arena(ArenaQuery::TeamsOf { id: c(i) }))
        {
            out.extend(slots.iter().filter(|s| s.slot == slot).map(|s| s.team.id));
        }
    }
    out.into_iter().collect()
}

/// Mostly a character with a pending invite (picked by `i`); for `i` of 9 and up, or when
/// nobody is invited, character `i` itself.
fn invited(sim: &Sim, i: u32) -> CharacterId {
    let with_invite: Vec<CharacterId> = (1..=CHARACTERS)
        .map(c)
        .filter(|id| {
            matches!(
                sim.query(Query::Arena(ArenaQuery::Invite { id: *id })),
                Ok(QueryResponse::Arena(ArenaQueryResponse::Invite(Some(_))))
            )
        })
        .collect();
    if i >= 9 || with_invite.is_empty() {
        return c(i);
    }
    with_invite[i as usize % with_invite.len()]
}

/// The members of a team picked by a bit mask over its roster.
fn players(sim: &Sim, team: u32, mask: u16) -> Vec<CharacterId> {
    match sim.query(Query::Arena(ArenaQuery::Roster {
        realm: 1,
        team_id: team,
    })) {
        Ok(QueryResponse::Arena(ArenaQueryResponse::Roster(Some(r)))) => r
            .members
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| m.member.id)
            .collect(),
        _ => Vec::new(),
    }
}

fn command(sim: &Sim, op: &Op) -> Vec<Command> {
    let arena = |a: ArenaCommand| vec![Command::Arena(a)];
    match op {
        Op::Login(i, level) => vec![
            PresenceCommand::RegisterGateway {
                gateway: "gw1".into(),
                realm: 1,
            }
            .into(),
            login(*i, *level),
        ],
        Op::LoginAll => {
            let mut out: Vec<Command> = vec![PresenceCommand::RegisterGateway {
                gateway: "gw1".into(),
                realm: 1,
            }
            .into()];
            for i in 1..=CHARACTERS {
                if !matches!(
                    sim.query(Query::Presence(PresenceQuery::Get { id: c(i) })),
                    Ok(QueryResponse::Presence(PresenceQueryResponse::Presence(
                        Some(_)
                    )))
                ) {
                    out.push(login(i, 80));
                }
            }
            out
        }
        Op::Logout(i) => vec![PresenceCommand::Logout {
            id: c(*i),
            gateway: "gw1".into(),
        }
        .into()],
        Op::LoseGateway => vec![PresenceCommand::UnregisterGateway {
            gateway: "gw1".into(),
        }
        .into()],
        Op::Delete(i) => vec![
            PresenceCommand::Logout {
                id: c(*i),
                gateway: "gw1".into(),
            }
            .into(),
            CharacterCommand::Delete { id: c(*i) }.into(),
        ],
        Op::Recreate(i) => vec![CharacterCommand::Create {
            id: c(*i),
            account: *i,
            name: name_of(*i),
            race: race(*i),
            class: WARRIOR,
            gender: 0,
            level: 80,
        }
        .into()],
        Op::Create(i, n, t) => arena(ArenaCommand::Create(CreateTeam {
            realm: 1,
            captain: c(*i),
            name: NAMES[*n].into(),
            arena_type: *t,
            emblem: Emblem::default(),
        })),
        Op::Invite(i, t, x) => {
            let (inviter, team) = actor_and_team(sim, *i, *t, false);
            arena(ArenaCommand::Invite {
                inviter,
                team,
                target_name: name_of(*x),
            })
        }
        Op::Accept(i) => arena(ArenaCommand::Accept {
            id: invited(sim, *i),
        }),
        Op::Decline(i) => arena(ArenaCommand::Decline {
            id: invited(sim, *i),
        }),
        Op::Leave(i, t) => {
            let (id, team) = actor_and_team(sim, *i, *t, false);
            arena(ArenaCommand::Leave { id, team })
        }
        Op::Remove(i, t, x) => {
            let (captain, team) = actor_and_team(sim, *i, *t, true);
            arena(ArenaCommand::Remove {
                captain,
                team,
                target: target(sim, team, *x),
            })
        }
        Op::SetCaptain(i, t, x) => {
            let (captain, team) = actor_and_team(sim, *i, *t, true);
            arena(ArenaCommand::SetCaptain {
                captain,
                team,
                target: target(sim, team, *x),
            })
        }
        Op::Disband(i, t) => {
            let (captain, team) = actor_and_team(sim, *i, *t, true);
            arena(ArenaCommand::Disband { captain, team })
        }
        Op::Match(m, w, l, slot, wm, lm, outsider) => {
            let teams = teams_in_slot(sim, *slot);
            let n = teams.len();
            let pick = |x: usize| teams.get(x % n.max(1)).copied().unwrap_or(0);
            // The loser is another team unless the pick says "same" (1 in 10).
            let (w, l) = (*w as usize, *l as usize);
            let (winner, loser) = match (n, l % 10) {
                (0 | 1, _) | (_, 0) => (pick(w), pick(l)),
                _ => (pick(w), pick(w + 1 + l % (n - 1))),
            };
            let mut winner_participants = players(sim, winner, *wm);
            if let Some(x) = outsider {
                winner_participants.push(c(*x));
            }
            arena(ArenaCommand::ApplyMatchResult(MatchResult {
                realm: 1,
                match_id: *m,
                winner,
                loser,
                winner_participants,
                loser_participants: players(sim, loser, *lm),
            }))
        }
        Op::FinishWeek => arena(ArenaCommand::FinishWeek { realm: 1 }),
        Op::ExpireInvites => arena(ArenaCommand::ExpireInvites),
        Op::ExpireMatchIds => arena(ArenaCommand::ExpireMatchIds),
        Op::TwoSide(on) => {
            let mut cfg = ClusterConfig::default();
            cfg.arena.allow_two_side = *on;
            cfg.arena.invite_ttl_ms = 120_000;
            vec![Command::SetConfig(cfg)]
        }
        Op::Advance(_) => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arena_invariants_hold_after_every_step(ops in prop::collection::vec(op(), 50..200)) {
        let mut sim = world();
        let mut applied = 0usize;
        for op in &ops {
            if let Op::Advance(ms) = op {
                sim.advance(*ms);
            }
            for cmd in command(&sim, op) {
                let before = sim.state.clone();
                let result = sim.run(cmd.clone());
                match &result {
                    Ok(_) => applied += 1,
                    Err(e) => {
                        prop_assert!(sim.events.is_empty(), "{cmd:?} failed ({e}) but emitted {:?}", sim.events);
                        prop_assert!(sim.state == before, "{cmd:?} failed ({e}) but changed the state");
                    }
                }
                if let Err(broken) = check_invariants(&sim.state) {
                    return Err(TestCaseError::fail(format!("after {op:?} ({cmd:?} → {result:?}): {broken}")));
                }
            }
        }
        // Replaying the log into a fresh state gives the same bytes.
        let mut replay = Sim::new();
        for entry in sim.log.clone() {
            replay.apply_entry(entry);
        }
        prop_assert!(replay.state == sim.state, "replay diverged");
        prop_assert!(applied > 0);
    }
}
