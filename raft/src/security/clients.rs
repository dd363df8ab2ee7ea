//! The client port's guard and server: TLS, then on every call the bearer token (when tokens
//! are configured) and a permit out of `client_concurrency_max`.
//!
//! ```text
//!  call ──TLS──▶ guard: authorization: Bearer <token>? ── no / wrong ──▶ UNAUTHENTICATED
//!                  │ permit (try, never waits) ────────── none left ──▶ RESOURCE_EXHAUSTED
//!                  ▼
//!                routes (domain services, admin, reflection); the permit is held until the
//!                service's response is ready (a stream's until its first message is)
//!                  │ OUT_OF_RANGE from tonic (request over request_bytes_max) ──▶ the same code,
//!                  ▼                               its message naming the setting and its value
//! ```
//! A busy node answers at once rather than queueing: the caller (the gateway library) backs off
//! and retries, and no queue grows without bound inside the node. The health port
//! (`/livez`, `/readyz`) is another server and is never guarded.

use std::future::Future;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic::Status;

use super::{Security, Tokens};
use crate::service::ServeError;

/// The header a client's token travels in: `authorization: Bearer <token>`.
pub const AUTHORIZATION_HEADER: &str = "authorization";

/// What every client call passes through.
#[derive(Clone)]
struct Guard {
    tokens: Option<Arc<Tokens>>,
    permits: Arc<Semaphore>,
    permits_max: usize,
    request_bytes_max: usize,
}

impl Security {
    /// `routes` behind the token check and the concurrency limit.
    pub fn guard(&self, routes: Routes) -> Routes {
        let max = self.client_concurrency_max.max(1);
        let guard = Guard {
            tokens: self.client_tokens.clone(),
            permits: Arc::new(Semaphore::new(max)),
            permits_max: max,
            request_bytes_max: self.request_bytes_max,
        };
        let router = routes
            .into_axum_router()
            .layer(axum::middleware::from_fn_with_state(guard, check));
        Routes::from(router)
    }
}

/// Serves `routes`, guarded, on `listener` with the client TLS of `security` (if on), until
/// `shutdown` resolves; then stops accepting and lets the calls in flight finish. The caller
/// owns the task this runs in.
pub async fn serve_clients(
    listener: TcpListener,
    routes: Routes,
    security: Security,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let incoming = TcpIncoming::from_listener(listener, true, None)
        .map_err(|e| ServeError::Listener(e.to_string()))?;
    let mut server = tonic::transport::Server::builder();
    if let Some(tls) = security.client_server_tls() {
        server = server.tls_config(tls)?;
    }
    server
        .add_routes(security.guard(routes))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}

async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if let Some(tokens) = &guard.tokens {
        if let Err(status) = authenticate(tokens, &request) {
            return grpc_error(status);
        }
    }
    let Ok(permit) = guard.permits.clone().try_acquire_owned() else {
        return grpc_error(Status::resource_exhausted(format!(
            "node busy: {0} client calls already in progress, the limit \
             (client_concurrency_max) is {0}; retry after a backoff or on another node",
            guard.permits_max
        )));
    };
    let mut response = next.run(request).await;
    drop(permit);
    clarify_size_refusal(&mut response, guard.request_bytes_max);
    response
}

/// tonic refuses a request over `max_decoding_message_size` with `OUT_OF_RANGE`, "Error,
/// decoded message length too large: found N bytes, the limit is: M bytes", in the response
/// headers (no message was sent): say which setting that is. No other refusal of the services
/// is `OUT_OF_RANGE` (`tavern_proto::status`).
fn clarify_size_refusal(response: &mut Response, request_bytes_max: usize) {
    let Some(status) = Status::from_header_map(response.headers()) else {
        return;
    };
    if status.code() != tonic::Code::OutOfRange || !status.details().is_empty() {
        return;
    }
    let clear = Status::out_of_range(format!(
        "request too large: this node accepts requests of at most {request_bytes_max} bytes \
         (request_bytes_max); send less per call ({})",
        status.message()
    ));
    let clear = clear.into_http();
    for (name, value) in clear.headers() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
}

/// The request's bearer token is one of `tokens`.
fn authenticate(tokens: &Tokens, request: &Request) -> Result<(), Status> {
    let Some(value) = request.headers().get(AUTHORIZATION_HEADER) else {
        return Err(Status::unauthenticated(
            "this node requires a client token: send the metadata `authorization: Bearer \
             <token>` (ClientOptions::token, tavern --token or TAVERN_TOKEN)",
        ));
    };
    let token = value
        .as_bytes()
        .strip_prefix(b"Bearer ")
        .map(<[u8]>::trim_ascii)
        .ok_or_else(|| {
            Status::unauthenticated("the authorization metadata must be `Bearer <token>`")
        })?;
    if tokens.accepts(token) {
        Ok(())
    } else {
        Err(Status::unauthenticated(
            "the client token is not accepted by this node (not in its client_tokens_file)",
        ))
    }
}

/// A gRPC answer with `status` and no message.
fn grpc_error(status: Status) -> Response {
    status.into_http().map(axum::body::Body::new)
}
