//! The watch stream through the client, against a real three-node cluster in this process.
//!
//! - A watcher connected to a follower, while a writer renames a character over and over,
//!   sees the event of every acknowledged write exactly once, in log order, across a leader
//!   stop, the old leader's restart and the stop of the follower it watched (it reconnects
//!   elsewhere from its last index + 1).
//! - A watcher asking for an index the window no longer holds gets `Error::Compacted` with the
//!   index to resync from, and watching from there works.
//! - A restarted node still serves its event window (it is on disk).

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use support::{quick, Cluster, WAIT};
use tavern_gateway::prelude::*;
use tavern_gateway::tokio_stream::StreamExt;
use tavern_gateway::{Client, ClientOptions, Error, EventBatch, NewCharacter, WatchStream};
use tavern_raft::config::NodeConfig;
use tavern_statemachine::character::{CharacterCommand, CharacterEvent};
use tavern_statemachine::event::EventFilter;
use tavern_statemachine::realm::Realm;
use tavern_statemachine::{CharacterId, Command, Event};
use tokio::sync::Mutex;

const ARTHAS: CharacterId = CharacterId { realm: 1, low: 1 };

fn options() -> ClientOptions {
    ClientOptions {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        retries_max: 100,
        ..ClientOptions::default()
    }
}

/// The `k`-th name of the writer: "Wa" and four letters from `k`.
fn name(k: u32) -> String {
    let mut s = String::from("Wa");
    let mut n = k;
    for _ in 0..4 {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    s
}

async fn setup(client: &Client) {
    client
        .upsert_realm(Realm {
            id: 1,
            name: "Lordaeron".into(),
            cross_realm: false,
        })
        .await
        .expect("realm");
    client
        .upsert_account(1, "ARTHAS".into(), "enUS".into())
        .await
        .expect("account");
    client
        .create_character(NewCharacter {
            id: ARTHAS,
            account: 1,
            name: "Arthas".into(),
            race: 1,
            class: 1,
            gender: 0,
            level: 1,
        })
        .await
        .expect("character");
}

/// Renames Arthas to `name(k)`; returns the index the rename was applied at.
async fn rename(client: &Client, k: u32) -> Result<u64, Error> {
    client
        .write(Command::Character(CharacterCommand::Rename {
            id: ARTHAS,
            name: name(k),
        }))
        .await
        .map(|w| w.applied_index)
}

fn renames() -> EventFilter {
    EventFilter {
        kinds: vec!["character.renamed".into()],
        ..EventFilter::default()
    }
}

/// Reads `stream` until a batch at `index` or later arrived (events or progress); returns the
/// batches with events.
async fn read_until(stream: &mut WatchStream, index: u64) -> Vec<EventBatch> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let batch = tokio::time::timeout(left, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no batch reaching index {index} within {WAIT:?}"))
            .expect("the stream goes on")
            .expect("a batch");
        let at = batch.index;
        if !batch.events.is_empty() {
            seen.push(batch);
        }
        if at >= index {
            return seen;
        }
    }
}

