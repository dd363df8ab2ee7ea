//! Realm, accounts, characters; presence and gateway leases.

use tavern_gateway::prelude::*;
use tavern_statemachine::character::CharacterResult;
use tavern_statemachine::presence::{PresenceUpdate, Who};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::CharacterId;

use super::{domain, login, ok, ARTHAS, JAINA, MARWYN, NORTH, SOUTH, UTHER};

fn human(id: CharacterId, account: u32, name: &str) -> NewCharacter {
    NewCharacter {
        id,
        account,
        name: name.into(),
        race: 1,
        class: 1,
        gender: 0,
        level: 80,
    }
}

pub async fn realm_accounts_characters<B: Backend>(api: &B) {
    // A realm, three accounts.
    let lordaeron = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    ok(api.upsert_realm(lordaeron.clone()).await);
    assert_eq!(ok(api.get_realm(1).await), Some(lordaeron.clone()));
    assert_eq!(ok(api.list_realms().await), vec![lordaeron]);
    for (id, name) in [(1, "ARTHAS"), (2, "JAINA"), (3, "UTHER")] {
        ok(api.upsert_account(id, name.into(), "enUS".into()).await);
    }
    let arthas = ok(api.get_account_by_username("arthas".into()).await);
    assert_eq!(arthas.map(|a| (a.id, a.locale)), Some((1, "enUS".into())));
    ok(api.set_account_gm_level(2, 1).await);
    assert_eq!(ok(api.get_account(2).await).map(|a| a.gm_level), Some(1));
    ok(api.set_account_gm_level(2, 0).await);

    // Characters: names are normalised; a taken name is refused with the game's code.
    for (id, account, name, stored) in [
        (ARTHAS, 1, "arthas", "Arthas"),
        (JAINA, 2, "JAINA", "Jaina"),
        (UTHER, 3, "uther", "Uther"),
        (MARWYN, 1, "falric", "Falric"),
    ] {
        assert_eq!(
            ok(api.create_character(human(id, account, name)).await),
            stored
        );
    }
    let taken = domain(
        api.create_character(human(CharacterId::new(1, 9), 3, "Arthas"))
            .await,
    );
    assert_eq!(
        taken,
        tavern_statemachine::Error::Character(CharacterResult::CreateNameInUse)
    );

    // Falric becomes Marwyn: the new name is found, the old one is free.
    assert_eq!(
        ok(api.rename_character(MARWYN, "marwyn".into()).await),
        "Marwyn"
    );
    assert_eq!(
        ok(api.get_character_by_name(1, "MARWYN".into()).await).map(|c| c.id),
        Some(MARWYN)
    );
    assert_eq!(
        ok(api.get_character_by_name(1, "Falric".into()).await),
        None
    );
    let mut names: Vec<String> = ok(api.list_characters_of_account(1, Some(1)).await)
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Arthas", "Marwyn"]);
    assert_eq!(
        ok(api.get_character(JAINA).await).map(|c| (c.account, c.level)),
        Some((2, 80))
    );
}

