//! Peers authenticate each other: a three-node cluster over mutual TLS, then over a cluster
//! secret, each faced with an outsider.
//!
//! The outsider tries both ways in: as a node the leader is asked to add (it cannot join: the
//! leader's messages never reach it, it stays empty, the change reports it did not catch up),
//! and as a client of the internal Raft service sending a message to a follower (refused before
//! the service sees it; the same message from a real member reaches the service). All along
//! the cluster keeps its leader and its term, and takes writes.

mod certs;
mod support;

use std::path::Path;
use std::time::Duration;

use openraft::async_runtime::watch::WatchReceiver as _;
use tavern_raft::config::{NodeConfig, SecurityConfig, TlsFiles};
use tavern_raft::identity::Identity;
use tavern_raft::network::pb::raft_internal_client::RaftInternalClient;
use tavern_raft::network::pb::RaftPayload;
use tavern_raft::security::Security;
use tavern_raft::types::NodeId;
use tavern_raft::{MembershipError, TavernNode};
use tonic::Code;

use support::{account, get_account, quick, username, write_through_leader, Cluster, CLUSTER_ID};

/// Bounds `add_learner`'s wait for a learner to catch up.
const CATCH_UP_MS: u64 = 5_000;

fn tune(c: &mut NodeConfig) {
    quick(c);
    c.snapshot.timeout_ms = CATCH_UP_MS;
}

/// Node `id`'s TLS: a certificate issued by `ca` (written in `dir`), trusting `trusted` as the
/// cluster CA.
fn tls(dir: &Path, id: NodeId, ca: &certs::Ca, trusted: &certs::Ca) -> SecurityConfig {
    let name = format!("node{id}-by-{}", ca.pem.len());
    let (cert, key) = ca.issue(&name).write(dir, &name);
    SecurityConfig {
        tls: Some(TlsFiles {
            cert,
            key,
            cluster_ca: trusted.write(dir, &format!("trusted-by-{name}.crt")),
            client_ca: None,
        }),
        ..SecurityConfig::default()
    }
}

/// Starts node `id` of `cluster` with `security`.
async fn start(cluster: &mut Cluster, id: NodeId, security: SecurityConfig) -> TavernNode {
    let mut config = cluster.config(id);
    config.security = security;
    cluster.try_start(config, id).await.expect("node starts")
}

/// Starts nodes 1 to 3 as a new cluster, each with the security `of` gives it.
async fn three_nodes(of: impl Fn(NodeId) -> SecurityConfig) -> Cluster {
    let mut cluster = Cluster::new(&[], tune).await;
    for id in 1..=3 {
        cluster.reserve(id).await;
    }
    cluster.bootstrap = cluster.peers.clone();
    for id in 1..=3 {
        let node = start(&mut cluster, id, of(id)).await;
        cluster.nodes.insert(id, node);
    }
    cluster
}

/// Writes account `n` through the leader and checks every node applied it.
async fn write_everywhere(cluster: &Cluster, n: u32) {
    let (_, index) = write_through_leader(&cluster.nodes, 1, account(n), u64::from(n), 1).await;
    for &id in cluster.nodes.keys() {
        let served = cluster.read_at(id, get_account(n), index).await;
        assert_eq!(username(&served), Some(format!("user{n}")), "node {id}");
    }
}

/// A raft message (an empty vote, which the service refuses to decode) from "node 1" to
/// `follower`, sent with the peer security of `config`: the status it got.
async fn send_vote(cluster: &Cluster, config: &NodeConfig, follower: NodeId) -> tonic::Status {
    let security = Security::load(config).expect("loads");
    let channel = security
        .peer()
        .channel(&cluster.peers[&follower].raft_addr, Duration::from_secs(2))
        .expect("a channel");
    let message = RaftPayload {
        payload: Vec::new(),
        envelope: Some(Identity::new(CLUSTER_ID, 1).envelope_to(follower)),
    };
    RaftInternalClient::new(channel)
        .vote(message)
        .await
        .expect_err("an empty vote is never accepted")
}

/// How long the outsider is watched receiving nothing: twenty heartbeats (`quick`).
const WATCH_MS: u64 = 2_000;

/// A node of the cluster joins as learner `id`, and receives the whole log.
async fn member_joins(cluster: &mut Cluster, leader: NodeId, id: NodeId, security: SecurityConfig) {
    cluster.reserve(id).await;
    let node = start(cluster, id, security).await;
    cluster.nodes.insert(id, node);
    let added = cluster
        .node(leader)
        .add_learner(id, cluster.peers[&id].clone())
        .await;
    assert!(added.is_ok(), "{added:?}");
    write_everywhere(cluster, 100 + id as u32).await;
}

