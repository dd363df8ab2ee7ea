//! `tavern serve`: one node, configured by a TOML file, `TAVERN_*` environment variables and
//! flags (flags win, then the environment, then the file; see `tavern_raft::config`).
//!
//! ```text
//!  config ──validate──▶ --check? print it, exit 0
//!     │ invalid: every problem, exit 2
//!     ▼
//!  catch SIGTERM/SIGINT ─▶ bind raft_addr, client_addr ─▶ TavernNode::start ─▶ serve clients
//!     │ a port taken, a data dir that cannot be opened, a start error: one line, exit 1
//!     ▼
//!  SIGTERM or Ctrl-C ─▶ node.shutdown(), stop the client server ─▶ exit 0 (1 if stopping failed)
//! ```
//! A fresh cluster needs no manual step: the node with the lowest id in `peers` initializes it
//! when its log is empty, and the others wait for its leader. Logs go to stderr, filtered by
//! `RUST_LOG` (default `info`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tavern_raft::config::{parse_peers, NodeConfig, RawConfig, RawPeer};

use crate::node::{self, Listeners, RunningNode, Signals};

/// Exit code of a config that cannot be read or is not valid.
pub const EXIT_INVALID_CONFIG: u8 = 2;
/// Exit code of a node that could not start, or failed while running.
pub const EXIT_NODE_FAILED: u8 = 1;

/// The flags of `tavern serve`, one per setting (named as in the file, in kebab-case).
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// A TOML config file (see tools/examples/).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Validate the config, print it and exit 0 when it is valid.
    #[arg(long)]
    check: bool,
    /// This node's id (≥ 1, listed in the peers).
    #[arg(long)]
    node_id: Option<u64>,
    /// The cluster's name; a node refuses data of another cluster.
    #[arg(long)]
    cluster_id: Option<String>,
    /// IP:port of the internal Raft service (default: this node's raft address in the peers).
    #[arg(long)]
    raft_addr: Option<String>,
    /// IP:port of the gRPC domain services (default: this node's client address in the peers).
    #[arg(long)]
    client_addr: Option<String>,
    /// Port of the health page (/livez, /readyz), on the IP of the client address.
    #[arg(long)]
    http_port: Option<u16>,
    /// Directory of this node's RocksDB database and snapshots.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Every voter at bootstrap: ID=RAFT_ADDR/CLIENT_ADDR, comma-separated.
    #[arg(long, value_parser = peers_arg, value_name = "PEERS")]
    peers: Option<PeerList>,
    /// Leader heartbeat interval.
    #[arg(long)]
    heartbeat_ms: Option<u64>,
    /// Shortest election timeout (more than the heartbeat).
    #[arg(long)]
    election_timeout_min_ms: Option<u64>,
    /// Longest election timeout.
    #[arg(long)]
    election_timeout_max_ms: Option<u64>,
    /// Deadline of one RPC to a peer.
    #[arg(long)]
    rpc_timeout_ms: Option<u64>,
    /// Bound on a client call inside the node (a write to applied, a read's wait).
    #[arg(long)]
    request_timeout_ms: Option<u64>,
    /// Build a snapshot after this many entries.
    #[arg(long)]
    snapshot_every_entries: Option<u64>,
    /// Entries kept behind a snapshot.
    #[arg(long)]
    logs_to_keep: Option<u64>,
    /// Chunk size of a snapshot sent to a follower, in bytes.
    #[arg(long)]
    snapshot_chunk_bytes: Option<usize>,
    /// Bound on sending one whole snapshot to a follower.
    #[arg(long)]
    snapshot_timeout_ms: Option<u64>,
    /// Largest gRPC request accepted, in bytes.
    #[arg(long)]
    request_bytes_max: Option<usize>,
    /// Serve LEASE reads on the leader (true or false).
    #[arg(long)]
    read_lease: Option<bool>,
    /// Promote learners to voters once they have caught up (true or false).
    #[arg(long)]
    auto_promote_learners: Option<bool>,
    /// Quota on the state's size (keys + values), in bytes; 0 for none. Past it, writes that
    /// grow the state are refused.
    #[arg(long)]
    state_bytes_max: Option<u64>,
    /// Refuse writes that grow the state while the data directory's filesystem has less free
    /// space than this, in bytes; 0 to turn off (default 256 MiB).
    #[arg(long)]
    disk_free_min_bytes: Option<u64>,
    /// Client calls in progress at once on this node; more are refused (RESOURCE_EXHAUSTED).
    #[arg(long)]
    client_concurrency_max: Option<usize>,
    #[command(flatten)]
    security: crate::security::SecurityFlags,
    /// Applied entries whose events are kept on disk for watchers to resume from.
    #[arg(long)]
    watch_window_entries: Option<u64>,
    /// Replies queued for one watcher before it is cut off as too slow.
    #[arg(long)]
    watch_buffer_replies: Option<usize>,
    /// Concurrent watch streams this node serves.
    #[arg(long)]
    watch_streams_max: Option<usize>,
    /// Directory of the node's scheduled backups (none: no scheduled backups).
    #[arg(long)]
    backup_dir: Option<PathBuf>,
    /// Seconds between two scheduled backups (skipped when nothing changed).
    #[arg(long)]
    backup_interval_s: Option<u64>,
    /// How many scheduled backups to keep.
    #[arg(long)]
    backup_keep: Option<usize>,
}

