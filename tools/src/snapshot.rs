//! `tavern snapshot save|inspect|verify|restore`: backups of a running cluster, and a new
//! cluster made from one.
//!
//! ```text
//!  save -e ADDR -o FILE   Status(ADDR) ─▶ pick a follower (or --from-leader, --from-this-node)
//!                         ─▶ AdminService/SaveSnapshot stream ─▶ FILE.partial (progress bar)
//!                         ─▶ size and full check ─▶ fsync, rename to FILE
//!  inspect FILE           header (version, cluster, last log id, membership), every entity
//!                         count (keys::TABLES), the state digest, the checksum    (file.rs)
//!  verify FILE            the whole file: header, every record's framing and key order,
//!                         a full decode of every record (its table's key layout and
//!                         record type: tavern_statemachine::records::check), the
//!                         count, the checksum; exit 1 naming the damage          (file.rs)
//!  restore FILE ...       verify, then one data directory per node of a new cluster
//!                         (store::restore) and a config file for `tavern serve`  (restore.rs)
//! ```
//! The file is the format of ARCHITECTURE.md "Snapshot file", the one Raft snapshots use.

mod file;
mod restore;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use tavern_proto::convert::{NodeRole, NodeStatus};
use tavern_proto::pb;

pub use self::file::{inspect, verify};
pub use self::restore::{restore, RestoreArgs};

use crate::security::ClientFlags;

/// Bound on connecting to a node and on each status call of `save`.
pub const CONNECT_TIMEOUT_MS: u64 = 3_000;
/// Bound on a whole `save`, by default (a large state over a slow link takes a while).
pub const SAVE_TIMEOUT_MS_DEFAULT: u64 = 3_600_000;
/// Exit code of a file that is damaged or not a snapshot (`verify`, `inspect`, `restore`).
pub const EXIT_DAMAGED: u8 = 1;

#[derive(Debug, clap::Subcommand)]
pub enum SnapshotCommand {
    /// Streams a backup of a running cluster's state to FILE, from a follower unless told
    /// otherwise (the leader is not slowed). The file holds the format version, the cluster id,
    /// the last log id, the membership and a SHA-256 of everything.
    Save(SaveArgs),
    /// Prints what a snapshot file holds (header, entity counts, state digest) and checks it.
    Inspect { file: PathBuf },
    /// Reads the whole file and checks it, decoding every record into its table's type; exit 1
    /// naming what is damaged (a record by its table and key).
    Verify { file: PathBuf },
    /// Builds the data directories of a new cluster from a snapshot file.
    Restore(RestoreArgs),
}

#[derive(Debug, clap::Args)]
pub struct SaveArgs {
    /// host:port of any node's client address.
    #[arg(long, short = 'e', default_value = "127.0.0.1:7201")]
    endpoint: String,
    /// TLS and token (--ca, --token).
    #[command(flatten)]
    security: crate::security::ClientFlags,
    /// The file to write.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Save from the leader instead of a follower.
    #[arg(long, conflicts_with = "from_this_node")]
    from_leader: bool,
    /// Save from the node at --endpoint, whatever its role.
    #[arg(long)]
    from_this_node: bool,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
    /// Largest chunk the node sends, in bytes (0: the node's default, 1 MiB).
    #[arg(long, default_value_t = 0)]
    chunk_bytes: u32,
    /// Bound on the whole save, in milliseconds.
    #[arg(long, default_value_t = SAVE_TIMEOUT_MS_DEFAULT)]
    timeout_ms: u64,
}

pub fn run(
    cmd: &SnapshotCommand,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    match cmd {
        SnapshotCommand::Save(args) => save(args, out, err),
        SnapshotCommand::Inspect { file } => inspect(file, out, err),
        SnapshotCommand::Verify { file } => verify(file, out, err),
        SnapshotCommand::Restore(args) => restore(args, out, err),
    }
}

async fn status_of(addr: &str, security: &ClientFlags) -> anyhow::Result<NodeStatus> {
    let mut admin = crate::admin::client(addr, security).await?;
    let mut request = tonic::Request::new(pb::StatusRequest {});
    request.set_timeout(Duration::from_millis(CONNECT_TIMEOUT_MS));
    let s = admin
        .status(request)
        .await
        .with_context(|| format!("status of the node at {addr}"))?
        .into_inner();
    NodeStatus::try_from(s)
        .map_err(|e| anyhow::anyhow!("the node at {addr} sent a bad status: {e}"))
}

