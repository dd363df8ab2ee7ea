//! The server side of the internal Raft service: check the envelope, decode, hand to openraft,
//! encode.
//!
//! Every request must be addressed to this node of this cluster (`identity.rs`); any other is
//! refused with `FAILED_PRECONDITION` before its payload is even decoded, and logged at most once
//! per sender per `REFUSAL_WARN_INTERVAL`.
//!
//! A snapshot arrives as a stream of chunks written to `snapshots/incoming-N.tsnap`, then the
//! whole file is checked (magic, version, checksum, and that its metadata is the one the
//! leader announced) before openraft installs it: a transfer cut short or corrupted is
//! refused here, and never reaches the state machine, whose install errors stop the node.

use std::sync::Mutex;
use std::time::Instant;

use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, TransferLeaderRequest, VoteRequest,
};
use openraft::storage::Snapshot;
use tokio::io::AsyncWriteExt;
use tonic::{Request, Response, Status, Streaming};

use super::pb::raft_internal_server::RaftInternal;
use super::pb::{RaftPayload, SnapshotChunk};
use super::{decode, encode};
use crate::identity::{Identity, WarnLimiter};
use crate::reads::{serve_read_index, Reads};
use crate::store::snapshot::{self as file, SNAPSHOT_CHUNK_BYTES_MAX};
use crate::store::{SnapshotFile, StateReader};
use crate::types::{Raft, SnapshotMeta, TypeConfig, Vote};

/// When this node last knew it had applied everything the leader had committed: set on each
/// accepted AppendEntries (heartbeats included) once apply has reached the leader's commit
/// index it carried. `STALE` reads measure their age from it.
#[derive(Debug, Default)]
pub struct Freshness {
    in_sync_at: Mutex<Option<Instant>>,
}

impl Freshness {
    pub fn mark(&self, at: Instant) {
        let mut g = self.in_sync_at.lock().unwrap_or_else(|p| p.into_inner());
        *g = Some(at);
    }

    /// Milliseconds since the node was last in sync, `None` if never (since start).
    pub fn age_ms(&self) -> Option<u64> {
        let g = self.in_sync_at.lock().unwrap_or_else(|p| p.into_inner());
        g.map(|t| u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX))
    }
}

/// The internal Raft service of one node.
#[derive(Debug, Clone)]
pub struct RaftService {
    identity: Identity,
    raft: Raft,
    reader: StateReader,
    freshness: std::sync::Arc<Freshness>,
    reads: std::sync::Arc<Reads>,
    refused: std::sync::Arc<WarnLimiter>,
}

impl RaftService {
    /// The service of node `identity`: it serves requests addressed to that identity only.
    pub fn new(
        identity: Identity,
        raft: Raft,
        reader: StateReader,
        freshness: std::sync::Arc<Freshness>,
        reads: std::sync::Arc<Reads>,
    ) -> Self {
        RaftService {
            identity,
            raft,
            reader,
            freshness,
            reads,
            refused: std::sync::Arc::default(),
        }
    }

    /// Refuses a request that is not for this node of this cluster.
    fn admit(&self, envelope: Option<&super::pb::Envelope>) -> Result<(), Status> {
        self.identity.admit(envelope).map_err(|why| {
            let from = envelope.map_or(0, |e| e.from_node);
            if self.refused.due(from) {
                tracing::warn!(node = self.identity.node_id, from, refusal = %why, "refused a raft message");
            }
            Status::failed_precondition(why)
        })
    }
}

fn bad_request(e: String) -> Status {
    Status::invalid_argument(e)
}

fn stopped(e: impl std::fmt::Display) -> Status {
    Status::unavailable(format!("raft stopped: {e}"))
}

fn reply<T: serde::Serialize>(value: &T) -> Result<Response<RaftPayload>, Status> {
    let payload = encode(value).map_err(Status::internal)?;
    Ok(Response::new(RaftPayload {
        payload,
        envelope: None,
    }))
}

