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
    })
}

/// The status a failed call answers with.
pub fn status_from_error(e: &Error) -> Status {
    let code = code_of(e);
    let message = e.to_string();
    let details = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details: vec![Any {
            type_url: ERROR_DETAIL_TYPE_URL.to_string(),
            value: detail_of(e).encode_to_vec(),
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
