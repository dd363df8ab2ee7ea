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

/// Social: target names, notes, result codes, states and list sizes.
mod social {
    use super::*;
    use tavern_proto::convert::WriteReply;
    use tavern_statemachine::social::{
        SocialCommand, SocialQuery, FRIEND_NOTE_BYTES_MAX, TARGET_NAME_BYTES_MAX,
    };

    fn add_friend(name: usize, note: usize) -> Result<SocialCommand, ConvertError> {
        SocialCommand::try_from(pb::AddFriendRequest {
            header: None,
            owner: id(1),
            name: "n".repeat(name),
            note: "x".repeat(note),
        })
    }

    #[test]
    fn names_notes_and_required_ids() {
        // "Name-Realm": 12 characters of up to 4 bytes, the dash, a 64-byte realm name.
        assert_eq!(TARGET_NAME_BYTES_MAX, 113);
        // 48 characters of up to 4 bytes; the state machine truncates to 48 characters.
        assert_eq!(FRIEND_NOTE_BYTES_MAX, 192);
        assert!(add_friend(113, 192).is_ok());
        assert_eq!(
            add_friend(114, 0),
            Err(too_long("add_friend.name", 114, 113))
        );
        assert_eq!(
            add_friend(1, 193),
            Err(too_long("add_friend.note", 193, 192))
        );

        let note = |n: usize| {
            SocialCommand::try_from(pb::SetFriendNoteRequest {
                header: None,
                owner: id(1),
                friend_id: id(2),
                note: "é".repeat(n),
            })
        };
        assert!(note(96).is_ok());
        assert_eq!(note(97), Err(too_long("set_friend_note.note", 194, 192)));

        let ignore = |n: usize| {
            SocialCommand::try_from(pb::AddIgnoreRequest {
                header: None,
                owner: id(1),
                name: "n".repeat(n),
            })
        };
        assert!(ignore(113).is_ok());
        assert_eq!(ignore(114), Err(too_long("add_ignore.name", 114, 113)));

        let whisper = |n: usize| {
            SocialQuery::try_from(pb::ResolveWhisperRequest {
                header: None,
                from_id: id(1),
                target: "t".repeat(n),
            })
        };
        assert!(whisper(113).is_ok());
        assert_eq!(
            whisper(114),
            Err(too_long("resolve_whisper.target", 114, 113))
        );

        let cases = [
            (
                SocialCommand::try_from(pb::AddFriendRequest {
                    header: None,
                    owner: None,
                    name: "Bob".into(),
                    note: String::new(),
                }),
                "add_friend.owner",
            ),
            (
                SocialCommand::try_from(pb::RemoveFriendRequest {
                    header: None,
                    owner: id(1),
                    friend_id: None,
                }),
                "remove_friend.friend",
            ),
            (
                SocialCommand::try_from(pb::RemoveIgnoreRequest {
                    header: None,
                    owner: id(1),
                    ignored: None,
                }),
                "remove_ignore.ignored",
            ),
        ];
        for (got, field) in cases {
            assert_eq!(got, Err(err(field, "is required")));
        }
        let cases = [
            (
                SocialQuery::try_from(pb::GetFriendListRequest {
                    header: None,
                    owner: None,
                }),
                "friend_list.owner",
            ),
            (
                SocialQuery::try_from(pb::ListWhoHasAsFriendRequest {
                    header: None,
                    id: None,
                    after: None,
                    limit: 10,
                }),
                "who_has_as_friend.id",
            ),
            (
                SocialQuery::try_from(pb::IsIgnoringRequest {
                    header: None,
                    by: id(1),
                    who: None,
                }),
                "is_ignoring.who",
            ),
        ];
        for (got, field) in cases {
            assert_eq!(got, Err(err(field, "is required")));
        }
    }

    fn friend(low: u32) -> pb::FriendEntry {
        pb::FriendEntry {
            id: id(low),
            name: "Bob".into(),
            note: String::new(),
            status: 1,
            area: 12,
            level: 80,
            class_id: 1,
        }
    }

