//! Between peers: the channel this node's Raft client dials (TLS with the cluster CA and this
//! node's certificate, the cluster secret stamped on every request), and the check the Raft
//! server runs on every request before anything is decoded.
//!
//! ```text
//!  PeerClient ──PeerChannel = InterceptedService<Channel, PeerStamp>──▶ https://raft_addr
//!                 (adds tavern-cluster-secret)                           │ TLS: both certs
//!                                                                        ▼ checked vs cluster CA
//!                                                  PeerCheck (secret?) ──▶ RaftService
//! ```
//! A refusal is `UNAUTHENTICATED`; the sender's `PeerStatus` records it like an identity
//! refusal, so `status` and leader transfer see the peer as refusing.

use std::sync::Arc;
use std::time::Duration;

use tonic::metadata::AsciiMetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};

use super::Secret;
use crate::identity::WarnLimiter;

/// The metadata key carrying the cluster secret on every Raft request.
pub const CLUSTER_SECRET_HEADER: &str = "tavern-cluster-secret";

/// The channel a `PeerClient` calls through.
pub type PeerChannel = InterceptedService<Channel, PeerStamp>;

/// What this node's Raft client uses towards every peer.
#[derive(Clone, Default)]
pub struct PeerSecurity {
    tls: Option<ClientTlsConfig>,
    secret: Option<AsciiMetadataValue>,
}

impl std::fmt::Debug for PeerSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerSecurity")
            .field("tls", &self.tls.is_some())
            .field("secret", &self.secret.is_some())
            .finish()
    }
}

impl PeerSecurity {
    pub(super) fn new(tls: Option<ClientTlsConfig>, secret: Option<AsciiMetadataValue>) -> Self {
        PeerSecurity { tls, secret }
    }

    /// A lazily connected channel to a peer's `raft_addr` (`host:port`): `https` with the
    /// cluster's TLS when it is on.
    pub fn channel(
        &self,
        raft_addr: &str,
        connect_timeout: Duration,
    ) -> Result<PeerChannel, String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{raft_addr}"))
            .map_err(|e| e.to_string())?
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true);
        if let Some(tls) = &self.tls {
            endpoint = endpoint
                .tls_config(tls.clone())
                .map_err(|e| super::error_chain(&e))?;
        }
        Ok(InterceptedService::new(
            endpoint.connect_lazy(),
            PeerStamp {
                secret: self.secret.clone(),
            },
        ))
    }
}

/// Adds the cluster secret to every outgoing Raft request.
#[derive(Clone)]
pub struct PeerStamp {
    secret: Option<AsciiMetadataValue>,
}

impl std::fmt::Debug for PeerStamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerStamp")
            .field("secret", &self.secret.is_some())
            .finish()
    }
}

impl Interceptor for PeerStamp {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(secret) = &self.secret {
            request
                .metadata_mut()
                .insert(CLUSTER_SECRET_HEADER, secret.clone());
        }
        Ok(request)
    }
}

/// Refuses an incoming Raft request without this cluster's secret (when one is configured).
#[derive(Clone)]
pub struct PeerCheck {
    secret: Option<Arc<Secret>>,
    warn: Arc<WarnLimiter>,
}

impl std::fmt::Debug for PeerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerCheck")
            .field("secret", &self.secret.is_some())
            .finish()
    }
}

impl PeerCheck {
    pub(super) fn new(secret: Option<Arc<Secret>>) -> Self {
        PeerCheck {
            secret,
            warn: Arc::default(),
        }
    }
}

impl Interceptor for PeerCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(secret) = &self.secret else {
            return Ok(request);
        };
        let why = match request.metadata().get(CLUSTER_SECRET_HEADER) {
            Some(v) if secret.matches(v.as_bytes()) => return Ok(request),
            Some(_) => {
                "the cluster secret of this raft message does not match this node's \
                        (cluster_secret_file)"
            }
            None => {
                "this node requires the cluster secret on every raft message, and this one \
                     carried none (cluster_secret_file)"
            }
        };
        // Keyed by 0: the sender's node id is in the payload, which is not read before this.
        if self.warn.due(0) {
            let from = request
                .remote_addr()
                .map_or_else(|| "an unknown address".to_string(), |a| a.to_string());
            tracing::warn!(%from, refusal = why, "refused a raft message");
        }
        Err(Status::unauthenticated(why))
    }
}
