//! tavern-proto: the wire contract.
//!
//! It owns the `.proto` files (`proto/tavern/v1/`), the code tonic-build generates from them
//! ([`pb`]), the validating conversions between wire messages and the state machine's types
//! ([`convert`]) and the one mapping between [`tavern_statemachine::Error`] and
//! [`tonic::Status`] ([`status`]).
//!
//! Entry points: `TryFrom<pb::XRequest>` for the domain command or query (server side, rejects
//! what is out of range or over a limit with a [`ConvertError`] naming the field), the
//! `*Write`/`*Read` enums (client side, built `From` a domain command or query), the
//! [`WriteReply`]/[`QueryReply`] traits for responses, and
//! [`status::status_from_error`]/[`status::error_from_status`] (and their [`NodeError`]
//! counterparts, for calls a node could not serve).
//!
//! Architecture invariant: no I/O and no runtime here beyond what tonic's generated code
//! needs; no dependency on rocksdb or openraft. The `.proto` files stay language-neutral: a Go
//! or Python gateway generates its client from them.

pub mod convert;
mod node_error;
pub mod status;

pub use convert::{
    ConvertError, EventBatch, QueryReply, ReadLevel, RequestHeader, WatchRequest, WriteReply,
};
pub use node_error::NodeError;

/// Generated messages, clients and servers of package `tavern.v1`.
#[allow(
    missing_docs,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod pb {
    tonic::include_proto!("tavern.v1");
}

/// The encoded `FileDescriptorSet` of every tavern `.proto` file, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/tavern_descriptor.bin"));
