//! A cluster of real `tavern serve` processes for the process-level tests.
//!
//! ```text
//!  Cluster::start(n, flags)   free loopback ports, a temp dir, one `tavern serve` per node
//!     ├─ kill(id)  SIGKILL       stop(id)  SIGTERM, waits for exit 0       start(id)  same dir, same ports
//!     ├─ status(id), digest(id)  AdminService over gRPC (tonic clients of tavern-proto)
//!     ├─ leader()                polls Status until the running nodes agree on one leader
//!     └─ converged()             polls StateDigest until every running node has one digest at one index
//!  Drop: SIGKILL whatever still runs; on a failing test, print each node's log tail and keep
//!        the directory
//! ```
//! Everything waits by polling the nodes (never a fixed sleep), at most [`WAIT`]: a liveness
//! bound, not a performance assertion. The nodes run with short Raft timings ([`TIMING_FLAGS`])
//! so an election takes about a second.
#![allow(dead_code)] // each test file uses a part of it

pub mod domain;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tavern_proto::convert::{NodeRole, NodeStatus, StateDigest};
use tavern_proto::pb;
use tavern_proto::pb::admin_service_client::AdminServiceClient;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// The longest a test waits for an election, a catch-up or a process to exit.
pub const WAIT: Duration = Duration::from_secs(30);
/// Between two polls.
pub const POLL: Duration = Duration::from_millis(50);
/// Deadline of one gRPC call from a test.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Heartbeat 100 ms, elections after 600 to 1200 ms: quick failovers, yet calm on a loaded
/// two-core machine.
pub const TIMING_FLAGS: &[&str] = &[
    "--heartbeat-ms",
    "100",
    "--election-timeout-min-ms",
    "600",
    "--election-timeout-max-ms",
    "1200",
    "--request-timeout-ms",
    "5000",
];
pub const CLUSTER_ID: &str = "process-test";

/// Ports handed out in this test process, so two clusters of one test binary never share one.
static TAKEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// A loopback port nothing listens on now (bound once by us, then released).
pub fn free_port() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind a free loopback port")
            .port();
        if TAKEN.lock().unwrap_or_else(|p| p.into_inner()).insert(port) {
            return port;
        }
    }
}

/// One node's fixed addresses.
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    pub raft: SocketAddr,
    pub client: SocketAddr,
}

/// A `tavern serve` process, killed when dropped.
#[derive(Debug)]
pub struct NodeProcess {
    child: Child,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `tavern` binary Cargo built for these tests.
pub fn tavern() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tavern"))
}

/// Waits for `child` to exit, at most [`WAIT`].
pub fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not exit within {WAIT:?}"
        );
        std::thread::sleep(POLL);
    }
}

/// Sends `signal` (`TERM`, `INT`) to a process with kill(1) (the tests use no `unsafe`).
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

pub struct Cluster {
    dir: Option<TempDir>,
    pub addrs: BTreeMap<u64, Addrs>,
    procs: BTreeMap<u64, NodeProcess>,
    /// Flags every node starts with, after the identity and timing flags.
    flags: Vec<String>,
    /// Flags of one node only, after the others (e.g. its own health port).
    pub node_flags: BTreeMap<u64, Vec<String>>,
    channels: Mutex<BTreeMap<SocketAddr, Channel>>,
    /// Nodes start from `<dir>/node<id>.toml` (as `tavern snapshot restore` writes them)
    /// instead of identity flags.
    config_root: Option<PathBuf>,
}

impl Cluster {
    /// Starts nodes `1..=n` with `flags` (e.g. a snapshot policy).
    pub fn start(n: u64, flags: &[&str]) -> Cluster {
        Cluster::start_each(n, flags, BTreeMap::new())
    }

    /// Like [`Cluster::start`], with flags of each node's own after the common ones.
    pub fn start_each(n: u64, flags: &[&str], node_flags: BTreeMap<u64, Vec<String>>) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("tavern-process-test-")
            .tempdir()
            .expect("a temp dir");
        let addrs = (1..=n)
            .map(|id| {
                let a = Addrs {
                    raft: SocketAddr::from(([127, 0, 0, 1], free_port())),
                    client: SocketAddr::from(([127, 0, 0, 1], free_port())),
                };
                (id, a)
            })
            .collect();
        let mut cluster = Cluster {
            dir: Some(dir),
            addrs,
            procs: BTreeMap::new(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            node_flags,
            channels: Mutex::new(BTreeMap::new()),
            config_root: None,
        };
        for id in 1..=n {
            cluster.start_node(id);
        }
        cluster
    }