    fn ignore(low: u32) -> pb::IgnoreEntry {
        pb::IgnoreEntry {
            id: id(low),
            name: "Carol".into(),
        }
    }

    fn friend_list(
        friends: Vec<pb::FriendEntry>,
        ignores: Vec<pb::IgnoreEntry>,
    ) -> Result<QueryResponse, ConvertError> {
        pb::GetFriendListResponse {
            header: None,
            friends,
            ignores,
        }
        .into_query_response()
    }

    #[test]
    fn friend_list_sizes_and_entries() {
        assert!(friend_list((0..50).map(friend).collect(), (0..50).map(ignore).collect()).is_ok());
        assert_eq!(
            friend_list((0..51).map(friend).collect(), vec![]),
            Err(err("friends", "has 51 elements, the limit is 50"))
        );
        assert_eq!(
            friend_list(vec![], (0..51).map(ignore).collect()),
            Err(err("ignores", "has 51 elements, the limit is 50"))
        );
        let cases = [
            (
                pb::FriendEntry {
                    status: 256,
                    ..friend(1)
                },
                over_byte("friends[1].status"),
            ),
            (
                pb::FriendEntry {
                    level: 256,
                    ..friend(1)
                },
                over_byte("friends[1].level"),
            ),
            (
                pb::FriendEntry {
                    class_id: 256,
                    ..friend(1)
                },
                over_byte("friends[1].class"),
            ),
            (
                pb::FriendEntry {
                    name: "n".repeat(49),
                    ..friend(1)
                },
                too_long("friends[1].name", 49, 48),
            ),
            (
                pb::FriendEntry {
                    note: "x".repeat(193),
                    ..friend(1)
                },
                too_long("friends[1].note", 193, 192),
            ),
            (
                pb::FriendEntry {
                    id: None,
                    ..friend(1)
                },
                err("friends[1].id", "is required"),
            ),
        ];
        for (bad, expected) in cases {
            assert_eq!(friend_list(vec![friend(0), bad], vec![]), Err(expected));
        }
        let long = pb::IgnoreEntry {
            name: "n".repeat(49),
            ..ignore(0)
        };
        assert_eq!(
            friend_list(vec![], vec![long]),
            Err(too_long("ignores[0].name", 49, 48))
        );
    }

    #[test]
    fn result_codes_states_and_pages() {
        let added = |result: u32, entry: Option<pb::FriendEntry>| {
            pb::AddFriendResponse {
                header: None,
                result,
                entry,
            }
            .into_response()
        };
        assert!(added(0x10, Some(friend(1))).is_ok());
        assert_eq!(
            added(0x11, Some(friend(1))),
            Err(err(
                "friend_added.result",
                "is 17, not a FriendsResult code (0 to 16)"
            ))
        );
        assert_eq!(
            added(0x06, None),
            Err(err("friend_added.friend", "is required"))
        );
        let high = pb::FriendEntry {
            level: 256,
            ..friend(1)
        };
        assert_eq!(
            added(0x06, Some(high)),
            Err(over_byte("friend_added.friend.level"))
        );
        let removed = pb::RemoveFriendResponse {
            header: None,
            result: 0x05,
            target: None,
        };
        assert_eq!(
            removed.into_response(),
            Err(err("friend_status.target", "is required"))
        );

        let edge = |state: Option<i32>| {
            pb::AcceptAccountFriendResponse {
                header: None,
                account: 1,
                other: 2,
                state,
            }
            .into_response()
        };
        assert!(edge(None).is_ok());
        assert!(edge(Some(3)).is_ok());
        assert_eq!(
            edge(Some(0)),
            Err(err("account_friend.state", "is unspecified"))
        );
        assert_eq!(
            edge(Some(4)),
            Err(err(
                "account_friend.state",
                "is 4, not an AccountFriendState (1 to 3)"
            ))
        );

        let entry = |account: u32| pb::AccountFriendEntry {
            account,
            state: pb::AccountFriendState::Accepted.into(),
            since_ms: 0,
            online: None,
        };
        let account_friends = |entries: Vec<pb::AccountFriendEntry>| {
            pb::ListAccountFriendsResponse {
                header: None,
                account_friends: entries,
            }
            .into_query_response()
        };
        assert!(account_friends((0..100).map(entry).collect()).is_ok());
        assert_eq!(
            account_friends((0..101).map(entry).collect()),
            Err(err("account_friends", "has 101 elements, the limit is 100"))
        );
        let online = pb::AccountFriendEntry {
            online: Some(pb::Presence {
                id: id(9),
                level: 256,
                ..Default::default()
            }),
            ..entry(2)
        };
        assert_eq!(
            account_friends(vec![entry(1), online]),
            Err(over_byte("account_friends[1].online.level"))
        );

        let owners = |n: u32| {
            pb::ListWhoHasAsFriendResponse {
                header: None,
                owners: (0..n)
                    .map(|low| pb::CharacterId { realm: 1, low })
                    .collect(),
                next: None,
            }
            .into_query_response()
        };
        assert!(owners(1000).is_ok());
        assert_eq!(
            owners(1001),
            Err(err("owners", "has 1001 elements, the limit is 1000"))
        );

        let whisper = pb::ResolveWhisperResponse {
            header: None,
            target: Some(pb::WhisperTarget {
                id: id(3),
                gateway: "g".repeat(65),
                name: "Carol".into(),
            }),
        };
        assert_eq!(
            whisper.into_query_response(),
            Err(too_long("whisper_target.gateway", 65, 64))
        );
    }
}

