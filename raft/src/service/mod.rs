//! The gRPC domain services of `tavern-proto` (`RealmService` … `ArenaService`), each generic
//! over a [`Node`], the `AdminService` over an [`Admin`] (`admin.rs`), the `WatchService` over
//! an [`EventSource`] (`watch.rs`), plus gRPC server reflection.
//!
//! ```text
//!  pb::XRequest ──header──▶ RequestHeader (request id for writes, read level for reads)
//!       │ TryFrom (tavern-proto, validating)          ConvertError ──▶ INVALID_ARGUMENT
//!       ▼
//!  Command / Query ──▶ Node::write / Node::read        NodeError ──▶ status.rs (UNAVAILABLE, ...)
//!       │                                           domain Error ──▶ status.rs (game codes, ...)
//!       ▼
//!  Response ──WriteReply / QueryReply + ResponseHeader{applied_index}──▶ pb::XResponse
//! ```
//!
//! Every RPC is that same pipeline, so the 96 handlers are written once, as the two generic
//! functions `write` and `read`; `domain_service!` (`macros.rs`) writes the tonic trait impls
//! around them from one line per RPC (`domains.rs`). tonic checks the rest: a missing RPC, a
//! wrong request or response type, or a domain type without the `TryFrom` does not compile.
//!
//! A write uses only the header's request id and a read only its read level; the other part,
//! when sent, is ignored.
//!
//! What this layer does not do: no Raft, no storage, no retries (the runtime behind [`Node`]
//! owns those), and no mapping of its own: every status comes from `tavern_proto::status`.
//!
//! Entry points: [`routes`] (every service and admin, size-limited, plus reflection) and [`serve`] (a
//! server on a given listener until a shutdown future resolves).

use std::future::Future;
use std::sync::Arc;

use tavern_proto::pb;
use tavern_proto::status::{status_from_error, status_from_node_error};
use tavern_proto::{ConvertError, QueryReply, RequestHeader, WriteReply};
use tavern_statemachine::{Command, Query};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic::{Response, Status};

use crate::api::Node;
use crate::config::NodeConfig;

#[macro_use]
mod macros;
mod admin;
mod domains;
mod health;
mod status_page;
pub mod watch;

pub use health::{health_routes, serve_health, PROMETHEUS_TEXT, READY_APPLY_LAG_MAX};
pub use status_page::REFRESH_SECONDS;

pub use admin::{Admin, SnapshotStream};
pub use watch::{EventSource, WatchStats};

/// What the services enforce on every call, from the node config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLimits {
    /// The largest request message tonic decodes; a larger one is refused with
    /// `OUT_OF_RANGE` before it is read into a message.
    pub request_bytes_max: usize,
    /// The watch stream's buffer and stream limits.
    pub watch: crate::config::WatchPolicy,
}

impl From<&NodeConfig> for ServiceLimits {
    fn from(config: &NodeConfig) -> Self {
        ServiceLimits {
            request_bytes_max: config.request_bytes_max,
            watch: config.watch,
        }
    }
}

/// Why [`serve`] stopped other than by its shutdown future.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot use the listener: {0}")]
    Listener(String),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Every domain service, the admin service and the watch service over `node`, each refusing
/// requests over `limits.request_bytes_max`, and gRPC server reflection (v1 and v1alpha, so
/// both old and new `grpcurl` list them).
pub fn routes<N: Node + Admin + EventSource>(node: Arc<N>, limits: ServiceLimits) -> Routes {
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tavern_proto::FILE_DESCRIPTOR_SET)
    };
    const DESCRIPTORS: &str = "FILE_DESCRIPTOR_SET is built by tavern-proto's build.rs";
    Routes::default()
        .add_service(domains::RealmSvc::server(node.clone(), limits))
        .add_service(domains::AccountSvc::server(node.clone(), limits))
        .add_service(domains::CharacterSvc::server(node.clone(), limits))
        .add_service(domains::PresenceSvc::server(node.clone(), limits))
        .add_service(domains::SocialSvc::server(node.clone(), limits))
        .add_service(domains::ChannelSvc::server(node.clone(), limits))
        .add_service(domains::MailSvc::server(node.clone(), limits))
        .add_service(domains::ArenaSvc::server(node.clone(), limits))
        .add_service(watch::WatchSvc::server(node.clone(), limits))
        .add_service(admin::AdminSvc::server(node, limits))
        .add_service(reflection().build_v1().expect(DESCRIPTORS))
        .add_service(reflection().build_v1alpha().expect(DESCRIPTORS))
}

