//! `tavern-gateway` against real `tavern serve` processes, when things go wrong under it.
//!
//! - The leader's process is SIGKILLed while a client writes: the client finds the new leader
//!   by itself, every write it acknowledged is there afterwards, and none is there twice.
//! - The answer of a write is lost (a proxy in front of the leader swallows it after the
//!   write was applied): the client retries by itself, on another node, with the same request
//!   id, and the write is applied once; its answer is the one the first attempt produced.
//!
//! Writes are mails, because a mail applied twice shows: it would be two mails.

mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::{poll, Cluster, Proxy};
use tavern_gateway::prelude::*;
use tavern_statemachine::mail::{MailResponse, MailResult, MailSender, SendMail};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::{CharacterId, MailId};
use tokio::task::JoinHandle;

const ARTHAS: CharacterId = CharacterId { realm: 1, low: 1 };
const JAINA: CharacterId = CharacterId { realm: 1, low: 2 };
/// The writer stops at this many letters: Jaina's mailbox lists them all on one page
/// (`MAIL_LIST_SHOWN_MAX` is 100).
const LETTERS_MAX: u32 = 90;
/// Letters acknowledged before the kill, and after it, before the writer stops.
const BEFORE_KILL: usize = 10;
const AFTER_KILL: usize = 10;

/// A client that rides through failovers: many retries, short backoffs, a long deadline.
fn options(attempt_timeout: Duration) -> ClientOptions {
    ClientOptions {
        attempt_timeout,
        call_deadline: Duration::from_secs(30),
        retries_max: 200,
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        ..ClientOptions::default()
    }
}

fn client_addrs(cluster: &Cluster) -> Vec<SocketAddr> {
    cluster.addrs.values().map(|a| a.client).collect()
}

fn connect(endpoints: &[SocketAddr], attempt_timeout: Duration) -> Client {
    let endpoints: Vec<String> = endpoints.iter().map(ToString::to_string).collect();
    Client::connect(endpoints, options(attempt_timeout)).expect("a client")
}

/// Realm 1, accounts 1 and 2, Arthas and Jaina.
async fn world(client: &Client) {
    let realm = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    client.upsert_realm(realm).await.expect("realm");
    for (id, name, c) in [(1, "arthas", ARTHAS), (2, "jaina", JAINA)] {
        client
            .upsert_account(id, name.into(), "enUS".into())
            .await
            .expect("account");
        let new = NewCharacter {
            id: c,
            account: id,
            name: name.into(),
            race: 1,
            class: 1,
            gender: 0,
            level: 80,
        };
        client.create_character(new).await.expect("character");
    }
}

