//! The tavern side of the benchmark: the bench population (a realm, accounts, characters),
//! and the `write`, `read-linearizable` and `read-stale` workers, all through
//! `tavern-gateway`'s [`Client`].
//!
//! **The write.** The cheapest tavern write that carries a 256-byte payload is a mail: the
//! only record with a free-form field that long (the body, up to 8000 bytes; a friend note
//! holds 48 characters, a channel password 32). `write` sends it from a creature (a
//! non-player sender pays no postage and has no sender to look up, no delivery delay, no COD)
//! to the bench's characters in turn. State stays bounded over long runs: each client owns
//! its receivers, remembers the mails it sent each one, and once a mailbox holds
//! [`MAILBOX_KEEP`] of them deletes the oldest before sending again (a `delete_mail`
//! operation, reported on its own line). The population is `population` characters of the
//! bench realm [`BENCH_REALM`]; a run against an existing cluster deletes its characters at
//! the end (which deletes their mail too).
//!
//! **The reads.** `read-linearizable` and `read-stale` read one of the 256-byte mails (one per
//! character, sent during set-up) by id: `GetMail` at `LINEARIZABLE` (the leader, after a
//! ReadIndex round) or `STALE(max_ms)`; stale readers are spread over the nodes (client `i`
//! talks only to node `i mod n`), as etcd's client spreads serializable gets.

use std::collections::VecDeque;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use tavern_gateway::prelude::*;
use tavern_gateway::{Client, ClientOptions, Error, NewCharacter, ReadLevel};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::mail::{
    stationery, MailCommand, MailQuery, MailQueryResponse, MailResponse, MailSender, SendMail,
};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::{
    AccountId, CharacterId, Command, MailId, Query, QueryResponse, RealmId, Response,
};

use super::report::Step;
use super::runner::Worker;

/// The realm the bench's characters live in (created if missing, named [`BENCH_REALM_NAME`]).
pub const BENCH_REALM: RealmId = 990;
pub const BENCH_REALM_NAME: &str = "Bench";
/// The creature entry that sends the bench's mail.
pub const BENCH_CREATURE: u32 = 34_337;
/// Mails of one writer kept in one mailbox before it deletes the oldest (the game's cap is
/// `MAILBOX_MAILS_MAX` = 100).
pub const MAILBOX_KEEP: usize = 90;
/// Characters per bench account: one, since an account has one character online at a time
/// (a login kicks the other) and `social-mix` logs in half of the population.
pub const CHARACTERS_PER_ACCOUNT: usize = 1;
/// The largest population: ids and names are derived from a run number and the index.
pub const POPULATION_MAX: usize = 100_000;
/// Run numbers are drawn below this, so that `run * POPULATION_MAX + i` fits a `u32` id.
pub const RUNS_MAX: u32 = (u32::MAX as usize / POPULATION_MAX) as u32 - 1;
/// Set-up writes in flight at once.
pub const SETUP_CONCURRENCY: usize = 32;

