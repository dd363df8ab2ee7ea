//! One running node as the `tavern` binary runs it (`serve` runs one, `dev` three): the two
//! listeners, the runtime (`TavernNode`), and the client-facing gRPC server (the domain
//! services, admin and reflection, from `tavern_raft::service::routes`).
//!
//! ```text
//!  Listeners::bind(config) ── raft_addr ──▶ TavernNode::start (internal Raft service, openraft, RocksDB)
//!                          └─ client_addr ─▶ security::serve_clients(routes(node)) task, owned here
//!                                            (TLS, client tokens, client_concurrency_max)
//!  stop(): node.shutdown() (the node hands off leadership, openraft stops) ─▶ stop the gRPC server
//!          (in-flight calls finish, at most SERVER_STOP_MS_MAX) ─▶ the store closes with the last clone
//! ```
//! The node stops first so that clients still connected during the hand-off are told where
//! the new leader is; the client server stops after, once nothing more can be served.
//!
//! Every log line of a node's start, its server and openraft's core carries a `node{id=N}`
//! span. The span is at ERROR level so it is on whatever `RUST_LOG` says: `tavern dev` runs
//! three nodes in one process, and its lines must say which node spoke.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tavern_raft::config::NodeConfig;
use tavern_raft::security::{serve_clients, Security};
use tavern_raft::service::{self, ServeError, ServiceLimits};
use tavern_raft::TavernNode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

/// How long stopping waits for the client server's calls in flight before it cuts them.
pub const SERVER_STOP_MS_MAX: u64 = 5_000;

/// The node's two listening sockets, bound before anything starts so a taken port is reported
/// before the store is touched.
#[derive(Debug)]
pub struct Listeners {
    pub raft: TcpListener,
    pub client: TcpListener,
    /// The health port (`/livez`, `/readyz`) on the client address's IP, when `http_port` is set.
    pub health: Option<TcpListener>,
}

impl Listeners {
    /// Binds `raft_addr` and `client_addr` of `config`.
    pub async fn bind(config: &NodeConfig) -> anyhow::Result<Listeners> {
        let health = match config.http_port {
            Some(port) => {
                Some(bind(SocketAddr::new(config.client_addr.ip(), port), "http_port").await?)
            }
            None => None,
        };
        Ok(Listeners {
            raft: bind(config.raft_addr, "raft_addr").await?,
            client: bind(config.client_addr, "client_addr").await?,
            health,
        })
    }
}

/// Binds `addr`, naming the setting it came from in the error.
pub async fn bind(addr: SocketAddr, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({setting})"))
}

/// A node and its client server, running until [`RunningNode::stop`].
#[derive(Debug)]
pub struct RunningNode {
    node: TavernNode,
    client_addr: SocketAddr,
    raft_addr: SocketAddr,
    span: tracing::Span,
    /// Stops the client server; taken by `stop`.
    stop_server: Option<oneshot::Sender<()>>,
    /// The client server task; `None` once it ended (joined by `server_failed`).
    server: Option<JoinHandle<Result<(), ServeError>>>,
    /// The health port's server, aborted by `stop` (its calls are instant).
    health: Option<JoinHandle<Result<(), ServeError>>>,
    /// Where the health port listens (status page, `/metrics`), if it is on.
    http_addr: Option<SocketAddr>,
}

