//! The status page (`GET /` on the health port): one node's view of the cluster at a glance,
//! for a person, refreshing itself every [`REFRESH_SECONDS`].
//!
//! Rendered on the server from the same sources as `tavern status`, `/readyz` and `/metrics`
//! (`Admin::status`, `Admin::readiness`, the node's Prometheus text), so the page never shows
//! something the machine-readable endpoints do not. Plain HTML and inline CSS: no script, no
//! external resource, so it works from a laptop with no network beyond the node.

use std::fmt::Write as _;

use tavern_proto::convert::{NodeRole, NodeStatus};
use tavern_proto::NodeError;

/// The page reloads itself this often.
pub const REFRESH_SECONDS: u32 = 2;

/// The page for a node's `status` and `readiness`, with figures from its Prometheus text.
pub fn render(
    status: &Result<NodeStatus, NodeError>,
    ready: &Result<String, String>,
    metrics: Option<&str>,
) -> String {
    let mut h = String::with_capacity(8 * 1024);
    let title = match status {
        Ok(s) => format!("tavern node {} of {}", s.node_id, s.cluster_id),
        Err(_) => "tavern node".to_string(),
    };
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let (class, text) = match ready {
        Ok(what) => ("ok", format!("ready: {what}")),
        Err(why) => ("bad", format!("not ready: {why}")),
    };
    let _ = writeln!(h, "<p id=\"ready\" class=\"{class}\">{}</p>", esc(&text));
    match status {
        Ok(s) => node_section(&mut h, s),
        Err(e) => {
            let _ = writeln!(
                h,
                "<p class=\"bad\">status unavailable: {}</p>",
                esc(&e.to_string())
            );
        }
    }
    if let Some(text) = metrics {
        metrics_section(&mut h, text);
    }
    let _ = writeln!(
        h,
        "<p class=\"foot\">Refreshes every {REFRESH_SECONDS} s. Machine-readable: \
         <a href=\"/metrics\">/metrics</a>, <a href=\"/readyz\">/readyz</a>, \
         <a href=\"/livez\">/livez</a>.</p>\n</body></html>"
    );
    h
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}\
table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}\
th{background:#f4f4f4}.ok{color:#176f2c;font-weight:bold}.bad{color:#b00020;font-weight:bold}\
.role-Leader{color:#0b5cad;font-weight:bold}.num{text-align:right;font-variant-numeric:tabular-nums}\
.foot{color:#777;font-size:.85em;margin-top:2em}";

fn node_section(h: &mut String, s: &NodeStatus) {
    let idx = |i: Option<u64>| i.map_or("-".to_string(), |i| i.to_string());
    let leader = match (s.leader_id, &s.leader_addr) {
        (Some(id), Some(addr)) => format!("node {id} at {addr}"),
        (Some(id), None) => format!("node {id}"),
        _ => "none known".to_string(),
    };
    if let Some(why) = &s.halted {
        let _ = writeln!(h, "<p id=\"alarm\" class=\"bad\">HALTED: {}</p>", esc(why));
    }
    for a in &s.alarms {
        let _ = writeln!(
            h,
            "<p class=\"bad space-alarm\">{} ALARM, writes that add data are refused: {}</p>",
            a.kind.name().to_uppercase(),
            esc(&a.detail)
        );
    }
    let _ = writeln!(h, "<h2>This node</h2>\n<table id=\"node\">");
    let rows = [
        ("role", role(s.role).to_string()),
        ("term", s.current_term.to_string()),
        ("leader", leader),
        ("last log index", idx(s.last_log_index)),
        ("committed index", idx(s.committed_index)),
        ("applied index", idx(s.applied_index)),
        ("applied at start", idx(s.applied_index_at_start)),
        ("snapshot index", idx(s.snapshot_index)),
        ("purged index", idx(s.purged_index)),
        ("state bytes", s.state_bytes.to_string()),
        ("entities", entities(s)),
        (
            "disk free bytes",
            s.disk_free_bytes.map_or("-".to_string(), |b| b.to_string()),
        ),
        (
            "watch streams",
            format!(
                "{} open ({} opened, {} refused, {} cut off lagging, {} compacted)",
                s.watch.open,
                s.watch.opened,
                s.watch.refused,
                s.watch.cut_off_lagged,
                s.watch.cut_off_compacted
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    let _ = writeln!(h, "</table>");

    let _ = writeln!(
        h,
        "<h2>Members</h2>\n<table id=\"members\"><tr><th>node</th><th>kind</th>\
         <th>raft address</th><th>client address</th><th>lag (entries)</th></tr>"
    );
    let last = s.last_log_index.map_or(0, |i| i + 1);
    let members = s
        .voters
        .iter()
        .map(|m| (m, "voter"))
        .chain(s.learners.iter().map(|m| (m, "learner")));
    for (m, kind) in members {
        let lag = if m.id == s.node_id {
            String::new()
        } else {
            s.followers
                .iter()
                .find(|f| f.id == m.id)
                .map(|f| {
                    last.saturating_sub(f.matched_index.map_or(0, |i| i + 1))
                        .to_string()
                })
                .unwrap_or_default()
        };
        let me = if m.id == s.node_id {
            " (this node)"
        } else {
            ""
        };
        let leads = if Some(m.id) == s.leader_id {
            " class=\"role-Leader\""
        } else {
            ""
        };
        let _ = writeln!(
            h,
            "<tr><td{leads}>{}{me}</td><td>{kind}</td><td>{}</td><td>{}</td><td class=\"num\">{lag}</td></tr>",
            m.id,
            esc(&m.raft_addr),
            esc(&m.client_addr)
        );
    }
    let _ = writeln!(h, "</table>");
}

/// "accounts 5, mails 3": the entities the state holds, on one line ("-": none).
fn entities(s: &NodeStatus) -> String {
    let list: Vec<String> = s
        .entities()
        .into_iter()
        .map(|(entity, n)| format!("{entity} {n}"))
        .collect();
    if list.is_empty() {
        "-".into()
    } else {
        list.join(", ")
    }
}

fn role(r: NodeRole) -> &'static str {
    match r {
        NodeRole::Leader => "Leader",
        NodeRole::Follower => "Follower",
        NodeRole::Candidate => "Candidate",
        NodeRole::Learner => "Learner",
        NodeRole::Shutdown => "Shutdown",
    }
}

/// A few figures from the Prometheus text: totals and means of the histograms.
fn metrics_section(h: &mut String, text: &str) {
    let samples = parse(text);
    let sum = |name: &str, filter: &dyn Fn(&str) -> bool| -> f64 {
        samples
            .iter()
            .filter(|(n, labels, _)| n == name && filter(labels))
            .map(|(_, _, v)| v)
            .sum()
    };
    let all = |_: &str| true;
    let mean = |base: &str, scale: f64| -> String {
        let count = sum(&format!("{base}_count"), &all);
        if count == 0.0 {
            return "-".into();
        }
        format!("{:.3}", sum(&format!("{base}_sum"), &all) / count * scale)
    };
    // Counts print as integers (a sum over no sample is -0.0 in floating point).
    let int = |v: f64| format!("{}", v.max(0.0).round() as u64);
    let rpcs = sum("tavern_rpc_seconds_count", &all);
    let failed = sum("tavern_rpc_seconds_count", &|l: &str| {
        !l.contains("code=\"OK\"")
    });
    let rows = [
        (
            "client RPCs (failed)",
            format!("{} ({})", int(rpcs), int(failed)),
        ),
        ("mean RPC time, ms", mean("tavern_rpc_seconds", 1000.0)),
        (
            "leader changes",
            int(sum("tavern_leader_changes_total", &all)),
        ),
        (
            "log fsyncs",
            int(sum("tavern_log_fsync_seconds_count", &all)),
        ),
        (
            "mean fsync time, ms",
            mean("tavern_log_fsync_seconds", 1000.0),
        ),
        (
            "mean entries per fsync",
            mean("tavern_log_entries_per_fsync", 1.0),
        ),
        (
            "entries applied",
            int(sum("tavern_applied_entries_total", &all)),
        ),
        (
            "mean apply batch time, ms",
            mean("tavern_apply_batch_seconds", 1000.0),
        ),
        (
            "last snapshot, bytes",
            int(sum("tavern_snapshot_bytes", &all)),
        ),
    ];
    let _ = writeln!(h, "<h2>Since start</h2>\n<table id=\"metrics\">");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td class=\"num\">{}</td></tr>", esc(&v));
    }
    let _ = writeln!(h, "</table>");
}

/// `name{labels} value` lines of Prometheus text as (name, labels, value); others skipped.
fn parse(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let value: f64 = value.parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            Some((name.to_string(), labels.to_string(), value))
        })
        .collect()
}

/// HTML-escapes text (addresses and reasons come from configs and errors).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_configs_and_errors_is_escaped() {
        let page = render(
            &Err(NodeError::Unavailable("<script>alert(1)</script>".into())),
            &Err("no leader & no quorum".into()),
            None,
        );
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(
            page.contains("not ready: no leader &amp; no quorum"),
            "{page}"
        );
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn figures_come_from_the_prometheus_text() {
        let text = "tavern_rpc_seconds_count{node=\"1\",rpc=\"a\",code=\"OK\"} 8\n\
                    tavern_rpc_seconds_count{node=\"1\",rpc=\"a\",code=\"UNAVAILABLE\"} 2\n\
                    tavern_rpc_seconds_sum{node=\"1\",rpc=\"a\",code=\"OK\"} 0.02\n\
                    tavern_leader_changes_total{node=\"1\"} 3\n";
        let page = render(
            &Err(NodeError::Unavailable("x".into())),
            &Ok("ok".into()),
            Some(text),
        );
        assert!(
            page.contains("<th>client RPCs (failed)</th><td class=\"num\">10 (2)</td>"),
            "{page}"
        );
        assert!(
            page.contains("<th>mean RPC time, ms</th><td class=\"num\">2.000</td>"),
            "{page}"
        );
        assert!(
            page.contains("<th>leader changes</th><td class=\"num\">3</td>"),
            "{page}"
        );
    }
}
