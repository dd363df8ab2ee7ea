//! A node's identity over real gRPC and RocksDB: a data directory of another cluster or node is
//! refused at start, a node reached at an address meant for another refuses its messages, and a
//! corrupt snapshot file stops the start with the file left in place. Nothing is lost.

mod support;

use openraft::async_runtime::watch::WatchReceiver as _;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::{
    account, get_account, quick, username, write_through_leader, Cluster, CLUSTER_ID, WAIT,
};
use tavern_raft::config::{NodeConfig, RawConfig};
use tavern_raft::types::{Member, NodeId};
use tavern_raft::{StartError, TavernNode};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_of_another_cluster_or_node_is_refused_and_keeps_its_data() {
    // --- Three nodes, one write; node 2 stops.
    let mut cluster = Cluster::new(&[1, 2, 3], quick).await;
    let leader = cluster.leader().await;
    let (_, index) = write_through_leader(&cluster.nodes, leader, account(1), 1, 1).await;
    cluster.read_at(2, get_account(1), index).await;
    cluster.stop(2).await;
    let dir2 = cluster.dirs[&2].path().to_path_buf();

    // --- Node 2's directory under another cluster id: refused, naming both.
    let mut other_cluster = cluster.config(2);
    other_cluster.cluster_id = "outland".into();
    let refused = cluster
        .try_start(other_cluster, 2)
        .await
        .expect_err("refused");
    assert!(
        matches!(refused, StartError::Identity { .. }),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        format!(
            "data dir {} belongs to cluster \"{CLUSTER_ID}\" node 2, but the config says cluster \
             \"outland\" node 2: refusing to start (its data was not changed)",
            dir2.display()
        )
    );

    // --- Node 3's config with node 2's directory: refused too.
    let mut other_node = cluster.config(3);
    other_node.data_dir = dir2.clone();
    let refused = cluster.try_start(other_node, 2).await.expect_err("refused");
    assert_eq!(
        refused.to_string(),
        format!(
            "data dir {} belongs to cluster \"{CLUSTER_ID}\" node 2, but the config says cluster \
             \"{CLUSTER_ID}\" node 3: refusing to start (its data was not changed)",
            dir2.display()
        )
    );

    // --- Node 2 with its own config: it starts, has its data and follows the leader.
    cluster.start(2).await;
    let served = cluster.read_at(2, get_account(1), index).await;
    assert_eq!(username(&served).as_deref(), Some("user1"));
    cluster.all_follow(leader).await;
    for id in [1, 2, 3] {
        cluster.stop(id).await;
    }
}

/// Starts a node that is not part of `cluster`: `id` of `cluster_id` with its own directory and
/// address, and `peers` besides itself.
async fn start_stray(
    cluster_id: &str,
    id: NodeId,
    peers: &BTreeMap<NodeId, Member>,
    dir: &tempfile::TempDir,
) -> TavernNode {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut peers = peers.clone();
    peers.insert(
        id,
        Member {
            raft_addr: listener.local_addr().expect("addr").to_string(),
            client_addr: client.local_addr().expect("addr").to_string(),
        },
    );
    let mut config: NodeConfig = RawConfig::for_node(cluster_id, id, dir.path(), &peers)
        .validate()
        .expect("valid config");
    quick(&mut config);
    TavernNode::start(config, listener)
        .await
        .expect("the stray starts")
}