/// `--peers`, parsed.
#[derive(Debug, Clone)]
struct PeerList(Vec<RawPeer>);

fn peers_arg(text: &str) -> Result<PeerList, String> {
    parse_peers(text).map(PeerList)
}

impl ServeArgs {
    /// The settings given as flags.
    fn raw(&self) -> RawConfig {
        RawConfig {
            node_id: self.node_id,
            cluster_id: self.cluster_id.clone(),
            raft_addr: self.raft_addr.clone(),
            client_addr: self.client_addr.clone(),
            http_port: self.http_port,
            data_dir: self.data_dir.clone(),
            peers: self.peers.clone().map(|p| p.0),
            heartbeat_ms: self.heartbeat_ms,
            election_timeout_min_ms: self.election_timeout_min_ms,
            election_timeout_max_ms: self.election_timeout_max_ms,
            rpc_timeout_ms: self.rpc_timeout_ms,
            request_timeout_ms: self.request_timeout_ms,
            snapshot_every_entries: self.snapshot_every_entries,
            logs_to_keep: self.logs_to_keep,
            snapshot_chunk_bytes: self.snapshot_chunk_bytes,
            snapshot_timeout_ms: self.snapshot_timeout_ms,
            request_bytes_max: self.request_bytes_max,
            read_lease: self.read_lease,
            auto_promote_learners: self.auto_promote_learners,
            state_bytes_max: self.state_bytes_max,
            disk_free_min_bytes: self.disk_free_min_bytes,
            client_concurrency_max: self.client_concurrency_max,
            security: self.security.raw(),
            watch_window_entries: self.watch_window_entries,
            watch_buffer_replies: self.watch_buffer_replies,
            watch_streams_max: self.watch_streams_max,
            backup_dir: self.backup_dir.clone(),
            backup_interval_s: self.backup_interval_s,
            backup_keep: self.backup_keep,
        }
    }

    /// File, then environment, then flags, validated.
    fn load(
        &self,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<NodeConfig, tavern_raft::config::ConfigError> {
        let file = match &self.config {
            Some(path) => RawConfig::from_file(path)?,
            None => RawConfig::default(),
        };
        let env = RawConfig::from_env(env)?;
        self.raw().over(env.over(file)).validate()
    }
}

/// Runs `tavern serve`: with `--check` writes the config to `out`, else runs the node until
/// SIGTERM or Ctrl-C. Problems go to `err`, one line each (the config's: one per setting).
pub fn run(
    args: &ServeArgs,
    env: impl IntoIterator<Item = (String, String)>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<ExitCode> {
    // Kept to read the config again on SIGHUP (the process's environment does not change).
    let env: Vec<(String, String)> = env.into_iter().collect();
    let config = match args.load(env.clone()) {
        Ok(config) => config,
        Err(e) => {
            writeln!(err, "tavern serve: {e}")?;
            return Ok(ExitCode::from(EXIT_INVALID_CONFIG));
        }
    };
    if args.check {
        writeln!(out, "# the validated config of node {}", config.node_id)?;
        write!(out, "{}", config.to_toml())?;
        return Ok(ExitCode::SUCCESS);
    }
    node::init_logging("info");
    let node_id = config.node_id;
    let reread = || args.load(env.clone());
    let outcome = node::runtime().and_then(|rt| rt.block_on(serve(config, reread)));
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            // `{:#}` puts the causes on the same line: "node 1: cannot listen on ...: Address in use".
            writeln!(err, "tavern serve: node {node_id}: {e:#}")?;
            Ok(ExitCode::from(EXIT_NODE_FAILED))
        }
    }
}

