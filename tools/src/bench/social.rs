//! `social-mix`: the operations of a busy game cluster at their relative steady-state rates
//! (DOMAIN.md section 4, the middle of each range at 10k players), each client playing the
//! gateway of its own share of the population.
//!
//! The world set up first: [`GATEWAYS`] gateways registered for the bench realm; every
//! character in the population; half of them logged in, each in "Trade - City" and its
//! zone's "General" channel; [`FRIENDS_PER_CHARACTER`] friends each (same faction). Client
//! `i` owns characters `i, i + clients, ...` and knows which are online, which channels they
//! are in and which mail they hold, so each operation it picks is one the game would send
//! (a whisper to an online character, a take on a mail that exists) and none fails by design.
//!
//! | operation | rate /s | call |
//! |---|---|---|
//! | name query by GUID | 200 | `GetCharacter` (stale) |
//! | system channel churn | 105 | `JoinChannel` / `LeaveChannel` "General - <zone>" |
//! | whisper lookup | 55 | `ResolveWhisper` (linearizable) |
//! | online lookup | 40 | `GetOnlineByName` (stale) |
//! | channel speak check | 25 | `CheckChannelSpeak` "Trade - City" (stale) |
//! | idempotent re-join | 12 | `JoinChannel` "Trade - City" (already a member) |
//! | mail list | 12 | `ListMails` (linearizable) |
//! | mail take / delete | 10 | `TakeMailMoney` / `DeleteMail` |
//! | mail send (player 2, auction 6) | 8 | `SendMail` |
//! | presence update (1 s batches) | 6 | `UpdatePresence` of 5 characters |
//! | /who | 3.5 | `Who` (stale) |
//! | friend list | 3 | `GetFriendList` (linearizable) |
//! | custom channel join/leave | 3 | `JoinChannel` / `LeaveChannel` of a custom channel |
//! | login, logout | 1.5 each | `Login` / `Logout` |
//! | friend add/remove | 1.25 | `AddFriend` / `RemoveFriend` |
//!
//! Left out of this first version: channel moderation (< 0.1/s), arena (team admin and match
//! results, 0.5-3/s), the hourly sweeps, gateway crashes and login storms. Gateway leases are
//! renewed by whichever client notices first that [`RENEW_EVERY_MS`] passed (`renew_gateway`).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use tavern_gateway::{Client, ReadLevel};
use tavern_statemachine::channel::{ChannelCommand, ChannelQuery};
use tavern_statemachine::character::CharacterQuery;
use tavern_statemachine::mail::{MailCommand, MailQuery, MailResponse, MailSender};
use tavern_statemachine::presence::{Login, PresenceCommand, PresenceQuery, PresenceUpdate, Who};
use tavern_statemachine::social::{SocialCommand, SocialQuery};
use tavern_statemachine::{CharacterId, Command, MailId, Query, Response};

use super::report::Step;
use super::runner::Worker;
use super::tavern::{bench_mail, error_kind, for_each_concurrently, Population, BENCH_REALM};

/// What the report says about this workload.
pub const NOTE: &str =
    "social-mix = DOMAIN.md section 4 steady-state mix (see tools/src/bench/social.rs); \
     FOL reads at STALE(1000 ms), the others linearizable";
/// Gateways the population is spread over.
pub const GATEWAYS: usize = 3;
/// Friends each character gets at set-up.
pub const FRIENDS_PER_CHARACTER: usize = 5;
/// How often gateway leases are renewed (the default lease is 15 s).
pub const RENEW_EVERY_MS: u64 = 5_000;
/// Characters in one presence update batch.
pub const PRESENCE_BATCH: usize = 5;
/// The staleness bound of follower-safe reads.
pub const FOL_STALE_MS: u64 = 1_000;
/// Zones the characters move between ("General - <zone>").
pub const ZONES: [&str; 8] = [
    "Dalaran",
    "Icecrown",
    "Wintergrasp",
    "Sholazar Basin",
    "Orgrimmar",
    "Stormwind City",
    "Dragonblight",
    "Storm Peaks",
];
pub const TRADE: &str = "Trade - City";
const GENERAL_ID: u32 = 1;
const TRADE_ID: u32 = 2;

