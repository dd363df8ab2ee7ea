//! openraft's `RaftNetworkV2` over tonic: one lazily connected channel per peer.
//!
//! Every unary call is bounded by openraft's `RPCOption::hard_ttl` (derived from the heartbeat
//! and election timeouts); a snapshot transfer is bounded by its `cancel` future and by the
//! configured snapshot timeout. An unreachable peer (connection refused, transport error) is
//! `Unreachable`, so openraft backs off before the next try.
//!
//! Every request carries this node's [`Envelope`](super::pb::Envelope) (cluster id, this node,
//! the target). A peer that refuses it (`FAILED_PRECONDITION`: it is another node or of another
//! cluster) is `Unreachable` too, and the refusal is kept in [`PeerStatus`] and logged
//! (rate-limited) until the peer answers normally again; so are transport failures (what a
//! leader transfer watches to give up on a target that is gone).

use std::future::Future;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use crate::security::{PeerChannel, PeerSecurity};
use openraft::errors::{
    NetworkError, RPCError, ReplicationClosed, StreamingError, Timeout, Unreachable,
};
use openraft::network::{RPCOption, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, TransferLeaderRequest,
    TransferLeaderResponse, VoteRequest, VoteResponse,
};
use openraft::{RPCTypes, RaftNetworkV2};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::pb::raft_internal_client::RaftInternalClient;
use super::pb::{Envelope, RaftPayload, SnapshotChunk};
use super::peers::PeerStatus;
use super::{decode, encode, RAFT_MESSAGE_BYTES_MAX};
use crate::identity::Identity;
use crate::store::snapshot::SNAPSHOT_CHUNK_BYTES_MAX;
use crate::store::SnapshotFile;
use crate::types::{Member, NodeId, TavernSnapshot, TypeConfig, Vote};

/// Snapshot chunks read ahead of the network, per transfer.
pub const SNAPSHOT_CHUNKS_IN_FLIGHT: usize = 4;

/// Creates a [`PeerClient`] per target; openraft owns it.
#[derive(Debug, Clone)]
pub struct NetworkFactory {
    identity: Identity,
    peers: Arc<PeerStatus>,
    connect_timeout: Duration,
    snapshot_timeout: Duration,
    chunk_bytes: usize,
    /// TLS towards peers and the cluster secret (`crate::security`); plain by default.
    security: PeerSecurity,
}

impl NetworkFactory {
    /// `identity` is this node (every request carries it), `peers` records what requests to
    /// each peer ran into, `connect_timeout` bounds a TCP connect, `snapshot_timeout` a whole snapshot
    /// transfer, sent in chunks of `chunk_bytes` (capped at `SNAPSHOT_CHUNK_BYTES_MAX`).
    pub fn new(
        identity: Identity,
        peers: Arc<PeerStatus>,
        connect_timeout: Duration,
        snapshot_timeout: Duration,
        chunk_bytes: usize,
    ) -> Self {
        NetworkFactory {
            identity,
            peers,
            connect_timeout,
            snapshot_timeout,
            chunk_bytes: chunk_bytes.clamp(1, SNAPSHOT_CHUNK_BYTES_MAX),
            security: PeerSecurity::default(),
        }
    }

    /// Dials peers with `security` (TLS, the cluster secret).
    pub fn with_security(mut self, security: PeerSecurity) -> Self {
        self.security = security;
        self
    }
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &Member) -> PeerClient {
        let client = self
            .security
            .channel(&node.raft_addr, self.connect_timeout)
            .map(|channel| {
                RaftInternalClient::new(channel)
                    .max_decoding_message_size(RAFT_MESSAGE_BYTES_MAX)
                    .max_encoding_message_size(RAFT_MESSAGE_BYTES_MAX)
            })
            .map_err(|e| {
                format!(
                    "bad raft address {:?} of node {target}: {e}",
                    node.raft_addr
                )
            });
        PeerClient {
            id: self.identity.node_id,
            target,
            envelope: self.identity.envelope_to(target),
            identity: self.identity.clone(),
            peers: self.peers.clone(),
            client,
            snapshot_timeout: self.snapshot_timeout,
            chunk_bytes: self.chunk_bytes,
        }
    }
}

/// The connection to one peer.
#[derive(Debug)]
pub struct PeerClient {
    id: NodeId,
    target: NodeId,
    identity: Identity,
    envelope: Envelope,
    peers: Arc<PeerStatus>,
    client: Result<RaftInternalClient<PeerChannel>, String>,
    snapshot_timeout: Duration,
    chunk_bytes: usize,
}

fn status_error(status: tonic::Status) -> RPCError<TypeConfig> {
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled => {
            RPCError::Unreachable(Unreachable::from_string(status))
        }
        _ => RPCError::Network(NetworkError::from_string(status)),
    }
}

impl PeerClient {
    /// The error openraft sees for a failed call; an identity refusal is recorded and is
    /// `Unreachable`, so openraft backs off instead of retrying at once.
    fn failed(&self, status: tonic::Status) -> RPCError<TypeConfig> {
        // FAILED_PRECONDITION: another node or cluster; UNAUTHENTICATED: the cluster secret.
        if matches!(
            status.code(),
            tonic::Code::FailedPrecondition | tonic::Code::Unauthenticated
        ) {
            self.peers
                .refused(&self.identity, self.target, status.message());
            return RPCError::Unreachable(Unreachable::from_string(format!(
                "node {} refused: {}",
                self.target,
                status.message()
            )));
        }
        let e = status_error(status);
        if matches!(e, RPCError::Unreachable(_)) {
            self.peers.unreachable(self.target);
        }
        e
    }

