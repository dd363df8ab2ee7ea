//! `tavern`: the command line of tavern.
//!
//! `scenario` plays a short story against the state machine in memory; `serve` runs one node
//! (`node.rs`: listeners, `TavernNode`, the client gRPC server, signals, logging); `dev` runs a
//! three-node cluster in this process; `demo` tells a story through the client library
//! (`demo.rs`) against three `serve` processes it starts and kills the leader of; `status`,
//! `member`, `leader` call a node's admin service (`admin.rs`); `snapshot
//! save|inspect|verify|restore` makes and reads backups (`snapshot.rs`); `bench` measures a
//! cluster, or etcd with the same load generator (`bench/`). The importer arrives with a later
//! issue (DESIGN.md "Parts").
//!
//! Architecture invariant: this binary only wires things together; domain rules live in
//! `tavern-statemachine`. It may depend on every crate; nothing depends on it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod bench;
mod demo;
mod describe;
mod dev;
mod node;
mod scenario;
mod security;
mod serve;
mod snapshot;

#[derive(Debug, Parser)]
#[command(
    name = "tavern",
    version,
    about = "tavern: the replicated social-state store"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the flags is of no concern.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Plays a short story (realms, gateways, logins, exactly-once retries, a lost gateway,
    /// rename and delete) against the state machine in memory, and checks every outcome.
    Scenario,
    /// Runs one node of a cluster until SIGTERM or Ctrl-C. The config comes from --config FILE,
    /// TAVERN_* variables and flags (flags win); --check validates and prints it. Exits 2 on an
    /// invalid config, 1 when the node cannot start or fails, 0 after a clean stop.
    Serve(serve::ServeArgs),
    /// Runs a three-node cluster in this process on loopback, with no configuration; data in
    /// ./tavern-dev-data (kept for the next run). Ctrl-C stops it.
    Dev(dev::DevArgs),
    /// Tells a story through the client library against a cluster it starts (or
    /// --endpoints): logins, friends, a channel, mail with COD, an arena match; the leader is
    /// SIGKILLed midway and the story goes on, nothing lost or applied twice.
    Demo(demo::DemoArgs),
    /// Prints a node's view of the cluster: role, term, leader, log and apply progress,
    /// members and (on the leader) each follower's lag.
    Status(admin::Endpoint),
    /// Changes the membership (on the leader; any node's address will do).
    #[command(subcommand)]
    Member(admin::MemberCommand),
    /// Moves the leadership.
    #[command(subcommand)]
    Leader(admin::LeaderCommand),
    /// Measures throughput and latency: N clients for a duration against a tavern cluster
    /// (--endpoints, or a three-node cluster it starts in a temporary folder) or, with
    /// --target etcd, an etcd 3.4 cluster (given, or started from the `etcd` binary).
    Bench(bench::BenchArgs),
    /// Backups: save one from a running cluster, inspect or verify a file, restore a file
    /// into the data directories of a new cluster.
    #[command(subcommand)]
    Snapshot(snapshot::SnapshotCommand),
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli.command {
        Command::Scenario => {
            scenario::run(&mut out)?;
            ExitCode::SUCCESS
        }
        Command::Serve(args) => {
            // A variable that is not UTF-8 is skipped: every setting is text.
            let env = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
            serve::run(&args, env, &mut out, &mut std::io::stderr())?
        }
        Command::Dev(args) => dev::run(&args, &mut out, &mut std::io::stderr())?,
        Command::Demo(args) => demo::run(&args, &mut out, &mut std::io::stderr())?,
        Command::Status(at) => admin::status(&at, &mut out, &mut std::io::stderr())?,
        Command::Member(cmd) => admin::member(&cmd, &mut out, &mut std::io::stderr())?,
        Command::Leader(cmd) => admin::leader(&cmd, &mut out, &mut std::io::stderr())?,
        Command::Bench(args) => bench::run_command(&args, &mut out, &mut std::io::stderr())?,
        Command::Snapshot(cmd) => snapshot::run(&cmd, &mut out, &mut std::io::stderr())?,
    };
    out.flush()?;
    Ok(code)
}
