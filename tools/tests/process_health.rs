//! The health port of real `tavern serve` processes: `/livez` answers while the process runs;
//! `/readyz` is 200 while the node has a leader with a quorum, turns 503 (saying why) when
//! the node loses it, and 200 again when the cluster is whole; a follower whose leader and
//! peer are gone turns 503 too, and 200 once they are back.

mod harness;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use harness::Cluster;

/// `GET path` over HTTP/1.1; returns the status code and the body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).ok()?;
    s.set_read_timeout(Some(harness::CALL_TIMEOUT)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    Some((code, body))
}

async fn readyz_becomes(port: u16, code: u16) -> String {
    harness::poll(
        &format!("/readyz on port {port} answers {code}"),
        || async move { get(port, "/readyz").and_then(|(c, body)| (c == code).then_some(body)) },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_quorum_and_livez_the_process() {
    let ports: BTreeMap<u64, u16> = (1..=3).map(|id| (id, harness::free_port())).collect();
    let flags = ports
        .iter()
        .map(|(&id, p)| (id, vec!["--http-port".to_string(), p.to_string()]))
        .collect();
    let mut cluster = Cluster::start_each(3, &[], flags);
    let leader = cluster.leader().await;

    // --- A whole cluster: every node is live and ready.
    for (&id, &port) in &ports {
        assert_eq!(
            get(port, "/livez"),
            Some((200, "ok\n".to_string())),
            "node {id}"
        );
        let body = readyz_becomes(port, 200).await;
        assert!(body.starts_with("ready: "), "node {id}: {body}");
    }

    // --- Both followers stop: the leader has no quorum, and says so.
    let followers: Vec<u64> = (1..=3).filter(|&i| i != leader).collect();
    for &f in &followers {
        cluster.stop(f);
    }
    let body = readyz_becomes(ports[&leader], 503).await;
    assert!(body.starts_with("not ready: "), "{body}");
    assert_eq!(get(ports[&leader], "/livez").map(|(c, _)| c), Some(200));
    assert_eq!(
        get(ports[&followers[0]], "/livez"),
        None,
        "a stopped node does not answer"
    );

    // --- They come back: ready again, without a restart of the leader.
    for &f in &followers {
        cluster.start_node(f);
    }
    for (&id, &port) in &ports {
        let body = readyz_becomes(port, 200).await;
        assert!(body.starts_with("ready: "), "node {id}: {body}");
    }

    // --- A follower loses its leader (the leader and the other follower stop): not ready
    //     once it has no leader; ready again when they return.
    let leader = cluster.leader().await;
    let (lonely, other) = match (1..=3).filter(|&i| i != leader).collect::<Vec<_>>()[..] {
        [a, b] => (a, b),
        _ => unreachable!("three nodes"),
    };
    cluster.stop(leader);
    cluster.stop(other);
    let body = readyz_becomes(ports[&lonely], 503).await;
    assert!(body.starts_with("not ready: "), "{body}");
    cluster.start_node(leader);
    cluster.start_node(other);
    let body = readyz_becomes(ports[&lonely], 200).await;
    assert!(body.starts_with("ready: "), "{body}");
}
