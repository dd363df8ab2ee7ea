//! Story tests of the social domain: friends, ignores, account friends, notify lists, whisper
//! routing and the character delete cascade.

use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::{CharacterCommand, CharacterResult};
use tavern_statemachine::limits::{ACCOUNT_FRIENDS_MAX, FRIENDS_MAX, IGNORES_MAX};
use tavern_statemachine::presence::{
    Notify, OfflineReason, Presence, PresenceCommand, PresenceEvent, PresenceQuery,
    PresenceQueryResponse, PresenceUpdate,
};
use tavern_statemachine::social::{
    check_invariants, AccountFriendEntry, AccountFriendState, AccountSide, FriendEntry,
    FriendResult, IgnoreEntry, SocialCommand, SocialConfig, SocialEvent, SocialQuery,
    SocialQueryResponse, SocialResponse, WhisperTarget, LISTED_BY_MAX,
};
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Error, Event, Query, QueryResponse, Response,
};

fn c(low: u32) -> CharacterId {
    CharacterId::new(1, low)
}

fn gw(g: &str) -> Option<String> {
    Some(g.to_string())
}

fn notify(id: CharacterId, gateway: &str) -> Notify {
    Notify {
        id,
        gateway: gateway.into(),
    }
}

fn add_friend(owner: CharacterId, name: &str, note: &str) -> SocialCommand {
    SocialCommand::AddFriend {
        owner,
        name: name.into(),
        note: note.into(),
    }
}

fn add_ignore(owner: CharacterId, name: &str) -> SocialCommand {
    SocialCommand::AddIgnore {
        owner,
        name: name.into(),
    }
}

fn social(sim: &Sim, q: SocialQuery) -> Result<SocialQueryResponse, Error> {
    match sim.query(Query::Social(q))? {
        QueryResponse::Social(r) => Ok(r),
        other => panic!("not a social answer: {other:?}"),
    }
}

fn friend_list(sim: &Sim, owner: CharacterId) -> (Vec<FriendEntry>, Vec<IgnoreEntry>) {
    match social(sim, SocialQuery::FriendList { owner }).expect("friend list") {
        SocialQueryResponse::FriendList { friends, ignores } => (friends, ignores),
        other => panic!("not a friend list: {other:?}"),
    }
}

fn presence(sim: &Sim, id: CharacterId) -> Presence {
    match sim.query(Query::Presence(PresenceQuery::Get { id })) {
        Ok(QueryResponse::Presence(PresenceQueryResponse::Presence(Some(p)))) => p,
        other => panic!("{id} is not online: {other:?}"),
    }
}

fn set_config(sim: &mut Sim, f: impl FnOnce(&mut ClusterConfig)) {
    let mut config = ClusterConfig::default();
    f(&mut config);
    sim.ok(Command::SetConfig(config));
}

fn offline(id: CharacterId, name: &str, note: &str) -> FriendEntry {
    FriendEntry {
        id,
        name: name.into(),
        note: note.into(),
        status: 0,
        area: 0,
        level: 0,
        class: 0,
    }
}

/// What `Sim::login` puts in a presence: zone 1, level 80, warrior.
fn online(id: CharacterId, name: &str, note: &str) -> FriendEntry {
    FriendEntry {
        id,
        name: name.into(),
        note: note.into(),
        status: 1,
        area: 1,
        level: 80,
        class: 1,
    }
}

fn check(sim: &Sim) {
    check_invariants(&sim.state).expect("social invariants hold");
}

#[test]
fn friend_result_codes_are_azerothcores() {
    let codes = [
        (FriendResult::DbError, 0x00),
        (FriendResult::ListFull, 0x01),
        (FriendResult::Online, 0x02),
        (FriendResult::Offline, 0x03),
        (FriendResult::NotFound, 0x04),
        (FriendResult::Removed, 0x05),
        (FriendResult::AddedOnline, 0x06),
        (FriendResult::AddedOffline, 0x07),
        (FriendResult::Already, 0x08),
        (FriendResult::SelfFriend, 0x09),
        (FriendResult::Enemy, 0x0A),
        (FriendResult::IgnoreFull, 0x0B),
        (FriendResult::IgnoreSelf, 0x0C),
        (FriendResult::IgnoreNotFound, 0x0D),
        (FriendResult::IgnoreAlready, 0x0E),
        (FriendResult::IgnoreAdded, 0x0F),
        (FriendResult::IgnoreRemoved, 0x10),
    ];
    for (r, code) in codes {
        assert_eq!(r.code(), code, "{r:?}");
        assert_eq!(Error::Friend(r).game_code(), Some(code));
    }
}

#[test]
fn add_friend_offline_then_online_answers_the_friend_status() {
    let mut sim = Sim::world(3);

    // Alice (offline) adds Bob (offline): ADDED_OFFLINE, no status.
    let r = sim.ok(add_friend(c(1), "bob", "tank"));
    assert_eq!(
        r,
        Response::Social(SocialResponse::FriendAdded {
            result: FriendResult::AddedOffline,
            friend: offline(c(2), "Bob", "tank"),
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::FriendAdded {
            owner: c(1),
            owner_gateway: None,
            friend: c(2),
            name: "Bob".into(),
            note: "tank".into(),
        })]
    );

    // Alice logs in, Carol is online: ADDED_ONLINE with status, area, level, class.
    sim.login(c(1), "gw1");
    sim.login(c(3), "gw1");
    let r = sim.ok(add_friend(c(1), "CAROL", ""));
    assert_eq!(
        r,
        Response::Social(SocialResponse::FriendAdded {
            result: FriendResult::AddedOnline,
            friend: online(c(3), "Carol", ""),
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::FriendAdded {
            owner: c(1),
            owner_gateway: gw("gw1"),
            friend: c(3),
            name: "Carol".into(),
            note: "".into(),
        })]
    );

    // The list shows both, in id order, with what Alice may see.
    assert_eq!(
        friend_list(&sim, c(1)),
        (
            vec![offline(c(2), "Bob", "tank"), online(c(3), "Carol", "")],
            vec![]
        )
    );
    check(&sim);
}

