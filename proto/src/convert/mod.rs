//! Validating conversions between wire messages ([`crate::pb`]) and the state machine's types.
//!
//! ```text
//!  server:  pb::XRequest ──TryFrom──▶ domain Command / Query   (ConvertError → INVALID_ARGUMENT)
//!           domain Response ──WriteReply::from_response──▶ pb::XResponse
//!  client:  domain Command ──From──▶ XWrite (one variant per RPC) ──▶ pb::XRequest
//!           pb::XResponse ──WriteReply::into_response──▶ domain Response (validated too)
//! ```
//!
//! What a conversion checks: what the wire can say but the domain cannot hold (a `u32` into a
//! `u8` level, race, class, gender or GM level), strings and lists over the limits of
//! [`tavern_statemachine::limits`], and required message fields that are missing. Game rules
//! (a name's letters, a level above the configured maximum) stay with the state machine, so the
//! client gets the game's own result code for them. One module per domain; each adds its
//! request enums with [`requests!`] and its replies with [`done_reply!`] or by hand.

use std::fmt::Debug;

use tavern_statemachine::{Error, QueryResponse, Response};

use crate::pb;

mod account;
mod admin;
mod arena;
mod channel;
mod character;
mod common;
mod events;
mod mail;
mod presence;
mod realm;
mod social;

pub use account::{AccountRead, AccountWrite};
pub use admin::{
    Alarm, AlarmKind, ClusterMember, FollowerProgress, NodeRole, NodeStatus, StateDigest,
    TableSize, WatchCounts, SHA256_BYTES,
};
pub use arena::{ArenaRead, ArenaWrite, ARENA_TEAM_NAME_BYTES_MAX};
pub use channel::{ChannelRead, ChannelWrite};
pub use character::{CharacterRead, CharacterWrite, CHARACTER_NAME_BYTES_MAX};
pub use common::{ReadLevel, RequestHeader};
pub use events::{EventBatch, WatchRequest, EVENT_LIST_MAX, REPLY_EVENTS_MAX};
pub use mail::{MailRead, MailWrite, SEND_MAIL_ITEMS_MAX};
pub use presence::{PresenceRead, PresenceWrite, WHO_STRING_BYTES_MAX};
pub use realm::{RealmRead, RealmWrite};
pub use social::{SocialRead, SocialWrite};

/// A wire message the domain cannot take: names the field and the limit it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument: {field} {reason}")]
pub struct ConvertError {
    pub field: String,
    pub reason: String,
}

impl ConvertError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConvertError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A required message field is absent.
    pub fn required(field: &str) -> Self {
        ConvertError::new(field, "is required")
    }

    /// Names the error by its place in a list: `update.level` at index 3 of `updates` becomes
    /// `updates[3].level`.
    pub fn at(self, list: &str, index: usize) -> Self {
        let rest = self.field.find('.').map_or("", |i| &self.field[i..]);
        ConvertError {
            field: format!("{list}[{index}]{rest}"),
            reason: self.reason,
        }
    }

    /// Names the error by the field that holds the record: `team.name` within `roster.team`
    /// becomes `roster.team.name`.
    pub fn within(self, parent: &str) -> Self {
        let rest = self.field.find('.').map_or("", |i| &self.field[i..]);
        ConvertError {
            field: format!("{parent}{rest}"),
            reason: self.reason,
        }
    }
}

impl From<ConvertError> for Error {
    fn from(e: ConvertError) -> Self {
        Error::InvalidArgument {
            field: e.field,
            reason: e.reason,
        }
    }
}

/// The answer to a write RPC: built from the state machine's [`Response`] on the server,
/// turned back into it (validated) on the client.
pub trait WriteReply: Sized {
    /// Server side. A response of another kind than the RPC's is a bug in the caller and is
    /// reported as a [`ConvertError`] on the field `response`.
    fn from_response(header: pb::ResponseHeader, response: Response) -> Result<Self, ConvertError>;

