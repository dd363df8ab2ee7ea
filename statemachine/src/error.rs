//! Typed errors. Domain errors carry the game's own result codes (AzerothCore values), so a
//! gateway can put them straight into the packet it answers with. [`Error::Corrupt`] and
//! [`Error::Storage`] are not the caller's fault: `apply` turns them into [`crate::Fatal`].

use serde::{Deserialize, Serialize};

use crate::arena::ArenaResult;
use crate::channel::ChannelNotice;
use crate::character::CharacterResult;
use crate::codec::DecodeError;
use crate::mail::MailResult;
use crate::social::FriendResult;
use crate::view::StorageError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Error {
    /// A field is out of range or too large: names the field and the limit.
    #[error("invalid argument: {field} {reason}")]
    InvalidArgument { field: String, reason: String },
    /// Something the command names does not exist (and no game code covers it).
    #[error("{what} not found")]
    NotFound { what: String },
    /// Something the command would create exists already (and no game code covers it).
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    /// Character create/rename/delete, with AC's `ResponseCodes` value.
    #[error("character: {0:?} (code {code})", code = .0.code())]
    Character(CharacterResult),
    /// Friend and ignore lists, with AC's `FriendsResult` value.
    #[error("social: {0:?} (code {code:#04x})", code = .0.code())]
    Friend(FriendResult),
    /// Channels, with AC's `ChatNotify` value.
    #[error("channel: {0:?} (code {code:#04x})", code = .0.code())]
    Channel(ChannelNotice),
    /// Mail, with AC's `MailResponseResult` value.
    #[error("mail: {0:?} (code {code})", code = .0.code())]
    Mail(MailResult),
    /// Arena teams, with AC's `ArenaTeamCommandErrors` value.
    #[error("arena: {0:?} (code {code:#04x})", code = .0.code())]
    Arena(ArenaResult),
    /// The whisper target cannot be reached: offline, unknown, ignoring the sender or out of
    /// policy. Deliberately one error, so the sender learns nothing about why
    /// (`SMSG_CHAT_PLAYER_NOT_FOUND`).
    #[error("player not found")]
    PlayerNotFound,
    /// The account is locked or banned.
    #[error("account {account} is locked")]
    AccountLocked { account: u32 },
    /// The gateway has no live lease: register it first.
    #[error("gateway {gateway} is not registered or its lease lapsed")]
    UnknownGateway { gateway: String },
    /// A write whose request id is older than what the client already acknowledged.
    #[error("request {seq} of client {client} is below its acknowledged sequence {ack_below}")]
    StaleRequest {
        client: u64,
        seq: u64,
        ack_below: u64,
    },
    /// A client has too many answered writes it did not acknowledge.
    #[error("client {client} has {unacked} unacknowledged writes, the limit is {max}")]
    TooManyUnacked { client: u64, unacked: u64, max: u64 },
    /// Stored bytes did not decode.
    #[error("corrupt state: {0}")]
    Corrupt(String),
    /// The storage under the view failed.
    #[error("storage: {0}")]
    Storage(String),
}

impl Error {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    pub fn already_exists(what: impl Into<String>) -> Self {
        Error::AlreadyExists { what: what.into() }
    }

    /// Errors that mean the node itself is broken rather than the request.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Error::Corrupt(_) | Error::Storage(_))
    }

    /// The game's result code, when the error has one.
    pub fn game_code(&self) -> Option<u32> {
        match self {
            Error::Character(r) => Some(r.code()),
            Error::Friend(r) => Some(r.code()),
            Error::Channel(r) => Some(r.code()),
            Error::Mail(r) => Some(r.code()),
            Error::Arena(r) => Some(r.code()),
            _ => None,
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Corrupt(e.to_string())
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        Error::Storage(e.0)
    }
}

/// An apply that cannot go on: the node must stop applying rather than diverge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("apply failed: {0}")]
pub struct Fatal(pub String);