pub async fn presence<B: Backend>(api: &B) {
    // Two gateways take a lease on realm 1; renewing moves it on, never back.
    let north = ok(api.register_gateway(NORTH.into(), 1).await);
    assert!(north > 0);
    ok(api.register_gateway(SOUTH.into(), 1).await);
    assert!(ok(api.renew_gateway(NORTH.into()).await) >= north);
    assert_eq!(
        ok(api.get_gateway(NORTH.into()).await).map(|g| g.realm),
        Some(1)
    );
    let unknown = domain(api.renew_gateway("gw-nowhere".into()).await);
    assert_eq!(
        unknown,
        tavern_statemachine::Error::UnknownGateway {
            gateway: "gw-nowhere".into()
        }
    );

    // Three characters log in; an alt of an online account kicks the main, and back.
    assert_eq!(ok(api.login(login(ARTHAS, NORTH)).await), None);
    assert_eq!(ok(api.login(login(JAINA, SOUTH)).await), None);
    assert_eq!(ok(api.login(login(UTHER, NORTH)).await), None);
    assert_eq!(ok(api.login(login(MARWYN, NORTH)).await), Some(ARTHAS));
    assert_eq!(ok(api.login(login(ARTHAS, NORTH)).await), Some(MARWYN));

    // Who is online, and where.
    let arthas = ok(api.get_presence(ARTHAS).await).expect("Arthas is online");
    assert_eq!((arthas.gateway.as_str(), arthas.level), (NORTH, 80));
    assert_eq!(ok(api.get_presence(MARWYN).await), None);
    assert_eq!(
        ok(api.get_online_by_name(1, "jaina".into()).await).map(|p| p.id),
        Some(JAINA)
    );
    assert_eq!(
        ok(api.get_online_of_account(1).await).map(|p| p.id),
        Some(ARTHAS)
    );
    assert_eq!(
        ok(api.list_online(1, None, 10).await),
        (vec![ARTHAS, JAINA, UTHER], 3)
    );
    assert_eq!(
        ok(api.list_online(1, Some(ARTHAS.low), 1).await),
        (vec![JAINA], 3),
        "a page after Arthas"
    );
    let on_north: Vec<CharacterId> = ok(api.list_presence_of_gateway(NORTH.into()).await)
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(on_north, [ARTHAS, UTHER]);
    let found: Vec<(CharacterId, bool)> = ok(api.get_presence_by_ids(vec![ARTHAS, MARWYN]).await)
        .into_iter()
        .map(|(id, p)| (id, p.is_some()))
        .collect();
    assert_eq!(found, [(ARTHAS, true), (MARWYN, false)]);

    // A gateway's batch moves Arthas to Dalaran and skips Jaina (not on that gateway).
    let to_dalaran = |id| PresenceUpdate {
        id,
        zone: Some(4395),
        ..PresenceUpdate::default()
    };
    assert_eq!(
        ok(api
            .update_presence(NORTH.into(), vec![to_dalaran(ARTHAS), to_dalaran(JAINA)])
            .await),
        (1, 1)
    );
    assert_eq!(
        ok(api.get_presence(ARTHAS).await).map(|p| p.zone),
        Some(4395)
    );
    ok(api.set_away_status(ARTHAS, true, false).await);
    assert_eq!(
        ok(api.get_presence(ARTHAS).await).map(|p| (p.afk, p.dnd)),
        Some((true, false))
    );
    ok(api.set_away_status(ARTHAS, false, false).await);

    // /who from Jaina: everyone online at level 80, and in Dalaran only Arthas.
    let everyone = Who {
        requester: JAINA,
        level_min: 1,
        level_max: 80,
        ..Who::default()
    };
    let (total, shown) = ok(api.who(everyone.clone()).await);
    let mut names: Vec<String> = shown.into_iter().map(|p| p.name).collect();
    names.sort();
    assert_eq!(
        (total, names),
        (3, vec!["Arthas".into(), "Jaina".into(), "Uther".into()])
    );
    let in_dalaran = Who {
        zones: vec![4395],
        ..everyone
    };
    let (total, shown) = ok(api.who(in_dalaran).await);
    assert_eq!((total, shown.len()), (1, 1));

    // A locked account's character is logged out and cannot log in until unlocked.
    ok(api.set_account_locked(3, true).await);
    assert_eq!(ok(api.get_presence(UTHER).await), None);
    assert_eq!(
        domain(api.login(login(UTHER, NORTH)).await),
        tavern_statemachine::Error::AccountLocked { account: 3 }
    );
    ok(api.set_account_locked(3, false).await);
    assert_eq!(ok(api.login(login(UTHER, NORTH)).await), None);

    // A late logout from another gateway changes nothing; the right one logs out.
    ok(api.logout(UTHER, SOUTH.into()).await);
    assert!(ok(api.get_presence(UTHER).await).is_some());
    ok(api.logout(UTHER, NORTH.into()).await);
    assert_eq!(ok(api.get_presence(UTHER).await), None);
    assert_eq!(ok(api.login(login(UTHER, NORTH)).await), None);
}
