//! `WatchService`: the events of applied entries, from an index on, then live (DESIGN.md
//! "Events"). Served by every node, leader or follower, from its own applied state.
//!
//! ```text
//!  Watch(from, filter) ─▶ permit (watch_streams_max, else RESOURCE_EXHAUSTED)
//!     1. subscribe to the live broadcast          (before reading history: nothing falls between)
//!     2. catch up: pages of the event window from `next`; the window starts after `next`?
//!        ─▶ COMPACTED { first_index }
//!     3. live: broadcast entries, skipping those below `next` (already sent from history);
//!        each second a progress reply (the applied index, no events); this task lagged
//!        behind the broadcast ─▶ catch up from the window again, then go on
//!  `next` is the first index not yet looked at: every reply moves it past the reply's index.
//! ```
//! No gap: an entry's events go to the broadcast after they are written to the window, so an
//! entry applied before the subscription is in the window, and one applied after it is in the
//! broadcast (both, if it was applied in between: `next` drops the second copy). The applied
//! index is published after the broadcast, so a progress reply at index `a` is sent only after
//! draining the broadcast queue of everything up to `a`.
//!
//! Bounded: one watcher holds at most `watch_buffer_replies` replies (a queue with one spare
//! slot, kept for the error), and the broadcast keeps at most `EVENTS_CHANNEL_CAPACITY`
//! entries for all watchers (a task that falls further behind reads the window instead). A
//! reply waits up to `WATCH_SEND_WAIT_MS` for room in the queue (a burst drains into the
//! transport meanwhile); a client that leaves its queue full for longer is cut off with
//! `ABORTED`/`WATCH_LAGGED`, and resumes from the last index it received + 1. A snapshot installed under a live watcher
//! leaves a gap: it is cut off with `COMPACTED`.
//!
//! Each stream is a task owned by its response stream: it ends when the client goes away (the
//! queue's receiver is dropped), on an error, or when the node stops ([`EventSource::stopping`]).
//! [`WatchStats`] counts them (open now, opened, refused, cut off and why) for status,
//! `/metrics` and the status page.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tavern_proto::convert::{EventBatch, WatchCounts, WatchRequest};
use tavern_proto::pb;
use tavern_proto::pb::watch_service_server::{WatchService, WatchServiceServer};
use tavern_proto::status::status_from_node_error;
use tavern_statemachine::event::EventFilter;
use tokio::sync::{broadcast, mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::ServiceLimits;
use crate::api::NodeError;
use crate::config::WatchPolicy;
use crate::store::{AppliedEvents, EventsPage};

/// How often a live watcher gets a progress reply (when the applied index moved).
pub const WATCH_PROGRESS_INTERVAL_MS: u64 = 1_000;
/// How long a reply may wait for room in a watcher's queue before the watcher is cut off.
pub const WATCH_SEND_WAIT_MS: u64 = 1_000;
/// Stored entries read from the window per step of the history.
pub const WATCH_HISTORY_PAGE_ENTRIES: usize = crate::store::events::EVENTS_PAGE_ENTRIES_MAX;

/// What the watch service needs from a node: its event window, the live events, and when it
/// stops.
pub trait EventSource: Send + Sync + 'static {
    /// The events of every entry applied from now on.
    fn subscribe_events(&self) -> broadcast::Receiver<AppliedEvents>;
    /// The applied index (`None`: nothing applied yet).
    fn applied_index(&self) -> watch::Receiver<Option<u64>>;
    /// The window's first index as set by the last snapshot install (0: none).
    fn events_reset(&self) -> watch::Receiver<u64>;
    /// Up to `max` stored entries from `from` on, with the window's first index, from one
    /// consistent read. Blocking.
    fn events_page(&self, from: u64, max: usize) -> Result<EventsPage, String>;
    /// Turns `true` (or closes) when the node stops: watch streams end then.
    fn stopping(&self) -> watch::Receiver<bool>;
    /// Where the service counts its streams (the node's, so status and `/metrics` read it).
    fn watch_stats(&self) -> Arc<WatchStats>;
}

/// The watch streams of one node: open now, and counts since the process started.
#[derive(Debug, Default)]
pub struct WatchStats {
    open: AtomicU64,
    opened: AtomicU64,
    refused: AtomicU64,
    lagged: AtomicU64,
    compacted: AtomicU64,
}

impl WatchStats {
    /// The figures now.
    pub fn counts(&self) -> WatchCounts {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        WatchCounts {
            open: get(&self.open),
            opened: get(&self.opened),
            refused: get(&self.refused),
            cut_off_lagged: get(&self.lagged),
            cut_off_compacted: get(&self.compacted),
        }
    }

