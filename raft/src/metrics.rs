//! Prometheus metrics: every name in one place, recorded through the `metrics` facade, rendered
//! by `metrics-exporter-prometheus` on the health port's `/metrics` (`service/health.rs`).
//!
//! ```text
//!  log-sync thread ─ fsync seconds, entries per fsync ─┐
//!  apply           ─ batch seconds, entries applied   ─┤
//!  snapshot build  ─ seconds, bytes                    ─┼─▶ global recorder ─▶ /metrics of node N:
//!  domain RPCs     ─ seconds by rpc and gRPC code      ─┤     the series labelled node="N"
//!  leader watch    ─ leader changes                    ─┤
//!  /metrics itself ─ term, log, committed, applied, follower lag, role, state bytes (total,
//!                    per table, entities), disk free, space alarms, watch streams (from
//!                    `Admin::status`)
//! ```
//!
//! Every series carries a `node` label: `tavern dev` and the tests run several nodes in one
//! process, which share the one global recorder, and `/metrics` of a node renders only its own
//! series. The recorder is installed once per process, by the first node that starts
//! ([`install`]); if the process already has another recorder, metrics are off and `/metrics`
//! says so.
//!
//! Histograms use fixed buckets ([`SECONDS_BUCKETS`], [`COUNT_BUCKETS`]) so they render as
//! Prometheus histograms, which aggregate across nodes (summaries do not).

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use openraft::async_runtime::watch::WatchReceiver as _;
use tavern_proto::convert::AlarmKind;
use tokio::task::JoinHandle;

use crate::types::{NodeId, Raft};

/// Seconds one log fsync took (group commit: one per batch of appends).
pub const LOG_FSYNC_SECONDS: &str = "tavern_log_fsync_seconds";
/// Log entries made durable by one fsync.
pub const LOG_ENTRIES_PER_FSYNC: &str = "tavern_log_entries_per_fsync";
/// Seconds to apply one batch of committed entries (state machine + one RocksDB write).
pub const APPLY_BATCH_SECONDS: &str = "tavern_apply_batch_seconds";
/// Entries applied by this node.
pub const APPLIED_ENTRIES: &str = "tavern_applied_entries_total";
/// Seconds a client RPC took in the node, by `rpc` and gRPC `code` (`OK`, `UNAVAILABLE`, ...).
pub const RPC_SECONDS: &str = "tavern_rpc_seconds";
/// Seconds to build one snapshot.
pub const SNAPSHOT_BUILD_SECONDS: &str = "tavern_snapshot_build_seconds";
/// Size in bytes of the last snapshot built or installed.
pub const SNAPSHOT_BYTES: &str = "tavern_snapshot_bytes";
/// Times this node saw the leader change (to another node or to none).
pub const LEADER_CHANGES: &str = "tavern_leader_changes_total";
/// The current term.
pub const TERM: &str = "tavern_term";
/// 1 on the leader, 0 elsewhere.
pub const IS_LEADER: &str = "tavern_is_leader";
/// Last log index, committed index, applied index (`-1` before the first entry).
pub const LAST_LOG_INDEX: &str = "tavern_last_log_index";
pub const COMMITTED_INDEX: &str = "tavern_committed_index";
pub const APPLIED_INDEX: &str = "tavern_applied_index";
/// On the leader: how many entries each follower is behind the leader's last log index.
pub const FOLLOWER_LAG_ENTRIES: &str = "tavern_follower_lag_entries";
/// Voters and learners in the membership this node sees.
pub const MEMBERS: &str = "tavern_members";
/// 1 while the state machine has halted after a fatal error.
pub const HALTED: &str = "tavern_halted";
/// Gauge: the state's logical size, every key and value, in bytes (what `state_bytes_max` bounds).
pub const STATE_BYTES: &str = "tavern_state_bytes";
/// Gauge by `table` (`MAIL`, `CHARACTER_BY_NAME`, ...: `keys::TABLES`, every table of the key
/// layout, zeros included): the keys and values of that table, in bytes. They add up to
/// [`STATE_BYTES`]; kept exactly by apply.
pub const STATE_TABLE_BYTES: &str = "tavern_state_table_bytes";
/// Gauge by `table`: the records that table holds.
pub const STATE_TABLE_RECORDS: &str = "tavern_state_table_records";
/// Gauge by `entity` (`mails`, `characters`, ...): the records of each table that holds one
/// record per entity, i.e. how many of those entities the state holds.
pub const STATE_ENTITIES: &str = "tavern_state_entities";
/// Gauge: free space of the data directory's filesystem at the last check, in bytes.
pub const DISK_FREE_BYTES: &str = "tavern_disk_free_bytes";
/// Gauge by `kind` (quota, disk): 1 while that space alarm is active, else 0.
pub const ALARM: &str = "tavern_alarm";
/// Gauge: watch streams open on this node now.
pub const WATCH_STREAMS: &str = "tavern_watch_streams";
/// Watch streams opened on this node.
pub const WATCH_STREAMS_OPENED: &str = "tavern_watch_streams_opened_total";
/// Watch streams ended with an error, by `reason`: `refused` (TOO_MANY_WATCHES), `lagged`
/// (WATCH_LAGGED: the watcher read too slowly), `compacted` (COMPACTED: resync needed).
pub const WATCH_STREAMS_FAILED: &str = "tavern_watch_streams_failed_total";

