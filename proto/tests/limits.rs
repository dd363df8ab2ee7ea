//! Every limit a wire conversion enforces: the value at the limit passes, one past it is
//! rejected with a `ConvertError` naming the field and the limit.

use tavern_proto::convert::{
    ConvertError, QueryReply, WriteReply, CHARACTER_NAME_BYTES_MAX, SEND_MAIL_ITEMS_MAX,
};
use tavern_proto::pb;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::channel::{ChannelCommand, ChannelQuery};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::limits::MONEY_COPPER_MAX;
use tavern_statemachine::mail::{MailCommand, MailQuery, MailResult};
use tavern_statemachine::presence::{PresenceCommand, PresenceQuery};
use tavern_statemachine::query::QueryResponse;
use tavern_statemachine::realm::{RealmCommand, RealmQuery};
use tavern_statemachine::testkit::Sim;
use tavern_statemachine::{Error, Team};

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

fn join() -> pb::JoinChannelRequest {
    pb::JoinChannelRequest {
        header: None,
        id: id(1),
        name: "Trade".into(),
        channel_id: 0,
        password: String::new(),
    }
}

#[test]
fn channel_names_passwords_and_targets() {
    let joined = |name: usize, password: usize| {
        ChannelCommand::try_from(pb::JoinChannelRequest {
            name: "n".repeat(name),
            password: "p".repeat(password),
            ..join()
        })
    };
    assert!(joined(128, 32).is_ok());
    assert_eq!(joined(129, 32), Err(too_long("name", 129, 128)));
    assert_eq!(joined(128, 33), Err(too_long("password", 33, 32)));
    let no_id = ChannelCommand::try_from(pb::JoinChannelRequest { id: None, ..join() });
    assert_eq!(no_id, Err(err("id", "is required")));

    let kick = |channel: usize, target: usize| {
        ChannelCommand::try_from(pb::KickFromChannelRequest {
            header: None,
            by: id(1),
            channel: "c".repeat(channel),
            target_name: "t".repeat(target),
        })
    };
    // 48 bytes pass the wire (the state machine answers 13 to 48 itself); 49 do not.
    assert!(kick(128, 48).is_ok());
    assert_eq!(kick(129, 48), Err(too_long("channel", 129, 128)));
    assert_eq!(kick(128, 49), Err(too_long("target_name", 49, 48)));
    let no_by = ChannelCommand::try_from(pb::BanFromChannelRequest {
        header: None,
        by: None,
        channel: "c".into(),
        target_name: "t".into(),
    });
    assert_eq!(no_by, Err(err("by", "is required")));

    let password = |n: usize| {
        ChannelCommand::try_from(pb::SetChannelPasswordRequest {
            header: None,
            by: id(1),
            channel: "c".into(),
            password: "p".repeat(n),
        })
    };
    assert!(password(32).is_ok());
    assert_eq!(password(33), Err(too_long("password", 33, 32)));
    let speak = ChannelCommand::try_from(pb::SpeakInChannelRequest {
        header: None,
        id: id(1),
        channel: "c".repeat(129),
    });
    assert_eq!(speak, Err(too_long("channel", 129, 128)));
}

fn rights() -> pb::SetChannelRightsRequest {
    pb::SetChannelRightsRequest {
        header: None,
        name: "n".repeat(128),
        flags: 0x1ff,
        speak_delay_s: 5,
        join_message: "j".repeat(255),
        delay_message: "d".repeat(255),
        moderators: (0..64).collect(),
    }
}

