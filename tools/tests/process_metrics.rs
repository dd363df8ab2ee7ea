//! `/metrics` and the status page of real `tavern serve` processes: the Prometheus text parses
//! and carries what an operator graphs (term, leader, log/commit/apply, follower lag, fsync,
//! apply, RPCs by code, watch streams, the state's size per table and its entities); the status
//! page, loaded in a real headless browser (Debian's chromium), shows the node's role, its
//! members, the state's entities and refreshes itself.

mod harness;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;

use harness::{domain, Cluster};
use prometheus_parse::{Sample, Scrape, Value};
use tavern_proto::pb;
use tavern_proto::pb::watch_service_client::WatchServiceClient;

/// `GET path` over HTTP/1.1; returns the status code, the headers and the body.
fn get(port: u16, path: &str) -> Option<(u16, String, String)> {
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
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((code, head.to_string(), body.to_string()))
}

fn scrape(port: u16) -> Scrape {
    let (code, head, body) = get(port, "/metrics").expect("/metrics answers");
    assert_eq!(code, 200, "{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text parses")
}

fn samples<'a>(scrape: &'a Scrape, name: &str) -> Vec<&'a Sample> {
    scrape.samples.iter().filter(|s| s.metric == name).collect()
}

/// The value of the one gauge or counter `name` of the scrape.
fn single(scrape: &Scrape, name: &str) -> f64 {
    let found = samples(scrape, name);
    assert_eq!(found.len(), 1, "one sample of {name}: {found:?}");
    match found[0].value {
        Value::Gauge(v) | Value::Counter(v) | Value::Untyped(v) => v,
        ref other => panic!("{name} is not a single value: {other:?}"),
    }
}

fn gauge(sample: &Sample) -> f64 {
    match sample.value {
        Value::Gauge(v) | Value::Untyped(v) => v,
        ref other => panic!("{} is not a gauge: {other:?}", sample.metric),
    }
}

