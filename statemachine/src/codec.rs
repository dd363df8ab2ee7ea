//! The versioned compact encoding of records and log entries.
//!
//! ```text
//! record value : [RECORD_FORMAT_VERSION: u8][postcard(record)]
//! log entry    : [ENTRY_FORMAT_VERSION: u8][postcard(Entry)]
//! ```
//! A decoder refuses a version it does not know instead of guessing; an upgrade adds a new
//! version and a conversion from the old one, and keeps an old-version fixture in the tests.

use serde::{de::DeserializeOwned, Serialize};

/// Version of every record value written by this build.
pub const RECORD_FORMAT_VERSION: u8 = 1;
/// Version of every encoded [`crate::Entry`] written by this build.
pub const ENTRY_FORMAT_VERSION: u8 = 1;

/// Bytes that could not be decoded: a damaged disk or a node of another version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty {what}")]
    Empty { what: &'static str },
    #[error("{what} has format version {found}, this build reads only version {supported}")]
    Version {
        what: &'static str,
        found: u8,
        supported: u8,
    },
    #[error("{what} does not decode: {reason}")]
    Malformed { what: &'static str, reason: String },
}

/// Encodes `value` behind `version`.
pub fn encode_versioned<T: Serialize + ?Sized>(version: u8, value: &T) -> Vec<u8> {
    let mut out = vec![version];
    // postcard serializes every type of this crate (no maps with non-string keys, no
    // unsized sequences): a failure here is a programming error, not bad input.
    let body = postcard::to_stdvec(value).expect("tavern types always serialize with postcard");
    out.extend_from_slice(&body);
    out
}

/// Decodes bytes written by [`encode_versioned`] with `version`.
pub fn decode_versioned<T: DeserializeOwned>(
    what: &'static str,
    version: u8,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    let (&found, body) = bytes.split_first().ok_or(DecodeError::Empty { what })?;
    if found != version {
        return Err(DecodeError::Version {
            what,
            found,
            supported: version,
        });
    }
    postcard::from_bytes(body).map_err(|e| DecodeError::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// A value stored under a key. The encoding carries [`RECORD_FORMAT_VERSION`].
pub trait Record: Serialize + DeserializeOwned {
    /// Names the record in errors ("mail", "friend edge").
    const WHAT: &'static str;

    fn encode(&self) -> Vec<u8> {
        encode_versioned(RECORD_FORMAT_VERSION, self)
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_versioned(Self::WHAT, RECORD_FORMAT_VERSION, bytes)
    }
}

/// Index entries that carry no value store this.
impl Record for () {
    const WHAT: &'static str = "index entry";
}

impl Record for u32 {
    const WHAT: &'static str = "u32 value";
}

impl Record for u64 {
    const WHAT: &'static str = "u64 value";
}
