//! `records::check` knows exactly what every table holds: a workload that writes every table of
//! the state leaves only records that check, every tag of `keys::TABLES` is among them (a new
//! table the workload or the check does not cover fails here), a record with a byte cut or
//! added fails naming its table, and no input at all makes the check panic.

use std::collections::BTreeSet;

use proptest::prelude::*;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::arena::{ArenaCommand, ArenaResponse, CreateTeam, Emblem, MatchResult};
use tavern_statemachine::channel::ChannelCommand;
use tavern_statemachine::keys::{self, Key};
use tavern_statemachine::mail::{stationery, MailCommand, MailItem, MailSender, SendMail};
use tavern_statemachine::presence::{PresenceCommand, PresenceUpdate};
use tavern_statemachine::records::{self, Checked, Problem};
use tavern_statemachine::social::SocialCommand;
use tavern_statemachine::testkit::{name_of, Sim, ORC};
use tavern_statemachine::{CharacterId, ClusterConfig, Command, RequestId, Response, TeamId};

fn c(low: u32) -> CharacterId {
    CharacterId::new(1, low)
}

const THRALL: u32 = 7;

fn create_team(sim: &mut Sim, captain: u32, name: &str) -> TeamId {
    let created = sim.ok(ArenaCommand::Create(CreateTeam {
        realm: 1,
        captain: c(captain),
        name: name.into(),
        arena_type: 2,
        emblem: Emblem::default(),
    }));
    match created {
        Response::Arena(ArenaResponse::Created { team_id }) => team_id,
        other => panic!("create answered {other:?}"),
    }
}

fn invite(sim: &mut Sim, inviter: u32, team: TeamId, target: u32) {
    sim.ok(ArenaCommand::Invite {
        inviter: c(inviter),
        team,
        target_name: name_of(target),
    });
}

fn channel(sim: &mut Sim, who: u32, name: &str, channel_id: u32) {
    sim.ok(ChannelCommand::Join {
        id: c(who),
        name: name.into(),
        channel_id,
        password: String::new(),
    });
}

fn channel_op(by: u32, target: u32) -> (CharacterId, String, String) {
    (c(by), "Guild".to_string(), name_of(target))
}