/// Serves `routes` on `listener` until `shutdown` resolves, then stops accepting and lets the
/// calls in flight finish. The caller owns the task this runs in.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let incoming = TcpIncoming::from_listener(listener, true, None)
        .map_err(|e| ServeError::Listener(e.to_string()))?;
    tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}

/// One write RPC: the decoded command (or why it could not be decoded) goes to the node, the
/// answer comes back as the RPC's response message.
pub(crate) async fn write<N: Node, R: WriteReply>(
    node: &N,
    rpc: &'static str,
    header: RequestHeader,
    command: Result<Command, ConvertError>,
) -> Result<Response<R>, Status> {
    timed(node, rpc, write_untimed(node, rpc, header, command)).await
}

/// Runs one RPC and records its duration and gRPC code (`metrics::RPC_SECONDS`).
async fn timed<N: Node, T>(
    node: &N,
    rpc: &'static str,
    call: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let started = std::time::Instant::now();
    let result = call.await;
    if let Some(id) = node.metrics_id() {
        let code = result
            .as_ref()
            .map_or_else(|s| s.code(), |_| tonic::Code::Ok);
        crate::metrics::record_rpc(id, rpc, code, started.elapsed());
    }
    result
}

async fn write_untimed<N: Node, R: WriteReply>(
    node: &N,
    rpc: &'static str,
    header: RequestHeader,
    command: Result<Command, ConvertError>,
) -> Result<Response<R>, Status> {
    let command = command?;
    let written = node
        .write(command, header.request)
        .await
        .map_err(|e| status_from_node_error(&e))?;
    let response = written.response.map_err(|e| status_from_error(&e))?;
    let header = pb::ResponseHeader {
        applied_index: written.applied_index,
    };
    R::from_response(header, response)
        .map(Response::new)
        .map_err(|e| mismatch(rpc, e))
}

/// One read RPC, like [`write`].
pub(crate) async fn read<N: Node, R: QueryReply>(
    node: &N,
    rpc: &'static str,
    header: RequestHeader,
    query: Result<Query, ConvertError>,
) -> Result<Response<R>, Status> {
    timed(node, rpc, read_untimed(node, rpc, header, query)).await
}

async fn read_untimed<N: Node, R: QueryReply>(
    node: &N,
    rpc: &'static str,
    header: RequestHeader,
    query: Result<Query, ConvertError>,
) -> Result<Response<R>, Status> {
    let query = query?;
    let served = node
        .read(query, header.read_level)
        .await
        .map_err(|e| status_from_node_error(&e))?;
    let response = served.response.map_err(|e| status_from_error(&e))?;
    let header = pb::ResponseHeader {
        applied_index: served.applied_index,
    };
    R::from_query_response(header, response)
        .map(Response::new)
        .map_err(|e| mismatch(rpc, e))
}

/// The state machine answered an RPC with a response of another RPC: a bug on this side, not
/// the client's, so `INTERNAL` rather than the `INVALID_ARGUMENT` a `ConvertError` maps to.
fn mismatch(rpc: &str, e: ConvertError) -> Status {
    tracing::error!(rpc, error = %e, "the state machine's answer does not fit the RPC");
    Status::internal(format!("{rpc}: {e}"))
}
