//! [`Client::watch`]: the cluster's events as a stream that survives node and leader changes.
//!
//! ```text
//!  watch(from, filter) ─▶ task: node = endpoints[i] (any node; a follower serves it as well)
//!      WatchService.Watch(next, filter) ──replies──▶ queue ──▶ the caller's stream
//!      each reply: next = index + 1
//!      stream ends, node stops, lagged, transport lost ─▶ i + 1, backoff, Watch(next, ...)
//!      COMPACTED ─▶ Error::Compacted { first_index } to the caller, end
//! ```
//! Every node streams the same events for the same index (they come from the same log), so
//! reconnecting anywhere from the last index seen + 1 loses nothing and repeats nothing. A reply
//! whose index is below that is a broken promise of the node: the stream ends with
//! [`Error::Protocol`] rather than hiding it.
//!
//! The task is owned by the stream: dropping the stream ends it (it notices the closed queue).

use std::pin::Pin;
use std::task::{Context, Poll};

use tavern_proto::pb::watch_service_client::WatchServiceClient;
use tavern_proto::status::{error_from_status, node_error_from_status};
use tavern_proto::{pb, EventBatch, NodeError, WatchRequest};
use tavern_statemachine::event::EventFilter;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::{Client, Error};

/// Batches queued between the watch task and the caller; the task waits when it is full (the
/// node then cuts the stream off if the caller stays behind, and the task resumes).
pub const WATCH_QUEUE_BATCHES: usize = 256;

/// The stream [`Client::watch`] returns: [`EventBatch`]es in log order, each an entry's events
/// that passed the filter, or progress (no events: every entry up to `index` was looked at).
/// It ends after an error item.
///
/// ```no_run
/// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
/// use tavern_gateway::tokio_stream::StreamExt;
/// let mut events = client.watch(0, Default::default());
/// while let Some(batch) = events.next().await {
///     let batch = batch?;
///     println!("{}: {} events", batch.index, batch.events.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WatchStream {
    inner: ReceiverStream<Result<EventBatch, Error>>,
}

impl tokio_stream::Stream for WatchStream {
    type Item = Result<EventBatch, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

impl Client {
    /// The events of every entry from log index `from_index` on that pass `filter`, then live,
    /// from any node; it moves to another node by itself when one stops or falls behind, from
    /// the last index seen + 1, so no event is lost or repeated. The events before a node's
    /// window end the stream with [`Error::Compacted`]; no node reachable within the retries
    /// with [`Error::Unavailable`].
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::tokio_stream::StreamExt;
    /// use tavern_statemachine::event::EventFilter;
    /// let filter = EventFilter { kinds: vec!["presence.online".into()], ..EventFilter::default() };
    /// let mut events = client.watch(1, filter);
    /// if let Some(batch) = events.next().await {
    ///     for event in batch?.events {
    ///         println!("{}", event.kind());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, from_index: u64, filter: EventFilter) -> WatchStream {
        let (tx, rx) = mpsc::channel(WATCH_QUEUE_BATCHES);
        tokio::spawn(drive(self.clone(), from_index, filter, tx));
        WatchStream {
            inner: ReceiverStream::new(rx),
        }
    }
}

/// What ended one connection to one node.
enum Next {
    /// The caller dropped the stream.
    Done,
    /// Move on: to another node after a backoff (or the same, when it only cut us off).
    Reconnect { reason: String, backoff: bool },
    /// End the stream with this error.
    Fail(Error),
}

/// The watch task: one connection after another until the caller goes away or an error ends
/// it.
async fn drive(
    client: Client,
    mut next: u64,
    filter: EventFilter,
    tx: mpsc::Sender<Result<EventBatch, Error>>,
) {
    let retries_max = client.options().retries_max;
    let mut node = 0usize;
    let mut failures = 0u32;
    loop {
        let (target, channel) = match client.endpoint_at(node) {
            Ok(t) => t,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let request = pb::WatchRequest::from(WatchRequest {
            from_index: next,
            filter: filter.clone(),
        });
        let before = next;
        let outcome = tokio::select! {
            _ = tx.closed() => Next::Done,
            n = connection(WatchServiceClient::new(channel), request, &mut next, &tx) => n,
        };
        match outcome {
            Next::Done => return,
            Next::Fail(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
            Next::Reconnect { reason, backoff } => {
                tracing::debug!(node = %target, %reason, next, "watch reconnects");
                if next > before {
                    failures = 0;
                }
                failures += 1;
                if failures > retries_max {
                    let _ = tx
                        .send(Err(Error::Unavailable {
                            reason,
                            attempts: failures,
                        }))
                        .await;
                    return;
                }
                if backoff {
                    node = node.wrapping_add(1);
                    tokio::time::sleep(client.backoff_pause(failures - 1)).await;
                }
            }
        }
    }
}

/// One `Watch` call on one node, until it ends.
async fn connection(
    mut grpc: WatchServiceClient<crate::security::Transport>,
    request: pb::WatchRequest,
    next: &mut u64,
    tx: &mpsc::Sender<Result<EventBatch, Error>>,
) -> Next {
    let mut replies = match grpc.watch(request).await {
        Ok(r) => r.into_inner(),
        Err(status) => return classify(&status),
    };
    loop {
        let reply = match replies.message().await {
            Ok(Some(reply)) => reply,
            Ok(None) => {
                return Next::Reconnect {
                    reason: "the node ended the stream".into(),
                    backoff: true,
                }
            }
            Err(status) => return classify(&status),
        };
        let batch = match EventBatch::try_from(reply) {
            Ok(b) => b,
            Err(e) => return Next::Fail(Error::Protocol(format!("a watch reply: {e}"))),
        };
        if batch.index < *next {
            return Next::Fail(Error::Protocol(format!(
                "the node sent index {} again; this stream is past {}",
                batch.index,
                *next - 1
            )));
        }
        *next = batch.index + 1;
        if tx.send(Ok(batch)).await.is_err() {
            return Next::Done;
        }
    }
}

/// What a failed watch call means.
fn classify(status: &Status) -> Next {
    if let Some(e) = node_error_from_status(status) {
        return match e {
            NodeError::Compacted { first_index } => Next::Fail(Error::Compacted { first_index }),
            // Cut off for falling behind: resume at once, from the window.
            NodeError::WatchLagged { .. } => Next::Reconnect {
                reason: e.to_string(),
                backoff: false,
            },
            other => Next::Reconnect {
                reason: other.to_string(),
                backoff: true,
            },
        };
    }
    if let Some(tavern_statemachine::Error::InvalidArgument { field, reason }) =
        error_from_status(status)
    {
        return Next::Fail(Error::InvalidArgument { field, reason });
    }
    match status.code() {
        tonic::Code::InvalidArgument => Next::Fail(Error::InvalidArgument {
            field: "watch".into(),
            reason: status.message().to_string(),
        }),
        tonic::Code::Unimplemented => Next::Fail(Error::Protocol(format!(
            "the node does not serve WatchService: {}",
            status.message()
        ))),
        // Transport lost, node down, shutting down: another node.
        _ => Next::Reconnect {
            reason: format!("{:?}: {}", status.code(), status.message()),
            backoff: true,
        },
    }
}