#[tonic::async_trait]
impl RaftInternal for RaftService {
    async fn append_entries(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        let req = req.into_inner();
        self.admit(req.envelope.as_ref())?;
        let rpc: AppendEntriesRequest<TypeConfig> = decode(&req.payload).map_err(bad_request)?;
        let leader_commit = rpc.leader_commit.as_ref().map(|l| l.index());
        let received = Instant::now();
        let resp = self.raft.append_entries(rpc).await.map_err(stopped)?;
        if resp == AppendEntriesResponse::Success {
            let applied = *self.reader.applied().borrow();
            if applied >= leader_commit {
                self.freshness.mark(received);
            }
        }
        reply(&resp)
    }

    async fn vote(&self, req: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        let req = req.into_inner();
        self.admit(req.envelope.as_ref())?;
        let rpc: VoteRequest<TypeConfig> = decode(&req.payload).map_err(bad_request)?;
        reply(&self.raft.vote(rpc).await.map_err(stopped)?)
    }

    async fn pre_vote(&self, req: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        let req = req.into_inner();
        self.admit(req.envelope.as_ref())?;
        let rpc: VoteRequest<TypeConfig> = decode(&req.payload).map_err(bad_request)?;
        reply(&self.raft.pre_vote(rpc).await.map_err(stopped)?)
    }

    async fn transfer_leader(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        let req = req.into_inner();
        self.admit(req.envelope.as_ref())?;
        let rpc: TransferLeaderRequest<TypeConfig> = decode(&req.payload).map_err(bad_request)?;
        reply(
            &self
                .raft
                .handle_transfer_leader(rpc)
                .await
                .map_err(stopped)?,
        )
    }

    /// A follower's request for a read index (`crate::reads`); the payload is empty.
    async fn read_index(&self, req: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        let req = req.into_inner();
        self.admit(req.envelope.as_ref())?;
        let () = decode(&req.payload).map_err(bad_request)?;
        reply(&serve_read_index(self.identity.node_id, &self.raft, &self.reads).await)
    }

    async fn install_snapshot(
        &self,
        req: Request<Streaming<SnapshotChunk>>,
    ) -> Result<Response<RaftPayload>, Status> {
        let mut stream = req.into_inner();
        let first = stream
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("empty snapshot stream"))?;
        self.admit(first.envelope.as_ref())?;
        let (vote, meta): (Vote, SnapshotMeta) = decode(&first.header).map_err(bad_request)?;
        let path = self.reader.incoming_snapshot_path();
        let result = self.receive(&mut stream, &path, vote, meta).await;
        // Installed files were moved to current.tsnap; anything left here is refused or stale.
        if path.exists() {
            let _ = tokio::fs::remove_file(&path).await;
        }
        result
    }
}

impl RaftService {
    async fn receive(
        &self,
        stream: &mut Streaming<SnapshotChunk>,
        path: &std::path::Path,
        vote: Vote,
        meta: SnapshotMeta,
    ) -> Result<Response<RaftPayload>, Status> {
        let io = |e: std::io::Error| Status::internal(format!("writing the snapshot: {e}"));
        let mut out = tokio::fs::File::create(path).await.map_err(io)?;
        let mut bytes = 0u64;
        while let Some(chunk) = stream.message().await? {
            if chunk.data.len() > SNAPSHOT_CHUNK_BYTES_MAX {
                return Err(Status::invalid_argument(format!(
                    "snapshot chunk of {} bytes, the limit is {SNAPSHOT_CHUNK_BYTES_MAX}",
                    chunk.data.len()
                )));
            }
            bytes += chunk.data.len() as u64;
            out.write_all(&chunk.data).await.map_err(io)?;
        }
        out.sync_all().await.map_err(io)?;
        drop(out);

        let check = path.to_path_buf();
        let (found, records) = tokio::task::spawn_blocking(move || file::verify(&check))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| Status::data_loss(format!("received snapshot refused: {e}")))?;
        if found != meta {
            return Err(Status::data_loss(format!(
                "received snapshot is at {:?}, the leader announced {:?}",
                found.last_log_id, meta.last_log_id
            )));
        }
        tracing::info!(last_log_id = ?meta.last_log_id, bytes, records, "snapshot received");
        let snapshot = SnapshotFile::open(path.to_path_buf()).map_err(io)?;
        let resp = self
            .raft
            .install_full_snapshot(vote, Snapshot { meta, snapshot })
            .await
            .map_err(stopped)?;
        reply(&resp)
    }
}
