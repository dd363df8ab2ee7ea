//! Who a node is (its cluster and its node id), and the two checks that keep it from mixing its
//! data or its messages with another node's.
//!
//! ```text
//!  at start:  <data_dir>/db sm_meta "identity" ──compare──▶ config {cluster_id, node_id}
//!               absent (a fresh store) ──▶ written, before anything else is
//!               different ──────────────▶ StartError::Identity, nothing in the directory changed
//!
//!  each internal Raft request carries Envelope { cluster_id, from_node, to_node }
//!    receiver: cluster_id == mine and to_node == me, else FAILED_PRECONDITION naming both
//!    sender:   that refusal is `Unreachable` to openraft (it backs off), is kept in
//!              `network::PeerStatus` (what `TavernNode::refused_by` reports) and logged as a
//!              warning at most once per peer per `REFUSAL_WARN_INTERVAL`
//! ```
//!
//! The envelope check is what makes a wrong address harmless: after bootstrap the addresses come
//! from the membership in the log, so a node reached at an address meant for another (a typo in a
//! peer list, a machine reused, a node of another cluster on the same port) refuses every vote,
//! append and snapshot instead of taking them as its own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::network::pb::Envelope;
use crate::types::NodeId;

/// At most one warning per peer in this interval for refused messages, on either side: a
/// misconfigured peer retries every heartbeat, and one line a minute says as much as a thousand.
pub const REFUSAL_WARN_INTERVAL: Duration = Duration::from_secs(60);

/// A node's identity: persisted in its data directory on first start, carried by every internal
/// Raft request it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub cluster_id: String,
    pub node_id: NodeId,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cluster {:?} node {}", self.cluster_id, self.node_id)
    }
}

impl Identity {
    pub fn new(cluster_id: impl Into<String>, node_id: NodeId) -> Self {
        Identity {
            cluster_id: cluster_id.into(),
            node_id,
        }
    }

    /// The envelope of a request from this node to node `to`.
    pub fn envelope_to(&self, to: NodeId) -> Envelope {
        Envelope {
            cluster_id: self.cluster_id.clone(),
            from_node: self.node_id,
            to_node: to,
        }
    }

    /// Whether a request with `envelope` is for this node; the refusal says who this node is,
    /// whom the request was for, and whose configuration to check.
    pub fn admit(&self, envelope: Option<&Envelope>) -> Result<(), String> {
        let Some(e) = envelope else {
            return Err(format!(
                "this is node {} of cluster {:?}; the request carries no identity (a node of an \
                 older build?): refused",
                self.node_id, self.cluster_id
            ));
        };
        if e.cluster_id == self.cluster_id && e.to_node == self.node_id {
            return Ok(());
        }
        let cluster = if e.cluster_id == self.cluster_id {
            String::new()
        } else {
            format!(" of cluster {:?}", e.cluster_id)
        };
        Err(format!(
            "this is node {} of cluster {:?}, the message from node {}{cluster} was for node \
             {}{cluster}: check the peer list of node {} (its address for node {} points here)",
            self.node_id, self.cluster_id, e.from_node, e.to_node, e.from_node, e.to_node
        ))
    }
}

/// Rate-limits warnings per key (a peer's node id): `due` says whether to log now.
#[derive(Debug, Default)]
pub struct WarnLimiter {
    last: Mutex<BTreeMap<u64, Instant>>,
}

impl WarnLimiter {
    /// True at most once per [`REFUSAL_WARN_INTERVAL`] for each `key`.
    pub fn due(&self, key: u64) -> bool {
        // A std mutex, never held across an `.await`.
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match last.get(&key) {
            Some(at) if now.duration_since(*at) < REFUSAL_WARN_INTERVAL => false,
            _ => {
                last.insert(key, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_for_another_node_or_cluster_is_refused_with_both_names() {
        let me = Identity::new("azeroth", 4);
        assert_eq!(
            me.admit(Some(&Identity::new("azeroth", 1).envelope_to(4))),
            Ok(())
        );
        assert_eq!(
            me.admit(Some(&Identity::new("azeroth", 1).envelope_to(3))),
            Err(
                "this is node 4 of cluster \"azeroth\", the message from node 1 was for node 3: \
                 check the peer list of node 1 (its address for node 3 points here)"
                    .to_string()
            )
        );
        assert_eq!(
            me.admit(Some(&Identity::new("outland", 1).envelope_to(4))),
            Err(
                "this is node 4 of cluster \"azeroth\", the message from node 1 of cluster \
                 \"outland\" was for node 4 of cluster \"outland\": check the peer list of node 1 \
                 (its address for node 4 points here)"
                    .to_string()
            )
        );
        assert!(me.admit(None).is_err_and(|e| e.contains("no identity")));
    }
}