    /// Client side.
    fn into_response(self) -> Result<Response, ConvertError>;
}

/// The answer to a read RPC, like [`WriteReply`] for [`QueryResponse`].
pub trait QueryReply: Sized {
    fn from_query_response(
        header: pb::ResponseHeader,
        response: QueryResponse,
    ) -> Result<Self, ConvertError>;

    fn into_query_response(self) -> Result<QueryResponse, ConvertError>;
}

/// The server was asked to build `rpc`'s reply from an answer of another kind.
pub(crate) fn mismatch(rpc: &str, got: &impl Debug) -> ConvertError {
    ConvertError::new("response", format!("{rpc} cannot carry {got:?}"))
}

/// A `u32` on the wire that the game keeps in one byte.
pub(crate) fn byte(field: &str, value: u32) -> Result<u8, ConvertError> {
    u8::try_from(value)
        .map_err(|_| ConvertError::new(field, format!("is {value}, the limit is {}", u8::MAX)))
}

/// A `u32` on the wire that the game keeps in 16 bits (ratings, game counters).
pub(crate) fn short(field: &str, value: u32) -> Result<u16, ConvertError> {
    u16::try_from(value)
        .map_err(|_| ConvertError::new(field, format!("is {value}, the limit is {}", u16::MAX)))
}

/// A string of at most `max` bytes.
pub(crate) fn bytes_max(field: &str, value: String, max: usize) -> Result<String, ConvertError> {
    if value.len() > max {
        return Err(ConvertError::new(
            field,
            format!("is {} bytes, the limit is {max} bytes", value.len()),
        ));
    }
    Ok(value)
}

/// An optional string of at most `max` bytes.
pub(crate) fn opt_bytes_max(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ConvertError> {
    value.map(|v| bytes_max(field, v, max)).transpose()
}

/// A list of at most `max` elements.
pub(crate) fn count_max(field: &str, n: usize, max: usize) -> Result<(), ConvertError> {
    if n > max {
        return Err(ConvertError::new(
            field,
            format!("has {n} elements, the limit is {max}"),
        ));
    }
    Ok(())
}

/// A message field the domain requires.
pub(crate) fn required<T>(field: &str, value: Option<T>) -> Result<T, ConvertError> {
    value.ok_or_else(|| ConvertError::required(field))
}

/// A required nested record, its errors named under `field` (`roster.team.name`).
pub(crate) fn nested<P, D>(field: &str, value: Option<P>) -> Result<D, ConvertError>
where
    D: TryFrom<P, Error = ConvertError>,
{
    D::try_from(required(field, value)?).map_err(|e| e.within(field))
}

/// Converts every element of a list, naming a failure by its index.
pub(crate) fn each<P, D>(
    list: &str,
    items: Vec<P>,
    f: impl Fn(P) -> Result<D, ConvertError>,
) -> Result<Vec<D>, ConvertError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, p)| f(p).map_err(|e| e.at(list, i)))
        .collect()
}

/// Declares one domain's enum of request messages (one variant per RPC), `with_header`, and the
/// conversion to the domain enum through each request's own `TryFrom`.
macro_rules! requests {
    ($(#[$doc:meta])* $name:ident => $domain:ty { $($variant:ident($req:ty)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $($variant($req)),+
        }

        impl $name {
            /// Sets the request header (request id for writes, read level for reads).
            pub fn with_header(self, header: $crate::pb::RequestHeader) -> Self {
                match self {
                    $($name::$variant(mut r) => {
                        r.header = Some(header);
                        $name::$variant(r)
                    })+
                }
            }

            /// The RPC's method name, as in the `.proto` service.
            pub fn rpc(&self) -> &'static str {
                match self {
                    $($name::$variant(_) => stringify!($variant)),+
                }
            }
        }

        impl TryFrom<$name> for $domain {
            type Error = $crate::convert::ConvertError;

            fn try_from(r: $name) -> Result<Self, Self::Error> {
                match r {
                    $($name::$variant(r) => <$domain>::try_from(r)),+
                }
            }
        }
    };
}
pub(crate) use requests;

