//! Who may talk to a node: TLS on both gRPC ports, mutual TLS and an optional shared secret
//! between peers, bearer tokens and a concurrency limit for clients.
//!
//! ```text
//!  NodeConfig.security ──Security::load──▶ files read and parsed (errors name setting and file)
//!
//!  peer ──TLS, its cert signed by tls_cluster_ca──▶ raft_addr ──cluster secret?──▶ RaftInternal
//!       ◀─this node's cert, checked against tls_cluster_ca─     (peer.rs, UNAUTHENTICATED)
//!
//!  client ──TLS (client cert if tls_client_ca)──▶ client_addr ──Bearer token?──▶ permit?──▶ services
//!                                                 (clients.rs: UNAUTHENTICATED, RESOURCE_EXHAUSTED)
//! ```
//!
//! TLS is rustls through tonic (the `tls` feature, ring as the crypto provider). One
//! certificate per node serves both ports and is also its client certificate towards peers, so
//! it needs both the `serverAuth` and `clientAuth` extended key usages (or none), and must name
//! the host or IP its peers and clients dial. Without TLS, [`Security::warn_if_plain`] says so
//! once at start.
//!
//! The cluster secret and tokens are compared as SHA-256 digests with `subtle`'s constant-time
//! equality, every accepted token checked each time, so neither the timing nor the length of a
//! guess tells anything. Without TLS the secret and tokens cross the network in the clear: they
//! keep out a misconfigured node or client, not an eavesdropper.
//!
//! Not here: reloading files while running (restart the node; a rolling restart keeps the
//! cluster up), revocation lists, per-token permissions.

mod clients;
mod peer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

pub use clients::{serve_clients, AUTHORIZATION_HEADER};
pub use peer::{PeerChannel, PeerCheck, PeerSecurity, PeerStamp, CLUSTER_SECRET_HEADER};

use crate::config::NodeConfig;

