//! An in-process cluster of `TavernNode`s for the membership tests: real gRPC on loopback, one
//! RocksDB per node in a temporary directory. Nodes can be reserved (an address and a directory)
//! before they start, so a test can add them to a running cluster; data directories and
//! addresses outlive the nodes, so a node can be stopped and started again on them.

#![allow(dead_code)] // each test file uses a part of the harness

use std::collections::BTreeMap;
use std::time::Duration;

use openraft::async_runtime::watch::WatchReceiver as _;
use tavern_proto::convert::ReadLevel;
use tavern_raft::api::{Node, NodeError, Served};
use tavern_raft::config::{NodeConfig, RawConfig};
use tavern_raft::types::{Member, NodeId};
use tavern_raft::{StartError, TavernNode};
use tavern_statemachine::account::{AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::{Command, Query, QueryResponse, RequestId};
use tempfile::TempDir;
use tokio::net::TcpListener;

/// How long a test waits for an election, a catch-up or a change before it gives up (a
/// liveness bound, not a performance assertion).
pub const WAIT: Duration = Duration::from_secs(20);

pub const CLUSTER_ID: &str = "cluster-test";

/// Timings for tests on a loaded machine: heartbeats short (openraft also bounds a heartbeat's
/// RPC by the interval), election timeouts long enough that a busy test process does not start
/// spurious elections.
pub fn quick(c: &mut NodeConfig) {
    c.heartbeat_ms = 100;
    c.election_timeout_min_ms = 600;
    c.election_timeout_max_ms = 1_200;
    c.snapshot.every_entries = u64::MAX;
}

pub struct Cluster {
    /// The voters the cluster bootstraps with (every node's peer list starts with them).
    pub bootstrap: BTreeMap<NodeId, Member>,
    /// Every node's addresses, bootstrapped or reserved.
    pub peers: BTreeMap<NodeId, Member>,
    pub dirs: BTreeMap<NodeId, TempDir>,
    pub nodes: BTreeMap<NodeId, TavernNode>,
    /// Raft listeners reserved for nodes that have not started yet.
    listeners: BTreeMap<NodeId, TcpListener>,
    tune: fn(&mut NodeConfig),
    /// Client ports are reserved (bound, never served) so the addresses are real.
    _client_ports: Vec<std::net::TcpListener>,
}

impl Cluster {
    /// Starts nodes `ids`, which bootstrap as the voters of a new cluster.
    pub async fn new(ids: &[NodeId], tune: fn(&mut NodeConfig)) -> Cluster {
        // Logs on demand: RUST_LOG=tavern_raft=info cargo test -p tavern-raft --test membership
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let mut cluster = Cluster {
            bootstrap: BTreeMap::new(),
            peers: BTreeMap::new(),
            dirs: BTreeMap::new(),
            nodes: BTreeMap::new(),
            listeners: BTreeMap::new(),
            tune,
            _client_ports: Vec::new(),
        };
        for &id in ids {
            cluster.reserve(id).await;
        }
        cluster.bootstrap = cluster.peers.clone();
        for &id in ids {
            cluster.start(id).await;
        }
        cluster
    }

    /// Binds addresses and makes a directory for node `id`, without starting it.
    pub async fn reserve(&mut self, id: NodeId) -> Member {
        let raft = TcpListener::bind("127.0.0.1:0").await.expect("bind raft");
        let client = std::net::TcpListener::bind("127.0.0.1:0").expect("bind client");
        let member = Member {
            raft_addr: raft.local_addr().expect("addr").to_string(),
            client_addr: client.local_addr().expect("addr").to_string(),
        };
        self.peers.insert(id, member.clone());
        self.listeners.insert(id, raft);
        self._client_ports.push(client);
        self.dirs.insert(id, tempfile::tempdir().expect("tempdir"));
        member
    }

    /// The config node `id` starts with: the bootstrap voters and itself as peers.
    pub fn config(&self, id: NodeId) -> NodeConfig {
        let mut peers = self.bootstrap.clone();
        peers.insert(id, self.peers[&id].clone());
        let mut config = RawConfig::for_node(CLUSTER_ID, id, self.dirs[&id].path(), &peers)
            .validate()
            .expect("valid config");
        (self.tune)(&mut config);
        config
    }

    /// Starts node `id` on its directory and address.
    pub async fn start(&mut self, id: NodeId) {
        let node = self
            .try_start(self.config(id), id)
            .await
            .expect("node starts");
        self.nodes.insert(id, node);
    }

    /// Starts a node with `config` on node `id`'s raft address.
    pub async fn try_start(
        &mut self,
        config: NodeConfig,
        id: NodeId,
    ) -> Result<TavernNode, StartError> {
        let listener = match self.listeners.remove(&id) {
            Some(l) => l,
            None => TcpListener::bind(&self.peers[&id].raft_addr)
                .await
                .expect("rebind the raft address"),
        };
        TavernNode::start(config, listener).await
    }

    /// Stops node `id` (a graceful shutdown, which must succeed) and drops it.
    pub async fn stop(&mut self, id: NodeId) {
        let node = self.nodes.remove(&id).expect("running");
        node.shutdown().await.expect("clean shutdown");
    }

    pub fn node(&self, id: NodeId) -> &TavernNode {
        &self.nodes[&id]
    }

    /// Waits until every running node agrees on one leader that is leading, and returns it.
    pub async fn leader(&self) -> NodeId {
        // Every node must name the same leader, and that node must be leading: a node that
        // restarted may still name the leader its persisted vote was for.
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let named: std::collections::BTreeSet<Option<NodeId>> = self
                .nodes
                .values()
                .map(|n| n.raft().metrics().borrow_watched().current_leader)
                .collect();
            if let [Some(leader)] = named.into_iter().collect::<Vec<_>>()[..] {
                let leading = self.nodes.get(&leader).is_some_and(|n| {
                    n.raft().metrics().borrow_watched().state == openraft::ServerState::Leader
                });
                if leading {
                    return leader;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no leader every node agrees on within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until every running node sees `leader` as the leader.
    pub async fn all_follow(&self, leader: NodeId) {
        for (id, node) in &self.nodes {
            node.raft()
                .wait(Some(WAIT))
                .current_leader(leader, "every node follows it")
                .await
                .unwrap_or_else(|e| panic!("node {id} does not follow {leader}: {e}"));
        }
    }

    /// The term node `id` is in.
    pub fn term(&self, id: NodeId) -> u64 {
        self.node(id).raft().metrics().borrow_watched().current_term
    }

    /// Reads `query` on node `id` once it applied `index`.
    pub async fn read_at(&self, id: NodeId, query: Query, index: u64) -> Served {
        self.node(id)
            .read(query, ReadLevel::AtLeast { index })
            .await
            .unwrap_or_else(|e| panic!("read at {index} on node {id}: {e}"))
    }

    /// The digest of node `id`'s state once it applied `index`, with the index it was taken at.
    pub async fn digest(&self, id: NodeId, index: u64) -> (u64, Option<u64>) {
        self.read_at(id, Query::Config, index).await;
        let state = self.node(id).state().clone();
        tokio::task::spawn_blocking(move || state.digest())
            .await
            .expect("digest task")
            .expect("digest")
    }
}

/// The account write number `n` of a writer: username `user<n>`.
pub fn account(n: u32) -> Command {
    Command::Account(AccountCommand::Upsert {
        id: n,
        username: format!("user{n}"),
        locale: "enUS".into(),
    })
}

pub fn get_account(n: u32) -> Query {
    Query::Account(AccountQuery::Get { id: n })
}

/// The username of the account in `served`, if there is one.
pub fn username(served: &Served) -> Option<String> {
    match &served.response {
        Ok(QueryResponse::Account(AccountQueryResponse::Account(Some(a)))) => {
            Some(a.username.clone())
        }
        _ => None,
    }
}

/// Writes `command` with request id (`client`, `seq`) through whichever node leads, following
/// `NotLeader` hints and retrying with the same request id (so it applies once) until `WAIT`
/// passes. Returns the index it was applied at.
pub async fn write_through_leader(
    nodes: &BTreeMap<NodeId, TavernNode>,
    mut to: NodeId,
    command: Command,
    client: u64,
    seq: u64,
) -> (NodeId, u64) {
    let request = RequestId {
        client,
        seq,
        ack_below: seq,
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let attempt = match nodes.get(&to) {
            Some(node) => node.write(command.clone(), Some(request)).await,
            None => Err(NodeError::Unavailable(format!("node {to} is not running"))),
        };
        match attempt {
            Ok(w) => {
                assert!(w.response.is_ok(), "write {seq}: {:?}", w.response);
                return (to, w.applied_index);
            }
            Err(NodeError::NotLeader {
                leader_id: Some(l), ..
            }) if nodes.contains_key(&l) => to = l,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "write {seq} not acknowledged within {WAIT:?}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
                // Try the next running node: the leader may have moved or stopped.
                to = nodes
                    .keys()
                    .copied()
                    .find(|&id| id > to)
                    .or_else(|| nodes.keys().next().copied())
                    .expect("a running node");
            }
        }
    }
}