/// Buckets of the seconds histograms: 50 µs to 10 s.
pub const SECONDS_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 10.0,
];
/// Buckets of the count histograms (entries per fsync): 1 to 4096.
pub const COUNT_BUCKETS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same answer). `None` when
/// the process has another recorder: metrics are then off.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(LOG_ENTRIES_PER_FSYNC.into()),
                        COUNT_BUCKETS,
                    )
                });
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!("metrics are off: {e}");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_histogram!(
        LOG_FSYNC_SECONDS,
        Unit::Seconds,
        "seconds one log fsync took"
    );
    describe_histogram!(
        LOG_ENTRIES_PER_FSYNC,
        Unit::Count,
        "log entries made durable by one fsync"
    );
    describe_histogram!(
        APPLY_BATCH_SECONDS,
        Unit::Seconds,
        "seconds to apply one batch of committed entries"
    );
    describe_counter!(APPLIED_ENTRIES, Unit::Count, "entries applied by this node");
    describe_histogram!(
        RPC_SECONDS,
        Unit::Seconds,
        "seconds a client RPC took in the node, by rpc and gRPC code"
    );
    describe_histogram!(
        SNAPSHOT_BUILD_SECONDS,
        Unit::Seconds,
        "seconds to build one snapshot"
    );
    describe_gauge!(
        SNAPSHOT_BYTES,
        Unit::Bytes,
        "size of the last snapshot built or installed"
    );
    describe_counter!(
        LEADER_CHANGES,
        Unit::Count,
        "times this node saw the leader change"
    );
    describe_gauge!(TERM, "the current Raft term");
    describe_gauge!(
        STATE_BYTES,
        Unit::Bytes,
        "the state's logical size: every key and value"
    );
    describe_gauge!(
        STATE_TABLE_BYTES,
        Unit::Bytes,
        "the keys and values of one table of the state (they add up to tavern_state_bytes)"
    );
    describe_gauge!(
        STATE_TABLE_RECORDS,
        Unit::Count,
        "the records one table of the state holds"
    );
    describe_gauge!(
        STATE_ENTITIES,
        Unit::Count,
        "how many of one kind of entity the state holds (the records of its table)"
    );
    describe_gauge!(
        DISK_FREE_BYTES,
        Unit::Bytes,
        "free space of the data directory's filesystem at the last check"
    );
    describe_gauge!(
        ALARM,
        "1 while the space alarm `kind` (quota, disk) is active: writes that add data are refused"
    );
    describe_gauge!(WATCH_STREAMS, Unit::Count, "watch streams open now");
    describe_counter!(WATCH_STREAMS_OPENED, Unit::Count, "watch streams opened");
    describe_counter!(
        WATCH_STREAMS_FAILED,
        Unit::Count,
        "watch streams refused or cut off, by reason (refused, lagged, compacted)"
    );
    describe_gauge!(IS_LEADER, "1 on the leader, 0 elsewhere");
    describe_gauge!(LAST_LOG_INDEX, "last log index (-1: empty)");
    describe_gauge!(COMMITTED_INDEX, "committed index (-1: none)");
    describe_gauge!(APPLIED_INDEX, "applied index (-1: none)");
    describe_gauge!(
        FOLLOWER_LAG_ENTRIES,
        Unit::Count,
        "on the leader: entries each follower is behind"
    );
    describe_gauge!(
        MEMBERS,
        Unit::Count,
        "voters and learners in the membership"
    );
    describe_gauge!(
        HALTED,
        "1 while the state machine has halted after a fatal error"
    );
}

