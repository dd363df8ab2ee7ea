//! `tavern bench` as a user runs it: a short run of each workload against a cluster it starts
//! itself, read back from its JSON report (operations counted, none failed), the same against
//! etcd when an `etcd` binary is installed, and the flags it refuses. No timing is asserted:
//! the numbers depend on the machine.

mod harness;

use std::process::{Output, Stdio};

use harness::tavern;
use serde_json::Value;

/// A short, small run: these flags unless `args` gives them.
const DEFAULTS: [(&str, &str); 3] = [
    ("--clients", "2"),
    ("--duration", "2s"),
    ("--population", "16"),
];

/// Runs `tavern bench --json` with `args` and [`DEFAULTS`]; returns its output.
fn bench(args: &[&str]) -> Output {
    let mut cmd = tavern();
    cmd.args(["bench", "--json"]).args(args);
    for (flag, value) in DEFAULTS {
        if !args.contains(&flag) {
            cmd.args([flag, value]);
        }
    }
    cmd.env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .expect("run tavern bench")
}

/// The JSON report of a run that must have succeeded.
fn report(args: &[&str]) -> Value {
    let out = bench(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tavern bench {args:?} failed: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// What every good run shows: operations counted, each with its latencies, and no error.
fn assert_ran_cleanly(r: &Value, target: &str, workload: &str, ops: &[&str]) {
    assert_eq!(r["run"]["target"], target);
    assert_eq!(r["run"]["workload"], workload);
    assert_eq!(r["run"]["clients"], 2);
    assert_eq!(r["run"]["value_bytes"], 256);
    assert_eq!(r["run"]["started_cluster"], true);
    assert_eq!(r["run"]["endpoints"].as_array().map(Vec::len), Some(3));
    assert_eq!(r["error_count"], 0, "errors: {}", r["errors"]);
    assert!(r["total"]["ops"].as_u64() > Some(0), "no operation: {r}");
    assert!(r["total"]["ops_per_s"].as_f64() > Some(0.0));
    for op in ops {
        let s = &r["ops"][op];
        assert!(s["ops"].as_u64() > Some(0), "no {op} in {}", r["ops"]);
        let l = &s["latency_us"];
        let (p50, p99, max) = (l["p50"].as_u64(), l["p99"].as_u64(), l["max"].as_u64());
        assert!(p50 > Some(0) && p50 <= p99 && p99 <= max, "{op}: {l}");
    }
}

#[test]
fn a_write_run_on_its_own_cluster_sends_mail_without_errors() {
    let r = report(&["--workload", "write"]);
    assert_ran_cleanly(&r, "tavern", "write", &["send_mail"]);
}

#[test]
fn linearizable_and_stale_read_runs_read_the_mail_they_set_up() {
    let r = report(&["--workload", "read-linearizable"]);
    assert_ran_cleanly(
        &r,
        "tavern",
        "read-linearizable",
        &["get_mail (linearizable)"],
    );
    let r = report(&["--workload", "read-stale", "--stale-ms", "2000"]);
    assert_ran_cleanly(&r, "tavern", "read-stale", &["get_mail (stale)"]);
}

#[test]
fn the_social_mix_plays_lookups_channels_and_presence_without_errors() {
    let r = report(&[
        "--workload",
        "social-mix",
        "--duration",
        "3s",
        "--population",
        "32",
    ]);
    // The most frequent operations of DOMAIN.md section 4 show up even in a short run.
    assert_ran_cleanly(
        &r,
        "tavern",
        "social-mix",
        &["name_query", "zone_channel_join"],
    );
    assert!(
        r["ops"].as_object().map(|o| o.len()) >= Some(5),
        "{}",
        r["ops"]
    );
}

#[test]
fn the_same_runs_drive_etcd_when_it_is_installed() {
    let installed = std::process::Command::new("etcd")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("skipped: no `etcd` on the PATH (Debian: apt-get install etcd-server)");
        return;
    }
    let r = report(&["--target", "etcd", "--workload", "write"]);
    assert_ran_cleanly(&r, "etcd", "write", &["put"]);
    let r = report(&["--target", "etcd", "--workload", "read-stale"]);
    assert_ran_cleanly(&r, "etcd", "read-stale", &["get (serializable)"]);
}

#[test]
fn bench_refuses_what_it_cannot_measure_with_one_line() {
    let out = bench(&["--target", "etcd", "--workload", "social-mix"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("social-mix is tavern's own workload"), "{err}");
    assert!(out.stdout.is_empty());

    let out = bench(&["--clients", "0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--clients must be in 1..="), "{err}");

    let out = bench(&["--duration", "3h"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("unit must be ms, s or m"), "{err}");
}
