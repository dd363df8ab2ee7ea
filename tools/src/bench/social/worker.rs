//! One client of `social-mix`: picks an operation by the mix's rates, replaces it by what a
//! gateway would send instead when none of its characters can do it now, and sends it.

use rand::rngs::SmallRng;
use rand::Rng as _;
use tavern_gateway::{Client, ReadLevel};
use tavern_statemachine::channel::ChannelQuery;
use tavern_statemachine::character::CharacterQuery;
use tavern_statemachine::mail::{MailCommand, MailQuery, MailResponse, MailSender};
use tavern_statemachine::presence::{PresenceCommand, PresenceQuery, PresenceUpdate, Who};
use tavern_statemachine::social::{SocialCommand, SocialQuery};
use tavern_statemachine::{Command, Query, Response};

use super::{
    friend_of, general, join, leave, login, same_faction, Mine, Op, World, FOL_STALE_MS,
    FRIENDS_PER_CHARACTER, GENERAL_ID, MIX, PRESENCE_BATCH, RENEW_EVERY_MS, TRADE, TRADE_ID, ZONES,
};
use crate::bench::report::Step;
use crate::bench::runner::Worker;
use crate::bench::tavern::{bench_mail, error_kind, BENCH_REALM};
use std::sync::atomic::Ordering;

/// An operation `feasible` should have replaced (a bug of this module, reported as an error).
fn skipped(op: &'static str) -> Step {
    Step::failed(op, "skipped", "no character of this client can do it now")
}

/// One client of the social mix.
#[derive(Debug)]
pub struct SocialWorker {
    pub(super) client: Client,
    pub(super) world: World,
    pub(super) mine: Vec<Mine>,
    pub(super) rng: SmallRng,
    pub(super) total: f64,
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
