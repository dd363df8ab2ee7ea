//! Space alarms against real `tavern serve` processes: a small state quota fills, writes that
//! add data are refused with the quota error while reads go on, `tavern status` shows the
//! alarm, deleting data works under it and clears it, and writes work again, all without a
//! restart. Raising the quota in the nodes' config files and sending them SIGHUP clears the
//! alarm too, without a restart (a config that does not validate changes nothing). And a disk
//! low-water mark above the machine's free space refuses writes with the disk alarm while
//! reads go on, until it is lowered the same way.

mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use harness::domain::{
    create_character, delete_character, get_character, request, upsert_account, upsert_realm,
};
use harness::Cluster;
use tavern_proto::convert::AlarmKind;
use tavern_proto::status::node_error_from_status;
use tavern_proto::NodeError;
use tonic::Code;

/// Small enough to fill with a few dozen accounts and characters (the two take a few hundred
/// bytes of records: the account and its username, the character, its name and its account's
/// index).
const QUOTA_BYTES: u64 = 4_000;
/// A bound on the characters the test creates before the quota must have refused one.
const CHARACTERS_MAX: u32 = 200;
/// The writing client's id (request ids make the writes exactly-once, as a gateway's are).
const CLIENT: u64 = 7;

fn name(low: u32) -> String {
    // Letters only, unique per number.
    let mut s = String::from("Hero");
    let mut v = low;
    while v > 0 {
        s.push(char::from(b'a' + (v % 26) as u8));
        v /= 26;
    }
    s
}

