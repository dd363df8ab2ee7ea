//! `tavern bench`: N concurrent clients for a duration against a tavern cluster (given by
//! `--endpoints`, or a three-node `tavern dev` cluster started in a temporary folder) or an
//! etcd 3.4 cluster (`--target etcd`, given or started the same way), and a report of
//! throughput and latency percentiles per operation, as text or JSON.
//!
//! ```text
//!  BenchArgs ─▶ cluster (given, or started: dev::start_nodes / etcd::EtcdCluster)
//!     ─▶ set-up (tavern: realm, accounts, characters, mails or the social world; etcd: keys)
//!     ─▶ runner::run(workers, duration): one task per client, closed loop, hdrhistograms
//!     ─▶ tear-down (tavern against a given cluster: the characters are deleted) ─▶ Report
//! ```
//! Workloads: `write` and the reads are in `tavern.rs` and `etcd.rs` (which says how each
//! maps to etcd's calls); `social-mix` (tavern only) in `social/`. Nothing here asserts a
//! time: numbers are printed, never judged (DESIGN.md "Performance targets").

mod etcd;
mod report;
mod runner;
mod social;
mod tavern;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use tavern_gateway::ReadLevel;
use tavern_statemachine::limits::MAIL_BODY_BYTES_MAX;

use etcd::EtcdCluster;
use report::{Report, RunInfo};
use runner::{run, Measured};

/// The most clients one run drives.
pub const CLIENTS_MAX: usize = 4096;
/// The longest run.
pub const DURATION_MAX: Duration = Duration::from_secs(3600);
/// How long a cluster bench started may take to elect a leader.
pub const LEADER_WAIT_MS: u64 = 20_000;
/// Exit code when the benchmark could not run (bad flags, no cluster, set-up failed).
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Tavern,
    Etcd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// The cheapest write with a `--value-bytes` payload (tavern: a mail; etcd: a put).
    Write,
    /// Reads of one such value at the linearizable level (etcd: a default get).
    ReadLinearizable,
    /// Reads at `STALE(--stale-ms)` spread over the nodes (etcd: a serializable get).
    ReadStale,
    /// The operations and relative rates of a busy game cluster (DOMAIN.md section 4); tavern only.
    SocialMix,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Write => "write",
            Workload::ReadLinearizable => "read-linearizable",
            Workload::ReadStale => "read-stale",
            Workload::SocialMix => "social-mix",
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// What to measure: a tavern cluster, or an etcd 3.4 cluster for comparison.
    #[arg(long, value_enum, default_value = "tavern")]
    pub target: Target,
    #[arg(long, value_enum, default_value = "write")]
    pub workload: Workload,
    /// Concurrent clients, each waiting for its answer before its next call.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// How long to measure, after set-up: `30s`, `500ms`, `2m` or seconds.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// The cluster's client addresses (comma-separated or repeated). Without it, bench starts
    /// a three-node cluster of the target on loopback in a temporary folder.
    #[arg(long, value_delimiter = ',')]
    pub endpoints: Vec<String>,
    /// Characters (tavern) or keys (etcd) the workload spreads over; at least `--clients`.
    #[arg(long, default_value_t = 1024)]
    pub population: usize,
    /// The payload of `write` and the value the reads read.
    #[arg(long, default_value_t = 256)]
    pub value_bytes: usize,
    /// The staleness bound of `read-stale` on tavern, in ms.
    #[arg(long, default_value_t = 1000)]
    pub stale_ms: u64,
    /// Print the report as JSON on stdout (progress and set-up messages go to stderr).
    #[arg(long)]
    pub json: bool,
    /// The etcd binary for a cluster bench starts (`--target etcd` without `--endpoints`).
    #[arg(long, value_name = "PATH", default_value = "etcd")]
    pub etcd_bin: PathBuf,
}

/// `30s`, `500ms`, `2m`, or a number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("{s:?}: the unit must be ms, s or m")),
    };
    if d.is_zero() || d > DURATION_MAX {
        return Err(format!(
            "{s:?} must be more than 0 and at most {} s",
            DURATION_MAX.as_secs()
        ));
    }
    Ok(d)
}

