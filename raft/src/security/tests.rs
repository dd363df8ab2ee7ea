//! Loading the security files: what is accepted, and that every refusal names the setting and
//! the file. The TLS handshakes themselves are tested over real gRPC in `tests/security*.rs`.

#[path = "../../tests/certs/mod.rs"]
mod certs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::config::{RawConfig, RawSecurity};
use crate::types::Member;

fn config(dir: &Path, security: RawSecurity) -> Result<NodeConfig, crate::config::ConfigError> {
    let peers = BTreeMap::from([(
        1,
        Member {
            raft_addr: "127.0.0.1:7101".into(),
            client_addr: "127.0.0.1:7201".into(),
        },
    )]);
    RawConfig {
        security: Some(security),
        ..RawConfig::for_node("c", 1, dir, &peers)
    }
    .validate()
}

fn load(dir: &Path, security: RawSecurity) -> Result<Security, SecurityError> {
    Security::load(&config(dir, security).expect("valid config"))
}

fn tokens(dir: &Path, text: &str) -> (PathBuf, Result<Security, SecurityError>) {
    let path = certs::write(dir, "tokens", text);
    let loaded = load(
        dir,
        RawSecurity {
            client_tokens_file: Some(path.clone()),
            ..RawSecurity::default()
        },
    );
    (path, loaded)
}

#[test]
fn a_token_file_accepts_exactly_its_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, loaded) = tokens(
        dir.path(),
        "# gateways\ngateway-one-0123456789\n\n  gateway-two-0123456789  \r\n",
    );
    let security = loaded.expect("loads");
    let tokens = security.client_tokens.expect("tokens on");
    assert_eq!(tokens.digests.len(), 2);
    assert!(tokens.accepts(b"gateway-one-0123456789"));
    assert!(tokens.accepts(b"gateway-two-0123456789"));
    assert!(!tokens.accepts(b"gateway-one-012345678"));
    assert!(!tokens.accepts(b"gateway-three-0123456789"));
    assert!(!tokens.accepts(b""));
}

#[test]
fn a_bad_token_file_is_refused_naming_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, loaded) = tokens(dir.path(), "gateway-one-0123456789\nshort\n");
    let err = loaded.expect_err("a short token");
    assert_eq!(
        err.to_string(),
        format!(
            "client_tokens_file ({}): line 2: the token is 5 bytes long, it must be 16 to 512",
            path.display()
        )
    );

    let (path, loaded) = tokens(dir.path(), "# nothing but a comment\n");
    assert_eq!(
        loaded.expect_err("no token").to_string(),
        format!(
            "client_tokens_file ({}): no token in it: every client call would be refused",
            path.display()
        )
    );
}

#[test]
fn the_cluster_secret_is_read_without_its_line_end_and_compared_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = certs::write(dir.path(), "secret", "correct-horse-battery-staple\n");
    let security = load(
        dir.path(),
        RawSecurity {
            cluster_secret_file: Some(path),
            ..RawSecurity::default()
        },
    )
    .expect("loads");
    let secret = security.cluster_secret.expect("secret on");
    assert!(secret.matches(b"correct-horse-battery-staple"));
    assert!(!secret.matches(b"correct-horse-battery-stapl"));
    assert!(!secret.matches(b"correct-horse-battery-staple\n"));

    let path = certs::write(dir.path(), "weak", "hunter2\n");
    let err = load(
        dir.path(),
        RawSecurity {
            cluster_secret_file: Some(path.clone()),
            ..RawSecurity::default()
        },
    )
    .expect_err("too short");
    assert_eq!(
        err.to_string(),
        format!(
            "cluster_secret_file ({}): the secret is 7 bytes long, it must be 16 to 256",
            path.display()
        )
    );
}

#[test]
fn tls_files_are_parsed_at_load_and_a_wrong_one_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ca = certs::Ca::new("test cluster CA");
    let (cert, key) = ca.issue("node 1").write(d, "node1");
    let ca_path = ca.write(d, "ca.crt");
    let tls = |cert: &Path, key: &Path, ca: &Path| RawSecurity {
        tls_cert: Some(cert.to_path_buf()),
        tls_key: Some(key.to_path_buf()),
        tls_cluster_ca: Some(ca.to_path_buf()),
        ..RawSecurity::default()
    };
    let security = load(d, tls(&cert, &key, &ca_path)).expect("a good set loads");
    assert!(security.tls_on());
    assert!(security.raft_server_tls().is_some() && security.client_server_tls().is_some());
    // Debug names the files, never the key.
    let debug = format!("{security:?}");
    assert!(
        debug.contains("node1.key") && !debug.contains("PRIVATE"),
        "{debug}"
    );

    // A key file holding a certificate, a CA file holding a key.
    let err = load(d, tls(&cert, &cert, &ca_path)).expect_err("no key");
    assert_eq!(
        err.to_string(),
        format!(
            "tls_key ({}): no PEM private key in it (BEGIN PRIVATE KEY, RSA or EC PRIVATE KEY)",
            cert.display()
        )
    );
    let err = load(d, tls(&cert, &key, &key)).expect_err("no CA certificate");
    assert_eq!(
        err.to_string(),
        format!(
            "tls_cluster_ca ({}): no PEM certificate in it (BEGIN CERTIFICATE)",
            key.display()
        )
    );
}

#[test]
fn validate_wants_the_tls_files_together_and_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cert = certs::write(d, "node.crt", "not read by validate");
    let err = config(
        d,
        RawSecurity {
            tls_cert: Some(cert),
            tls_client_ca: Some(d.join("missing-ca.crt")),
            ..RawSecurity::default()
        },
    )
    .expect_err("incomplete");
    let missing = d.join("missing-ca.crt");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid config:\n  \
             - tls_client_ca ({}) cannot be read: No such file or directory (os error 2)\n  \
             - TLS needs tls_cert, tls_key and tls_cluster_ca together; tls_key and \
             tls_cluster_ca missing",
            missing.display()
        )
    );
}
