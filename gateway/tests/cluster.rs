//! The client against a real three-node cluster in this process: `TavernNode`s with their
//! gRPC services on loopback, one RocksDB each in a temporary directory.
//!
//! The story: a gateway connects knowing every node but not the leader; it creates a realm,
//! an account and two characters, sends and takes mail; a write sent twice under one request
//! id is applied once and answers the same; a game refusal comes back with its code; a
//! presence write and read go through the generic calls; then the leader is shut down and the same client carries on with the new one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tavern_gateway::{Client, ClientOptions, Error, NewCharacter, ReadLevel};
use tavern_raft::config::{NodeConfig, RawConfig};
use tavern_raft::service::{self, ServiceLimits};
use tavern_raft::types::Member;
use tavern_raft::TavernNode;
use tavern_statemachine::mail::{MailCommand, MailResponse, MailSender, SendMail};
use tavern_statemachine::presence::{
    PresenceCommand, PresenceQuery, PresenceQueryResponse, PresenceResponse,
};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::{CharacterId, Command, Query, QueryResponse, RequestId, Response};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const CLUSTER_ID: &str = "gateway-test";
const ARTHAS: CharacterId = CharacterId { realm: 1, low: 1 };
const JAINA: CharacterId = CharacterId { realm: 1, low: 2 };

/// A running node and the server of its client services.
struct Running {
    node: TavernNode,
    client_addr: String,
    stop_server: oneshot::Sender<()>,
    server: JoinHandle<Result<(), service::ServeError>>,
}

impl Running {
    /// Stops the node, then its client server.
    async fn stop(self) {
        self.node.shutdown().await.expect("clean shutdown");
        let _ = self.stop_server.send(());
        self.server
            .await
            .expect("server task")
            .expect("server stops cleanly");
    }
}

struct Cluster {
    nodes: BTreeMap<u64, Running>,
    _dirs: Vec<TempDir>,
}

/// Timings for a loaded test machine (as in `raft/tests/support`).
fn quick(c: &mut NodeConfig) {
    c.heartbeat_ms = 100;
    c.election_timeout_min_ms = 600;
    c.election_timeout_max_ms = 1_200;
}

impl Cluster {
    async fn start() -> Cluster {
        let mut peers = BTreeMap::new();
        let mut listeners = BTreeMap::new();
        let mut dirs = Vec::new();
        for id in 1..=3u64 {
            let raft = TcpListener::bind("127.0.0.1:0").await.expect("bind raft");
            let client = TcpListener::bind("127.0.0.1:0").await.expect("bind client");
            peers.insert(
                id,
                Member {
                    raft_addr: raft.local_addr().expect("addr").to_string(),
                    client_addr: client.local_addr().expect("addr").to_string(),
                },
            );
            listeners.insert(id, (raft, client));
            dirs.push(tempfile::tempdir().expect("tempdir"));
        }
        let mut nodes = BTreeMap::new();
        for (i, (id, (raft, client))) in listeners.into_iter().enumerate() {
            let mut config = RawConfig::for_node(CLUSTER_ID, id, dirs[i].path(), &peers)
                .validate()
                .expect("valid config");
            quick(&mut config);
            let limits = ServiceLimits::from(&config);
            let node = TavernNode::start(config, raft).await.expect("node starts");
            let (stop_server, stopped) = oneshot::channel::<()>();
            let routes = service::routes(Arc::new(node.clone()), limits);
            let server = tokio::spawn(service::serve(client, routes, async {
                let _ = stopped.await;
            }));
            let client_addr = peers[&id].client_addr.clone();
            nodes.insert(
                id,
                Running {
                    node,
                    client_addr,
                    stop_server,
                    server,
                },
            );
        }
        Cluster { nodes, _dirs: dirs }
    }

    fn endpoints(&self) -> Vec<String> {
        self.nodes.values().map(|n| n.client_addr.clone()).collect()
    }

    /// The node whose client address is `uri` (`http://host:port`).
    fn by_uri(&self, uri: &str) -> u64 {
        *self
            .nodes
            .iter()
            .find(|(_, n)| uri.ends_with(&n.client_addr))
            .map(|(id, _)| id)
            .expect("the client's leader is a node of the cluster")
    }

    async fn stop_all(mut self) {
        for (_, n) in std::mem::take(&mut self.nodes) {
            n.stop().await;
        }
    }
}

fn options() -> ClientOptions {
    ClientOptions {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        retries_max: 100,
        ..ClientOptions::default()
    }
}

fn character(id: CharacterId, name: &str) -> NewCharacter {
    NewCharacter {
        id,
        account: 1,
        name: name.into(),
        race: 1,
        class: 1,
        gender: 0,
        level: 1,
    }
}