/// Arena: team names, bytes and 16-bit ratings, participants and list sizes.
mod arena {
    use super::*;
    use tavern_proto::convert::{WriteReply, ARENA_TEAM_NAME_BYTES_MAX};
    use tavern_statemachine::arena::{ArenaCommand, ArenaQuery};

    fn create() -> pb::CreateArenaTeamRequest {
        pb::CreateArenaTeamRequest {
            header: None,
            realm: 1,
            captain: id(1),
            name: "Team".into(),
            arena_type: 2,
            emblem: Some(pb::ArenaEmblem::default()),
        }
    }

    #[test]
    fn create_invite_and_lookups() {
        // 24 characters of up to 4 bytes; the character count is the state machine's check.
        assert_eq!(ARENA_TEAM_NAME_BYTES_MAX, 96);
        let named = |n: usize| {
            ArenaCommand::try_from(pb::CreateArenaTeamRequest {
                name: "n".repeat(n),
                ..create()
            })
        };
        assert!(named(96).is_ok());
        assert_eq!(named(97), Err(too_long("create_team.name", 97, 96)));
        let typed = |arena_type| {
            ArenaCommand::try_from(pb::CreateArenaTeamRequest {
                arena_type,
                ..create()
            })
        };
        assert!(typed(255).is_ok());
        assert_eq!(typed(256), Err(over_byte("create_team.arena_type")));
        let cases = [
            (
                pb::CreateArenaTeamRequest {
                    emblem: Some(pb::ArenaEmblem {
                        emblem_style: 256,
                        ..Default::default()
                    }),
                    ..create()
                },
                over_byte("create_team.emblem.emblem_style"),
            ),
            (
                pb::CreateArenaTeamRequest {
                    emblem: Some(pb::ArenaEmblem {
                        border_style: 256,
                        ..Default::default()
                    }),
                    ..create()
                },
                over_byte("create_team.emblem.border_style"),
            ),
            (
                pb::CreateArenaTeamRequest {
                    emblem: None,
                    ..create()
                },
                err("create_team.emblem", "is required"),
            ),
            (
                pb::CreateArenaTeamRequest {
                    captain: None,
                    ..create()
                },
                err("create_team.captain", "is required"),
            ),
        ];
        for (request, expected) in cases {
            assert_eq!(ArenaCommand::try_from(request), Err(expected));
        }

        let invite = |n: usize| {
            ArenaCommand::try_from(pb::InviteToArenaTeamRequest {
                header: None,
                inviter: id(1),
                team_id: 7,
                target_name: "n".repeat(n),
            })
        };
        assert!(invite(48).is_ok());
        assert_eq!(invite(49), Err(too_long("invite.target_name", 49, 48)));

        let by_name = |n: usize| {
            ArenaQuery::try_from(pb::GetArenaTeamByNameRequest {
                header: None,
                realm: 1,
                name: "n".repeat(n),
            })
        };
        assert!(by_name(96).is_ok());
        assert_eq!(by_name(97), Err(too_long("team_by_name.name", 97, 96)));

        let set_captain = ArenaCommand::try_from(pb::SetArenaTeamCaptainRequest {
            header: None,
            captain: id(1),
            team_id: 7,
            target: None,
        });
        assert_eq!(set_captain, Err(err("set_captain.target", "is required")));
        let teams_of = ArenaQuery::try_from(pb::ListArenaTeamsOfCharacterRequest {
            header: None,
            id: None,
        });
        assert_eq!(teams_of, Err(err("teams_of.id", "is required")));
    }