/// Runs `tavern bench`; the report goes to `out`, set-up messages and failures to `err`.
pub fn run_command(
    args: &BenchArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<ExitCode> {
    crate::node::init_logging("warn,openraft=error");
    let outcome = crate::node::runtime().and_then(|rt| rt.block_on(bench(args, err)));
    match outcome {
        Ok(report) => {
            if args.json {
                report.write_json(out)?;
            } else {
                report.write_text(out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(err, "tavern bench: {e:#}")?;
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

fn check(args: &BenchArgs) -> anyhow::Result<()> {
    if args.clients == 0 || args.clients > CLIENTS_MAX {
        bail!(
            "--clients must be in 1..={CLIENTS_MAX}, not {}",
            args.clients
        );
    }
    if args.value_bytes == 0 || args.value_bytes > MAIL_BODY_BYTES_MAX {
        bail!(
            "--value-bytes must be in 1..={MAIL_BODY_BYTES_MAX} (a mail body), not {}",
            args.value_bytes
        );
    }
    if args.target == Target::Etcd && args.workload == Workload::SocialMix {
        bail!(
            "social-mix is tavern's own workload (logins, channels, friends, mail): etcd has no \
             such operations; with --target etcd use write, read-linearizable or read-stale"
        );
    }
    Ok(())
}

async fn bench(args: &BenchArgs, err: &mut impl Write) -> anyhow::Result<Report> {
    check(args)?;
    match args.target {
        Target::Tavern => bench_tavern(args, err).await,
        Target::Etcd => bench_etcd(args, err).await,
    }
}

fn info(args: &BenchArgs, population: usize, endpoints: &[String], started: bool) -> RunInfo {
    RunInfo {
        target: match args.target {
            Target::Tavern => "tavern".into(),
            Target::Etcd => "etcd".into(),
        },
        workload: args.workload.name().into(),
        clients: args.clients,
        duration_s: args.duration.as_secs_f64(),
        value_bytes: args.value_bytes,
        population,
        endpoints: endpoints.to_vec(),
        started_cluster: started,
        notes: Vec::new(),
    }
}

/// A temporary folder for a cluster bench starts, removed when dropped.
fn temp_dir(prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .context("cannot create a temporary folder for the cluster")
}

async fn bench_tavern(args: &BenchArgs, err: &mut impl Write) -> anyhow::Result<Report> {
    let dir;
    let mut nodes = Vec::new();
    let endpoints = if args.endpoints.is_empty() {
        dir = temp_dir("tavern-bench-")?;
        writeln!(
            err,
            "starting a three-node tavern cluster in {}",
            dir.path().display()
        )?;
        nodes = crate::dev::start_nodes(dir.path()).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(LEADER_WAIT_MS);
        while crate::dev::leader(&nodes).await.is_none() {
            if tokio::time::Instant::now() >= deadline {
                crate::dev::stop_all(nodes).await;
                bail!("the cluster bench started elected no leader within {LEADER_WAIT_MS} ms");
            }
            tokio::time::sleep(Duration::from_millis(crate::dev::LEADER_POLL_MS)).await;
        }
        nodes.iter().map(|n| n.client_addr().to_string()).collect()
    } else {
        args.endpoints.clone()
    };
    let started = !nodes.is_empty();
    let outcome = measure_tavern(args, &endpoints, started, err).await;
    if started {
        let failed = crate::dev::stop_all(nodes).await;
        if failed > 0 {
            writeln!(
                err,
                "{failed} node(s) of the bench cluster did not stop cleanly"
            )?;
        }
    }
    outcome
}

async fn measure_tavern(
    args: &BenchArgs,
    endpoints: &[String],
    started: bool,
    err: &mut impl Write,
) -> anyhow::Result<Report> {
    let size = args.population.max(args.clients);
    let population = tavern::Population::new(size)?;
    let setup = tavern::connect(endpoints)?;
    writeln!(
        err,
        "setting up {size} characters in realm {}",
        tavern::BENCH_REALM
    )?;
    population.create(&setup).await?;
    let body = tavern::payload(args.value_bytes);
    let mut info = info(args, size, endpoints, started);
    let label = format!("tavern {}", args.workload.name());
    let measured = match args.workload {
        Workload::Write => {
            info.notes.push(format!(
                "write = SendMail from a creature with a {}-byte body; each client deletes the \
                 oldest of its mails in a box holding {} (delete_mail)",
                args.value_bytes,
                tavern::MAILBOX_KEEP
            ));
            let mut workers = Vec::new();
            for i in 0..args.clients {
                let client = tavern::connect(endpoints)?;
                workers.push(tavern::MailWriter::new(
                    client,
                    &population,
                    i,
                    args.clients,
                    body.clone(),
                ));
            }
            run(workers, args.duration, &label).await
        }
        Workload::ReadLinearizable | Workload::ReadStale => {
            let mails = Arc::new(tavern::mails_to_read(&setup, &population, &body).await?);
            tavern::sync_all(&setup, endpoints).await?;
            let level = if args.workload == Workload::ReadStale {
                info.notes.push(format!(
                    "read = GetMail at STALE({} ms), client i on node i mod {}",
                    args.stale_ms,
                    endpoints.len()
                ));
                ReadLevel::Stale {
                    max_ms: args.stale_ms,
                }
            } else {
                info.notes
                    .push("read = GetMail at LINEARIZABLE (leader, ReadIndex)".into());
                ReadLevel::Linearizable
            };
            let mut workers = Vec::new();
            for i in 0..args.clients {
                let client = match level {
                    ReadLevel::Stale { .. } => {
                        tavern::connect(&endpoints[i % endpoints.len()..][..1])?
                    }
                    _ => tavern::connect(endpoints)?,
                };
                workers.push(tavern::MailReader::new(client, mails.clone(), level));
            }
            run(workers, args.duration, &label).await
        }
        Workload::SocialMix => {
            info.notes.push(social::NOTE.into());
            let world = social::World::create(&setup, &population, args.clients, err).await?;
            let mut workers = Vec::new();
            for i in 0..args.clients {
                workers.push(world.worker(tavern::connect(endpoints)?, i));
            }
            run(workers, args.duration, &label).await
        }
    };
    let Measured { recorder, elapsed } = measured;
    let report = recorder.report(info, elapsed);
    if !started {
        writeln!(err, "deleting the {size} bench characters")?;
        if args.workload == Workload::SocialMix {
            social::World::log_out_all(&setup, &population).await;
        }
        if let Err(e) = population.delete(&setup).await {
            writeln!(err, "tear-down incomplete: {e:#}")?;
        }
    }
    Ok(report)
}

async fn bench_etcd(args: &BenchArgs, err: &mut impl Write) -> anyhow::Result<Report> {
    let dir;
    let mut cluster = None;
    let endpoints = if args.endpoints.is_empty() {
        dir = temp_dir("tavern-bench-etcd-")?;
        writeln!(
            err,
            "starting a three-member etcd cluster in {}",
            dir.path().display()
        )?;
        let c = EtcdCluster::start(&args.etcd_bin, dir.path()).await?;
        let endpoints = c.endpoints.clone();
        cluster = Some(c);
        endpoints
    } else {
        args.endpoints.clone()
    };
    let outcome = measure_etcd(args, &endpoints, cluster.is_some(), err).await;
    if let Some(c) = cluster {
        c.stop();
    }
    outcome
}

async fn measure_etcd(
    args: &BenchArgs,
    endpoints: &[String],
    started: bool,
    err: &mut impl Write,
) -> anyhow::Result<Report> {
    let size = args.population.max(args.clients);
    let run_id = tavern::Population::new(size)?.run;
    let value = tavern::payload(args.value_bytes).into_bytes();
    let mut info = info(args, size, endpoints, started);
    info.notes.push(format!(
        "keys bench/{run_id}/<i>, client i on endpoint i mod {}",
        endpoints.len()
    ));
    // One connection per client, as on the tavern side, client i on endpoint i mod n.
    let channel = |i: usize| etcd::channel(&endpoints[i % endpoints.len()]);
    let label = format!("etcd {}", args.workload.name());
    let measured = match args.workload {
        Workload::Write => {
            info.notes
                .push("write = Put (overwrites: each client cycles over its keys)".into());
            let mut workers = Vec::new();
            for i in 0..args.clients {
                workers.push(etcd::EtcdWriter::new(
                    channel(i)?,
                    run_id,
                    size,
                    i,
                    args.clients,
                    value.clone(),
                ));
            }
            run(workers, args.duration, &label).await
        }
        Workload::ReadLinearizable | Workload::ReadStale => {
            writeln!(err, "putting {size} keys")?;
            etcd::put_all(endpoints, run_id, size, value).await?;
            etcd::sync_all(endpoints).await?;
            let serializable = args.workload == Workload::ReadStale;
            info.notes.push(if serializable {
                "read = Range with serializable = true (the member's local state)".into()
            } else {
                "read = Range (linearizable: ReadIndex through the leader)".into()
            });
            let mut workers = Vec::new();
            for i in 0..args.clients {
                workers.push(etcd::EtcdReader::new(
                    channel(i)?,
                    run_id,
                    size,
                    serializable,
                ));
            }
            run(workers, args.duration, &label).await
        }
        Workload::SocialMix => bail!("social-mix runs on tavern only"),
    };
    let Measured { recorder, elapsed } = measured;
    Ok(recorder.report(info, elapsed))
}
