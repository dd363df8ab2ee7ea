//! What a bench run measured: one latency histogram per operation (hdrhistogram, in
//! microseconds), errors counted by kind, and the report built from them, printed as text or
//! JSON.
//!
//! Every client task records into its own [`Recorder`] (no lock on the hot path); the runner
//! merges them once the run is over.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// The longest latency a histogram keeps exactly; longer ones are recorded as this.
pub const LATENCY_US_MAX: u64 = 60_000_000;
/// Significant decimal digits the histograms keep (0.1 % error).
pub const LATENCY_SIGNIFICANT_DIGITS: u8 = 3;

/// What one client step did: the operation's name and, when it failed, the error's kind and
/// text.
#[derive(Debug)]
pub struct Step {
    pub op: &'static str,
    pub outcome: Result<(), Failure>,
}

/// A failed operation: `kind` groups the report's error counts, `message` is kept as an example.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: String,
    pub message: String,
}

impl Step {
    pub fn ok(op: &'static str) -> Step {
        Step {
            op,
            outcome: Ok(()),
        }
    }

    pub fn failed(op: &'static str, kind: impl Into<String>, message: impl ToString) -> Step {
        Step {
            op,
            outcome: Err(Failure {
                kind: kind.into(),
                message: message.to_string(),
            }),
        }
    }
}

fn histogram() -> Histogram<u64> {
    // The bounds are constants within hdrhistogram's rules (low >= 1, high >= 2 * low,
    // 0..=5 digits); a failure here is a programming error caught by every test run.
    Histogram::new_with_bounds(1, LATENCY_US_MAX, LATENCY_SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid")
}

/// Errors of one kind: how many, and the first message seen.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCount {
    pub count: u64,
    pub example: String,
}

/// The measurements of one client, or of all once merged.
#[derive(Debug)]
pub struct Recorder {
    ops: BTreeMap<&'static str, Histogram<u64>>,
    errors: BTreeMap<String, ErrorCount>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            ops: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }

    /// Records a step that took `latency`: its latency if it succeeded, its error if not.
    pub fn record(&mut self, step: Step, latency: Duration) {
        match step.outcome {
            Ok(()) => {
                let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
                self.ops
                    .entry(step.op)
                    .or_insert_with(histogram)
                    .saturating_record(us.clamp(1, LATENCY_US_MAX));
            }
            Err(f) => {
                let e = self
                    .errors
                    .entry(format!("{}: {}", step.op, f.kind))
                    .or_insert(ErrorCount {
                        count: 0,
                        example: f.message,
                    });
                e.count += 1;
            }
        }
    }

    /// Adds `other`'s measurements to these.
    pub fn merge(&mut self, other: Recorder) {
        for (op, h) in other.ops {
            let mine = self.ops.entry(op).or_insert_with(histogram);
            // Same bounds on both sides: `add` cannot fail.
            let _ = mine.add(&h);
        }
        for (kind, e) in other.errors {
            self.errors
                .entry(kind)
                .and_modify(|m| m.count += e.count)
                .or_insert(e);
        }
    }

    /// The report of a run that lasted `elapsed`.
    pub fn report(&self, run: RunInfo, elapsed: Duration) -> Report {
        let secs = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
        let mut total = histogram();
        let mut ops = BTreeMap::new();
        for (op, h) in &self.ops {
            let _ = total.add(h);
            ops.insert(op.to_string(), Summary::of(h, secs));
        }
        Report {
            run,
            elapsed_s: elapsed.as_secs_f64(),
            total: Summary::of(&total, secs),
            ops,
            error_count: self.errors.values().map(|e| e.count).sum(),
            errors: self.errors.clone(),
        }
    }
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

/// Successful operations of one kind (or all): how many, how fast, how long each took.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub ops: u64,
    pub ops_per_s: f64,
    pub latency_us: Latency,
}

impl Summary {
    fn of(h: &Histogram<u64>, secs: f64) -> Summary {
        Summary {
            ops: h.len(),
            ops_per_s: h.len() as f64 / secs,
            latency_us: Latency {
                p50: h.value_at_quantile(0.50),
                p90: h.value_at_quantile(0.90),
                p99: h.value_at_quantile(0.99),
                p999: h.value_at_quantile(0.999),
                max: h.max(),
                mean: h.mean(),
            },
        }
    }
}

