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
//! `TestNode` over its in-memory state. Membership changes (add learner, promote, remove,
//! transfer leader) will be more methods of [`Admin`] and more RPCs here.

use std::future::Future;
use std::sync::Arc;

use tavern_proto::convert::{NodeStatus, StateDigest};
use tavern_proto::pb;
use tavern_proto::pb::admin_service_server::{AdminService, AdminServiceServer};
use tavern_proto::status::status_from_node_error;
use tonic::{Request, Response, Status};

use crate::api::NodeError;

/// What the admin service needs from a node.
pub trait Admin: Send + Sync + 'static {
    /// This node's view of itself and the cluster. Cheap: no I/O.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, NodeError>> + Send;

    /// The digest of the whole state and the applied index it was taken at, from one
    /// consistent point. Reads every record.
    fn state_digest(&self) -> impl Future<Output = Result<StateDigest, NodeError>> + Send;
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

#[tonic::async_trait]
impl<A: Admin> AdminService for AdminSvc<A> {
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
}
