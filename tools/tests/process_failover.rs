//! The leader's process is SIGKILLed: under a stream of writes, nothing acknowledged is lost
//! and the replicas end identical; a write retried with its request id after the kill is
//! applied once and answered with its original response, whether the client saw that answer
//! before the kill or not.

mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use harness::domain::{
    characters_of, create_character, get_account, get_character, index, request, upsert_account,
    upsert_realm, username,
};
use harness::{poll, Cluster, Proxy};
use tavern_proto::pb::admin_service_client::AdminServiceClient;
use tavern_proto::pb::StatusRequest;
use tavern_proto::status::node_error_from_status;
use tavern_proto::NodeError;
use tokio::task::JoinHandle;
use tonic::Code;

/// The stream writer's client id (its request ids are `(WRITER, seq)`).
const WRITER: u64 = 42;

/// A client writing accounts 1, 2, 3, ... one after the other, each with request id
/// `(WRITER, n)`, as a gateway would: it follows `NOT_LEADER` to the leader's address, and on
/// any other failure tries the next node with the same request id, so every account is
/// applied once. It records each acknowledged account with the index it was applied at.
struct Writer {
    acked: Arc<Mutex<Vec<(u32, u64)>>>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Writer {
    fn start(cluster: &Cluster) -> Writer {
        let nodes: Vec<SocketAddr> = cluster.addrs.values().map(|a| a.client).collect();
        let channels: BTreeMap<SocketAddr, _> =
            nodes.iter().map(|&a| (a, cluster.channel_to(a))).collect();
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (acked_w, stop_w) = (acked.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let mut target = nodes[0];
            let mut account = 1u32;
            while !stop_w.load(Ordering::SeqCst) {
                let seq = u64::from(account);
                let written =
                    upsert_account(channels[&target].clone(), account, request(WRITER, seq)).await;
                match written {
                    Ok(index) => {
                        acked_w
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((account, index));
                        account += 1;
                    }
                    Err(status) => {
                        let leader = match node_error_from_status(&status) {
                            Some(NodeError::NotLeader {
                                leader_addr: Some(addr),
                                ..
                            }) => addr
                                .parse::<SocketAddr>()
                                .ok()
                                .filter(|a| channels.contains_key(a)),
                            _ => None,
                        };
                        target = leader.unwrap_or_else(|| {
                            let i = nodes.iter().position(|&a| a == target).unwrap_or(0);
                            nodes[(i + 1) % nodes.len()]
                        });
                        tokio::time::sleep(harness::POLL).await;
                    }
                }
            }
        });
        Writer { acked, stop, task }
    }