#[test]
fn channel_rights() {
    assert!(ChannelCommand::try_from(rights()).is_ok());
    let cases = [
        (
            pb::SetChannelRightsRequest {
                name: "n".repeat(129),
                ..rights()
            },
            too_long("name", 129, 128),
        ),
        (
            pb::SetChannelRightsRequest {
                join_message: "j".repeat(256),
                ..rights()
            },
            too_long("join_message", 256, 255),
        ),
        (
            pb::SetChannelRightsRequest {
                delay_message: "d".repeat(256),
                ..rights()
            },
            too_long("delay_message", 256, 255),
        ),
        (
            pb::SetChannelRightsRequest {
                moderators: (0..65).collect(),
                ..rights()
            },
            err("moderators", "has 65 elements, the limit is 64"),
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(ChannelCommand::try_from(request), Err(expected));
    }
    let remove = ChannelCommand::try_from(pb::RemoveChannelRightsRequest {
        header: None,
        name: "n".repeat(129),
    });
    assert_eq!(remove, Err(too_long("name", 129, 128)));
}

#[test]
fn channel_reads_check_the_team() {
    let get = |team: u32, name: usize| {
        ChannelQuery::try_from(pb::GetChannelRequest {
            header: None,
            realm: 1,
            team,
            name: "n".repeat(name),
        })
    };
    assert_eq!(
        get(2, 128),
        Ok(ChannelQuery::Channel {
            realm: 1,
            team: Team::Neutral,
            name: "n".repeat(128)
        })
    );
    let bad_team = err(
        "team",
        "is 3, it must be 0 (alliance), 1 (horde) or 2 (neutral)",
    );
    assert_eq!(get(3, 1), Err(bad_team.clone()));
    assert_eq!(get(0, 129), Err(too_long("name", 129, 128)));
    let members = ChannelQuery::try_from(pb::ListChannelMembersRequest {
        header: None,
        realm: 1,
        team: 3,
        name: "n".into(),
    });
    assert_eq!(members, Err(bad_team.clone()));
    let bans = ChannelQuery::try_from(pb::ListChannelBansRequest {
        header: None,
        realm: 1,
        team: 3,
        name: "n".into(),
    });
    assert_eq!(bans, Err(bad_team));
    let of = ChannelQuery::try_from(pb::ListChannelsOfCharacterRequest {
        header: None,
        id: None,
    });
    assert_eq!(of, Err(err("id", "is required")));
    let rights = ChannelQuery::try_from(pb::GetChannelRightsRequest {
        header: None,
        name: "n".repeat(129),
    });
    assert_eq!(rights, Err(too_long("name", 129, 128)));
}

fn channel_info() -> pb::ChannelInfo {
    pb::ChannelInfo {
        key: Some(pb::ChannelKey {
            realm: 1,
            team: 0,
            name: "trade".into(),
        }),
        name: "Trade".into(),
        flags: 0x3c,
        ..Default::default()
    }
}

/// The client validates channel answers as strictly as the server validates requests.
#[test]
fn channel_responses_are_validated() {
    let joined = |channel: Option<pb::ChannelInfo>, member_flags: u32| {
        pb::JoinChannelResponse {
            header: None,
            channel,
            member_flags,
            join_message: String::new(),
            rejoin: false,
        }
        .into_response()
    };
    assert!(joined(Some(channel_info()), 255).is_ok());
    assert_eq!(
        joined(Some(channel_info()), 256),
        Err(over_byte("member_flags"))
    );
    assert_eq!(joined(None, 0), Err(err("channel", "is required")));
    let info = |info: pb::ChannelInfo| {
        pb::GetChannelResponse {
            header: None,
            channel: Some(info),
        }
        .into_query_response()
    };
    assert_eq!(
        info(pb::ChannelInfo {
            flags: 256,
            ..channel_info()
        }),
        Err(over_byte("channel.flags"))
    );
    assert_eq!(
        info(pb::ChannelInfo {
            key: None,
            ..channel_info()
        }),
        Err(err("channel.key", "is required"))
    );
    assert_eq!(
        info(pb::ChannelInfo {
            key: Some(pb::ChannelKey {
                realm: 1,
                team: 7,
                name: "n".repeat(129),
            }),
            ..channel_info()
        }),
        Err(err(
            "channel.key.team",
            "is 7, it must be 0 (alliance), 1 (horde) or 2 (neutral)"
        ))
    );
    assert_eq!(
        info(pb::ChannelInfo {
            name: "n".repeat(129),
            ..channel_info()
        }),
        Err(too_long("channel.name", 129, 128))
    );

    let member = |low: u32, flags: u32| pb::ChannelMember {
        id: id(low),
        name: "Alice".into(),
        flags,
    };
    let roster = pb::ListChannelMembersResponse {
        header: None,
        members: vec![member(1, 255), member(2, 256)],
    };
    assert_eq!(
        roster.into_query_response(),
        Err(over_byte("members[1].flags"))
    );
    let of = pb::ListChannelsOfCharacterResponse {
        header: None,
        channels: vec![pb::ChannelMembership {
            channel: Some(pb::ChannelKey {
                realm: 1,
                team: 1,
                name: "n".repeat(129),
            }),
            name: "n".into(),
            channel_id: 0,
            member_flags: 0,
        }],
    };
    assert_eq!(
        of.into_query_response(),
        Err(too_long("channels[0].channel.name", 129, 128))
    );
    let speak = pb::SpeakInChannelResponse {
        header: None,
        to: vec![pb::ChannelRecipient {
            id: id(1),
            gateway: "g".repeat(65),
        }],
    };
    assert_eq!(
        speak.into_response(),
        Err(too_long("to[0].gateway", 65, 64))
    );
    let check = pb::CheckChannelSpeakResponse {
        header: None,
        to: vec![pb::ChannelRecipient {
            id: None,
            gateway: "gw1".into(),
        }],
    };
    assert_eq!(
        check.into_query_response(),
        Err(err("to[0].id", "is required"))
    );
    let bans = pb::ListChannelBansResponse {
        header: None,
        bans: vec![pb::ChannelBan {
            id: id(2),
            by: None,
            banned_ms: 0,
            until_ms: 1,
        }],
    };
    assert_eq!(
        bans.into_query_response(),
        Err(err("bans[0].by", "is required"))
    );
    let rights = |moderators: u32, join: usize| {
        pb::GetChannelRightsResponse {
            header: None,
            rights: Some(pb::ChannelRights {
                name: "n".into(),
                join_message: "j".repeat(join),
                moderators: (0..moderators).collect(),
                ..Default::default()
            }),
        }
        .into_query_response()
    };
    assert!(rights(64, 255).is_ok());
    assert_eq!(
        rights(65, 0),
        Err(err("rights.moderators", "has 65 elements, the limit is 64"))
    );
    assert_eq!(
        rights(0, 256),
        Err(too_long("rights.join_message", 256, 255))
    );
}

fn item(guid: u32) -> pb::MailItem {
    pb::MailItem {
        guid,
        entry: 6948,
        count: 1,
        ..Default::default()
    }
}

fn send() -> pb::SendMailRequest {
    pb::SendMailRequest {
        header: None,
        sender: Some(pb::MailSender {
            kind: Some(pb::mail_sender::Kind::Player(pb::CharacterId {
                realm: 1,
                low: 1,
            })),
        }),
        receiver: id(2),
        subject: "s".repeat(256),
        body: "b".repeat(8000),
        money: MONEY_COPPER_MAX_U32,
        cod: 0,
        items: (1..=12).map(item).collect(),
        stationery: 255,
        template_id: 65_535,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

const MONEY_COPPER_MAX_U32: u32 = 0x7FFF_FFFF - 1;

fn over_money(field: &str) -> ConvertError {
    err(
        field,
        "is 2147483647 copper, the limit is 2147483646 copper",
    )
}

#[test]
fn mail_send_limits() {
    assert_eq!(MONEY_COPPER_MAX, u64::from(MONEY_COPPER_MAX_U32));
    assert!(MailCommand::try_from(send()).is_ok());
    let over = MONEY_COPPER_MAX_U32 + 1;
    let mut text = send();
    text.items[2].text = "t".repeat(8001);
    let cases = [
        (
            pb::SendMailRequest {
                subject: "s".repeat(257),
                ..send()
            },
            too_long("mail.subject", 257, 256),
        ),
        (
            pb::SendMailRequest {
                body: "b".repeat(8001),
                ..send()
            },
            too_long("mail.body", 8001, 8000),
        ),
        (
            pb::SendMailRequest {
                money: over,
                ..send()
            },
            over_money("mail.money"),
        ),
        (
            pb::SendMailRequest {
                cod: over,
                ..send()
            },
            over_money("mail.cod"),
        ),
        (
            pb::SendMailRequest {
                stationery: 256,
                ..send()
            },
            over_byte("mail.stationery"),
        ),
        (
            pb::SendMailRequest {
                template_id: 65_536,
                ..send()
            },
            err("mail.template_id", "is 65536, the limit is 65535"),
        ),
        (text, too_long("mail.items[2].text", 8001, 8000)),
        (
            pb::SendMailRequest {
                sender: None,
                ..send()
            },
            err("mail.sender", "is required"),
        ),
        (
            pb::SendMailRequest {
                sender: Some(pb::MailSender { kind: None }),
                ..send()
            },
            err("mail.sender", "is required"),
        ),
        (
            pb::SendMailRequest {
                receiver: None,
                ..send()
            },
            err("mail.receiver", "is required"),
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(MailCommand::try_from(request), Err(expected));
    }
}

/// Twelve items is the game's limit, answered with its own TOO_MANY_ATTACHMENTS code; the wire
/// takes up to the 255 a game packet can count, so that answer reaches the client.
#[test]
fn mail_items_past_the_game_limit_get_the_game_answer() {
    assert_eq!(SEND_MAIL_ITEMS_MAX, 255);
    let with_items = |n: u32| {
        MailCommand::try_from(pb::SendMailRequest {
            items: (1..=n).map(item).collect(),
            stationery: 41,
            ..send()
        })
    };
    assert_eq!(
        with_items(256),
        Err(err("mail.items", "has 256 elements, the limit is 255"))
    );
    let thirteen = with_items(13).expect("13 items pass the wire");
    let mut sim = Sim::new();
    assert_eq!(
        sim.err(thirteen),
        Error::Mail(MailResult::TooManyAttachments)
    );
    assert!(with_items(255).is_ok());
}

#[test]
fn mail_requests_name_their_player() {
    let required = err("player", "is required");
    let take = MailCommand::try_from(pb::TakeMailItemRequest {
        header: None,
        player: None,
        mail_id: 1,
        item_guid: 2,
    });
    assert_eq!(take, Err(required.clone()));
    let delete = MailCommand::try_from(pb::DeleteMailRequest {
        header: None,
        player: None,
        mail_id: 1,
    });
    assert_eq!(delete, Err(required));
    let list = MailQuery::try_from(pb::ListMailsRequest {
        header: None,
        receiver: None,
    });
    assert_eq!(list, Err(err("receiver", "is required")));
}

fn mail(mail_id: u32) -> pb::MailWithItems {
    pb::MailWithItems {
        mail: Some(pb::Mail {
            id: mail_id,
            realm: 1,
            sender: send().sender,
            receiver: id(2),
            subject: "s".into(),
            stationery: 41,
            item_count: 1,
            ..Default::default()
        }),
        items: vec![item(1)],
    }
}

/// The client validates mail answers: money, bytes, item counts, with the list index.
#[test]
fn mail_responses_are_validated() {
    let get = |m: pb::MailWithItems| {
        pb::GetMailResponse {
            header: None,
            mail: Some(m),
        }
        .into_query_response()
    };
    assert!(get(mail(1)).is_ok());
    let with = |f: fn(&mut pb::Mail)| {
        let mut m = mail(1);
        f(m.mail.as_mut().expect("set above"));
        get(m)
    };
    assert_eq!(
        with(|m| m.money = 0x7FFF_FFFF),
        Err(over_money("mail.money"))
    );
    assert_eq!(with(|m| m.cod = 0x7FFF_FFFF), Err(over_money("mail.cod")));
    assert_eq!(with(|m| m.checked = 256), Err(over_byte("mail.checked")));
    assert_eq!(
        with(|m| m.item_count = 256),
        Err(over_byte("mail.item_count"))
    );
    assert_eq!(
        with(|m| m.template_id = 65_536),
        Err(err("mail.template_id", "is 65536, the limit is 65535"))
    );
    assert_eq!(
        with(|m| m.subject = "s".repeat(257)),
        Err(too_long("mail.subject", 257, 256))
    );
    assert_eq!(
        with(|m| m.sender = None),
        Err(err("mail.sender", "is required"))
    );
    let twelve = pb::MailWithItems {
        items: (1..=12).map(item).collect(),
        ..mail(1)
    };
    assert!(get(twelve).is_ok());
    let thirteen = pb::MailWithItems {
        items: (1..=13).map(item).collect(),
        ..mail(1)
    };
    assert_eq!(
        get(thirteen),
        Err(err("mail.items", "has 13 elements, the limit is 12"))
    );
    assert_eq!(
        get(pb::MailWithItems {
            mail: None,
            ..mail(1)
        }),
        Err(err("mail", "is required"))
    );

    let list = |mails: Vec<pb::MailWithItems>| {
        pb::ListMailsResponse {
            header: None,
            total: 500,
            mails,
        }
        .into_query_response()
    };
    assert!(list((1..=100).map(mail).collect()).is_ok());
    assert_eq!(
        list((1..=101).map(mail).collect()),
        Err(err("mails", "has 101 elements, the limit is 100"))
    );
    let mut mails: Vec<_> = (1..=3).map(mail).collect();
    mails[1].items[0].text = "t".repeat(8001);
    assert_eq!(
        list(mails),
        Err(too_long("mails[1].items[0].text", 8001, 8000))
    );

    let unread = |n: usize| pb::GetNextMailTimeResponse {
        header: None,
        unread: 3,
        senders: vec![
            pb::UnreadMail {
                sender: send().sender,
                stationery: 41,
                deliver_ms: 0,
            };
            n
        ],
        next_delivery_ms: None,
    };
    assert!(unread(2).into_query_response().is_ok());
    assert_eq!(
        unread(3).into_query_response(),
        Err(err("senders", "has 3 elements, the limit is 2"))
    );

    let taken = pb::TakeMailMoneyResponse {
        header: None,
        mail_id: 1,
        money: 0x7FFF_FFFF,
    };
    assert_eq!(taken.into_response(), Err(over_money("money")));
    let item_taken = pb::TakeMailItemResponse {
        header: None,
        mail_id: 1,
        item: None,
        cod_paid: 0,
        cod_payment_mail_id: None,
    };
    assert_eq!(item_taken.into_response(), Err(err("item", "is required")));
    let returned = pb::ReturnMailToSenderResponse {
        header: None,
        outcome: None,
    };
    assert_eq!(returned.into_response(), Err(err("outcome", "is required")));
    let deleted = pb::ReturnMailToSenderResponse {
        header: None,
        outcome: Some(pb::return_mail_to_sender_response::Outcome::Deleted(
            pb::MailDeleted {
                mail_id: 1,
                money: 0,
                items: (1..=13).map(item).collect(),
            },
        )),
    };
    assert_eq!(
        deleted.into_response(),
        Err(err("deleted.items", "has 13 elements, the limit is 12"))
    );
}
