//! The client port's guard and server: TLS, then on every call the bearer token (when tokens
//! are configured) and a permit out of `client_concurrency_max`.
//!
//! ```text
//!  call ──TLS──▶ guard: authorization: Bearer <token>? ── no / wrong ──▶ UNAUTHENTICATED
//!                  │ permit (try, never waits) ────────── none left ──▶ RESOURCE_EXHAUSTED
//!                  ▼
//!                routes (domain services, admin, reflection); the permit is held until the
//!                service's response is ready (a stream's until its first message is)
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
}

impl Security {
    /// `routes` behind the token check and the concurrency limit.
    pub fn guard(&self, routes: Routes) -> Routes {
        let max = self.client_concurrency_max.max(1);
        let guard = Guard {
            tokens: self.client_tokens.clone(),
            permits: Arc::new(Semaphore::new(max)),
            permits_max: max,
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
    let response = next.run(request).await;
    drop(permit);
    response
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
