//! The demo's own cluster: three `tavern serve` processes of this same binary on free
//! loopback ports, data and logs in a temporary folder. The demo owns the processes: it can
//! SIGKILL one (the leader, mid-story), and dropping [`Procs`] kills and reaps every one
//! still running, then removes the folder.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;
use tempfile::TempDir;

pub const DEMO_CLUSTER_ID: &str = "tavern-demo";
/// Raft timings of the demo's nodes: heartbeat 100 ms, elections after 600 to 1200 ms, so
/// a failover takes about a second.
const TIMING_FLAGS: &[&str] = &[
    "--heartbeat-ms",
    "100",
    "--election-timeout-min-ms",
    "600",
    "--election-timeout-max-ms",
    "1200",
];
const NODES: u64 = 3;

struct NodeProc {
    child: Child,
    client: SocketAddr,
}

/// The running node processes of the demo.
pub struct Procs {
    nodes: BTreeMap<u64, NodeProc>,
    dir: TempDir,
}

/// A loopback port nothing listens on now (bound by us, then released).
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    listener.local_addr().context("a bound port's address")
}

impl Procs {
    /// Starts the three nodes (`tavern serve`, this binary) and returns at once; the client
    /// waits for a leader by retrying.
    pub fn start() -> anyhow::Result<Procs> {
        let exe = std::env::current_exe().context("cannot find the tavern binary")?;
        let dir = tempfile::Builder::new()
            .prefix("tavern-demo-")
            .tempdir()
            .context("cannot create a temporary folder")?;
        let mut addrs = BTreeMap::new();
        for id in 1..=NODES {
            addrs.insert(id, (free_port()?, free_port()?));
        }
        let peers = addrs
            .iter()
            .map(|(id, (raft, client))| format!("{id}={raft}/{client}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut procs = Procs {
            nodes: BTreeMap::new(),
            dir,
        };
        for (id, (_, client)) in addrs {
            let log_path = procs.dir.path().join(format!("node{id}.log"));
            let log = File::create(&log_path)
                .with_context(|| format!("cannot create {}", log_path.display()))?;
            let child = Command::new(&exe)
                .arg("serve")
                .args([
                    "--node-id",
                    &id.to_string(),
                    "--cluster-id",
                    DEMO_CLUSTER_ID,
                ])
                .arg("--data-dir")
                .arg(procs.dir.path().join(format!("node{id}")))
                .args(["--peers", &peers])
                .args(TIMING_FLAGS)
                .env("RUST_LOG", "warn,openraft=error")
                .stdin(Stdio::null())
                .stdout(log.try_clone().context("a log handle")?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("cannot start node {id}"))?;
            procs.nodes.insert(id, NodeProc { child, client });
        }
        Ok(procs)
    }

    /// The client addresses of the running nodes.
    pub fn endpoints(&self) -> Vec<String> {
        self.nodes.values().map(|n| n.client.to_string()).collect()
    }

    /// The node serving clients at `uri` (`http://host:port`).
    pub fn node_at(&self, uri: &str) -> Option<u64> {
        self.nodes
            .iter()
            .find(|(_, n)| uri.ends_with(&n.client.to_string()))
            .map(|(id, _)| *id)
    }

    /// SIGKILLs node `id` (no chance to clean up) and reaps it; answers its pid.
    pub fn kill(&mut self, id: u64) -> anyhow::Result<u32> {
        let mut node = self
            .nodes
            .remove(&id)
            .with_context(|| format!("node {id} is not running"))?;
        let pid = node.child.id();
        node.child.kill().context("cannot SIGKILL the node")?;
        node.child.wait().context("cannot reap the node")?;
        Ok(pid)
    }

    /// Where the nodes' logs are (kept until the demo ends).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for node in self.nodes.values_mut() {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}