/// Bounds of the cluster secret, in bytes of visible ASCII (it travels as a header value).
pub const CLUSTER_SECRET_BYTES_MIN: usize = 16;
pub const CLUSTER_SECRET_BYTES_MAX: usize = 256;
/// Bounds of one client token, in bytes of visible ASCII.
pub const TOKEN_BYTES_MIN: usize = 16;
pub const TOKEN_BYTES_MAX: usize = 512;
/// Tokens in one `client_tokens_file`: one per gateway or tool is a few dozen.
pub const TOKENS_MAX: usize = 1024;
/// Largest file this module reads (a certificate bundle, the token list).
pub const SECURITY_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// Why the security files could not be used. Each names the setting and its file.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("{setting} ({}): cannot read: {source}", .path.display())]
    Read {
        setting: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{setting} ({}): {reason}", .path.display())]
    Invalid {
        setting: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("tls_cert ({}) and tls_key ({}) do not make a TLS server: {reason}", .cert.display(), .key.display())]
    Tls {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// The loaded security settings of one node. Cheap to clone.
#[derive(Clone, Default)]
pub struct Security {
    tls: Option<Arc<Tls>>,
    cluster_secret: Option<Arc<Secret>>,
    client_tokens: Option<Arc<Tokens>>,
    client_concurrency_max: usize,
    /// Named in the clearer refusal of an oversized request (`clients.rs`).
    request_bytes_max: usize,
}

/// The PEM material of TLS, parsed once.
struct Tls {
    identity: Identity,
    cluster_ca: Certificate,
    client_ca: Option<Certificate>,
    files: crate::config::TlsFiles,
}

/// The cluster secret: its header value to send, its digest to compare.
struct Secret {
    value: tonic::metadata::AsciiMetadataValue,
    digest: [u8; 32],
}

/// The digests of the accepted client tokens.
struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Security {
    /// Names what is on, never a key, secret or token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("tls", &self.tls.as_ref().map(|t| &t.files))
            .field("cluster_secret", &self.cluster_secret.is_some())
            .field(
                "client_tokens",
                &self.client_tokens.as_ref().map(|t| t.digests.len()),
            )
            .field("client_concurrency_max", &self.client_concurrency_max)
            .finish()
    }
}

impl Security {
    /// Reads and checks every file `config.security` names.
    pub fn load(config: &NodeConfig) -> Result<Security, SecurityError> {
        let s = &config.security;
        let tls = match &s.tls {
            Some(files) => Some(Arc::new(Tls::load(files)?)),
            None => None,
        };
        let cluster_secret = match &s.cluster_secret_file {
            Some(path) => Some(Arc::new(Secret::load(path)?)),
            None => None,
        };
        let client_tokens = match &s.client_tokens_file {
            Some(path) => Some(Arc::new(Tokens::load(path)?)),
            None => None,
        };
        Ok(Security {
            tls,
            cluster_secret,
            client_tokens,
            client_concurrency_max: config.client_concurrency_max,
            request_bytes_max: config.request_bytes_max,
        })
    }

    /// Whether both ports use TLS.
    pub fn tls_on(&self) -> bool {
        self.tls.is_some()
    }

    /// Logs, once, that the node runs without TLS (call it once per start).
    pub fn warn_if_plain(&self, node_id: u64) {
        if self.tls.is_none() {
            tracing::warn!(
                node = node_id,
                "TLS is off: Raft and client traffic travel in the clear and any host that reaches \
                 raft_addr can send Raft messages{}. Set tls_cert, tls_key and tls_cluster_ca in \
                 [security] (README, \"Security\")",
                if self.cluster_secret.is_some() {
                    " carrying the cluster secret it saw on the wire"
                } else {
                    ""
                }
            );
        }
    }

    /// The TLS config of the Raft server: this node's certificate, and a client certificate
    /// signed by the cluster CA required of every peer.
    pub fn raft_server_tls(&self) -> Option<ServerTlsConfig> {
        self.tls.as_ref().map(|t| {
            ServerTlsConfig::new()
                .identity(t.identity.clone())
                .client_ca_root(t.cluster_ca.clone())
        })
    }

    /// The TLS config of the client server: this node's certificate, and client certificates
    /// signed by `tls_client_ca` when it is set.
    pub fn client_server_tls(&self) -> Option<ServerTlsConfig> {
        self.tls.as_ref().map(|t| {
            let config = ServerTlsConfig::new().identity(t.identity.clone());
            match &t.client_ca {
                Some(ca) => config.client_ca_root(ca.clone()),
                None => config,
            }
        })
    }

    /// What this node's Raft client needs: TLS towards peers (their certificates checked
    /// against the cluster CA, this node's presented) and the cluster secret.
    pub fn peer(&self) -> PeerSecurity {
        PeerSecurity::new(
            self.tls.as_ref().map(|t| {
                ClientTlsConfig::new()
                    .ca_certificate(t.cluster_ca.clone())
                    .identity(t.identity.clone())
            }),
            self.cluster_secret.as_ref().map(|s| s.value.clone()),
        )
    }

    /// The check of incoming Raft messages (the cluster secret).
    pub fn peer_check(&self) -> PeerCheck {
        PeerCheck::new(self.cluster_secret.clone())
    }
}

impl Tls {
    fn load(files: &crate::config::TlsFiles) -> Result<Tls, SecurityError> {
        let cert = read("tls_cert", &files.cert)?;
        certificates("tls_cert", &files.cert, &cert)?;
        let key = read("tls_key", &files.key)?;
        let has_key = rustls_pemfile::private_key(&mut key.as_slice())
            .map_err(|e| invalid("tls_key", &files.key, format!("not PEM: {e}")))?
            .is_some();
        if !has_key {
            return Err(invalid(
                "tls_key",
                &files.key,
                "no PEM private key in it (BEGIN PRIVATE KEY, RSA or EC PRIVATE KEY)".into(),
            ));
        }
        let cluster_ca = read("tls_cluster_ca", &files.cluster_ca)?;
        certificates("tls_cluster_ca", &files.cluster_ca, &cluster_ca)?;
        let client_ca = match &files.client_ca {
            Some(path) => {
                let pem = read("tls_client_ca", path)?;
                certificates("tls_client_ca", path, &pem)?;
                Some(Certificate::from_pem(pem))
            }
            None => None,
        };
        let tls = Tls {
            identity: Identity::from_pem(cert, key),
            cluster_ca: Certificate::from_pem(cluster_ca),
            client_ca,
            files: files.clone(),
        };
        // rustls checks the key (its kind, that it parses) when the server config is built:
        // do it now, so a bad pair stops the start with the file names rather than later.
        tonic::transport::Server::builder()
            .tls_config(ServerTlsConfig::new().identity(tls.identity.clone()))
            .map_err(|e| SecurityError::Tls {
                cert: files.cert.clone(),
                key: files.key.clone(),
                reason: error_chain(&e),
            })?;
        Ok(tls)
    }
}

impl Secret {
    fn load(path: &Path) -> Result<Secret, SecurityError> {
        let setting = "cluster_secret_file";
        let text = read(setting, path)?;
        let secret = text.trim_ascii();
        check_visible(secret, CLUSTER_SECRET_BYTES_MIN, CLUSTER_SECRET_BYTES_MAX)
            .map_err(|reason| invalid(setting, path, format!("the secret {reason}")))?;
        let value = tonic::metadata::AsciiMetadataValue::try_from(secret)
            .map_err(|e| invalid(setting, path, format!("not a header value: {e}")))?;
        Ok(Secret {
            value,
            digest: Sha256::digest(secret).into(),
        })
    }

    /// Whether `presented` is the secret, in constant time.
    fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        self.digest.ct_eq(&digest).into()
    }
}