/// The `node` label of `id`.
pub fn node_label(id: NodeId) -> [(&'static str, String); 1] {
    [("node", id.to_string())]
}

/// One log fsync of `entries` entries that took `took`.
pub fn record_fsync(node: NodeId, took: Duration, entries: usize) {
    let labels = node_label(node);
    metrics::histogram!(LOG_FSYNC_SECONDS, &labels).record(took.as_secs_f64());
    metrics::histogram!(LOG_ENTRIES_PER_FSYNC, &labels).record(entries as f64);
}

/// One apply batch of `entries` entries that took `took`.
pub fn record_apply(node: NodeId, took: Duration, entries: u64) {
    let labels = node_label(node);
    metrics::histogram!(APPLY_BATCH_SECONDS, &labels).record(took.as_secs_f64());
    metrics::counter!(APPLIED_ENTRIES, &labels).increment(entries);
}

/// One snapshot built in `took`, `bytes` long.
pub fn record_snapshot_build(node: NodeId, took: Duration, bytes: u64) {
    let labels = node_label(node);
    metrics::histogram!(SNAPSHOT_BUILD_SECONDS, &labels).record(took.as_secs_f64());
    record_snapshot_bytes(node, bytes);
}

/// The size of the snapshot this node now holds.
pub fn record_snapshot_bytes(node: NodeId, bytes: u64) {
    metrics::gauge!(SNAPSHOT_BYTES, &node_label(node)).set(bytes as f64);
}

/// One client RPC: its name, its gRPC code, how long it took.
pub fn record_rpc(node: NodeId, rpc: &'static str, code: tonic::Code, took: Duration) {
    let labels = [
        ("node", node.to_string()),
        ("rpc", rpc.to_string()),
        ("code", code_name(code).to_string()),
    ];
    metrics::histogram!(RPC_SECONDS, &labels).record(took.as_secs_f64());
}

/// The gRPC name of a code, as Prometheus label values are usually written.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Counts leader changes seen by node `id` until the raft instance stops (its metrics channel
/// closes) or the task is aborted (by `TavernNode::shutdown`).
pub fn spawn_leader_watch(id: NodeId, raft: &Raft) -> JoinHandle<()> {
    let mut rx = raft.metrics();
    tokio::spawn(async move {
        let mut leader = rx.borrow_watched().current_leader;
        while rx.changed().await.is_ok() {
            let now = rx.borrow_watched().current_leader;
            if now != leader {
                metrics::counter!(LEADER_CHANGES, &node_label(id)).increment(1);
                leader = now;
            }
        }
    })
}

/// Sets the gauges that describe the node's Raft state, from its status (called by `/metrics`
/// just before rendering, so they are as fresh as the scrape).
pub fn observe_status(s: &tavern_proto::convert::NodeStatus) {
    let labels = node_label(s.node_id);
    let index = |i: Option<u64>| i.map_or(-1.0, |i| i as f64);
    metrics::gauge!(TERM, &labels).set(s.current_term as f64);
    let leads = s.leader_id == Some(s.node_id);
    metrics::gauge!(IS_LEADER, &labels).set(if leads { 1.0 } else { 0.0 });
    metrics::gauge!(LAST_LOG_INDEX, &labels).set(index(s.last_log_index));
    metrics::gauge!(COMMITTED_INDEX, &labels).set(index(s.committed_index));
    metrics::gauge!(APPLIED_INDEX, &labels).set(index(s.applied_index));
    metrics::gauge!(HALTED, &labels).set(if s.halted.is_some() { 1.0 } else { 0.0 });
    metrics::gauge!(STATE_BYTES, &labels).set(s.state_bytes as f64);
    if let Some(free) = s.disk_free_bytes {
        metrics::gauge!(DISK_FREE_BYTES, &labels).set(free as f64);
    }
    metrics::gauge!(WATCH_STREAMS, &labels).set(s.watch.open as f64);
    metrics::counter!(WATCH_STREAMS_OPENED, &labels).absolute(s.watch.opened);
    let node = s.node_id.to_string();
    for (reason, n) in [
        ("refused", s.watch.refused),
        ("lagged", s.watch.cut_off_lagged),
        ("compacted", s.watch.cut_off_compacted),
    ] {
        metrics::counter!(WATCH_STREAMS_FAILED, "node" => node.clone(), "reason" => reason)
            .absolute(n);
    }
    for kind in [AlarmKind::Quota, AlarmKind::Disk] {
        let on = s.alarms.iter().any(|a| a.kind == kind);
        metrics::gauge!(ALARM, "node" => node.clone(), "kind" => kind.name()).set(if on {
            1.0
        } else {
            0.0
        });
    }
    for (role, n) in [("voter", s.voters.len()), ("learner", s.learners.len())] {
        metrics::gauge!(MEMBERS, "node" => node.clone(), "role" => role).set(n as f64);
    }
    for t in &s.tables {
        let table = [("node", node.clone()), ("table", t.name.clone())];
        metrics::gauge!(STATE_TABLE_BYTES, &table).set(t.bytes as f64);
        metrics::gauge!(STATE_TABLE_RECORDS, &table).set(t.records as f64);
        if let Some(entity) = &t.entity {
            metrics::gauge!(STATE_ENTITIES, "node" => node.clone(), "entity" => label_value(entity))
                .set(t.records as f64);
        }
    }
    let last = s.last_log_index.map_or(0, |i| i + 1);
    for f in &s.followers {
        let matched = f.matched_index.map_or(0, |i| i + 1);
        let lag = last.saturating_sub(matched);
        metrics::gauge!(FOLLOWER_LAG_ENTRIES, "node" => node.clone(), "follower" => f.id.to_string())
            .set(lag as f64);
    }
}

/// An entity's name as a label value that needs no quoting in a query: lower case, words
/// joined by `_` ("account friend edges (both sides)" → `account_friend_edges_both_sides`).
pub fn label_value(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The Prometheus text of node `id`: only the series labelled `node="<id>"`, each family with
/// its `# HELP` and `# TYPE` lines. `None` when metrics are off.
pub fn render(id: NodeId) -> Option<String> {
    let text = HANDLE.get()?.as_ref()?.render();
    Some(only_node(&text, id))
}

/// Keeps the samples of node `id` and the comment lines of the families that have some.
fn only_node(text: &str, id: NodeId) -> String {
    let wanted = format!("node=\"{id}\"");
    let mut out = String::new();
    // The comment lines of the current family, until its first kept sample.
    let mut family = "";
    let mut comments = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('#') {
            // "# HELP name ..." or "# TYPE name ...": a new family drops the last one's.
            let name = rest.split_whitespace().nth(1).unwrap_or("");
            if name != family {
                family = name;
                comments.clear();
            }
            comments.push_str(line);
            comments.push('\n');
        } else if line.contains(&wanted) {
            out.push_str(&comments);
            comments.clear();
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_become_plain_label_values() {
        assert_eq!(label_value("mails"), "mails");
        assert_eq!(label_value("characters online"), "characters_online");
        assert_eq!(
            label_value("account friend edges (both sides)"),
            "account_friend_edges_both_sides"
        );
    }

    #[test]
    fn a_node_renders_only_its_own_series_with_their_comments() {
        let text = "# HELP a_total things\n# TYPE a_total counter\na_total{node=\"1\"} 3\na_total{node=\"2\"} 4\n\n\
                    # HELP b only node 2\n# TYPE b gauge\nb{node=\"2\"} 1\n\
                    # TYPE c gauge\nc{node=\"1\",x=\"y\"} 5\n";
        assert_eq!(
            only_node(text, 1),
            "# HELP a_total things\n# TYPE a_total counter\na_total{node=\"1\"} 3\n\
             # TYPE c gauge\nc{node=\"1\",x=\"y\"} 5\n"
        );
        assert_eq!(
            only_node(text, 2),
            "# HELP a_total things\n# TYPE a_total counter\na_total{node=\"2\"} 4\n\
             # HELP b only node 2\n# TYPE b gauge\nb{node=\"2\"} 1\n"
        );
    }
}