/// Waits until `node` reports that peer `peer` refused its messages, and returns the refusal.
async fn refusal(node: &TavernNode, peer: NodeId) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(why) = node.refused_by().remove(&peer) {
            return why;
        }
        assert!(Instant::now() < deadline, "node {peer} never refused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reached_at_an_address_meant_for_another_refuses_the_messages() {
    // --- A healthy cluster of four.
    let cluster = Cluster::new(&[1, 2, 3, 4], quick).await;
    let leader = cluster.leader().await;
    write_through_leader(&cluster.nodes, leader, account(1), 1, 1).await;
    let term = cluster.term(leader);
    let at_node_4 = |id: NodeId| {
        BTreeMap::from([(
            id,
            Member {
                raft_addr: cluster.peers[&4].raft_addr.clone(),
                client_addr: "127.0.0.1:9".into(),
            },
        )])
    };

    // --- A fresh node 1 whose peer list has node 3's address pointing at node 4: it
    //     bootstraps and campaigns, and node 4 refuses every vote.
    let dir = tempfile::tempdir().expect("dir");
    let stray = start_stray(CLUSTER_ID, 1, &at_node_4(3), &dir).await;
    assert_eq!(
        refusal(&stray, 3).await,
        format!(
            "this is node 4 of cluster \"{CLUSTER_ID}\", the message from node 1 was for node 3: \
             check the peer list of node 1 (its address for node 3 points here)"
        )
    );

    // --- A node of another cluster pointed at node 4 as its node 4: refused for the cluster.
    let other_dir = tempfile::tempdir().expect("dir");
    let outsider = start_stray("outland", 1, &at_node_4(4), &other_dir).await;
    assert_eq!(
        refusal(&outsider, 4).await,
        format!(
            "this is node 4 of cluster \"{CLUSTER_ID}\", the message from node 1 of cluster \
             \"outland\" was for node 4 of cluster \"outland\": check the peer list of node 1 \
             (its address for node 4 points here)"
        )
    );

    // --- Neither got a vote; the cluster did not notice: same leader, same term, writes apply.
    for stray in [&stray, &outsider] {
        let m = stray.raft().metrics().borrow_watched().clone();
        assert_ne!(
            m.state,
            openraft::ServerState::Leader,
            "the stray won no election"
        );
    }
    let (_, index) = write_through_leader(&cluster.nodes, leader, account(2), 1, 2).await;
    cluster.all_follow(leader).await;
    assert_eq!(cluster.term(leader), term);
    let served = cluster.read_at(4, get_account(2), index).await;
    assert_eq!(username(&served).as_deref(), Some("user2"));

    stray.shutdown().await.expect("stray stops");
    outsider.shutdown().await.expect("outsider stops");
    let mut cluster = cluster;
    for id in [1, 2, 3, 4] {
        cluster.stop(id).await;
    }
}

fn snapshot_often(c: &mut NodeConfig) {
    quick(c);
    c.snapshot.every_entries = 5;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_snapshot_file_stops_the_start_and_stays_in_place() {
    // --- Three nodes that snapshot every 5 entries; a follower has a snapshot.
    let mut cluster = Cluster::new(&[1, 2, 3], snapshot_often).await;
    let leader = cluster.leader().await;
    let follower = [1, 2, 3]
        .into_iter()
        .find(|&id| id != leader)
        .expect("follower");
    let mut index = 0;
    for n in 1..=12 {
        index = write_through_leader(&cluster.nodes, leader, account(n), 1, u64::from(n))
            .await
            .1;
    }
    cluster
        .node(follower)
        .raft()
        .wait(Some(WAIT))
        .metrics(|m| m.snapshot.is_some(), "the follower built a snapshot")
        .await
        .expect("a snapshot");
    cluster.read_at(follower, get_account(12), index).await;

    // --- It stops, and one byte of its snapshot file turns.
    cluster.stop(follower).await;
    let path = cluster.dirs[&follower]
        .path()
        .join("snapshots/current.tsnap");
    let good = std::fs::read(&path).expect("the snapshot file");
    let mut bad = good.clone();
    let at = bad.len() - 1; // in the checksum
    bad[at] ^= 0x5a;
    std::fs::write(&path, &bad).expect("corrupt it");

    // --- It refuses to start, says which file and what is wrong, and deletes nothing.
    let refused = cluster
        .try_start(cluster.config(follower), follower)
        .await
        .expect_err("refused");
    match &refused {
        StartError::CorruptSnapshot { path: named, .. } => assert_eq!(named, &path),
        other => panic!("expected a corrupt snapshot, got {other}"),
    }
    let message = refused.to_string();
    assert!(
        message.starts_with(&format!(
            "snapshot file {} is corrupt: checksum mismatch",
            path.display()
        )) && message.contains("nothing was deleted"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).expect("still there"), bad);

    // --- The other two go on; with the file restored the node starts and has everything.
    let (_, index) = write_through_leader(&cluster.nodes, leader, account(13), 1, 13).await;
    std::fs::write(&path, &good).expect("restore");
    cluster.start(follower).await;
    for n in [1, 12, 13] {
        let served = cluster.read_at(follower, get_account(n), index).await;
        assert_eq!(username(&served), Some(format!("user{n}")));
    }
    for id in [1, 2, 3] {
        cluster.stop(id).await;
    }
}
