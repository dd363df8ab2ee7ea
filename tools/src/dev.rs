//! `tavern dev`: a three-node cluster in this one process, on loopback, with no configuration.
//!
//! ```text
//!  <data dir>/cluster.toml exists? ── no ──▶ bind 6 free loopback ports, write cluster.toml
//!        │ yes: the same ports again (the cluster's membership names them)
//!        ▼
//!  node 1, 2, 3: RunningNode (RocksDB in <data dir>/node<N>, defaults for every setting,
//!                a health port on a free loopback port: status page, /metrics)
//!  print each client endpoint and status page; print the leader whenever it changes
//!  Ctrl-C or SIGTERM ─▶ stop the three nodes ─▶ exit 0
//! ```
//! The data folder (default `./tavern-dev-data`) is kept, so the next run finds its realms,
//! accounts and characters again. The ports are kept with it in `cluster.toml` (the peers of a
//! node config file) because Raft's membership stores each node's address: a cluster moved to
//! other ports would not find itself. A port taken meanwhile is reported by name, with the way
//! out (free it, or start afresh with another `--data-dir`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use tavern_proto::convert::NodeRole;
use tavern_raft::config::{RawConfig, RawPeer};
use tavern_raft::service::Admin as _;
use tavern_raft::types::{Member, NodeId};
use tokio::net::TcpListener;

use crate::node::{self, bind, Listeners, RunningNode, Signals};

/// The nodes of a dev cluster.
pub const DEV_NODE_IDS: [NodeId; 3] = [1, 2, 3];
pub const DEV_CLUSTER_ID: &str = "tavern-dev";
/// The file in the data folder that keeps the cluster's addresses between runs.
pub const CLUSTER_FILE: &str = "cluster.toml";
pub const DEFAULT_DATA_DIR: &str = "tavern-dev-data";
/// How often the leader is looked up for printing.
pub const LEADER_POLL_MS: u64 = 200;
/// Exit code of a cluster that could not start or stop.
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// Where the three nodes keep their data (created if missing, reused on the next run).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

