//! [`TestNode`]: a [`Node`] over the bare state machine, for tests of the layers above the node
//! (the gRPC services, the client library) without Raft or RocksDB.
//!
//! It applies each write at once to a [`MemView`] under a mutex, stamping entries with a manual
//! clock; the applied index counts the entries, as a one-node log would. It can also be told
//! to refuse every call with a given [`NodeError`], so a test can see how each refusal reaches
//! a client. Nothing here waits: a read at a level it cannot serve is refused, not delayed.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tavern_proto::convert::{NodeRole, NodeStatus, StateDigest};
use tavern_proto::ReadLevel;
use tavern_statemachine::{apply, query, Command, Entry, MemView, Query, RequestId};

use crate::api::{Node, NodeError, Served, Written};
use crate::node::{MembershipError, MembershipView};
use crate::service::{Admin, EventSource};
use crate::store::digest::Hasher;
use crate::store::{AppliedEvents, EventsPage};

/// The node id and cluster id `TestNode` reports in its status.
pub const TEST_NODE_ID: u64 = 1;
pub const TEST_CLUSTER_ID: &str = "test";

/// Entries with events `TestNode` keeps for watchers (its event window).
pub const TEST_EVENTS_KEPT_MAX: usize = 10_000;

/// A one-node, in-memory, synchronous [`Node`].
#[derive(Debug)]
pub struct TestNode {
    // A std mutex: never held across an `.await` (nothing in here awaits).
    state: Mutex<State>,
    events: tokio::sync::broadcast::Sender<AppliedEvents>,
    applied: tokio::sync::watch::Sender<Option<u64>>,
    /// Never changes: a test node has no snapshots and does not stop.
    reset: tokio::sync::watch::Sender<u64>,
    stopping: tokio::sync::watch::Sender<bool>,
    watch_stats: std::sync::Arc<crate::service::WatchStats>,
}

#[derive(Debug)]
struct State {
    view: MemView,
    now_ms: u64,
    applied_index: u64,
    /// Set by a fatal apply error: the node serves nothing more.
    halted: Option<String>,
    /// Set by [`TestNode::refuse`].
    refusal: Option<NodeError>,
    /// The event window: the last [`TEST_EVENTS_KEPT_MAX`] entries with events, and the first
    /// index it covers.
    window: VecDeque<AppliedEvents>,
    window_from: u64,
}

impl TestNode {
    /// An empty state whose clock reads `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        TestNode {
            state: Mutex::new(State {
                view: MemView::new(),
                now_ms,
                applied_index: 0,
                halted: None,
                refusal: None,
                window: VecDeque::new(),
                window_from: 0,
            }),
            events: tokio::sync::broadcast::channel(crate::store::EVENTS_CHANNEL_CAPACITY).0,
            applied: tokio::sync::watch::channel(None).0,
            reset: tokio::sync::watch::channel(0).0,
            stopping: tokio::sync::watch::channel(false).0,
            watch_stats: std::sync::Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent state: every change is one
        // assignment after apply returned.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.lock().now_ms += ms;
    }

    /// The index of the last applied entry (0 before the first).
    pub fn applied_index(&self) -> u64 {
        self.lock().applied_index
    }

    /// The state's digest ([`MemView::digest`]).
    pub fn digest(&self) -> u64 {
        self.lock().view.digest()
    }

    /// Refuses every call with `refusal` until called again with `None`.
    pub fn refuse(&self, refusal: Option<NodeError>) {
        self.lock().refusal = refusal;
    }

    fn check_serving(state: &State) -> Result<(), NodeError> {
        if let Some(refusal) = &state.refusal {
            return Err(refusal.clone());
        }
        if let Some(reason) = &state.halted {
            return Err(NodeError::Halted(reason.clone()));
        }
        Ok(())
    }
}

impl Node for TestNode {
    async fn write(
        &self,
        command: Command,
        request: Option<RequestId>,
    ) -> Result<Written, NodeError> {
        let mut state = self.lock();
        Self::check_serving(&state)?;
        let mut entry = Entry::new(state.now_ms, command);
        if let Some(request) = request {
            entry = entry.with_request(request);
        }
        match apply(&state.view, &entry) {
            Ok(applied) => {
                state.view.write(&applied.mutations);
                state.applied_index += 1;
                let index = state.applied_index;
                if !applied.events.is_empty() {
                    let entry = AppliedEvents {
                        index,
                        events: applied.events,
                    };
                    state.window.push_back(entry.clone());
                    if state.window.len() > TEST_EVENTS_KEPT_MAX {
                        if let Some(gone) = state.window.pop_front() {
                            state.window_from = gone.index + 1;
                        }
                    }
                    // Under the lock, so the broadcast and the window agree on the order.
                    let _ = self.events.send(entry);
                }
                self.applied.send_replace(Some(index));
                Ok(Written {
                    response: applied.response,
                    applied_index: state.applied_index,
                })
            }
            Err(fatal) => {
                state.halted = Some(fatal.to_string());
                Err(NodeError::Halted(fatal.to_string()))
            }
        }
    }