/// What was run, as the report states it.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// `tavern` or `etcd`.
    pub target: String,
    pub workload: String,
    pub clients: usize,
    pub duration_s: f64,
    pub value_bytes: usize,
    /// Characters (tavern) or keys (etcd) the workload spreads over.
    pub population: usize,
    pub endpoints: Vec<String>,
    /// Whether bench started the cluster itself (in a temporary folder).
    pub started_cluster: bool,
    /// How the workload maps to the target's calls.
    pub notes: Vec<String>,
}

/// The whole result of a run (the JSON of `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub run: RunInfo,
    /// The measured time (setup excluded).
    pub elapsed_s: f64,
    pub total: Summary,
    /// Per operation, by name.
    pub ops: BTreeMap<String, Summary>,
    pub error_count: u64,
    /// By "operation: kind".
    pub errors: BTreeMap<String, ErrorCount>,
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

impl Report {
    /// The report as JSON, one object.
    pub fn write_json(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// The report as a table for a reader.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        let r = &self.run;
        writeln!(
            out,
            "{} {}: {} clients, {:.1} s, {}-byte values, population {}{}",
            r.target,
            r.workload,
            r.clients,
            self.elapsed_s,
            r.value_bytes,
            r.population,
            if r.started_cluster {
                " (cluster started by bench)"
            } else {
                ""
            }
        )?;
        writeln!(out, "endpoints: {}", r.endpoints.join(", "))?;
        for n in &r.notes {
            writeln!(out, "note: {n}")?;
        }
        writeln!(
            out,
            "{:<26} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "operation", "ops", "ops/s", "p50 ms", "p90 ms", "p99 ms", "p999 ms", "max ms"
        )?;
        let row = |out: &mut dyn Write, name: &str, s: &Summary| {
            let l = &s.latency_us;
            writeln!(
                out,
                "{:<26} {:>9} {:>10.0} {:>8} {:>8} {:>8} {:>8} {:>8}",
                name,
                s.ops,
                s.ops_per_s,
                ms(l.p50),
                ms(l.p90),
                ms(l.p99),
                ms(l.p999),
                ms(l.max)
            )
        };
        for (op, s) in &self.ops {
            row(out, op, s)?;
        }
        if self.ops.len() > 1 {
            row(out, "all", &self.total)?;
        }
        if self.errors.is_empty() {
            writeln!(out, "errors: none")?;
        } else {
            writeln!(out, "errors: {}", self.error_count)?;
            for (kind, e) in &self.errors {
                writeln!(out, "  {kind}: {} (e.g. {})", e.count, e.example)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RunInfo {
        RunInfo {
            target: "tavern".into(),
            workload: "write".into(),
            clients: 1,
            duration_s: 1.0,
            value_bytes: 256,
            population: 1,
            endpoints: vec![],
            started_cluster: false,
            notes: vec![],
        }
    }

    #[test]
    fn merged_recorders_count_every_op_and_error_once() {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for ms in 1..=100 {
            a.record(Step::ok("put"), Duration::from_millis(ms));
        }
        b.record(Step::ok("put"), Duration::from_secs(2));
        b.record(
            Step::failed("put", "unavailable", "no leader"),
            Duration::ZERO,
        );
        b.record(Step::failed("put", "unavailable", "again"), Duration::ZERO);
        a.merge(b);
        let r = a.report(info(), Duration::from_secs(2));
        assert_eq!(r.total.ops, 101);
        assert!((r.total.ops_per_s - 50.5).abs() < 1e-9);
        let p50 = r.total.latency_us.p50 as f64;
        assert!((p50 - 51_000.0).abs() / 51_000.0 < 0.01, "p50 {p50}");
        assert!(r.total.latency_us.max >= 1_999_000);
        assert_eq!(r.error_count, 2);
        assert_eq!(r.errors["put: unavailable"].example, "no leader");
        let mut text = Vec::new();
        r.write_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("put: unavailable: 2"), "{text}");
    }
}
