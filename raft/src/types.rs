//! The openraft type config: what a log entry carries, what applying it answers, and how a
//! node is addressed.
//!
//! ```text
//!  Proposal (D)  = tavern_statemachine::Entry, serialized as its own versioned bytes
//!  Reply    (R)  = the state machine's answer, or nothing for blank and membership entries
//!  Member (Node) = the raft (peer) address and the client (gRPC) address of a node
//! ```
//!
//! Keep this file and `store/`, `network/` the only places that name openraft types, so an
//! upgrade of the pinned alpha stays local.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tavern_statemachine::{Command, Entry, Error, Response};

/// A node id. Never reused: a removed node's id stays retired.
pub type NodeId = u64;

/// How to reach a node: `raft_addr` serves the internal Raft service (peers only),
/// `client_addr` the domain services (gateways). Both are `host:port`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member {
    pub raft_addr: String,
    pub client_addr: String,
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "raft={} client={}", self.raft_addr, self.client_addr)
    }
}

/// The app data of a log entry: one state-machine [`Entry`].
///
/// A newtype because openraft wants `Display` on it and the orphan rule forbids implementing it
/// on `Entry` here. On the wire and on disk it is `Entry::encode()`: the state machine's own
/// versioned bytes, so the log format of the domain is the state machine's, not postcard's
/// view of the struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal(pub Entry);

impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}ms", command_kind(&self.0.command), self.0.time_ms)?;
        if let Some(r) = &self.0.request {
            write!(f, " req={}:{}", r.client, r.seq)?;
        }
        Ok(())
    }
}

/// The variant of a command, for logs: never the payload (mail bodies, names).
pub fn command_kind(c: &Command) -> &'static str {
    match c {
        Command::SetConfig(_) => "set_config",
        Command::Realm(_) => "realm",
        Command::Account(_) => "account",
        Command::Character(_) => "character",
        Command::Presence(_) => "presence",
        Command::Social(_) => "social",
        Command::Channel(_) => "channel",
        Command::Mail(_) => "mail",
        Command::Arena(_) => "arena",
        Command::Session(_) => "session",
    }
}

impl Serialize for Proposal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0.encode())
    }
}

impl<'de> Deserialize<'de> for Proposal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes: serde_bytes_like::Bytes = Deserialize::deserialize(d)?;
        Entry::decode(&bytes.0)
            .map(Proposal)
            .map_err(serde::de::Error::custom)
    }
}

/// A byte buffer that deserializes from serde's `bytes` (what `serialize_bytes` wrote) without
/// pulling in the `serde_bytes` crate.
mod serde_bytes_like {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    pub struct Bytes(pub Vec<u8>);

    impl<'de> Deserialize<'de> for Bytes {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Bytes;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Bytes, E> {
                    Ok(Bytes(v.to_vec()))
                }
                fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                    Ok(Bytes(v))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                    let mut out = Vec::new();
                    while let Some(b) = seq.next_element::<u8>()? {
                        out.push(b);
                    }
                    Ok(Bytes(out))
                }
            }
            d.deserialize_byte_buf(V)
        }
    }
}

/// What applying one entry answers to the proposer: the state machine's response for a
/// command (a domain error is an answer too), `None` for blank and membership entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub response: Option<Result<Response, Error>>,
}

openraft::declare_raft_types!(
    /// tavern's openraft types. Everything not named here is openraft's default (u64 terms,
    /// the "advanced" leader id, tokio runtime).
    pub TypeConfig:
        D = Proposal,
        R = Reply,
        NodeId = NodeId,
        Node = Member,
);

/// The log id (term, leader, index) of an entry.
pub type LogId = openraft::alias::LogIdOf<TypeConfig>;
/// A persisted vote.
pub type Vote = openraft::alias::VoteOf<TypeConfig>;
/// A log entry as openraft stores it.
pub type LogEntry = openraft::alias::EntryOf<TypeConfig>;
/// Membership with the log id of the entry that set it.
pub type StoredMembership = openraft::alias::StoredMembershipOf<TypeConfig>;
/// Membership config.
pub type Membership = openraft::Membership<NodeId, Member>;
/// Snapshot metadata: last log id and membership.
pub type SnapshotMeta = openraft::alias::SnapshotMetaOf<TypeConfig>;
/// The committed leader id inside a log id.
pub type CommittedLeaderId = openraft::alias::CommittedLeaderIdOf<TypeConfig>;
/// A snapshot as the stores and the network hand it over: metadata and an open file.
pub type TavernSnapshot = openraft::alias::SnapshotOf<TypeConfig, crate::store::SnapshotFile>;
/// The openraft handle of a tavern node.
pub type Raft = openraft::Raft<TypeConfig, crate::store::StateMachine>;

#[cfg(test)]
mod tests {
    use super::*;
    use tavern_statemachine::realm::{Realm, RealmCommand};
    use tavern_statemachine::RequestId;

    #[test]
    fn a_proposal_round_trips_through_postcard_as_the_entry_encoding() {
        let entry = Entry::new(
            1_700_000_000_000,
            Command::Realm(RealmCommand::Upsert(Realm {
                id: 1,
                name: "Lordaeron".into(),
                cross_realm: false,
            })),
        )
        .with_request(RequestId {
            client: 7,
            seq: 3,
            ack_below: 3,
        });
        let p = Proposal(entry.clone());
        let bytes = postcard::to_allocvec(&p).expect("encode");
        let back: Proposal = postcard::from_bytes(&bytes).expect("decode");
        assert_eq!(back, p);
        assert_eq!(p.to_string(), "realm@1700000000000ms req=7:3");
    }
}
