//! The operator's commands against real `tavern serve` processes: `tavern status`,
//! `tavern member add|promote|remove` and `tavern leader transfer`, each run as a user would
//! type it, against any node (changes follow the leader).

mod harness;

use harness::domain::upsert_realm;
use harness::{Addrs, Cluster};
use std::net::SocketAddr;
use tavern_proto::convert::NodeRole;

/// Runs `tavern ARGS...` and returns (success, stdout, stderr).
fn tavern(args: &[String]) -> (bool, String, String) {
    let out = harness::tavern().args(args).output().expect("run tavern");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_grows_the_cluster_moves_the_leader_and_is_refused_unsafe_changes() {
    // --- Three nodes, a write, and a fourth node started with the cluster's id and a peer
    //     list of itself and the voters (it waits to be added).
    let mut cluster = Cluster::start(3, &[]);
    let leader = cluster.leader().await;
    upsert_realm(cluster.channel(leader))
        .await
        .expect("a write");
    let four = Addrs {
        raft: SocketAddr::from(([127, 0, 0, 1], harness::free_port())),
        client: SocketAddr::from(([127, 0, 0, 1], harness::free_port())),
    };
    let (four_raft, four_client) = (four.raft.to_string(), four.client.to_string());
    cluster.addrs.insert(4, four);
    cluster.start_node(4);
    let follower = (1..=3).find(|&i| i != leader).expect("a follower");
    let at = |id: u64| cluster.addrs[&id].client.to_string();

    // --- `member add`, sent to a follower: it follows the leader and waits for the catch-up.
    let (ok, out, err) = tavern(&args(&[
        "member",
        "add",
        "-e",
        &at(follower),
        "--id",
        "4",
        "--raft-addr",
        &four_raft,
        "--client-addr",
        &four_client,
    ]));
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("learner  node 4   raft {four_raft}")),
        "{out}"
    );

    // --- `member promote`: four voters, as `tavern status` on the new node shows.
    let (ok, out, err) = tavern(&args(&["member", "promote", "-e", &at(leader), "4"]));
    assert!(ok, "{err}");
    assert_eq!(out.matches("  voter    node ").count(), 4, "{out}");
    // It has the realm too, among the entities its state holds.
    let status = harness::poll("node 4 sees four voters and holds the realm", || async {
        let (ok, out, _) = tavern(&args(&["status", "-e", &four_client]));
        (ok && out.matches("  voter    node ").count() == 4
            && out.contains("\nentities: realms 1\n"))
        .then_some(out)
    })
    .await;
    assert!(
        status.starts_with(&format!("node 4 of cluster \"{}\": ", harness::CLUSTER_ID)),
        "{status}"
    );

    // --- `leader transfer` to the new node.
    let (ok, out, err) = tavern(&args(&[
        "leader",
        "transfer",
        "-e",
        &at(follower),
        "--to",
        "4",
    ]));
    assert!(ok, "{err}");
    assert_eq!(out, "node 4 leads\n");
    assert_eq!(cluster.leader().await, 4);
    assert_eq!(
        cluster.status(4).await.expect("status").role,
        NodeRole::Leader
    );

    // --- `member remove` node 1; its id cannot come back.
    let (ok, out, err) = tavern(&args(&["member", "remove", "-e", &four_client, "1"]));
    assert!(ok, "{err}");
    assert_eq!(out.matches("  voter    node ").count(), 3, "{out}");
    cluster.stop(1);
    let one = &cluster.addrs[&1];
    let (ok, _, err) = tavern(&args(&[
        "member",
        "add",
        "-e",
        &four_client,
        "--id",
        "1",
        "--raft-addr",
        &one.raft.to_string(),
        "--client-addr",
        &one.client.to_string(),
    ]));
    assert!(!ok);
    assert!(
        err.contains("node id 1 was already used in this cluster"),
        "{err}"
    );

    // --- Unsafe: with node 2 down, removing node 3 would leave voters {2, 4} with only one
    //     reachable: refused, and the membership stays.
    cluster.stop(2);
    // A voter counts as reachable while it acknowledged the leader within two election
    // timeouts (2 × 1200 ms here); past that window the leader knows node 2 is gone.
    tokio::time::sleep(std::time::Duration::from_millis(2 * 1200 + 600)).await;
    let (ok, _, err) = tavern(&args(&["member", "remove", "-e", &four_client, "3"]));
    assert!(!ok);
    assert!(
        err.starts_with("tavern member: refused (FailedPrecondition): refused: "),
        "{err}"
    );
    assert!(err.contains("needs a quorum"), "{err}");
    let s = cluster.status(4).await.expect("status");
    assert_eq!(
        s.voters.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );

    // --- Bad input gets a clear error and changes nothing.
    let (ok, _, err) = tavern(&args(&["member", "promote", "-e", &four_client, "0"]));
    assert!(!ok);
    assert!(err.contains("node ids start at 1"), "{err}");
    let (ok, _, err) = tavern(&args(&["status", "-e", "127.0.0.1:1"]));
    assert!(!ok);
    assert!(err.contains("cannot reach a node at 127.0.0.1:1"), "{err}");
}