impl RunningNode {
    /// Starts the node on `listeners` and serves its client services.
    pub async fn start(config: NodeConfig, listeners: Listeners) -> anyhow::Result<RunningNode> {
        let span = tracing::error_span!("node", id = config.node_id);
        let limits = ServiceLimits::from(&config);
        // TLS, tokens and the concurrency limit of the client port (files read before the store
        // is opened, so a bad file stops the start with nothing touched).
        let security = Security::load(&config)?;
        let client_addr = listeners.client.local_addr()?;
        let raft_addr = listeners.raft.local_addr()?;
        tracing::info!(
            parent: &span,
            cluster = %config.cluster_id,
            %raft_addr,
            %client_addr,
            data_dir = %config.data_dir.display(),
            "starting"
        );
        let node = TavernNode::start(config, listeners.raft)
            .instrument(span.clone())
            .await?;
        let (stop_server, stopped) = oneshot::channel::<()>();
        let routes = service::routes(Arc::new(node.clone()), limits);
        let server = tokio::spawn(
            serve_clients(listeners.client, routes, security.clone(), async {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            })
            .instrument(span.clone()),
        );
        let scheme = if security.tls_on() {
            "TLS"
        } else {
            "plain text"
        };
        tracing::info!(parent: &span, "serving clients on {client_addr} ({scheme})");
        let http_addr = match &listeners.health {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        let health = match listeners.health {
            Some(listener) => {
                let addr = listener.local_addr()?;
                let routes = service::health_routes(Arc::new(node.clone()));
                tracing::info!(parent: &span, "health on http://{addr}/livez and /readyz");
                Some(tokio::spawn(
                    service::serve_health(listener, routes, std::future::pending())
                        .instrument(span.clone()),
                ))
            }
            None => None,
        };
        Ok(RunningNode {
            health,
            http_addr,
            node,
            client_addr,
            raft_addr,
            span,
            stop_server: Some(stop_server),
            server: Some(server),
        })
    }

    pub fn node(&self) -> &TavernNode {
        &self.node
    }

    /// Where the client services (domain, admin, reflection) listen.
    pub fn client_addr(&self) -> SocketAddr {
        self.client_addr
    }

    pub fn raft_addr(&self) -> SocketAddr {
        self.raft_addr
    }

    /// The health port's address (status page, `/metrics`, `/readyz`), if it is on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// Resolves if the client server stops by itself (it failed): a node that cannot serve
    /// clients should not keep running unnoticed.
    /// Cancel-safe: dropping the future leaves the task running.
    pub async fn server_failed(&mut self) -> String {
        let Some(task) = self.server.as_mut() else {
            return std::future::pending().await;
        };
        let why = match task.await {
            Ok(Ok(())) => "the client server stopped".into(),
            Ok(Err(e)) => format!("the client server failed: {e}"),
            Err(e) => format!("the client server task failed: {e}"),
        };
        self.server = None;
        why
    }

    /// Stops the node, then its client server (see the module header). Reports the first
    /// failure after trying both.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let span = self.span.clone();
        async move {
            tracing::info!("stopping");
            if let Some(health) = self.health.take() {
                health.abort();
            }
            let node = self.node.shutdown().await;
            if let Some(stop) = self.stop_server.take() {
                let _ = stop.send(());
            }
            let server = match self.server.take() {
                // Ended already, and `server_failed` said why.
                None => Ok(()),
                Some(mut task) => {
                    let wait = Duration::from_millis(SERVER_STOP_MS_MAX);
                    match tokio::time::timeout(wait, &mut task).await {
                        Ok(Ok(Ok(()))) => Ok(()),
                        Ok(Ok(Err(e))) => Err(anyhow::anyhow!("client server: {e}")),
                        Ok(Err(e)) => Err(anyhow::anyhow!("client server task: {e}")),
                        Err(_) => {
                            task.abort();
                            tracing::warn!(
                                "client calls still running after {SERVER_STOP_MS_MAX} ms; cut off"
                            );
                            Ok(())
                        }
                    }
                }
            };
            node.map_err(|e| anyhow::anyhow!("node shutdown: {e}"))?;
            server?;
            tracing::info!("stopped");
            Ok(())
        }
        .instrument(span)
        .await
    }
}

/// SIGTERM and Ctrl-C (SIGINT), caught. Create it before starting anything: a signal that
/// arrives during start is then kept and seen by the first [`Signals::recv`], and the node
/// stops cleanly instead of being killed mid-start.
#[derive(Debug)]
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers now; from here on SIGTERM and SIGINT no longer kill the process.
    pub fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next SIGTERM or SIGINT.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "Ctrl-C (SIGINT)",
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `default`); colours only on a terminal, so
/// a log file stays plain text.
pub fn init_logging(default: &str) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second call (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// A multi-threaded tokio runtime for `serve` and `dev`.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