/// A state with a record in every table of the state machine: six alliance characters and a
/// horde one on two gateways, friends, ignores, account friends (accepted and pending), a
/// custom channel with a moderator, a ban and rights plus a built-in one and a preserved empty
/// one, a COD mail with an item, two arena teams with a match, a pending invite and a finished
/// week, and a client session.
fn rich_state() -> Sim {
    let mut sim = Sim::world(6);
    sim.ok(Command::SetConfig(ClusterConfig::default()));
    sim.account(THRALL);
    sim.character(c(THRALL), THRALL, "Thrall", ORC);
    sim.gateway("gw2", 1);
    for low in 1..=5 {
        sim.login(c(low), "gw1");
    }
    sim.login(c(THRALL), "gw2");
    sim.ok(PresenceCommand::SetAwayStatus {
        id: c(2),
        afk: true,
        dnd: false,
    });
    sim.ok(PresenceCommand::Update {
        gateway: "gw1".into(),
        updates: vec![PresenceUpdate {
            id: c(1),
            zone: Some(4395),
            worldserver: Some("ws-1".into()),
            ..Default::default()
        }],
    });
    sim.ok(AccountCommand::SetGmLevel { id: 6, gm_level: 2 });

    // Social: a friend with a note, an ignore, account friends accepted and pending.
    sim.ok(SocialCommand::AddFriend {
        owner: c(1),
        name: name_of(2),
        note: "tank".into(),
    });
    sim.ok(SocialCommand::AddIgnore {
        owner: c(1),
        name: name_of(6),
    });
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    });
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 1,
    });
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 3,
    });

    // Channels: a custom one with members, a moderator and a ban; rights; a built-in one;
    // a custom one whose last member left (preserved, empty).
    for low in 1..=4 {
        channel(&mut sim, low, "Guild", 0);
    }
    let (by, channel_name, target_name) = channel_op(1, 2);
    sim.ok(ChannelCommand::SetModerator {
        by,
        channel: channel_name,
        target_name,
    });
    let (by, channel_name, target_name) = channel_op(1, 4);
    sim.ok(ChannelCommand::Ban {
        by,
        channel: channel_name,
        target_name,
    });
    sim.ok(ChannelCommand::SetRights {
        name: "Guild".into(),
        flags: 0,
        speak_delay_s: 2,
        join_message: "Welcome".into(),
        delay_message: "Slow down".into(),
        moderators: vec![3],
    });
    channel(&mut sim, 1, "General", 1);
    channel(&mut sim, 5, "Quiet", 0);
    sim.ok(ChannelCommand::Leave {
        id: c(5),
        name: "Quiet".into(),
        channel_id: None,
    });

    // Mail: a COD mail with an item, and money from an auction.
    sim.ok(MailCommand::Send(SendMail {
        sender: MailSender::Player(c(1)),
        receiver: c(2),
        subject: "Linen".into(),
        body: "Five pieces".into(),
        money: 0,
        cod: 500,
        items: vec![MailItem {
            guid: 9001,
            entry: 2589,
            count: 5,
            flags: 0,
            durability: 0,
            charges: -1,
            random_property_id: -7,
            property_seed: 3,
            text: String::new(),
        }],
        stationery: stationery::DEFAULT,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }));
    sim.ok(MailCommand::Send(SendMail {
        sender: MailSender::Auction(77),
        receiver: c(3),
        subject: "Auction won".into(),
        body: String::new(),
        money: 1200,
        cod: 0,
        items: vec![],
        stationery: stationery::AUCTION,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: Some(3_600_000),
    }));

    // Arena: two 2v2 teams, a member who accepted, a match, a pending invite, a new week.
    let blades = create_team(&mut sim, 1, "Blades");
    invite(&mut sim, 1, blades, 2);
    sim.ok(ArenaCommand::Accept { id: c(2) });
    let horde = create_team(&mut sim, THRALL, "Horde Rising");
    sim.ok(ArenaCommand::ApplyMatchResult(MatchResult {
        realm: 1,
        match_id: 42,
        winner: blades,
        loser: horde,
        winner_participants: vec![c(1), c(2)],
        loser_participants: vec![c(THRALL)],
    }));
    invite(&mut sim, 1, blades, 3);
    sim.ok(ArenaCommand::FinishWeek { realm: 1 });

    // A write with a request id: a client session, its stored answer, its expiry entry.
    let applied = sim.run_once(
        RequestId {
            client: 99,
            seq: 1,
            ack_below: 0,
        },
        SocialCommand::AddFriend {
            owner: c(3),
            name: name_of(1),
            note: String::new(),
        },
    );
    assert!(applied.response.is_ok(), "{:?}", applied.response);
    sim
}

/// Every tag the state machine writes: all of `keys::TABLES` but tavern-raft's reserved one.
fn state_machine_tags() -> BTreeSet<u8> {
    keys::TABLES
        .iter()
        .map(|(tag, _, _)| *tag)
        .filter(|tag| *tag != keys::RAFT_RESERVED)
        .collect()
}

fn table_name(tag: u8) -> &'static str {
    keys::table(tag).map_or("?", |t| t.0)
}

