//! `tavern scenario`: a short story played against the state machine in memory
//! ([`tavern_statemachine::testkit::Sim`]), one function per chapter. Each step prints one
//! human line and checks its outcome; the first outcome that differs from the story stops it
//! with an error (and a non-zero exit).
//!
//! To add a chapter (social, channels, mail, arena): write `fn chapter_name(s: &mut Story) ->
//! Result<()>` next to the others, using [`Story::ok`], [`Story::fails`], [`Story::say`] and
//! [`expect`], and call it from [`run`] in story order.

use std::fmt::Debug;
use std::io::Write;

use anyhow::{bail, Context, Result};
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::{
    CharacterCommand, CharacterEvent, CharacterQuery, CharacterQueryResponse, CharacterResponse,
    CharacterResult,
};
use tavern_statemachine::command::Command;
use tavern_statemachine::presence::{
    Login, OfflineReason, Presence, PresenceCommand, PresenceEvent, PresenceQuery,
    PresenceQueryResponse, PresenceResponse, PresenceUpdate,
};
use tavern_statemachine::realm::{Realm, RealmCommand};
use tavern_statemachine::testkit::{Sim, EPOCH_MS};
use tavern_statemachine::{CharacterId, Error, Event, Query, QueryResponse, RequestId, Response};

use crate::describe::describe;

mod social;

const ARTHAS: CharacterId = CharacterId::new(1, 1);
const JAINA: CharacterId = CharacterId::new(1, 2);
const MURADIN: CharacterId = CharacterId::new(1, 3);
const THRALL: CharacterId = CharacterId::new(1, 4);
const NORTH: &str = "gw-north";
const SOUTH: &str = "gw-south";
/// `ClusterConfig::default().gateway_lease_ms`.
const LEASE_MS: u64 = 15_000;
const DALARAN: u32 = 4395;

/// The simulated cluster and where the story is told.
pub struct Story<'w> {
    pub sim: Sim,
    out: &'w mut dyn Write,
}

impl Story<'_> {
    fn chapter(&mut self, title: &str) -> Result<()> {
        writeln!(self.out, "\n== {title} ==")?;
        Ok(())
    }

    /// One line of the story, stamped with the simulated time.
    fn say(&mut self, line: impl AsRef<str>) -> Result<()> {
        let secs = (self.sim.now_ms - EPOCH_MS) as f64 / 1000.0;
        writeln!(self.out, "  t+{secs:>5.1}s  {}", line.as_ref())?;
        Ok(())
    }

    /// Tells every event of the last entry.
    fn tell_events(&mut self) -> Result<()> {
        for e in self.sim.events.clone() {
            self.say(format!("  event: {}", describe(&e)))?;
        }
        Ok(())
    }

    /// Applies a command the story expects to succeed.
    fn ok(&mut self, command: impl Into<Command>) -> Result<Response> {
        let command = command.into();
        self.sim
            .run(command.clone())
            .with_context(|| format!("{command:?} failed"))
    }

    /// Applies a command the story expects to be refused, and returns the error.
    fn fails(&mut self, command: impl Into<Command>) -> Result<Error> {
        let command = command.into();
        match self.sim.run(command.clone()) {
            Ok(r) => bail!("{command:?} should have been refused but answered {r:?}"),
            Err(e) => Ok(e),
        }
    }

    fn presence(&self, id: CharacterId) -> Result<Option<Presence>> {
        match self.sim.query(Query::Presence(PresenceQuery::Get { id }))? {
            QueryResponse::Presence(PresenceQueryResponse::Presence(p)) => Ok(p),
            other => bail!("a presence query answered {other:?}"),
        }
    }
}

/// Fails the story when `got` is not what it expects.
fn expect<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Result<()> {
    if got != want {
        bail!("{what}: expected {want:?}, got {got:?}");
    }
    Ok(())
}

/// Plays the whole story into `out`.
pub fn run(out: &mut dyn Write) -> Result<()> {
    let mut s = Story {
        sim: Sim::new(),
        out,
    };
    writeln!(
        s.out,
        "tavern scenario: the state machine in memory, time simulated from 2026-01-01"
    )?;
    realm_and_gateways(&mut s)?;
    accounts_and_characters(&mut s)?;
    logins(&mut s)?;
    presence_updates(&mut s)?;
    away(&mut s)?;
    second_login_kicks_the_first(&mut s)?;
    exactly_once(&mut s)?;
    social::friends_and_whispers(&mut s)?;
    social::a_custom_channel(&mut s)?;
    social::mail_with_cod(&mut s)?;
    social::an_arena_team(&mut s)?;
    gateway_lease_lapses(&mut s)?;
    rename_and_delete(&mut s)?;
    social::what_the_delete_took(&mut s)?;
    replay(&mut s)?;
    writeln!(
        s.out,
        "\nThe story held: every outcome was the expected one."
    )?;
    Ok(())
}