#[test]
fn add_friend_errors_in_azerothcores_order() {
    let mut sim = Sim::world(2);
    sim.account(100);
    sim.character(c(100), 100, "Grom", ORC);

    assert_eq!(
        sim.err(add_friend(c(1), "Nobody", "")),
        Error::Friend(FriendResult::NotFound)
    );
    assert_eq!(
        sim.err(add_friend(c(1), "alice", "")),
        Error::Friend(FriendResult::SelfFriend)
    );
    assert_eq!(
        sim.err(add_friend(c(1), "Grom", "")),
        Error::Friend(FriendResult::Enemy)
    );
    sim.ok(add_friend(c(1), "Bob", ""));
    assert_eq!(
        sim.err(add_friend(c(1), "Bob", "again")),
        Error::Friend(FriendResult::Already)
    );
    assert_eq!(
        sim.err(add_friend(c(77), "Bob", "")),
        Error::not_found("character 1:77")
    );
    assert_eq!(
        sim.err(add_friend(c(1), "", "")),
        Error::invalid("name", "must not be empty")
    );
    let long = "x".repeat(114);
    assert_eq!(
        sim.err(add_friend(c(1), &long, "")),
        Error::invalid("name", "is 114 bytes, the limit is 113 bytes")
    );
    // Failed adds changed nothing.
    assert_eq!(
        friend_list(&sim, c(1)),
        (vec![offline(c(2), "Bob", "")], vec![])
    );
    check(&sim);
}

#[test]
fn cross_faction_friends_need_two_side_add_or_a_gm() {
    let mut sim = Sim::world(2);
    sim.account(100);
    sim.character(c(100), 100, "Grom", ORC);

    // A GM account may befriend the other faction (AC: not a player account).
    sim.ok(AccountCommand::SetGmLevel { id: 2, gm_level: 1 });
    sim.ok(add_friend(c(2), "Grom", ""));

    assert_eq!(
        sim.err(add_friend(c(1), "Grom", "")),
        Error::Friend(FriendResult::Enemy)
    );
    set_config(&mut sim, |c| c.social.allow_two_side_add_friend = true);
    sim.ok(add_friend(c(1), "Grom", ""));
    assert_eq!(
        friend_list(&sim, c(1)),
        (vec![offline(c(100), "Grom", "")], vec![])
    );
    check(&sim);
}

#[test]
fn friend_list_holds_fifty_and_refuses_the_fifty_first() {
    let n = u32::try_from(FRIENDS_MAX).expect("small") + 2;
    let mut sim = Sim::world(n);
    for i in 2..=n - 1 {
        sim.ok(add_friend(c(1), &name_of(i), ""));
    }
    let (friends, _) = friend_list(&sim, c(1));
    assert_eq!(friends.len(), FRIENDS_MAX);
    assert_eq!(
        sim.err(add_friend(c(1), &name_of(n), "")),
        Error::Friend(FriendResult::ListFull)
    );
    // Removing one makes room again.
    sim.ok(SocialCommand::RemoveFriend {
        owner: c(1),
        friend: c(2),
    });
    sim.ok(add_friend(c(1), &name_of(n), ""));
    check(&sim);
}

#[test]
fn ignore_list_holds_fifty_and_refuses_the_fifty_first() {
    let n = u32::try_from(IGNORES_MAX).expect("small") + 2;
    let mut sim = Sim::world(n);
    for i in 2..=n - 1 {
        let r = sim.ok(add_ignore(c(1), &name_of(i)));
        assert_eq!(
            r,
            Response::Social(SocialResponse::FriendStatus {
                result: FriendResult::IgnoreAdded,
                target: c(i),
            })
        );
    }
    let (_, ignores) = friend_list(&sim, c(1));
    assert_eq!(ignores.len(), IGNORES_MAX);
    assert_eq!(
        sim.err(add_ignore(c(1), &name_of(n))),
        Error::Friend(FriendResult::IgnoreFull)
    );
    // Friends and ignores are independent lists: the friend list still has room.
    sim.ok(add_friend(c(1), &name_of(n), ""));
    check(&sim);
}