/// An error's kind as the report groups it: the `Error` variant, and for a domain error the
/// domain error's variant too.
pub fn error_kind(e: &Error) -> String {
    let variant = |debug: String| {
        debug
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    match e {
        Error::Domain(d) => format!("Domain/{}", variant(format!("{d:?}"))),
        other => variant(format!("{other:?}")),
    }
}

fn failed(op: &'static str, e: &Error) -> Step {
    Step::failed(op, error_kind(e), e)
}

/// The bench's characters of one run: ids, accounts and names derived from the run number.
#[derive(Debug, Clone)]
pub struct Population {
    pub run: u32,
    pub size: usize,
}

impl Population {
    /// A population of `size` with a random run number (a second run against the same
    /// cluster uses other ids and names).
    pub fn new(size: usize) -> anyhow::Result<Population> {
        if size == 0 || size > POPULATION_MAX {
            bail!("--population must be in 1..={POPULATION_MAX}, not {size}");
        }
        Ok(Population {
            run: rand::thread_rng().gen_range(0..RUNS_MAX),
            size,
        })
    }

    pub fn character(&self, i: usize) -> CharacterId {
        CharacterId {
            realm: BENCH_REALM,
            low: (self.run as usize * POPULATION_MAX + i + 1) as u32,
        }
    }

    /// Human (Alliance) or Orc (Horde): pairs of characters alternate, so that both factions
    /// have online characters (even indexes) and offline ones.
    pub fn race(&self, i: usize) -> u8 {
        if i % 4 < 2 {
            1
        } else {
            2
        }
    }

    pub fn account(&self, i: usize) -> AccountId {
        let per_run = POPULATION_MAX / CHARACTERS_PER_ACCOUNT;
        (self.run as usize * per_run + i / CHARACTERS_PER_ACCOUNT + 1) as AccountId
    }

    /// A letters-only name (the game's rule), unique per run and index: "B" + the run number
    /// and the index in base 26.
    pub fn name(&self, i: usize) -> String {
        fn letters(mut n: usize, width: usize, out: &mut String) {
            let mut s = vec![b'a'; width];
            for slot in s.iter_mut().rev() {
                *slot = b'a' + (n % 26) as u8;
                n /= 26;
            }
            out.push_str(&String::from_utf8_lossy(&s));
        }
        let mut name = String::from("B");
        letters(self.run as usize, 4, &mut name);
        letters(i, 4, &mut name);
        name
    }

    /// Creates the realm (if missing), the accounts and the characters, `SETUP_CONCURRENCY`
    /// writes at a time.
    pub async fn create(&self, client: &Client) -> anyhow::Result<()> {
        client
            .upsert_realm(Realm {
                id: BENCH_REALM,
                name: BENCH_REALM_NAME.into(),
                cross_realm: false,
            })
            .await
            .context("creating the bench realm")?;
        let accounts = self.size.div_ceil(CHARACTERS_PER_ACCOUNT);
        let this = self.clone();
        for_each_concurrently(accounts, client, move |client, a| {
            let this = this.clone();
            async move {
                let id = this.account(a * CHARACTERS_PER_ACCOUNT);
                client
                    .upsert_account(id, format!("BENCH{}", id), "enUS".into())
                    .await
                    .with_context(|| format!("creating account {id}"))
            }
        })
        .await?;
        let this = self.clone();
        for_each_concurrently(self.size, client, move |client, i| {
            let this = this.clone();
            async move {
                let account = this.account(i);
                client
                    .create_character(NewCharacter {
                        id: this.character(i),
                        account,
                        name: this.name(i),
                        race: this.race(i),
                        class: 1,
                        gender: 0,
                        level: 80,
                    })
                    .await
                    .with_context(|| format!("creating character {}", this.name(i)))
                    .map(|_| ())
            }
        })
        .await
    }

    /// Deletes the characters (and with them their mail, friends, channel memberships).
    /// Accounts and the realm stay: they are a few bytes each.
    pub async fn delete(&self, client: &Client) -> anyhow::Result<()> {
        let this = self.clone();
        for_each_concurrently(self.size, client, move |client, i| {
            let id = this.character(i);
            async move {
                client
                    .write(Command::Character(CharacterCommand::Delete { id }))
                    .await
                    .with_context(|| format!("deleting character {id}"))
                    .map(|_| ())
            }
        })
        .await
    }
}

/// Runs `f(client, i)` for every `i` in `0..n`, [`SETUP_CONCURRENCY`] at a time; the first
/// error ends it.
pub async fn for_each_concurrently<F, Fut>(n: usize, client: &Client, f: F) -> anyhow::Result<()>
where
    F: Fn(Client, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let client = client.clone();
    for_each_concurrently_with(n, move |i| f(client.clone(), i)).await
}

/// Runs `f(i)` for every `i` in `0..n`, [`SETUP_CONCURRENCY`] at a time; the first error
/// ends it.
pub async fn for_each_concurrently_with<F, Fut>(n: usize, f: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let f = Arc::new(f);
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..SETUP_CONCURRENCY.min(n) {
        let f = f.clone();
        tasks.spawn(async move {
            let mut i = lane;
            while i < n {
                f(i).await?;
                i += SETUP_CONCURRENCY;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.context("a set-up task failed")??;
    }
    Ok(())
}

/// A creature's mail to `receiver` with a body of `value_bytes`.
pub fn bench_mail(receiver: CharacterId, body: &str) -> SendMail {
    SendMail {
        sender: MailSender::Creature(BENCH_CREATURE),
        receiver,
        subject: "bench".into(),
        body: body.to_string(),
        money: 0,
        cod: 0,
        items: Vec::new(),
        stationery: stationery::DEFAULT,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

/// A printable body of exactly `bytes` bytes.
pub fn payload(bytes: usize) -> String {
    "tavern bench payload; "
        .chars()
        .cycle()
        .take(bytes)
        .collect()
}

/// A new client of `endpoints` for one bench client.
pub fn connect(endpoints: &[String]) -> anyhow::Result<Client> {
    Client::connect(endpoints, ClientOptions::default()).context("bad --endpoints")
}

/// `write`: sends mail to its receivers in turn, deleting the oldest once a box holds
/// [`MAILBOX_KEEP`].
#[derive(Debug)]
pub struct MailWriter {
    client: Client,
    receivers: Vec<CharacterId>,
    boxes: Vec<VecDeque<MailId>>,
    next: usize,
    body: String,
}

impl MailWriter {
    /// Writer `index` of `count`: receivers `index, index + count, ...` of the population.
    pub fn new(
        client: Client,
        population: &Population,
        index: usize,
        count: usize,
        body: String,
    ) -> MailWriter {
        let receivers: Vec<CharacterId> = (index..population.size)
            .step_by(count.max(1))
            .map(|i| population.character(i))
            .collect();
        MailWriter {
            client,
            boxes: vec![VecDeque::new(); receivers.len()],
            receivers,
            next: 0,
            body,
        }
    }
}

impl Worker for MailWriter {
    async fn step(&mut self) -> Step {
        let Some(&receiver) = self.receivers.get(self.next) else {
            return Step::failed(
                "send_mail",
                "no receiver",
                "the population has no character for this client",
            );
        };
        let slot = self.next;
        if self.boxes[slot].len() >= MAILBOX_KEEP {
            let Some(&oldest) = self.boxes[slot].front() else {
                return Step::ok("delete_mail");
            };
            let delete = MailCommand::Delete {
                player: receiver,
                mail: oldest,
            };
            return match self.client.write(Command::Mail(delete)).await {
                Ok(_) => {
                    self.boxes[slot].pop_front();
                    Step::ok("delete_mail")
                }
                Err(e) => failed("delete_mail", &e),
            };
        }
        self.next = (self.next + 1) % self.receivers.len();
        match self
            .client
            .write(Command::Mail(MailCommand::Send(bench_mail(
                receiver, &self.body,
            ))))
            .await
        {
            Ok(w) => match w.response {
                Response::Mail(MailResponse::Sent { mail, .. }) => {
                    self.boxes[slot].push_back(mail);
                    Step::ok("send_mail")
                }
                other => Step::failed("send_mail", "unexpected answer", format!("{other:?}")),
            },
            Err(e) => failed("send_mail", &e),
        }
    }
}

/// Sends one mail to each character of the population; answers their ids (what the readers
/// read).
pub async fn mails_to_read(
    client: &Client,
    population: &Population,
    body: &str,
) -> anyhow::Result<Vec<MailId>> {
    let ids = Arc::new(std::sync::Mutex::new(vec![0; population.size]));
    let (p, b, out) = (population.clone(), body.to_string(), ids.clone());
    for_each_concurrently(population.size, client, move |client, i| {
        let mail = bench_mail(p.character(i), &b);
        let out = out.clone();
        async move {
            let sent = client
                .send_mail(mail)
                .await
                .context("sending a mail to read")?;
            if let MailResponse::Sent { mail, .. } = sent {
                if let Some(slot) = out
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_mut(i)
                {
                    *slot = mail;
                }
            }
            Ok(())
        }
    })
    .await?;
    let ids = ids
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    Ok(ids)
}

/// Waits until every node applied what was written so far (a write, then an `AT_LEAST` read
/// of its index on each node), so that stale reads of the set-up mails find them.
pub async fn sync_all(client: &Client, endpoints: &[String]) -> anyhow::Result<()> {
    let mark = client
        .write(Command::Realm(
            tavern_statemachine::realm::RealmCommand::Upsert(Realm {
                id: BENCH_REALM,
                name: BENCH_REALM_NAME.into(),
                cross_realm: false,
            }),
        ))
        .await
        .context("writing the set-up mark")?;
    for e in endpoints {
        connect(std::slice::from_ref(e))?
            .read_at(
                Query::Realm(tavern_statemachine::realm::RealmQuery::Get { id: BENCH_REALM }),
                ReadLevel::AtLeast {
                    index: mark.applied_index,
                },
            )
            .await
            .with_context(|| format!("{e} did not catch up with the set-up"))?;
    }
    Ok(())
}

/// `read-linearizable` / `read-stale`: `GetMail` of a random mail of the set-up.
#[derive(Debug)]
pub struct MailReader {
    client: Client,
    mails: Arc<Vec<MailId>>,
    level: ReadLevel,
    rng: SmallRng,
    op: &'static str,
}

impl MailReader {
    pub fn new(client: Client, mails: Arc<Vec<MailId>>, level: ReadLevel) -> MailReader {
        let op = match level {
            ReadLevel::Stale { .. } => "get_mail (stale)",
            _ => "get_mail (linearizable)",
        };
        MailReader {
            client,
            mails,
            level,
            rng: SmallRng::from_entropy(),
            op,
        }
    }
}

impl Worker for MailReader {
    async fn step(&mut self) -> Step {
        if self.mails.is_empty() {
            return Step::failed(self.op, "no mail", "nothing to read");
        }
        let mail = self.mails[self.rng.gen_range(0..self.mails.len())];
        let query = Query::Mail(MailQuery::Get {
            realm: BENCH_REALM,
            mail,
        });
        match self.client.read_at(query, self.level).await {
            Ok(s) => match s.response {
                QueryResponse::Mail(MailQueryResponse::Mail(Some(_))) => Step::ok(self.op),
                other => Step::failed(self.op, "unexpected answer", format!("{other:?}")),
            },
            Err(e) => failed(self.op, &e),
        }
    }
}
