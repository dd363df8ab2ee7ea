//! `TavernNode`: one running node: the store, openraft, the internal Raft service, and the
//! [`Node`] contract the domain services call.
//!
//! ```text
//!  TavernNode::start(config, raft listener)
//!     ├─ store::open(data_dir, identity)  RocksDB log + state, snapshots; refuses a directory
//!     │                                   of another node or cluster, or a corrupt snapshot
//!     │                                   (`StartError::Identity`, `CorruptSnapshot`)
//!     ├─ Raft::new(id, config, network, log, state machine)
//!     ├─ serve RaftInternal on the listener (task owned by the node, stopped by shutdown)
//!     └─ lowest id of the peer list, empty log: initialize the cluster with the peer list
//!
//!  write: stamp time (leader clock, never backwards) ─▶ client_write ─▶ applied here ─▶ Written
//!  read:  LINEARIZABLE ─▶ read index (own round on the leader, asked from the leader on a
//!                         follower; coalesced, `crate::reads`) ─▶ applied ≥ it ─▶ query at a
//!                         RocksDB snapshot
//!         AT_LEAST(i)  ─▶ wait applied ≥ i   STALE(ms) ─▶ in sync that recently?
//!         LEASE        ─▶ opt-in (`read_lease`), leader only, no round: trusts clock drift
//!                         below openraft's lease margin (see `config.rs`)
//! ```
//!
//! A follower does not forward writes: it answers `NodeError::NotLeader` with the leader's
//! client address, and the client (the gateway library) retries there with the same request
//! id. Reads of every level but LEASE are served on any node.
//!
//! Membership changes (`add_learner`, `promote`, `remove`, `transfer_leader`) are in
//! `node/membership.rs`; `shutdown` on a leader first hands leadership to the most caught-up
//! voter (`node/leadership.rs`).

pub mod alarms;
mod backup;
mod leadership;
mod membership;
mod promotion;

pub use self::backup::{BACKUP_STOP_WAIT, BACKUP_SUFFIX, SAVE_CHUNKS_IN_FLIGHT};
pub use self::leadership::{HANDOVER_ACK_HEARTBEATS, TRANSFER_WAIT_ELECTION_TIMEOUTS};
pub use self::membership::{
    MembershipError, MembershipView, CAUGHT_UP_LAG_ENTRIES, REACHABLE_ELECTION_TIMEOUTS,
};
pub use self::promotion::AUTO_PROMOTE_CHECK_MS;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openraft::async_runtime::watch::WatchReceiver as _;
use openraft::errors::{ClientWriteError, LinearizableReadError, RaftError};
use openraft::{Instant as _, ReadPolicy};
use tavern_proto::convert::ReadLevel;
use tavern_statemachine::{Command, Entry, Query, RequestId};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;

use crate::api::{Node, NodeError, Served, Written};
use crate::config::NodeConfig;
use crate::identity::Identity;
use crate::network::pb::raft_internal_server::RaftInternalServer;
use crate::network::{Freshness, NetworkFactory, PeerStatus, RaftService, RAFT_MESSAGE_BYTES_MAX};
use crate::reads::Reads;
use crate::store::{self, StateReader, StoreError};
use crate::types::{NodeId, Proposal, Raft};

mod events;
mod status;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("opening the store in {dir}: {source}")]
    Store {
        dir: std::path::PathBuf,
        source: StoreError,
    },
    /// The data directory is another node's, or another cluster's. Its data was not changed
    /// (RocksDB's own housekeeping files aside).
    #[error(
        "data dir {} belongs to cluster {:?} node {}, but the config says cluster {:?} node {}: \
         refusing to start (its data was not changed)",
        .dir.display(), .found.cluster_id, .found.node_id, .config.cluster_id, .config.node_id
    )]
    Identity {
        dir: std::path::PathBuf,
        found: Identity,
        config: Identity,
    },
    /// The current snapshot file does not read (magic, version, count or checksum). Nothing was
    /// deleted.
    #[error(
        "snapshot file {} is corrupt: {source}; refusing to start, nothing was deleted. Restore \
         the file from a backup, or remove this node from the cluster and add a fresh one (a new \
         node id, an empty data dir)",
        .path.display()
    )]
    CorruptSnapshot {
        path: std::path::PathBuf,
        source: crate::store::SnapshotError,
    },
    #[error("starting raft: {0}")]
    Raft(String),
    #[error("serving the raft service: {0}")]
    Serve(String),
    /// A TLS, secret or token file that cannot be used (`crate::security`).
    #[error("{0}")]
    Security(#[from] crate::security::SecurityError),
}

