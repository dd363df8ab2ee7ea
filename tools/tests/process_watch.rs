//! The watch stream against real `tavern serve` processes: a watcher connected to a follower
//! sees the event of every acknowledged write exactly once, in log order, while the leader's
//! process is SIGKILLed under a writing client and later restarted, and then the follower it
//! watches is SIGKILLed too (the watcher reconnects to another node from its last index + 1).
//!
//! Writes are character creations: each yields one `character.created` event naming the
//! character, so the events seen can be compared one for one with the writes acknowledged.

mod harness;

use std::collections::BTreeSet;
use std::time::Duration;

use harness::Cluster;
use tavern_gateway::prelude::*;
use tavern_gateway::tokio_stream::StreamExt as _;
use tavern_statemachine::character::CharacterEvent;
use tavern_statemachine::event::EventFilter;
use tavern_statemachine::realm::Realm;
use tavern_statemachine::{CharacterId, Event};

/// Characters created before the kill, and after it.
const BEFORE_KILL: u32 = 15;
const AFTER_KILL: u32 = 15;
/// Characters created after the watched follower's kill.
const AFTER_RECONNECT: u32 = 10;

fn options() -> ClientOptions {
    ClientOptions {
        attempt_timeout: Duration::from_secs(2),
        call_deadline: Duration::from_secs(30),
        retries_max: 200,
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        ..ClientOptions::default()
    }
}

/// Account `low` and its one character `1:low` (an account holds at most 10 per realm).
async fn create(client: &Client, low: u32) {
    client
        .upsert_account(low, format!("hero{low}"), "enUS".into())
        .await
        .unwrap_or_else(|e| panic!("account {low}: {e}"));
    let new = NewCharacter {
        id: CharacterId { realm: 1, low },
        account: low,
        name: format!("hero{}", letters(low)),
        race: 1,
        class: 1,
        gender: 0,
        level: 1,
    };
    client
        .create_character(new)
        .await
        .unwrap_or_else(|e| panic!("character {low}: {e}"));
}

/// Names take letters only: 1 -> "b", 26 -> "ba", ...
fn letters(mut n: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_on_a_follower_sees_every_event_once_across_a_leader_kill() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    let follower = (1..=3).find(|&i| i != leader).expect("a follower");
    let all: Vec<String> = cluster
        .addrs
        .values()
        .map(|a| a.client.to_string())
        .collect();
    let writer = Client::connect(all.clone(), options()).expect("a client");
    writer
        .upsert_realm(Realm {
            id: 1,
            name: "Lordaeron".into(),
            cross_realm: false,
        })
        .await
        .expect("realm");

    // --- The watcher's first endpoint is the follower; it knows the others to resume on.
    let first = cluster.addrs[&follower].client.to_string();
    let mut endpoints = vec![first.clone()];
    endpoints.extend(all.iter().filter(|a| **a != first).cloned());
    let watcher = Client::connect(endpoints, options()).expect("a watcher");
    let filter = EventFilter {
        kinds: vec!["character.created".into()],
        ..EventFilter::default()
    };
    let mut stream = watcher.watch(1, filter);

    // --- Writes, the leader's SIGKILL, more writes, the old leader back.
    for low in 1..=BEFORE_KILL {
        create(&writer, low).await;
    }
    cluster.kill(leader);
    for low in BEFORE_KILL + 1..=BEFORE_KILL + AFTER_KILL {
        create(&writer, low).await;
    }
    cluster.start_node(leader);
    cluster.leader().await;
    // The watched follower dies: the watcher must go on from another node.
    cluster.kill(follower);
    let total = BEFORE_KILL + AFTER_KILL + AFTER_RECONNECT;
    for low in BEFORE_KILL + AFTER_KILL + 1..=total {
        create(&writer, low).await;
    }

    // --- Every acknowledged creation, exactly once, in log order.
    let want: BTreeSet<u32> = (1..=total).collect();
    let mut seen = Vec::new();
    let mut last_index = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < want.len() {
        let batch = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("timed out; seen {seen:?}"))
            .expect("the stream goes on")
            .expect("no error");
        if batch.events.is_empty() {
            continue;
        }
        assert!(
            batch.index > last_index,
            "index {} after {last_index}: an event twice or out of order",
            batch.index
        );
        last_index = batch.index;
        for e in batch.events {
            match e {
                Event::Character(CharacterEvent::Created { id, .. }) => seen.push(id.low),
                other => panic!("the filter let through {other:?}"),
            }
        }
    }
    let distinct: BTreeSet<u32> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "an event twice: {seen:?}");
    assert_eq!(distinct, want, "every acknowledged write's event");
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(seen, sorted, "in the order they were written");

    // --- Nothing more arrives (no duplicate trailing the last one).
    let more = tokio::time::timeout(Duration::from_millis(1500), async {
        loop {
            match stream.next().await {
                Some(Ok(b)) if b.events.is_empty() => continue,
                other => return other,
            }
        }
    })
    .await;
    assert!(more.is_err(), "an extra event arrived: {more:?}");
}