fn letter(from: MailSender, n: u32, money: u32) -> SendMail {
    SendMail {
        sender: from,
        receiver: JAINA,
        subject: format!("letter {n}"),
        body: String::new(),
        money,
        cod: 0,
        items: Vec::new(),
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

fn mail_id(sent: &MailResponse) -> MailId {
    match sent {
        MailResponse::Sent { mail, .. } => *mail,
        other => panic!("a send answered {other:?}"),
    }
}

/// Sends letters 1, 2, 3... to Jaina one after the other through `client`, recording each
/// acknowledged one with its mail id. Any error ends it: the client must ride through a
/// failover by itself.
struct Writer {
    acked: Arc<Mutex<Vec<(u32, MailId)>>>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<Result<(), Error>>,
}

impl Writer {
    fn start(client: Client) -> Writer {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (acked.clone(), stop.clone());
        let task = tokio::spawn(async move {
            for n in 1..=LETTERS_MAX {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let sent = client
                    .send_mail(letter(MailSender::Creature(3_000), n, n))
                    .await?;
                a.lock().expect("acked").push((n, mail_id(&sent)));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(())
        });
        Writer { acked, stop, task }
    }

    fn acked(&self) -> usize {
        self.acked.lock().expect("acked").len()
    }

    async fn finish(self) -> Vec<(u32, MailId)> {
        self.stop.store(true, Ordering::SeqCst);
        if let Err(e) = self.task.await.expect("the writer's task") {
            panic!("a write failed instead of following the new leader: {e:?}");
        }
        let acked = self.acked.lock().expect("acked").clone();
        acked
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_writing_through_a_leader_kill_loses_nothing_and_doubles_nothing() {
    let mut cluster = Cluster::start(3, &[]);
    let old_leader = cluster.leader().await;
    let client = connect(&client_addrs(&cluster), Duration::from_secs(2));
    world(&client).await;

    // --- A stream of letters; halfway, the leader's process is SIGKILLed.
    let writer = Writer::start(client.clone());
    let w = &writer;
    // (A writer that stopped on an error ends the wait: `finish` reports it.)
    poll("letters acknowledged before the kill", || async move {
        (w.acked() >= BEFORE_KILL || w.task.is_finished()).then_some(())
    })
    .await;
    cluster.kill(old_leader);
    let at_kill = writer.acked();
    poll("letters acknowledged after the kill", || async move {
        (w.acked() >= at_kill + AFTER_KILL || w.task.is_finished()).then_some(())
    })
    .await;
    let acked = writer.finish().await;

    // --- The client found the new leader by itself.
    let new_leader = cluster.leader().await;
    assert_ne!(new_leader, old_leader);
    let followed = client.leader().expect("the client knows a leader");
    assert!(
        followed.ends_with(&cluster.addrs[&new_leader].client.to_string()),
        "the client follows node {new_leader}, not {followed}"
    );

    // --- Every acknowledged letter is in the mailbox, once, with the id it was answered
    //     with; nothing else is there (the writer stopped between two letters).
    let (mails, total) = client.list_mails(JAINA).await.expect("the mailbox");
    let mut found: BTreeMap<String, Vec<(MailId, u32)>> = BTreeMap::new();
    for m in &mails {
        found
            .entry(m.mail.subject.clone())
            .or_default()
            .push((m.mail.id, m.mail.money));
    }
    for (n, id) in &acked {
        assert_eq!(
            found.get(&format!("letter {n}")),
            Some(&vec![(*id, *n)]),
            "letter {n} is there once, as mail {id}"
        );
    }
    assert_eq!(
        usize::try_from(total).expect("a count"),
        acked.len(),
        "no letter applied twice or unacknowledged: {found:?}"
    );
    cluster.converged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_is_lost_is_retried_by_the_client_and_applied_once() {
    let cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    let direct = connect(&client_addrs(&cluster), Duration::from_secs(2));
    world(&direct).await;

    // --- The gateway's client knows the leader through a proxy first, then the followers.
    let proxy = Proxy::start(cluster.addrs[&leader].client).await;
    let mut endpoints = vec![proxy.addr];
    endpoints.extend(
        cluster
            .addrs
            .iter()
            .filter(|(id, _)| **id != leader)
            .map(|(_, a)| a.client),
    );
    // Its first write goes to the first endpoint, the proxy, which passes it to the leader:
    // the client takes the proxy for the leader.
    let client = connect(&endpoints, Duration::from_secs(3));
    client
        .upsert_account(3, "uther".into(), "enUS".into())
        .await
        .expect("a write through the proxy");
    assert_eq!(client.leader(), Some(format!("http://{}", proxy.addr)));

    // --- From now on the proxy swallows the leader's answers. Arthas sends Jaina 50 silver.
    proxy.drop_replies();
    let sending = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_mail(letter(MailSender::Player(ARTHAS), 1, 5_000))
                .await
        })
    };

    // --- The write is applied while the client still waits for its answer.
    let d = &direct;
    let applied = poll("the mail applied", || async move {
        let (mails, _) = d.list_mails(JAINA).await.ok()?;
        mails.first().map(|m| m.mail.id)
    })
    .await;
    assert!(
        !sending.is_finished(),
        "the client has not had an answer yet"
    );

    // --- The client gives up on the silent node, asks a follower, is sent to the leader's
    //     own address and retries there with the same request id: it gets the answer of the
    //     first attempt, and nothing is applied again.
    let sent = sending
        .await
        .expect("the call's task")
        .expect("the client retried by itself");
    assert_eq!(mail_id(&sent), applied, "the answer of the applied write");
    assert_eq!(
        client.leader(),
        Some(format!("http://{}", cluster.addrs[&leader].client)),
        "the client went around the proxy"
    );
    let (mails, total) = direct.list_mails(JAINA).await.expect("the mailbox");
    assert_eq!((total, mails.len()), (1, 1), "one mail: {mails:?}");
    assert_eq!(
        direct.take_mail_money(JAINA, applied).await.expect("take"),
        5_000
    );
    let again = direct
        .take_mail_money(JAINA, applied)
        .await
        .expect_err("the money moved once");
    assert_eq!(
        again.game_code(),
        Some(MailResult::InternalError.code()),
        "{again:?}"
    );
}
