//! The one place that maps [`tavern_statemachine::Error`] to [`tonic::Status`] and back.
//!
//! | Error | gRPC code |
//! |---|---|
//! | `InvalidArgument` (and [`ConvertError`]) | `INVALID_ARGUMENT` |
//! | `NotFound`, `PlayerNotFound` | `NOT_FOUND` |
//! | `AlreadyExists` | `ALREADY_EXISTS` |
//! | game errors (`Character`, `Friend`, `Channel`, `Mail`, `Arena`) | `FAILED_PRECONDITION` |
//! | `AccountLocked`, `UnknownGateway`, `StaleRequest` | `FAILED_PRECONDITION` |
//! | `TooManyUnacked` | `RESOURCE_EXHAUSTED` |
//! | `Corrupt`, `Storage` | `INTERNAL` |
//!
//! A call the node could not serve at all ([`NodeError`]) maps the same way, with its own kinds:
//!
//! | NodeError | gRPC code | why that code |
//! |---|---|---|
//! | `NotLeader` | `UNAVAILABLE` | retryable elsewhere; the detail names the leader's address |
//! | `Unavailable` | `UNAVAILABLE` | no leader or quorum yet: retry with backoff |
//! | `Timeout` | `DEADLINE_EXCEEDED` | a write's fate is unknown: retry with the same request id |
//! | `TooStale` | `FAILED_PRECONDITION` | the read asked for fresher data than this node has |
//! | `ReadLevelUnavailable` | `FAILED_PRECONDITION` | the node's config does not serve that level |
//! | `Halted` | `UNAVAILABLE` | this node serves nothing more; another node can |
//! | `Compacted` | `OUT_OF_RANGE` | watch: events before `first_index` are gone; resync |
//! | `WatchLagged` | `ABORTED` | watch: cut off for falling behind; resume from the last index |
//! | `TooManyWatches` | `RESOURCE_EXHAUSTED` | watch: the node's stream limit |
//! | `NoSpace` | `RESOURCE_EXHAUSTED` | a quota or disk alarm: free data (deletes pass) or space, not retry now |
//!
//! The status message is the error's text. The error itself travels as a `tavern.v1.ErrorDetail`
//! packed in a `google.rpc.Status` in the status details (the `grpc-status-details-bin` header),
//! the form every gRPC library reads. [`error_from_status`] rebuilds the exact domain error.
//! Game results are carried by name and by AzerothCore code; the name must decode to a
//! result whose code is the one sent, so game result enums must stay unit-only.

use prost::Message;
use serde::de::{value::StrDeserializer, DeserializeOwned, IntoDeserializer};
use tavern_statemachine::Error;
use tonic::{Code, Status};

use crate::convert::ConvertError;
use crate::pb::{ErrorDetail, ErrorKind};
use crate::NodeError;

/// The type URL of [`ErrorDetail`] inside a `google.protobuf.Any`.
pub const ERROR_DETAIL_TYPE_URL: &str = "type.googleapis.com/tavern.v1.ErrorDetail";