#[test]
fn every_record_of_a_state_that_fills_every_table_checks() {
    let sim = rich_state();
    let mut seen = BTreeSet::new();
    for (key, value) in sim.state.iter() {
        match records::check(key, value) {
            Ok(Checked::Decoded) => {}
            other => panic!("record {key:02x?} = {value:02x?}: {other:?}"),
        }
        seen.insert(key[0]);
    }
    let missing: Vec<&str> = state_machine_tags()
        .difference(&seen)
        .map(|t| table_name(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "the workload writes no record of {missing:?}: extend rich_state() so every table is \
         checked"
    );
    assert_eq!(seen, state_machine_tags());
}

#[test]
fn a_record_with_a_byte_cut_or_added_fails_naming_its_table() {
    let sim = rich_state();
    for (key, value) in sim.state.iter() {
        let table = table_name(key[0]);
        let cut = &value[..value.len() - 1];
        let err = records::check(key, cut).expect_err("a value cut by one byte");
        assert_eq!(err.table, Some(table));
        assert!(matches!(err.problem, Problem::Value(_)), "{err}");
        assert!(err
            .to_string()
            .starts_with(&format!("{table} record with key ")));

        let mut longer = value.clone();
        longer.push(0);
        let err = records::check(key, &longer).expect_err("a value with a byte added");
        assert!(
            matches!(err.problem, Problem::ValueNotCanonical { .. }),
            "{err}"
        );

        let mut key_longer = key.clone();
        key_longer.push(0);
        let err = records::check(&key_longer, value).expect_err("a key with a byte added");
        assert!(matches!(err.problem, Problem::KeyTrailing { .. }), "{err}");
        let err = records::check(&key[..key.len() - 1], value).expect_err("a key cut short");
        assert!(matches!(err.problem, Problem::KeyShort { .. }), "{err}");
    }
}

#[test]
fn a_value_of_another_table_is_refused() {
    let sim = rich_state();
    let account = Key::new(keys::ACCOUNT).u32(1).build();
    let character = Key::new(keys::CHARACTER).character(c(1)).build();
    let character_value = sim
        .state
        .iter()
        .find(|(k, _)| **k == character)
        .map(|(_, v)| v.clone())
        .expect("character 1 exists");
    let err = records::check(&account, &character_value).expect_err("a character is no account");
    assert_eq!(err.table, Some("ACCOUNT"));
    let text = err.to_string();
    assert!(
        text.contains("ACCOUNT record with key 1100000001"),
        "{text}"
    );
}

#[test]
fn tavern_raft_records_are_left_to_tavern_raft_and_unknown_tags_are_refused() {
    let reserved = Key::new(keys::RAFT_RESERVED).str("max_node_id").build();
    assert_eq!(
        records::check(&reserved, b"anything"),
        Ok(Checked::Reserved)
    );
    let err = records::check(&[0x99, 0, 1], &[1]).expect_err("0x99 is no table");
    assert_eq!((err.table, err.problem), (None, Problem::UnknownTag(0x99)));
}

/// A tag of a known table most of the time, any byte otherwise.
fn any_tag() -> impl Strategy<Value = u8> {
    let known: Vec<u8> = keys::TABLES.iter().map(|(t, _, _)| *t).collect();
    prop_oneof![4 => proptest::sample::select(known), 1 => any::<u8>()]
}

/// A value with the current format version most of the time.
fn any_value() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![4 => Just(1u8), 1 => any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(version, body)| {
            let mut v = vec![version];
            v.extend(body);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn no_key_and_value_make_the_check_panic(
        tag in any_tag(),
        rest in proptest::collection::vec(any::<u8>(), 0..48),
        value in prop_oneof![any_value(), proptest::collection::vec(any::<u8>(), 0..8)],
    ) {
        let mut key = vec![tag];
        key.extend(rest);
        let _ = records::check(&key, &value);
        let _ = records::check(&[], &value);
    }

    #[test]
    fn flipped_bytes_in_real_records_never_panic_the_check(
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        in_key in any::<bool>(),
    ) {
        let sim = rich_state_cached();
        let (key, value) = &sim[pick.index(sim.len())];
        let (mut key, mut value) = (key.clone(), value.clone());
        let target = if in_key { &mut key } else { &mut value };
        let i = at.index(target.len());
        target[i] ^= xor;
        let _ = records::check(&key, &value);
    }
}

/// The rich state's pairs, built once for the property runs.
fn rich_state_cached() -> &'static Vec<(Vec<u8>, Vec<u8>)> {
    static PAIRS: std::sync::OnceLock<Vec<(Vec<u8>, Vec<u8>)>> = std::sync::OnceLock::new();
    PAIRS.get_or_init(|| {
        rich_state()
            .state
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}
