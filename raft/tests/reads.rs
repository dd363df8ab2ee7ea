//! LINEARIZABLE reads on every node: a follower gets a read index from the leader, waits until
//! it applied it and reads locally; many concurrent reads share one read index round.

mod support;

use support::{account, get_account, quick, username, write_through_leader, Cluster};
use tavern_proto::convert::ReadLevel;
use tavern_raft::api::{Node, NodeError};
use tavern_raft::types::NodeId;

/// Reads started at once on one node.
const CONCURRENT_READS: u64 = 200;

fn followers(cluster: &Cluster, leader: NodeId) -> Vec<NodeId> {
    cluster
        .nodes
        .keys()
        .copied()
        .filter(|id| *id != leader)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_serves_a_linearizable_read_that_sees_the_last_acknowledged_write() {
    let cluster = Cluster::new(&[1, 2, 3], quick).await;
    let leader = cluster.leader().await;
    cluster.all_follow(leader).await;

    // Each write, once the leader acknowledged it, is seen by a linearizable read on any
    // follower right away (no AT_LEAST index given: the read index does the waiting).
    for n in 1..=5u32 {
        let (_, index) =
            write_through_leader(&cluster.nodes, leader, account(n), 7, u64::from(n)).await;
        for follower in followers(&cluster, leader) {
            let served = cluster
                .node(follower)
                .read(get_account(n), ReadLevel::Linearizable)
                .await
                .unwrap_or_else(|e| panic!("linearizable read on follower {follower}: {e}"));
            assert_eq!(
                username(&served),
                Some(format!("user{n}")),
                "node {follower}"
            );
            assert!(
                served.applied_index >= index,
                "node {follower} served at {} before the write's index {index}",
                served.applied_index
            );
        }
    }
    // The followers asked the leader: each ran rounds of its own.
    for follower in followers(&cluster, leader) {
        assert!(cluster.node(follower).read_rounds() >= 5, "node {follower}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_linearizable_reads_share_read_index_rounds() {
    let cluster = Cluster::new(&[1, 2, 3], quick).await;
    let leader = cluster.leader().await;
    cluster.all_follow(leader).await;
    write_through_leader(&cluster.nodes, leader, account(1), 7, 1).await;
    let follower = followers(&cluster, leader)[0];

    let leader_before = cluster.node(leader).read_rounds();
    let follower_before = cluster.node(follower).read_rounds();

    // CONCURRENT_READS reads on the leader and as many on a follower, all at once.
    let mut reads = tokio::task::JoinSet::new();
    for id in [leader, follower] {
        for _ in 0..CONCURRENT_READS {
            let node = cluster.node(id).clone();
            reads.spawn(async move { node.read(get_account(1), ReadLevel::Linearizable).await });
        }
    }
    let mut served = 0;
    while let Some(r) = reads.join_next().await {
        let r = r.expect("read task").expect("linearizable read");
        assert_eq!(username(&r), Some("user1".into()));
        served += 1;
    }
    assert_eq!(served, 2 * CONCURRENT_READS);

    // One round serves every read that queued while the previous one ran: far fewer rounds
    // than reads, on the follower and on the leader (whose rounds also serve the follower's).
    let on_leader = cluster.node(leader).read_rounds() - leader_before;
    let on_follower = cluster.node(follower).read_rounds() - follower_before;
    println!(
        "{} reads: {on_leader} rounds on the leader, {on_follower} on the follower",
        2 * CONCURRENT_READS
    );
    assert!(on_leader >= 1 && on_follower >= 1);
    assert!(
        on_leader + on_follower <= CONCURRENT_READS / 4,
        "{} reads took {on_leader} rounds on the leader and {on_follower} on the follower",
        2 * CONCURRENT_READS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_without_a_reachable_leader_refuses_linearizable_reads_but_serves_stale() {
    let mut cluster = Cluster::new(&[1, 2, 3], quick).await;
    let leader = cluster.leader().await;
    cluster.all_follow(leader).await;
    write_through_leader(&cluster.nodes, leader, account(1), 7, 1).await;
    let [alone, other] = followers(&cluster, leader)[..] else {
        panic!("two followers")
    };
    cluster.stop(leader).await;
    cluster.stop(other).await;

    // No quorum: the read index cannot be had, and the read says so instead of answering.
    let refused = cluster
        .node(alone)
        .read(get_account(1), ReadLevel::Linearizable)
        .await;
    assert!(
        matches!(
            refused,
            Err(NodeError::Unavailable(_) | NodeError::Timeout { .. })
        ),
        "{refused:?}"
    );
    // A STALE read with a bound large enough still answers from the local state.
    let stale = cluster
        .node(alone)
        .read(get_account(1), ReadLevel::Stale { max_ms: u64::MAX })
        .await
        .expect("stale read");
    assert_eq!(username(&stale), Some("user1".into()));
}
