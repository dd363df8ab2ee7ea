//! An in-process cluster for the client's tests: `TavernNode`s with their gRPC client services
//! on loopback, one RocksDB each in a temporary directory. Directories and addresses outlive
//! the nodes, so a node can be stopped and started again on them.

#![allow(dead_code)] // each test file uses a part of the harness

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tavern_proto::convert::NodeRole;
use tavern_raft::config::{NodeConfig, RawConfig};
use tavern_raft::service::{self, Admin, ServiceLimits};
use tavern_raft::types::Member;
use tavern_raft::TavernNode;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A liveness bound for elections and catch-up, not a performance assertion.
pub const WAIT: Duration = Duration::from_secs(20);

const CLUSTER_ID: &str = "gateway-test";

/// A running node and the server of its client services.
struct Running {
    node: TavernNode,
    stop_server: oneshot::Sender<()>,
    server: JoinHandle<Result<(), service::ServeError>>,
}

pub struct Cluster {
    pub peers: BTreeMap<u64, Member>,
    dirs: BTreeMap<u64, TempDir>,
    nodes: BTreeMap<u64, Running>,
    tune: fn(&mut NodeConfig),
}

/// Timings for a loaded test machine (as in `raft/tests/support`).
pub fn quick(c: &mut NodeConfig) {
    c.heartbeat_ms = 100;
    c.election_timeout_min_ms = 600;
    c.election_timeout_max_ms = 1_200;
}

impl Cluster {
    /// Starts nodes 1 to `n` as a new cluster, each config passed through `tune`.
    pub async fn start(n: u64, tune: fn(&mut NodeConfig)) -> Cluster {
        let mut cluster = Cluster {
            peers: BTreeMap::new(),
            dirs: BTreeMap::new(),
            nodes: BTreeMap::new(),
            tune,
        };
        let mut listeners = BTreeMap::new();
        for id in 1..=n {
            let raft = TcpListener::bind("127.0.0.1:0").await.expect("bind raft");
            let client = TcpListener::bind("127.0.0.1:0").await.expect("bind client");
            cluster.peers.insert(
                id,
                Member {
                    raft_addr: raft.local_addr().expect("addr").to_string(),
                    client_addr: client.local_addr().expect("addr").to_string(),
                },
            );
            listeners.insert(id, (raft, client));
            cluster
                .dirs
                .insert(id, tempfile::tempdir().expect("tempdir"));
        }
        for (id, (raft, client)) in listeners {
            cluster.run(id, raft, client).await;
        }
        cluster
    }

    async fn run(&mut self, id: u64, raft: TcpListener, client: TcpListener) {
        let mut config = RawConfig::for_node(CLUSTER_ID, id, self.dirs[&id].path(), &self.peers)
            .validate()
            .expect("valid config");
        (self.tune)(&mut config);
        let limits = ServiceLimits::from(&config);
        // A node stopped a moment ago may still hold its store's lock until the last task of
        // its watch streams has dropped its handle: retry for a short while.
        let mut listener = Some(raft);
        let mut tries = 0;
        let node = loop {
            let raft = match listener.take() {
                Some(l) => l,
                None => TcpListener::bind(&self.peers[&id].raft_addr)
                    .await
                    .expect("rebind raft"),
            };
            match TavernNode::start(config.clone(), raft).await {
                Ok(node) => break node,
                Err(e) if e.to_string().contains("lock") && tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("node starts: {e}"),
            }
        };
        let (stop_server, stopped) = oneshot::channel::<()>();
        let routes = service::routes(Arc::new(node.clone()), limits);
        let server = tokio::spawn(service::serve(client, routes, async {
            let _ = stopped.await;
        }));
        self.nodes.insert(
            id,
            Running {
                node,
                stop_server,
                server,
            },
        );
    }

    /// Stops node `id` (a graceful shutdown), then its client server.
    pub async fn stop(&mut self, id: u64) {
        let n = self.nodes.remove(&id).expect("running");
        n.node.shutdown().await.expect("clean shutdown");
        let _ = n.stop_server.send(());
        n.server
            .await
            .expect("server task")
            .expect("server stops cleanly");
    }

    /// Starts node `id` again on its directory and addresses.
    pub async fn restart(&mut self, id: u64) {
        let p = self.peers[&id].clone();
        let raft = TcpListener::bind(&p.raft_addr).await.expect("rebind raft");
        let client = TcpListener::bind(&p.client_addr)
            .await
            .expect("rebind client");
        self.run(id, raft, client).await;
    }

    pub fn node(&self, id: u64) -> &TavernNode {
        &self.nodes[&id].node
    }

    /// The client address of node `id`.
    pub fn endpoint(&self, id: u64) -> String {
        self.peers[&id].client_addr.clone()
    }

    pub fn endpoints(&self) -> Vec<String> {
        self.nodes.keys().map(|&id| self.endpoint(id)).collect()
    }

    /// The node whose client address is `uri` (`http://host:port`).
    pub fn by_uri(&self, uri: &str) -> u64 {
        *self
            .peers
            .iter()
            .find(|(_, p)| uri.ends_with(&p.client_addr))
            .map(|(id, _)| id)
            .expect("a node of the cluster")
    }

    /// Waits until a running node leads, and returns it.
    pub async fn leader(&self) -> u64 {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            for (id, n) in &self.nodes {
                if let Ok(s) = n.node.status().await {
                    if s.role == NodeRole::Leader {
                        return *id;
                    }
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no leader within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop_all(mut self) {
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for id in ids {
            self.stop(id).await;
        }
    }
}
