//! Linearizability under faults, checked on recorded histories (issue 4).
//!
//! The story: three `tavern serve` processes; concurrent clients of the gateway library take
//! mail money and items, add and remove friends, join and leave a channel, and read mailboxes,
//! friend lists and the roster at LINEARIZABLE (spread over every node, so followers serve
//! some through the leader's read index) while the leader is SIGKILLed and a follower is
//! restarted. Every call is recorded with its invoke and completion time (a write whose fate
//! is unknown as such), and the history of every mailbox, friend list and the channel passes
//! the checker of `tavern-tests` (`history.rs`, `models.rs`).
//!
//! Then the other side: a follower cut off from the cluster still answers a STALE read with a
//! huge bound from its local state, without a read index; the checker reports that history
//! as not linearizable, while a LINEARIZABLE read on the same node is refused.

mod harness;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use harness::{poll, Cluster};
use tavern_gateway::{Client, ClientOptions, Error, NewCharacter, ReadLevel};
use tavern_statemachine::channel::{
    ChannelCommand, ChannelNotice, ChannelQuery, ChannelQueryResponse, ChannelResponse,
};
use tavern_statemachine::mail::{MailItem, MailResponse, MailSender, SendMail};
use tavern_statemachine::presence::{Login, PresenceCommand};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::social::{FriendResult, SocialCommand, SocialQuery, SocialQueryResponse};
use tavern_statemachine::{CharacterId, Command, Query, QueryResponse, Response, Team};
use tavern_tests::history::{check, Recorder, Verdict};
use tavern_tests::models::{
    ChannelInput, ChannelMembers, ChannelOutput, FriendInput, FriendList, FriendOutput,
    MailContents, MailInput, MailOutput, Mailbox,
};

const REALM: u32 = 1;
const CHANNEL: &str = "Tavernfaults";
const GATEWAY: &str = "gw-faults";
/// Mail receivers, friend list owners, friend targets, channel members (character lows).
const RECEIVERS: [u32; 2] = [1, 2];
const OWNERS: [u32; 2] = [3, 4];
const TARGETS: [u32; 3] = [5, 6, 7];
const MEMBERS: [u32; 3] = [8, 9, 10];
/// Joins the channel first and never leaves: the channel exists all along.
const KEEPER: u32 = 11;
/// Mails sent to each receiver before the faults; mail k carries money and two items.
const MAILS_EACH: u32 = 4;
const NAMES: [&str; 11] = [
    "Jaina", "Thrall", "Arthas", "Uther", "Alleria", "Turalyon", "Khadgar", "Varian", "Anduin",
    "Bolvar", "Tirion",
];

type MailRecorder = Recorder<u32, MailInput, MailOutput>;
type FriendRecorder = Recorder<u32, FriendInput, FriendOutput>;
type ChannelRecorder = Recorder<&'static str, ChannelInput, ChannelOutput>;

fn id(low: u32) -> CharacterId {
    CharacterId { realm: REALM, low }
}

fn options() -> ClientOptions {
    ClientOptions {
        attempt_timeout: Duration::from_secs(2),
        call_deadline: Duration::from_secs(15),
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        retries_max: 60,
        ..ClientOptions::default()
    }
}

