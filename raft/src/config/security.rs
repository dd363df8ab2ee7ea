//! The `[security]` part of the config: TLS for both gRPC ports, the cluster secret, the client
//! tokens. Parsed like every other setting (file table `[security]`, `TAVERN_TLS_CERT`...,
//! `--tls-cert`...), validated into [`SecurityConfig`]. Validation checks the relations (a
//! certificate needs its key and the cluster CA) and that every named file can be read; the
//! files are parsed when the node starts (`crate::security::Security::load`), and every error
//! names the setting and the file.
//!
//! Secrets are never config values, only paths to files: the config is printed (`tavern serve
//! --check`, the start log), and environment variables show in `/proc`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The settings of the `[security]` table (each also `TAVERN_<NAME>` and `--<name>`).
pub const SECURITY_SETTINGS: &[&str] = &[
    "tls_cert",
    "tls_key",
    "tls_cluster_ca",
    "tls_client_ca",
    "cluster_secret_file",
    "client_tokens_file",
];

/// `[security]` as read from one source: every setting optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecurity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cluster_ca: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_client_ca: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_secret_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_tokens_file: Option<PathBuf>,
}

/// TLS on both ports: the node's certificate and key, the CA of the cluster's nodes, and
/// optionally the CA of clients' certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain of this node: served on `client_addr` and `raft_addr`, and
    /// presented to peers as this node's client certificate.
    pub cert: PathBuf,
    /// PEM private key of `cert`.
    pub key: PathBuf,
    /// PEM CA certificate(s) that sign every node's certificate: Raft is mutual TLS, a peer
    /// (either end) must present a certificate signed by one of them.
    pub cluster_ca: PathBuf,
    /// PEM CA certificate(s) of clients: when set, a client must present a certificate signed
    /// by one of them (mutual TLS on the client port too).
    pub client_ca: Option<PathBuf>,
}

/// The validated `[security]` part of [`super::NodeConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityConfig {
    /// `None`: both ports are plain HTTP/2, and the node warns once at start.
    pub tls: Option<TlsFiles>,
    /// A file holding the cluster secret every Raft message must carry.
    pub cluster_secret_file: Option<PathBuf>,
    /// A file of accepted bearer tokens; when set, every client call must carry one.
    pub client_tokens_file: Option<PathBuf>,
}

impl RawSecurity {
    /// Sets one setting from its text form; `Ok(false)` if `setting` is not one of these.
    pub fn set(&mut self, setting: &str, value: &str) -> bool {
        let path = Some(PathBuf::from(value));
        match setting {
            "tls_cert" => self.tls_cert = path,
            "tls_key" => self.tls_key = path,
            "tls_cluster_ca" => self.tls_cluster_ca = path,
            "tls_client_ca" => self.tls_client_ca = path,
            "cluster_secret_file" => self.cluster_secret_file = path,
            "client_tokens_file" => self.client_tokens_file = path,
            _ => return false,
        }
        true
    }

    /// `self`'s settings, and `base`'s where `self` has none.
    pub fn over(self, base: RawSecurity) -> RawSecurity {
        RawSecurity {
            tls_cert: self.tls_cert.or(base.tls_cert),
            tls_key: self.tls_key.or(base.tls_key),
            tls_cluster_ca: self.tls_cluster_ca.or(base.tls_cluster_ca),
            tls_client_ca: self.tls_client_ca.or(base.tls_client_ca),
            cluster_secret_file: self.cluster_secret_file.or(base.cluster_secret_file),
            client_tokens_file: self.client_tokens_file.or(base.client_tokens_file),
        }
    }

    /// Checks the relations and that every file named can be read; pushes each problem.
    pub fn validate(self, problems: &mut Vec<String>) -> SecurityConfig {
        for (setting, path) in [
            ("tls_cert", &self.tls_cert),
            ("tls_key", &self.tls_key),
            ("tls_cluster_ca", &self.tls_cluster_ca),
            ("tls_client_ca", &self.tls_client_ca),
            ("cluster_secret_file", &self.cluster_secret_file),
            ("client_tokens_file", &self.client_tokens_file),
        ] {
            if let Some(path) = path {
                if let Err(reason) = readable(path) {
                    problems.push(format!("{setting} ({}) {reason}", path.display()));
                }
            }
        }
        let tls = match (self.tls_cert, self.tls_key, self.tls_cluster_ca) {
            (Some(cert), Some(key), Some(cluster_ca)) => Some(TlsFiles {
                cert,
                key,
                cluster_ca,
                client_ca: self.tls_client_ca,
            }),
            (None, None, None) => {
                if self.tls_client_ca.is_some() {
                    problems.push(
                        "tls_client_ca is set but tls_cert is not: client certificates need TLS \
                         (set tls_cert, tls_key and tls_cluster_ca)"
                            .into(),
                    );
                }
                None
            }
            (cert, key, ca) => {
                let missing: Vec<&str> = [
                    ("tls_cert", cert.is_none()),
                    ("tls_key", key.is_none()),
                    ("tls_cluster_ca", ca.is_none()),
                ]
                .into_iter()
                .filter_map(|(name, missing)| missing.then_some(name))
                .collect();
                problems.push(format!(
                    "TLS needs tls_cert, tls_key and tls_cluster_ca together; {} missing",
                    missing.join(" and ")
                ));
                None
            }
        };
        SecurityConfig {
            tls,
            cluster_secret_file: self.cluster_secret_file,
            client_tokens_file: self.client_tokens_file,
        }
    }
}

impl SecurityConfig {
    /// The raw form, for printing the config.
    pub fn to_raw(&self) -> RawSecurity {
        let tls = self.tls.as_ref();
        RawSecurity {
            tls_cert: tls.map(|t| t.cert.clone()),
            tls_key: tls.map(|t| t.key.clone()),
            tls_cluster_ca: tls.map(|t| t.cluster_ca.clone()),
            tls_client_ca: tls.and_then(|t| t.client_ca.clone()),
            cluster_secret_file: self.cluster_secret_file.clone(),
            client_tokens_file: self.client_tokens_file.clone(),
        }
    }
}

/// A regular file this process can open.
fn readable(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("must not be empty".into());
    }
    match std::fs::File::open(path).and_then(|f| f.metadata()) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err("is not a file".into()),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}
