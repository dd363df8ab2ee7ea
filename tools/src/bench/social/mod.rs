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
//! renewed by whichever client notices first that [`RENEW_EVERY_MS`] passed (`renew_gateway`),
//! and during the set-up (which can outlast a lease on a large population) by a task of its own.
//!
//! Here: the mix, the world and its set-up; `worker.rs`: what one client does per step.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::SeedableRng as _;
use tavern_gateway::Client;
use tavern_statemachine::channel::ChannelCommand;
use tavern_statemachine::presence::{Login, PresenceCommand, PresenceQuery};
use tavern_statemachine::social::SocialCommand;
use tavern_statemachine::{CharacterId, Command, MailId, Query};

use super::tavern::{for_each_concurrently, Population, BENCH_REALM};

mod worker;
pub use worker::SocialWorker;

/// What the report says about this workload.
pub const NOTE: &str =
    "social-mix = DOMAIN.md section 4 steady-state mix (see tools/src/bench/social/mod.rs); \
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

/// Renews the gateways' leases every [`RENEW_EVERY_MS`] until dropped.
struct Renewer(tokio::task::JoinHandle<()>);

impl Renewer {
    fn start(client: Client, gateways: Vec<String>) -> Renewer {
        Renewer(tokio::spawn(async move {
            let every = std::time::Duration::from_millis(RENEW_EVERY_MS);
            loop {
                tokio::time::sleep(every).await;
                for g in &gateways {
                    let renew = PresenceCommand::RenewGateway { gateway: g.clone() };
                    // A failed renewal shows as the set-up's own errors soon after.
                    let _ = client.write(Command::Presence(renew)).await;
                }
            }
        }))
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        self.0.abort();
    }
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
        // Until the set-up ends (dropped on every way out of this function).
        let _renewer = Renewer::start(client.clone(), gateways.clone());
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
