//! Every limit a wire conversion enforces: the value at the limit passes, one past it is
//! rejected with a `ConvertError` naming the field and the limit.

use tavern_proto::convert::{ConvertError, QueryReply, CHARACTER_NAME_BYTES_MAX};
use tavern_proto::pb;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::presence::{PresenceCommand, PresenceQuery};
use tavern_statemachine::query::QueryResponse;
use tavern_statemachine::realm::{RealmCommand, RealmQuery};

fn err(field: &str, reason: &str) -> ConvertError {
    ConvertError::new(field, reason)
}

fn too_long(field: &str, len: usize, max: usize) -> ConvertError {
    err(field, &format!("is {len} bytes, the limit is {max} bytes"))
}

fn over_byte(field: &str) -> ConvertError {
    err(field, "is 256, the limit is 255")
}

fn id(low: u32) -> Option<pb::CharacterId> {
    Some(pb::CharacterId { realm: 1, low })
}

fn upsert_realm(name: usize) -> Result<RealmCommand, ConvertError> {
    RealmCommand::try_from(pb::UpsertRealmRequest {
        header: None,
        realm: Some(pb::Realm {
            id: 1,
            name: "r".repeat(name),
            cross_realm: false,
        }),
    })
}

#[test]
fn realm_name_and_required_realm() {
    assert!(upsert_realm(64).is_ok());
    assert_eq!(upsert_realm(65), Err(too_long("realm.name", 65, 64)));
    let missing = RealmCommand::try_from(pb::UpsertRealmRequest {
        header: None,
        realm: None,
    });
    assert_eq!(missing, Err(err("realm", "is required")));
    // A read without limits converts whatever it carries.
    let get = RealmQuery::try_from(pb::GetRealmRequest {
        header: None,
        id: u32::MAX,
    });
    assert_eq!(get, Ok(RealmQuery::Get { id: u32::MAX }));
}

#[test]
fn account_username_locale_and_gm_level() {
    let upsert = |username: usize, locale: usize| {
        AccountCommand::try_from(pb::UpsertAccountRequest {
            header: None,
            id: 7,
            username: "u".repeat(username),
            locale: "l".repeat(locale),
        })
    };
    assert!(upsert(32, 8).is_ok());
    assert_eq!(upsert(33, 8), Err(too_long("account.username", 33, 32)));
    assert_eq!(upsert(32, 9), Err(too_long("account.locale", 9, 8)));

    let gm = |gm_level| {
        AccountCommand::try_from(pb::SetAccountGmLevelRequest {
            header: None,
            id: 7,
            gm_level,
        })
    };
    assert_eq!(
        gm(255),
        Ok(AccountCommand::SetGmLevel {
            id: 7,
            gm_level: 255
        })
    );
    assert_eq!(gm(256), Err(over_byte("account.gm_level")));

    let by_username =
        tavern_statemachine::account::AccountQuery::try_from(pb::GetAccountByUsernameRequest {
            header: None,
            username: "u".repeat(33),
        });
    assert_eq!(by_username, Err(too_long("account.username", 33, 32)));
}

fn create() -> pb::CreateCharacterRequest {
    pb::CreateCharacterRequest {
        header: None,
        id: id(1),
        account: 1,
        name: "Alice".into(),
        race: 1,
        class_id: 1,
        gender: 0,
        level: 80,
    }
}

#[test]
fn character_bytes_name_and_id() {
    assert!(CharacterCommand::try_from(create()).is_ok());
    let cases = [
        (
            pb::CreateCharacterRequest {
                race: 256,
                ..create()
            },
            "character.race",
        ),
        (
            pb::CreateCharacterRequest {
                class_id: 256,
                ..create()
            },
            "character.class",
        ),
        (
            pb::CreateCharacterRequest {
                gender: 256,
                ..create()
            },
            "character.gender",
        ),
        (
            pb::CreateCharacterRequest {
                level: 256,
                ..create()
            },
            "character.level",
        ),
    ];
    for (request, field) in cases {
        assert_eq!(CharacterCommand::try_from(request), Err(over_byte(field)));
    }

    // 48 bytes pass the wire (the state machine answers NameTooLong); 49 do not.
    assert_eq!(CHARACTER_NAME_BYTES_MAX, 48);
    let named = |n: usize| {
        CharacterCommand::try_from(pb::CreateCharacterRequest {
            name: "a".repeat(n),
            ..create()
        })
    };
    assert!(named(48).is_ok());
    assert_eq!(named(49), Err(too_long("character.name", 49, 48)));
    let rename = CharacterCommand::try_from(pb::RenameCharacterRequest {
        header: None,
        id: id(1),
        name: "é".repeat(25),
    });
    assert_eq!(rename, Err(too_long("character.name", 50, 48)));

    let required = err("character.id", "is required");
    let no_id = pb::CreateCharacterRequest {
        id: None,
        ..create()
    };
    assert_eq!(CharacterCommand::try_from(no_id), Err(required.clone()));
    let delete = CharacterCommand::try_from(pb::DeleteCharacterRequest {
        header: None,
        id: None,
    });
    assert_eq!(delete, Err(required));
}

fn login() -> pb::LoginRequest {
    pb::LoginRequest {
        header: None,
        id: id(1),
        gateway: "gw1".into(),
        zone: 12,
        area: 87,
        map: 0,
        level: 80,
        guild_id: 0,
        worldserver: Some("ws1".into()),
    }
}

