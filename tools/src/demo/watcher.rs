//! A gateway's event stream in the demo: `Client::watch` filtered on the gateway, read by a
//! task into a queue the story drains when it expects an event. The task also checks that the
//! stream's log indexes only go up: across the leader's kill the client moves to another node
//! and resumes from the last index + 1, so no event may come twice or out of order.

use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _};
use tavern_gateway::tokio_stream::StreamExt as _;
use tavern_gateway::Client;
use tavern_statemachine::event::EventFilter;
use tavern_statemachine::Event;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::CALL_DEADLINE;

/// Events queued between the watch task and the story.
const QUEUE_EVENTS: usize = 4096;

/// One gateway's stream of events (those that name the gateway).
pub struct Watcher {
    pub gateway: String,
    rx: mpsc::Receiver<(u64, Event)>,
    /// What ended the stream, or a broken order.
    trouble: Arc<Mutex<Option<String>>>,
    /// Events delivered, and the last index, as the task saw them.
    stats: Arc<Mutex<(u64, u64)>>,
    task: JoinHandle<()>,
}

impl Watcher {
    /// Watches the events naming `gateway` from log index `from` on.
    pub fn start(client: &Client, gateway: &str, from: u64) -> Watcher {
        let filter = EventFilter {
            gateways: vec![gateway.to_string()],
            ..EventFilter::default()
        };
        let mut stream = client.watch(from, filter);
        let (tx, rx) = mpsc::channel(QUEUE_EVENTS);
        let trouble = Arc::new(Mutex::new(None));
        let stats = Arc::new(Mutex::new((0, 0)));
        let (trouble_in, stats_in) = (trouble.clone(), stats.clone());
        let task = tokio::spawn(async move {
            let mut last = 0u64;
            while let Some(batch) = stream.next().await {
                let batch = match batch {
                    Ok(b) => b,
                    Err(e) => {
                        *lock(&trouble_in) = Some(format!("the stream ended: {e}"));
                        return;
                    }
                };
                if batch.events.is_empty() {
                    continue; // progress
                }
                if batch.index <= last {
                    *lock(&trouble_in) = Some(format!(
                        "index {} came after index {last}: an event twice or out of order",
                        batch.index
                    ));
                    return;
                }
                last = batch.index;
                for e in batch.events {
                    {
                        let mut s = lock(&stats_in);
                        s.0 += 1;
                        s.1 = last;
                    }
                    if tx.send((last, e)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Watcher {
            gateway: gateway.to_string(),
            rx,
            trouble,
            stats,
            task,
        }
    }

    /// Waits for the next event `matches` accepts (skipping others), at most `CALL_DEADLINE`.
    pub async fn expect(
        &mut self,
        what: &str,
        matches: impl Fn(&Event) -> bool,
    ) -> anyhow::Result<(u64, Event)> {
        let found = tokio::time::timeout(CALL_DEADLINE, async {
            while let Some((index, e)) = self.rx.recv().await {
                if matches(&e) {
                    return Some((index, e));
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(hit)) => Ok(hit),
            Ok(None) | Err(_) => {
                let why = lock(&self.trouble)
                    .clone()
                    .unwrap_or_else(|| "no such event".into());
                bail!("{} never received {what}: {why}", self.gateway)
            }
        }
    }

    /// Events delivered and the last index, or what went wrong with the stream.
    pub fn summary(&self) -> anyhow::Result<(u64, u64)> {
        if let Some(why) = lock(&self.trouble).clone() {
            return Err(anyhow::anyhow!(why)).with_context(|| format!("{}'s stream", self.gateway));
        }
        Ok(*lock(&self.stats))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