/// The operations, with their steady rates per second at 10k players (DOMAIN.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    NameQuery,
    ZoneChurn,
    Whisper,
    OnlineLookup,
    SpeakCheck,
    Rejoin,
    MailList,
    MailTake,
    MailSend,
    PresenceUpdate,
    Who,
    FriendList,
    CustomChannel,
    Login,
    Logout,
    Friend,
}

const MIX: [(Op, f64); 16] = [
    (Op::NameQuery, 200.0),
    (Op::ZoneChurn, 105.0),
    (Op::Whisper, 55.0),
    (Op::OnlineLookup, 40.0),
    (Op::SpeakCheck, 25.0),
    (Op::Rejoin, 12.0),
    (Op::MailList, 12.0),
    (Op::MailTake, 10.0),
    (Op::MailSend, 8.0),
    (Op::PresenceUpdate, 6.0),
    (Op::Who, 3.5),
    (Op::FriendList, 3.0),
    (Op::CustomChannel, 3.0),
    (Op::Login, 1.5),
    (Op::Logout, 1.5),
    (Op::Friend, 1.25),
];

/// What a client knows of one of its characters.
#[derive(Debug, Clone, Default)]
struct Mine {
    index: usize,
    online: bool,
    gateway: usize,
    zone: Option<usize>,
    in_trade: bool,
    in_custom: bool,
    extra_friend: Option<usize>,
    /// Mails it received from this client: id and whether money is still on it.
    mails: VecDeque<(MailId, bool)>,
}

/// The world of one run: population, gateways, and the renewal clock.
#[derive(Debug, Clone)]
pub struct World {
    population: Population,
    clients: usize,
    gateways: Vec<String>,
    last_renew: Arc<AtomicU64>,
    started: tokio::time::Instant,
}

fn login(id: CharacterId, gateway: &str, zone: usize) -> Command {
    Command::Presence(PresenceCommand::Login(Login {
        id,
        gateway: gateway.to_string(),
        zone: zone as u32 + 1,
        area: 1,
        map: 571,
        level: 80,
        guild_id: 0,
        worldserver: None,
    }))
}

fn join(id: CharacterId, name: &str, channel_id: u32) -> Command {
    Command::Channel(ChannelCommand::Join {
        id,
        name: name.to_string(),
        channel_id,
        password: String::new(),
    })
}

fn leave(id: CharacterId, name: &str) -> Command {
    Command::Channel(ChannelCommand::Leave {
        id,
        name: name.to_string(),
        channel_id: None,
    })
}

fn general(zone: usize) -> String {
    format!("General - {}", ZONES[zone % ZONES.len()])
}

/// Characters `i` and `j` are of one faction.
fn same_faction(p: &Population, i: usize, j: usize) -> bool {
    p.race(i) == p.race(j)
}

/// The `k`-th friend of character `i` at set-up, if there is one of its faction.
fn friend_of(p: &Population, i: usize, k: usize) -> Option<usize> {
    let j = (i + 4 * (k + 1)) % p.size;
    (j != i && same_faction(p, i, j)).then_some(j)
}

impl World {
    /// Sets up the world (see the module header) for `clients` clients.
    pub async fn create(
        client: &Client,
        population: &Population,
        clients: usize,
        err: &mut impl Write,
    ) -> anyhow::Result<World> {
        let gateways: Vec<String> = (0..GATEWAYS)
            .map(|g| format!("bench-{}-gw{g}", population.run))
            .collect();
        for g in &gateways {
            client
                .write(Command::Presence(PresenceCommand::RegisterGateway {
                    gateway: g.clone(),
                    realm: BENCH_REALM,
                }))
                .await?;
        }
        writeln!(
            err,
            "logging in half of the population, joining channels, adding friends"
        )?;
        let (p, gws) = (population.clone(), gateways.clone());
        for_each_concurrently(population.size, client, move |client, i| {
            let (p, gws) = (p.clone(), gws.clone());
            async move {
                let id = p.character(i);
                if i % 2 == 0 {
                    client.write(login(id, &gws[i % GATEWAYS], i)).await?;
                    client.write(join(id, TRADE, TRADE_ID)).await?;
                    client.write(join(id, &general(i), GENERAL_ID)).await?;
                }
                for k in 0..FRIENDS_PER_CHARACTER {
                    if let Some(j) = friend_of(&p, i, k) {
                        client
                            .write(Command::Social(SocialCommand::AddFriend {
                                owner: id,
                                name: p.name(j),
                                note: String::new(),
                            }))
                            .await?;
                    }
                }
                Ok(())
            }
        })
        .await?;
        Ok(World {
            population: population.clone(),
            clients,
            gateways,
            last_renew: Arc::new(AtomicU64::new(0)),
            started: tokio::time::Instant::now(),
        })
    }

