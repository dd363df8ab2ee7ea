//! Presence: gateway leases, login/logout, one character per account, batches, /who.

use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::presence::{
    Login, OfflineReason, Presence, PresenceCommand, PresenceEvent, PresenceQuery,
    PresenceQueryResponse, PresenceResponse, PresenceUpdate, Who,
};
use tavern_statemachine::testkit::{Sim, EPOCH_MS, HUMAN, ORC};
use tavern_statemachine::{CharacterId, Error, Event, Query, QueryResponse, Response};

const ALICE: CharacterId = CharacterId::new(1, 1);
const BOB: CharacterId = CharacterId::new(1, 2);
const CAROL: CharacterId = CharacterId::new(1, 3);

fn login(id: CharacterId, gateway: &str) -> PresenceCommand {
    PresenceCommand::Login(Login {
        id,
        gateway: gateway.into(),
        zone: 12,
        area: 87,
        map: 0,
        level: 80,
        guild_id: 0,
        worldserver: Some("ws-1".into()),
    })
}

fn presence(sim: &Sim, id: CharacterId) -> Option<Presence> {
    match sim
        .query(Query::Presence(PresenceQuery::Get { id }))
        .expect("presence query")
    {
        QueryResponse::Presence(PresenceQueryResponse::Presence(p)) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn login_writes_presence_and_announces_it() {
    let mut sim = Sim::world(2);
    assert_eq!(
        sim.ok(login(ALICE, "gw1")),
        Response::Presence(PresenceResponse::LoggedIn { kicked: None })
    );
    let p = presence(&sim, ALICE).expect("online");
    let want = Presence {
        id: ALICE,
        account: 1,
        gateway: "gw1".into(),
        name: "Alice".into(),
        race: HUMAN,
        class: 1,
        gender: 0,
        level: 80,
        zone: 12,
        area: 87,
        map: 0,
        guild_id: 0,
        worldserver: Some("ws-1".into()),
        afk: false,
        dnd: false,
        in_cross_realm_instance: false,
        login_ms: EPOCH_MS,
    };
    assert_eq!(p, want);
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Online {
            presence: want,
            notify: vec![]
        })]
    );
    assert_eq!(p.status(), 1);
}

#[test]
fn login_is_refused_for_unknown_gateways_characters_and_locked_accounts() {
    let mut sim = Sim::world(2);
    assert_eq!(
        sim.err(login(ALICE, "gw9")),
        Error::UnknownGateway {
            gateway: "gw9".into()
        }
    );
    assert_eq!(
        sim.err(login(CharacterId::new(1, 77), "gw1")),
        Error::Character(tavern_statemachine::character::CharacterResult::LoginNoCharacter)
    );
    sim.realm(2);
    assert_eq!(
        sim.err(login(CharacterId::new(2, 1), "gw1")),
        Error::invalid(
            "login.id.realm",
            "character realm 2 is not realm 1 of gateway gw1"
        )
    );
    sim.ok(AccountCommand::SetLocked {
        id: 2,
        locked: true,
    });
    assert_eq!(
        sim.err(login(BOB, "gw1")),
        Error::AccountLocked { account: 2 }
    );
    let mut bad = login(ALICE, "gw1");
    if let PresenceCommand::Login(l) = &mut bad {
        l.level = 0;
    }
    assert_eq!(
        sim.err(bad),
        Error::invalid("login.level", "0 is not in 1..=80")
    );
    assert_eq!(
        sim.err(login(ALICE, &"g".repeat(65))),
        Error::invalid("gateway", "is 65 bytes, the limit is 64 bytes")
    );
}

