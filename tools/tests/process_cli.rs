//! The `tavern` binary as a user meets it: `tavern serve` refusing to start with one clear
//! line, and `tavern dev` starting a local cluster, serving, stopping on Ctrl-C and finding its
//! data again on the next run.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;

use harness::domain::upsert_realm;
use harness::{free_port, signal, tavern, wait_exit, WAIT};
use tavern_proto::pb;
use tavern_proto::pb::realm_service_client::RealmServiceClient;

/// Runs `tavern serve` as node 1 of a one-node cluster with these addresses and data dir;
/// returns its exit code and stderr.
fn serve_once(raft: u16, client: u16, data_dir: &std::path::Path) -> (Option<i32>, String) {
    let mut child = tavern()
        .args(["serve", "--node-id", "1", "--cluster-id", "cli-test"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--peers", &format!("1=127.0.0.1:{raft}/127.0.0.1:{client}")])
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tavern serve");
    let status = wait_exit(&mut child);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("read stderr");
    (status.code(), err)
}

#[test]
fn serve_refuses_to_start_with_one_line_saying_why() {
    let dir = tempfile::tempdir().expect("temp dir");

    // --- The raft port is taken by another process.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let (code, err) = serve_once(port, free_port(), &dir.path().join("node1"));
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "tavern serve: node 1: cannot listen on 127.0.0.1:{port} (raft_addr): "
        )),
        "{err}"
    );

    // --- The data directory is a file.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write a file");
    let (code, err) = serve_once(free_port(), free_port(), &file);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "tavern serve: node 1: opening the store in {}: ",
            file.display()
        )),
        "{err}"
    );
}

/// A running `tavern dev` and the lines it printed.
struct Dev {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Dev {
    fn start(data_dir: &std::path::Path) -> Dev {
        let mut child = tavern()
            .arg("dev")
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tavern dev");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Dev { child, lines }
    }

    /// Lines up to the first one starting with `prefix`, that one included.
    fn until(&self, prefix: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no line {prefix:?} within {WAIT:?}; got {seen:?}"));
            let done = line.starts_with(prefix);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client endpoints `tavern dev` printed ("  node 1: client 127.0.0.1:PORT  (raft ..., status
/// page ...)"),
/// and the leader's ("leader: node N at ADDR").
fn endpoints(lines: &[String]) -> (Vec<String>, String) {
    let clients = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("node ")?.split_once(": client "))
        .filter_map(|(_, rest)| rest.split_whitespace().next().map(String::from))
        .collect();
    let leader = lines
        .last()
        .and_then(|l| l.split(" at ").nth(1))
        .expect("the leader's address")
        .to_string();
    (clients, leader)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_runs_three_nodes_stops_on_ctrl_c_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("tavern-dev-data");

    // --- First run: three client endpoints, then the leader once elected.
    let mut dev = Dev::start(&data);
    let lines = dev.until("leader: ");
    let (clients, leader) = endpoints(&lines);
    assert_eq!(clients.len(), 3, "{lines:?}");
    assert!(clients.contains(&leader), "{lines:?}");

    // --- A realm written through the leader.
    upsert_realm(harness::channel(leader.parse().expect("an address")))
        .await
        .expect("a write on the dev cluster");

    // --- Each node's status page and metrics, at the address printed.
    let pages: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split("status page http://").nth(1))
        .filter_map(|rest| rest.strip_suffix("/)"))
        .collect();
    assert_eq!(pages.len(), 3, "{lines:?}");
    for page in pages {
        let addr: std::net::SocketAddr = page.parse().expect("an address");
        let body = harness::http_get(addr, "/").expect("the status page answers 200");
        assert!(body.contains("<h2>This node</h2>"), "{body}");
        let metrics = harness::http_get(addr, "/metrics").expect("/metrics answers 200");
        assert!(metrics.contains("tavern_term{"), "{metrics}");
    }

    // --- Ctrl-C: a clean stop.
    signal(&dev.child, "INT");
    assert!(wait_exit(&mut dev.child).success());
    let rest: Vec<String> = dev.lines.iter().collect();
    assert_eq!(rest.last().map(String::as_str), Some("stopped"), "{rest:?}");

    // --- Second run on the same folder: the same endpoints, and the realm is still there.
    let mut dev = Dev::start(&data);
    let lines = dev.until("leader: ");
    let (again, leader) = endpoints(&lines);
    assert_eq!(again, clients);
    let channel = harness::channel(leader.parse().expect("an address"));
    // A linearizable read, retried while the new leader settles (its first entry commits).
    let channel = &channel;
    let realm = harness::poll("a linearizable read on the leader", || async move {
        RealmServiceClient::new(channel.clone())
            .get_realm(harness::timed(pb::GetRealmRequest {
                header: None,
                id: harness::domain::REALM,
            }))
            .await
            .ok()
    })
    .await
    .into_inner()
    .realm;
    assert_eq!(realm.map(|r| r.name), Some("Lordaeron".into()));
    signal(&dev.child, "TERM");
    assert!(wait_exit(&mut dev.child).success());
}