fn letter(money: u32) -> SendMail {
    SendMail {
        sender: MailSender::Creature(3_000),
        receiver: JAINA,
        subject: "Gold".into(),
        body: String::new(),
        money,
        cod: 0,
        items: Vec::new(),
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_land_follow_the_leader_and_retries_apply_once() {
    let cluster = Cluster::start().await;
    let client = Client::connect(cluster.endpoints(), options()).expect("client");

    // Chapter 1: the client finds the leader by itself and the writes land.
    let lordaeron = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    client.upsert_realm(lordaeron.clone()).await.expect("realm");
    assert_eq!(client.get_realm(1).await.expect("read"), Some(lordaeron));
    client
        .upsert_account(1, "ARTHAS".into(), "enUS".into())
        .await
        .expect("account");
    assert_eq!(
        client
            .create_character(character(ARTHAS, "arthas"))
            .await
            .expect("create"),
        "Arthas"
    );
    client
        .create_character(character(JAINA, "Jaina"))
        .await
        .expect("create");
    let arthas = client
        .get_character(ARTHAS)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(arthas.name, "Arthas");
    assert!(client.leader().is_some(), "the client learned the leader");

    // Chapter 2: a game refusal comes back typed, with AzerothCore's code.
    let taken = client
        .create_character(character(CharacterId { realm: 1, low: 3 }, "Arthas"))
        .await
        .expect_err("the name is taken");
    assert!(matches!(taken, Error::Domain(_)), "{taken:?}");
    assert_eq!(taken.game_code(), Some(0x32), "CHAR_CREATE_NAME_IN_USE");

    // Chapter 3: mail is sent, listed and its money taken.
    let sent = client.send_mail(letter(100)).await.expect("send");
    let MailResponse::Sent { mail: first, .. } = sent else {
        panic!("{sent:?}")
    };
    let (mails, total) = client.list_mails(JAINA).await.expect("list");
    assert_eq!((mails.len(), total), (1, 1));
    assert_eq!(
        client.take_mail_money(JAINA, first).await.expect("take"),
        100
    );

    // Chapter 4: the same write sent twice under one request id is applied once and answers
    // the same, as a retry after a lost answer would be.
    let id = RequestId {
        client: 77,
        seq: 0,
        ack_below: 0,
    };
    let send = || Command::Mail(MailCommand::Send(letter(250)));
    let once = client.write_with_request(id, send()).await.expect("send");
    let again = client.write_with_request(id, send()).await.expect("retry");
    assert_eq!(
        once.response, again.response,
        "the retry answers the original response"
    );
    assert!(matches!(
        once.response,
        Response::Mail(MailResponse::Sent { .. })
    ));
    let (_, total) = client.list_mails(JAINA).await.expect("list");
    assert_eq!(total, 2, "the retried mail was sent once");

    // Chapter 5: a domain without typed methods yet goes through `write` and `read`.
    let lease = client
        .write(Command::Presence(PresenceCommand::RegisterGateway {
            gateway: "gw-1".into(),
            realm: 1,
        }))
        .await
        .expect("register");
    assert!(
        matches!(
            lease.response,
            Response::Presence(PresenceResponse::Lease { .. })
        ),
        "{lease:?}"
    );
    let online = client
        .read_at(
            Query::Presence(PresenceQuery::Get { id: ARTHAS }),
            ReadLevel::AtLeast {
                index: lease.applied_index,
            },
        )
        .await
        .expect("read");
    assert_eq!(
        online.response,
        QueryResponse::Presence(PresenceQueryResponse::Presence(None)),
        "Arthas has not logged in"
    );
    assert!(online.applied_index >= lease.applied_index);

    // Chapter 6: the leader goes away; the same client goes on with the new one.
    let mut cluster = cluster;
    let old = cluster.by_uri(&client.leader().expect("a leader"));
    cluster.nodes.remove(&old).expect("running").stop().await;
    let northrend = Realm {
        id: 2,
        name: "Northrend".into(),
        cross_realm: true,
    };
    client
        .upsert_realm(northrend.clone())
        .await
        .expect("realm after failover");
    let new = cluster.by_uri(&client.leader().expect("a leader"));
    assert_ne!(new, old, "the client follows the new leader");
    assert_eq!(client.get_realm(2).await.expect("read"), Some(northrend));
    assert_eq!(
        client
            .get_character(ARTHAS)
            .await
            .expect("read")
            .map(|c| c.name),
        Some("Arthas".into()),
        "nothing written before the failover was lost"
    );
    let (_, total) = client.list_mails(JAINA).await.expect("list");
    assert_eq!(total, 2);

    cluster.stop_all().await;
}

/// Read index rounds each node ran so far (a follower runs one per batch of linearizable
/// reads it serves).
fn rounds(cluster: &Cluster) -> BTreeMap<u64, u64> {
    cluster
        .nodes
        .iter()
        .map(|(id, n)| (*id, n.node.read_rounds()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn linearizable_reads_are_spread_over_every_node_unless_kept_on_the_leader() {
    const READS: usize = 30;
    let mut cluster = Cluster::start().await;
    let client = Client::connect(cluster.endpoints(), options()).expect("client");
    let lordaeron = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    client.upsert_realm(lordaeron.clone()).await.expect("realm");
    let leader = cluster.by_uri(&client.leader().expect("a leader"));

    // Spread: every node serves some of the reads, and each sees the write.
    let before = rounds(&cluster);
    for _ in 0..READS {
        assert_eq!(
            client.get_realm(1).await.expect("read"),
            Some(lordaeron.clone())
        );
    }
    let after = rounds(&cluster);
    for id in cluster.nodes.keys().filter(|id| **id != leader) {
        assert!(
            after[id] > before[id],
            "follower {id} served no read: {after:?}"
        );
    }

    // Kept on the leader: the followers serve none.
    let on_leader = Client::connect(
        cluster.endpoints(),
        ClientOptions {
            reads_on_leader: true,
            ..options()
        },
    )
    .expect("client");
    let before = rounds(&cluster);
    for _ in 0..READS {
        assert_eq!(
            on_leader.get_realm(1).await.expect("read"),
            Some(lordaeron.clone())
        );
    }
    let after = rounds(&cluster);
    for id in cluster.nodes.keys().filter(|id| **id != leader) {
        assert_eq!(
            after[id], before[id],
            "follower {id} served a read: {after:?}"
        );
    }

    // A follower goes away: the spread reads skip it and all still succeed.
    let gone = *cluster
        .nodes
        .keys()
        .find(|id| **id != leader)
        .expect("a follower");
    cluster.nodes.remove(&gone).expect("running").stop().await;
    for _ in 0..READS {
        assert_eq!(
            client.get_realm(1).await.expect("read"),
            Some(lordaeron.clone())
        );
    }

    cluster.stop_all().await;
}