fn new_name(e: &Event) -> String {
    match e {
        Event::Character(CharacterEvent::Renamed { new_name, .. }) => new_name.to_lowercase(),
        other => panic!("the filter let through {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watcher_on_a_follower_sees_every_event_once_across_a_leader_stop_and_a_reconnect() {
    let mut cluster = Cluster::start(3, quick).await;
    let writer = Client::connect(cluster.endpoints(), options()).expect("client");
    setup(&writer).await;
    let leader = cluster.leader().await;
    let follower = (1..=3).find(|&id| id != leader).expect("a follower");
    let third = (1..=3)
        .find(|&id| id != leader && id != follower)
        .expect("a third node");

    // The watcher knows the follower first, then the third node: it starts on the follower.
    let watcher = Client::connect(
        [cluster.endpoint(follower), cluster.endpoint(third)],
        options(),
    )
    .expect("client");
    let mut stream = watcher.watch(0, renames());

    // A writer renames Arthas on and on; each acknowledged rename is (index, name).
    let acked = Arc::new(Mutex::new(BTreeMap::<u64, String>::new()));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let writing = {
        let acked = acked.clone();
        let writer = writer.clone();
        tokio::spawn(async move {
            let mut k = 0;
            while !*stop_rx.borrow_and_update() {
                match rename(&writer, k).await {
                    Ok(index) => {
                        acked.lock().await.insert(index, name(k).to_lowercase());
                    }
                    Err(e) => tracing::info!(k, error = %e, "rename not acknowledged"),
                }
                k += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut seen = read_until(&mut stream, 5).await;

    // Chapter 1: the leader stops; the cluster elects another and the writer follows it.
    cluster.stop(leader).await;
    let acked_before = acked.lock().await.len();
    let deadline = tokio::time::Instant::now() + WAIT;
    while acked.lock().await.len() < acked_before + 10 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "writes stalled after the leader stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Chapter 2: the old leader comes back; then the follower the watcher is on stops, and
    // the watcher moves on to the third node from its last index + 1.
    cluster.restart(leader).await;
    let upto = *acked.lock().await.keys().last().expect("acked writes");
    seen.extend(read_until(&mut stream, upto).await);
    cluster.stop(follower).await;
    let acked_before = acked.lock().await.len();
    let deadline = tokio::time::Instant::now() + WAIT;
    while acked.lock().await.len() < acked_before + 10 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "writes stalled after the follower stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Chapter 3: the writer stops; the watcher catches up with the last acknowledged write.
    stop_tx.send_replace(true);
    writing.await.expect("writer");
    let acked = acked.lock().await.clone();
    let last = *acked.keys().last().expect("acked writes");
    seen.extend(read_until(&mut stream, last).await);

    // Every batch once, in log order; every acknowledged rename seen once, at its index.
    let indexes: Vec<u64> = seen.iter().map(|b| b.index).collect();
    let mut sorted = indexes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(indexes, sorted, "batches in log order, none twice");
    let by_index: BTreeMap<u64, Vec<String>> = seen
        .iter()
        .map(|b| (b.index, b.events.iter().map(new_name).collect()))
        .collect();
    for (index, name) in &acked {
        assert_eq!(
            by_index.get(index),
            Some(&vec![name.clone()]),
            "the rename acknowledged at index {index}"
        );
    }
    // Nothing seen twice: each name was written once.
    let mut names: Vec<&String> = by_index.values().flatten().collect();
    let all = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all, "no event seen twice");
    // Ten after the leader stop and ten after the reconnect, at least.
    assert!(acked.len() >= 20, "the story wrote enough: {}", acked.len());
    drop(stream);
    cluster.stop_all().await;
}

/// A small window, so a few writes push the first entries out of it.
fn small_window(c: &mut NodeConfig) {
    quick(c);
    c.watch.window_entries = 5;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watcher_asking_for_a_dropped_index_gets_the_resync_error() {
    let cluster = Cluster::start(3, small_window).await;
    let client = Client::connect(cluster.endpoints(), options()).expect("client");
    setup(&client).await;
    let mut last = 0;
    for k in 0..20 {
        last = rename(&client, k).await.expect("rename");
    }

    // Every node trimmed its window to the last 5 entries it applied.
    let mut stream = client.watch(0, EventFilter::default());
    let first_index = match stream.next().await {
        Some(Err(Error::Compacted { first_index })) => first_index,
        other => panic!("expected the resync error, got {other:?}"),
    };
    assert!(
        first_index > 1 && first_index <= last,
        "the window starts within the last entries: {first_index}, last {last}"
    );
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(
        Error::Compacted { first_index }.to_string(),
        format!(
            "events before index {first_index} are compacted; resync from a read at index {first_index}"
        )
    );

    // Resync: watch from the window's start; the renames it holds arrive.
    let mut stream = client.watch(first_index.max(last - 2), renames());
    let seen = read_until(&mut stream, last).await;
    assert_eq!(seen.last().map(|b| b.index), Some(last));
    assert_eq!(
        seen.last().map(|b| new_name(&b.events[0])),
        Some(name(19).to_lowercase())
    );
    drop(stream);
    cluster.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_node_keeps_its_event_window() {
    let mut cluster = Cluster::start(3, quick).await;
    let client = Client::connect(cluster.endpoints(), options()).expect("client");
    setup(&client).await;
    let mut last = 0;
    for k in 0..10 {
        last = rename(&client, k).await.expect("rename");
    }
    let leader = cluster.leader().await;
    let node = (1..=3).find(|&id| id != leader).expect("a follower");
    let only = |c: &Cluster| Client::connect([c.endpoint(node)], options()).expect("client");

    // What the node streams before it stops...
    let mut stream = only(&cluster).watch(0, EventFilter::default());
    let before = read_until(&mut stream, last).await;
    drop(stream);
    cluster.stop(node).await;
    cluster.restart(node).await;

    // ...it streams the same after a restart, from its disk.
    let mut stream = only(&cluster).watch(0, EventFilter::default());
    let after = read_until(&mut stream, last).await;
    assert_eq!(after, before);
    assert_eq!(
        before
            .iter()
            .filter(|b| b.events.iter().any(|e| e.kind() == "character.renamed"))
            .count(),
        10
    );
    drop(stream);
    cluster.stop_all().await;
}
