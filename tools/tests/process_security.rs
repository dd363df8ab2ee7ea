//! A real `tavern serve` with TLS and client tokens, reached by `tavern status` as an operator
//! types it: with the CA and the token it answers; without the token, or with a CA that did not
//! sign the node's certificate, it is refused with a message that says why. The environment
//! (`TAVERN_CA`, `TAVERN_TOKEN`) works like the flags. A node without TLS warns once that it
//! runs in the clear; a node with TLS does not.

#[path = "../../raft/tests/certs/mod.rs"]
mod certs;
mod harness;

use std::collections::BTreeMap;

use harness::Cluster;

const TOKEN: &str = "operator-4c1d8e2b9a7f3065";

/// Runs `tavern ARGS...` with `env` (and no `TAVERN_CA`/`TAVERN_TOKEN` of the caller's) and returns (success, stdout, stderr).
fn tavern(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = harness::tavern();
    command
        .args(args)
        .env_remove("TAVERN_CA")
        .env_remove("TAVERN_TOKEN")
        .envs(env.iter().copied());
    let out = command.output().expect("run tavern");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// Polls `tavern status ARGS` until the node says it leads.
fn wait_leading(args: &[&str], env: &[(&str, &str)]) -> String {
    let deadline = std::time::Instant::now() + harness::WAIT;
    loop {
        let (ok, out, err) = tavern(args, env);
        if ok && out.contains("Leader") {
            return out;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no leader within {:?}: {out}{err}",
            harness::WAIT
        );
        std::thread::sleep(harness::POLL);
    }
}

/// Node 1's whole log.
fn node_log(cluster: &Cluster) -> String {
    std::fs::read_to_string(cluster.dir().join("node1.log")).expect("the node's log")
}

#[test]
fn a_tls_node_with_tokens_answers_only_the_operator_with_the_ca_and_the_token() {
    // --- Certificates and a token file, and one node serving with them.
    let files = tempfile::tempdir().expect("tempdir");
    let d = files.path();
    let ca = certs::Ca::new("tavern cluster CA");
    let (cert, key) = ca.issue("node 1").write(d, "node1");
    let ca_file = ca.write(d, "ca.crt");
    let tokens = certs::write(d, "tokens", &format!("{TOKEN}\n"));
    let flags = [
        "--tls-cert",
        cert.to_str().expect("UTF-8 path"),
        "--tls-key",
        key.to_str().expect("UTF-8 path"),
        "--tls-cluster-ca",
        ca_file.to_str().expect("UTF-8 path"),
        "--client-tokens-file",
        tokens.to_str().expect("UTF-8 path"),
    ];
    let cluster = Cluster::start(1, &flags);
    let at = cluster.addrs[&1].client.to_string();
    let ca_path = ca_file.to_str().expect("UTF-8 path");

    // --- With the CA and the token: the status.
    let out = wait_leading(
        &["status", "-e", &at, "--ca", ca_path, "--token", TOKEN],
        &[],
    );
    assert!(
        out.starts_with("node 1 of cluster \"process-test\": Leader"),
        "{out}"
    );

    // --- The same from the environment.
    let env = [("TAVERN_CA", ca_path), ("TAVERN_TOKEN", TOKEN)];
    let (ok, out, err) = tavern(&["status", "-e", &at], &env);
    assert!(ok && out.contains("Leader"), "{out}{err}");

    // --- No token: refused, saying what to send.
    let (ok, _, err) = tavern(&["status", "-e", &at, "--ca", ca_path], &[]);
    assert!(!ok);
    assert_eq!(
        err,
        "tavern status: this node requires a client token: send the metadata `authorization: \
         Bearer <token>` (ClientOptions::token, tavern --token or TAVERN_TOKEN)\n"
    );

    // --- A CA that did not sign the node's certificate: the TLS handshake fails, and says so.
    let other = certs::Ca::new("someone else's CA").write(d, "other-ca.crt");
    let other = other.to_str().expect("UTF-8 path");
    let (ok, _, err) = tavern(&["status", "-e", &at, "--ca", other, "--token", TOKEN], &[]);
    assert!(!ok);
    assert!(
        err.contains(&format!("cannot reach a node at {at}")),
        "{err}"
    );
    assert!(
        err.contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );

    // --- No TLS at all: no answer either.
    let (ok, out, _) = tavern(&["status", "-e", &at, "--token", TOKEN], &[]);
    assert!(!ok, "{out}");

    // --- The node's log says TLS is on and does not warn.
    let log = node_log(&cluster);
    assert!(
        log.contains(&format!("serving clients on {at} (TLS)")),
        "{log}"
    );
    assert!(!log.contains("TLS is off"), "{log}");
}

#[test]
fn a_node_without_tls_warns_once_that_it_runs_in_the_clear() {
    let cluster = Cluster::start_each(1, &[], BTreeMap::new());
    let at = cluster.addrs[&1].client.to_string();
    wait_leading(&["status", "-e", &at], &[]);
    let log = node_log(&cluster);
    assert_eq!(log.matches("TLS is off").count(), 1, "{log}");
    assert!(
        log.contains(&format!("serving clients on {at} (plain text)")),
        "{log}"
    );
}
