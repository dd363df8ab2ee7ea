//! A three-node cluster of real `TavernNode`s in this process, each serving the client gRPC
//! services on loopback (one RocksDB each in a temporary directory): what `tavern-gateway`
//! talks to in the domain suite. Everything it spawns is stopped by [`Cluster::stop_all`].

use std::collections::BTreeMap;
use std::sync::Arc;

use tavern_raft::config::{NodeConfig, RawConfig};
use tavern_raft::service::{self, ServiceLimits};
use tavern_raft::types::Member;
use tavern_raft::TavernNode;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const CLUSTER_ID: &str = "domain-suite";

/// A running node and the server of its client services.
struct Running {
    node: TavernNode,
    client_addr: String,
    stop_server: oneshot::Sender<()>,
    server: JoinHandle<Result<(), service::ServeError>>,
}

/// The in-process cluster.
pub struct Cluster {
    nodes: BTreeMap<u64, Running>,
    _dirs: Vec<TempDir>,
}

/// Timings for a loaded test machine (as in `raft/tests/support`).
fn quick(c: &mut NodeConfig) {
    c.heartbeat_ms = 100;
    c.election_timeout_min_ms = 600;
    c.election_timeout_max_ms = 1_200;
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("endpoints", &self.endpoints())
            .finish()
    }
}

impl Cluster {
    /// Starts `n` voters on free loopback ports. Panics if a node cannot start (a test
    /// harness: the test fails with the reason).
    pub async fn start(n: u64) -> Cluster {
        let mut peers = BTreeMap::new();
        let mut listeners = BTreeMap::new();
        let mut dirs = Vec::new();
        for id in 1..=n {
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

    /// The client addresses of the running nodes.
    pub fn endpoints(&self) -> Vec<String> {
        self.nodes.values().map(|n| n.client_addr.clone()).collect()
    }

    /// Stops every node, then its client server.
    pub async fn stop_all(mut self) {
        for (_, n) in std::mem::take(&mut self.nodes) {
            n.node.shutdown().await.expect("clean shutdown");
            let _ = n.stop_server.send(());
            n.server
                .await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }
}
