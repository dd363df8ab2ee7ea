//! `AdminService`: operating one node over gRPC, beside the domain services on its client
//! address.
//!
//! ```text
//!  Status      ──▶ Admin::status()        ──▶ NodeStatus  ──From──▶ pb::StatusResponse
//!  StateDigest ──▶ Admin::state_digest()  ──▶ StateDigest ──From──▶ pb::StateDigestResponse
//!                        │ NodeError ──▶ tavern_proto::status (like every service)
//! ```
//! [`Admin`] is what the service needs from a node, as [`Node`](crate::api::Node) is for the
//! domain services: `TavernNode` implements it over openraft's metrics and the state store,
//! `TestNode` over its in-memory state.
//!
//! ```text
//!  AddLearner / Promote / Remove ──▶ Admin::add_learner / promote / remove ──▶ MembershipView
//!  TransferLeader                ──▶ Admin::transfer_leader
//!                        │ MembershipError ──▶ membership_status (NOT_LEADER as the domain
//!                        │                     services send it, the rest by kind)
//!
//!  SaveSnapshot ──▶ Admin::save_snapshot(chunk_bytes) ──▶ SnapshotStream { info, chunks }
//!                   first message: info; then one message per chunk; a failure mid-way ends
//!                   the stream with UNAVAILABLE (the client keeps no partial file)
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use tavern_proto::convert::{NodeStatus, StateDigest};
use tavern_proto::pb;
use tavern_proto::pb::admin_service_server::{AdminService, AdminServiceServer};
use tavern_proto::status::status_from_node_error;
use tonic::{Request, Response, Status};

use crate::api::NodeError;
use crate::node::{MembershipError, MembershipView};
use crate::store::snapshot::SNAPSHOT_CHUNK_BYTES_MAX;
use crate::store::BackupInfo;
use crate::types::{Member, NodeId};

/// A backup being streamed: what it holds, then its bytes in chunks. The producer (a blocking
/// task of the node) stops when `chunks` is dropped (the client went away) or at the end; a
/// failure is the last item.
#[derive(Debug)]
pub struct SnapshotStream {
    pub info: BackupInfo,
    pub chunks: mpsc::Receiver<Result<Vec<u8>, String>>,
}

/// What the admin service needs from a node.
pub trait Admin: Send + Sync + 'static {
    /// This node's view of itself and the cluster. Cheap: no I/O.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, NodeError>> + Send;

    /// The digest of the whole state and the applied index it was taken at, from one
    /// consistent point. Reads every record.
    fn state_digest(&self) -> impl Future<Output = Result<StateDigest, NodeError>> + Send;

    /// Adds `id` as a learner and waits until it caught up (see `TavernNode::add_learner`).
    fn add_learner(
        &self,
        id: NodeId,
        member: Member,
    ) -> impl Future<Output = Result<MembershipView, MembershipError>> + Send;

    /// Makes learners voters.
    fn promote(
        &self,
        ids: Vec<NodeId>,
    ) -> impl Future<Output = Result<MembershipView, MembershipError>> + Send;

    /// Removes members.
    fn remove(
        &self,
        ids: Vec<NodeId>,
    ) -> impl Future<Output = Result<MembershipView, MembershipError>> + Send;

    /// Whether this node can serve: `Ok` with what it is, or why not (no leader known, a
    /// leader without a quorum that answers, halted, applying far behind the commit index).
    fn readiness(&self) -> impl Future<Output = Result<String, String>> + Send;

    /// Hands leadership to voter `to`.
    fn transfer_leader(
        &self,
        to: NodeId,
    ) -> impl Future<Output = Result<(), MembershipError>> + Send;

    /// A backup of the whole state at this node's applied index, in chunks of at most
    /// `chunk_bytes` (see [`SnapshotStream`]).
    fn save_snapshot(
        &self,
        chunk_bytes: usize,
    ) -> impl Future<Output = Result<SnapshotStream, NodeError>> + Send;
}