/// The leader is asked to add `outsider` as learner `id`. It accepts the change (it cannot
/// know beforehand), but none of its messages gets through: the outsider receives no entry,
/// the leader's replication to it never matches anything, and `add_learner` answers that it
/// has not answered.
async fn outsider_cannot_join(
    cluster: &Cluster,
    leader: NodeId,
    id: NodeId,
    outsider: &TavernNode,
) {
    let added = cluster
        .node(leader)
        .add_learner(id, cluster.peers[&id].clone())
        .await;
    // It never answers, so it is never caught up, however short the log.
    assert!(
        matches!(
            added,
            Err(MembershipError::NotCaughtUp {
                behind: u64::MAX,
                ..
            })
        ),
        "{added:?}"
    );
    let why = added.map(|_| ()).unwrap_err().to_string();
    assert!(why.contains("has not answered the leader yet"), "{why}");
    let deadline = tokio::time::Instant::now() + Duration::from_millis(WATCH_MS);
    while tokio::time::Instant::now() < deadline {
        let log = outsider.raft().metrics().borrow_watched().last_log_index;
        assert_eq!(log, None, "the outsider received entries");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let m = cluster
        .node(leader)
        .raft()
        .metrics()
        .borrow_watched()
        .clone();
    let matched = m
        .replication
        .as_ref()
        .and_then(|r| r.get(&id).cloned().flatten());
    assert_eq!(matched, None, "the leader matched entries on the outsider");
}

#[tokio::test]
async fn with_mutual_tls_a_peer_without_a_certificate_of_the_cluster_ca_cannot_join_or_send() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cluster_ca = certs::Ca::new("tavern cluster CA");
    let rogue_ca = certs::Ca::new("rogue CA");

    // Three nodes with certificates of the cluster CA elect a leader and replicate over TLS.
    let mut cluster = three_nodes(|id| tls(d, id, &cluster_ca, &cluster_ca)).await;
    let leader = cluster.leader().await;
    let term = cluster.term(leader);
    write_everywhere(&cluster, 1).await;

    // A new node with a certificate of the cluster CA joins as learner 4 and gets the log.
    member_joins(&mut cluster, leader, 4, tls(d, 4, &cluster_ca, &cluster_ca)).await;

    // An outsider whose certificate the rogue CA signed (and which trusts only it), added as
    // node 5: the TLS handshakes fail, nothing reaches it.
    cluster.reserve(5).await;
    let outsider = start(&mut cluster, 5, tls(d, 5, &rogue_ca, &rogue_ca)).await;
    outsider_cannot_join(&cluster, leader, 5, &outsider).await;

    // A sender that trusts the cluster CA but shows the rogue CA's certificate: the follower
    // ends the handshake; the message never reaches its raft service.
    let follower = *cluster
        .nodes
        .keys()
        .find(|&&id| id != leader)
        .expect("a follower");
    let mut impostor = cluster.config(5);
    impostor.security = tls(d, 5, &rogue_ca, &cluster_ca);
    let refused = send_vote(&cluster, &impostor, follower).await;
    assert_ne!(refused.code(), Code::InvalidArgument, "{refused:?}");
    // The TLS alert is in the error's causes: "received fatal alert: UnknownCA".
    let why = format!("{refused:?}");
    assert!(
        why.contains("fatal alert: UnknownCA"),
        "a TLS refusal: {why}"
    );
    // The same message with a certificate of the cluster CA reaches the service (which finds
    // the empty vote undecodable): the refusal above was the certificate's.
    let mut member = cluster.config(5);
    member.security = tls(d, 5, &cluster_ca, &cluster_ca);
    let reached = send_vote(&cluster, &member, follower).await;
    assert_eq!(reached.code(), Code::InvalidArgument, "{reached:?}");
    assert_eq!(reached.message(), "empty payload");

    // The cluster kept its leader and term, and takes writes.
    assert_eq!(cluster.leader().await, leader);
    assert_eq!(cluster.term(leader), term);
    write_everywhere(&cluster, 2).await;

    outsider.shutdown().await.expect("outsider stops");
    for id in [1, 2, 3, 4] {
        cluster.stop(id).await;
    }
}

#[tokio::test]
async fn with_a_cluster_secret_a_peer_with_another_secret_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let secret = |name: &str, text: &str| SecurityConfig {
        cluster_secret_file: Some(certs::write(d, name, text)),
        ..SecurityConfig::default()
    };
    let ours = secret("secret", "our-cluster-secret-0123456789\n");
    let theirs = secret("other-secret", "some-other-secret-0123456789\n");

    // Three nodes sharing the secret (no TLS) work as usual.
    let mut cluster = three_nodes(|_| ours.clone()).await;
    let leader = cluster.leader().await;
    let term = cluster.term(leader);
    write_everywhere(&cluster, 1).await;

    // A new node with the secret joins as learner 4 and gets the log.
    member_joins(&mut cluster, leader, 4, ours.clone()).await;

    // A node with another secret, added as node 5, cannot join: it refuses the leader's
    // messages, and the leader reports the refusal.
    cluster.reserve(5).await;
    let outsider = start(&mut cluster, 5, theirs.clone()).await;
    outsider_cannot_join(&cluster, leader, 5, &outsider).await;
    let refusal = cluster.node(leader).refused_by().remove(&5);
    assert_eq!(
        refusal.as_deref(),
        Some(
            "the cluster secret of this raft message does not match this node's \
             (cluster_secret_file)"
        )
    );

    // Its own messages, and messages without a secret, are refused before the service; the
    // right secret reaches it.
    let follower = *cluster
        .nodes
        .keys()
        .find(|&&id| id != leader)
        .expect("a follower");
    let mut sender = cluster.config(5);
    sender.security = theirs;
    let wrong = send_vote(&cluster, &sender, follower).await;
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(
        wrong.message(),
        "the cluster secret of this raft message does not match this node's (cluster_secret_file)"
    );
    sender.security = SecurityConfig::default();
    let none = send_vote(&cluster, &sender, follower).await;
    assert_eq!(none.code(), Code::Unauthenticated);
    assert_eq!(
        none.message(),
        "this node requires the cluster secret on every raft message, and this one carried none \
         (cluster_secret_file)"
    );
    sender.security = ours;
    let reached = send_vote(&cluster, &sender, follower).await;
    assert_eq!(reached.code(), Code::InvalidArgument, "{reached:?}");

    assert_eq!(cluster.leader().await, leader);
    assert_eq!(cluster.term(leader), term);
    write_everywhere(&cluster, 2).await;

    outsider.shutdown().await.expect("outsider stops");
    for id in [1, 2, 3, 4] {
        cluster.stop(id).await;
    }
}