fn realm_and_gateways(s: &mut Story) -> Result<()> {
    s.chapter("A realm and two gateways")?;
    let realm = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    expect(
        "upsert realm",
        s.ok(RealmCommand::Upsert(realm))?,
        Response::Done,
    )?;
    s.say("realm 1 \"Lordaeron\" registered")?;
    for gateway in [NORTH, SOUTH] {
        let r = s.ok(PresenceCommand::RegisterGateway {
            gateway: gateway.into(),
            realm: 1,
        })?;
        let expires_ms = s.sim.now_ms + LEASE_MS;
        expect(
            "register gateway",
            r,
            Response::Presence(PresenceResponse::Lease { expires_ms }),
        )?;
        s.say(format!(
            "gateway {gateway} registered for realm 1, lease for {} s",
            LEASE_MS / 1000
        ))?;
    }
    Ok(())
}

fn accounts_and_characters(s: &mut Story) -> Result<()> {
    s.chapter("Two accounts and their characters")?;
    for (id, username) in [(1, "arthas"), (2, "jaina")] {
        s.ok(AccountCommand::Upsert {
            id,
            username: username.into(),
            locale: "enUS".into(),
        })?;
        s.say(format!("account {id} \"{username}\" created"))?;
    }
    // (id, account, name as typed, race, class): human paladin, human mage, dwarf warrior.
    for (id, account, name, race, class) in [
        (ARTHAS, 1, "arthas", 1, 2),
        (JAINA, 2, "JAINA", 1, 8),
        (MURADIN, 1, "muradin", 3, 1),
    ] {
        let r = s.ok(create(id, account, name, race, class))?;
        let stored = normalized(name);
        expect(
            "create character",
            r,
            Response::Character(CharacterResponse::Named {
                id,
                name: stored.clone(),
            }),
        )?;
        s.say(format!(
            "character {id} created on account {account} as {name:?} -> stored as {stored:?}"
        ))?;
    }
    let e = s.fails(create(CharacterId::new(1, 9), 2, "ARTHAS", 1, 2))?;
    expect(
        "duplicate name",
        e.clone(),
        Error::Character(CharacterResult::CreateNameInUse),
    )?;
    s.say(format!("a second \"ARTHAS\" is refused: {e}"))
}

fn logins(s: &mut Story) -> Result<()> {
    s.chapter("Arthas and Jaina log in")?;
    for (id, gateway) in [(ARTHAS, NORTH), (JAINA, SOUTH)] {
        let r = s.ok(login(id, gateway, 1519))?;
        expect(
            "login",
            r,
            Response::Presence(PresenceResponse::LoggedIn { kicked: None }),
        )?;
        let online = match s.sim.events.as_slice() {
            [Event::Presence(PresenceEvent::Online { presence, .. })] => presence.clone(),
            other => bail!("login of {id}: expected one Online event, got {other:?}"),
        };
        expect(
            "online id",
            (online.id, online.gateway.as_str()),
            (id, gateway),
        )?;
        s.say(format!("{} logs in through {gateway}", online.name))?;
        s.tell_events()?;
    }
    Ok(())
}

fn presence_updates(s: &mut Story) -> Result<()> {
    s.chapter("A gateway's batched presence update")?;
    let moved = PresenceUpdate {
        id: ARTHAS,
        zone: Some(DALARAN),
        area: Some(DALARAN),
        map: Some(571),
        ..Default::default()
    };
    // Jaina is online through the other gateway: this gateway may not move her.
    let foreign = PresenceUpdate {
        id: JAINA,
        zone: Some(12),
        ..Default::default()
    };
    let r = s.ok(PresenceCommand::Update {
        gateway: NORTH.into(),
        updates: vec![moved, foreign],
    })?;
    expect(
        "update batch",
        r,
        Response::Presence(PresenceResponse::Updated {
            applied: 1,
            skipped: 1,
        }),
    )?;
    s.say(format!(
        "{NORTH} sends 2 updates: Arthas moves to Dalaran, Jaina's is skipped (she is on {SOUTH})"
    ))?;
    s.tell_events()?;
    let zones = (
        s.presence(ARTHAS)?.map(|p| p.zone),
        s.presence(JAINA)?.map(|p| p.zone),
    );
    expect("zones after update", zones, (Some(DALARAN), Some(1519)))
}