/// The node to save from, as (id, client address, role); see `SaveArgs`.
async fn pick_node(args: &SaveArgs, err: &mut impl Write) -> anyhow::Result<(u64, String)> {
    let here = status_of(&args.endpoint, &args.security).await?;
    if args.from_this_node {
        return Ok((here.node_id, args.endpoint.clone()));
    }
    if args.from_leader {
        return match (here.role, here.leader_addr) {
            (NodeRole::Leader, _) => Ok((here.node_id, args.endpoint.clone())),
            (_, Some(addr)) => Ok((here.leader_id.unwrap_or(0), addr)),
            (_, None) => bail!("the node at {} knows no leader now", args.endpoint),
        };
    }
    if here.role == NodeRole::Follower {
        return Ok((here.node_id, args.endpoint.clone()));
    }
    // The most caught-up voter that says it is a follower.
    let mut best: Option<(u64, u64, String)> = None;
    for v in here.voters.iter().filter(|v| v.id != here.node_id) {
        let Ok(s) = status_of(&v.client_addr, &args.security).await else {
            continue;
        };
        let applied = s.applied_index.unwrap_or(0);
        if s.role == NodeRole::Follower && best.as_ref().is_none_or(|b| applied > b.1) {
            best = Some((v.id, applied, v.client_addr.clone()));
        }
    }
    match best {
        Some((id, _, addr)) => Ok((id, addr)),
        None => {
            writeln!(
                err,
                "no follower answered; saving from node {} ({:?})",
                here.node_id, here.role
            )?;
            Ok((here.node_id, args.endpoint.clone()))
        }
    }
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    output.with_file_name(name)
}

fn save(args: &SaveArgs, out: &mut impl Write, err: &mut impl Write) -> anyhow::Result<ExitCode> {
    if args.output.exists() && !args.force {
        bail!(
            "{} exists: choose another file, or --force to replace it",
            args.output.display()
        );
    }
    let partial = partial_path(&args.output);
    let rt = crate::node::runtime()?;
    let saved = rt.block_on(async {
        let (node_id, addr) = pick_node(args, err).await?;
        writeln!(err, "saving from node {node_id} at {addr}")?;
        tokio::time::timeout(
            Duration::from_millis(args.timeout_ms),
            stream_to(&addr, &args.security, args.chunk_bytes, &partial),
        )
        .await
        .context("the save did not finish within --timeout-ms")?
    });
    let info = match saved {
        Ok(info) => info,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    // The whole file again, as `verify` reads it, before it gets its name.
    let checked = file::check(&partial);
    let summary = match checked {
        Ok(s) => s,
        Err(damage) => {
            let _ = fs::remove_file(&partial);
            bail!("the file received does not check: {damage}");
        }
    };
    fs::rename(&partial, &args.output)
        .and_then(|()| sync_parent(&args.output))
        .with_context(|| {
            format!(
                "renaming {} to {}",
                partial.display(),
                args.output.display()
            )
        })?;
    writeln!(
        out,
        "saved {}: cluster {:?}, node {}, last log {}, {} records, {} bytes",
        args.output.display(),
        info.cluster_id,
        info.node_id,
        file::log_id_text(summary.last_log_id.as_ref()),
        summary.records,
        info.bytes
    )?;
    Ok(ExitCode::SUCCESS)
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::File::open(dir)?.sync_all(),
        _ => fs::File::open(".")?.sync_all(),
    }
}

/// Receives the stream into `path` (created or truncated), with a progress bar on stderr.
async fn stream_to(
    addr: &str,
    security: &ClientFlags,
    chunk_bytes: u32,
    path: &Path,
) -> anyhow::Result<pb::SnapshotInfo> {
    let mut admin = crate::admin::client(addr, security).await?;
    let mut stream = admin
        .save_snapshot(pb::SaveSnapshotRequest { chunk_bytes })
        .await
        .with_context(|| format!("the node at {addr} refused to save a snapshot"))?
        .into_inner();
    let first = stream
        .message()
        .await
        .with_context(|| format!("the snapshot stream from {addr}"))?
        .context("the node ended the stream before saying what it sends")?;
    let info = first
        .info
        .context("the node's first message has no snapshot info")?;
    let bar = indicatif::ProgressBar::new(info.bytes);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {wide_bar} {binary_bytes_per_sec} eta {eta}",
        )
        .map_err(|e| anyhow::anyhow!("progress bar: {e}"))?,
    );
    let mut file = std::io::BufWriter::new(
        fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    let mut received = 0u64;
    while let Some(msg) = stream
        .message()
        .await
        .with_context(|| format!("the snapshot stream from {addr} broke after {received} bytes"))?
    {
        received += msg.data.len() as u64;
        if received > info.bytes {
            bail!(
                "the node sent more than the {} bytes it announced",
                info.bytes
            );
        }
        file.write_all(&msg.data)
            .with_context(|| format!("writing {}", path.display()))?;
        bar.set_position(received);
    }
    bar.finish_and_clear();
    if received != info.bytes {
        bail!(
            "the stream ended after {received} of the {} bytes announced",
            info.bytes
        );
    }
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    Ok(info)
}