/// A tiny deterministic generator per worker (xorshift).
struct Dice(u64);
impl Dice {
    fn pick(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn item_guid(receiver: u32, k: u32, slot: u32) -> u32 {
    10_000 + receiver * 100 + k * 10 + slot
}

fn letter(receiver: u32, k: u32) -> SendMail {
    let items = (0..2)
        .map(|slot| MailItem {
            guid: item_guid(receiver, k, slot),
            entry: 2_589,
            count: 1,
            flags: 0,
            durability: 0,
            charges: 0,
            random_property_id: 0,
            property_seed: 0,
            text: String::new(),
        })
        .collect();
    SendMail {
        sender: MailSender::Creature(3_000),
        receiver: id(receiver),
        subject: "Supplies".into(),
        body: String::new(),
        money: 100 * (k + 1),
        cod: 0,
        items,
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

/// The realm, one account and one character per name, the gateway, the channel members
/// logged in, the keeper in the channel, and the mails; every mail send is recorded.
async fn set_up(client: &Client, mails: &MailRecorder, channel: &ChannelRecorder) {
    client
        .upsert_realm(Realm {
            id: REALM,
            name: "Lordaeron".into(),
            cross_realm: false,
        })
        .await
        .expect("realm");
    for (i, name) in NAMES.iter().enumerate() {
        let low = i as u32 + 1;
        client
            .upsert_account(low, name.to_uppercase(), "enUS".into())
            .await
            .expect("account");
        client
            .create_character(NewCharacter {
                id: id(low),
                account: low,
                name: (*name).into(),
                race: 1,
                class: 1,
                gender: 0,
                level: 10,
            })
            .await
            .expect("character");
    }
    let gateway = PresenceCommand::RegisterGateway {
        gateway: GATEWAY.into(),
        realm: REALM,
    };
    client
        .write(Command::Presence(gateway))
        .await
        .expect("gateway");
    for low in MEMBERS.iter().chain([&KEEPER]) {
        let login = Login {
            id: id(*low),
            gateway: GATEWAY.into(),
            zone: 12,
            area: 12,
            map: 0,
            level: 10,
            guild_id: 0,
            worldserver: None,
        };
        client
            .write(Command::Presence(PresenceCommand::Login(login)))
            .await
            .expect("login");
    }
    join_or_leave(client, channel, 0, ChannelInput::Join { who: KEEPER }).await;
    for r in RECEIVERS {
        for k in 0..MAILS_EACH {
            let mail = letter(r, k);
            let input = MailInput::Send {
                money: mail.money,
                items: mail.items.iter().map(|i| i.guid).collect(),
            };
            let op = mails.invoke(r, 0, input);
            match client.send_mail(mail).await.expect("send") {
                MailResponse::Sent { mail, .. } => op.complete(MailOutput::Sent { mail }),
                other => panic!("{other:?}"),
            }
        }
    }
}

/// One channel join or leave, recorded.
async fn join_or_leave(
    client: &Client,
    rec: &ChannelRecorder,
    who_client: u64,
    input: ChannelInput,
) {
    let command = match &input {
        ChannelInput::Join { who } => ChannelCommand::Join {
            id: id(*who),
            name: CHANNEL.into(),
            channel_id: 0,
            password: String::new(),
        },
        ChannelInput::Leave { who } => ChannelCommand::Leave {
            id: id(*who),
            name: CHANNEL.into(),
            channel_id: None,
        },
        ChannelInput::Members => unreachable!("a read"),
    };
    let joining = matches!(input, ChannelInput::Join { .. });
    let op = rec.invoke(CHANNEL, who_client, input);
    match client.write(Command::Channel(command)).await {
        Ok(w) => match w.response {
            Response::Channel(ChannelResponse::Joined { rejoin: true, .. }) => {
                op.complete(ChannelOutput::Already)
            }
            _ if joining => op.complete(ChannelOutput::Joined),
            _ => op.complete(ChannelOutput::Left),
        },
        Err(Error::Domain(tavern_statemachine::Error::Channel(
            ChannelNotice::PlayerAlreadyMember,
        ))) => op.complete(ChannelOutput::Already),
        Err(Error::Domain(tavern_statemachine::Error::Channel(ChannelNotice::NotMember))) => {
            op.complete(ChannelOutput::NotMember)
        }
        Err(Error::Domain(_)) => op.complete(ChannelOutput::Refused),
        Err(_) => op.unknown(),
    }
}

fn mail_output(written: Result<tavern_gateway::Written, Error>) -> Option<MailOutput> {
    match written {
        Ok(w) => Some(match w.response {
            Response::Mail(MailResponse::MoneyTaken { money, .. }) => MailOutput::MoneyTaken(money),
            Response::Mail(MailResponse::ItemTaken { item, .. }) => {
                MailOutput::ItemTaken(item.guid)
            }
            other => panic!("unexpected answer {other:?}"),
        }),
        Err(Error::Domain(_)) => Some(MailOutput::Refused),
        Err(_) => None,
    }
}

/// Takes mail money and items, and lists mailboxes, until `stop`.
async fn mail_worker(client: Client, rec: MailRecorder, n: u64, stop: Arc<AtomicBool>) {
    let mut dice = Dice(0x9e37_79b9 + n);
    while !stop.load(Ordering::SeqCst) {
        let r = RECEIVERS[dice.pick(RECEIVERS.len())];
        // Mail ids are per realm, allocated in send order: receiver r's are known from the
        // history, so draw among the ids the setup recorded.
        let sent: Vec<u32> = rec
            .history()
            .into_iter()
            .filter(|(k, _)| *k == r)
            .filter_map(|(_, op)| match op.output {
                Some(MailOutput::Sent { mail }) => Some(mail),
                _ => None,
            })
            .collect();
        let mail = sent[dice.pick(sent.len())];
        match dice.pick(3) {
            0 => {
                let op = rec.invoke(r, n, MailInput::TakeMoney { mail });
                let w = client
                    .write(Command::Mail(
                        tavern_statemachine::mail::MailCommand::TakeMoney {
                            player: id(r),
                            mail,
                        },
                    ))
                    .await;
                match mail_output(w) {
                    Some(o) => op.complete(o),
                    None => op.unknown(),
                }
            }
            1 => {
                let k = (0..MAILS_EACH)
                    .find(|k| sent.get(*k as usize) == Some(&mail))
                    .unwrap_or(0);
                let item = item_guid(r, k, dice.pick(2) as u32);
                let op = rec.invoke(r, n, MailInput::TakeItem { mail, item });
                let w = client
                    .write(Command::Mail(
                        tavern_statemachine::mail::MailCommand::TakeItem {
                            player: id(r),
                            mail,
                            item_guid: item,
                        },
                    ))
                    .await;
                match mail_output(w) {
                    Some(o) => op.complete(o),
                    None => op.unknown(),
                }
            }
            _ => {
                let op = rec.invoke(r, n, MailInput::List);
                match client.list_mails(id(r)).await {
                    Ok((mails, _)) => op.complete(listed(&mails)),
                    Err(_) => op.discard(),
                }
            }
        }
    }
}

fn listed(mails: &[tavern_statemachine::mail::MailWithItems]) -> MailOutput {
    MailOutput::Listed(
        mails
            .iter()
            .map(|m| {
                let contents = MailContents {
                    money: m.mail.money,
                    items: m.items.iter().map(|i| i.guid).collect(),
                };
                (m.mail.id, contents)
            })
            .collect(),
    )
}

/// Adds and removes friends and lists friend lists until `stop`.
async fn friend_worker(client: Client, rec: FriendRecorder, n: u64, stop: Arc<AtomicBool>) {
    let mut dice = Dice(0x7f4a_7c15 + n);
    while !stop.load(Ordering::SeqCst) {
        let owner = OWNERS[dice.pick(OWNERS.len())];
        let friend = TARGETS[dice.pick(TARGETS.len())];
        match dice.pick(3) {
            0 => {
                let op = rec.invoke(owner, n, FriendInput::Add { friend });
                let add = SocialCommand::AddFriend {
                    owner: id(owner),
                    name: NAMES[friend as usize - 1].into(),
                    note: String::new(),
                };
                match client.write(Command::Social(add)).await {
                    Ok(_) => op.complete(FriendOutput::Added),
                    Err(Error::Domain(tavern_statemachine::Error::Friend(
                        FriendResult::Already,
                    ))) => op.complete(FriendOutput::Already),
                    Err(Error::Domain(_)) => op.complete(FriendOutput::Refused),
                    Err(_) => op.unknown(),
                }
            }
            1 => {
                let op = rec.invoke(owner, n, FriendInput::Remove { friend });
                let remove = SocialCommand::RemoveFriend {
                    owner: id(owner),
                    friend: id(friend),
                };
                match client.write(Command::Social(remove)).await {
                    Ok(_) => op.complete(FriendOutput::Removed),
                    Err(Error::Domain(_)) => op.complete(FriendOutput::Refused),
                    Err(_) => op.unknown(),
                }
            }
            _ => {
                let op = rec.invoke(owner, n, FriendInput::List);
                let q = Query::Social(SocialQuery::FriendList { owner: id(owner) });
                match client.read_at(q, ReadLevel::Linearizable).await {
                    Ok(served) => match served.response {
                        QueryResponse::Social(SocialQueryResponse::FriendList {
                            friends, ..
                        }) => op.complete(FriendOutput::Listed(
                            friends.iter().map(|f| f.id.low).collect(),
                        )),
                        other => panic!("{other:?}"),
                    },
                    Err(_) => op.discard(),
                }
            }
        }
    }
}

/// The channel's members, as a linearizable read, recorded.
async fn members(client: &Client, rec: &ChannelRecorder, n: u64, level: ReadLevel) {
    let op = rec.invoke(CHANNEL, n, ChannelInput::Members);
    let q = Query::Channel(ChannelQuery::Members {
        realm: REALM,
        team: Team::Alliance,
        name: CHANNEL.into(),
    });
    match client.read_at(q, level).await {
        Ok(served) => match served.response {
            QueryResponse::Channel(ChannelQueryResponse::Members(m)) => {
                op.complete(ChannelOutput::Members(m.iter().map(|m| m.id.low).collect()))
            }
            other => panic!("{other:?}"),
        },
        Err(_) => op.discard(),
    }
}

/// Joins and leaves the channel and reads its roster until `stop`.
async fn channel_worker(client: Client, rec: ChannelRecorder, n: u64, stop: Arc<AtomicBool>) {
    let mut dice = Dice(0x2545_f491 + n);
    while !stop.load(Ordering::SeqCst) {
        let who = MEMBERS[dice.pick(MEMBERS.len())];
        match dice.pick(3) {
            0 => join_or_leave(&client, &rec, n, ChannelInput::Join { who }).await,
            1 => join_or_leave(&client, &rec, n, ChannelInput::Leave { who }).await,
            _ => members(&client, &rec, n, ReadLevel::Linearizable).await,
        }
    }
}

/// Completed operations in a history.
fn completed<K, I, O>(h: &[(K, tavern_tests::history::Operation<I, O>)]) -> usize {
    h.iter().filter(|(_, op)| op.complete_ns.is_some()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn histories_stay_linearizable_while_the_leader_is_killed_and_a_follower_restarts() {
    let mut cluster = Cluster::start(3, &[]);
    cluster.leader().await;
    let client = Client::connect(cluster.client_addrs(), options()).expect("client");
    let (mails, friends, channel) = (
        MailRecorder::default(),
        FriendRecorder::default(),
        ChannelRecorder::default(),
    );
    set_up(&client, &mails, &channel).await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = tokio::task::JoinSet::new();
    for n in 1..=2u64 {
        // Each worker is its own gateway process: its own client and session.
        let c = || Client::connect(cluster.client_addrs(), options()).expect("client");
        workers.spawn(mail_worker(c(), mails.clone(), n, stop.clone()));
        workers.spawn(friend_worker(c(), friends.clone(), 10 + n, stop.clone()));
        workers.spawn(channel_worker(c(), channel.clone(), 20 + n, stop.clone()));
    }
    let progress = || {
        completed(&mails.history()) + completed(&friends.history()) + completed(&channel.history())
    };
    let wait_progress = |more: usize| {
        let target = progress() + more;
        poll("the clients make progress", move || async move {
            (progress() >= target).then_some(())
        })
    };

    // Some operations, then the leader dies without warning.
    wait_progress(60).await;
    let leader = cluster.leader().await;
    cluster.kill(leader);
    let new_leader = cluster.leader().await;
    assert_ne!(new_leader, leader);
    wait_progress(60).await;

    // The old leader comes back (as a follower, catching up), then another follower restarts
    // (clean stop, start on the same directory) while two nodes carry on.
    cluster.start_node(leader);
    wait_progress(20).await;
    let follower = *cluster
        .running()
        .iter()
        .find(|id| **id != new_leader && **id != leader)
        .expect("a follower");
    cluster.stop(follower);
    wait_progress(20).await;
    cluster.start_node(follower);
    cluster.leader().await;
    wait_progress(60).await;

    stop.store(true, Ordering::SeqCst);
    while let Some(w) = workers.join_next().await {
        w.expect("worker");
    }

    let (m, f, c) = (mails.history(), friends.history(), channel.history());
    println!(
        "recorded {} mail, {} friend and {} channel operations ({} unknown outcomes)",
        m.len(),
        f.len(),
        c.len(),
        m.len() + f.len() + c.len() - completed(&m) - completed(&f) - completed(&c)
    );
    assert_eq!(check(&Mailbox, &m), Verdict::Linearizable);
    assert_eq!(check(&FriendList, &f), Verdict::Linearizable);
    assert_eq!(check(&ChannelMembers, &c), Verdict::Linearizable);
    cluster.converged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_checker_catches_a_follower_serving_from_local_state_without_a_read_index() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    let client = Client::connect(cluster.client_addrs(), options()).expect("client");
    let (mails, channel) = (MailRecorder::default(), ChannelRecorder::default());
    set_up(&client, &mails, &channel).await;
    cluster.converged().await;
    let cut_off = *cluster
        .running()
        .iter()
        .find(|id| **id != leader)
        .expect("a follower");
    let other = *cluster
        .running()
        .iter()
        .find(|id| **id != leader && **id != cut_off)
        .expect("another follower");
    let receiver = RECEIVERS[0];
    let mail = mails
        .history()
        .into_iter()
        .find_map(|(k, op)| match (k, op.output) {
            (k, Some(MailOutput::Sent { mail })) if k == receiver => Some(mail),
            _ => None,
        })
        .expect("a mail");

    // The follower freezes; the money is taken (the leader and the other follower commit it).
    cluster.pause(cut_off);
    let op = mails.invoke(receiver, 1, MailInput::TakeMoney { mail });
    let taken = client
        .take_mail_money(id(receiver), mail)
        .await
        .expect("take");
    op.complete(MailOutput::MoneyTaken(taken));

    // The rest of the cluster dies; the frozen follower wakes up alone, never having heard of
    // the take.
    cluster.kill(leader);
    cluster.kill(other);
    cluster.resume(cut_off);
    let alone = Client::connect(
        [cluster.addrs[&cut_off].client.to_string()],
        ClientOptions {
            call_deadline: Duration::from_secs(3),
            retries_max: 3,
            ..options()
        },
    )
    .expect("client");

    // A LINEARIZABLE read there is refused: no leader gives it a read index.
    let refused = alone
        .read_at(
            Query::Mail(tavern_statemachine::mail::MailQuery::List {
                receiver: id(receiver),
            }),
            ReadLevel::Linearizable,
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");

    // A STALE read with a huge bound answers from the local state: the money is still there.
    let op = mails.invoke(receiver, 2, MailInput::List);
    let stale = alone
        .read_at(
            Query::Mail(tavern_statemachine::mail::MailQuery::List {
                receiver: id(receiver),
            }),
            ReadLevel::Stale { max_ms: u64::MAX },
        )
        .await
        .expect("a stale read is served");
    let QueryResponse::Mail(tavern_statemachine::mail::MailQueryResponse::List {
        mails: seen, ..
    }) = stale.response
    else {
        panic!("{stale:?}")
    };
    op.complete(listed(&seen));

    match check(&Mailbox, &mails.history()) {
        Verdict::NotLinearizable {
            entity,
            explanation,
        } => {
            assert_eq!(entity, receiver);
            println!("the checker reports, as it should:\n{explanation}");
        }
        v => panic!("the stale read went unnoticed: {v:?}"),
    }
}