impl StartError {
    /// The start error for a store that did not open in `dir`.
    fn store(dir: &std::path::Path, e: StoreError) -> Self {
        match e {
            StoreError::Identity { found, expected } => StartError::Identity {
                dir: dir.to_path_buf(),
                found,
                config: expected,
            },
            StoreError::CorruptSnapshot { path, source } => {
                StartError::CorruptSnapshot { path, source }
            }
            source => StartError::Store {
                dir: dir.to_path_buf(),
                source,
            },
        }
    }
}

/// openraft's config from ours (already validated: openraft's own check is a second net).
fn raft_config(c: &NodeConfig) -> Result<Arc<openraft::Config>, StartError> {
    let raft = openraft::Config {
        cluster_name: c.cluster_id.clone(),
        heartbeat_interval: c.heartbeat_ms,
        election_timeout_min: c.election_timeout_min_ms,
        election_timeout_max: c.election_timeout_max_ms,
        install_snapshot_timeout: c.snapshot.timeout_ms,
        snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(c.snapshot.every_entries),
        max_in_snapshot_log_to_keep: c.snapshot.logs_to_keep,
        enable_pre_vote: Some(true),
        ..Default::default()
    };
    raft.validate()
        .map(Arc::new)
        .map_err(|e| StartError::Raft(format!("raft timing: {e}")))
}

/// A running node. Cheap to clone; [`TavernNode::shutdown`] stops it.
#[derive(Debug, Clone)]
pub struct TavernNode {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: NodeId,
    identity: Identity,
    config: NodeConfig,
    /// What this node's raft requests to each peer ran into (refusals, transport failures).
    peers: Arc<PeerStatus>,
    /// Whether openraft has let go of the store (`shutdown` waits for it).
    released: store::Released,
    raft: Raft,
    reader: StateReader,
    freshness: Arc<Freshness>,
    /// The coalesced read index rounds of LINEARIZABLE reads (`crate::reads`).
    reads: Arc<Reads>,
    /// The last `time_ms` this node stamped (milliseconds since the Unix epoch).
    last_stamp_ms: AtomicU64,
    /// The raft service task and its stop signal; taken by `shutdown`. A std mutex, never held
    /// across an `.await`.
    server: Mutex<Option<RaftServer>>,
    /// The automatic promotion task (`auto_promote_learners`); taken by `shutdown`.
    promoter: Mutex<Option<promotion::Promoter>>,
    /// The space limits and the last disk measurement (`node/alarms.rs`).
    alarms: Arc<alarms::Alarms>,
    /// The alarm task (free disk every `DISK_CHECK_MS`); taken by `shutdown`.
    alarm_watch: Mutex<Option<alarms::Watcher>>,
    /// Counts leader changes for `/metrics`; aborted by `shutdown`.
    leader_watch: JoinHandle<()>,
    /// Turns `true` when `shutdown` starts: watch streams end (`node/events.rs`).
    stopping: tokio::sync::watch::Sender<bool>,
    /// The watch service's stream counts (status, `/metrics`).
    watch_stats: Arc<crate::service::WatchStats>,
    /// The scheduled backups' task, if the config asks for backups; taken by `shutdown`.
    backups: Mutex<Option<backup::BackupTask>>,
}

/// The internal Raft service's task and the sender that stops it.
type RaftServer = (
    oneshot::Sender<()>,
    JoinHandle<Result<(), tonic::transport::Error>>,
);