fn away(s: &mut Story) -> Result<()> {
    s.chapter("Jaina goes AFK")?;
    expect(
        "set AFK",
        s.ok(PresenceCommand::SetAwayStatus {
            id: JAINA,
            afk: true,
            dnd: false,
        })?,
        Response::Done,
    )?;
    expect(
        "status event",
        s.sim.events.clone(),
        vec![Event::Presence(PresenceEvent::Status {
            id: JAINA,
            status: 3,
            notify: vec![],
        })],
    )?;
    s.say("Jaina is AFK: friend status 3 (online 1 | AFK 2)")?;
    s.tell_events()
}

fn second_login_kicks_the_first(s: &mut Story) -> Result<()> {
    s.chapter("A second login on the same account")?;
    let r = s.ok(login(MURADIN, NORTH, 1537))?;
    expect(
        "login of Muradin",
        r,
        Response::Presence(PresenceResponse::LoggedIn {
            kicked: Some(ARTHAS),
        }),
    )?;
    s.say("account 1 logs in Muradin while Arthas is online: Arthas is kicked")?;
    match s.sim.events.as_slice() {
        [Event::Presence(PresenceEvent::Offline {
            id: ARTHAS,
            reason: OfflineReason::Kicked,
            ..
        }), Event::Presence(PresenceEvent::Online { presence, .. })]
            if presence.id == MURADIN => {}
        other => bail!("expected Arthas kicked then Muradin online, got {other:?}"),
    }
    s.tell_events()?;
    let online = (
        s.presence(ARTHAS)?.is_some(),
        s.presence(MURADIN)?.is_some(),
    );
    expect(
        "online after the kick (Arthas, Muradin)",
        online,
        (false, true),
    )
}

fn exactly_once(s: &mut Story) -> Result<()> {
    s.chapter("An exactly-once retry")?;
    let request = RequestId {
        client: 42,
        seq: 1,
        ack_below: 0,
    };
    let thrall = create(THRALL, 2, "thrall", 2, 7);
    let first = s.sim.run_once(request, thrall.clone());
    let named = Ok(Response::Character(CharacterResponse::Named {
        id: THRALL,
        name: "Thrall".into(),
    }));
    expect("first try", first.response.clone(), named.clone())?;
    s.say(format!(
        "client 42 sends request 1: create Thrall -> {} writes, {} event(s)",
        first.mutations.len(),
        first.events.len()
    ))?;
    let retry = s.sim.run_once(request, thrall.clone());
    expect("retry answer", retry.response.clone(), named)?;
    expect(
        "retry effects (writes, events)",
        (retry.mutations.len(), retry.events.len()),
        (0, 0),
    )?;
    s.say("the answer is lost; the client retries request 1: same answer, from the session")?;
    s.say("  0 writes, 0 events: Thrall was created once")?;
    let again = s.fails(thrall)?;
    expect(
        "the same create without a request id",
        again.clone(),
        Error::already_exists("character 1:4"),
    )?;
    s.say(format!(
        "the same command without a request id is a new write: {again}"
    ))
}

fn gateway_lease_lapses(s: &mut Story) -> Result<()> {
    s.chapter("A gateway's lease lapses")?;
    s.sim.advance(10_000);
    let r = s.ok(PresenceCommand::RenewGateway {
        gateway: SOUTH.into(),
    })?;
    let south_expires = s.sim.now_ms + LEASE_MS;
    expect(
        "renew",
        r,
        Response::Presence(PresenceResponse::Lease {
            expires_ms: south_expires,
        }),
    )?;
    s.say(format!("{SOUTH} renews its lease; {NORTH} has gone silent"))?;
    s.sim.advance(6_000);
    let r = s.ok(PresenceCommand::ExpireGateways)?;
    expect(
        "expire gateways",
        r,
        Response::Presence(PresenceResponse::GatewaysExpired {
            gateways: vec![NORTH.into()],
            characters: 1,
        }),
    )?;
    s.say(format!(
        "the leader sweeps lapsed leases: {NORTH} is dropped with its 1 character"
    ))?;
    s.tell_events()?;
    let online = (
        s.presence(MURADIN)?.map(|p| p.gateway),
        s.presence(JAINA)?.map(|p| p.gateway),
    );
    expect(
        "presence after the sweep (Muradin, Jaina)",
        online,
        (None, Some(SOUTH.to_string())),
    )?;
    s.say(format!(
        "Muradin is offline; Jaina, on {SOUTH}, is still online"
    ))?;
    let e = s.fails(login(ARTHAS, NORTH, 1519))?;
    expect(
        "login through the lost gateway",
        e.clone(),
        Error::UnknownGateway {
            gateway: NORTH.into(),
        },
    )?;
    s.say(format!("a login through {NORTH} is refused: {e}"))
}

