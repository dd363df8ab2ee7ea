//! `tavern status`, `tavern member add|promote|remove`, `tavern leader transfer`: the admin
//! service of a running node, over gRPC.
//!
//! ```text
//!  --endpoint ADDR ──AdminService──▶ node ──NOT_LEADER + leader's address?──▶ once more there
//! ```
//! Membership changes are answered by the leader only; a node that is not the leader says
//! where the leader is, and the command asks it there (once: a second NOT_LEADER means the
//! leadership is moving, and the operator should look again). The answer is printed as text;
//! a refusal prints the node's reason and exits 1.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use tavern_gateway::security::{self, Transport};
use tavern_proto::convert::NodeStatus;
use tavern_proto::pb;
use tavern_proto::pb::admin_service_client::AdminServiceClient;
use tavern_proto::status::node_error_from_status;
use tavern_proto::NodeError;
use tonic::service::interceptor::InterceptedService;

/// Bound on connecting to a node and on a status call; a membership change may wait longer
/// (a learner catching up), up to `--timeout-ms`.
pub const CONNECT_TIMEOUT_MS: u64 = 3_000;
pub const CHANGE_TIMEOUT_MS_DEFAULT: u64 = 600_000;

/// Where the node is.
#[derive(Debug, Clone, clap::Args)]
pub struct Endpoint {
    /// host:port of a node's client address (any node; changes follow the leader).
    #[arg(long, short = 'e', default_value = "127.0.0.1:7201")]
    endpoint: String,
    /// Bound on the whole call, in milliseconds.
    #[arg(long, default_value_t = CHANGE_TIMEOUT_MS_DEFAULT)]
    timeout_ms: u64,
    /// TLS and token (--ca, --token).
    #[command(flatten)]
    security: crate::security::ClientFlags,
}

