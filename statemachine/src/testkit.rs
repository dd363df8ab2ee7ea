//! A small in-memory driver for tests, examples and the in-memory scenario: it stamps time,
//! applies entries to a [`MemView`], keeps the log, and has shorthands for the usual set-up.
//! It is part of the public API so other crates' tests can use the same driver.

use crate::apply::{apply, Applied};
use crate::character::CharacterCommand;
use crate::command::{Command, Response};
use crate::entry::Entry;
use crate::error::Error;
use crate::event::Event;
use crate::ids::{AccountId, CharacterId, RealmId, RequestId};
use crate::presence::{Login, PresenceCommand};
use crate::query::{query, Query, QueryResponse};
use crate::view::MemView;

/// 2026-01-01T00:00:00Z, the default start of simulated time.
pub const EPOCH_MS: u64 = 1_767_225_600_000;

/// Races per faction used by the shorthands.
pub const HUMAN: u8 = 1;
pub const ORC: u8 = 2;
pub const WARRIOR: u8 = 1;

#[derive(Debug, Clone)]
pub struct Sim {
    pub state: MemView,
    pub now_ms: u64,
    /// Every entry applied, in order: replaying it into a fresh state gives the same bytes.
    pub log: Vec<Entry>,
    /// Events of the last entry.
    pub events: Vec<Event>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim {
            state: MemView::new(),
            now_ms: EPOCH_MS,
            log: Vec::new(),
            events: Vec::new(),
        }
    }
}

impl Sim {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves simulated time forward.
    pub fn advance(&mut self, ms: u64) {
        self.now_ms += ms;
    }

    /// Applies an entry, keeping its mutations and events. Panics on a fatal error: the
    /// in-memory state never has one.
    pub fn apply_entry(&mut self, entry: Entry) -> Applied {
        let applied = apply(&self.state, &entry).expect("in-memory apply is never fatal");
        self.state.write(&applied.mutations);
        self.events = applied.events.clone();
        self.log.push(entry);
        applied
    }

    /// Applies a command at the current time and returns its response.
    pub fn run(&mut self, command: impl Into<Command>) -> Result<Response, Error> {
        let entry = Entry::new(self.now_ms, command.into());
        self.apply_entry(entry).response
    }

    /// Applies a command with a request id.
    pub fn run_once(&mut self, request: RequestId, command: impl Into<Command>) -> Applied {
        let entry = Entry::new(self.now_ms, command.into()).with_request(request);
        self.apply_entry(entry)
    }

    /// Applies a command that must succeed.
    #[track_caller]
    pub fn ok(&mut self, command: impl Into<Command>) -> Response {
        let command = command.into();
        match self.run(command.clone()) {
            Ok(r) => r,
            Err(e) => panic!("{command:?} failed: {e}"),
        }
    }

    /// Applies a command that must fail, and returns its error.
    #[track_caller]
    pub fn err(&mut self, command: impl Into<Command>) -> Error {
        let command = command.into();
        match self.run(command.clone()) {
            Ok(r) => panic!("{command:?} should have failed but answered {r:?}"),
            Err(e) => e,
        }
    }

    pub fn query(&self, q: Query) -> Result<QueryResponse, Error> {
        query(&self.state, self.now_ms, &q)
    }

    /// Registers a realm.
    pub fn realm(&mut self, id: RealmId) {
        self.ok(crate::realm::RealmCommand::Upsert(crate::realm::Realm {
            id,
            name: format!("Realm{id}"),
            cross_realm: id == 0,
        }));
    }

    /// Creates an account `id` named `acct<id>`.
    pub fn account(&mut self, id: AccountId) {
        self.ok(crate::account::AccountCommand::Upsert {
            id,
            username: format!("acct{id}"),
            locale: "enUS".into(),
        });
    }

    /// Creates a level 80 character; `race` picks the faction.
    pub fn character(&mut self, id: CharacterId, account: AccountId, name: &str, race: u8) {
        self.ok(CharacterCommand::Create {
            id,
            account,
            name: name.into(),
            race,
            class: WARRIOR,
            gender: 0,
            level: 80,
        });
    }

    /// Registers (or renews) a gateway for a realm.
    pub fn gateway(&mut self, gateway: &str, realm: RealmId) {
        self.ok(PresenceCommand::RegisterGateway {
            gateway: gateway.into(),
            realm,
        });
    }

    /// Logs a character in through a gateway, at level 80 in zone 1.
    pub fn login(&mut self, id: CharacterId, gateway: &str) {
        self.ok(PresenceCommand::Login(Login {
            id,
            gateway: gateway.into(),
            zone: 1,
            area: 1,
            map: 0,
            level: 80,
            guild_id: 0,
            worldserver: None,
        }));
    }

    pub fn logout(&mut self, id: CharacterId, gateway: &str) {
        self.ok(PresenceCommand::Logout {
            id,
            gateway: gateway.into(),
        });
    }

    /// Realm 1 with gateway "gw1", and `n` alliance characters `1..=n` (accounts `1..=n`),
    /// named "Alice", "Bob", ... (then "Charn" style names), all logged out.
    pub fn world(n: u32) -> Sim {
        let mut sim = Sim::new();
        sim.realm(1);
        sim.gateway("gw1", 1);
        for i in 1..=n {
            sim.account(i);
            sim.character(CharacterId::new(1, i), i, &name_of(i), HUMAN);
        }
        sim
    }
}

/// The name `Sim::world` gives character `i`.
pub fn name_of(i: u32) -> String {
    const NAMES: [&str; 8] = [
        "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
    ];
    match NAMES.get(i as usize - 1) {
        Some(n) => n.to_string(),
        None => {
            // Letters only: encode i in base 26.
            let mut s = String::from("Char");
            let mut v = i;
            while v > 0 {
                s.push((b'a' + (v % 26) as u8) as char);
                v /= 26;
            }
            s
        }
    }
}