    /// Logs out every online character of the population (before deleting them).
    pub async fn log_out_all(client: &Client, population: &Population) {
        let p = population.clone();
        let _ = for_each_concurrently(population.size, client, move |client, i| {
            let id = p.character(i);
            async move {
                let q = Query::Presence(PresenceQuery::Get { id });
                if let Ok(s) = client.read(q).await {
                    if let tavern_statemachine::QueryResponse::Presence(
                        tavern_statemachine::presence::PresenceQueryResponse::Presence(Some(pr)),
                    ) = s.response
                    {
                        let _ = client
                            .write(Command::Presence(PresenceCommand::Logout {
                                id,
                                gateway: pr.gateway,
                            }))
                            .await;
                    }
                }
                Ok(())
            }
        })
        .await;
    }

    /// The worker of client `index`, owning characters `index, index + clients, ...`.
    pub fn worker(&self, client: Client, index: usize) -> SocialWorker {
        let mine = (index..self.population.size)
            .step_by(self.clients.max(1))
            .map(|i| Mine {
                index: i,
                online: i % 2 == 0,
                gateway: i % GATEWAYS,
                zone: (i % 2 == 0).then_some(i),
                in_trade: i % 2 == 0,
                ..Mine::default()
            })
            .collect();
        let total: f64 = MIX.iter().map(|(_, r)| r).sum();
        SocialWorker {
            client,
            world: self.clone(),
            mine,
            rng: SmallRng::from_entropy(),
            total,
        }
    }
}

/// An operation `feasible` should have replaced (a bug of this module, reported as an error).
fn skipped(op: &'static str) -> Step {
    Step::failed(op, "skipped", "no character of this client can do it now")
}

/// One client of the social mix.
#[derive(Debug)]
pub struct SocialWorker {
    client: Client,
    world: World,
    mine: Vec<Mine>,
    rng: SmallRng,
    total: f64,
}

impl SocialWorker {
    fn pick_op(&mut self) -> Op {
        let mut x = self.rng.gen_range(0.0..self.total);
        for (op, rate) in MIX {
            if x < rate {
                return op;
            }
            x -= rate;
        }
        Op::NameQuery
    }

    /// `op`, or the operation a gateway would send instead when this client's characters
    /// cannot do it now (nobody online to whisper, no mail to take...).
    fn feasible(&mut self, op: Op) -> Op {
        let any_online = self.mine.iter().any(|m| m.online);
        let any_offline = self.mine.iter().any(|m| !m.online);
        let two_online = self.mine.iter().filter(|m| m.online).count() >= 2;
        match op {
            Op::Whisper if !two_online => Op::NameQuery,
            Op::SpeakCheck if !self.mine.iter().any(|m| m.online && m.in_trade) => {
                if any_online {
                    Op::Rejoin
                } else {
                    Op::Login
                }
            }
            Op::OnlineLookup
            | Op::Who
            | Op::ZoneChurn
            | Op::Rejoin
            | Op::CustomChannel
            | Op::Logout
            | Op::PresenceUpdate
                if !any_online =>
            {
                Op::Login
            }
            Op::Login if !any_offline => Op::Logout,
            Op::MailTake if self.mine.iter().all(|m| m.mails.is_empty()) => Op::MailList,
            op => op,
        }
    }

    /// A random owned character that is online (or offline), by position in `mine`.
    fn pick_mine(&mut self, online: bool) -> Option<usize> {
        self.pick_where(|m| m.online == online)
    }

    /// A random owned character for which `f` holds, by position in `mine`.
    fn pick_where(&mut self, f: impl Fn(&Mine) -> bool) -> Option<usize> {
        let n = self.mine.len();
        if n == 0 {
            return None;
        }
        let start = self.rng.gen_range(0..n);
        (0..n).map(|k| (start + k) % n).find(|&k| f(&self.mine[k]))
    }