/// `google.rpc.Status`, as it goes into the status details.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
struct Any {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// The gRPC code an error is answered with.
pub fn code_of(e: &Error) -> Code {
    match e {
        Error::InvalidArgument { .. } => Code::InvalidArgument,
        Error::NotFound { .. } | Error::PlayerNotFound => Code::NotFound,
        Error::AlreadyExists { .. } => Code::AlreadyExists,
        Error::Character(_)
        | Error::Friend(_)
        | Error::Channel(_)
        | Error::Mail(_)
        | Error::Arena(_)
        | Error::AccountLocked { .. }
        | Error::UnknownGateway { .. }
        | Error::StaleRequest { .. } => Code::FailedPrecondition,
        Error::TooManyUnacked { .. } => Code::ResourceExhausted,
        Error::Corrupt(_) | Error::Storage(_) => Code::Internal,
    }
}

/// The wire form of a domain error.
pub fn detail_of(e: &Error) -> ErrorDetail {
    let mut d = ErrorDetail::default();
    let kind = match e {
        Error::InvalidArgument { field, reason } => {
            d.field = field.clone();
            d.reason = reason.clone();
            ErrorKind::InvalidArgument
        }
        Error::NotFound { what } => {
            d.what = what.clone();
            ErrorKind::NotFound
        }
        Error::AlreadyExists { what } => {
            d.what = what.clone();
            ErrorKind::AlreadyExists
        }
        Error::Character(r) => game(&mut d, r, r.code(), ErrorKind::Character),
        Error::Friend(r) => game(&mut d, r, r.code(), ErrorKind::Friend),
        Error::Channel(r) => game(&mut d, r, r.code(), ErrorKind::Channel),
        Error::Mail(r) => game(&mut d, r, r.code(), ErrorKind::Mail),
        Error::Arena(r) => game(&mut d, r, r.code(), ErrorKind::Arena),
        Error::PlayerNotFound => ErrorKind::PlayerNotFound,
        Error::AccountLocked { account } => {
            d.account = *account;
            ErrorKind::AccountLocked
        }
        Error::UnknownGateway { gateway } => {
            d.gateway = gateway.clone();
            ErrorKind::UnknownGateway
        }
        Error::StaleRequest {
            client,
            seq,
            ack_below,
        } => {
            (d.client, d.seq, d.ack_below) = (*client, *seq, *ack_below);
            ErrorKind::StaleRequest
        }
        Error::TooManyUnacked {
            client,
            unacked,
            max,
        } => {
            (d.client, d.unacked, d.max) = (*client, *unacked, *max);
            ErrorKind::TooManyUnacked
        }
        Error::Corrupt(reason) => {
            d.reason = reason.clone();
            ErrorKind::Corrupt
        }
        Error::Storage(reason) => {
            d.reason = reason.clone();
            ErrorKind::Storage
        }
    };
    d.set_kind(kind);
    d
}

fn game(
    d: &mut ErrorDetail,
    result: &impl std::fmt::Debug,
    code: u32,
    kind: ErrorKind,
) -> ErrorKind {
    d.game_code = code;
    d.game_result = format!("{result:?}");
    kind
}

/// A game result enum rebuilt from its name, checked against the code that came with it.
fn game_result<T: DeserializeOwned>(
    d: &ErrorDetail,
    code: impl Fn(&T) -> u32,
) -> Result<T, ConvertError> {
    let de: StrDeserializer<'_, serde::de::value::Error> =
        d.game_result.as_str().into_deserializer();
    let result = T::deserialize(de).map_err(|e| {
        ConvertError::new(
            "error.game_result",
            format!("{:?} is unknown: {e}", d.game_result),
        )
    })?;
    if code(&result) != d.game_code {
        return Err(ConvertError::new(
            "error.game_code",
            format!(
                "is {} but {} has code {}",
                d.game_code,
                d.game_result,
                code(&result)
            ),
        ));
    }
    Ok(result)
}

/// Rebuilds the domain error from its wire form.
pub fn error_of(d: &ErrorDetail) -> Result<Error, ConvertError> {
    use tavern_statemachine::{
        arena::ArenaResult, channel::ChannelNotice, character::CharacterResult, mail::MailResult,
        social::FriendResult,
    };
    Ok(match d.kind() {
        ErrorKind::Unspecified => {
            return Err(ConvertError::new("error.kind", "is unspecified"));
        }
        ErrorKind::InvalidArgument => Error::InvalidArgument {
            field: d.field.clone(),
            reason: d.reason.clone(),
        },
        ErrorKind::NotFound => Error::NotFound {
            what: d.what.clone(),
        },
        ErrorKind::AlreadyExists => Error::AlreadyExists {
            what: d.what.clone(),
        },
        ErrorKind::Character => Error::Character(game_result(d, |r: &CharacterResult| r.code())?),
        ErrorKind::Friend => Error::Friend(game_result(d, |r: &FriendResult| r.code())?),
        ErrorKind::Channel => Error::Channel(game_result(d, |r: &ChannelNotice| r.code())?),
        ErrorKind::Mail => Error::Mail(game_result(d, |r: &MailResult| r.code())?),
        ErrorKind::Arena => Error::Arena(game_result(d, |r: &ArenaResult| r.code())?),
        ErrorKind::PlayerNotFound => Error::PlayerNotFound,
        ErrorKind::AccountLocked => Error::AccountLocked { account: d.account },
        ErrorKind::UnknownGateway => Error::UnknownGateway {
            gateway: d.gateway.clone(),
        },
        ErrorKind::StaleRequest => Error::StaleRequest {
            client: d.client,
            seq: d.seq,
            ack_below: d.ack_below,
        },
        ErrorKind::TooManyUnacked => Error::TooManyUnacked {
            client: d.client,
            unacked: d.unacked,
            max: d.max,
        },
        ErrorKind::Corrupt => Error::Corrupt(d.reason.clone()),
        ErrorKind::Storage => Error::Storage(d.reason.clone()),
        ErrorKind::NotLeader
        | ErrorKind::Unavailable
        | ErrorKind::Timeout
        | ErrorKind::TooStale
        | ErrorKind::ReadLevelUnavailable
        | ErrorKind::Halted
        | ErrorKind::Compacted
        | ErrorKind::WatchLagged
        | ErrorKind::TooManyWatches
        | ErrorKind::NoSpace => {
            return Err(ConvertError::new(
                "error.kind",
                format!(
                    "{} is a node error, not a domain error",
                    d.kind().as_str_name()
                ),
            ));
        }
    })
}

/// The status a failed call answers with.
pub fn status_from_error(e: &Error) -> Status {
    status_with_detail(code_of(e), e.to_string(), detail_of(e))
}

/// `message` and `detail` packed the way every gRPC library reads them.
fn status_with_detail(code: Code, message: String, detail: ErrorDetail) -> Status {
    let details = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details: vec![Any {
            type_url: ERROR_DETAIL_TYPE_URL.to_string(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(code, message, details.encode_to_vec().into())
}

/// The [`ErrorDetail`] in a status, when it has one.
pub fn detail_from_status(status: &Status) -> Option<ErrorDetail> {
    let rpc = RpcStatus::decode(status.details()).ok()?;
    rpc.details
        .iter()
        .find(|any| any.type_url == ERROR_DETAIL_TYPE_URL)
        .and_then(|any| ErrorDetail::decode(any.value.as_slice()).ok())
}

/// The domain error a status carries. `None` when it carries none (a transport error, a status
/// from something that is not tavern) or one this build cannot read.
pub fn error_from_status(status: &Status) -> Option<Error> {
    detail_from_status(status).and_then(|d| error_of(&d).ok())
}

impl From<ConvertError> for Status {
    fn from(e: ConvertError) -> Self {
        status_from_error(&e.into())
    }
}

/// The gRPC code a call the node could not serve is answered with (see the table above).
pub fn code_of_node_error(e: &NodeError) -> Code {
    match e {
        NodeError::NotLeader { .. } | NodeError::Unavailable(_) | NodeError::Halted(_) => {
            Code::Unavailable
        }
        NodeError::Timeout { .. } => Code::DeadlineExceeded,
        NodeError::TooStale { .. } | NodeError::ReadLevelUnavailable(_) => Code::FailedPrecondition,
        NodeError::Compacted { .. } => Code::OutOfRange,
        NodeError::WatchLagged { .. } => Code::Aborted,
        NodeError::TooManyWatches { .. } => Code::ResourceExhausted,
        NodeError::NoSpace { .. } => Code::ResourceExhausted,
    }
}

/// The wire form of a node error.
pub fn detail_of_node_error(e: &NodeError) -> ErrorDetail {
    let mut d = ErrorDetail::default();
    let kind = match e {
        NodeError::NotLeader {
            leader_id,
            leader_addr,
        } => {
            (d.leader_id, d.leader_addr) = (*leader_id, leader_addr.clone());
            ErrorKind::NotLeader
        }
        NodeError::Unavailable(reason) => {
            d.reason = reason.clone();
            ErrorKind::Unavailable
        }
        NodeError::Timeout { after_ms } => {
            d.after_ms = *after_ms;
            ErrorKind::Timeout
        }
        NodeError::TooStale { stale_ms, max_ms } => {
            (d.stale_ms, d.max_ms) = (*stale_ms, *max_ms);
            ErrorKind::TooStale
        }
        NodeError::ReadLevelUnavailable(reason) => {
            d.reason = reason.clone();
            ErrorKind::ReadLevelUnavailable
        }
        NodeError::Halted(reason) => {
            d.reason = reason.clone();
            ErrorKind::Halted
        }
        NodeError::Compacted { first_index } => {
            d.first_index = *first_index;
            ErrorKind::Compacted
        }
        NodeError::WatchLagged { resume_index } => {
            d.resume_index = *resume_index;
            ErrorKind::WatchLagged
        }
        NodeError::TooManyWatches { max } => {
            d.max = *max;
            ErrorKind::TooManyWatches
        }
        NodeError::NoSpace { alarm, detail } => {
            d.reason = detail.clone();
            d.set_alarm((*alarm).into());
            ErrorKind::NoSpace
        }
    };
    d.set_kind(kind);
    d
}

/// Rebuilds the node error from its wire form; `None` for a domain error's kind.
pub fn node_error_of(d: &ErrorDetail) -> Option<NodeError> {
    Some(match d.kind() {
        ErrorKind::NotLeader => NodeError::NotLeader {
            leader_id: d.leader_id,
            leader_addr: d.leader_addr.clone(),
        },
        ErrorKind::Unavailable => NodeError::Unavailable(d.reason.clone()),
        ErrorKind::Timeout => NodeError::Timeout {
            after_ms: d.after_ms,
        },
        ErrorKind::TooStale => NodeError::TooStale {
            stale_ms: d.stale_ms,
            max_ms: d.max_ms,
        },
        ErrorKind::ReadLevelUnavailable => NodeError::ReadLevelUnavailable(d.reason.clone()),
        ErrorKind::Halted => NodeError::Halted(d.reason.clone()),
        ErrorKind::Compacted => NodeError::Compacted {
            first_index: d.first_index,
        },
        ErrorKind::WatchLagged => NodeError::WatchLagged {
            resume_index: d.resume_index,
        },
        ErrorKind::TooManyWatches => NodeError::TooManyWatches { max: d.max },
        ErrorKind::NoSpace => NodeError::NoSpace {
            alarm: crate::convert::AlarmKind::try_from(d.alarm()).ok()?,
            detail: d.reason.clone(),
        },
        ErrorKind::Unspecified
        | ErrorKind::InvalidArgument
        | ErrorKind::NotFound
        | ErrorKind::AlreadyExists
        | ErrorKind::Character
        | ErrorKind::Friend
        | ErrorKind::Channel
        | ErrorKind::Mail
        | ErrorKind::Arena
        | ErrorKind::PlayerNotFound
        | ErrorKind::AccountLocked
        | ErrorKind::UnknownGateway
        | ErrorKind::StaleRequest
        | ErrorKind::TooManyUnacked
        | ErrorKind::Corrupt
        | ErrorKind::Storage => return None,
    })
}

/// The status a call the node could not serve answers with.
pub fn status_from_node_error(e: &NodeError) -> Status {
    status_with_detail(
        code_of_node_error(e),
        e.to_string(),
        detail_of_node_error(e),
    )
}

/// The node error a status carries; `None` for a domain error, a transport error or a status
/// from something that is not tavern.
pub fn node_error_from_status(status: &Status) -> Option<NodeError> {
    detail_from_status(status).and_then(|d| node_error_of(&d))
}
