//! [`Error`]: what a call through the client can end with, other than its answer.
//!
//! Built from the node's status by `tavern_proto::status` (the one mapping of the project): a
//! domain error (a game result, a missing row) comes back as the exact
//! [`tavern_statemachine::Error`] the state machine returned; a call no node could serve
//! becomes [`Error::NotLeader`], [`Error::Unavailable`] or [`Error::Deadline`] once the
//! retries are spent.

use tavern_proto::NodeError;

/// Why a call did not get an answer from the state machine, or the state machine's refusal.
///
/// ```
/// use tavern_gateway::Error;
/// let e = Error::Unavailable { reason: "no leader".into(), attempts: 3 };
/// assert!(e.to_string().contains("no leader"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Every attempt reached a node that was not the leader (the last one named `leader`).
    #[error("no leader answered after {attempts} attempts (last named leader: {leader:?})")]
    NotLeader {
        leader: Option<String>,
        attempts: u32,
    },
    /// No node could serve the call within the retries (down, no quorum, halted).
    #[error("cluster unavailable after {attempts} attempts: {reason}")]
    Unavailable { reason: String, attempts: u32 },
    /// The call's overall deadline passed; a write's fate is unknown.
    #[error("deadline of {after_ms} ms exceeded")]
    Deadline { after_ms: u64 },
    /// The request was refused before the state machine saw it (a field out of range or over
    /// a limit), by this library or by the node.
    #[error("invalid argument: {field} {reason}")]
    InvalidArgument { field: String, reason: String },
    /// The state machine's refusal: a game result (with its AzerothCore code, see
    /// [`Error::game_code`]), not found, already exists, a locked account...
    #[error(transparent)]
    Domain(tavern_statemachine::Error),
    /// A refusal of the node that retrying elsewhere does not fix as is (a read level it does
    /// not serve, data staler than asked).
    #[error("node refused the call: {0}")]
    Node(NodeError),
    /// The node refused this client: no token, a token it does not accept (`ClientOptions::token`).
    #[error("refused by the node: {0}")]
    Unauthenticated(String),
    /// An endpoint that is not a valid address.
    #[error("bad endpoint {endpoint:?}: {reason}")]
    Endpoint { endpoint: String, reason: String },
    /// The node answered something this client cannot read (another version, a bug).
    #[error("unexpected answer: {0}")]
    Protocol(String),
}

impl Error {
    /// The AzerothCore result code of a game error (`MailResult`, `CharacterResult`...).
    ///
    /// ```
    /// use tavern_gateway::Error;
    /// assert_eq!(Error::Deadline { after_ms: 10 }.game_code(), None);
    /// ```
    pub fn game_code(&self) -> Option<u32> {
        match self {
            Error::Domain(e) => {
                let code = tavern_proto::status::detail_of(e).game_code;
                (code != 0).then_some(code)
            }
            _ => None,
        }
    }

    /// Whether the call may have been applied: a write that ended so may or may not have
    /// happened (retry it with [`crate::Client::write_with_request`] and the same id to know).
    ///
    /// ```
    /// use tavern_gateway::Error;
    /// assert!(Error::Deadline { after_ms: 10 }.fate_unknown());
    /// ```
    pub fn fate_unknown(&self) -> bool {
        matches!(self, Error::Deadline { .. } | Error::Unavailable { .. })
    }
}

impl From<tavern_proto::ConvertError> for Error {
    fn from(e: tavern_proto::ConvertError) -> Self {
        Error::InvalidArgument {
            field: e.field,
            reason: e.reason,
        }
    }
}