#[test]
fn notes_are_truncated_to_48_characters_and_absurd_ones_refused() {
    let mut sim = Sim::world(4);

    let long: String = "abcdefghij".repeat(6);
    sim.ok(add_friend(c(1), "Bob", &long));
    // 49 three-byte characters (147 bytes): truncated by characters, not bytes.
    let euros = "€".repeat(49);
    sim.ok(add_friend(c(1), "Carol", &euros));
    assert_eq!(
        friend_list(&sim, c(1)).0,
        vec![
            offline(c(2), "Bob", &long[..48]),
            offline(c(3), "Carol", &"€".repeat(48)),
        ]
    );

    // 192 bytes is the most a 48-character note can take; one more byte is refused.
    sim.ok(add_friend(c(1), "Dave", &"x".repeat(192)));
    assert_eq!(
        sim.err(SocialCommand::SetFriendNote {
            owner: c(1),
            friend: c(4),
            note: "x".repeat(193),
        }),
        Error::invalid("note", "is 193 bytes, the limit is 192 bytes")
    );
    assert_eq!(
        sim.err(add_friend(c(2), "Alice", &"x".repeat(193))),
        Error::invalid("note", "is 193 bytes, the limit is 192 bytes")
    );
    check(&sim);
}

#[test]
fn set_friend_note_updates_one_edge() {
    let mut sim = Sim::world(3);
    sim.login(c(1), "gw1");
    sim.ok(add_friend(c(1), "Bob", "old"));

    let r = sim.ok(SocialCommand::SetFriendNote {
        owner: c(1),
        friend: c(2),
        note: "n".repeat(50),
    });
    assert_eq!(
        r,
        Response::Social(SocialResponse::NoteSet {
            friend: c(2),
            note: "n".repeat(48),
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::NoteUpdated {
            owner: c(1),
            owner_gateway: gw("gw1"),
            friend: c(2),
            note: "n".repeat(48),
        })]
    );
    assert_eq!(
        friend_list(&sim, c(1)).0,
        vec![offline(c(2), "Bob", &"n".repeat(48))]
    );

    // Carol is not a friend of Alice; nobody is 1:99.
    assert_eq!(
        sim.err(SocialCommand::SetFriendNote {
            owner: c(1),
            friend: c(3),
            note: "x".into(),
        }),
        Error::not_found("friend 1:3 of character 1:1")
    );
    assert_eq!(
        sim.err(SocialCommand::SetFriendNote {
            owner: c(99),
            friend: c(2),
            note: "x".into(),
        }),
        Error::not_found("character 1:99")
    );
    check(&sim);
}

#[test]
fn remove_friend_answers_removed_and_drops_both_directions() {
    let mut sim = Sim::world(3);
    sim.ok(add_friend(c(1), "Bob", ""));
    sim.ok(add_friend(c(3), "Bob", ""));
    sim.login(c(1), "gw1");

    let r = sim.ok(SocialCommand::RemoveFriend {
        owner: c(1),
        friend: c(2),
    });
    let removed = Response::Social(SocialResponse::FriendStatus {
        result: FriendResult::Removed,
        target: c(2),
    });
    assert_eq!(r, removed);
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::FriendRemoved {
            owner: c(1),
            owner_gateway: gw("gw1"),
            friend: c(2),
        })]
    );
    assert_eq!(friend_list(&sim, c(1)), (vec![], vec![]));
    assert_eq!(
        social(
            &sim,
            SocialQuery::WhoHasAsFriend {
                id: c(2),
                after: None,
                limit: 10
            }
        ),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![c(3)],
            next: None
        })
    );

    // Removing again is answered the same (AC does), with nothing to tell.
    let r = sim.ok(SocialCommand::RemoveFriend {
        owner: c(1),
        friend: c(2),
    });
    assert_eq!(r, removed);
    assert_eq!(sim.events, vec![]);
    assert_eq!(
        sim.err(SocialCommand::RemoveFriend {
            owner: c(99),
            friend: c(2),
        }),
        Error::not_found("character 1:99")
    );
    check(&sim);
}

#[test]
fn ignores_add_remove_and_their_errors() {
    let mut sim = Sim::world(3);
    sim.login(c(1), "gw1");

    sim.ok(add_ignore(c(1), "bob"));
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::IgnoreAdded {
            owner: c(1),
            owner_gateway: gw("gw1"),
            ignored: c(2),
            name: "Bob".into(),
        })]
    );
    assert_eq!(
        sim.err(add_ignore(c(1), "Bob")),
        Error::Friend(FriendResult::IgnoreAlready)
    );
    assert_eq!(
        sim.err(add_ignore(c(1), "Alice")),
        Error::Friend(FriendResult::IgnoreSelf)
    );
    assert_eq!(
        sim.err(add_ignore(c(1), "Nobody")),
        Error::Friend(FriendResult::IgnoreNotFound)
    );
    assert_eq!(
        sim.err(add_ignore(c(1), "Bob-Nowhere")),
        Error::Friend(FriendResult::IgnoreNotFound)
    );
    assert_eq!(
        sim.err(add_ignore(c(99), "Bob")),
        Error::not_found("character 1:99")
    );
    assert_eq!(
        friend_list(&sim, c(1)),
        (
            vec![],
            vec![IgnoreEntry {
                id: c(2),
                name: "Bob".into()
            }]
        )
    );
    let ignoring = |sim: &Sim, by, who| social(sim, SocialQuery::IsIgnoring { by, who });
    assert_eq!(
        ignoring(&sim, c(1), c(2)),
        Ok(SocialQueryResponse::Ignoring(true))
    );
    assert_eq!(
        ignoring(&sim, c(2), c(1)),
        Ok(SocialQueryResponse::Ignoring(false))
    );

    let r = sim.ok(SocialCommand::RemoveIgnore {
        owner: c(1),
        ignored: c(2),
    });
    let removed = Response::Social(SocialResponse::FriendStatus {
        result: FriendResult::IgnoreRemoved,
        target: c(2),
    });
    assert_eq!(r, removed);
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::IgnoreRemoved {
            owner: c(1),
            owner_gateway: gw("gw1"),
            ignored: c(2),
        })]
    );
    assert_eq!(
        ignoring(&sim, c(1), c(2)),
        Ok(SocialQueryResponse::Ignoring(false))
    );
    // Again: same answer, nothing to tell.
    assert_eq!(
        sim.ok(SocialCommand::RemoveIgnore {
            owner: c(1),
            ignored: c(2),
        }),
        removed
    );
    assert_eq!(sim.events, vec![]);
    assert_eq!(
        sim.err(SocialCommand::RemoveIgnore {
            owner: c(99),
            ignored: c(2),
        }),
        Error::not_found("character 1:99")
    );
    check(&sim);
}