#[test]
fn a_second_character_of_the_account_kicks_the_first() {
    let mut sim = Sim::world(1);
    let alt = CharacterId::new(1, 50);
    sim.character(alt, 1, "Altchar", HUMAN);
    sim.gateway("gw2", 1);
    sim.login(ALICE, "gw1");
    assert_eq!(
        sim.ok(login(alt, "gw2")),
        Response::Presence(PresenceResponse::LoggedIn {
            kicked: Some(ALICE)
        })
    );
    assert!(matches!(
        &sim.events[0],
        Event::Presence(PresenceEvent::Offline { id, reason: OfflineReason::Kicked, gateway, .. }) if *id == ALICE && gateway == "gw1"
    ));
    assert_eq!(presence(&sim, ALICE), None);
    assert_eq!(presence(&sim, alt).map(|p| p.gateway), Some("gw2".into()));
    let got = sim
        .query(Query::Presence(PresenceQuery::OnlineOfAccount {
            account: 1,
        }))
        .unwrap();
    assert!(
        matches!(got, QueryResponse::Presence(PresenceQueryResponse::Presence(Some(p))) if p.id == alt)
    );
    // Locking the account logs it out.
    sim.ok(AccountCommand::SetLocked {
        id: 1,
        locked: true,
    });
    assert_eq!(presence(&sim, alt), None);
}

#[test]
fn a_late_logout_from_an_old_gateway_does_not_remove_a_newer_login() {
    let mut sim = Sim::world(1);
    sim.gateway("gw2", 1);
    sim.login(ALICE, "gw1");
    sim.login(ALICE, "gw2");
    sim.ok(PresenceCommand::Logout {
        id: ALICE,
        gateway: "gw1".into(),
    });
    assert!(sim.events.is_empty());
    assert_eq!(presence(&sim, ALICE).map(|p| p.gateway), Some("gw2".into()));
    sim.ok(PresenceCommand::Logout {
        id: ALICE,
        gateway: "gw2".into(),
    });
    assert_eq!(presence(&sim, ALICE), None);
}

#[test]
fn updates_apply_only_to_the_gateways_own_characters() {
    let mut sim = Sim::world(3);
    sim.gateway("gw2", 1);
    sim.login(ALICE, "gw1");
    sim.login(BOB, "gw2");
    let updates = vec![
        PresenceUpdate {
            id: ALICE,
            zone: Some(4395),
            area: Some(4613),
            map: Some(571),
            level: Some(79),
            ..Default::default()
        },
        PresenceUpdate {
            id: BOB,
            zone: Some(1),
            ..Default::default()
        },
        PresenceUpdate {
            id: CAROL,
            zone: Some(1),
            ..Default::default()
        },
    ];
    assert_eq!(
        sim.ok(PresenceCommand::Update {
            gateway: "gw1".into(),
            updates
        }),
        Response::Presence(PresenceResponse::Updated {
            applied: 1,
            skipped: 2
        })
    );
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Moved {
            id: ALICE,
            level: 79,
            zone: 4395,
            area: 4613,
            map: 571
        })]
    );
    let p = presence(&sim, ALICE).unwrap();
    assert_eq!((p.zone, p.area, p.map, p.level), (4395, 4613, 571, 79));
    assert_eq!(presence(&sim, BOB).unwrap().zone, 1, "gw2 owns Bob");
    let too_many = vec![PresenceUpdate::default(); 4097];
    assert_eq!(
        sim.err(PresenceCommand::Update {
            gateway: "gw1".into(),
            updates: too_many
        }),
        Error::invalid("updates", "has 4097 elements, the limit is 4096")
    );
    let bad_level = vec![PresenceUpdate {
        id: ALICE,
        level: Some(200),
        ..Default::default()
    }];
    assert_eq!(
        sim.err(PresenceCommand::Update {
            gateway: "gw1".into(),
            updates: bad_level
        }),
        Error::invalid("updates.level", "200 is not in 1..=80")
    );
}

#[test]
fn away_status_is_the_ac_status_byte() {
    let mut sim = Sim::world(1);
    sim.login(ALICE, "gw1");
    sim.ok(PresenceCommand::SetAwayStatus {
        id: ALICE,
        afk: true,
        dnd: false,
    });
    assert_eq!(
        sim.events,
        vec![Event::Presence(PresenceEvent::Status {
            id: ALICE,
            status: 3,
            notify: vec![]
        })]
    );
    sim.ok(PresenceCommand::SetAwayStatus {
        id: ALICE,
        afk: false,
        dnd: true,
    });
    assert_eq!(presence(&sim, ALICE).unwrap().status(), 5);
    assert_eq!(
        sim.err(PresenceCommand::SetAwayStatus {
            id: BOB,
            afk: true,
            dnd: false
        }),
        Error::not_found("online character 1:2")
    );
}

