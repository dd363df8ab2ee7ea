//! The etcd side of the benchmark: the same runner drives an etcd 3.4 cluster with puts and
//! gets of the same value size, over etcd's own KV gRPC API (`proto/etcd_kv.proto`, a subset
//! of etcd's `rpc.proto`, compiled by `tools/build.rs`). Not the `etcd-client` crate: its
//! releases on tonic 0.12 compile etcd's protos in their build script with the system's
//! `protoc`, which this workspace does not require (it uses `protoc-bin-vendored`), and the
//! benchmark needs two calls.
//!
//! Mapping: `write` → `Put` of a `value_bytes` value on key `bench/<run>/<i>`, each client
//! cycling over its own keys (overwrites: the live state stays `population` keys);
//! `read-linearizable` → `Range` of one key (etcd's default, linearizable: a ReadIndex round
//! through the leader); `read-stale` → `Range` with `serializable = true` (the member's local
//! state). Clients are spread over the endpoints (client `i` talks to endpoint `i mod n`), as
//! etcd's own client balances; a follower forwards a put to its leader itself.
//!
//! [`EtcdCluster`] starts a three-member cluster on loopback in a folder, from the `etcd`
//! binary (Debian: `apt-get install etcd-server`), for `tavern bench --target etcd` without
//! `--endpoints` and for the tests. The members are child processes killed when it stops
//! (or drops).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use std::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};

use super::report::Step;
use super::runner::Worker;
use super::tavern::for_each_concurrently_with;

#[allow(clippy::all, missing_debug_implementations)]
mod pb {
    tonic::include_proto!("etcdserverpb");
}

use pb::kv_client::KvClient;
use pb::{PutRequest, RangeRequest};

/// Members of a cluster `EtcdCluster` starts.
pub const ETCD_MEMBERS: usize = 3;
/// How long a started cluster may take to answer on every member.
pub const ETCD_START_TIMEOUT_MS: u64 = 30_000;
/// One call's timeout.
pub const ETCD_CALL_TIMEOUT_MS: u64 = 5_000;
/// Between two readiness probes.
pub const ETCD_PROBE_MS: u64 = 100;

/// The report's kind of a failed call: its gRPC code.
fn failed(op: &'static str, status: &tonic::Status) -> Step {
    Step::failed(op, format!("{:?}", status.code()), status.message())
}

/// A lazy channel to `endpoint` (`host:port` or a URL).
pub fn channel(endpoint: &str) -> anyhow::Result<Channel> {
    let uri = if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("http://{endpoint}")
    };
    Ok(Endpoint::from_shared(uri)
        .with_context(|| format!("bad etcd endpoint {endpoint:?}"))?
        .timeout(Duration::from_millis(ETCD_CALL_TIMEOUT_MS))
        .connect_timeout(Duration::from_millis(ETCD_CALL_TIMEOUT_MS))
        .connect_lazy())
}

/// The key of item `i` of run `run`.
pub fn key(run: u32, i: usize) -> Vec<u8> {
    format!("bench/{run}/{i:06}").into_bytes()
}

/// Puts every key of the population once (what the readers read).
pub async fn put_all(
    endpoints: &[String],
    run: u32,
    population: usize,
    value: Vec<u8>,
) -> anyhow::Result<()> {
    let channels: Vec<Channel> = endpoints
        .iter()
        .map(|e| channel(e))
        .collect::<Result<_, _>>()?;
    let channels = Arc::new(channels);
    let value = Arc::new(value);
    for_each_concurrently_with(population, move |i| {
        let ch = channels[i % channels.len()].clone();
        let value = value.clone();
        async move {
            KvClient::new(ch)
                .put(PutRequest {
                    key: key(run, i),
                    value: value.to_vec(),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("etcd put of key {i}"))?;
            Ok(())
        }
    })
    .await
}

/// Waits until every member applied what was written so far: a linearizable get on each
/// (a member answers it once its state reached the leader's commit index), so that
/// serializable gets of the set-up keys find them.
pub async fn sync_all(endpoints: &[String]) -> anyhow::Result<()> {
    for e in endpoints {
        KvClient::new(channel(e)?)
            .range(RangeRequest {
                key: b"bench/sync".to_vec(),
                ..Default::default()
            })
            .await
            .with_context(|| format!("etcd at {e} did not answer a linearizable get"))?;
    }
    Ok(())
}

/// `write` on etcd: puts on this client's keys in turn.
#[derive(Debug)]
pub struct EtcdWriter {
    kv: KvClient<Channel>,
    keys: Vec<Vec<u8>>,
    next: usize,
    value: Vec<u8>,
}

impl EtcdWriter {
    /// Writer `index` of `count`: keys `index, index + count, ...` of the population.
    pub fn new(
        channel: Channel,
        run: u32,
        population: usize,
        index: usize,
        count: usize,
        value: Vec<u8>,
    ) -> EtcdWriter {
        EtcdWriter {
            kv: KvClient::new(channel),
            keys: (index..population)
                .step_by(count.max(1))
                .map(|i| key(run, i))
                .collect(),
            next: 0,
            value,
        }
    }
}

impl Worker for EtcdWriter {
    async fn step(&mut self) -> Step {
        let Some(k) = self.keys.get(self.next) else {
            return Step::failed("put", "no key", "the population has no key for this client");
        };
        let request = PutRequest {
            key: k.clone(),
            value: self.value.clone(),
            ..Default::default()
        };
        self.next = (self.next + 1) % self.keys.len();
        match self.kv.put(request).await {
            Ok(_) => Step::ok("put"),
            Err(s) => failed("put", &s),
        }
    }
}

/// `read-linearizable` / `read-stale` on etcd: a get of a random key.
#[derive(Debug)]
pub struct EtcdReader {
    kv: KvClient<Channel>,
    run: u32,
    population: usize,
    serializable: bool,
    rng: SmallRng,
    op: &'static str,
}

impl EtcdReader {
    pub fn new(channel: Channel, run: u32, population: usize, serializable: bool) -> EtcdReader {
        EtcdReader {
            kv: KvClient::new(channel),
            run,
            population,
            serializable,
            rng: SmallRng::from_entropy(),
            op: if serializable {
                "get (serializable)"
            } else {
                "get (linearizable)"
            },
        }
    }
}

impl Worker for EtcdReader {
    async fn step(&mut self) -> Step {
        let i = self.rng.gen_range(0..self.population.max(1));
        let request = RangeRequest {
            key: key(self.run, i),
            serializable: self.serializable,
            ..Default::default()
        };
        match self.kv.range(request).await {
            Ok(r) if r.get_ref().kvs.len() == 1 => Step::ok(self.op),
            Ok(r) => Step::failed(
                self.op,
                "unexpected answer",
                format!("{} keys", r.get_ref().kvs.len()),
            ),
            Err(s) => failed(self.op, &s),
        }
    }
}

/// Whether an `etcd` binary is on the PATH (or at `bin`), and its version line.
pub fn etcd_version(bin: &Path) -> Option<String> {
    let out = std::process::Command::new(bin)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or_default().to_string())
}