impl TavernNode {
    /// Opens the store, starts openraft, serves the internal Raft service on `raft_listener`
    /// and bootstraps a fresh cluster from the peer list (see the module header).
    pub async fn start(config: NodeConfig, raft_listener: TcpListener) -> Result<Self, StartError> {
        let c = &config;
        let id = c.node_id;
        let identity = Identity::new(c.cluster_id.clone(), id);
        let raft_config = raft_config(c)?;
        let security = crate::security::Security::load(c)?;
        security.warn_if_plain(id);
        let (log, sm) =
            store::open(&c.data_dir, &identity).map_err(|e| StartError::store(&c.data_dir, e))?;
        sm.set_events_window(c.watch.window_entries);
        let reader = sm.reader();
        let released = sm.released();
        let peers = Arc::new(PeerStatus::default());
        let network = NetworkFactory::new(
            identity.clone(),
            peers.clone(),
            Duration::from_millis(c.rpc_timeout_ms),
            Duration::from_millis(c.snapshot.timeout_ms),
            c.snapshot.chunk_bytes,
        )
        .with_security(security.peer());
        crate::metrics::install();
        let raft = openraft::Raft::new(id, raft_config, network, log, sm)
            .await
            .map_err(|e| StartError::Raft(e.to_string()))?;
        let leader_watch = crate::metrics::spawn_leader_watch(id, &raft);
        let space = Arc::new(alarms::Alarms::new(
            c.state_bytes_max,
            c.disk_free_min_bytes,
            c.data_dir.clone(),
        ));

        let freshness = Arc::new(Freshness::default());
        let reads = Arc::new(Reads::spawn(
            identity.clone(),
            raft.clone(),
            Duration::from_millis(c.request_timeout_ms),
            Duration::from_millis(c.rpc_timeout_ms),
        ));
        let service = RaftInternalServer::new(RaftService::new(
            identity.clone(),
            raft.clone(),
            reader.clone(),
            freshness.clone(),
            reads.clone(),
        ))
        .max_decoding_message_size(RAFT_MESSAGE_BYTES_MAX)
        .max_encoding_message_size(RAFT_MESSAGE_BYTES_MAX);
        let service = InterceptedService::new(service, security.peer_check());
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = security.raft_server_tls() {
            builder = builder
                .tls_config(tls)
                .map_err(|e| StartError::Serve(e.to_string()))?;
        }
        let incoming = TcpIncoming::from_listener(raft_listener, true, None)
            .map_err(|e| StartError::Serve(e.to_string()))?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(builder.add_service(service).serve_with_incoming_shutdown(
            incoming,
            async {
                let _ = stop_rx.await;
            },
        ));

        let node = TavernNode {
            inner: Arc::new(Inner {
                id,
                identity,
                config: config.clone(),
                peers,
                released,
                raft,
                reader,
                freshness,
                reads,
                last_stamp_ms: AtomicU64::new(0),
                server: Mutex::new(Some((stop_tx, server))),
                promoter: Mutex::new(None),
                alarms: space,
                alarm_watch: Mutex::new(None),
                leader_watch,
                stopping: tokio::sync::watch::channel(false).0,
                watch_stats: Arc::default(),
                backups: Mutex::new(None),
            }),
        };
        let weak = Arc::downgrade(&node.inner);
        let alarm_watch = alarms::spawn(
            id,
            node.inner.alarms.clone(),
            move || weak.upgrade().map(|inner| inner.reader.state_bytes()),
            Arc::new(alarms::statvfs_free),
        );
        *node
            .inner
            .alarm_watch
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(alarm_watch);
        if config.auto_promote_learners {
            let promoter = promotion::spawn(&node.inner);
            *node
                .inner
                .promoter
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(promoter);
        }
        node.bootstrap().await?;
        let backups = node.start_backups();
        *node.inner.backups.lock().unwrap_or_else(|p| p.into_inner()) = backups;
        Ok(node)
    }

    /// The lowest id of the peer list initializes a node whose log is empty; every other node
    /// waits to be contacted by the leader.
    async fn bootstrap(&self) -> Result<(), StartError> {
        let peers = &self.inner.config.peers;
        if peers.keys().next() != Some(&self.inner.id) {
            return Ok(());
        }
        let initialized = self
            .inner
            .raft
            .is_initialized()
            .await
            .map_err(|e| StartError::Raft(e.to_string()))?;
        if initialized {
            return Ok(());
        }
        tracing::info!(node = self.inner.id, peers = ?peers.keys().collect::<Vec<_>>(), "initializing a new cluster");
        self.inner
            .raft
            .initialize(peers.clone())
            .await
            .map_err(|e| StartError::Raft(format!("initialize: {e}")))
    }