#[test]
fn gateway_ids_and_login() {
    let register = |n: usize| {
        PresenceCommand::try_from(pb::RegisterGatewayRequest {
            header: None,
            gateway: "g".repeat(n),
            realm: 1,
        })
    };
    assert!(register(64).is_ok());
    assert_eq!(register(65), Err(too_long("gateway", 65, 64)));

    assert!(PresenceCommand::try_from(login()).is_ok());
    let cases = [
        (
            pb::LoginRequest {
                gateway: "g".repeat(65),
                ..login()
            },
            too_long("login.gateway", 65, 64),
        ),
        (
            pb::LoginRequest {
                worldserver: Some("w".repeat(65)),
                ..login()
            },
            too_long("login.worldserver", 65, 64),
        ),
        (
            pb::LoginRequest {
                level: 256,
                ..login()
            },
            over_byte("login.level"),
        ),
        (
            pb::LoginRequest {
                id: None,
                ..login()
            },
            err("login.id", "is required"),
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(PresenceCommand::try_from(request), Err(expected));
    }
}

fn update(low: u32) -> pb::PresenceUpdate {
    pb::PresenceUpdate {
        id: id(low),
        level: Some(80),
        ..Default::default()
    }
}

fn batch(updates: Vec<pb::PresenceUpdate>) -> Result<PresenceCommand, ConvertError> {
    PresenceCommand::try_from(pb::UpdatePresenceRequest {
        header: None,
        gateway: "gw1".into(),
        updates,
    })
}

#[test]
fn presence_batch_size_and_fields_by_index() {
    assert!(batch((0..4096).map(update).collect()).is_ok());
    assert_eq!(
        batch((0..4097).map(update).collect()),
        Err(err("updates", "has 4097 elements, the limit is 4096"))
    );
    let mut updates: Vec<_> = (0..3).map(update).collect();
    updates[2].level = Some(256);
    assert_eq!(batch(updates), Err(over_byte("updates[2].level")));
    let mut updates: Vec<_> = (0..3).map(update).collect();
    updates[1].id = None;
    assert_eq!(batch(updates), Err(err("updates[1].id", "is required")));
    let mut updates: Vec<_> = (0..3).map(update).collect();
    updates[0].worldserver = Some("w".repeat(65));
    assert_eq!(
        batch(updates),
        Err(too_long("updates[0].worldserver", 65, 64))
    );
}

fn who() -> pb::WhoRequest {
    pb::WhoRequest {
        header: None,
        requester: id(1),
        level_min: 1,
        level_max: 80,
        name: String::new(),
        guild_id: None,
        race_mask: 0,
        class_mask: 0,
        zones: vec![1; 10],
        strings: vec!["a".repeat(48); 4],
    }
}

#[test]
fn presence_reads() {
    let by_ids = |n: u32| {
        PresenceQuery::try_from(pb::GetPresenceByIdsRequest {
            header: None,
            ids: (0..n)
                .map(|low| pb::CharacterId { realm: 1, low })
                .collect(),
        })
    };
    assert!(by_ids(1024).is_ok());
    assert_eq!(
        by_ids(1025),
        Err(err("ids", "has 1025 elements, the limit is 1024"))
    );

    assert!(PresenceQuery::try_from(who()).is_ok());
    let cases = [
        (
            pb::WhoRequest {
                zones: vec![1; 11],
                ..who()
            },
            err("who.zones", "has 11 elements, the limit is 10"),
        ),
        (
            pb::WhoRequest {
                strings: vec![String::new(); 5],
                ..who()
            },
            err("who.strings", "has 5 elements, the limit is 4"),
        ),
        (
            pb::WhoRequest {
                strings: vec![String::new(), "s".repeat(49)],
                ..who()
            },
            too_long("who.strings[1]", 49, 48),
        ),
        (
            pb::WhoRequest {
                name: "n".repeat(49),
                ..who()
            },
            too_long("who.name", 49, 48),
        ),
        (
            pb::WhoRequest {
                level_max: 256,
                ..who()
            },
            over_byte("who.level_max"),
        ),
        (
            pb::WhoRequest {
                requester: None,
                ..who()
            },
            err("who.requester", "is required"),
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(PresenceQuery::try_from(request), Err(expected));
    }
    let gateway = PresenceQuery::try_from(pb::ListPresenceOfGatewayRequest {
        header: None,
        gateway: "g".repeat(65),
    });
    assert_eq!(gateway, Err(too_long("gateway", 65, 64)));
}

/// The client validates what a server sends just as strictly.
#[test]
fn responses_are_validated_with_the_list_index() {
    let character = pb::Character {
        id: id(1),
        account: 1,
        name: "Alice".into(),
        race: 1,
        class_id: 1,
        gender: 0,
        level: 300,
        created_ms: 0,
    };
    let got = pb::GetCharacterResponse {
        header: None,
        character: Some(character.clone()),
    }
    .into_query_response();
    assert_eq!(got, Err(err("character.level", "is 300, the limit is 255")));
    let got = pb::ListCharactersOfAccountResponse {
        header: None,
        characters: vec![
            pb::Character {
                level: 80,
                ..character.clone()
            },
            character,
        ],
    }
    .into_query_response();
    assert_eq!(
        got,
        Err(err("characters[1].level", "is 300, the limit is 255"))
    );

    let realms = pb::ListRealmsResponse {
        header: None,
        realms: vec![pb::Realm {
            id: 1,
            name: "r".repeat(65),
            cross_realm: false,
        }],
    };
    assert_eq!(
        realms.into_query_response(),
        Err(too_long("realms[0].name", 65, 64))
    );
    let presence = pb::WhoResponse {
        header: None,
        total: 1,
        items: vec![pb::Presence {
            id: None,
            ..Default::default()
        }],
    };
    let got: Result<QueryResponse, _> = presence.into_query_response();
    assert_eq!(got, Err(err("items[0].id", "is required")));
}
