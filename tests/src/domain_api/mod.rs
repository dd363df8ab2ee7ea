//! The domain API suite: one story through every domain, written against the gateway's typed
//! calls on any [`Backend`], so the same expectations run on the bare state machine
//! ([`crate::sim::SimBackend`]) and, through `tavern-gateway`, on a cluster over real gRPC
//! (`tests/tests/domain_api.rs` runs it on both). If the wire contract, the node or the client
//! library changes what a call does or answers, the cluster run fails where the state machine
//! run does not (and the other way round).
//!
//! ```text
//!  people.rs   realm, accounts, characters (create, rename); presence: gateways and their
//!              leases, login (a second character of an account kicks the first), lookups, /who
//!  social.rs   friends and notes, ignores and whispers, account friends; custom channels
//!              with a password, a moderator, a mute, a ban
//!  trade.rs    mail: money taken once, an item with COD paid once with the payment mail, the
//!              delivery delay, return; arena: teams, invites, a match result applied once
//!  the end     a character deleted with everything that refers to it; a gateway closing
//! ```
//!
//! Chapters run in order on one backend and build on each other. Failures panic with what
//! was expected: this is test code.

mod people;
mod social;
mod trade;

use std::fmt::Debug;

use tavern_gateway::prelude::*;
use tavern_statemachine::presence::Login;
use tavern_statemachine::CharacterId;

pub const ARTHAS: CharacterId = CharacterId { realm: 1, low: 1 };
pub const JAINA: CharacterId = CharacterId { realm: 1, low: 2 };
pub const UTHER: CharacterId = CharacterId { realm: 1, low: 3 };
/// Arthas's alt, on his account (first created as "Falric").
pub const MARWYN: CharacterId = CharacterId { realm: 1, low: 4 };

/// Arthas and Uther play through this gateway, Jaina through the other.
pub const NORTH: &str = "gw-north";
pub const SOUTH: &str = "gw-south";

/// Runs every chapter, in order, on `api` (a fresh backend).
pub async fn run<B: Backend>(api: &B) {
    people::realm_accounts_characters(api).await;
    people::presence(api).await;
    // From here on the gateways renew their leases (15 s) between chapters, as live gateways
    // do, so a slow machine does not see them lapse mid-story.
    renew(api).await;
    social::friends_ignores_account_friends(api).await;
    renew(api).await;
    social::channels(api).await;
    renew(api).await;
    trade::mail(api).await;
    renew(api).await;
    trade::arena(api).await;
    renew(api).await;
    the_end(api).await;
}

/// Renews both gateways' leases.
async fn renew<B: Backend>(api: &B) {
    for g in [NORTH, SOUTH] {
        ok(api.renew_gateway(g.into()).await);
    }
}

/// Uther is deleted with everything that refers to him; the south gateway closes.
async fn the_end<B: Backend>(api: &B) {
    // Uther has a friend (Jaina lists him), a mail, an arena team and a channel ban.
    ok(api.add_friend(JAINA, "Uther".into(), String::new()).await);
    ok(api
        .ban_from_channel(JAINA, "Scourge".into(), "Uther".into())
        .await);
    let refused = refused(api.delete_character(UTHER).await);
    assert_eq!(
        refused.game_code(),
        Some(0x48),
        "an online character cannot be deleted (CHAR_DELETE_FAILED): {refused:?}"
    );
    ok(api.logout(UTHER, NORTH.into()).await);
    ok(api.delete_character(UTHER).await);

    assert_eq!(ok(api.get_character(UTHER).await), None);
    assert_eq!(
        ok(api.get_character_by_name(1, "uther".into()).await),
        None,
        "the name is free again"
    );
    let (friends, _) = ok(api.get_friend_list(JAINA).await);
    assert!(
        friends.iter().all(|f| f.id != UTHER),
        "Jaina's friend list forgot Uther: {friends:?}"
    );
    assert_eq!(
        ok(api.get_arena_team_by_name(1, "Light's Hope".into()).await),
        None,
        "the team he led alone is disbanded"
    );
    let bans = ok(api
        .list_channel_bans(1, tavern_statemachine::Team::Alliance, "Scourge".into())
        .await);
    assert!(bans.is_empty(), "his channel ban went with him: {bans:?}");
    assert_eq!(
        ok(api.list_characters_of_account(3, None).await),
        Vec::new()
    );

    // The south gateway shuts down: Jaina goes offline at once, its lease is gone.
    ok(api.unregister_gateway(SOUTH.into()).await);
    assert_eq!(ok(api.get_presence(JAINA).await), None);
    assert_eq!(ok(api.get_gateway(SOUTH.into()).await), None);
    assert_eq!(
        ok(api.list_presence_of_gateway(SOUTH.into()).await),
        Vec::new()
    );
    // No lease has lapsed: the sweep finds nothing.
    assert_eq!(ok(api.expire_gateways().await), (Vec::new(), 0));
}

/// The answer of a call that must succeed.
#[track_caller]
pub fn ok<T>(r: Result<T, Error>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("the call failed: {e:?}"),
    }
}

/// The error of a call that must be refused.
#[track_caller]
pub fn refused<T: Debug>(r: Result<T, Error>) -> Error {
    match r {
        Ok(v) => panic!("the call should have been refused but answered {v:?}"),
        Err(e) => e,
    }
}

/// The domain error of a refused call.
#[track_caller]
pub fn domain<T: Debug>(r: Result<T, Error>) -> tavern_statemachine::Error {
    match refused(r) {
        Error::Domain(e) => e,
        other => panic!("expected a refusal of the state machine, got {other:?}"),
    }
}

/// A login at level 80 in Elwynn Forest.
pub fn login(id: CharacterId, gateway: &str) -> Login {
    Login {
        id,
        gateway: gateway.into(),
        zone: 12,
        area: 12,
        map: 0,
        level: 80,
        guild_id: 0,
        worldserver: None,
    }
}
