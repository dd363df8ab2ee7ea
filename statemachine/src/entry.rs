//! A log entry: what the leader proposes and every node applies.

use serde::{Deserialize, Serialize};

use crate::codec::{decode_versioned, encode_versioned, DecodeError, ENTRY_FORMAT_VERSION};
use crate::command::Command;
use crate::ids::RequestId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stamped once by the leader at propose time; every expiry is decided from it.
    pub time_ms: u64,
    /// Present for writes that must be applied exactly once.
    pub request: Option<RequestId>,
    pub command: Command,
}

impl Entry {
    pub fn new(time_ms: u64, command: Command) -> Self {
        Entry {
            time_ms,
            request: None,
            command,
        }
    }

    pub fn with_request(mut self, request: RequestId) -> Self {
        self.request = Some(request);
        self
    }

    /// `[ENTRY_FORMAT_VERSION][postcard]`.
    pub fn encode(&self) -> Vec<u8> {
        encode_versioned(ENTRY_FORMAT_VERSION, self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
        decode_versioned("log entry", ENTRY_FORMAT_VERSION, bytes)
    }
}