    async fn read(&self, q: Query, level: ReadLevel) -> Result<Served, NodeError> {
        let state = self.lock();
        Self::check_serving(&state)?;
        // One node is its own leader and its data is never stale; only an index it has not
        // reached cannot be served, and nothing will ever bring it.
        if let ReadLevel::AtLeast { index } = level {
            if index > state.applied_index {
                return Err(NodeError::Unavailable(format!(
                    "index {index} is not applied; this node applied {}",
                    state.applied_index
                )));
            }
        }
        Ok(Served {
            response: query(&state.view, state.now_ms, &q),
            applied_index: state.applied_index,
        })
    }
}

/// What a `TestNode` answers every membership change: it has no Raft group to change.
fn no_membership() -> MembershipError {
    MembershipError::Refused("a TestNode has no Raft group to change".into())
}

/// A one-node cluster that is always its own leader, with no addresses and no membership; the
/// digest is the real one (`store::digest`'s encoding) over the in-memory state.
impl Admin for TestNode {
    async fn status(&self) -> Result<NodeStatus, NodeError> {
        let state = self.lock();
        let index = (state.applied_index > 0).then_some(state.applied_index);
        Ok(NodeStatus {
            node_id: TEST_NODE_ID,
            cluster_id: TEST_CLUSTER_ID.into(),
            role: NodeRole::Leader,
            current_term: 1,
            leader_id: Some(TEST_NODE_ID),
            leader_addr: None,
            last_log_index: index,
            committed_index: index,
            applied_index: index,
            applied_index_at_start: None,
            snapshot_index: None,
            purged_index: None,
            voters: Vec::new(),
            learners: Vec::new(),
            followers: Vec::new(),
            halted: state.halted.clone(),
            alarms: Vec::new(),
            state_bytes: state.view.bytes(),
            disk_free_bytes: None,
            tables: crate::store::table_sizes::sizes(&state.view.table_counts()),
            watch: self.watch_stats.counts(),
        })
    }

    async fn state_digest(&self) -> Result<StateDigest, NodeError> {
        let state = self.lock();
        Self::check_serving(&state)?;
        let mut hasher = Hasher::default();
        for (k, v) in state.view.iter() {
            hasher.record(k, v);
        }
        Ok(hasher.finish((state.applied_index > 0).then_some(state.applied_index)))
    }

    async fn add_learner(
        &self,
        _id: u64,
        _member: crate::types::Member,
    ) -> Result<MembershipView, MembershipError> {
        Err(no_membership())
    }

    async fn promote(&self, _ids: Vec<u64>) -> Result<MembershipView, MembershipError> {
        Err(no_membership())
    }

    async fn remove(&self, _ids: Vec<u64>) -> Result<MembershipView, MembershipError> {
        Err(no_membership())
    }

    async fn transfer_leader(&self, _to: u64) -> Result<(), MembershipError> {
        Err(no_membership())
    }

    async fn save_snapshot(
        &self,
        _chunk_bytes: usize,
    ) -> Result<crate::service::SnapshotStream, NodeError> {
        Err(NodeError::Unavailable(
            "a TestNode keeps its state in memory and writes no snapshot files".into(),
        ))
    }

    async fn readiness(&self) -> Result<String, String> {
        match &self.lock().halted {
            Some(why) => Err(format!("halted: {why}")),
            None => Ok("a test node, always its own leader".into()),
        }
    }
}

impl EventSource for TestNode {
    fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<AppliedEvents> {
        self.events.subscribe()
    }

    fn applied_index(&self) -> tokio::sync::watch::Receiver<Option<u64>> {
        self.applied.subscribe()
    }

    fn events_reset(&self) -> tokio::sync::watch::Receiver<u64> {
        self.reset.subscribe()
    }

    fn events_page(&self, from: u64, max: usize) -> Result<EventsPage, String> {
        let state = self.lock();
        Ok(EventsPage {
            first_index: state.window_from,
            entries: state
                .window
                .iter()
                .filter(|e| e.index >= from)
                .take(max)
                .cloned()
                .collect(),
        })
    }

    fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    fn watch_stats(&self) -> std::sync::Arc<crate::service::WatchStats> {
        self.watch_stats.clone()
    }
}
