//! Realms, accounts, characters and the apply pipeline (config, errors, determinism).

use tavern_statemachine::account::{AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::character::{
    CharacterCommand, CharacterEvent, CharacterQuery, CharacterQueryResponse, CharacterResponse,
    CharacterResult,
};
use tavern_statemachine::presence::PresenceCommand;
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::testkit::{Sim, HUMAN, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Entry, Error, Event, Query, QueryResponse, Response,
};

fn create(id: CharacterId, account: u32, name: &str) -> CharacterCommand {
    CharacterCommand::Create {
        id,
        account,
        name: name.into(),
        race: HUMAN,
        class: 1,
        gender: 0,
        level: 1,
    }
}

#[test]
fn realms_are_registered_listed_and_validated() {
    let mut sim = Sim::new();
    sim.ok(RealmCommand::Upsert(Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    }));
    sim.ok(RealmCommand::Upsert(Realm {
        id: 0,
        name: "Crossrealm".into(),
        cross_realm: true,
    }));
    sim.ok(RealmCommand::Upsert(Realm {
        id: 1,
        name: "Lordaeron PvP".into(),
        cross_realm: false,
    }));
    assert_eq!(
        sim.query(Query::Realm(RealmQuery::List)).unwrap(),
        QueryResponse::Realm(RealmQueryResponse::Realms(vec![
            Realm {
                id: 0,
                name: "Crossrealm".into(),
                cross_realm: true
            },
            Realm {
                id: 1,
                name: "Lordaeron PvP".into(),
                cross_realm: false
            },
        ]))
    );
    assert_eq!(
        sim.err(RealmCommand::Upsert(Realm {
            id: 2,
            name: String::new(),
            cross_realm: false
        })),
        Error::invalid("realm.name", "must not be empty")
    );
    assert_eq!(
        sim.err(RealmCommand::Upsert(Realm {
            id: 2,
            name: "x".repeat(65),
            cross_realm: false
        })),
        Error::invalid("realm.name", "is 65 bytes, the limit is 64 bytes")
    );
}

#[test]
fn accounts_have_unique_usernames_and_limits() {
    let mut sim = Sim::new();
    sim.ok(AccountCommand::Upsert {
        id: 7,
        username: "Arthas".into(),
        locale: "enUS".into(),
    });
    assert_eq!(
        sim.err(AccountCommand::Upsert {
            id: 8,
            username: "ARTHAS".into(),
            locale: "enUS".into()
        }),
        Error::already_exists("username \"ARTHAS\"")
    );
    // Renaming frees the old username.
    sim.ok(AccountCommand::Upsert {
        id: 7,
        username: "Uther".into(),
        locale: "deDE".into(),
    });
    sim.ok(AccountCommand::Upsert {
        id: 8,
        username: "arthas".into(),
        locale: "enUS".into(),
    });
    sim.ok(AccountCommand::SetGmLevel { id: 7, gm_level: 3 });
    let got = sim
        .query(Query::Account(AccountQuery::ByUsername {
            username: "UTHER".into(),
        }))
        .unwrap();
    let QueryResponse::Account(AccountQueryResponse::Account(Some(a))) = got else {
        panic!("{got:?}")
    };
    assert_eq!(
        (
            a.id,
            a.username.as_str(),
            a.locale.as_str(),
            a.locked,
            a.gm_level
        ),
        (7, "Uther", "deDE", false, 3)
    );
    assert_eq!(
        sim.err(AccountCommand::Upsert {
            id: 9,
            username: "u".repeat(33),
            locale: "enUS".into()
        }),
        Error::invalid("account.username", "is 33 bytes, the limit is 32 bytes")
    );
    assert_eq!(
        sim.err(AccountCommand::Upsert {
            id: 9,
            username: "ok".into(),
            locale: "toolongxx".into()
        }),
        Error::invalid("account.locale", "is 9 bytes, the limit is 8 bytes")
    );
    assert_eq!(
        sim.err(AccountCommand::SetLocked {
            id: 99,
            locked: true
        }),
        Error::not_found("account 99")
    );
}