/// Realm 1 "Realm1" (Alice, Bob: accounts 1, 2), realm 2 "Realm2" with gateway gw2 and Zed
/// (account 10, alliance, id 2:1).
fn two_realms() -> Sim {
    let mut sim = Sim::world(2);
    sim.realm(2);
    sim.gateway("gw2", 2);
    sim.account(10);
    sim.character(CharacterId::new(2, 1), 10, "Zed", HUMAN);
    sim
}

#[test]
fn names_may_carry_a_realm_and_friends_stay_realm_local_by_default() {
    let mut sim = two_realms();
    let zed = CharacterId::new(2, 1);

    // "Name-Realm" on the own realm, any case.
    sim.ok(add_friend(c(1), "bob-REALM1", ""));
    // Another realm: not found unless cross-realm friends are on; a plain name means the
    // own realm; an unknown realm is not found.
    assert_eq!(
        sim.err(add_friend(c(1), "Zed-Realm2", "")),
        Error::Friend(FriendResult::NotFound)
    );
    assert_eq!(
        sim.err(add_friend(c(1), "Zed", "")),
        Error::Friend(FriendResult::NotFound)
    );
    assert_eq!(
        sim.err(add_friend(c(1), "Bob-Realm9", "")),
        Error::Friend(FriendResult::NotFound)
    );
    set_config(&mut sim, |c| c.social.allow_cross_realm_friends = true);
    sim.ok(add_friend(c(1), "zed-realm2", ""));
    // Ignores may always name another realm.
    sim.ok(add_ignore(zed, "Alice-Realm1"));
    assert_eq!(
        friend_list(&sim, c(1)).0,
        vec![offline(c(2), "Bob", ""), offline(zed, "Zed", "")]
    );
    assert_eq!(
        friend_list(&sim, zed).1,
        vec![IgnoreEntry {
            id: c(1),
            name: "Alice".into()
        }]
    );
    check(&sim);
}

#[test]
fn friend_list_shows_online_only_for_the_own_faction_and_never_hidden_gms() {
    let mut sim = Sim::world(3);
    sim.account(100);
    sim.character(c(100), 100, "Grom", ORC);
    set_config(&mut sim, |c| c.social.allow_two_side_add_friend = true);
    sim.ok(add_friend(c(1), "Bob", ""));
    sim.ok(add_friend(c(1), "Carol", ""));
    sim.ok(add_friend(c(1), "Grom", ""));
    for id in [c(2), c(3), c(100)] {
        sim.login(id, "gw1");
    }
    sim.ok(PresenceCommand::SetAwayStatus {
        id: c(2),
        afk: true,
        dnd: false,
    });
    // Carol's account is a GM above GM.InWhoList.Level (1): hidden.
    sim.ok(AccountCommand::SetGmLevel { id: 3, gm_level: 2 });

    let afk = FriendEntry {
        status: 3,
        ..online(c(2), "Bob", "")
    };
    assert_eq!(
        friend_list(&sim, c(1)).0,
        vec![
            afk.clone(),
            offline(c(3), "Carol", ""),
            offline(c(100), "Grom", ""),
        ]
    );

    // Two-side who list: the horde friend shows online; the GM stays hidden.
    set_config(&mut sim, |c| {
        c.social.allow_two_side_add_friend = true;
        c.social.allow_two_side_who_list = true;
    });
    assert_eq!(
        friend_list(&sim, c(1)).0,
        vec![afk, offline(c(3), "Carol", ""), online(c(100), "Grom", ""),]
    );
    assert_eq!(
        social(&sim, SocialQuery::FriendList { owner: c(99) }),
        Err(Error::not_found("character 1:99"))
    );
}

#[test]
fn who_has_as_friend_pages_through_the_reverse_index() {
    let mut sim = Sim::world(5);
    for owner in [4, 1, 3] {
        sim.ok(add_friend(c(owner), "Bob", ""));
    }
    let page = |after, limit| {
        social(
            &sim,
            SocialQuery::WhoHasAsFriend {
                id: c(2),
                after,
                limit,
            },
        )
    };
    assert_eq!(
        page(None, 2),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![c(1), c(3)],
            next: Some(c(3)),
        })
    );
    assert_eq!(
        page(Some(c(3)), 2),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![c(4)],
            next: None,
        })
    );
    assert_eq!(
        page(None, 3),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![c(1), c(3), c(4)],
            next: None,
        })
    );
    assert_eq!(
        page(None, 0),
        Err(Error::invalid("limit", "is 0, it must be in 1..=1000"))
    );
    assert_eq!(
        page(None, 1001),
        Err(Error::invalid("limit", "is 1001, it must be in 1..=1000"))
    );
    assert_eq!(
        page(None, 1000),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![c(1), c(3), c(4)],
            next: None,
        })
    );
}