    #[test]
    fn match_participants() {
        let result = |winners: u32, losers: u32| {
            ArenaCommand::try_from(pb::ApplyArenaMatchResultRequest {
                header: None,
                realm: 1,
                match_id: 1,
                winner: 7,
                loser: 9,
                winner_participants: (0..winners)
                    .map(|low| pb::CharacterId { realm: 1, low })
                    .collect(),
                loser_participants: (0..losers)
                    .map(|low| pb::CharacterId { realm: 1, low })
                    .collect(),
            })
        };
        assert!(result(5, 5).is_ok());
        assert_eq!(
            result(6, 5),
            Err(err("winner_participants", "has 6 elements, the limit is 5"))
        );
        assert_eq!(
            result(5, 6),
            Err(err("loser_participants", "has 6 elements, the limit is 5"))
        );
    }

    fn team() -> pb::ArenaTeam {
        pb::ArenaTeam {
            id: 7,
            realm: 1,
            name: "Team".into(),
            captain: id(1),
            arena_type: 5,
            rating: 65_535,
            emblem: Some(pb::ArenaEmblem::default()),
            ..Default::default()
        }
    }

    fn member(low: u32) -> pb::ArenaRosterMember {
        pb::ArenaRosterMember {
            member: Some(pb::ArenaMember {
                id: id(low),
                team_id: 7,
                personal_rating: 65_535,
                ..Default::default()
            }),
            name: "Alice".into(),
            class_id: 1,
            online: true,
            level: 80,
            captain: low == 1,
            matchmaker_rating: 1_500,
        }
    }

    fn roster(
        team: pb::ArenaTeam,
        members: Vec<pb::ArenaRosterMember>,
    ) -> Result<QueryResponse, ConvertError> {
        pb::GetArenaTeamRosterResponse {
            header: None,
            roster: Some(pb::ArenaRoster {
                team: Some(team),
                members,
            }),
        }
        .into_query_response()
    }

    fn over_short(field: &str) -> ConvertError {
        err(field, "is 65536, the limit is 65535")
    }