/// The value of the one sample of gauge `name` whose label `label` is `value`.
fn labelled(scrape: &Scrape, name: &str, label: &str, value: &str) -> f64 {
    let found: Vec<&Sample> = samples(scrape, name)
        .into_iter()
        .filter(|s| s.labels.get(label) == Some(value))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one sample of {name}{{{label}=\"{value}\"}}: {found:?}"
    );
    gauge(found[0])
}

/// The total count of the histogram `name` over the samples `labels_match` accepts.
fn histogram_count(scrape: &Scrape, name: &str, labels_match: impl Fn(&Sample) -> bool) -> u64 {
    samples(scrape, name)
        .into_iter()
        .filter(|s| labels_match(s))
        .map(|s| match &s.value {
            Value::Histogram(buckets) => buckets.iter().map(|b| b.count as u64).max().unwrap_or(0),
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_describe_the_node() {
    let ports: BTreeMap<u64, u16> = (1..=3).map(|id| (id, harness::free_port())).collect();
    let flags = ports
        .iter()
        .map(|(&id, p)| (id, vec!["--http-port".to_string(), p.to_string()]))
        .collect();
    let cluster = Cluster::start_each(3, &[], flags);
    let leader = cluster.leader().await;

    // --- Some writes through the leader, and one refused (an unknown node's answer is an
    //     error code in the metrics too).
    domain::upsert_realm(cluster.channel(leader))
        .await
        .expect("realm");
    for id in 1..=5 {
        domain::upsert_account(cluster.channel(leader), id, domain::request(7, id.into()))
            .await
            .expect("account");
    }
    // --- A character of account 1 and three mails for it (one record each in MAIL).
    let mut index = domain::create_character(cluster.channel(leader), 1, 1, "Innkeeper", None)
        .await
        .map(|r| domain::index(r.header))
        .expect("character");
    const MAILS: u32 = 3;
    for n in 1..=MAILS {
        index = domain::send_mail(cluster.channel(leader), 1, &format!("letter {n}"), None)
            .await
            .expect("mail");
    }
    let follower = (1..=3).find(|&i| i != leader).expect("a follower");
    let refused = domain::upsert_account(cluster.channel(follower), 99, None).await;
    let code = refused.expect_err("a follower refuses a write").code();

    // --- The leader's metrics: its Raft state, its followers' lag, fsyncs, applies, RPCs.
    let m = scrape(ports[&leader]);
    let every_node_label: Vec<&str> = m
        .samples
        .iter()
        .filter_map(|s| s.labels.get("node"))
        .collect();
    assert!(
        every_node_label.iter().all(|&n| n == leader.to_string()),
        "only this node's series: {every_node_label:?}"
    );
    assert!(single(&m, "tavern_term") >= 1.0);
    assert_eq!(single(&m, "tavern_is_leader"), 1.0);
    assert!(single(&m, "tavern_applied_index") >= index as f64);
    assert!(single(&m, "tavern_committed_index") >= index as f64);
    assert!(single(&m, "tavern_last_log_index") >= index as f64);
    assert_eq!(single(&m, "tavern_halted"), 0.0);
    let lags = samples(&m, "tavern_follower_lag_entries");
    let mut followers: Vec<&str> = lags
        .iter()
        .filter_map(|s| s.labels.get("follower"))
        .collect();
    followers.sort();
    let want: Vec<String> = (1..=3u64)
        .filter(|&i| i != leader)
        .map(|i| i.to_string())
        .collect();
    assert_eq!(followers, want, "a lag per follower");
    assert!(histogram_count(&m, "tavern_log_fsync_seconds", |_| true) > 0);
    assert!(histogram_count(&m, "tavern_log_entries_per_fsync", |_| true) > 0);
    assert!(histogram_count(&m, "tavern_apply_batch_seconds", |_| true) > 0);
    assert!(single(&m, "tavern_applied_entries_total") >= 10.0);
    let ok_upserts = histogram_count(&m, "tavern_rpc_seconds", |s| {
        s.labels.get("rpc") == Some("upsert_account") && s.labels.get("code") == Some("OK")
    });
    assert_eq!(ok_upserts, 5, "five acknowledged upsert_account calls");

    // --- The state per entity and per table: the mails sent, the accounts; the tables' bytes
    //     are the state's size (one status behind the scrape, so they agree exactly).
    assert_eq!(
        labelled(&m, "tavern_state_entities", "entity", "mails"),
        f64::from(MAILS)
    );
    assert_eq!(
        labelled(&m, "tavern_state_entities", "entity", "accounts"),
        5.0
    );
    assert_eq!(
        labelled(&m, "tavern_state_entities", "entity", "characters"),
        1.0
    );
    assert_eq!(
        labelled(&m, "tavern_state_table_records", "table", "MAIL"),
        f64::from(MAILS)
    );
    assert!(labelled(&m, "tavern_state_table_bytes", "table", "MAIL") > 0.0);
    assert_eq!(
        labelled(&m, "tavern_state_table_bytes", "table", "ARENA_TEAM"),
        0.0,
        "every table, empty ones too"
    );
    let table_bytes: f64 = samples(&m, "tavern_state_table_bytes")
        .iter()
        .map(|s| gauge(s))
        .sum();
    assert_eq!(
        table_bytes,
        single(&m, "tavern_state_bytes"),
        "the tables add up to the state"
    );

    // --- The follower counts its refusal under the gRPC code the client saw.
    let f = scrape(ports[&follower]);
    assert_eq!(single(&f, "tavern_is_leader"), 0.0);
    let refusals = histogram_count(&f, "tavern_rpc_seconds", |s| {
        s.labels.get("rpc") == Some("upsert_account")
            && s.labels.get("code") != Some("OK")
            && s.labels.get("code").is_some()
    });
    assert_eq!(refusals, 1, "the refused write ({code:?}) is counted");
    assert!(
        samples(&f, "tavern_follower_lag_entries").is_empty(),
        "only the leader reports lag"
    );
    assert_eq!(single(&f, "tavern_watch_streams"), 0.0);

    // --- A gateway watches the follower: its stream shows there, not on the leader.
    let mut watch = WatchServiceClient::new(cluster.channel(follower))
        .watch(pb::WatchRequest {
            from_index: 0,
            filter: None,
        })
        .await
        .expect("watch the follower")
        .into_inner();
    let first = watch.message().await.expect("a reply").expect("not ended");
    assert!(first.index <= index, "history from the start");
    let f = scrape(ports[&follower]);
    assert_eq!(single(&f, "tavern_watch_streams"), 1.0);
    assert_eq!(single(&f, "tavern_watch_streams_opened_total"), 1.0);
    let mut failed: Vec<(&str, f64)> = samples(&f, "tavern_watch_streams_failed_total")
        .iter()
        .filter_map(|s| match s.value {
            Value::Counter(v) => s.labels.get("reason").map(|r| (r, v)),
            _ => None,
        })
        .collect();
    failed.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        failed,
        [("compacted", 0.0), ("lagged", 0.0), ("refused", 0.0)],
        "each reason a stream can fail for, none yet"
    );
    assert_eq!(single(&scrape(ports[&leader]), "tavern_watch_streams"), 0.0);
}

/// Debian's chromium, if installed.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs headless chromium with `args` on `url`; returns its stdout.
fn browse(chromium: &PathBuf, args: &[&str], url: &str) -> String {
    let home = tempfile::tempdir().expect("a profile dir");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", home.path().display()))
        .args(args)
        .arg(url)
        .env("HOME", home.path())
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_the_cluster_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); tools/verify installs it");
        return;
    };
    let ports: BTreeMap<u64, u16> = (1..=3).map(|id| (id, harness::free_port())).collect();
    let flags = ports
        .iter()
        .map(|(&id, p)| (id, vec!["--http-port".to_string(), p.to_string()]))
        .collect();
    let cluster = Cluster::start_each(3, &[], flags);
    let leader = cluster.leader().await;
    domain::upsert_realm(cluster.channel(leader))
        .await
        .expect("realm");
    harness::poll("every follower has caught up", || async {
        let s = cluster.status(leader).await.ok()?;
        (s.followers.len() == 2
            && s.followers
                .iter()
                .all(|f| f.matched_index == s.last_log_index))
        .then_some(())
    })
    .await;

    // --- The DOM as the browser built it: role, readiness, members, refresh, no script.
    let url = format!("http://127.0.0.1:{}/", ports[&leader]);
    let dom = browse(&chromium, &["--dump-dom"], &url);
    assert!(
        dom.contains(&format!("tavern node {leader} of")),
        "title: {dom}"
    );
    assert!(dom.contains("<th>role</th><td>Leader</td>"), "{dom}");
    assert!(
        dom.contains("id=\"ready\" class=\"ok\">ready: Leader"),
        "{dom}"
    );
    assert!(dom.contains("http-equiv=\"refresh\""), "{dom}");
    let member_rows = dom.matches("<td>voter</td>").count();
    assert_eq!(member_rows, 3, "three voters: {dom}");
    assert!(dom.contains("(this node)"), "{dom}");
    assert!(dom.contains("<th>log fsyncs</th>"), "{dom}");
    assert!(
        dom.contains("<th>entities</th><td>realms 1</td>"),
        "the state's entities: {dom}"
    );
    assert!(!dom.contains("<script"), "no script on the page");

    // --- A follower's page names the leader.
    let follower = (1..=3).find(|&i| i != leader).expect("a follower");
    let dom = browse(
        &chromium,
        &["--dump-dom"],
        &format!("http://127.0.0.1:{}/", ports[&follower]),
    );
    assert!(dom.contains("<th>role</th><td>Follower</td>"), "{dom}");
    assert!(
        dom.contains(&format!("node {leader} at 127.0.0.1:")),
        "{dom}"
    );

    // --- A screenshot renders (a PNG of some size); TAVERN_SCREENSHOT keeps it.
    let shots = tempfile::tempdir().expect("dir");
    let png = std::env::var_os("TAVERN_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| shots.path().join("status.png"));
    browse(
        &chromium,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=900,1040",
            "--hide-scrollbars",
        ],
        &url,
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        bytes.len() > 10_000,
        "a page, not a blank: {} bytes",
        bytes.len()
    );
}
