//! The health port (`http_port`): `/livez` and `/readyz` for a load balancer, an orchestrator
//! or a person with curl; `/metrics` for Prometheus; `/` the status page for a person.
//!
//! ```text
//!  GET /livez   ──▶ 200 "ok"                       (the process answers)
//!  GET /readyz  ──▶ 200 "ready: ..." or 503 "not ready: <why>"   (Admin::readiness)
//!  GET /metrics ──▶ 200 Prometheus text of this node (`crate::metrics`), gauges from Admin::status
//!  GET /        ──▶ 200 HTML status page, refreshing itself (`status_page.rs`)
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

/// `/livez`, `/readyz`, `/metrics` and the status page `/` over `node`.
pub fn health_routes<A: Admin>(node: Arc<A>) -> Routes {
    let ready_node = node.clone();
    let router = axum::Router::new()
        .route(
            "/livez",
            get(|| async { (StatusCode::OK, "ok\n".to_string()) }),
        )
        .route(
            "/readyz",
            get(move || {
                let node = ready_node.clone();
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
    let metrics_node = node.clone();
    let page_node = node;
    let router = router
        .route(
            "/metrics",
            get(move || {
                let node = metrics_node.clone();
                async move { metrics_text(&*node).await }
            }),
        )
        .route(
            "/",
            get(move || {
                let node = page_node.clone();
                async move { status_page(&*node).await }
            }),
        );
    Routes::from(router)
}

/// The Prometheus text of the node, its status gauges refreshed first.
async fn metrics_text<A: Admin>(node: &A) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let id = match node.status().await {
        Ok(status) => {
            crate::metrics::observe_status(&status);
            status.node_id
        }
        Err(e) => {
            let why = format!("status unavailable: {e}\n");
            return (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
        }
    };
    match crate::metrics::render(id) {
        Some(text) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, PROMETHEUS_TEXT)],
            text,
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics are off: the process has another metrics recorder\n",
        )
            .into_response(),
    }
}

/// The content type of Prometheus text exposition format 0.0.4.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

async fn status_page<A: Admin>(node: &A) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let status = node.status().await;
    let ready = node.readiness().await;
    let metrics = match &status {
        Ok(s) => {
            crate::metrics::observe_status(s);
            crate::metrics::render(s.node_id)
        }
        Err(_) => None,
    };
    let page = super::status_page::render(&status, &ready, metrics.as_deref());
    axum::response::Html(page).into_response()
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