/// Implements [`WriteReply`] for responses that carry only the header
/// (the state machine answered [`Response::Done`]).
macro_rules! done_reply {
    ($($msg:ty),+ $(,)?) => {
        $(impl $crate::convert::WriteReply for $msg {
            fn from_response(
                header: $crate::pb::ResponseHeader,
                response: tavern_statemachine::Response,
            ) -> Result<Self, $crate::convert::ConvertError> {
                match response {
                    tavern_statemachine::Response::Done => Ok(Self { header: Some(header) }),
                    other => Err($crate::convert::mismatch(stringify!($msg), &other)),
                }
            }

            fn into_response(
                self,
            ) -> Result<tavern_statemachine::Response, $crate::convert::ConvertError> {
                Ok(tavern_statemachine::Response::Done)
            }
        })+
    };
}
pub(crate) use done_reply;

impl From<tavern_statemachine::CharacterId> for pb::CharacterId {
    fn from(id: tavern_statemachine::CharacterId) -> Self {
        pb::CharacterId {
            realm: id.realm,
            low: id.low,
        }
    }
}

impl From<pb::CharacterId> for tavern_statemachine::CharacterId {
    fn from(id: pb::CharacterId) -> Self {
        tavern_statemachine::CharacterId {
            realm: id.realm,
            low: id.low,
        }
    }
}

/// A required character id.
pub(crate) fn character_id(
    field: &str,
    id: Option<pb::CharacterId>,
) -> Result<tavern_statemachine::CharacterId, ConvertError> {
    required(field, id).map(Into::into)
}

/// `impl TryFrom<$req> for $domain` from one expression over the request.
macro_rules! try_from {
    ($req:ty => $domain:ty, |$r:ident| $body:expr) => {
        impl TryFrom<$req> for $domain {
            type Error = ConvertError;

            fn try_from($r: $req) -> Result<Self, ConvertError> {
                Ok($body)
            }
        }
    };
}
pub(crate) use try_from;

/// `WriteReply` for a message answering `Response::$domain($pat)`: the pattern's bindings fill
/// the message fields, `$back` rebuilds the domain response from the message `$m`.
macro_rules! write_reply {
    ($domain:ident, $msg:ty, $rpc:literal, $pat:pat => { $($field:ident $(: $value:expr)?),* $(,)? }, |$m:ident| $back:expr) => {
        impl WriteReply for $msg {
            fn from_response(
                header: pb::ResponseHeader,
                response: Response,
            ) -> Result<Self, ConvertError> {
                match response {
                    Response::$domain($pat) => Ok(Self {
                        header: Some(header),
                        $($field $(: $value)?),*
                    }),
                    other => Err(mismatch($rpc, &other)),
                }
            }

            fn into_response(self) -> Result<Response, ConvertError> {
                let $m = self;
                Ok(Response::$domain($back))
            }
        }
    };
}
pub(crate) use write_reply;

/// `QueryReply` for a message answering `QueryResponse::$domain($pat)` (see [`write_reply!`]).
macro_rules! query_reply {
    ($domain:ident, $msg:ty, $rpc:literal, $pat:pat => { $($field:ident $(: $value:expr)?),* $(,)? }, |$m:ident| $back:expr) => {
        impl QueryReply for $msg {
            fn from_query_response(
                header: pb::ResponseHeader,
                response: QueryResponse,
            ) -> Result<Self, ConvertError> {
                match response {
                    QueryResponse::$domain($pat) => Ok(Self {
                        header: Some(header),
                        $($field $(: $value)?),*
                    }),
                    other => Err(mismatch($rpc, &other)),
                }
            }

            fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
                let $m = self;
                Ok(QueryResponse::$domain($back))
            }
        }
    };
}
pub(crate) use query_reply;
