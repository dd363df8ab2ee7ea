//! Membership changes on a running cluster over real gRPC and RocksDB: growing from three to
//! five nodes while writes go on, promoting, removing, transferring leadership, the changes
//! that are refused, and the hand-over of leadership at a graceful shutdown.

mod support;

use openraft::async_runtime::watch::WatchReceiver as _;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{account, get_account, quick, username, write_through_leader, Cluster, WAIT};
use tavern_raft::types::NodeId;
use tavern_raft::{MembershipError, TavernNode};
use tokio::sync::watch;

/// Writes accounts 1, 2, 3, ... through whichever node leads until told to stop, each with its
/// own request id (client 1, seq n), and returns every acknowledged one with its index.
fn spawn_writer(
    nodes: watch::Receiver<BTreeMap<NodeId, TavernNode>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(u32, u64)>> {
    tokio::spawn(async move {
        let mut acked = Vec::new();
        let mut leader = 1;
        let mut n = 1u32;
        while !stop.load(Ordering::Relaxed) {
            let current = nodes.borrow().clone();
            let (at, index) =
                write_through_leader(&current, leader, account(n), 1, u64::from(n)).await;
            acked.push((n, index));
            leader = at;
            n += 1;
        }
        acked
    })
}

/// Waits until the leader has applied `count` more entries than it had: the writer goes on.
async fn writes_go_on(cluster: &Cluster, count: u64) {
    let leader = cluster.leader().await;
    let raft = cluster.node(leader).raft();
    let start = raft
        .metrics()
        .borrow_watched()
        .last_applied
        .map_or(0, |l| l.index());
    raft.wait(Some(WAIT))
        .applied_index_at_least(Some(start + count), "writes go on")
        .await
        .expect("the writer makes progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_nodes_grow_promote_remove_and_transfer_leadership_while_writes_go_on() {
    // --- Three nodes bootstrap; a writer starts and keeps writing through every step.
    let mut cluster = Cluster::new(&[1, 2, 3], quick).await;
    cluster.leader().await;
    let (nodes_tx, nodes_rx) = watch::channel(cluster.nodes.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = spawn_writer(nodes_rx, stop.clone());
    writes_go_on(&cluster, 10).await;

    // --- Nodes 4 and 5 start (the voters and themselves as peers) and are added as learners;
    //     each call returns once the learner has caught up.
    for id in [4, 5] {
        let leader = cluster.leader().await;
        let member = cluster.reserve(id).await;
        cluster.start(id).await;
        nodes_tx.send_replace(cluster.nodes.clone());
        let view = cluster
            .node(leader)
            .add_learner(id, member.clone())
            .await
            .unwrap_or_else(|e| panic!("add learner {id}: {e}"));
        assert_eq!(view.learners.get(&id), Some(&member));
        writes_go_on(&cluster, 5).await;
    }

    // --- Both are promoted: five voters.
    let leader = cluster.leader().await;
    let view = cluster
        .node(leader)
        .promote([4, 5])
        .await
        .expect("promote 4 and 5");
    assert_eq!(
        view.voters.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert!(view.learners.is_empty());

    // --- A write is applied on all five.
    let (_, index) = write_through_leader(&cluster.nodes, leader, account(100_000), 2, 1).await;
    for id in 1..=5 {
        let served = cluster.read_at(id, get_account(100_000), index).await;
        assert_eq!(
            username(&served).as_deref(),
            Some("user100000"),
            "node {id}"
        );
    }

    // --- One of the original voters (not the leader) is removed, then stopped.
    let leader = cluster.leader().await;
    let removed = [3, 2, 1]
        .into_iter()
        .find(|&id| id != leader)
        .expect("a follower");
    let view = cluster
        .node(leader)
        .remove([removed])
        .await
        .expect("remove a voter");
    assert!(!view.voters.contains_key(&removed) && !view.learners.contains_key(&removed));
    assert_eq!(view.voters.len(), 4);
    cluster.stop(removed).await;
    nodes_tx.send_replace(cluster.nodes.clone());
    writes_go_on(&cluster, 5).await;

    // --- Leadership moves to a chosen node, one of the two that joined.
    let leader = cluster.leader().await;
    let chosen = if leader == 4 { 5 } else { 4 };
    cluster
        .node(leader)
        .transfer_leader(chosen)
        .await
        .expect("leadership transferred");
    cluster.all_follow(chosen).await;
    writes_go_on(&cluster, 5).await;

    // --- The writer stops; one last write through the new leader is the barrier.
    stop.store(true, Ordering::Relaxed);
    let acked = writer.await.expect("the writer ends");
    assert!(
        acked.len() >= 30,
        "the writer kept writing: {}",
        acked.len()
    );
    let (_, last) = write_through_leader(&cluster.nodes, chosen, account(100_001), 2, 2).await;

    // --- Every acknowledged write is on every running node, and they hold the same state.
    for &id in cluster.nodes.keys() {
        for &(n, _) in &acked {
            let served = cluster.read_at(id, get_account(n), last).await;
            assert_eq!(
                username(&served),
                Some(format!("user{n}")),
                "account {n} on node {id}"
            );
        }
    }
    let mut states = BTreeSet::new();
    for &id in cluster.nodes.keys() {
        states.insert(cluster.digest(id, last).await);
    }
    assert_eq!(
        states.len(),
        1,
        "one state at one index on every node: {states:?}"
    );

    let ids: Vec<NodeId> = cluster.nodes.keys().copied().collect();
    for id in ids {
        cluster.stop(id).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_membership_changes_are_refused_and_node_ids_are_never_reused() {
    // --- Five voters; two followers stop.
    let mut cluster = Cluster::new(&[1, 2, 3, 4, 5], quick).await;
    let leader = cluster.leader().await;
    let followers: Vec<NodeId> = (1..=5).filter(|&id| id != leader).collect();
    let (down, up) = followers.split_at(2);
    for &id in down {
        cluster.stop(id).await;
    }
    // The leader stops counting them once they have not acknowledged it for the window.
    let running: BTreeSet<NodeId> = cluster.nodes.keys().copied().collect();
    let deadline = Instant::now() + WAIT;
    while cluster.node(leader).reachable().as_ref() != Some(&running) {
        assert!(
            Instant::now() < deadline,
            "the stopped nodes still count as reachable"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // --- Removing a running voter would leave 4 voters with 2 reachable: refused.
    let node = cluster.node(leader);
    let victim = up[0];
    let after: BTreeSet<NodeId> = (1..=5).filter(|&id| id != victim).collect();
    let window_ms = 2 * 1_200;
    assert_eq!(
        node.remove([victim]).await,
        Err(MembershipError::QuorumUnreachable {
            change: format!("removing {{{victim}}}"),
            voters: after,
            reachable: BTreeSet::from([leader, up[1]]),
            needed: 3,
            window_ms,
        })
    );
    let refusal = node
        .remove([victim])
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        refusal.contains("needs a quorum (3 of 4)")
            && refusal.contains("bring the other voters back"),
        "{refusal}"
    );

    // --- Other refusals: an unknown id, every voter, promoting a voter, a follower asked.
    assert_eq!(
        node.remove([9]).await,
        Err(MembershipError::UnknownNode { id: 9 })
    );
    assert_eq!(
        node.remove(1..=5).await,
        Err(MembershipError::LastVoter {
            ids: (1..=5).collect()
        })
    );
    assert_eq!(
        node.promote([victim]).await,
        Err(MembershipError::NotALearner {
            id: victim,
            is_voter: true
        })
    );
    let follower = cluster.node(victim).remove([up[1]]).await;
    assert_eq!(
        follower,
        Err(MembershipError::NotLeader {
            leader_id: Some(leader),
            leader_addr: Some(cluster.peers[&leader].client_addr.clone()),
        })
    );

    // --- The stopped nodes come back; now the removal is safe and goes through.
    for &id in down {
        cluster.start(id).await;
    }
    cluster.all_follow(leader).await;
    let all: BTreeSet<NodeId> = (1..=5).collect();
    let deadline = Instant::now() + WAIT;
    while cluster.node(leader).reachable().as_ref() != Some(&all) {
        assert!(
            Instant::now() < deadline,
            "the restarted nodes do not count as reachable"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let view = cluster
        .node(leader)
        .remove([victim])
        .await
        .expect("a safe removal");
    assert_eq!(view.voters.len(), 4);
    cluster.stop(victim).await;

    // --- The removed id cannot come back, whatever its address; a new node takes id 6.
    let old_member = cluster.peers[&victim].clone();
    assert_eq!(
        cluster.node(leader).add_learner(victim, old_member).await,
        Err(MembershipError::IdReused {
            id: victim,
            max_ever: 5
        })
    );
    let member = cluster.reserve(6).await;
    cluster.start(6).await;
    let view = cluster
        .node(leader)
        .add_learner(6, member)
        .await
        .expect("a new id is fine");
    assert!(view.learners.contains_key(&6));
    assert_eq!(
        cluster
            .node(leader)
            .add_learner(victim, cluster.peers[&victim].clone())
            .await,
        Err(MembershipError::IdReused {
            id: victim,
            max_ever: 6
        })
    );

    let ids: Vec<NodeId> = cluster.nodes.keys().copied().collect();
    for id in ids {
        cluster.stop(id).await;
    }
}

/// Election timeouts far longer than a leader transfer takes: a new leader seen sooner was not
/// elected by a timeout.
fn slow_elections(c: &mut tavern_raft::config::NodeConfig) {
    c.heartbeat_ms = 50;
    c.election_timeout_min_ms = 4_000;
    c.election_timeout_max_ms = 5_000;
    c.snapshot.every_entries = u64::MAX;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_shutting_down_hands_over_without_an_election_timeout() {
    // --- Three nodes with slow elections; node 1 campaigns at once instead of waiting.
    let mut cluster = Cluster::new(&[1, 2, 3], slow_elections).await;
    cluster
        .node(1)
        .raft()
        .trigger()
        .elect(false)
        .await
        .expect("campaign");
    cluster.all_follow(1).await;
    write_through_leader(&cluster.nodes, 1, account(1), 1, 1).await;
    let term = cluster.term(1);

    // --- The leader stops gracefully: its shutdown hands leadership over first.
    let started = Instant::now();
    cluster.stop(1).await; // shutdown() returned Ok
    let m = cluster
        .node(2)
        .raft()
        .wait(Some(WAIT))
        .metrics(|m| m.current_leader.is_some_and(|l| l != 1), "a new leader")
        .await
        .expect("a new leader");
    let leader = m.current_leader.expect("a new leader");
    cluster.all_follow(leader).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(4_000),
        "a new leader within {elapsed:?}, before any election timeout (4 s) could fire"
    );
    assert_eq!(
        cluster.term(leader),
        term + 1,
        "one election, the transfer's"
    );

    // --- The two that remain take writes.
    let (at, _) = write_through_leader(&cluster.nodes, leader, account(2), 1, 2).await;
    assert_eq!(at, leader);
    for id in [2, 3] {
        cluster.stop(id).await;
    }
}

/// `quick` timings with `auto_promote_learners` on.
fn quick_auto_promote(c: &mut tavern_raft::config::NodeConfig) {
    quick(c);
    c.auto_promote_learners = true;
}

/// Starts node 4 and adds it as a learner through the leader; returns the leader.
async fn add_node_4(cluster: &mut Cluster) -> NodeId {
    let leader = cluster.leader().await;
    let member = cluster.reserve(4).await;
    cluster.start(4).await;
    cluster
        .node(leader)
        .add_learner(4, member)
        .await
        .expect("add learner 4");
    leader
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caught_up_learner_is_promoted_automatically_only_when_the_config_says_so() {
    // --- Without the setting (the default), node 4 stays a learner: an operator promotes it.
    let mut manual = Cluster::new(&[1, 2, 3], quick).await;
    let leader = add_node_4(&mut manual).await;
    tokio::time::sleep(Duration::from_millis(
        4 * tavern_raft::node::AUTO_PROMOTE_CHECK_MS,
    ))
    .await;
    let view = manual.node(leader).membership();
    assert!(view.learners.contains_key(&4), "{view:?}");
    assert!(!view.voters.contains_key(&4), "{view:?}");
    for id in [4, 1, 2, 3] {
        manual.stop(id).await;
    }

    // --- With `auto_promote_learners`, the leader promotes node 4 once it has caught up.
    let mut auto = Cluster::new(&[1, 2, 3], quick_auto_promote).await;
    let (_, index) = write_through_leader(&auto.nodes, 1, account(7), 9, 1).await;
    add_node_4(&mut auto).await;
    let start = Instant::now();
    loop {
        let leader = auto.leader().await;
        let view = auto.node(leader).membership();
        if view.voters.contains_key(&4) && !view.joint {
            assert!(view.learners.is_empty(), "{view:?}");
            break;
        }
        assert!(start.elapsed() < WAIT, "node 4 was not promoted: {view:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The new voter has the data written before it joined.
    let served = auto.read_at(4, get_account(7), index).await;
    assert_eq!(username(&served).as_deref(), Some("user7"));
}
