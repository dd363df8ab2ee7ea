//! The security flags of the command line: `tavern serve`'s `[security]` settings as flags, and
//! what a client command (`status`, `member`, `leader`) needs to reach a node that has TLS or
//! tokens on (`--ca`, `--token`, or `TAVERN_CA` / `TAVERN_TOKEN`).

use std::path::PathBuf;

use anyhow::Context as _;
use tavern_raft::config::RawSecurity;

/// `tavern serve`'s flags of the `[security]` settings (see `tavern_raft::config`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct SecurityFlags {
    /// PEM certificate chain of this node (TLS on both ports).
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// PEM CA of the cluster's node certificates (Raft is mutual TLS).
    #[arg(long, value_name = "FILE")]
    tls_cluster_ca: Option<PathBuf>,
    /// PEM CA of client certificates; when set, clients must present one.
    #[arg(long, value_name = "FILE")]
    tls_client_ca: Option<PathBuf>,
    /// File holding the cluster secret every Raft message carries.
    #[arg(long, value_name = "FILE")]
    cluster_secret_file: Option<PathBuf>,
    /// File of accepted client bearer tokens, one a line.
    #[arg(long, value_name = "FILE")]
    client_tokens_file: Option<PathBuf>,
}

impl SecurityFlags {
    /// The settings given as flags, `None` when there are none.
    pub fn raw(&self) -> Option<RawSecurity> {
        let raw = RawSecurity {
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            tls_cluster_ca: self.tls_cluster_ca.clone(),
            tls_client_ca: self.tls_client_ca.clone(),
            cluster_secret_file: self.cluster_secret_file.clone(),
            client_tokens_file: self.client_tokens_file.clone(),
        };
        (raw != RawSecurity::default()).then_some(raw)
    }
}

/// The environment variables of [`ClientFlags`].
pub const CA_ENV: &str = "TAVERN_CA";
pub const TOKEN_ENV: &str = "TAVERN_TOKEN";

/// How a client command reaches a node: TLS with a CA, a bearer token.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ClientFlags {
    /// PEM CA certificate that signed the node's certificate: connect over TLS
    /// [default: $TAVERN_CA].
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// The name in the node's certificate, when it is not the host of the address.
    #[arg(long, value_name = "NAME")]
    tls_domain: Option<String>,
    /// Bearer token sent with every call, when the node requires tokens [default:
    /// $TAVERN_TOKEN, which keeps it out of the process list].
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

impl ClientFlags {
    /// What a refused or failed call says, with its causes, and a hint when the connection
    /// failed without `--ca` (the node may serve TLS).
    pub fn explain(&self, status: &tonic::Status) -> String {
        let text = tavern_gateway::security::describe(status);
        let failed = matches!(
            status.code(),
            tonic::Code::Unknown | tonic::Code::Unavailable
        );
        if failed && self.ca.is_none() && std::env::var_os(CA_ENV).is_none() {
            format!("{text} (if the node serves TLS, pass --ca or set {CA_ENV})")
        } else {
            text
        }
    }

    /// The client library's options for these flags (reads the CA file).
    pub fn options(&self) -> anyhow::Result<tavern_gateway::ClientOptions> {
        self.options_with(|var| std::env::var(var).ok())
    }

    /// [`ClientFlags::options`] with the environment given (`TAVERN_CA`, `TAVERN_TOKEN`).
    pub fn options_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<tavern_gateway::ClientOptions> {
        let ca = self.ca.clone().or_else(|| env(CA_ENV).map(PathBuf::from));
        let token = self.token.clone().or_else(|| env(TOKEN_ENV));
        if ca.is_none() && self.tls_domain.is_some() {
            anyhow::bail!("--tls-domain needs --ca (or {CA_ENV})");
        }
        let tls = match &ca {
            Some(path) => {
                let ca_pem = std::fs::read(path)
                    .with_context(|| format!("cannot read the CA file {}", path.display()))?;
                Some(tavern_gateway::TlsOptions {
                    ca_pem,
                    domain: self.tls_domain.clone(),
                    identity: None,
                })
            }
            None => None,
        };
        let token = match token {
            Some(t) => Some(
                tavern_gateway::BearerToken::new(t)
                    .context("the token (--token or TAVERN_TOKEN)")?,
            ),
            None => None,
        };
        Ok(tavern_gateway::ClientOptions {
            tls,
            token,
            ..tavern_gateway::ClientOptions::default()
        })
    }
}