fn snapshot_info(node_id: NodeId, info: &BackupInfo) -> pb::SnapshotInfo {
    let last = info.meta.last_log_id.as_ref();
    pb::SnapshotInfo {
        cluster_id: info.cluster_id.clone(),
        node_id,
        last_log_index: last.map(|l| l.index()),
        last_log_term: last.map(|l| l.committed_leader_id().term),
        records: info.records,
        bytes: info.bytes,
    }
}

/// The status a refused or unfinished membership change answers with. `NotLeader` is the same
/// status the domain services send, so a client follows it the same way.
pub fn membership_status(e: &MembershipError) -> Status {
    use tonic::Code;
    let code = match e {
        MembershipError::NotLeader {
            leader_id,
            leader_addr,
        } => {
            return status_from_node_error(&NodeError::NotLeader {
                leader_id: *leader_id,
                leader_addr: leader_addr.clone(),
            })
        }
        MembershipError::TransferTargetGone { .. } | MembershipError::Halted(_) => {
            Code::Unavailable
        }
        MembershipError::InvalidArgument(_) => Code::InvalidArgument,
        MembershipError::UnknownNode { .. } => Code::NotFound,
        MembershipError::InProgress(_) | MembershipError::Changed => Code::Aborted,
        MembershipError::NotCaughtUp { .. }
        | MembershipError::TransferTimeout { .. }
        | MembershipError::Timeout { .. } => Code::DeadlineExceeded,
        MembershipError::IdReused { .. }
        | MembershipError::AddressMismatch { .. }
        | MembershipError::AlreadyVoter { .. }
        | MembershipError::NotALearner { .. }
        | MembershipError::NotAVoter { .. }
        | MembershipError::LastVoter { .. }
        | MembershipError::QuorumUnreachable { .. }
        | MembershipError::Unreachable { .. }
        | MembershipError::Refused(_) => Code::FailedPrecondition,
    };
    Status::new(code, e.to_string())
}

fn members(m: &std::collections::BTreeMap<NodeId, Member>) -> Vec<pb::ClusterMember> {
    m.iter()
        .map(|(&id, m)| pb::ClusterMember {
            id,
            raft_addr: m.raft_addr.clone(),
            client_addr: m.client_addr.clone(),
        })
        .collect()
}

fn membership_reply(
    r: Result<MembershipView, MembershipError>,
) -> Result<Response<pb::MembershipResponse>, Status> {
    let view = r.map_err(|e| membership_status(&e))?;
    Ok(Response::new(pb::MembershipResponse {
        log_index: view.log_index,
        voters: members(&view.voters),
        learners: members(&view.learners),
        joint: view.joint,
    }))
}