impl Tokens {
    fn load(path: &Path) -> Result<Tokens, SecurityError> {
        let setting = "client_tokens_file";
        let text = read(setting, path)?;
        let mut digests = Vec::new();
        for (n, line) in text.split(|&b| b == b'\n').enumerate() {
            let token = line.trim_ascii();
            if token.is_empty() || token.starts_with(b"#") {
                continue;
            }
            check_visible(token, TOKEN_BYTES_MIN, TOKEN_BYTES_MAX).map_err(|reason| {
                invalid(setting, path, format!("line {}: the token {reason}", n + 1))
            })?;
            digests.push(Sha256::digest(token).into());
        }
        if digests.is_empty() {
            return Err(invalid(
                setting,
                path,
                "no token in it: every client call would be refused".into(),
            ));
        }
        if digests.len() > TOKENS_MAX {
            return Err(invalid(
                setting,
                path,
                format!("{} tokens, the limit is {TOKENS_MAX}", digests.len()),
            ));
        }
        Ok(Tokens { digests })
    }

    /// Whether `presented` is one of the tokens: every token is compared, in constant time.
    fn accepts(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = subtle::Choice::from(0);
        for d in &self.digests {
            found |= d.ct_eq(&digest);
        }
        found.into()
    }
}

/// `bytes` are `min..=max` bytes of visible ASCII (no space, no control character).
fn check_visible(bytes: &[u8], min: usize, max: usize) -> Result<(), String> {
    if !(min..=max).contains(&bytes.len()) {
        return Err(format!(
            "is {} bytes long, it must be {min} to {max}",
            bytes.len()
        ));
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err("must be visible ASCII (no spaces or control characters)".into());
    }
    Ok(())
}

/// The file's bytes, at most [`SECURITY_FILE_BYTES_MAX`].
fn read(setting: &'static str, path: &Path) -> Result<Vec<u8>, SecurityError> {
    use std::io::Read as _;
    let failed = |source| SecurityError::Read {
        setting,
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    file.take(SECURITY_FILE_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > SECURITY_FILE_BYTES_MAX {
        return Err(invalid(
            setting,
            path,
            format!("larger than {SECURITY_FILE_BYTES_MAX} bytes"),
        ));
    }
    Ok(bytes)
}

/// At least one PEM certificate in `pem`.
fn certificates(setting: &'static str, path: &Path, pem: &[u8]) -> Result<(), SecurityError> {
    let mut found = 0;
    for cert in rustls_pemfile::certs(&mut &pem[..]) {
        cert.map_err(|e| invalid(setting, path, format!("not PEM: {e}")))?;
        found += 1;
    }
    if found == 0 {
        return Err(invalid(
            setting,
            path,
            "no PEM certificate in it (BEGIN CERTIFICATE)".into(),
        ));
    }
    Ok(())
}

fn invalid(setting: &'static str, path: &Path, reason: String) -> SecurityError {
    SecurityError::Invalid {
        setting,
        path: path.to_path_buf(),
        reason,
    }
}

/// An error and its causes on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests;
