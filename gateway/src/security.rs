//! How the client reaches nodes that have TLS or tokens on: [`TlsOptions`] (the CA that signed
//! the nodes' certificates, the name to expect, a client certificate when the nodes require
//! one) and a [`BearerToken`] sent as `authorization: Bearer <token>` on every call.
//!
//! ```text
//!  ClientOptions { tls, token } ──channel(endpoint)──▶ Transport = InterceptedService<Channel, Auth>
//!     tls: https://host:port, the node's certificate checked against ca_pem (else http://)
//!     token: added to the metadata of every call by `Auth`
//! ```
//! With TLS set, every endpoint is dialled over TLS, also one given as `http://` or learned
//! from a `NOT_LEADER` answer. A node whose certificate the CA did not sign fails the
//! handshake: the call ends with [`crate::Error::Unavailable`] naming the TLS error.

use tonic::metadata::AsciiMetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Request, Status};

use crate::{ClientOptions, Error};

/// Bounds of a token, in bytes of visible ASCII (the node's `TOKEN_BYTES_MIN`/`MAX`).
pub const TOKEN_BYTES_MIN: usize = 16;
pub const TOKEN_BYTES_MAX: usize = 512;

/// TLS towards the nodes.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM certificate(s) of the CA that signed the nodes' certificates.
    pub ca_pem: Vec<u8>,
    /// The name the nodes' certificates carry, when it is not the host of each endpoint.
    pub domain: Option<String>,
    /// A client certificate and its key, for nodes that require one (`tls_client_ca`).
    pub identity: Option<ClientIdentity>,
}

/// A client certificate chain and its private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsOptions {
    /// The CA's size and the domain; never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_pem_bytes", &self.ca_pem.len())
            .field("domain", &self.domain)
            .field("identity", &self.identity.is_some())
            .finish()
    }
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity(..)")
    }
}

/// A client token: visible ASCII, [`TOKEN_BYTES_MIN`] to [`TOKEN_BYTES_MAX`] bytes. Its
/// `Debug` does not show it.
///
/// ```
/// use tavern_gateway::BearerToken;
/// let token = BearerToken::new("gateway-1-5b0c1f9e2a7d").unwrap();
/// assert_eq!(format!("{token:?}"), "BearerToken(..)");
/// assert!(BearerToken::new("short").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    pub fn new(token: impl Into<String>) -> Result<BearerToken, Error> {
        let token = token.into();
        let bad = |reason: String| Error::InvalidArgument {
            field: "token".into(),
            reason,
        };
        if !(TOKEN_BYTES_MIN..=TOKEN_BYTES_MAX).contains(&token.len()) {
            return Err(bad(format!(
                "is {} bytes long, it must be {TOKEN_BYTES_MIN} to {TOKEN_BYTES_MAX}",
                token.len()
            )));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("must be visible ASCII (no spaces)".into()));
        }
        Ok(BearerToken(token))
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(..)")
    }
}

/// What a call goes through: a channel to one node, and the token added to each call.
pub type Transport = InterceptedService<Channel, Auth>;

/// Adds `authorization: Bearer <token>` to every call (when a token is set).
#[derive(Clone)]
pub struct Auth {
    header: Option<AsciiMetadataValue>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.header.is_some())
            .finish()
    }
}

impl Interceptor for Auth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(header) = &self.header {
            request
                .metadata_mut()
                .insert("authorization", header.clone());
        }
        Ok(request)
    }
}

/// A status's message and the causes it does not already say: a failed connection's message
/// is "transport error", the TLS or I/O reason is in its sources.
///
/// ```
/// let status = tonic::Status::unavailable("no leader");
/// assert_eq!(tavern_gateway::security::describe(&status), "no leader");
/// ```
pub fn describe(status: &Status) -> String {
    let mut text = status.message().to_string();
    let mut source = std::error::Error::source(status);
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// A lazy channel to `uri` (`http://host:port`, made `https` when TLS is set), with the
/// token of `options`.
pub fn channel(uri: &str, options: &ClientOptions) -> Result<Transport, Error> {
    let auth = auth(uri, options)?;
    Ok(InterceptedService::new(
        endpoint(uri, options)?.connect_lazy(),
        auth,
    ))
}

/// The endpoint of `uri` with the timeouts and TLS of `options` (for a caller that connects
/// eagerly, like the `tavern` admin commands).
pub fn endpoint(uri: &str, options: &ClientOptions) -> Result<Endpoint, Error> {
    let uri_given = uri;
    let bad = |reason: String| Error::Endpoint {
        endpoint: uri_given.to_string(),
        reason,
    };
    let uri = match (&options.tls, uri.strip_prefix("http://")) {
        (Some(_), Some(rest)) => format!("https://{rest}"),
        _ => uri.to_string(),
    };
    let mut endpoint = Endpoint::from_shared(uri)
        .map_err(|e| bad(e.to_string()))?
        .connect_timeout(options.connect_timeout)
        .timeout(options.attempt_timeout);
    if let Some(tls) = &options.tls {
        endpoint = endpoint
            .tls_config(tls_config(tls))
            .map_err(|e| bad(format!("TLS: {e}")))?;
    }
    Ok(endpoint)
}

/// tonic's client TLS config for `tls`.
pub fn tls_config(tls: &TlsOptions) -> ClientTlsConfig {
    let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&tls.ca_pem));
    if let Some(domain) = &tls.domain {
        config = config.domain_name(domain.clone());
    }
    if let Some(id) = &tls.identity {
        config = config.identity(Identity::from_pem(&id.cert_pem, &id.key_pem));
    }
    config
}

/// The interceptor adding the token of `options` (if any) to every call.
pub fn auth(uri: &str, options: &ClientOptions) -> Result<Auth, Error> {
    let header = match &options.token {
        Some(BearerToken(t)) => Some(AsciiMetadataValue::try_from(format!("Bearer {t}")).map_err(
            |e| Error::Endpoint {
                endpoint: uri.to_string(),
                reason: format!("token: {e}"),
            },
        )?),
        None => None,
    };
    Ok(Auth { header })
}