#[test]
fn listed_by_limit_bounds_the_reverse_indexes() {
    let mut sim = Sim::world(5);
    set_config(&mut sim, |c| c.social.listed_by_max = 2);
    sim.ok(add_friend(c(1), "Erin", ""));
    sim.ok(add_friend(c(2), "Erin", ""));
    assert_eq!(
        sim.err(add_friend(c(3), "Erin", "")),
        Error::invalid("name", "character 1:5 is on 2 friend lists, the limit")
    );
    sim.ok(add_ignore(c(1), "Erin"));
    sim.ok(add_ignore(c(2), "Erin"));
    assert_eq!(
        sim.err(add_ignore(c(3), "Erin")),
        Error::invalid("name", "character 1:5 is on 2 ignore lists, the limit")
    );
    check(&sim);
}

#[test]
fn login_and_logout_notify_friends_of_me_of_my_faction() {
    let mut sim = Sim::world(4);
    sim.account(100);
    sim.character(c(100), 100, "Grom", ORC);
    set_config(&mut sim, |c| c.social.allow_two_side_add_friend = true);
    // Carol, Alice and Grom have Bob as a friend; Dave does not. Bob has Dave.
    for owner in [c(3), c(1), c(100)] {
        sim.ok(add_friend(owner, "Bob", ""));
    }
    sim.ok(add_friend(c(2), "Dave", ""));
    for id in [c(1), c(3), c(4), c(100)] {
        sim.login(id, "gw1");
    }

    // Bob logs in: the alliance characters that list him, in id order; not Grom (horde),
    // not Dave (Bob lists Dave, not the other way round).
    sim.login(c(2), "gw1");
    let bob = presence(&sim, c(2));
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Online {
            presence: bob,
            notify: vec![notify(c(1), "gw1"), notify(c(3), "gw1")],
        })]
    );

    // Alice goes offline; Bob logs out: only Carol is told.
    sim.logout(c(1), "gw1");
    sim.logout(c(2), "gw1");
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Offline {
            id: c(2),
            account: 2,
            gateway: "gw1".into(),
            name: "Bob".into(),
            reason: OfflineReason::Logout,
            notify: vec![notify(c(3), "gw1")],
        })]
    );

    // With two-side who lists Grom is told too.
    set_config(&mut sim, |c| {
        c.social.allow_two_side_add_friend = true;
        c.social.allow_two_side_who_list = true;
    });
    sim.login(c(2), "gw1");
    let bob = presence(&sim, c(2));
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Online {
            presence: bob,
            notify: vec![notify(c(3), "gw1"), notify(c(100), "gw1")],
        })]
    );

    // A hidden GM tells nobody.
    sim.logout(c(2), "gw1");
    sim.ok(AccountCommand::SetGmLevel { id: 2, gm_level: 3 });
    sim.login(c(2), "gw1");
    let bob = presence(&sim, c(2));
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Online {
            presence: bob,
            notify: vec![],
        })]
    );
}

#[test]
fn presence_notify_includes_account_friends_once_on_any_realm() {
    let mut sim = two_realms();
    let zed = CharacterId::new(2, 1);
    sim.account(100);
    sim.character(c(100), 100, "Grom", ORC);
    // Bob's account (2) is an accepted account friend of Zed's (10) and Grom's (100).
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 2,
        to_account: 10,
    });
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 10,
        requester: 2,
    });
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 100,
        to_account: 2,
    });
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 100,
    });
    // Alice lists Bob as a friend and her account is a pending (not accepted) account friend.
    sim.ok(add_friend(c(1), "Bob", ""));
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    });
    sim.login(c(1), "gw1");
    sim.login(zed, "gw2");
    sim.login(c(100), "gw1");

    // Bob logs in: Alice (friend), Grom (account friend, other faction), Zed (account
    // friend, other realm); sorted by id.
    sim.login(c(2), "gw1");
    let bob = presence(&sim, c(2));
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Online {
            presence: bob,
            notify: vec![
                notify(c(1), "gw1"),
                notify(c(100), "gw1"),
                notify(zed, "gw2"),
            ],
        })]
    );

    // Alice's request accepted: she is both friend and account friend, and is told once.
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 1,
    });
    sim.logout(c(2), "gw1");
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Offline {
            id: c(2),
            account: 2,
            gateway: "gw1".into(),
            name: "Bob".into(),
            reason: OfflineReason::Logout,
            notify: vec![
                notify(c(1), "gw1"),
                notify(c(100), "gw1"),
                notify(zed, "gw2"),
            ],
        })]
    );
    check(&sim);
}

fn side(account: u32, online: Option<Notify>) -> AccountSide {
    AccountSide { account, online }
}

fn account_state(account: u32, other: u32, state: Option<AccountFriendState>) -> Response {
    Response::Social(SocialResponse::AccountFriend {
        account,
        other,
        state,
    })
}