    /// Counts a stream opened; it stays counted as open until the guard drops.
    fn open(self: &Arc<Self>) -> OpenStream {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.opened.fetch_add(1, Ordering::Relaxed);
        OpenStream(self.clone())
    }

    /// Counts how a stream ended, when it ended with an error for the client.
    fn ended_with(&self, e: &NodeError) {
        match e {
            NodeError::WatchLagged { .. } => self.lagged.fetch_add(1, Ordering::Relaxed),
            NodeError::Compacted { .. } => self.compacted.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

/// One open stream in [`WatchStats`]: the count goes down when it drops.
struct OpenStream(Arc<WatchStats>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The gRPC service over an [`EventSource`].
pub(crate) struct WatchSvc<N> {
    node: Arc<N>,
    policy: WatchPolicy,
    streams: Arc<Semaphore>,
}

impl<N: EventSource> WatchSvc<N> {
    pub(crate) fn server(node: Arc<N>, limits: ServiceLimits) -> WatchServiceServer<Self> {
        WatchServiceServer::new(WatchSvc {
            node,
            policy: limits.watch,
            streams: Arc::new(Semaphore::new(limits.watch.streams_max)),
        })
        .max_decoding_message_size(limits.request_bytes_max)
    }
}

#[tonic::async_trait]
impl<N: EventSource> WatchService for WatchSvc<N> {
    type WatchStream = ReceiverStream<Result<pb::WatchReply, Status>>;

    async fn watch(
        &self,
        request: Request<pb::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let request = WatchRequest::try_from(request.into_inner())?;
        let stats = self.node.watch_stats();
        let permit = self.streams.clone().try_acquire_owned().map_err(|_| {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            status_from_node_error(&NodeError::TooManyWatches {
                max: self.policy.streams_max as u64,
            })
        })?;
        let open = stats.open();
        // One spare slot, kept for the error that ends a stream (see `Outbox`).
        let (tx, rx) = mpsc::channel(self.policy.buffer_replies + 1);
        let node = self.node.clone();
        tokio::spawn(run(node, request, tx, (permit, open)));
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// One watcher's stream, to its end; the permit is released (and the stream counted as
/// closed) when it returns.
async fn run<N: EventSource>(
    node: Arc<N>,
    request: WatchRequest,
    tx: mpsc::Sender<Result<pb::WatchReply, Status>>,
    held: (OwnedSemaphorePermit, OpenStream),
) {
    let mut out = Outbox {
        tx,
        next: request.from_index,
    };
    let end = watch_events(&node, &request.filter, &mut out).await;
    match end {
        Ok(()) => {}
        Err(e) => {
            tracing::debug!(error = %e, next = out.next, "watch stream ends");
            held.1 .0.ended_with(&e);
            // The spare slot is free: every reply left it.
            let _ = out.tx.try_send(Err(status_from_node_error(&e)));
        }
    }
}

/// The watcher's queue and the first index not yet looked at.
struct Outbox {
    tx: mpsc::Sender<Result<pb::WatchReply, Status>>,
    next: u64,
}

/// Why sending stopped without an error for the client.
enum Stop {
    /// The client went away.
    Gone,
}

impl Outbox {
    /// Sends the events of `entry` that pass `filter` (nothing when none does) and moves past
    /// it. Skips an entry already sent.
    async fn entry(&mut self, filter: &EventFilter, entry: AppliedEvents) -> Result<(), Outcome> {
        if entry.index < self.next {
            return Ok(());
        }
        let events: Vec<_> = entry
            .events
            .into_iter()
            .filter(|e| filter.matches(e))
            .collect();
        if !events.is_empty() {
            self.send(EventBatch {
                index: entry.index,
                events,
            })
            .await?;
        }
        self.next = entry.index + 1;
        Ok(())
    }

    /// A progress reply at `applied` if it moves the watcher on; skipped (not an error) when
    /// the queue is full.
    fn progress(&mut self, applied: u64) -> Result<(), Outcome> {
        if applied < self.next {
            return Ok(());
        }
        // Keep the spare slot for the error.
        if self.tx.capacity() <= 1 {
            return Ok(());
        }
        let progress = EventBatch {
            index: applied,
            events: Vec::new(),
        };
        match self.tx.try_send(Ok(progress.into())) {
            Ok(()) => {
                self.next = applied + 1;
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Outcome::Stop(Stop::Gone)),
            Err(mpsc::error::TrySendError::Full(_)) => Ok(()),
        }
    }

    /// Queues `batch`, waiting at most [`WATCH_SEND_WAIT_MS`] for room (a burst drains into
    /// the transport meanwhile); a watcher whose queue stays full that long is cut off.
    async fn send(&mut self, batch: EventBatch) -> Result<(), Outcome> {
        // Two slots: one for the reply, one kept spare for the error.
        let room = tokio::time::timeout(
            Duration::from_millis(WATCH_SEND_WAIT_MS),
            self.tx.reserve_many(2),
        )
        .await;
        match room {
            Err(_) => Err(Outcome::Error(NodeError::WatchLagged {
                resume_index: self.next,
            })),
            Ok(Err(_)) => Err(Outcome::Stop(Stop::Gone)),
            Ok(Ok(mut permits)) => match permits.next() {
                Some(permit) => {
                    permit.send(Ok(batch.into()));
                    Ok(())
                }
                None => Err(Outcome::Stop(Stop::Gone)),
            },
        }
    }

    /// Refuses to go on past a gap a snapshot install left.
    fn check_reset(&self, reset: u64) -> Result<(), Outcome> {
        if reset > self.next {
            return Err(Outcome::Error(NodeError::Compacted { first_index: reset }));
        }
        Ok(())
    }
}

/// How a step of the stream ended it.
enum Outcome {
    Stop(Stop),
    Error(NodeError),
}

async fn watch_events<N: EventSource>(
    node: &Arc<N>,
    filter: &EventFilter,
    out: &mut Outbox,
) -> Result<(), NodeError> {
    match stream(node, filter, out).await {
        Ok(()) | Err(Outcome::Stop(Stop::Gone)) => Ok(()),
        Err(Outcome::Error(e)) => Err(e),
    }
}

async fn stream<N: EventSource>(
    node: &Arc<N>,
    filter: &EventFilter,
    out: &mut Outbox,
) -> Result<(), Outcome> {
    // Subscribe first, then read the history (see the module header).
    let mut live = node.subscribe_events();
    let reset = node.events_reset();
    let applied = node.applied_index();
    let mut stopping = node.stopping();

    catch_up(node, filter, out).await?;

    // Live.
    let mut tick = tokio::time::interval(Duration::from_millis(WATCH_PROGRESS_INTERVAL_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = out.tx.closed() => return Err(Outcome::Stop(Stop::Gone)),
            changed = stopping.changed() => {
                if changed.is_err() || *stopping.borrow() {
                    return Err(Outcome::Error(NodeError::Unavailable(
                        "the node is stopping; watch another node from the last index received + 1".into(),
                    )));
                }
            }
            received = live.recv() => match received {
                Ok(entry) => {
                    out.check_reset(*reset.borrow())?;
                    out.entry(filter, entry).await?;
                }
                // This task fell behind the broadcast (not necessarily the client): the
                // window on disk has what it missed.
                Err(broadcast::error::RecvError::Lagged(_)) => catch_up(node, filter, out).await?,
                Err(broadcast::error::RecvError::Closed) => return Err(closed()),
            },
            _ = tick.tick() => {
                // The applied index first, then everything the broadcast holds up to it.
                let at = *applied.borrow();
                loop {
                    match live.try_recv() {
                        Ok(entry) => {
                            out.check_reset(*reset.borrow())?;
                            out.entry(filter, entry).await?;
                        }
                        Err(broadcast::error::TryRecvError::Empty) => break,
                        Err(broadcast::error::TryRecvError::Lagged(_)) => {
                            catch_up(node, filter, out).await?;
                        }
                        Err(broadcast::error::TryRecvError::Closed) => return Err(closed()),
                    }
                }
                out.check_reset(*reset.borrow())?;
                if let Some(at) = at {
                    out.progress(at)?;
                }
            }
        }
    }
}

fn closed() -> Outcome {
    Outcome::Error(NodeError::Unavailable(
        "the node's event feed closed".into(),
    ))
}

/// Sends what the window holds from `out.next` on, page by page, each page from one
/// consistent read; fails with `COMPACTED` when the window starts after `out.next`.
async fn catch_up<N: EventSource>(
    node: &Arc<N>,
    filter: &EventFilter,
    out: &mut Outbox,
) -> Result<(), Outcome> {
    loop {
        let page = read_page(node, out.next).await?;
        if page.first_index > out.next {
            return Err(Outcome::Error(NodeError::Compacted {
                first_index: page.first_index,
            }));
        }
        if page.entries.is_empty() {
            return Ok(());
        }
        for entry in page.entries {
            out.entry(filter, entry).await?;
        }
    }
}

async fn read_page<N: EventSource>(node: &Arc<N>, from: u64) -> Result<EventsPage, Outcome> {
    // RocksDB reads block: off the async workers (a page is bounded).
    let n = node.clone();
    let page = tokio::task::spawn_blocking(move || n.events_page(from, WATCH_HISTORY_PAGE_ENTRIES))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    page.map_err(|e| {
        Outcome::Error(NodeError::Unavailable(format!(
            "reading the event window: {e}"
        )))
    })
}