#[derive(Debug, clap::Subcommand)]
pub enum MemberCommand {
    /// Adds a node as a learner and waits until it caught up. The new node must be running,
    /// with this cluster's id and a peer list of itself and the current voters.
    Add {
        #[command(flatten)]
        at: Endpoint,
        /// The new node's id: above every id the cluster ever had.
        #[arg(long)]
        id: u64,
        /// host:port of its internal Raft service.
        #[arg(long)]
        raft_addr: String,
        /// host:port of its client services.
        #[arg(long)]
        client_addr: String,
    },
    /// Makes learners voters.
    Promote {
        #[command(flatten)]
        at: Endpoint,
        /// Node ids.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// Removes members (voters or learners).
    Remove {
        #[command(flatten)]
        at: Endpoint,
        /// Node ids.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum LeaderCommand {
    /// Hands leadership to a voter and waits until it leads.
    Transfer {
        #[command(flatten)]
        at: Endpoint,
        /// The voter to lead.
        #[arg(long)]
        to: u64,
    },
}

pub(crate) async fn client(
    addr: &str,
    flags: &crate::security::ClientFlags,
) -> anyhow::Result<AdminServiceClient<Transport>> {
    let options = flags.options()?;
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let uri = format!("{scheme}://{addr}");
    let mut endpoint = tonic::transport::Endpoint::from_shared(uri.clone())
        .with_context(|| format!("{addr:?} is not host:port"))?
        .connect_timeout(std::time::Duration::from_millis(CONNECT_TIMEOUT_MS));
    if let Some(tls) = &options.tls {
        endpoint = endpoint
            .tls_config(security::tls_config(tls))
            .context("the TLS settings (--ca, --tls-domain)")?;
    }
    let channel = endpoint
        .connect()
        .await
        .with_context(|| format!("cannot reach a node at {addr}"))?;
    let auth = security::auth(&uri, &options)?;
    Ok(AdminServiceClient::new(InterceptedService::new(
        channel, auth,
    )))
}

/// Calls `call` at `at`, and once more at the leader if the node named one.
async fn on_leader<T, F, Fut>(at: &Endpoint, call: F) -> anyhow::Result<Result<T, tonic::Status>>
where
    F: Fn(AdminServiceClient<Transport>) -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let timeout = std::time::Duration::from_millis(at.timeout_ms);
    let first = tokio::time::timeout(timeout, call(client(&at.endpoint, &at.security).await?))
        .await
        .context("no answer within --timeout-ms")?;
    let leader = match &first {
        Err(status) => match node_error_from_status(status) {
            Some(NodeError::NotLeader {
                leader_addr: Some(addr),
                ..
            }) => Some(addr),
            _ => None,
        },
        Ok(_) => None,
    };
    let answer = match leader {
        Some(addr) => tokio::time::timeout(timeout, call(client(&addr, &at.security).await?))
            .await
            .context("no answer within --timeout-ms")?,
        None => first,
    };
    Ok(answer.map(tonic::Response::into_inner))
}

fn print_members(
    out: &mut impl Write,
    what: &str,
    members: &[pb::ClusterMember],
) -> std::io::Result<()> {
    for m in members {
        writeln!(
            out,
            "  {what:<8} node {:<3} raft {:<21} client {}",
            m.id, m.raft_addr, m.client_addr
        )?;
    }
    Ok(())
}

fn print_membership(out: &mut impl Write, m: &pb::MembershipResponse) -> std::io::Result<()> {
    let index = m.log_index.map_or("-".into(), |i| i.to_string());
    let joint = if m.joint {
        " (joint: a voter change is half done)"
    } else {
        ""
    };
    writeln!(out, "membership at log index {index}{joint}")?;
    print_members(out, "voter", &m.voters)?;
    print_members(out, "learner", &m.learners)
}

/// `tavern status`: one node's view of the cluster.
pub fn status(
    at: &Endpoint,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let rt = crate::node::runtime()?;
    let answer = rt.block_on(async {
        let mut c = client(&at.endpoint, &at.security).await?;
        let timeout = std::time::Duration::from_millis(CONNECT_TIMEOUT_MS);
        let r = tokio::time::timeout(timeout, c.status(pb::StatusRequest {}))
            .await
            .context("no answer in time")?;
        anyhow::Ok(r.map(tonic::Response::into_inner))
    })?;
    let s = match answer {
        Ok(s) => NodeStatus::try_from(s).context("the node's status does not decode")?,
        Err(status) => {
            writeln!(err, "tavern status: {}", at.security.explain(&status))?;
            return Ok(ExitCode::FAILURE);
        }
    };
    let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    writeln!(
        out,
        "node {} of cluster {:?}: {:?}, term {}",
        s.node_id, s.cluster_id, s.role, s.current_term
    )?;
    match (s.leader_id, &s.leader_addr) {
        (Some(id), Some(addr)) => writeln!(out, "leader: node {id} at {addr}")?,
        (Some(id), None) => writeln!(out, "leader: node {id}")?,
        _ => writeln!(out, "leader: none known")?,
    }
    writeln!(
        out,
        "log: last {}, committed {}, applied {} (applied at start {}), snapshot {}, purged {}",
        opt(s.last_log_index),
        opt(s.committed_index),
        opt(s.applied_index),
        opt(s.applied_index_at_start),
        opt(s.snapshot_index),
        opt(s.purged_index)
    )?;
    for (what, list) in [("voter", &s.voters), ("learner", &s.learners)] {
        for m in list.iter() {
            let lag = s
                .followers
                .iter()
                .find(|f| f.id == m.id)
                .map(|f| match (f.matched_index, s.last_log_index) {
                    (Some(mi), Some(last)) => format!("  lag {}", last.saturating_sub(mi)),
                    _ => "  lag ?".to_string(),
                })
                .unwrap_or_default();
            writeln!(
                out,
                "  {what:<8} node {:<3} raft {:<21} client {}{lag}",
                m.id, m.raft_addr, m.client_addr
            )?;
        }
    }
    let disk = s
        .disk_free_bytes
        .map_or("not checked".to_string(), |b| format!("{b} bytes free"));
    writeln!(out, "space: state {} bytes, disk {disk}", s.state_bytes)?;
    let entities: Vec<String> = s
        .entities()
        .into_iter()
        .map(|(entity, n)| format!("{entity} {n}"))
        .collect();
    if !entities.is_empty() {
        writeln!(out, "entities: {}", entities.join(", "))?;
    }
    let w = &s.watch;
    writeln!(
        out,
        "watch: {} streams open ({} opened, {} refused, {} cut off lagging, {} compacted)",
        w.open, w.opened, w.refused, w.cut_off_lagged, w.cut_off_compacted
    )?;
    for a in &s.alarms {
        writeln!(out, "ALARM {}: {}", a.kind, a.detail)?;
    }
    if let Some(why) = &s.halted {
        writeln!(out, "HALTED: {why}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `tavern member ...`.
pub fn member(
    cmd: &MemberCommand,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let (MemberCommand::Add { at: flags, .. }
    | MemberCommand::Promote { at: flags, .. }
    | MemberCommand::Remove { at: flags, .. }) = cmd;
    let rt = crate::node::runtime()?;
    let answer = rt.block_on(async {
        match cmd {
            MemberCommand::Add {
                at,
                id,
                raft_addr,
                client_addr,
            } => {
                let member = pb::ClusterMember {
                    id: *id,
                    raft_addr: raft_addr.clone(),
                    client_addr: client_addr.clone(),
                };
                on_leader(at, |mut c| {
                    let member = member.clone();
                    async move {
                        c.add_learner(pb::AddLearnerRequest {
                            member: Some(member),
                        })
                        .await
                    }
                })
                .await
            }
            MemberCommand::Promote { at, ids } => {
                on_leader(at, |mut c| {
                    let ids = ids.clone();
                    async move { c.promote(pb::PromoteRequest { ids }).await }
                })
                .await
            }
            MemberCommand::Remove { at, ids } => {
                on_leader(at, |mut c| {
                    let ids = ids.clone();
                    async move { c.remove(pb::RemoveRequest { ids }).await }
                })
                .await
            }
        }
    })?;
    match answer {
        Ok(m) => {
            print_membership(out, &m)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(status) => {
            writeln!(
                err,
                "tavern member: refused ({:?}): {}",
                status.code(),
                flags.security.explain(&status)
            )?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `tavern leader transfer`.
pub fn leader(
    cmd: &LeaderCommand,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let LeaderCommand::Transfer { at, to } = cmd;
    let rt = crate::node::runtime()?;
    let answer = rt.block_on(on_leader(at, |mut c| async move {
        c.transfer_leader(pb::TransferLeaderRequest { to: *to })
            .await
    }))?;
    match answer {
        Ok(_) => {
            writeln!(out, "node {to} leads")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(status) => {
            writeln!(
                err,
                "tavern leader transfer: refused ({:?}): {}",
                status.code(),
                at.security.explain(&status)
            )?;
            Ok(ExitCode::FAILURE)
        }
    }
}