#[test]
fn account_friends_request_accept_decline_remove() {
    let mut sim = Sim::world(3);
    sim.login(c(1), "gw1");
    let t0 = sim.now_ms;

    // Request: both sides pending, both accounts told (Bob offline).
    let r = sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    });
    assert_eq!(
        r,
        account_state(1, 2, Some(AccountFriendState::PendingOutgoing))
    );
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendRequested {
            from: side(1, Some(notify(c(1), "gw1"))),
            to: side(2, None),
        })]
    );
    let list = |sim: &Sim, account| social(sim, SocialQuery::AccountFriends { account });
    assert_eq!(
        list(&sim, 2),
        Ok(SocialQueryResponse::AccountFriends(vec![
            AccountFriendEntry {
                account: 1,
                state: AccountFriendState::PendingIncoming,
                since_ms: t0,
                online: None,
            }
        ]))
    );

    // Accept: both accepted; the list shows the friend's online character.
    sim.advance(1_000);
    sim.login(c(2), "gw1");
    let r = sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 1,
    });
    assert_eq!(r, account_state(2, 1, Some(AccountFriendState::Accepted)));
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendAccepted {
            requester: side(1, Some(notify(c(1), "gw1"))),
            accepter: side(2, Some(notify(c(2), "gw1"))),
        })]
    );
    assert_eq!(
        list(&sim, 2),
        Ok(SocialQueryResponse::AccountFriends(vec![
            AccountFriendEntry {
                account: 1,
                state: AccountFriendState::Accepted,
                since_ms: t0 + 1_000,
                online: Some(presence(&sim, c(1))),
            }
        ]))
    );
    assert_eq!(
        list(&sim, 1),
        Ok(SocialQueryResponse::AccountFriends(vec![
            AccountFriendEntry {
                account: 2,
                state: AccountFriendState::Accepted,
                since_ms: t0 + 1_000,
                online: Some(presence(&sim, c(2))),
            }
        ]))
    );

    // Carol asks Alice; Alice declines: both sides forget it.
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 3,
        to_account: 1,
    });
    let r = sim.ok(SocialCommand::DeclineAccountFriend {
        account: 1,
        requester: 3,
    });
    assert_eq!(r, account_state(1, 3, None));
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendDeclined {
            requester: side(3, None),
            decliner: side(1, Some(notify(c(1), "gw1"))),
        })]
    );
    assert_eq!(
        list(&sim, 3),
        Ok(SocialQueryResponse::AccountFriends(vec![]))
    );

    // Bob removes Alice: gone on both sides.
    let r = sim.ok(SocialCommand::RemoveAccountFriend {
        account: 2,
        friend: 1,
    });
    assert_eq!(r, account_state(2, 1, None));
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendRemoved {
            by: side(2, Some(notify(c(2), "gw1"))),
            other: side(1, Some(notify(c(1), "gw1"))),
            was: AccountFriendState::Accepted,
        })]
    );
    assert_eq!(
        list(&sim, 1),
        Ok(SocialQueryResponse::AccountFriends(vec![]))
    );
    assert_eq!(
        list(&sim, 2),
        Ok(SocialQueryResponse::AccountFriends(vec![]))
    );
    assert_eq!(list(&sim, 77), Err(Error::not_found("account 77")));
    check(&sim);
}

#[test]
fn a_request_crossing_an_incoming_one_accepts_it_and_remove_cancels_a_request() {
    let mut sim = Sim::world(3);
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    });
    let r = sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 2,
        to_account: 1,
    });
    assert_eq!(r, account_state(2, 1, Some(AccountFriendState::Accepted)));
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendAccepted {
            requester: side(1, None),
            accepter: side(2, None),
        })]
    );

    // Alice asks Carol, then takes it back with a remove.
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 3,
    });
    sim.ok(SocialCommand::RemoveAccountFriend {
        account: 1,
        friend: 3,
    });
    assert_eq!(
        sim.events,
        vec![Event::Social(SocialEvent::AccountFriendRemoved {
            by: side(1, None),
            other: side(3, None),
            was: AccountFriendState::PendingOutgoing,
        })]
    );
    assert_eq!(
        social(&sim, SocialQuery::AccountFriends { account: 3 }),
        Ok(SocialQueryResponse::AccountFriends(vec![]))
    );
    check(&sim);
}

#[test]
fn account_friend_errors() {
    let mut sim = Sim::world(3);
    let request = |from_account, to_account| SocialCommand::RequestAccountFriend {
        from_account,
        to_account,
    };
    assert_eq!(
        sim.err(request(1, 1)),
        Error::Friend(FriendResult::SelfFriend)
    );
    assert_eq!(
        sim.err(request(1, 77)),
        Error::Friend(FriendResult::NotFound)
    );
    assert_eq!(sim.err(request(77, 1)), Error::not_found("account 77"));
    sim.ok(request(1, 2));
    assert_eq!(sim.err(request(1, 2)), Error::Friend(FriendResult::Already));
    // Only the asked side can accept or decline.
    assert_eq!(
        sim.err(SocialCommand::AcceptAccountFriend {
            account: 1,
            requester: 2,
        }),
        Error::not_found("account friend request from account 2 to account 1")
    );
    assert_eq!(
        sim.err(SocialCommand::DeclineAccountFriend {
            account: 1,
            requester: 2,
        }),
        Error::not_found("account friend request from account 2 to account 1")
    );
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 1,
    });
    assert_eq!(sim.err(request(1, 2)), Error::Friend(FriendResult::Already));
    assert_eq!(sim.err(request(2, 1)), Error::Friend(FriendResult::Already));
    assert_eq!(
        sim.err(SocialCommand::AcceptAccountFriend {
            account: 2,
            requester: 1,
        }),
        Error::not_found("account friend request from account 1 to account 2")
    );
    assert_eq!(
        sim.err(SocialCommand::RemoveAccountFriend {
            account: 1,
            friend: 3,
        }),
        Error::not_found("account friend 3 of account 1")
    );
    check(&sim);
}

