//! The load generator, the same for every target and workload: one task per client, each
//! running its [`Worker`]'s steps back to back (closed loop: a client waits for its answer
//! before it sends the next) until the duration is over, timing each step.
//!
//! ```text
//!  run(workers, duration) ─▶ JoinSet: task per worker ── loop { t0; step().await; record(now - t0) }
//!                          └▶ progress bar task (ticks every PROGRESS_TICK_MS, reads the op counter)
//!  deadline reached ─▶ every task ends after its step in flight ─▶ recorders merged
//! ```
//! The tasks and the progress bar are owned by `run`, which joins them before it returns.

use std::future::Future;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::report::{Recorder, Step};

/// How often the progress bar is redrawn.
pub const PROGRESS_TICK_MS: u64 = 200;

/// One client's workload: what it does next, and how that went.
pub trait Worker: Send + 'static {
    fn step(&mut self) -> impl Future<Output = Step> + Send;
}

/// What a run measured, and how long it really lasted.
#[derive(Debug)]
pub struct Measured {
    pub recorder: Recorder,
    pub elapsed: Duration,
}

/// Runs every worker for `duration`, with a progress bar on stderr while stdout is a terminal.
pub async fn run<W: Worker>(workers: Vec<W>, duration: Duration, label: &str) -> Measured {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = JoinSet::new();
    for mut w in workers {
        let done = done.clone();
        tasks.spawn(async move {
            let mut rec = Recorder::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let step = w.step().await;
                rec.record(step, t0.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            rec
        });
    }
    let bar = progress_bar(duration, label);
    let ticker = {
        let bar = bar.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(PROGRESS_TICK_MS));
            loop {
                tick.tick().await;
                let now = Instant::now();
                let elapsed = now.saturating_duration_since(started);
                let ops = done.load(Ordering::Relaxed);
                bar.set_position(elapsed.as_millis().min(duration.as_millis()) as u64);
                bar.set_message(format!(
                    "{ops} ops, {:.0} ops/s",
                    ops as f64 / elapsed.as_secs_f64().max(0.001)
                ));
                if now >= deadline {
                    break;
                }
            }
        })
    };
    let mut recorder = Recorder::new();
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(rec) => recorder.merge(rec),
            Err(e) => recorder.record(
                Step::failed("client", "panicked", e.to_string()),
                Duration::ZERO,
            ),
        }
    }
    let elapsed = started.elapsed();
    ticker.abort();
    let _ = ticker.await;
    bar.finish_and_clear();
    Measured { recorder, elapsed }
}

/// A bar over the run's duration (in ms), hidden when stdout is not a terminal (a report
/// piped to a file or `jq` gets no bar on the terminal either).
fn progress_bar(duration: Duration, label: &str) -> ProgressBar {
    let target = if std::io::stdout().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(duration.as_millis() as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {elapsed} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label.to_string());
    bar
}