/// Starts the node and serves until SIGTERM or Ctrl-C, then stops it. On SIGHUP reads the
/// config again with `reread` (see [`reload`]).
async fn serve(
    config: NodeConfig,
    reread: impl Fn() -> Result<NodeConfig, tavern_raft::config::ConfigError>,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut signals = Signals::new().context("cannot catch SIGTERM and SIGINT")?;
    let mut hangups = signal(SignalKind::hangup()).context("cannot catch SIGHUP")?;
    let listeners = Listeners::bind(&config).await?;
    let mut current = config.clone();
    let mut running = RunningNode::start(config, listeners).await?;
    loop {
        tokio::select! {
            why = signals.recv() => {
                tracing::info!("{why}: stopping");
                return running.stop().await;
            }
            why = running.server_failed() => {
                tracing::error!("{why}; stopping");
                running.stop().await?;
                return Err(anyhow::anyhow!(why));
            }
            _ = hangups.recv() => current = reload(&current, reread(), &running),
        }
    }
}

/// SIGHUP: applies the reloadable settings of the config read again
/// (`tavern_raft::config::RELOADABLE_SETTINGS`), names the changed ones that wait for a
/// restart, and keeps everything as it was when the config does not validate. Returns the
/// config the node runs with now.
fn reload(
    current: &NodeConfig,
    read_again: Result<NodeConfig, tavern_raft::config::ConfigError>,
    running: &RunningNode,
) -> NodeConfig {
    let new = match read_again {
        Ok(new) => new,
        Err(e) => {
            tracing::error!("SIGHUP: the config does not validate, nothing changed: {e}");
            return current.clone();
        }
    };
    let changes = current.changes_to(&new);
    for c in &changes.applied {
        tracing::info!("SIGHUP: {} is now {} (was {})", c.setting, c.new, c.old);
    }
    if !changes.need_restart.is_empty() {
        tracing::warn!(
            "SIGHUP: changed in the config but taking effect only at the next restart: {}",
            changes.need_restart.join(", ")
        );
    }
    if changes.is_empty() {
        tracing::info!("SIGHUP: config read again, nothing changed");
    }
    let now = current.with_reloaded(&new);
    running
        .node()
        .set_space_limits(now.state_bytes_max, now.disk_free_min_bytes);
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(n: u32) -> PathBuf {
        example_of("three-nodes", n)
    }

    fn example_of(cluster: &str, n: u32) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{cluster}/node{n}.toml"))
    }

    fn run_with(args: ServeArgs, env: &[(&str, &str)]) -> (ExitCode, String, String) {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args, env, &mut out, &mut err).expect("writing to a Vec");
        let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
        (code, text(out), text(err))
    }

    #[test]
    fn every_example_config_is_valid() {
        let examples = (1..=3)
            .map(|n| ("three-nodes", n))
            .chain((1..=5).map(|n| ("five-nodes", n)));
        for (cluster, n) in examples {
            let args = ServeArgs {
                config: Some(example_of(cluster, n)),
                check: true,
                ..ServeArgs::default()
            };
            let (code, out, err) = run_with(args, &[]);
            assert_eq!(code, ExitCode::SUCCESS, "{cluster} node{n}: {err}");
            assert!(out.contains(&format!("node_id = {n}\n")), "{out}");
            let voters = out.matches("[[peers]]").count();
            assert_eq!(voters, if cluster == "five-nodes" { 5 } else { 3 }, "{out}");
        }
    }

    #[test]
    fn flags_win_over_env_over_file_and_problems_exit_2() {
        let args = ServeArgs {
            config: Some(example(1)),
            check: true,
            heartbeat_ms: Some(400),
            ..ServeArgs::default()
        };
        let (code, out, err) = run_with(args, &[("TAVERN_HEARTBEAT_MS", "20")]);
        assert_eq!(code, ExitCode::from(EXIT_INVALID_CONFIG), "{out}");
        assert_eq!(
            err,
            "tavern serve: invalid config:\n  \
             - election_timeout_min_ms (150) must be more than heartbeat_ms (400)\n"
        );

        let args = ServeArgs {
            config: Some(example(1)),
            check: true,
            ..ServeArgs::default()
        };
        let (code, out, _) = run_with(args, &[("TAVERN_HEARTBEAT_MS", "20")]);
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(out.contains("heartbeat_ms = 20\n"), "{out}");
    }

    #[test]
    fn a_missing_file_exits_2_naming_it() {
        let args = ServeArgs {
            config: Some(PathBuf::from("/nonexistent/node.toml")),
            ..ServeArgs::default()
        };
        let (code, _, err) = run_with(args, &[]);
        assert_eq!(code, ExitCode::from(EXIT_INVALID_CONFIG));
        assert!(
            err.starts_with("tavern serve: cannot read config file /nonexistent/node.toml: "),
            "{err}"
        );
    }
}