#[test]
fn character_create_checks_every_rule() {
    let mut sim = Sim::world(0);
    sim.account(1);
    let id = CharacterId::new(1, 100);
    let bad = |f: &dyn Fn(&mut CharacterCommand)| {
        let mut c = create(id, 1, "Valid");
        f(&mut c);
        c
    };
    let cases: Vec<(CharacterCommand, Error)> = vec![
        (
            bad(&|c| {
                if let CharacterCommand::Create { race, .. } = c {
                    *race = 9
                }
            }),
            Error::invalid("character.race", "9 is not a playable race"),
        ),
        (
            bad(&|c| {
                if let CharacterCommand::Create { class, .. } = c {
                    *class = 10
                }
            }),
            Error::invalid("character.class", "10 is not a playable class"),
        ),
        (
            bad(&|c| {
                if let CharacterCommand::Create { gender, .. } = c {
                    *gender = 2
                }
            }),
            Error::invalid("character.gender", "2 is not 0 or 1"),
        ),
        (
            bad(&|c| {
                if let CharacterCommand::Create { level, .. } = c {
                    *level = 81
                }
            }),
            Error::invalid("character.level", "81 is not in 1..=80"),
        ),
        (
            create(id, 1, ""),
            Error::Character(CharacterResult::NameNoName),
        ),
        (
            create(id, 1, "A"),
            Error::Character(CharacterResult::NameTooShort),
        ),
        (
            create(id, 1, "Abcdefghijklm"),
            Error::Character(CharacterResult::NameTooLong),
        ),
        (
            create(id, 1, "Abc1"),
            Error::Character(CharacterResult::NameInvalidCharacter),
        ),
        (create(id, 2, "Valid"), Error::not_found("account 2")),
        (
            create(CharacterId::new(5, 1), 1, "Valid"),
            Error::not_found("realm 5"),
        ),
    ];
    for (cmd, want) in cases {
        assert_eq!(sim.err(cmd.clone()), want, "{cmd:?}");
    }
    assert_eq!(
        Error::Character(CharacterResult::NameTooLong).game_code(),
        Some(0x5B)
    );

    // Names are normalised and unique per realm, case-insensitively.
    assert_eq!(
        sim.ok(create(id, 1, "aRTHAS")),
        Response::Character(CharacterResponse::Named {
            id,
            name: "Arthas".into()
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Character(CharacterEvent::Created {
            id,
            account: 1,
            name: "Arthas".into()
        })]
    );
    assert_eq!(
        sim.err(create(CharacterId::new(1, 101), 1, "ARTHAS")),
        Error::Character(CharacterResult::CreateNameInUse)
    );
    assert_eq!(
        sim.err(create(id, 1, "Other")),
        Error::already_exists("character 1:100")
    );
    // The same name on another realm is fine.
    sim.realm(2);
    sim.ok(create(CharacterId::new(2, 100), 1, "Arthas"));
}

#[test]
fn an_account_holds_ten_characters_per_realm() {
    let mut sim = Sim::world(0);
    sim.realm(2);
    sim.account(1);
    let names = [
        "Aa", "Bb", "Cc", "Dd", "Ee", "Ff", "Gg", "Hh", "Ii", "Jj", "Kk",
    ];
    for (i, name) in names.iter().enumerate().take(10) {
        sim.ok(create(CharacterId::new(1, i as u32), 1, name));
    }
    assert_eq!(
        sim.err(create(CharacterId::new(1, 10), 1, names[10])),
        Error::Character(CharacterResult::CreateServerLimit)
    );
    sim.ok(create(CharacterId::new(2, 10), 1, names[10]));
    let got = sim
        .query(Query::Character(CharacterQuery::ForAccount {
            account: 1,
            realm: Some(1),
        }))
        .unwrap();
    let QueryResponse::Character(CharacterQueryResponse::Characters(list)) = got else {
        panic!()
    };
    assert_eq!(list.len(), 10);
    let got = sim
        .query(Query::Character(CharacterQuery::ForAccount {
            account: 1,
            realm: None,
        }))
        .unwrap();
    let QueryResponse::Character(CharacterQueryResponse::Characters(list)) = got else {
        panic!()
    };
    assert_eq!(list.len(), 11);
}

#[test]
fn rename_and_delete_refuse_online_characters_and_free_the_name() {
    let mut sim = Sim::world(2);
    let alice = CharacterId::new(1, 1);
    sim.login(alice, "gw1");
    assert_eq!(
        sim.err(CharacterCommand::Rename {
            id: alice,
            name: "Alicia".into()
        }),
        Error::Character(CharacterResult::NameFailure)
    );
    assert_eq!(
        sim.err(CharacterCommand::Delete { id: alice }),
        Error::Character(CharacterResult::DeleteFailed)
    );
    sim.logout(alice, "gw1");
    assert_eq!(
        sim.err(CharacterCommand::Rename {
            id: alice,
            name: "bob".into()
        }),
        Error::Character(CharacterResult::CreateNameInUse)
    );
    sim.ok(CharacterCommand::Rename {
        id: alice,
        name: "alicia".into(),
    });
    assert_eq!(
        sim.events,
        vec![Event::Character(CharacterEvent::Renamed {
            id: alice,
            old_name: "Alice".into(),
            new_name: "Alicia".into()
        })]
    );
    let by_name = |sim: &Sim, n: &str| match sim
        .query(Query::Character(CharacterQuery::ByName {
            realm: 1,
            name: n.into(),
        }))
        .unwrap()
    {
        QueryResponse::Character(CharacterQueryResponse::Character(c)) => c.map(|c| c.id),
        other => panic!("{other:?}"),
    };
    assert_eq!(by_name(&sim, "ALICIA"), Some(alice));
    assert_eq!(by_name(&sim, "Alice"), None);
    sim.ok(CharacterCommand::Delete { id: alice });
    assert_eq!(
        sim.events,
        vec![Event::Character(CharacterEvent::Deleted {
            id: alice,
            account: 1,
            name: "Alicia".into()
        })]
    );
    assert_eq!(by_name(&sim, "Alicia"), None);
    assert_eq!(
        sim.err(CharacterCommand::Delete { id: alice }),
        Error::Character(CharacterResult::LoginNoCharacter)
    );
    // The name is free again.
    sim.ok(create(CharacterId::new(1, 50), 1, "Alicia"));
}

#[test]
fn a_failed_command_changes_nothing_and_emits_nothing() {
    let mut sim = Sim::world(1);
    let before = sim.state.clone();
    let applied = sim.apply_entry(Entry::new(
        sim.now_ms,
        create(CharacterId::new(1, 9), 1, "Alice").into(),
    ));
    assert_eq!(
        applied.response,
        Err(Error::Character(CharacterResult::CreateNameInUse))
    );
    assert!(applied.mutations.is_empty());
    assert!(applied.events.is_empty());
    assert_eq!(sim.state, before);
}

#[test]
fn config_is_validated_and_read_back() {
    let mut sim = Sim::new();
    let bad = ClusterConfig {
        gateway_lease_ms: 0,
        ..Default::default()
    };
    assert_eq!(
        sim.err(Command::SetConfig(bad)),
        Error::invalid("config.gateway_lease_ms", "must be above 0 ms")
    );
    let bad = ClusterConfig {
        session_ttl_ms: 10,
        ..Default::default()
    };
    assert_eq!(
        sim.err(Command::SetConfig(bad)),
        Error::invalid("config.session_ttl_ms", "must be at least 1000 ms")
    );
    let bad = ClusterConfig {
        max_player_level: 0,
        ..Default::default()
    };
    assert_eq!(
        sim.err(Command::SetConfig(bad)),
        Error::invalid("config.max_player_level", "must be above 0")
    );
    let good = ClusterConfig {
        max_player_level: 70,
        gateway_lease_ms: 5_000,
        ..Default::default()
    };
    sim.ok(Command::SetConfig(good.clone()));
    assert_eq!(
        sim.query(Query::Config).unwrap(),
        QueryResponse::Config(good)
    );
    // The new level cap applies at once.
    sim.realm(1);
    sim.account(1);
    let c = CharacterCommand::Create {
        id: CharacterId::new(1, 1),
        account: 1,
        name: "Kael".into(),
        race: ORC,
        class: 3,
        gender: 1,
        level: 71,
    };
    assert_eq!(
        sim.err(c),
        Error::invalid("character.level", "71 is not in 1..=70")
    );
}

#[test]
fn log_entries_round_trip_and_refuse_other_versions() {
    let entry = Entry::new(
        42,
        PresenceCommand::RegisterGateway {
            gateway: "gw".into(),
            realm: 1,
        }
        .into(),
    );
    let bytes = entry.encode();
    assert_eq!(bytes[0], 1, "format version byte");
    assert_eq!(Entry::decode(&bytes).unwrap(), entry);
    let mut other = bytes.clone();
    other[0] = 2;
    assert_eq!(
        Entry::decode(&other).unwrap_err().to_string(),
        "log entry has format version 2, this build reads only version 1"
    );
    assert_eq!(
        Entry::decode(&[]).unwrap_err().to_string(),
        "empty log entry"
    );
    assert!(Entry::decode(&bytes[..bytes.len() - 1]).is_err());
    assert!(Entry::decode(&[1, 0xff, 0xff, 0xff]).is_err());
}

/// A v1 entry written by this build and kept as a fixture: if the encoding changes without a
/// version bump, this fails.
#[test]
fn the_v1_entry_fixture_still_decodes() {
    let fixture = include_bytes!("fixtures/entry_v1.bin");
    let want = Entry::new(
        1_767_225_600_000,
        CharacterCommand::Create {
            id: CharacterId::new(1, 42),
            account: 7,
            name: "Jaina".into(),
            race: HUMAN,
            class: 8,
            gender: 1,
            level: 80,
        }
        .into(),
    )
    .with_request(tavern_statemachine::RequestId {
        client: 9,
        seq: 3,
        ack_below: 2,
    });
    if std::env::var_os("TAVERN_WRITE_FIXTURES").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/entry_v1.bin"),
            want.encode(),
        )
        .unwrap();
    }
    assert_eq!(Entry::decode(fixture).unwrap(), want);
    assert_eq!(want.encode(), fixture.to_vec());
}

#[test]
fn corrupt_state_stops_the_apply_instead_of_guessing() {
    let mut sim = Sim::world(1);
    // Overwrite the character record of Alice with garbage.
    let key = {
        let mut k = vec![0x13];
        k.extend_from_slice(&1u32.to_be_bytes());
        k.extend_from_slice(&1u32.to_be_bytes());
        k
    };
    sim.state.write(&[tavern_statemachine::Mutation::Put {
        key,
        value: vec![1, 0xff],
    }]);
    let entry = Entry::new(
        sim.now_ms,
        CharacterCommand::Delete {
            id: CharacterId::new(1, 1),
        }
        .into(),
    );
    let err = tavern_statemachine::apply(&sim.state, &entry).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("apply failed: corrupt state: character does not decode"),
        "{err}"
    );
}