    fn client(&self) -> Result<RaftInternalClient<PeerChannel>, RPCError<TypeConfig>> {
        self.client.clone().map_err(|e| {
            self.peers.unreachable(self.target);
            RPCError::Unreachable(Unreachable::from_string(e))
        })
    }

    fn timeout(&self, action: RPCTypes, after: Duration) -> RPCError<TypeConfig> {
        RPCError::Timeout(Timeout {
            action,
            id: self.id,
            target: self.target,
            timeout: after,
        })
    }

    /// One unary call: encode, send within `ttl`, decode.
    async fn unary<Req, Resp, F, Fut>(
        &self,
        action: RPCTypes,
        req: &Req,
        ttl: Duration,
        call: F,
    ) -> Result<Resp, RPCError<TypeConfig>>
    where
        Req: serde::Serialize,
        Resp: serde::de::DeserializeOwned,
        F: FnOnce(RaftInternalClient<PeerChannel>, RaftPayload) -> Fut,
        Fut: Future<Output = Result<tonic::Response<RaftPayload>, tonic::Status>>,
    {
        let payload = encode(req).map_err(|e| RPCError::Network(NetworkError::from_string(e)))?;
        let request = RaftPayload {
            payload,
            envelope: Some(self.envelope.clone()),
        };
        let fut = call(self.client()?, request);
        let reply = tokio::time::timeout(ttl, fut)
            .await
            .map_err(|_| self.timeout(action, ttl))?
            .map_err(|s| self.failed(s))?;
        self.peers.accepted(self.target);
        decode(&reply.into_inner().payload)
            .map_err(|e| RPCError::Network(NetworkError::from_string(e)))
    }
}

impl RaftNetworkV2<TypeConfig> for PeerClient {
    type SnapshotData = SnapshotFile;

    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.unary(
            RPCTypes::AppendEntries,
            &rpc,
            option.hard_ttl(),
            |mut c, p| async move { c.append_entries(p).await },
        )
        .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.unary(
            RPCTypes::Vote,
            &rpc,
            option.hard_ttl(),
            |mut c, p| async move { c.vote(p).await },
        )
        .await
    }

    async fn pre_vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.unary(
            RPCTypes::Vote,
            &rpc,
            option.hard_ttl(),
            |mut c, p| async move { c.pre_vote(p).await },
        )
        .await
    }

    async fn transfer_leader(
        &mut self,
        req: TransferLeaderRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<TransferLeaderResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.unary(
            RPCTypes::TransferLeader,
            &req,
            option.hard_ttl(),
            |mut c, p| async move { c.transfer_leader(p).await },
        )
        .await
    }

    async fn full_snapshot(
        &mut self,
        vote: Vote,
        snapshot: TavernSnapshot,
        cancel: impl Future<Output = ReplicationClosed> + openraft::OptionalSend + 'static,
        _option: RPCOption,
    ) -> Result<SnapshotResponse<TypeConfig>, StreamingError<TypeConfig>> {
        let mut client = self.client().map_err(streaming_error)?;
        let header = encode(&(vote, snapshot.meta.clone()))
            .map_err(|e| StreamingError::Network(NetworkError::from_string(e)))?;
        let (tx, rx) = mpsc::channel(SNAPSHOT_CHUNKS_IN_FLIGHT);
        // Owned by this call: it ends when the file is read or when the call drops `rx`.
        let chunk_bytes = self.chunk_bytes;
        let envelope = self.envelope.clone();
        let reader = tokio::task::spawn_blocking(move || {
            send_file(snapshot.snapshot, header, envelope, chunk_bytes, tx)
        });
        let call = client.install_snapshot(ReceiverStream::new(rx));
        let reply = tokio::select! {
            r = tokio::time::timeout(self.snapshot_timeout, call) => r,
            closed = cancel => return Err(StreamingError::Closed(closed)),
        };
        let reply = reply
            .map_err(|_| {
                StreamingError::Timeout(Timeout {
                    action: RPCTypes::InstallSnapshot,
                    id: self.id,
                    target: self.target,
                    timeout: self.snapshot_timeout,
                })
            })?
            .map_err(|s| streaming_error(self.failed(s)))?;
        self.peers.accepted(self.target);
        if let Ok(Err(e)) = reader.await {
            return Err(StreamingError::Network(NetworkError::new(&e)));
        }
        decode(&reply.into_inner().payload)
            .map_err(|e| StreamingError::Network(NetworkError::from_string(e)))
    }
}

fn streaming_error(e: RPCError<TypeConfig>) -> StreamingError<TypeConfig> {
    match e {
        RPCError::Timeout(t) => StreamingError::Timeout(t),
        RPCError::Unreachable(u) => StreamingError::Unreachable(u),
        RPCError::Network(n) => StreamingError::Network(n),
        RPCError::RemoteError(r) => StreamingError::Network(NetworkError::from_string(r)),
    }
}

/// Sends the header, then the file in chunks; stops early if the receiver is gone.
fn send_file(
    mut file: SnapshotFile,
    header: Vec<u8>,
    envelope: Envelope,
    chunk_bytes: usize,
    tx: mpsc::Sender<SnapshotChunk>,
) -> std::io::Result<()> {
    use std::io::Seek;
    file.file.rewind()?;
    let first = SnapshotChunk {
        header,
        data: Vec::new(),
        envelope: Some(envelope),
    };
    if tx.blocking_send(first).is_err() {
        return Ok(());
    }
    loop {
        let mut data = vec![0u8; chunk_bytes];
        let mut filled = 0;
        while filled < data.len() {
            let n = file.file.read(&mut data[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            return Ok(());
        }
        data.truncate(filled);
        let chunk = SnapshotChunk {
            header: Vec::new(),
            data,
            envelope: None,
        };
        if tx.blocking_send(chunk).is_err() {
            return Ok(());
        }
    }
}