    /// Starts the nodes `addrs` names from the config files `<root>/node<id>.toml` (with the
    /// test timings); their logs go to a temp dir of the cluster's own.
    pub fn start_from_configs(root: &Path, addrs: BTreeMap<u64, Addrs>) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("tavern-process-test-")
            .tempdir()
            .expect("a temp dir");
        let ids: Vec<u64> = addrs.keys().copied().collect();
        let mut cluster = Cluster {
            dir: Some(dir),
            addrs,
            procs: BTreeMap::new(),
            flags: Vec::new(),
            node_flags: BTreeMap::new(),
            channels: Mutex::new(BTreeMap::new()),
            config_root: Some(root.to_path_buf()),
        };
        for id in ids {
            cluster.start_node(id);
        }
        cluster
    }

    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the directory lives as long as the cluster")
            .path()
    }

    pub fn data_dir(&self, id: u64) -> PathBuf {
        self.dir().join(format!("node{id}"))
    }

    pub fn log_path(&self, id: u64) -> PathBuf {
        self.dir().join(format!("node{id}.log"))
    }

    pub fn peers_flag(&self) -> String {
        self.addrs
            .iter()
            .map(|(id, a)| format!("{id}={}/{}", a.raft, a.client))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Starts node `id` (again) on its directory and ports; its log is appended to
    /// `node<id>.log`.
    pub fn start_node(&mut self, id: u64) {
        assert!(!self.procs.contains_key(&id), "node {id} already runs");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path(id))
            .expect("open the node's log");
        let mut command = tavern();
        command.arg("serve");
        match &self.config_root {
            Some(root) => {
                command
                    .arg("--config")
                    .arg(root.join(format!("node{id}.toml")));
            }
            None => {
                command
                    .args(["--node-id", &id.to_string(), "--cluster-id", CLUSTER_ID])
                    .arg("--data-dir")
                    .arg(self.data_dir(id))
                    .args(["--peers", &self.peers_flag()]);
            }
        }
        let child = command
            .args(TIMING_FLAGS)
            .args(&self.flags)
            .args(self.node_flags.get(&id).into_iter().flatten())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("spawn tavern serve");
        self.procs.insert(id, NodeProcess { child });
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill(&mut self, id: u64) {
        let mut p = self.procs.remove(&id).expect("the node runs");
        p.child.kill().expect("SIGKILL");
        p.child.wait().expect("reap");
    }

    /// SIGTERM, and the process must stop cleanly (exit 0).
    pub fn stop(&mut self, id: u64) {
        let mut p = self.procs.remove(&id).expect("the node runs");
        signal(&p.child, "TERM");
        let status = wait_exit(&mut p.child);
        assert!(
            status.success(),
            "node {id} stopped with {status}:\n{}",
            self.log_tail(id)
        );
    }

    /// SIGSTOP: the process stays, frozen (no heartbeats, no answers) until [`Cluster::resume`].
    pub fn pause(&self, id: u64) {
        signal(&self.procs[&id].child, "STOP");
    }

    /// SIGCONT after [`Cluster::pause`].
    pub fn resume(&self, id: u64) {
        signal(&self.procs[&id].child, "CONT");
    }

    /// Sends `sig` (`HUP`, ...) to node `id`'s process.
    pub fn signal_node(&self, id: u64, sig: &str) {
        signal(&self.procs[&id].child, sig);
    }

    /// The client address of every node, for a client library.
    pub fn client_addrs(&self) -> Vec<String> {
        self.addrs.values().map(|a| a.client.to_string()).collect()
    }

    pub fn running(&self) -> Vec<u64> {
        self.procs.keys().copied().collect()
    }

    /// A lazily connected channel to `addr`, reused across calls.
    pub fn channel_to(&self, addr: SocketAddr) -> Channel {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(addr)
            .or_insert_with(|| channel(addr))
            .clone()
    }

    /// The client channel of node `id`.
    pub fn channel(&self, id: u64) -> Channel {
        self.channel_to(self.addrs[&id].client)
    }

    pub async fn status(&self, id: u64) -> Result<NodeStatus, tonic::Status> {
        let mut admin = AdminServiceClient::new(self.channel(id));
        let s = admin
            .status(timed(pb::StatusRequest {}))
            .await?
            .into_inner();
        Ok(NodeStatus::try_from(s).expect("a node sends a valid status"))
    }

    pub async fn digest(&self, id: u64) -> Result<StateDigest, tonic::Status> {
        let mut admin = AdminServiceClient::new(self.channel(id));
        let d = admin
            .state_digest(timed(pb::StateDigestRequest {}))
            .await?
            .into_inner();
        Ok(StateDigest::try_from(d).expect("a node sends a valid digest"))
    }

    /// Polls every running node's status until `check` holds for all of them.
    pub async fn wait_statuses(
        &self,
        what: &str,
        check: impl Fn(&NodeStatus) -> bool,
    ) -> BTreeMap<u64, NodeStatus> {
        let check = &check;
        let statuses = poll(what, || async move {
            let mut all = BTreeMap::new();
            for id in self.running() {
                let s = self.status(id).await.ok()?;
                if !check(&s) {
                    return None;
                }
                all.insert(id, s);
            }
            Some(all)
        })
        .await;
        statuses
    }

    /// Waits until every running node follows one leader that is itself running and leading;
    /// returns its id.
    pub async fn leader(&self) -> u64 {
        poll("one leader for every running node", || async move {
            let mut leaders = BTreeSet::new();
            for id in self.running() {
                leaders.insert(self.status(id).await.ok()?.leader_id?);
            }
            let leader = *leaders.iter().next()?;
            let is_leader = self.status(leader).await.ok()?.role == NodeRole::Leader;
            (leaders.len() == 1 && is_leader).then_some(leader)
        })
        .await
    }

    /// Waits until every running node reports the same digest at the same applied index (no
    /// writes must be running); returns it.
    pub async fn converged(&self) -> StateDigest {
        poll(
            "every running node at one digest and index",
            || async move {
                let mut digests = BTreeSet::new();
                for id in self.running() {
                    let d = self.digest(id).await.ok()?;
                    digests.insert((d.applied_index, d.sha256, d.records));
                }
                let (applied_index, sha256, records) = *digests.iter().next()?;
                (digests.len() == 1).then_some(StateDigest {
                    sha256,
                    applied_index,
                    records,
                })
            },
        )
        .await
    }

    /// The last lines of node `id`'s log.
    pub fn log_tail(&self, id: u64) -> String {
        let text = std::fs::read_to_string(self.log_path(id)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

/// Lines of each node's log a failing test prints.
const LOG_TAIL_LINES: usize = 40;

impl Drop for Cluster {
    fn drop(&mut self) {
        self.procs.clear(); // kills them
        if std::thread::panicking() {
            for id in self.addrs.keys() {
                eprintln!("--- node {id} log (tail) ---\n{}", self.log_tail(*id));
            }
            if let Some(dir) = self.dir.take() {
                eprintln!("--- kept {} for inspection", dir.keep().display());
            }
        }
    }
}

/// The body of `GET path` on a health port (HTTP/1.1), if it answers 200.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(CALL_TIMEOUT)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// A lazily connected channel with the test deadlines.
pub fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .expect("a valid URI")
        .connect_timeout(CALL_TIMEOUT)
        .timeout(CALL_TIMEOUT)
        .connect_lazy()
}

/// A request with the test's deadline.
pub fn timed<T>(message: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.set_timeout(CALL_TIMEOUT);
    r
}

/// Polls `f` every [`POLL`] until it gives a value; panics after [`WAIT`] naming `what`.
pub async fn poll<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {WAIT:?} for: {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// A TCP proxy in front of a node's client address that can stop passing the node's replies
/// on: the client's request reaches the node, the answer never reaches the client.
pub struct Proxy {
    pub addr: SocketAddr,
    drop_replies: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let drop_replies = Arc::new(AtomicBool::new(false));
        let drop = drop_replies.clone();
        let task = tokio::spawn(async move {
            // The connections' tasks end with this one (the set aborts them when dropped).
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                connections.spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    let _ = server_write.shutdown().await;
                });
                let drop = drop.clone();
                connections.spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = server_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        if !drop.load(Ordering::SeqCst)
                            && client_write.write_all(&buf[..n]).await.is_err()
                        {
                            break;
                        }
                    }
                    let _ = client_write.shutdown().await;
                });
            }
        });
        Proxy {
            addr,
            drop_replies,
            task,
        }
    }

    /// From now on, bytes from the node are read and thrown away.
    pub fn drop_replies(&self) {
        self.drop_replies.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
