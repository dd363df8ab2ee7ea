//! `tavern snapshot restore`: the data directories of a new cluster, made from a snapshot file.
//!
//! ```text
//!  FILE ──check (file.rs)──▶ damaged? print what, exit 1, nothing written
//!  --cluster-id NEW, --node ID=RAFT/CLIENT ... ──validate as each node's config──▶ refused? exit 2
//!  every <root>/node<ID> missing or empty, no <root>/node<ID>.toml ──▶ else refused, exit 2
//!  per node: store::restore::restore(FILE, <root>/node<ID>, {NEW, ID}, voters)
//!            <root>/node<ID>.toml: the node's config (`tavern serve --config` starts it)
//! ```
//! The new cluster id must differ from the file's: a node of the restored cluster refuses the
//! old cluster's Raft messages (and the old cluster the new one's) by the envelope check, so
//! both can run side by side without mixing. The membership is the one given, at the
//! snapshot's log id; the state records are the file's, byte for byte (the state digest is the
//! file's).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use tavern_raft::config::{parse_peers, RawConfig, RawPeer};
use tavern_raft::identity::Identity;
use tavern_raft::store::restore::restore as restore_dir;
use tavern_raft::types::Member;

use super::file::{self, log_id_text};
use super::EXIT_DAMAGED;

/// Exit code of a restore refused for its arguments or its target directories.
pub const EXIT_REFUSED: u8 = 2;

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The snapshot file (from `tavern snapshot save` or a scheduled backup).
    file: PathBuf,
    /// The new cluster's id; must differ from the snapshot's.
    #[arg(long)]
    cluster_id: String,
    /// A voter of the new cluster: ID=RAFT_ADDR/CLIENT_ADDR (repeat, or comma-separate).
    #[arg(
        long = "node",
        required = true,
        value_name = "ID=RAFT_ADDR/CLIENT_ADDR"
    )]
    nodes: Vec<String>,
    /// Where the nodes' directories go: <DIR>/node<ID>/ (data) and <DIR>/node<ID>.toml
    /// (config).
    #[arg(long)]
    data_dir_root: PathBuf,
}

/// The address a node listens on for a peer address: itself if it is an IP, else any IP on its
/// port (a host name is for the others to dial).
fn listen_on(addr: &str) -> Option<String> {
    if addr.parse::<SocketAddr>().is_ok() {
        return None;
    }
    let port = addr.rsplit_once(':')?.1;
    Some(format!("0.0.0.0:{port}"))
}

pub fn restore(
    args: &RestoreArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let summary = match file::check(&args.file) {
        Ok(s) => s,
        Err(damage) => {
            writeln!(
                err,
                "{}: DAMAGED: {damage}; refusing to restore it, nothing was written",
                args.file.display()
            )?;
            return Ok(ExitCode::from(EXIT_DAMAGED));
        }
    };
    let refuse = |err: &mut dyn Write, why: String| -> anyhow::Result<ExitCode> {
        writeln!(err, "refusing to restore: {why}; nothing was written")?;
        Ok(ExitCode::from(EXIT_REFUSED))
    };
    if summary.cluster_id.as_deref() == Some(args.cluster_id.as_str()) {
        return refuse(
            err,
            format!(
                "the snapshot is of cluster {:?} already: give the new cluster another id, so \
                 the two can never exchange Raft messages",
                args.cluster_id
            ),
        );
    }
    let mut raw: Vec<RawPeer> = Vec::new();
    for text in &args.nodes {
        match parse_peers(text) {
            Ok(peers) => raw.extend(peers),
            Err(why) => return refuse(err, format!("--node {text:?}: {why}")),
        }
    }
    let voters: BTreeMap<u64, Member> = raw
        .iter()
        .map(|p| {
            (
                p.id,
                Member {
                    raft_addr: p.raft_addr.clone(),
                    client_addr: p.client_addr.clone(),
                },
            )
        })
        .collect();
    if voters.len() != raw.len() {
        return refuse(err, "a node id is given twice".into());
    }
    let root = std::path::absolute(&args.data_dir_root)
        .with_context(|| format!("{}", args.data_dir_root.display()))?;

    // Every node's config and directories are checked before anything is written.
    let mut plan = Vec::new();
    for (&id, member) in &voters {
        let data_dir = root.join(format!("node{id}"));
        let config_file = root.join(format!("node{id}.toml"));
        let mut raw = RawConfig::for_node(&args.cluster_id, id, &data_dir, &voters);
        raw.raft_addr = listen_on(&member.raft_addr);
        raw.client_addr = listen_on(&member.client_addr);
        let config = match raw.validate() {
            Ok(c) => c,
            Err(e) => return refuse(err, format!("node {id}: {e}")),
        };
        if non_empty(&data_dir) {
            return refuse(
                err,
                format!("{} exists and is not empty", data_dir.display()),
            );
        }
        if config_file.exists() {
            return refuse(err, format!("{} exists", config_file.display()));
        }
        plan.push((id, data_dir, config_file, config));
    }

    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    writeln!(
        out,
        "restoring {} (cluster {}, last log {}, {} records) as cluster {:?} with voters {}",
        args.file.display(),
        summary.cluster_id.as_deref().unwrap_or("(not recorded)"),
        log_id_text(summary.last_log_id.as_ref()),
        summary.records,
        args.cluster_id,
        voters
            .keys()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    for (id, data_dir, config_file, config) in plan {
        let identity = Identity::new(args.cluster_id.clone(), id);
        restore_dir(&args.file, &data_dir, &identity, &voters)
            .with_context(|| format!("restoring node {id} into {}", data_dir.display()))?;
        std::fs::write(&config_file, config.to_toml())
            .with_context(|| format!("writing {}", config_file.display()))?;
        writeln!(
            out,
            "node {id}: {} ready; start it with: tavern serve --config {}",
            data_dir.display(),
            config_file.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn non_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}