/// Runs `tavern ARGS...` and returns (success, stdout, stderr).
fn tavern(args: &[&str]) -> (bool, String, String) {
    let out = harness::tavern().args(args).output().expect("run tavern");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// The body of `GET path` on a node's health port (HTTP/1.1), if it answers 200.
fn http_get(port: u16, path: &str) -> Option<String> {
    harness::http_get(SocketAddr::from(([127, 0, 0, 1], port)), path)
}

/// The space alarm a refused call carries, if that is why it was refused.
fn no_space(status: &tonic::Status) -> Option<AlarmKind> {
    match node_error_from_status(status) {
        Some(NodeError::NoSpace { alarm, .. }) if status.code() == Code::ResourceExhausted => {
            Some(alarm)
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_quota_refuses_new_data_and_deleting_data_clears_it_without_a_restart() {
    // --- Three nodes with a small quota; a realm and an account.
    let quota = QUOTA_BYTES.to_string();
    let ports: BTreeMap<u64, u16> = (1..=3).map(|id| (id, harness::free_port())).collect();
    let flags = ports
        .iter()
        .map(|(&id, p)| (id, vec!["--http-port".to_string(), p.to_string()]))
        .collect();
    let cluster = Cluster::start_each(3, &["--state-bytes-max", &quota], flags);
    let leader = cluster.leader().await;
    let ch = || cluster.channel(leader);
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        request(CLIENT, seq)
    };
    let (created, last_index) = fill_the_quota(&cluster, leader, &mut next).await;

    // --- Reads still work, on every node.
    for id in 1..=3 {
        let first = get_character(cluster.channel(id), 1, last_index)
            .await
            .expect("a read under the alarm");
        assert_eq!(first.map(|c| c.name), Some(name(1)));
    }

    // --- Every node shows the alarm (the size is counted from the log: the same everywhere).
    let statuses = cluster
        .wait_statuses("the quota alarm on every node", |s| {
            s.alarms.iter().any(|a| a.kind == AlarmKind::Quota)
        })
        .await;
    for s in statuses.values() {
        assert!(s.state_bytes >= QUOTA_BYTES, "{}", s.state_bytes);
    }
    let at = cluster.addrs[&leader].client.to_string();
    let (ok, out, err) = tavern(&["status", "-e", &at]);
    assert!(ok, "{err}");
    assert!(out.contains("ALARM quota: the state holds"), "{out}");
    let metrics = http_get(ports[&leader], "/metrics").expect("/metrics");
    let on = format!("tavern_alarm{{node=\"{leader}\",kind=\"quota\"}} 1");
    assert!(metrics.contains(&on), "{on} in {metrics}");
    assert!(metrics.contains("tavern_state_bytes{"), "{metrics}");
    let page = http_get(ports[&leader], "/").expect("the status page");
    assert!(
        page.contains("class=\"bad space-alarm\">QUOTA ALARM"),
        "{page}"
    );

    // --- Deleting characters works under the alarm and clears it; no restart.
    for low in created.iter().rev().take(3) {
        delete_character(ch(), *low, next())
            .await
            .expect("a delete frees data, so it passes under the alarm");
    }
    cluster
        .wait_statuses("the alarm cleared on every node", |s| {
            s.alarms.is_empty() && s.state_bytes < QUOTA_BYTES
        })
        .await;
    let (ok, out, err) = tavern(&["status", "-e", &at]);
    assert!(ok, "{err}");
    assert!(!out.contains("ALARM"), "{out}");
    let metrics = http_get(ports[&leader], "/metrics").expect("/metrics");
    let off = format!("tavern_alarm{{node=\"{leader}\",kind=\"quota\"}} 0");
    assert!(metrics.contains(&off), "{off} in {metrics}");

    // --- And new data is accepted again.
    let low = CHARACTERS_MAX + 1;
    create_character(ch(), low, 1, &name(low), next())
        .await
        .expect("a write after the alarm cleared");
}

/// A realm, then accounts with a character each (an account holds 10 per realm) until the
/// quota refuses a write; checks the refusal names the quota. Returns the characters created
/// and the index of the last write.
async fn fill_the_quota(
    cluster: &Cluster,
    leader: u64,
    next: &mut impl FnMut() -> Option<tavern_proto::pb::RequestHeader>,
) -> (Vec<u32>, u64) {
    let ch = || cluster.channel(leader);
    upsert_realm(ch()).await.expect("realm");
    let mut created = Vec::new();
    let mut last_index = 0;
    let refused = loop {
        let low = created.len() as u32 + 1;
        assert!(
            low <= CHARACTERS_MAX,
            "{CHARACTERS_MAX} characters and no quota error"
        );
        if let Err(status) = upsert_account(ch(), low, next()).await {
            break status;
        }
        match create_character(ch(), low, low, &name(low), next()).await {
            Ok(r) => {
                last_index = r.header.expect("a header").applied_index;
                created.push(low);
            }
            Err(status) => break status,
        }
    };
    assert_eq!(no_space(&refused), Some(AlarmKind::Quota), "{refused:?}");
    assert!(
        refused.message().contains("state_bytes_max is 4000"),
        "the message names the quota: {}",
        refused.message()
    );
    assert!(
        created.len() > 5,
        "the quota held {} characters",
        created.len()
    );
    (created, last_index)
}

/// Writes `<dir>/space<id>.toml` for each node with `settings`; returns the flags that make
/// the nodes read them (`--config`; the harness's identity flags still win over the file).
fn space_configs(dir: &Path, settings: &str) -> BTreeMap<u64, Vec<String>> {
    (1..=3)
        .map(|id| {
            let path = dir.join(format!("space{id}.toml"));
            std::fs::write(&path, settings).expect("write a config file");
            (id, vec!["--config".into(), path.display().to_string()])
        })
        .collect()
}

/// Sends SIGHUP to every node and waits until each logged that it read its config again
/// (a line with `what`).
async fn reload_all(cluster: &Cluster, what: &str) {
    for id in 1..=3 {
        cluster.signal_node(id, "HUP");
    }
    for id in 1..=3 {
        harness::poll(&format!("node {id} logs {what:?}"), || async {
            cluster.log_tail(id).contains(what).then_some(())
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_quota_in_the_config_and_sighup_clears_the_alarm_without_a_restart() {
    let files = tempfile::tempdir().expect("a temp dir");
    let flags = space_configs(files.path(), &format!("state_bytes_max = {QUOTA_BYTES}\n"));
    let cluster = Cluster::start_each(3, &[], flags);
    let leader = cluster.leader().await;
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        request(CLIENT, seq)
    };
    fill_the_quota(&cluster, leader, &mut next).await;
    cluster
        .wait_statuses("the quota alarm on every node", |s| {
            s.alarms.iter().any(|a| a.kind == AlarmKind::Quota)
        })
        .await;

    // --- A config that does not validate: the node says so and keeps its quota.
    std::fs::write(
        files.path().join(format!("space{leader}.toml")),
        "state_bytes_max = \"lots\"\n",
    )
    .expect("write");
    cluster.signal_node(leader, "HUP");
    harness::poll("the leader logs the bad config", || async {
        cluster
            .log_tail(leader)
            .contains("SIGHUP: the config does not validate, nothing changed")
            .then_some(())
    })
    .await;
    let still = create_character(
        cluster.channel(leader),
        CHARACTERS_MAX + 1,
        1,
        "Stillfull",
        next(),
    )
    .await;
    let refused = still.expect_err("the quota is unchanged");
    assert_eq!(no_space(&refused), Some(AlarmKind::Quota), "{refused:?}");

    // --- The operator raises the quota in every node's file and reloads them: the alarm
    //     clears with the data still there, and writes are accepted; no restart.
    space_configs(files.path(), "state_bytes_max = 1000000\n");
    reload_all(
        &cluster,
        "SIGHUP: state_bytes_max is now 1000000 (was 4000)",
    )
    .await;
    let statuses = cluster
        .wait_statuses("the alarm cleared on every node", |s| s.alarms.is_empty())
        .await;
    assert!(statuses.values().all(|s| s.state_bytes >= QUOTA_BYTES));
    create_character(
        cluster.channel(leader),
        CHARACTERS_MAX + 1,
        1,
        "Roomagain",
        next(),
    )
    .await
    .expect("a write under the raised quota");
}

/// Nothing can fill this machine's disk in a test, so the low-water mark is set above any
/// disk's size instead (u64::MAX bytes): the first check (within a second of the start)
/// raises the disk alarm. Lowering the mark in the config and SIGHUP clears it; that it
/// clears by itself when space comes back is tested with a probe that plays a disk draining
/// (`node/alarms.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_below_the_low_water_mark_refuses_new_data_and_serves_reads() {
    let files = tempfile::tempdir().expect("a temp dir");
    let flags = space_configs(
        files.path(),
        &format!("disk_free_min_bytes = {}\n", u64::MAX),
    );
    let cluster = Cluster::start_each(3, &[], flags);
    let leader = cluster.leader().await;
    let statuses = cluster
        .wait_statuses("the disk alarm on every node", |s| {
            s.alarms.iter().any(|a| a.kind == AlarmKind::Disk)
        })
        .await;
    assert!(statuses.values().all(|s| s.disk_free_bytes.is_some()));

    let refused = upsert_realm(cluster.channel(leader))
        .await
        .expect_err("a write that adds data is refused");
    assert_eq!(no_space(&refused), Some(AlarmKind::Disk), "{refused:?}");
    assert!(
        refused.message().contains("disk_free_min_bytes"),
        "{}",
        refused.message()
    );

    // Reads are served (nothing was written: the character is not there).
    for id in 1..=3 {
        let none = get_character(cluster.channel(id), 1, 0)
            .await
            .expect("a read under the disk alarm");
        assert_eq!(none, None);
    }
    let at = cluster.addrs[&leader].client.to_string();
    let (ok, out, err) = tavern(&["status", "-e", &at]);
    assert!(ok, "{err}");
    assert!(out.contains("ALARM disk: "), "{out}");

    // --- Lowered in the config and reloaded: the alarm clears and the write goes through.
    space_configs(files.path(), "disk_free_min_bytes = 1048576\n");
    reload_all(&cluster, "SIGHUP: disk_free_min_bytes is now 1048576").await;
    cluster
        .wait_statuses("the disk alarm cleared on every node", |s| {
            s.alarms.is_empty()
        })
        .await;
    upsert_realm(cluster.channel(leader))
        .await
        .expect("a write once the mark is lowered");
}
