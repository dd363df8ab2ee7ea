//! The internal Raft service between nodes: openraft's RPCs over gRPC.
//!
//! ```text
//!  openraft ──RaftNetworkV2──▶ PeerClient ──gRPC RaftInternal──▶ RaftService ──▶ openraft (peer)
//!           vote, pre-vote, append entries, transfer leader: one unary call each
//!           snapshot: client-streaming, header then file chunks ≤ SNAPSHOT_CHUNK_BYTES_MAX
//!  follower ──crate::reads──▶ ReadIndex (unary, tavern's own ReadIndexReply) ──▶ leader
//! ```
//! Every request carries an `Envelope` (the sender's cluster id, its node id, the node id it is
//! for); the receiver refuses one of another cluster or for another node with
//! `FAILED_PRECONDITION`, a code this service uses for nothing else (`crate::identity`).
//!
//! Payloads are openraft's own serde types in postcard behind a version byte
//! (`RAFT_WIRE_VERSION`): only nodes of one build talk this protocol, and a mismatch is an
//! error, not a guess. The service is internal (`raft/proto/raft_internal.proto`), never part
//! of the public contract in `proto/`.

pub mod client;
pub mod peers;
pub mod server;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use client::{NetworkFactory, PeerClient};
pub use peers::PeerStatus;
pub use server::{Freshness, RaftService};

/// Generated from `raft/proto/raft_internal.proto`.
#[allow(clippy::all, clippy::pedantic, missing_debug_implementations)]
pub mod pb {
    tonic::include_proto!("tavern.raft.internal.v1");
}

/// The version byte in front of every payload of the internal Raft service.
pub const RAFT_WIRE_VERSION: u8 = 1;
/// Largest gRPC message either side of the Raft service accepts, in bytes (append batches
/// of large entries; snapshot chunks are far smaller).
pub const RAFT_MESSAGE_BYTES_MAX: usize = 64 << 20;

/// `[RAFT_WIRE_VERSION][postcard(value)]`.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = vec![RAFT_WIRE_VERSION];
    out.extend(postcard::to_allocvec(value).map_err(|e| e.to_string())?);
    Ok(out)
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match bytes.split_first() {
        Some((&RAFT_WIRE_VERSION, rest)) => postcard::from_bytes(rest).map_err(|e| e.to_string()),
        Some((v, _)) => Err(format!(
            "raft wire version {v}, this node speaks {RAFT_WIRE_VERSION}"
        )),
        None => Err("empty payload".into()),
    }
}
