//! Clusters of real `tavern serve` processes (real RocksDB in temp dirs, real gRPC on
//! loopback): they elect a leader and replicate; a stopped follower catches up from the log,
//! or from a snapshot streamed in chunks when the leader purged the log it needs; a full
//! restart keeps everything and resumes from disk instead of replaying the log.

mod harness;

use harness::domain::{
    create_character, get_account, get_character, request, upsert_account, upsert_realm,
};
use harness::Cluster;
use tavern_proto::convert::{ClusterMember, NodeRole};
use tavern_proto::status::node_error_from_status;
use tavern_proto::NodeError;

/// Elects, writes through the leader, and reads the write on every node.
async fn a_cluster_elects_a_leader_and_every_node_reads_the_write(n: u64) {
    // --- n fresh nodes bootstrap from their peer list (no manual step) and elect a leader.
    let cluster = Cluster::start(n, &[]);
    let leader = cluster.leader().await;
    let voters: Vec<ClusterMember> = cluster
        .addrs
        .iter()
        .map(|(&id, a)| ClusterMember {
            id,
            raft_addr: a.raft.to_string(),
            client_addr: a.client.to_string(),
        })
        .collect();
    let statuses = cluster
        .wait_statuses("every node knows every voter", |s| {
            s.voters.len() == voters.len()
        })
        .await;
    for (id, s) in &statuses {
        assert_eq!(
            (
                s.node_id,
                s.cluster_id.as_str(),
                &s.voters,
                s.learners.len()
            ),
            (*id, harness::CLUSTER_ID, &voters, 0),
            "node {id}"
        );
        assert_eq!(
            s.leader_addr,
            Some(cluster.addrs[&leader].client.to_string()),
            "node {id} names the leader's client address"
        );
        let role = if *id == leader {
            NodeRole::Leader
        } else {
            NodeRole::Follower
        };
        assert_eq!(s.role, role, "node {id}");
    }

    // --- Writes through the leader: a realm, an account, a character (with a request id).
    upsert_realm(cluster.channel(leader)).await.expect("realm");
    upsert_account(cluster.channel(leader), 1, None)
        .await
        .expect("account");
    let created = create_character(cluster.channel(leader), 1, 1, "arthas", request(1, 1))
        .await
        .expect("character");
    assert_eq!(created.name, "Arthas");
    let index = harness::domain::index(created.header);

    // --- A follower does not take writes: it names the leader, and the client goes there.
    let follower = cluster.running().into_iter().find(|&id| id != leader);
    let follower = follower.expect("a follower");
    let refused = upsert_account(cluster.channel(follower), 2, None)
        .await
        .expect_err("a follower refuses writes");
    assert_eq!(
        node_error_from_status(&refused),
        Some(NodeError::NotLeader {
            leader_id: Some(leader),
            leader_addr: Some(cluster.addrs[&leader].client.to_string()),
        })
    );

    // --- Read after write: every node serves the character once it applied the write.
    for id in cluster.running() {
        let arthas = get_character(cluster.channel(id), 1, index)
            .await
            .unwrap_or_else(|e| panic!("read on node {id}: {e}"));
        assert_eq!(
            arthas.map(|c| (c.name, c.account, c.level)),
            Some(("Arthas".to_string(), 1, 80)),
            "node {id}"
        );
    }

    // --- The leader sees every follower's log reach the write; every replica has one state.
    cluster
        .wait_statuses("the leader sees every follower at the write", |s| {
            s.role != NodeRole::Leader
                || (s.followers.len() as u64 == n - 1
                    && s.followers.iter().all(|f| f.matched_index >= Some(index)))
        })
        .await;
    let digest = cluster.converged().await;
    assert!(digest.applied_index >= Some(index));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_elect_a_leader_and_every_node_reads_the_write() {
    a_cluster_elects_a_leader_and_every_node_reads_the_write(3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_nodes_elect_a_leader_and_every_node_reads_the_write() {
    a_cluster_elects_a_leader_and_every_node_reads_the_write(5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_follower_catches_up_from_the_log() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    upsert_realm(cluster.channel(leader)).await.expect("realm");

    // --- A follower stops cleanly (SIGTERM) where it was.
    let follower = cluster.running().into_iter().find(|&id| id != leader);
    let follower = follower.expect("a follower");
    cluster.stop(follower);

    // --- Ten accounts are written without it.
    let mut last = 0;
    for account in 1..=10 {
        last = upsert_account(cluster.channel(leader), account, None)
            .await
            .expect("a write with one follower down");
    }

    // --- It comes back: it resumes from its disk, then takes the entries it missed from the
    //     leader's log (nobody snapshotted: the policy is every 10000 entries).
    cluster.start_node(follower);
    let statuses = cluster
        .wait_statuses("the follower applied the missed writes", |s| {
            s.applied_index >= Some(last)
        })
        .await;
    let back = &statuses[&follower];
    assert!(
        back.applied_index_at_start.is_some_and(|i| i < last),
        "it resumed from before the writes: {back:?}"
    );
    assert_eq!(back.snapshot_index, None, "no snapshot was involved");
    let account = get_account(cluster.channel(follower), 10, last)
        .await
        .expect("read on the follower");
    assert_eq!(account.map(|a| a.username), Some("user10".into()));
    cluster.converged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_behind_a_purged_log_installs_a_snapshot_streamed_in_chunks() {
    // --- A snapshot every 10 entries, no log kept behind it, sent in 256-byte chunks.
    let mut cluster = Cluster::start(
        3,
        &[
            "--snapshot-every-entries",
            "10",
            "--logs-to-keep",
            "0",
            "--snapshot-chunk-bytes",
            "256",
        ],
    );
    let leader = cluster.leader().await;
    upsert_realm(cluster.channel(leader)).await.expect("realm");

    // --- A follower stops; forty accounts later the leader has snapshotted and purged the
    //     log the follower would need.
    let follower = cluster.running().into_iter().find(|&id| id != leader);
    let follower = follower.expect("a follower");
    cluster.stop(follower);
    let mut last = 0;
    for account in 1..=40 {
        last = upsert_account(cluster.channel(leader), account, None)
            .await
            .expect("a write with one follower down");
    }
    let on_leader = cluster
        .wait_statuses("the leader snapshotted and purged its log", |s| {
            s.role != NodeRole::Leader || s.purged_index >= Some(last - 10)
        })
        .await
        .remove(&leader)
        .expect("the leader's status");
    assert!(on_leader.snapshot_index >= on_leader.purged_index);
    let snapshot_file = cluster.data_dir(leader).join("snapshots/current.tsnap");
    assert!(snapshot_file.exists(), "{}", snapshot_file.display());

    // --- The follower comes back behind the purged log: only a snapshot can bring it up to
    //     date, and it does.
    cluster.start_node(follower);
    let statuses = cluster
        .wait_statuses("the follower caught up", |s| s.applied_index >= Some(last))
        .await;
    let back = &statuses[&follower];
    let purged = on_leader.purged_index.expect("purged");
    assert!(
        back.applied_index_at_start.is_some_and(|i| i < purged),
        "it started behind the leader's purged log: {back:?}"
    );
    assert!(
        back.snapshot_index >= Some(purged),
        "it holds the leader's snapshot: {back:?}"
    );
    for account in [1, 40] {
        let got = get_account(cluster.channel(follower), account, last)
            .await
            .expect("read on the follower");
        assert_eq!(got.map(|a| a.id), Some(account));
    }
    cluster.converged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_every_node_keeps_all_data_and_resumes_without_replaying_the_log() {
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    upsert_realm(cluster.channel(leader)).await.expect("realm");
    upsert_account(cluster.channel(leader), 1, None)
        .await
        .expect("account");
    let created = create_character(cluster.channel(leader), 1, 1, "jaina", None)
        .await
        .expect("character");
    let index = harness::domain::index(created.header);
    let before = cluster.converged().await;
    let applied = before.applied_index.expect("applied");

    // --- Every node stops cleanly (SIGTERM, exit 0) and starts again on its data.
    for id in cluster.running() {
        cluster.stop(id);
    }
    for id in 1..=3 {
        cluster.start_node(id);
    }
    cluster.leader().await;

    // --- Each resumed from the applied index on its disk: nothing before it was replayed.
    let statuses = cluster
        .wait_statuses("every node reports its status", |_| true)
        .await;
    for (id, s) in &statuses {
        assert!(
            s.applied_index_at_start >= Some(applied),
            "node {id} loaded {:?} at start, it had applied {applied}",
            s.applied_index_at_start
        );
    }

    // --- The data is all there, the same bytes on every node, and the cluster takes writes.
    for id in cluster.running() {
        let jaina = get_character(cluster.channel(id), 1, index)
            .await
            .expect("read after restart");
        assert_eq!(jaina.map(|c| c.name), Some("Jaina".into()), "node {id}");
    }
    let after = cluster.converged().await;
    assert_eq!(after.sha256, before.sha256, "the state is unchanged");
    let leader = cluster.leader().await;
    upsert_account(cluster.channel(leader), 2, None)
        .await
        .expect("the restarted cluster takes writes");
}
