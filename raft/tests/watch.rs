//! `WatchService` over gRPC on a `TestNode` (writes apply at once, so a test can write
//! thousands of entries quickly), driven by the generated client:
//!
//! - the history (from the window) and the live stream meet with no gap and no duplicate
//!   while writes go on;
//! - a watcher that does not read for longer than a reply may wait is cut off with
//!   `ABORTED`/`WATCH_LAGGED` naming the index to resume from, and resuming there loses
//!   nothing;
//! - a node at its stream limit refuses another watcher with `RESOURCE_EXHAUSTED`, and a
//!   filter with an unknown kind is refused with `INVALID_ARGUMENT`;
//! - the node's status counts its streams (open, opened, refused, cut off), as `/metrics`
//!   and the status page show them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tavern_proto::pb::watch_service_client::WatchServiceClient;
use tavern_proto::pb::{WatchFilter, WatchRequest};
use tavern_proto::status::node_error_from_status;
use tavern_proto::{EventBatch, NodeError};
use tavern_raft::api::Node;
use tavern_raft::config::WatchPolicy;
use tavern_raft::service::watch::WATCH_SEND_WAIT_MS;
use tavern_raft::service::Admin;
use tavern_raft::service::{routes, serve, ServiceLimits};
use tavern_raft::testnode::TestNode;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::realm::{Realm, RealmCommand};
use tavern_statemachine::testkit::EPOCH_MS;
use tavern_statemachine::{CharacterId, Command};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic::{Code, Streaming};

const ARTHAS: CharacterId = CharacterId { realm: 1, low: 1 };
const WAIT: Duration = Duration::from_secs(20);

struct Served {
    node: Arc<TestNode>,
    addr: SocketAddr,
    _shutdown: oneshot::Sender<()>,
}

async fn start(watch: WatchPolicy) -> Served {
    let node = Arc::new(TestNode::new(EPOCH_MS));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("a local address");
    let limits = ServiceLimits {
        request_bytes_max: 1 << 20,
        watch,
    };
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, routes(node.clone(), limits), async {
        let _ = stop.await;
    }));
    for command in [
        Command::Realm(RealmCommand::Upsert(Realm {
            id: 1,
            name: "Lordaeron".into(),
            cross_realm: false,
        })),
        Command::Account(AccountCommand::Upsert {
            id: 1,
            username: "ARTHAS".into(),
            locale: "enUS".into(),
        }),
        Command::Character(CharacterCommand::Create {
            id: ARTHAS,
            account: 1,
            name: "Arthas".into(),
            race: 1,
            class: 1,
            gender: 0,
            level: 1,
        }),
    ] {
        node.write(command, None).await.expect("set-up write");
    }
    Served {
        node,
        addr,
        _shutdown: shutdown,
    }
}

/// Renames Arthas (one event per entry); returns the entry's index.
async fn rename(node: &TestNode, k: u32) -> u64 {
    let mut name = String::from("Wa");
    let mut n = k;
    for _ in 0..4 {
        name.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    let written = node
        .write(
            Command::Character(CharacterCommand::Rename { id: ARTHAS, name }),
            None,
        )
        .await
        .expect("rename");
    assert!(written.response.is_ok(), "{:?}", written.response);
    written.applied_index
}

/// HTTP/2 flow-control window of a watcher's stream: small, so a watcher that does not read
/// holds up the node's replies after a few of them, as a slow reader over a real network would.
const STREAM_WINDOW_BYTES: u32 = 1024;

async fn watch(
    addr: SocketAddr,
    from_index: u64,
) -> Result<Streaming<tavern_proto::pb::WatchReply>, tonic::Status> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .initial_stream_window_size(STREAM_WINDOW_BYTES)
        .connect()
        .await
        .expect("connect");
    WatchServiceClient::new(channel)
        .watch(WatchRequest {
            from_index,
            filter: Some(WatchFilter {
                kinds: vec!["character.renamed".into()],
                ..WatchFilter::default()
            }),
        })
        .await
        .map(|r| r.into_inner())
}