    #[test]
    fn ratings_rosters_and_teams() {
        assert!(roster(team(), (1..=10).map(member).collect()).is_ok());
        assert_eq!(
            roster(team(), (1..=11).map(member).collect()),
            Err(err("roster.members", "has 11 elements, the limit is 10"))
        );
        let cases = [
            (
                pb::ArenaTeam {
                    rating: 65_536,
                    ..team()
                },
                over_short("roster.team.rating"),
            ),
            (
                pb::ArenaTeam {
                    season_games: 65_536,
                    ..team()
                },
                over_short("roster.team.season_games"),
            ),
            (
                pb::ArenaTeam {
                    name: "n".repeat(97),
                    ..team()
                },
                too_long("roster.team.name", 97, 96),
            ),
            (
                pb::ArenaTeam {
                    arena_type: 256,
                    ..team()
                },
                over_byte("roster.team.arena_type"),
            ),
            (
                pb::ArenaTeam {
                    emblem: None,
                    ..team()
                },
                err("roster.team.emblem", "is required"),
            ),
        ];
        for (bad, expected) in cases {
            assert_eq!(roster(bad, vec![]), Err(expected));
        }
        let mut members: Vec<_> = (1..=3).map(member).collect();
        if let Some(m) = members[2].member.as_mut() {
            m.personal_rating = 65_536;
        }
        assert_eq!(
            roster(team(), members),
            Err(over_short("roster.members[2].member.personal_rating"))
        );
        let mut members: Vec<_> = (1..=3).map(member).collect();
        members[1].level = 256;
        assert_eq!(
            roster(team(), members),
            Err(over_byte("roster.members[1].level"))
        );

        let slot = |slot: u32| pb::ArenaSlotTeam {
            slot,
            team: Some(team()),
            member: member(1).member,
            matchmaker_rating: 1_500,
        };
        let teams_of = |teams: Vec<pb::ArenaSlotTeam>| {
            pb::ListArenaTeamsOfCharacterResponse {
                header: None,
                teams,
            }
            .into_query_response()
        };
        assert!(teams_of((0..3).map(slot).collect()).is_ok());
        assert_eq!(
            teams_of((0..4).map(slot).collect()),
            Err(err("teams", "has 4 elements, the limit is 3"))
        );
        assert_eq!(teams_of(vec![slot(256)]), Err(over_byte("teams[0].slot")));
        let no_member = pb::ArenaSlotTeam {
            member: None,
            ..slot(0)
        };
        assert_eq!(
            teams_of(vec![no_member]),
            Err(err("teams[0].member", "is required"))
        );

        let invite = pb::GetArenaTeamInviteResponse {
            header: None,
            invite: Some(pb::ArenaInviteView {
                invite: Some(pb::ArenaInvite {
                    target: None,
                    team_id: 7,
                    inviter: id(1),
                    expires_ms: 0,
                }),
                ..Default::default()
            }),
        };
        assert_eq!(
            invite.into_query_response(),
            Err(err("invite_view.invite.target", "is required"))
        );
    }

    fn change(low: u32) -> pb::ArenaMemberChange {
        pb::ArenaMemberChange {
            id: id(low),
            team_id: 7,
            won: true,
            new_personal_rating: 65_535,
            ..Default::default()
        }
    }

    fn applied(outcome: Option<pb::ArenaMatchOutcome>) -> Result<(), ConvertError> {
        pb::ApplyArenaMatchResultResponse {
            header: None,
            outcome,
            already_applied: false,
        }
        .into_response()
        .map(drop)
    }

    fn outcome(members: Vec<pb::ArenaMemberChange>) -> pb::ArenaMatchOutcome {
        pb::ArenaMatchOutcome {
            realm: 1,
            match_id: 1,
            winner: Some(pb::ArenaTeamChange::default()),
            loser: Some(pb::ArenaTeamChange::default()),
            members,
        }
    }

    #[test]
    fn match_outcomes() {
        assert_eq!(
            applied(Some(outcome((0..10).map(change).collect()))),
            Ok(())
        );
        assert_eq!(
            applied(Some(outcome((0..11).map(change).collect()))),
            Err(err("outcome.members", "has 11 elements, the limit is 10"))
        );
        let mut members: Vec<_> = (0..2).map(change).collect();
        members[1].old_matchmaker_rating = 65_536;
        assert_eq!(
            applied(Some(outcome(members))),
            Err(over_short("outcome.members[1].old_matchmaker_rating"))
        );
        let loser = pb::ArenaMatchOutcome {
            loser: Some(pb::ArenaTeamChange {
                new_rating: 65_536,
                ..Default::default()
            }),
            ..outcome(vec![])
        };
        assert_eq!(
            applied(Some(loser)),
            Err(over_short("outcome.loser.new_rating"))
        );
        let no_winner = pb::ArenaMatchOutcome {
            winner: None,
            ..outcome(vec![])
        };
        assert_eq!(
            applied(Some(no_winner)),
            Err(err("outcome.winner", "is required"))
        );
        assert_eq!(applied(None), Err(err("outcome", "is required")));
    }
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