/// Node ids of a request: at least one, none twice, none 0.
fn ids_of(ids: Vec<u64>) -> Result<Vec<NodeId>, Status> {
    if ids.is_empty() {
        return Err(Status::invalid_argument("ids: give at least one node id"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for &id in &ids {
        if id == 0 {
            return Err(Status::invalid_argument("ids: node ids start at 1"));
        }
        if !seen.insert(id) {
            return Err(Status::invalid_argument(format!(
                "ids: node {id} given twice"
            )));
        }
    }
    Ok(ids)
}

/// The tonic service over an [`Admin`].
pub(crate) struct AdminSvc<A> {
    node: Arc<A>,
}

impl<A> std::fmt::Debug for AdminSvc<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSvc").finish_non_exhaustive()
    }
}

impl<A: Admin> AdminSvc<A> {
    /// Admin requests carry no payload worth a limit of their own; the domain services' limit
    /// applies.
    pub(crate) fn server(
        node: Arc<A>,
        limits: super::ServiceLimits,
    ) -> AdminServiceServer<AdminSvc<A>> {
        AdminServiceServer::new(AdminSvc { node })
            .max_decoding_message_size(limits.request_bytes_max)
    }
}

type SaveSnapshotStream =
    Pin<Box<dyn Stream<Item = Result<pb::SaveSnapshotResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl<A: Admin> AdminService for AdminSvc<A> {
    type SaveSnapshotStream = SaveSnapshotStream;

    async fn save_snapshot(
        &self,
        request: Request<pb::SaveSnapshotRequest>,
    ) -> Result<Response<SaveSnapshotStream>, Status> {
        let chunk_bytes = match request.into_inner().chunk_bytes {
            0 => SNAPSHOT_CHUNK_BYTES_MAX,
            n if (n as usize) <= SNAPSHOT_CHUNK_BYTES_MAX => n as usize,
            n => {
                return Err(Status::invalid_argument(format!(
                    "chunk_bytes ({n}) must be at most {SNAPSHOT_CHUNK_BYTES_MAX}"
                )))
            }
        };
        let node_id = self
            .node
            .status()
            .await
            .map_err(|e| status_from_node_error(&e))?
            .node_id;
        let s = self
            .node
            .save_snapshot(chunk_bytes)
            .await
            .map_err(|e| status_from_node_error(&e))?;
        let first = pb::SaveSnapshotResponse {
            info: Some(snapshot_info(node_id, &s.info)),
            data: Vec::new(),
        };
        let rest = ReceiverStream::new(s.chunks).map(|chunk| match chunk {
            Ok(data) => Ok(pb::SaveSnapshotResponse { info: None, data }),
            Err(why) => Err(Status::unavailable(format!(
                "writing the snapshot failed: {why}"
            ))),
        });
        Ok(Response::new(Box::pin(
            stream::once(async { Ok(first) }).chain(rest),
        )))
    }

    async fn status(
        &self,
        _request: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusResponse>, Status> {
        let status = self
            .node
            .status()
            .await
            .map_err(|e| status_from_node_error(&e))?;
        Ok(Response::new(status.into()))
    }

    async fn state_digest(
        &self,
        _request: Request<pb::StateDigestRequest>,
    ) -> Result<Response<pb::StateDigestResponse>, Status> {
        let digest = self
            .node
            .state_digest()
            .await
            .map_err(|e| status_from_node_error(&e))?;
        Ok(Response::new(digest.into()))
    }

    async fn add_learner(
        &self,
        request: Request<pb::AddLearnerRequest>,
    ) -> Result<Response<pb::MembershipResponse>, Status> {
        let m = request
            .into_inner()
            .member
            .ok_or_else(|| Status::invalid_argument("member: required"))?;
        if m.id == 0 {
            return Err(Status::invalid_argument("member.id: node ids start at 1"));
        }
        let member = Member {
            raft_addr: m.raft_addr,
            client_addr: m.client_addr,
        };
        membership_reply(self.node.add_learner(m.id, member).await)
    }

    async fn promote(
        &self,
        request: Request<pb::PromoteRequest>,
    ) -> Result<Response<pb::MembershipResponse>, Status> {
        let ids = ids_of(request.into_inner().ids)?;
        membership_reply(self.node.promote(ids).await)
    }

    async fn remove(
        &self,
        request: Request<pb::RemoveRequest>,
    ) -> Result<Response<pb::MembershipResponse>, Status> {
        let ids = ids_of(request.into_inner().ids)?;
        membership_reply(self.node.remove(ids).await)
    }

    async fn transfer_leader(
        &self,
        request: Request<pb::TransferLeaderRequest>,
    ) -> Result<Response<pb::TransferLeaderResponse>, Status> {
        let to = request.into_inner().to;
        if to == 0 {
            return Err(Status::invalid_argument("to: node ids start at 1"));
        }
        self.node
            .transfer_leader(to)
            .await
            .map_err(|e| membership_status(&e))?;
        Ok(Response::new(pb::TransferLeaderResponse {}))
    }
}