fn rename_and_delete(s: &mut Story) -> Result<()> {
    s.chapter("A rename and a delete")?;
    let r = s.ok(CharacterCommand::Rename {
        id: ARTHAS,
        name: "lichking".into(),
    })?;
    expect(
        "rename",
        r,
        Response::Character(CharacterResponse::Named {
            id: ARTHAS,
            name: "Lichking".into(),
        }),
    )?;
    expect(
        "rename event",
        s.sim.events.clone(),
        vec![Event::Character(CharacterEvent::Renamed {
            id: ARTHAS,
            old_name: "Arthas".into(),
            new_name: "Lichking".into(),
        })],
    )?;
    s.say("Arthas (offline) is renamed")?;
    s.tell_events()?;
    let e = s.fails(CharacterCommand::Delete { id: JAINA })?;
    expect(
        "delete online",
        e.clone(),
        Error::Character(CharacterResult::DeleteFailed),
    )?;
    s.say(format!(
        "deleting Jaina while she is online is refused: {e}"
    ))?;
    expect(
        "delete Muradin",
        s.ok(CharacterCommand::Delete { id: MURADIN })?,
        Response::Done,
    )?;
    s.say("Muradin (offline) is deleted")?;
    s.tell_events()?;
    let q = Query::Character(CharacterQuery::ByName {
        realm: 1,
        name: "muradin".into(),
    });
    expect(
        "lookup of the deleted name",
        s.sim.query(q)?,
        QueryResponse::Character(CharacterQueryResponse::Character(None)),
    )?;
    s.say("the name \"Muradin\" no longer resolves")
}

/// Determinism: the log replayed into an empty state gives the same bytes.
fn replay(s: &mut Story) -> Result<()> {
    s.chapter("Replaying the log")?;
    let mut fresh = Sim::new();
    for entry in s.sim.log.clone() {
        fresh.apply_entry(entry);
    }
    let (original, replayed) = (s.sim.state.digest(), fresh.state.digest());
    expect("state digest after replay", replayed, original)?;
    s.say(format!(
        "{} entries replayed into an empty state: same {} records, digest {original:016x}",
        s.sim.log.len(),
        fresh.state.len()
    ))
}

fn create(id: CharacterId, account: u32, name: &str, race: u8, class: u8) -> CharacterCommand {
    CharacterCommand::Create {
        id,
        account,
        name: name.into(),
        race,
        class,
        gender: 0,
        level: 80,
    }
}

fn login(id: CharacterId, gateway: &str, zone: u32) -> PresenceCommand {
    PresenceCommand::Login(Login {
        id,
        gateway: gateway.into(),
        zone,
        area: zone,
        map: 0,
        level: 80,
        guild_id: 0,
        worldserver: Some("ws-1".into()),
    })
}

/// "Xxxx", as the state machine stores names.
fn normalized(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_holds_and_tells_every_chapter() {
        let mut out = Vec::new();
        let result = run(&mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(result.is_ok(), "{result:?}\n{text}");
        for line in [
            "== A realm and two gateways ==",
            "event: Arthas (1:1) online via gw-north in zone 1519, 0 friend(s) told",
            "event: Arthas (1:1) offline from gw-north, reason Kicked, 0 friend(s) told",
            "0 writes, 0 events: Thrall was created once",
            "event: gateway gw-north lost with 1 character(s)",
            "event: Arthas (1:1) renamed to Lichking",
            "each time Muradin is told, through his gateway",
            "his whisper now gets \"player not found\"",
            "he cannot come back: channel: Banned (code 0x13)",
            "payment mail 2 goes to Muradin",
            "already applied, ratings unchanged",
            "Jaina is now captain of Violet Guard",
            "The story held",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }

    #[test]
    fn a_wrong_outcome_stops_the_story() {
        let e = expect("a step", 1, 2).expect_err("1 is not 2");
        assert_eq!(e.to_string(), "a step: expected 2, got 1");
    }

    #[test]
    fn names_are_normalized_like_the_state_machine() {
        assert_eq!(normalized("JAINA"), "Jaina");
        assert_eq!(normalized("muradin"), "Muradin");
        assert_eq!(normalized(""), "");
    }
}