    fn acked(&self) -> Vec<(u32, u64)> {
        self.acked.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn wait_acked(&self, n: usize) {
        poll(&format!("{n} acknowledged writes"), || async move {
            (self.acked().len() >= n).then_some(())
        })
        .await;
    }

    async fn stop(self) -> Vec<(u32, u64)> {
        self.stop.store(true, Ordering::SeqCst);
        let acked = self.acked.clone();
        self.task.await.expect("the writer task ends");
        let acked = acked.lock().unwrap_or_else(|p| p.into_inner()).clone();
        acked
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_under_a_stream_of_writes_loses_no_acknowledged_write() {
    let mut cluster = Cluster::start(3, &[]);
    let old_leader = cluster.leader().await;

    // --- A client writes continuously; the leader's process is SIGKILLed mid-stream.
    let writer = Writer::start(&cluster);
    writer.wait_acked(20).await;
    cluster.kill(old_leader);
    let acked_at_kill = writer.acked().len();

    // --- The two others elect a new leader, and the writes go on through it.
    let new_leader = cluster.leader().await;
    assert_ne!(new_leader, old_leader);
    writer.wait_acked(acked_at_kill + 20).await;
    let acked = writer.stop().await;
    let last = acked.iter().map(|&(_, i)| i).max().expect("acks");
    println!(
        "{} writes acknowledged, {} of them after node {old_leader} was killed; last index {last}",
        acked.len(),
        acked.len() - acked_at_kill
    );

    // --- Every acknowledged write is there, on both live nodes.
    for id in cluster.running() {
        for &(account, _) in &acked {
            let got = get_account(cluster.channel(id), account, last)
                .await
                .unwrap_or_else(|e| panic!("node {id}, account {account}: {e}"));
            assert_eq!(
                got.map(|a| a.username),
                Some(username(account)),
                "node {id} lost acknowledged account {account}"
            );
        }
    }

    // --- The killed node comes back, catches up, and all three hold the same state at the
    //     same applied index.
    cluster.start_node(old_leader);
    let digest = cluster.converged().await;
    assert!(digest.applied_index >= Some(last));
    let (first, _) = acked[0];
    let got = get_account(cluster.channel(old_leader), first, last)
        .await
        .expect("read on the restarted node");
    assert_eq!(got.map(|a| a.username), Some(username(first)));
}

/// A realm and account 1, through the leader.
async fn realm_and_account(cluster: &Cluster, leader: u64) {
    upsert_realm(cluster.channel(leader)).await.expect("realm");
    upsert_account(cluster.channel(leader), 1, None)
        .await
        .expect("account");
}

/// After a retry: account 1 has exactly the one character on every running node.
async fn applied_once(cluster: &Cluster, at: u64, name: &str) {
    for id in cluster.running() {
        let names = characters_of(cluster.channel(id), 1, at)
            .await
            .unwrap_or_else(|e| panic!("node {id}: {e}"));
        assert_eq!(names, [name], "node {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_retried_after_the_leader_is_killed_is_applied_once() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    realm_and_account(&cluster, leader).await;

    // --- A character is created with request id (7, 1) and acknowledged; then the leader's
    //     process is SIGKILLed.
    let original = create_character(cluster.channel(leader), 1, 1, "thrall", request(7, 1))
        .await
        .expect("created");
    cluster.kill(leader);

    // --- The same request goes again to the new leader (as from a client whose answer was
    //     lost on the way): it gets the original answer, stored in its session.
    let new_leader = cluster.leader().await;
    let retried = create_character(cluster.channel(new_leader), 1, 1, "thrall", request(7, 1))
        .await
        .expect("the retry is answered");
    assert_eq!((&retried.id, &retried.name), (&original.id, &original.name));
    assert!(
        index(retried.header) > index(original.header),
        "a new entry"
    );

    // --- The character exists once; creating it anew (another request id) is refused.
    applied_once(&cluster, index(retried.header), "Thrall").await;
    let again = create_character(cluster.channel(new_leader), 1, 1, "thrall", request(7, 2))
        .await
        .expect_err("a second create of the same character");
    assert_eq!(again.code(), Code::AlreadyExists, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_died_with_the_leader_is_applied_once_on_retry() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    realm_and_account(&cluster, leader).await;

    // --- The client reaches the leader through a proxy that, from now on, swallows the
    //     leader's replies: the request gets there, the answer never comes back.
    let proxy = Proxy::start(cluster.addrs[&leader].client).await;
    let through_proxy = cluster.channel_to(proxy.addr);
    AdminServiceClient::new(through_proxy.clone())
        .status(harness::timed(StatusRequest {}))
        .await
        .expect("the proxy passes calls");
    let before = cluster
        .status(leader)
        .await
        .expect("leader status")
        .last_log_index
        .expect("a log");
    proxy.drop_replies();
    let lost = tokio::spawn(create_character(
        through_proxy,
        1,
        1,
        "sylvanas",
        request(8, 1),
    ));

    // --- The write commits: a follower applies it and serves the character.
    let follower = cluster.running().into_iter().find(|&id| id != leader);
    let follower = follower.expect("a follower");
    let c = &cluster;
    poll("the write applied on a follower", || async move {
        get_character(c.channel(follower), 1, before + 1)
            .await
            .ok()
            .flatten()
    })
    .await;

    // --- The leader dies before the client saw the answer: for the client, its fate is
    //     unknown.
    cluster.kill(leader);
    let failed = lost.await.expect("the call's task");
    assert!(
        failed.is_err(),
        "the answer never reached the client: {failed:?}"
    );

    // --- It retries with the same request id on the new leader: the answer is the one the
    //     first attempt produced, and nothing is applied twice (a second create would fail).
    let new_leader = cluster.leader().await;
    let retried = create_character(cluster.channel(new_leader), 1, 1, "sylvanas", request(8, 1))
        .await
        .expect("the retry is answered");
    assert_eq!(
        (retried.id.map(|i| (i.realm, i.low)), retried.name.as_str()),
        (Some((1, 1)), "Sylvanas")
    );
    applied_once(&cluster, index(retried.header), "Sylvanas").await;
}