#[test]
fn a_lapsed_gateway_loses_all_of_its_presence_and_only_its_own() {
    let mut sim = Sim::world(3);
    sim.gateway("gw2", 1);
    sim.login(ALICE, "gw1");
    sim.login(BOB, "gw1");
    sim.login(CAROL, "gw2");
    // gw2 keeps renewing, gw1 goes silent.
    sim.advance(10_000);
    assert_eq!(
        sim.ok(PresenceCommand::RenewGateway {
            gateway: "gw2".into()
        }),
        Response::Presence(PresenceResponse::Lease {
            expires_ms: EPOCH_MS + 25_000
        })
    );
    sim.advance(5_000);
    // Exactly at expiry the lease is gone: no new logins through it.
    assert_eq!(
        sim.err(login(ALICE, "gw1")),
        Error::UnknownGateway {
            gateway: "gw1".into()
        }
    );
    assert_eq!(
        sim.err(PresenceCommand::RenewGateway {
            gateway: "gw1".into()
        }),
        Error::UnknownGateway {
            gateway: "gw1".into()
        }
    );
    assert_eq!(
        sim.ok(PresenceCommand::ExpireGateways),
        Response::Presence(PresenceResponse::GatewaysExpired {
            gateways: vec!["gw1".into()],
            characters: 2
        })
    );
    let offline: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Presence(PresenceEvent::Offline {
                id,
                reason: OfflineReason::GatewayLost,
                ..
            }) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(offline, vec![ALICE, BOB]);
    assert_eq!(
        sim.events.last(),
        Some(&Event::Presence(PresenceEvent::GatewayLost {
            gateway: "gw1".into(),
            characters: 2
        }))
    );
    assert_eq!(presence(&sim, ALICE), None);
    assert_eq!(presence(&sim, BOB), None);
    assert_eq!(presence(&sim, CAROL).map(|p| p.gateway), Some("gw2".into()));
    // Nothing more to expire; the gateway may register again.
    assert_eq!(
        sim.ok(PresenceCommand::ExpireGateways),
        Response::Presence(PresenceResponse::GatewaysExpired {
            gateways: vec![],
            characters: 0
        })
    );
    sim.gateway("gw1", 1);
    sim.login(ALICE, "gw1");
}

#[test]
fn unregistering_a_gateway_logs_its_characters_out_now() {
    let mut sim = Sim::world(2);
    sim.gateway("gw2", 1);
    sim.login(ALICE, "gw1");
    sim.login(BOB, "gw2");
    sim.ok(PresenceCommand::UnregisterGateway {
        gateway: "gw1".into(),
    });
    assert_eq!(presence(&sim, ALICE), None);
    assert!(presence(&sim, BOB).is_some());
    assert_eq!(
        sim.err(PresenceCommand::UnregisterGateway {
            gateway: "gw1".into()
        }),
        Error::UnknownGateway {
            gateway: "gw1".into()
        }
    );
    sim.realm(2);
    assert_eq!(
        sim.err(PresenceCommand::RegisterGateway {
            gateway: "gw2".into(),
            realm: 2
        }),
        Error::invalid(
            "gateway.realm",
            "gateway gw2 holds a live lease for realm 1, not 2"
        )
    );
}