    pub fn id(&self) -> NodeId {
        self.inner.id
    }

    /// The openraft handle (metrics, membership changes, triggers).
    pub fn raft(&self) -> &Raft {
        &self.inner.raft
    }

    /// The read side of the state machine (events, applied index, digest).
    pub fn state(&self) -> &StateReader {
        &self.inner.reader
    }

    /// Stops the raft service and openraft. A leader with other voters first hands leadership
    /// to the most caught-up one (bounded; see `node/leadership.rs`), so the cluster does not
    /// wait an election timeout for a new leader. It returns once openraft has let go of the
    /// store (bounded); the store closes once every clone of this node is dropped.
    pub async fn shutdown(&self) -> Result<(), String> {
        let promoter = self
            .inner
            .promoter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let request_timeout = Duration::from_millis(self.inner.config.request_timeout_ms);
        promotion::stop(promoter, request_timeout).await;
        // Watchers go first: they resume on another node from their last index.
        self.inner.stopping.send_replace(true);
        let alarm_watch = self
            .inner
            .alarm_watch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        alarms::stop(alarm_watch, request_timeout).await;
        let backups = self
            .inner
            .backups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        backup::stop(backups).await;
        self.hand_over_leadership().await;
        let server = self
            .inner
            .server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // The raft service stops first (calls in flight finish, for at most the RPC timeout), so
        // no peer's message reaches openraft after it stopped: those would only log errors.
        let served = match server {
            Some((stop, mut task)) => {
                let _ = stop.send(());
                let wait = Duration::from_millis(self.inner.config.rpc_timeout_ms);
                match tokio::time::timeout(wait, &mut task).await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(e))) => Err(format!("raft service: {e}")),
                    Ok(Err(e)) => Err(format!("raft service task: {e}")),
                    Err(_) => {
                        task.abort();
                        Ok(())
                    }
                }
            }
            None => Ok(()),
        };
        self.inner.reads.stop();
        let raft = self.inner.raft.shutdown().await.map_err(|e| e.to_string());
        self.inner.leader_watch.abort();
        self.wait_store_released().await;
        served.and(raft)
    }

    /// `max(now, last stamped + 0)`: the leader's clock, never going backwards on this node.
    fn stamp(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let floor = now.max(self.inner.reader.last_entry_time_ms());
        let prev = self.inner.last_stamp_ms.fetch_max(floor, Ordering::SeqCst);
        prev.max(floor)
    }

    fn halted(&self) -> Result<(), NodeError> {
        match self.inner.reader.halted() {
            Some(why) => Err(NodeError::Halted(why)),
            None => Ok(()),
        }
    }

    fn leader_addr(
        &self,
        leader_id: Option<NodeId>,
        node: Option<crate::types::Member>,
    ) -> NodeError {
        NodeError::NotLeader {
            leader_id,
            leader_addr: node.map(|m| m.client_addr),
        }
    }

    /// Waits until this node applied `index`, at most the read timeout.
    async fn wait_applied(&self, index: u64) -> Result<(), NodeError> {
        let timeout_ms = self.inner.config.request_timeout_ms;
        let mut applied = self.inner.reader.applied();
        let wait = applied.wait_for(|a| a.is_some_and(|a| a >= index));
        let outcome = match tokio::time::timeout(Duration::from_millis(timeout_ms), wait).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(NodeError::Unavailable("the state machine stopped".into())),
            Err(_) => Err(NodeError::Timeout {
                after_ms: timeout_ms,
            }),
        };
        outcome
    }

    async fn linearize(&self, policy: ReadPolicy) -> Result<(), NodeError> {
        let timeout_ms = self.inner.config.request_timeout_ms;
        let r = tokio::time::timeout(
            Duration::from_millis(timeout_ms),
            self.inner.raft.ensure_linearizable(policy),
        )
        .await
        .map_err(|_| NodeError::Timeout {
            after_ms: timeout_ms,
        })?;
        match r {
            Ok(_) => Ok(()),
            Err(RaftError::APIError(LinearizableReadError::ForwardToLeader(f))) => {
                Err(self.leader_addr(f.leader_id, f.leader_node))
            }
            Err(RaftError::APIError(LinearizableReadError::QuorumNotEnough(q))) => {
                Err(NodeError::Unavailable(q.to_string()))
            }
            Err(RaftError::Fatal(f)) => Err(NodeError::Halted(f.to_string())),
        }
    }

    /// Read index rounds this node ran so far (`crate::reads`): as leader, one per batch of
    /// LINEARIZABLE reads (its own and its followers'); as follower, one request to the leader
    /// per batch. Far fewer than reads under concurrency.
    pub fn read_rounds(&self) -> u64 {
        self.inner.reads.rounds()
    }

    /// How old this node's data may be, in milliseconds: 0 for a leader that heard from a
    /// quorum within its lease, else the time since it was last in sync with the leader.
    fn staleness_ms(&self) -> Option<u64> {
        let m = self.inner.raft.metrics().borrow_watched().clone();
        if m.current_leader == Some(self.inner.id) {
            return m
                .last_quorum_acked
                .map(|t| u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        self.inner.freshness.age_ms()
    }
}

impl Node for TavernNode {
    fn metrics_id(&self) -> Option<u64> {
        Some(self.inner.id)
    }

    #[tracing::instrument(
        name = "write",
        skip_all,
        fields(node = self.inner.id, command = crate::types::command_kind(&command), log_id)
    )]
    async fn write(
        &self,
        command: Command,
        request: Option<RequestId>,
    ) -> Result<Written, NodeError> {
        self.halted()?;
        let entry = Entry {
            time_ms: self.stamp(),
            request,
            command,
        };
        self.check_space(&entry).await?;
        let timeout_ms = self.inner.config.request_timeout_ms;
        let r = tokio::time::timeout(
            Duration::from_millis(timeout_ms),
            self.inner.raft.client_write(Proposal(entry)),
        )
        .await
        .map_err(|_| NodeError::Timeout {
            after_ms: timeout_ms,
        })?;
        if let Ok(resp) = &r {
            // "T<term>-N<leader>.<index>": the term and the log index of the entry.
            tracing::Span::current().record("log_id", tracing::field::display(&resp.log_id));
        }
        match r {
            Ok(resp) => match resp.data.response {
                Some(response) => Ok(Written {
                    response,
                    applied_index: resp.log_id.index(),
                }),
                None => Err(NodeError::Unavailable(
                    "a normal entry was applied without a response".into(),
                )),
            },
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f))) => {
                Err(self.leader_addr(f.leader_id, f.leader_node))
            }
            // The entry may still commit through the new leader: its fate is unknown, and the
            // caller retries with the same request id.
            Err(RaftError::APIError(ClientWriteError::LogEntryDiscarded(f))) => Err(NodeError::Unavailable(
                format!("leader changed before the write committed (fate unknown, retry with the same request id): {f}"),
            )),
            Err(RaftError::APIError(e)) => Err(NodeError::Unavailable(e.to_string())),
            Err(RaftError::Fatal(f)) => Err(NodeError::Halted(f.to_string())),
        }
    }

    async fn read(&self, query: Query, level: ReadLevel) -> Result<Served, NodeError> {
        self.halted()?;
        match level {
            ReadLevel::Linearizable => {
                let index = self.inner.reads.read_index().await?;
                self.wait_applied(index).await?;
            }
            ReadLevel::Lease if self.inner.config.read_lease => {
                self.linearize(ReadPolicy::LeaseRead).await?
            }
            ReadLevel::Lease => {
                return Err(NodeError::ReadLevelUnavailable(
                    "LEASE reads are not enabled on this node (config read_lease)".into(),
                ))
            }
            ReadLevel::AtLeast { index } => self.wait_applied(index).await?,
            ReadLevel::Stale { max_ms } => {
                let stale_ms = self.staleness_ms().unwrap_or(u64::MAX);
                if stale_ms > max_ms {
                    return Err(NodeError::TooStale { stale_ms, max_ms });
                }
            }
        }
        let reader = self.inner.reader.clone();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let (response, applied) = tokio::task::spawn_blocking(move || reader.query(now_ms, &query))
            .await
            .map_err(|e| NodeError::Unavailable(format!("query task: {e}")))?
            .map_err(|e| NodeError::Unavailable(format!("reading the state: {e}")))?;
        Ok(Served {
            response,
            applied_index: applied.unwrap_or(0),
        })
    }
}