/// A three-member etcd cluster on loopback, its data and logs in `dir`.
#[derive(Debug)]
pub struct EtcdCluster {
    members: Vec<Child>,
    pub endpoints: Vec<String>,
    pub dir: PathBuf,
}

/// A free loopback port (bound, then released: a small race with other processes).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(l.local_addr()?.port())
}

impl EtcdCluster {
    /// Starts the members from `bin` and waits until each answers a get.
    pub async fn start(bin: &Path, dir: &Path) -> anyhow::Result<EtcdCluster> {
        if etcd_version(bin).is_none() {
            bail!(
                "cannot run {} (install etcd 3.4: `apt-get install etcd-server`, or give --etcd-bin)",
                bin.display()
            );
        }
        let mut ports = Vec::new();
        for _ in 0..ETCD_MEMBERS {
            ports.push((free_port()?, free_port()?));
        }
        let initial: Vec<String> = ports
            .iter()
            .enumerate()
            .map(|(i, (_, peer))| format!("m{}=http://127.0.0.1:{peer}", i + 1))
            .collect();
        let initial = initial.join(",");
        let mut cluster = EtcdCluster {
            members: Vec::new(),
            endpoints: Vec::new(),
            dir: dir.to_path_buf(),
        };
        for (i, (client, peer)) in ports.iter().enumerate() {
            let name = format!("m{}", i + 1);
            let log = std::fs::File::create(dir.join(format!("{name}.log")))
                .with_context(|| format!("cannot create the log of etcd member {name}"))?;
            let child = Command::new(bin)
                .arg("--name")
                .arg(&name)
                .arg("--data-dir")
                .arg(dir.join(&name))
                .arg("--listen-client-urls")
                .arg(format!("http://127.0.0.1:{client}"))
                .arg("--advertise-client-urls")
                .arg(format!("http://127.0.0.1:{client}"))
                .arg("--listen-peer-urls")
                .arg(format!("http://127.0.0.1:{peer}"))
                .arg("--initial-advertise-peer-urls")
                .arg(format!("http://127.0.0.1:{peer}"))
                .arg("--initial-cluster")
                .arg(&initial)
                .arg("--initial-cluster-token")
                .arg("tavern-bench")
                .arg("--initial-cluster-state")
                .arg("new")
                .arg("--logger")
                .arg("zap")
                .arg("--log-level")
                .arg("warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("cannot start etcd member {name}"))?;
            cluster.members.push(child);
            cluster.endpoints.push(format!("127.0.0.1:{client}"));
        }
        cluster.wait_ready().await?;
        Ok(cluster)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ETCD_START_TIMEOUT_MS);
        for e in self.endpoints.clone() {
            let mut kv = KvClient::new(channel(&e)?);
            loop {
                let probe = RangeRequest {
                    key: b"bench/probe".to_vec(),
                    ..Default::default()
                };
                match kv.range(probe).await {
                    Ok(_) => break,
                    Err(s) => {
                        for (i, m) in self.members.iter_mut().enumerate() {
                            if let Ok(Some(status)) = m.try_wait() {
                                bail!(
                                    "etcd member m{} exited ({status}); see {}",
                                    i + 1,
                                    self.dir.join(format!("m{}.log", i + 1)).display()
                                );
                            }
                        }
                        if tokio::time::Instant::now() >= deadline {
                            bail!(
                                "etcd at {e} not ready within {ETCD_START_TIMEOUT_MS} ms: {}",
                                s.message()
                            );
                        }
                        tokio::time::sleep(Duration::from_millis(ETCD_PROBE_MS)).await;
                    }
                }
            }
        }
        Ok(())
    }

    /// Kills the members and waits for them to exit.
    pub fn stop(mut self) {
        self.kill_all();
    }

    fn kill_all(&mut self) {
        for m in &mut self.members {
            let _ = m.kill();
            let _ = m.wait();
        }
        self.members.clear();
    }
}

impl Drop for EtcdCluster {
    /// A cluster dropped on an error path is killed too: no member outlives the bench.
    fn drop(&mut self) {
        self.kill_all();
    }
}