#[test]
fn who_filters_like_the_game() {
    let mut sim = Sim::world(4);
    let orc = CharacterId::new(1, 9);
    sim.account(9);
    sim.character(orc, 9, "Thrall", ORC);
    for id in [ALICE, BOB, CAROL, orc] {
        sim.login(id, "gw1");
    }
    sim.ok(PresenceCommand::Update {
        gateway: "gw1".into(),
        updates: vec![PresenceUpdate {
            id: BOB,
            level: Some(70),
            zone: Some(3703),
            ..Default::default()
        }],
    });
    let who = |sim: &Sim, w: Who| match sim.query(Query::Presence(PresenceQuery::Who(w))).unwrap() {
        QueryResponse::Presence(PresenceQueryResponse::Who { total, items }) => {
            (total, items.into_iter().map(|p| p.name).collect::<Vec<_>>())
        }
        other => panic!("{other:?}"),
    };
    // Alliance sees alliance only.
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                ..Default::default()
            }
        ),
        (3, vec!["Alice".into(), "Bob".into(), "Carol".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: orc,
                ..Default::default()
            }
        ),
        (1, vec!["Thrall".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                level_max: 75,
                ..Default::default()
            }
        ),
        (1, vec!["Bob".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                zones: vec![3703],
                ..Default::default()
            }
        ),
        (1, vec!["Bob".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                name: "ar".into(),
                ..Default::default()
            }
        ),
        (1, vec!["Carol".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                strings: vec!["AL".into(), "ce".into()],
                ..Default::default()
            }
        ),
        (1, vec!["Alice".into()])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                class_mask: 1 << 1,
                ..Default::default()
            }
        ),
        (0, vec![])
    );
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                race_mask: 1,
                ..Default::default()
            }
        ),
        (3, vec!["Alice".into(), "Bob".into(), "Carol".into()])
    );
    // GMs above the configured level are hidden.
    sim.ok(AccountCommand::SetGmLevel { id: 3, gm_level: 3 });
    assert_eq!(
        who(
            &sim,
            Who {
                requester: ALICE,
                ..Default::default()
            }
        ),
        (2, vec!["Alice".into(), "Bob".into()])
    );
    let too_many = Who {
        requester: ALICE,
        zones: vec![1; 11],
        ..Default::default()
    };
    assert_eq!(
        sim.query(Query::Presence(PresenceQuery::Who(too_many)))
            .unwrap_err(),
        Error::invalid("who.zones", "has 11 elements, the limit is 10")
    );
}

#[test]
fn online_listing_pages_and_lookups_by_name_and_ids() {
    let mut sim = Sim::world(3);
    sim.login(ALICE, "gw1");
    sim.login(CAROL, "gw1");
    let page = |after_low, limit| match sim
        .query(Query::Presence(PresenceQuery::Online {
            realm: 1,
            after_low,
            limit,
        }))
        .unwrap()
    {
        QueryResponse::Presence(PresenceQueryResponse::Online { ids, total }) => (ids, total),
        other => panic!("{other:?}"),
    };
    assert_eq!(page(None, 1), (vec![ALICE], 2));
    assert_eq!(page(Some(1), 10), (vec![CAROL], 2));
    let got = sim
        .query(Query::Presence(PresenceQuery::OnlineByName {
            realm: 1,
            name: "cAROL".into(),
        }))
        .unwrap();
    assert!(
        matches!(got, QueryResponse::Presence(PresenceQueryResponse::Presence(Some(p))) if p.id == CAROL)
    );
    let got = sim
        .query(Query::Presence(PresenceQuery::OnlineByName {
            realm: 1,
            name: "Bob".into(),
        }))
        .unwrap();
    assert_eq!(
        got,
        QueryResponse::Presence(PresenceQueryResponse::Presence(None))
    );
    let got = sim
        .query(Query::Presence(PresenceQuery::ByIds {
            ids: vec![BOB, CAROL],
        }))
        .unwrap();
    let QueryResponse::Presence(PresenceQueryResponse::ByIds(rows)) = got else {
        panic!()
    };
    assert_eq!(
        rows.iter()
            .map(|(id, p)| (*id, p.is_some()))
            .collect::<Vec<_>>(),
        vec![(BOB, false), (CAROL, true)]
    );
    let got = sim
        .query(Query::Presence(PresenceQuery::OfGateway {
            gateway: "gw1".into(),
        }))
        .unwrap();
    let QueryResponse::Presence(PresenceQueryResponse::Presences(rows)) = got else {
        panic!()
    };
    assert_eq!(
        rows.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![ALICE, CAROL]
    );
    assert_eq!(
        sim.query(Query::Presence(PresenceQuery::ByIds {
            ids: vec![ALICE; 1025]
        }))
        .unwrap_err(),
        Error::invalid("ids", "has 1025 elements, the limit is 1024")
    );
}