#[test]
fn account_friend_lists_hold_the_limit_on_both_sides() {
    let max = u32::try_from(ACCOUNT_FRIENDS_MAX).expect("small");
    let mut sim = Sim::world(1);
    for a in 2..=max + 3 {
        sim.account(a);
    }
    // Account 1 asks 2..=max+1: the max-th request is fine, the next one is LIST_FULL.
    for a in 2..=max + 1 {
        sim.ok(SocialCommand::RequestAccountFriend {
            from_account: 1,
            to_account: a,
        });
    }
    assert_eq!(
        sim.err(SocialCommand::RequestAccountFriend {
            from_account: 1,
            to_account: max + 2,
        }),
        Error::Friend(FriendResult::ListFull)
    );
    // A full target refuses too.
    assert_eq!(
        sim.err(SocialCommand::RequestAccountFriend {
            from_account: max + 3,
            to_account: 1,
        }),
        Error::Friend(FriendResult::ListFull)
    );
    // Accepting does not take a new slot.
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 2,
        requester: 1,
    });
    check(&sim);
}

fn whisper(sim: &Sim, from: CharacterId, target: &str) -> Result<WhisperTarget, Error> {
    match social(
        sim,
        SocialQuery::ResolveWhisper {
            from,
            target: target.into(),
        },
    )? {
        SocialQueryResponse::Whisper(t) => Ok(t),
        other => panic!("not a whisper target: {other:?}"),
    }
}

fn set_cross_realm_instance(sim: &mut Sim, id: CharacterId, gateway: &str, on: bool) {
    sim.ok(PresenceCommand::Update {
        gateway: gateway.into(),
        updates: vec![PresenceUpdate {
            id,
            in_cross_realm_instance: Some(on),
            ..Default::default()
        }],
    });
}

#[test]
fn whispers_route_within_a_realm_unless_ignored_or_offline() {
    let mut sim = Sim::world(3);
    sim.login(c(1), "gw1");

    // Offline, unknown, unknown realm: one answer.
    assert_eq!(whisper(&sim, c(1), "Bob"), Err(Error::PlayerNotFound));
    assert_eq!(whisper(&sim, c(1), "Nobody"), Err(Error::PlayerNotFound));
    assert_eq!(
        whisper(&sim, c(1), "Bob-Nowhere"),
        Err(Error::PlayerNotFound)
    );

    sim.login(c(2), "gw1");
    let bob = Ok(WhisperTarget {
        id: c(2),
        gateway: "gw1".into(),
        name: "Bob".into(),
    });
    assert_eq!(whisper(&sim, c(1), "bob"), bob);
    assert_eq!(whisper(&sim, c(1), "Bob-Realm1"), bob);
    // The sender need not be online within its realm.
    assert_eq!(whisper(&sim, c(3), "Bob"), bob);

    // Bob ignores Alice: she gets the same answer as for an offline player; Carol still
    // reaches him.
    sim.ok(add_ignore(c(2), "Alice"));
    assert_eq!(whisper(&sim, c(1), "Bob"), Err(Error::PlayerNotFound));
    assert_eq!(whisper(&sim, c(3), "Bob"), bob);

    assert_eq!(
        whisper(&sim, c(99), "Bob"),
        Err(Error::not_found("character 1:99"))
    );
    assert_eq!(
        whisper(&sim, c(1), ""),
        Err(Error::invalid("target", "must not be empty"))
    );
}

#[test]
fn cross_realm_whispers_follow_the_policy_matrix() {
    let mut sim = two_realms();
    let zed = CharacterId::new(2, 1);
    sim.login(c(1), "gw1");
    sim.login(zed, "gw2");
    let zed_target = Ok(WhisperTarget {
        id: zed,
        gateway: "gw2".into(),
        name: "Zed".into(),
    });

    // No policy: other realms are out of reach; a plain name means the own realm.
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );
    assert_eq!(whisper(&sim, c(1), "Zed"), Err(Error::PlayerNotFound));

    // Account friends: needs both the flag and an accepted edge.
    set_config(&mut sim, |c| c.social.whisper.allow_account_friends = true);
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 10,
    });
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );
    sim.ok(SocialCommand::AcceptAccountFriend {
        account: 10,
        requester: 1,
    });
    assert_eq!(whisper(&sim, c(1), "Zed-Realm2"), zed_target);
    set_config(&mut sim, |_| {});
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );

    // Cross-realm instances: needs the flag and both characters in one.
    let bob_zed_ok = |sim: &Sim| whisper(sim, c(2), "Zed-Realm2");
    sim.login(c(2), "gw1");
    set_config(&mut sim, |c| {
        c.social.whisper.allow_cross_realm_instance = true
    });
    assert_eq!(bob_zed_ok(&sim), Err(Error::PlayerNotFound));
    set_cross_realm_instance(&mut sim, zed, "gw2", true);
    assert_eq!(bob_zed_ok(&sim), Err(Error::PlayerNotFound));
    set_cross_realm_instance(&mut sim, c(2), "gw1", true);
    assert_eq!(
        bob_zed_ok(&sim),
        Ok(WhisperTarget {
            id: zed,
            gateway: "gw2".into(),
            name: "Zed".into(),
        })
    );
    set_config(&mut sim, |_| {});
    assert_eq!(bob_zed_ok(&sim), Err(Error::PlayerNotFound));

    // Both policies on, but Zed ignores Alice: not found.
    set_config(&mut sim, |c| {
        c.social.whisper.allow_account_friends = true;
        c.social.whisper.allow_cross_realm_instance = true;
    });
    assert_eq!(whisper(&sim, c(1), "Zed-Realm2"), zed_target);
    sim.ok(add_ignore(zed, "Alice-Realm1"));
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );
    // Zed offline: not found either.
    sim.ok(SocialCommand::RemoveIgnore {
        owner: zed,
        ignored: c(1),
    });
    sim.logout(zed, "gw2");
    assert_eq!(
        whisper(&sim, c(1), "Zed-Realm2"),
        Err(Error::PlayerNotFound)
    );
}