/// Runs `tavern dev` until Ctrl-C or SIGTERM. Logs go to stderr (`RUST_LOG`, default
/// `warn,openraft=error`).
pub fn run(
    args: &DevArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<ExitCode> {
    // openraft warns about every peer it cannot reach, which in a dev cluster stopping on
    // Ctrl-C is each node seeing the others go: noise for this command.
    node::init_logging("warn,openraft=error");
    let outcome = node::runtime().and_then(|rt| rt.block_on(dev(&args.data_dir, out)));
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            writeln!(err, "tavern dev: {e:#}")?;
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

async fn dev(dir: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let mut signals = Signals::new().context("cannot catch SIGTERM and SIGINT")?;
    let nodes = start_nodes(dir).await?;

    writeln!(
        out,
        "tavern dev: a three-node cluster on loopback, data in {} (kept for the next run)",
        dir.display()
    )?;
    for n in &nodes {
        let page = n
            .http_addr()
            .map(|a| format!(", status page http://{a}/"))
            .unwrap_or_default();
        writeln!(
            out,
            "  node {}: client {}  (raft {}{page})",
            n.node().id(),
            n.client_addr(),
            n.raft_addr()
        )?;
    }
    writeln!(
        out,
        "Call any node with a gRPC client, e.g. grpcurl -plaintext {} list; Ctrl-C stops.",
        nodes[0].client_addr()
    )?;
    out.flush()?;

    let why = {
        let leaders = print_leaders(&nodes, out);
        tokio::select! {
            why = signals.recv() => why,
            r = leaders => {
                r?;
                "no more output"
            }
        }
    };
    writeln!(out, "{why}: stopping")?;
    out.flush()?;
    let failed = stop_all(nodes).await;
    if failed > 0 {
        bail!("{failed} node(s) did not stop cleanly (see the log above)");
    }
    writeln!(out, "stopped")?;
    Ok(())
}

/// Starts the three nodes of the dev cluster whose data is in `dir` (created if missing); on
/// an error, the nodes already started are stopped. `tavern bench` starts its cluster so too.
pub async fn start_nodes(dir: &Path) -> anyhow::Result<Vec<RunningNode>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    let (peers, mut listeners) = addresses(dir).await?;

    let mut nodes = Vec::new();
    for id in DEV_NODE_IDS {
        let config =
            RawConfig::for_node(DEV_CLUSTER_ID, id, &dir.join(format!("node{id}")), &peers)
                .validate()
                .context("the dev cluster's own config")?;
        let (raft, client) = listeners.remove(&id).context("a listener per node")?;
        // Not kept in cluster.toml: nothing but a person's browser needs it to stay put.
        let health = bind(([127, 0, 0, 1], 0).into(), "http_port").await?;
        match RunningNode::start(
            config,
            Listeners {
                raft,
                client,
                health: Some(health),
            },
        )
        .await
        {
            Ok(n) => nodes.push(n),
            Err(e) => {
                stop_all(nodes).await;
                return Err(e.context(format!("node {id}")));
            }
        }
    }
    Ok(nodes)
}

/// The cluster's addresses and the listeners bound on them: the ones kept in `cluster.toml`,
/// or fresh free ports (then written there).
async fn addresses(
    dir: &Path,
) -> anyhow::Result<(
    BTreeMap<NodeId, Member>,
    BTreeMap<NodeId, (TcpListener, TcpListener)>,
)> {
    let file = dir.join(CLUSTER_FILE);
    let mut listeners = BTreeMap::new();
    let mut peers = BTreeMap::new();
    if file.exists() {
        let raw = RawConfig::from_file(&file)?;
        for p in raw.peers.unwrap_or_default() {
            let addr = |a: &str| {
                a.parse()
                    .with_context(|| format!("{}: peer {} address {a:?}", file.display(), p.id))
            };
            let taken = |what: &str| {
                format!(
                    "node {}'s {what} (kept in {}); free it, or start afresh with another \
                     --data-dir",
                    p.id,
                    file.display()
                )
            };
            let raft = bind(addr(&p.raft_addr)?, "raft_addr")
                .await
                .with_context(|| taken("raft address"))?;
            let client = bind(addr(&p.client_addr)?, "client_addr")
                .await
                .with_context(|| taken("client address"))?;
            listeners.insert(p.id, (raft, client));
            peers.insert(
                p.id,
                Member {
                    raft_addr: p.raft_addr,
                    client_addr: p.client_addr,
                },
            );
        }
        let ids: Vec<NodeId> = peers.keys().copied().collect();
        if ids != DEV_NODE_IDS {
            bail!(
                "{} lists nodes {ids:?}, a dev cluster is nodes {DEV_NODE_IDS:?}",
                file.display()
            );
        }
        return Ok((peers, listeners));
    }
    for id in DEV_NODE_IDS {
        let raft = bind(([127, 0, 0, 1], 0).into(), "raft_addr").await?;
        let client = bind(([127, 0, 0, 1], 0).into(), "client_addr").await?;
        peers.insert(
            id,
            Member {
                raft_addr: raft.local_addr()?.to_string(),
                client_addr: client.local_addr()?.to_string(),
            },
        );
        listeners.insert(id, (raft, client));
    }
    let raw = RawConfig {
        cluster_id: Some(DEV_CLUSTER_ID.into()),
        peers: Some(
            peers
                .iter()
                .map(|(&id, m)| RawPeer {
                    id,
                    raft_addr: m.raft_addr.clone(),
                    client_addr: m.client_addr.clone(),
                })
                .collect(),
        ),
        ..RawConfig::default()
    };
    let text = format!(
        "# tavern dev: the addresses of this dev cluster, kept so the next run finds itself.\n{}",
        toml::to_string(&raw).context("the cluster file")?
    );
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    Ok((peers, listeners))
}

/// Prints the leader each time it changes (every [`LEADER_POLL_MS`]). Ends only on an error
/// writing to `out`.
async fn print_leaders(nodes: &[RunningNode], out: &mut impl Write) -> anyhow::Result<()> {
    let client_of: BTreeMap<NodeId, String> = nodes
        .iter()
        .map(|n| (n.node().id(), n.client_addr().to_string()))
        .collect();
    let mut shown = None;
    loop {
        let leader = leader(nodes).await;
        if leader != shown {
            if let Some(id) = leader {
                let addr = client_of.get(&id).map_or("?", String::as_str);
                writeln!(out, "leader: node {id} at {addr}")?;
                out.flush()?;
            }
            shown = leader;
        }
        tokio::time::sleep(std::time::Duration::from_millis(LEADER_POLL_MS)).await;
    }
}

/// The node that says it leads, in the highest term. Asked of the leader itself, not of a
/// follower: a restarted follower names the leader it last knew until it hears from the new
/// one, and the dev cluster must not send its user there.
pub async fn leader(nodes: &[RunningNode]) -> Option<NodeId> {
    let mut best: Option<(u64, NodeId)> = None;
    for n in nodes {
        let Ok(s) = n.node().status().await else {
            continue;
        };
        if s.role == NodeRole::Leader && best.is_none_or(|(term, _)| s.current_term > term) {
            best = Some((s.current_term, s.node_id));
        }
    }
    best.map(|(_, id)| id)
}

/// Stops every node; returns how many failed (each is logged).
pub async fn stop_all(nodes: Vec<RunningNode>) -> usize {
    let mut failed = 0;
    for n in nodes {
        let id = n.node().id();
        if let Err(e) = n.stop().await {
            tracing::error!("node {id}: {e:#}");
            failed += 1;
        }
    }
    failed
}
