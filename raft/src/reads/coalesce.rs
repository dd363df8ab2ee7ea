//! [`Coalescer`]: many callers, one round. A caller that arrives while a round is in flight
//! waits for the next round, which starts once the current one ended and serves everyone who
//! queued meanwhile. So a round always starts after every caller it serves arrived: for reads,
//! a read index obtained by that round is valid for all of them.
//!
//! ```text
//!  callers ──▶ queue (≤ COALESCE_QUEUE_MAX) ──▶ task: take the first, drain the rest,
//!                                                     run one round, answer them all, repeat
//! ```
//! The task is owned by the `Coalescer`: [`Coalescer::stop`] or dropping it ends it, and the
//! callers still waiting get `None`.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Callers that may wait for the next round at once (each holds a queue slot until its round
/// starts); more wait for a slot.
pub const COALESCE_QUEUE_MAX: usize = 16 * 1024;

/// Runs `round` once for every batch of callers that queued while the previous one ran.
#[derive(Debug)]
pub struct Coalescer<T> {
    queue: mpsc::Sender<oneshot::Sender<T>>,
    rounds: Arc<AtomicU64>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl<T: Clone + Send + 'static> Coalescer<T> {
    /// Spawns the task that runs `round` (on the current tokio runtime).
    pub fn spawn<F, Fut>(mut round: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send,
    {
        let (queue, mut rx) = mpsc::channel::<oneshot::Sender<T>>(COALESCE_QUEUE_MAX);
        let rounds = Arc::new(AtomicU64::new(0));
        let counted = rounds.clone();
        let task = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut waiting = vec![first];
                while let Ok(next) = rx.try_recv() {
                    waiting.push(next);
                }
                // Callers that gave up (their deadline passed) need no round.
                waiting.retain(|w| !w.is_closed());
                if waiting.is_empty() {
                    continue;
                }
                counted.fetch_add(1, Ordering::Relaxed);
                let outcome = round().await;
                for w in waiting {
                    let _ = w.send(outcome.clone());
                }
            }
        });
        Coalescer {
            queue,
            rounds,
            task: Mutex::new(Some(task)),
        }
    }

    /// The outcome of the next round to start; `None` if the coalescer stopped.
    pub async fn next_round(&self) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.queue.send(tx).await.ok()?;
        rx.await.ok()
    }

    /// Rounds run so far.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::Relaxed)
    }

    /// Ends the task; callers waiting get `None`.
    pub fn stop(&self) {
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
        }
    }
}

impl<T> Drop for Coalescer<T> {
    fn drop(&mut self) {
        let task = self
            .task
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn callers_arriving_during_a_round_share_the_next_one() {
        // Each round takes a while and answers its own number.
        let started = Arc::new(AtomicU64::new(0));
        let s = started.clone();
        let coalescer = Arc::new(Coalescer::spawn(move || {
            let n = s.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                n
            }
        }));
        let callers: Vec<_> = (0..200)
            .map(|_| {
                let c = coalescer.clone();
                tokio::spawn(async move { c.next_round().await })
            })
            .collect();
        let mut answers = Vec::new();
        for c in callers {
            answers.push(c.await.unwrap().unwrap());
        }
        assert_eq!(answers.len(), 200);
        assert!(
            coalescer.rounds() <= 3,
            "200 callers at once took {} rounds",
            coalescer.rounds()
        );
        assert_eq!(coalescer.rounds(), started.load(Ordering::SeqCst));

        // A caller after the rounds above gets a round of its own, started after it asked.
        let later = coalescer.next_round().await.unwrap();
        assert!(answers.iter().all(|a| *a < later));
    }

    #[tokio::test]
    async fn a_stopped_coalescer_answers_none() {
        let coalescer = Coalescer::spawn(|| async { 1u64 });
        assert_eq!(coalescer.next_round().await, Some(1));
        coalescer.stop();
        assert_eq!(coalescer.next_round().await, None);
    }
}
