//! The health port (`http_port`): `/livez` and `/readyz` for a load balancer, an orchestrator
//! or a person with curl.
//!
//! ```text
//!  GET /livez  ──▶ 200 "ok"                       (the process answers)
//!  GET /readyz ──▶ 200 "ready: ..." or 503 "not ready: <why>"   (Admin::readiness)
//! ```
//! The routes are an `axum::Router` served by tonic's own server with HTTP/1 on, so the port
//! costs no second HTTP stack.

use std::future::Future;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;

use super::{Admin, ServeError};

/// A node's log may trail its commit index by this many entries and still count as ready
/// (it is applying, not stuck).
pub const READY_APPLY_LAG_MAX: u64 = 1_000;

/// `/livez` and `/readyz` over `node`.
pub fn health_routes<A: Admin>(node: Arc<A>) -> Routes {
    let router = axum::Router::new()
        .route(
            "/livez",
            get(|| async { (StatusCode::OK, "ok\n".to_string()) }),
        )
        .route(
            "/readyz",
            get(move || {
                let node = node.clone();
                async move {
                    match node.readiness().await {
                        Ok(what) => (StatusCode::OK, format!("ready: {what}\n")),
                        Err(why) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            format!("not ready: {why}\n"),
                        ),
                    }
                }
            }),
        );
    Routes::from(router)
}

/// Serves `routes` over HTTP/1 (and HTTP/2) on `listener` until `shutdown` resolves.
pub async fn serve_health(
    listener: TcpListener,
    routes: Routes,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let incoming = TcpIncoming::from_listener(listener, true, None)
        .map_err(|e| ServeError::Listener(e.to_string()))?;
    tonic::transport::Server::builder()
        .accept_http1(true)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