#[test]
fn deleting_a_character_removes_every_edge_both_ways() {
    let mut sim = Sim::world(5);
    // Alice ⇄ Bob friends, Carol ignores Alice, Alice ignores Dave, Erin lists Alice.
    sim.ok(add_friend(c(1), "Bob", ""));
    sim.ok(add_friend(c(2), "Alice", "old pal"));
    sim.ok(add_ignore(c(3), "Alice"));
    sim.ok(add_ignore(c(1), "Dave"));
    sim.ok(add_friend(c(5), "Alice", ""));
    sim.ok(add_friend(c(5), "Bob", ""));
    sim.ok(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    });
    sim.login(c(2), "gw1");

    // Online characters cannot be deleted.
    sim.login(c(1), "gw1");
    assert_eq!(
        sim.err(CharacterCommand::Delete { id: c(1) }),
        Error::Character(CharacterResult::DeleteFailed)
    );
    sim.logout(c(1), "gw1");

    sim.ok(CharacterCommand::Delete { id: c(1) });
    let social_events: Vec<_> = sim
        .events
        .iter()
        .filter(|e| matches!(e, Event::Social(_)))
        .cloned()
        .collect();
    assert_eq!(
        social_events,
        vec![
            Event::Social(SocialEvent::FriendRemoved {
                owner: c(1),
                owner_gateway: None,
                friend: c(2),
            }),
            Event::Social(SocialEvent::FriendRemoved {
                owner: c(2),
                owner_gateway: gw("gw1"),
                friend: c(1),
            }),
            Event::Social(SocialEvent::FriendRemoved {
                owner: c(5),
                owner_gateway: None,
                friend: c(1),
            }),
            Event::Social(SocialEvent::IgnoreRemoved {
                owner: c(1),
                owner_gateway: None,
                ignored: c(4),
            }),
            Event::Social(SocialEvent::IgnoreRemoved {
                owner: c(3),
                owner_gateway: None,
                ignored: c(1),
            }),
        ]
    );
    assert_eq!(friend_list(&sim, c(2)), (vec![], vec![]));
    assert_eq!(friend_list(&sim, c(3)), (vec![], vec![]));
    assert_eq!(
        friend_list(&sim, c(5)),
        (vec![online(c(2), "Bob", "")], vec![])
    );
    assert_eq!(
        social(
            &sim,
            SocialQuery::WhoHasAsFriend {
                id: c(1),
                after: None,
                limit: 10
            }
        ),
        Ok(SocialQueryResponse::WhoHasAsFriend {
            owners: vec![],
            next: None
        })
    );
    assert_eq!(
        social(
            &sim,
            SocialQuery::IsIgnoring {
                by: c(3),
                who: c(1)
            }
        ),
        Ok(SocialQueryResponse::Ignoring(false))
    );
    // The account-level request belongs to the account and stays.
    assert_eq!(
        social(&sim, SocialQuery::AccountFriends { account: 2 }),
        Ok(SocialQueryResponse::AccountFriends(vec![
            AccountFriendEntry {
                account: 1,
                state: AccountFriendState::PendingIncoming,
                since_ms: sim.now_ms,
                online: None,
            }
        ]))
    );
    check(&sim);

    // A new character with the old name starts with no relations.
    sim.character(c(1), 1, "Alice", HUMAN);
    assert_eq!(friend_list(&sim, c(1)), (vec![], vec![]));
    assert_eq!(
        social(
            &sim,
            SocialQuery::IsIgnoring {
                by: c(3),
                who: c(1)
            }
        ),
        Ok(SocialQueryResponse::Ignoring(false))
    );
    check(&sim);
}

#[test]
fn social_config_validates_the_listed_by_limit() {
    let config = |listed_by_max| SocialConfig {
        listed_by_max,
        ..SocialConfig::default()
    };
    assert_eq!(SocialConfig::default().validate(), Ok(()));
    assert_eq!(config(1).validate(), Ok(()));
    let max = u32::try_from(LISTED_BY_MAX).expect("fits");
    assert_eq!(config(max).validate(), Ok(()));
    assert_eq!(
        config(0).validate(),
        Err(Error::invalid(
            "config.social.listed_by_max",
            "is 0, it must be in 1..=100000"
        ))
    );
    assert_eq!(
        config(max + 1).validate(),
        Err(Error::invalid(
            "config.social.listed_by_max",
            "is 100001, it must be in 1..=100000"
        ))
    );
}