    async fn write(&self, op: &'static str, command: Command) -> Result<Response, Step> {
        self.client
            .write(command)
            .await
            .map(|w| w.response)
            .map_err(|e| Step::failed(op, error_kind(&e), &e))
    }

    async fn read(&self, op: &'static str, query: Query, level: ReadLevel) -> Step {
        match self.client.read_at(query, level).await {
            Ok(_) => Step::ok(op),
            Err(e) => Step::failed(op, error_kind(&e), &e),
        }
    }

    /// Renews the gateways' leases when [`RENEW_EVERY_MS`] passed since the last renewal
    /// (one client does it).
    async fn renew_if_due(&self) -> Option<Step> {
        let now = self.world.started.elapsed().as_millis() as u64;
        let last = self.world.last_renew.load(Ordering::Relaxed);
        if now < last + RENEW_EVERY_MS
            || self
                .world
                .last_renew
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return None;
        }
        for g in &self.world.gateways {
            let renew = Command::Presence(PresenceCommand::RenewGateway { gateway: g.clone() });
            if let Err(s) = self.write("renew_gateway", renew).await {
                return Some(s);
            }
        }
        Some(Step::ok("renew_gateway"))
    }

    async fn op(&mut self, op: Op) -> Step {
        let p = self.world.population.clone();
        let fol = ReadLevel::Stale {
            max_ms: FOL_STALE_MS,
        };
        let lin = ReadLevel::Linearizable;
        let online = self.pick_mine(true);
        match op {
            Op::NameQuery => {
                let i = self.rng.gen_range(0..p.size);
                let q = Query::Character(CharacterQuery::Get { id: p.character(i) });
                self.read("name_query", q, fol).await
            }
            Op::Whisper | Op::OnlineLookup | Op::Who | Op::SpeakCheck => {
                let from = if op == Op::SpeakCheck {
                    self.pick_where(|m| m.online && m.in_trade)
                } else {
                    online
                };
                let Some(from) = from else {
                    return skipped("lookup");
                };
                let Some(to) = self
                    .pick_where(|m| m.online)
                    .filter(|&t| t != from || op != Op::Whisper)
                    .or_else(|| (0..self.mine.len()).find(|&t| t != from && self.mine[t].online))
                else {
                    return skipped("lookup");
                };
                let (from, to) = (p.character(self.mine[from].index), self.mine[to].index);
                match op {
                    Op::Whisper => {
                        let q = SocialQuery::ResolveWhisper {
                            from,
                            target: p.name(to),
                        };
                        self.read("whisper_lookup", Query::Social(q), lin).await
                    }
                    Op::OnlineLookup => {
                        let q = PresenceQuery::OnlineByName {
                            realm: BENCH_REALM,
                            name: p.name(to),
                        };
                        self.read("online_lookup", Query::Presence(q), fol).await
                    }
                    Op::Who => {
                        let q = PresenceQuery::Who(Who {
                            requester: from,
                            level_min: 70,
                            level_max: 80,
                            name: String::new(),
                            guild_id: None,
                            race_mask: 0,
                            class_mask: 0,
                            zones: Vec::new(),
                            strings: Vec::new(),
                        });
                        self.read("who", Query::Presence(q), fol).await
                    }
                    _ => {
                        let q = ChannelQuery::SpeakCheck {
                            id: from,
                            channel: TRADE.into(),
                        };
                        self.read("speak_check", Query::Channel(q), fol).await
                    }
                }
            }
            Op::FriendList | Op::MailList => {
                let k = self.rng.gen_range(0..self.mine.len().max(1));
                let Some(m) = self.mine.get(k) else {
                    return Step::failed("friend_list", "no character", "this client owns none");
                };
                let id = p.character(m.index);
                if op == Op::FriendList {
                    self.read(
                        "friend_list",
                        Query::Social(SocialQuery::FriendList { owner: id }),
                        lin,
                    )
                    .await
                } else {
                    self.read(
                        "mail_list",
                        Query::Mail(MailQuery::List { receiver: id }),
                        lin,
                    )
                    .await
                }
            }
            Op::ZoneChurn | Op::Rejoin | Op::CustomChannel => {
                let Some(k) = online else {
                    return skipped("channel");
                };
                let id = p.character(self.mine[k].index);
                match op {
                    Op::ZoneChurn => match self.mine[k].zone {
                        Some(z) => match self
                            .write("zone_channel_leave", leave(id, &general(z)))
                            .await
                        {
                            Ok(_) => {
                                self.mine[k].zone = None;
                                Step::ok("zone_channel_leave")
                            }
                            Err(s) => s,
                        },
                        None => {
                            let z = self.rng.gen_range(0..ZONES.len());
                            match self
                                .write("zone_channel_join", join(id, &general(z), GENERAL_ID))
                                .await
                            {
                                Ok(_) => {
                                    self.mine[k].zone = Some(z);
                                    Step::ok("zone_channel_join")
                                }
                                Err(s) => s,
                            }
                        }
                    },
                    Op::Rejoin => match self.write("trade_rejoin", join(id, TRADE, TRADE_ID)).await
                    {
                        Ok(_) => {
                            self.mine[k].in_trade = true;
                            Step::ok("trade_rejoin")
                        }
                        Err(s) => s,
                    },
                    _ => {
                        let name = format!("Bench{}", p.run);
                        if self.mine[k].in_custom {
                            match self.write("custom_channel_leave", leave(id, &name)).await {
                                Ok(_) => {
                                    self.mine[k].in_custom = false;
                                    Step::ok("custom_channel_leave")
                                }
                                Err(s) => s,
                            }
                        } else {
                            match self.write("custom_channel_join", join(id, &name, 0)).await {
                                Ok(_) => {
                                    self.mine[k].in_custom = true;
                                    Step::ok("custom_channel_join")
                                }
                                Err(s) => s,
                            }
                        }
                    }
                }
            }
            Op::Login => {
                let Some(k) = self.pick_mine(false) else {
                    return skipped("login");
                };
                let m = &self.mine[k];
                let command = login(
                    p.character(m.index),
                    &self.world.gateways[m.gateway],
                    m.index,
                );
                match self.write("login", command).await {
                    Ok(_) => {
                        self.mine[k].online = true;
                        Step::ok("login")
                    }
                    Err(s) => s,
                }
            }
            Op::Logout => {
                let Some(k) = online else {
                    return skipped("logout");
                };
                let m = &self.mine[k];
                let command = Command::Presence(PresenceCommand::Logout {
                    id: p.character(m.index),
                    gateway: self.world.gateways[m.gateway].clone(),
                });
                match self.write("logout", command).await {
                    Ok(_) => {
                        // Logging out leaves every channel.
                        let m = &mut self.mine[k];
                        m.online = false;
                        m.zone = None;
                        m.in_trade = false;
                        m.in_custom = false;
                        Step::ok("logout")
                    }
                    Err(s) => s,
                }
            }
            Op::PresenceUpdate => {
                let mut updates = Vec::new();
                let mut gateway = None;
                for _ in 0..PRESENCE_BATCH {
                    if let Some(k) = self.pick_mine(true) {
                        let m = &self.mine[k];
                        if gateway.is_some_and(|g| g != m.gateway) {
                            continue;
                        }
                        gateway = Some(m.gateway);
                        if updates
                            .iter()
                            .any(|u: &PresenceUpdate| u.id == p.character(m.index))
                        {
                            continue;
                        }
                        updates.push(PresenceUpdate {
                            id: p.character(m.index),
                            level: None,
                            zone: Some(self.rng.gen_range(1..=ZONES.len() as u32)),
                            area: Some(self.rng.gen_range(1..100)),
                            map: None,
                            guild_id: None,
                            worldserver: None,
                            in_cross_realm_instance: None,
                        });
                    }
                }
                let Some(g) = gateway else {
                    return skipped("presence_update");
                };
                let command = Command::Presence(PresenceCommand::Update {
                    gateway: self.world.gateways[g].clone(),
                    updates,
                });
                match self.write("presence_update", command).await {
                    Ok(_) => Step::ok("presence_update"),
                    Err(s) => s,
                }
            }
            Op::MailSend => {
                // Player mail (1 in 4, from an online character of this client) or an
                // auction-house mail with money (3 in 4), to a character of this client.
                let to = self.rng.gen_range(0..self.mine.len().max(1));
                let Some(m) = self.mine.get(to) else {
                    return Step::failed("mail_send", "no character", "this client owns none");
                };
                let receiver = p.character(m.index);
                let mut mail = bench_mail(receiver, "Your auction of [Frostweave Cloth] sold.");
                let player = self.rng.gen_range(0..4) == 0;
                let from = online.map(|k| self.mine[k].index);
                match from {
                    Some(f) if player && same_faction(&p, f, m.index) && f != m.index => {
                        mail.sender = MailSender::Player(p.character(f));
                        mail.body = "See you in Dalaran.".into();
                    }
                    _ => {
                        mail.sender = MailSender::Auction(self.rng.gen_range(1..1_000_000));
                        mail.money = 1_000;
                    }
                }
                let money = mail.money > 0;
                match self
                    .write("mail_send", Command::Mail(MailCommand::Send(mail)))
                    .await
                {
                    Ok(Response::Mail(MailResponse::Sent { mail, .. })) => {
                        self.mine[to].mails.push_back((mail, money));
                        Step::ok("mail_send")
                    }
                    Ok(other) => {
                        Step::failed("mail_send", "unexpected answer", format!("{other:?}"))
                    }
                    Err(s) => s,
                }
            }
            Op::MailTake => {
                let Some(k) = self.pick_where(|m| !m.mails.is_empty()) else {
                    return skipped("mail_take");
                };
                let player = p.character(self.mine[k].index);
                let Some(&(mail, money)) = self.mine[k].mails.front() else {
                    return Step::ok("mail_take");
                };
                if money {
                    match self
                        .write(
                            "mail_take_money",
                            Command::Mail(MailCommand::TakeMoney { player, mail }),
                        )
                        .await
                    {
                        Ok(_) => {
                            if let Some(front) = self.mine[k].mails.front_mut() {
                                front.1 = false;
                            }
                            Step::ok("mail_take_money")
                        }
                        Err(s) => s,
                    }
                } else {
                    match self
                        .write(
                            "mail_delete",
                            Command::Mail(MailCommand::Delete { player, mail }),
                        )
                        .await
                    {
                        Ok(_) => {
                            self.mine[k].mails.pop_front();
                            Step::ok("mail_delete")
                        }
                        Err(s) => s,
                    }
                }
            }
            Op::Friend => {
                let k = self.rng.gen_range(0..self.mine.len().max(1));
                let Some(m) = self.mine.get(k) else {
                    return Step::failed("friend_add", "no character", "this client owns none");
                };
                let owner = p.character(m.index);
                match m.extra_friend {
                    Some(j) => {
                        let c = SocialCommand::RemoveFriend {
                            owner,
                            friend: p.character(j),
                        };
                        match self.write("friend_remove", Command::Social(c)).await {
                            Ok(_) => {
                                self.mine[k].extra_friend = None;
                                Step::ok("friend_remove")
                            }
                            Err(s) => s,
                        }
                    }
                    None => {
                        // One past the set-up friends, of the same faction.
                        let i = m.index;
                        let Some(j) =
                            (FRIENDS_PER_CHARACTER..FRIENDS_PER_CHARACTER + 8).find_map(|t| {
                                friend_of(&p, i, t).filter(|&j| {
                                    (0..FRIENDS_PER_CHARACTER)
                                        .all(|s| friend_of(&p, i, s) != Some(j))
                                })
                            })
                        else {
                            // A population too small for another friend of the faction.
                            let q = Query::Social(SocialQuery::FriendList { owner });
                            return self.read("friend_list", q, lin).await;
                        };
                        let c = SocialCommand::AddFriend {
                            owner,
                            name: p.name(j),
                            note: "met in Dalaran".into(),
                        };
                        match self.write("friend_add", Command::Social(c)).await {
                            Ok(_) => {
                                self.mine[k].extra_friend = Some(j);
                                Step::ok("friend_add")
                            }
                            Err(s) => s,
                        }
                    }
                }
            }
        }
    }
}

impl Worker for SocialWorker {
    async fn step(&mut self) -> Step {
        if let Some(step) = self.renew_if_due().await {
            return step;
        }
        let op = self.pick_op();
        let op = self.feasible(op);
        self.op(op).await
    }
}