/// Reads replies with events until one at `index` or later; returns their indexes.
async fn indexes_until(
    stream: &mut Streaming<tavern_proto::pb::WatchReply>,
    index: u64,
) -> Vec<u64> {
    let mut seen = Vec::new();
    loop {
        let reply = tokio::time::timeout(WAIT, stream.message())
            .await
            .expect("a reply in time")
            .expect("no error")
            .expect("the stream goes on");
        let batch = EventBatch::try_from(reply).expect("a valid reply");
        if !batch.events.is_empty() {
            seen.push(batch.index);
        }
        if batch.index >= index {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn history_and_live_meet_with_no_gap_and_no_duplicate() {
    let served = start(WatchPolicy::default()).await;
    // A history of many pages of the window...
    let mut written = Vec::new();
    for k in 0..3_000 {
        written.push(rename(&served.node, k).await);
    }
    // ...and a writer that goes on while the watcher subscribes and reads the history: the
    // entries applied in between are both in the window and in the live broadcast, and must
    // arrive once.
    let writer = {
        let node = served.node.clone();
        tokio::spawn(async move {
            let mut indexes = Vec::new();
            for k in 3_000..4_000 {
                indexes.push(rename(&node, k).await);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            indexes
        })
    };
    let mut stream = watch(served.addr, 0).await.expect("watch");
    // Read while the writer goes on: its 1000 entries follow the history's last one.
    let last = *written.last().expect("writes") + 1_000;
    let seen = indexes_until(&mut stream, last).await;
    written.extend(writer.await.expect("writer"));
    assert_eq!(written.last(), Some(&last));
    assert_eq!(seen, written, "every rename once, in log order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_watcher_is_cut_off_and_resumes_from_its_last_index() {
    let served = start(WatchPolicy {
        buffer_replies: 4,
        ..WatchPolicy::default()
    })
    .await;
    // The watcher subscribes and then does not read while 5000 renames apply: its replies
    // fill the transport and then its queue of 4.
    let mut stream = watch(served.addr, 0).await.expect("watch");
    let mut written = Vec::new();
    for k in 0..5_000 {
        written.push(rename(&served.node, k).await);
    }
    // Longer than a reply may wait for room: the node gives up on this watcher.
    tokio::time::sleep(Duration::from_millis(3 * WATCH_SEND_WAIT_MS)).await;
    let mut received = Vec::new();
    let status = loop {
        match tokio::time::timeout(WAIT, stream.message())
            .await
            .expect("in time")
        {
            Ok(Some(reply)) => {
                let batch = EventBatch::try_from(reply).expect("valid");
                if !batch.events.is_empty() {
                    received.push(batch.index);
                }
            }
            Ok(None) => panic!("the stream ended without the lagged error"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::Aborted);
    let resume_index = match node_error_from_status(&status) {
        Some(NodeError::WatchLagged { resume_index }) => resume_index,
        other => panic!("expected WATCH_LAGGED, got {other:?}"),
    };
    assert!(status
        .message()
        .contains("watch again from the last index received + 1"));
    assert!(
        received.len() < written.len(),
        "cut off before the end: received {} of {}, resume at {resume_index}",
        received.len(),
        written.len()
    );
    assert_eq!(received.last().map(|i| i + 1), Some(resume_index));
    let counts = served.node.status().await.expect("status").watch;
    assert_eq!((counts.opened, counts.cut_off_lagged), (1, 1), "{counts:?}");

    // Resuming from there gives the rest: every rename once.
    let mut stream = watch(served.addr, resume_index).await.expect("watch again");
    received.extend(indexes_until(&mut stream, *written.last().expect("writes")).await);
    assert_eq!(received, written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stream_limit_and_bad_filters_are_refused() {
    let served = start(WatchPolicy {
        streams_max: 1,
        ..WatchPolicy::default()
    })
    .await;
    let first = watch(served.addr, 0).await.expect("the first watcher");
    let refused = watch(served.addr, 0)
        .await
        .expect_err("the second is refused");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(
        node_error_from_status(&refused),
        Some(NodeError::TooManyWatches { max: 1 })
    );
    let counts = served.node.status().await.expect("status").watch;
    assert_eq!(
        (counts.open, counts.opened, counts.refused),
        (1, 1, 1),
        "{counts:?}"
    );
    // The first one leaves: its place is free again (the server notices the closed stream).
    drop(first);
    let deadline = tokio::time::Instant::now() + WAIT;
    let again = loop {
        match watch(served.addr, 0).await {
            Ok(s) => break s,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("the place was not freed: {e}"),
        }
    };
    drop(again);
    // Both gone: none open, and none was cut off.
    let deadline = tokio::time::Instant::now() + WAIT;
    let counts = loop {
        let counts = served.node.status().await.expect("status").watch;
        if counts.open == 0 || tokio::time::Instant::now() >= deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        (counts.open, counts.opened, counts.cut_off_lagged),
        (0, 2, 0),
        "{counts:?}"
    );

    let channel = Channel::from_shared(format!("http://{}", served.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let bad = WatchServiceClient::new(channel)
        .watch(WatchRequest {
            from_index: 0,
            filter: Some(WatchFilter {
                kinds: vec!["presence.teleported".into()],
                ..WatchFilter::default()
            }),
        })
        .await
        .expect_err("an unknown kind");
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("filter.kinds"), "{}", bad.message());
}
