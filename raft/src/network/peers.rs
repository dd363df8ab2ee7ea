//! What this node's last requests to each peer ran into, shared by every connection the network
//! factory makes: identity refusals (another node or cluster at that address) and connection
//! failures (nothing listening there).
//!
//! ```text
//!  PeerClient call ──ok────────────▶ accepted(peer): both forgotten
//!                  ──FAILED_PRECONDITION──▶ refused(peer, message)   TavernNode::refused_by
//!                  ──transport error──────▶ unreachable(peer, now)  leader transfer gives up on it
//! ```
//! A successful call is the common case and takes no lock while nothing is recorded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::identity::{Identity, WarnLimiter};
use crate::types::NodeId;

#[derive(Debug, Default)]
struct Recorded {
    refused: BTreeMap<NodeId, String>,
    unreachable: BTreeMap<NodeId, Instant>,
}

impl Recorded {
    fn len(&self) -> usize {
        self.refused.len() + self.unreachable.len()
    }
}

/// See the module header.
#[derive(Debug, Default)]
pub struct PeerStatus {
    // A std mutex, never held across an `.await`.
    recorded: Mutex<Recorded>,
    /// Entries in `recorded`, so that a successful call takes no lock when it is empty.
    count: AtomicUsize,
    warn: WarnLimiter,
}

impl PeerStatus {
    fn update(&self, f: impl FnOnce(&mut Recorded)) {
        let mut r = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut r);
        self.count.store(r.len(), Ordering::Release);
    }

    /// `peer` refused a request from `me` with `message`; logged, rate-limited.
    pub fn refused(&self, me: &Identity, peer: NodeId, message: &str) {
        self.update(|r| {
            r.refused.insert(peer, message.to_string());
        });
        if self.warn.due(peer) {
            tracing::warn!(
                node = me.node_id,
                peer,
                refusal = %message,
                "a peer refused this node's raft message: the address this node has for it \
                 reaches another node or another cluster, or (UNAUTHENTICATED) the cluster \
                 secrets differ"
            );
        }
    }

    /// A request to `peer` failed in transport (nothing listening, connection reset).
    pub fn unreachable(&self, peer: NodeId) {
        let now = Instant::now();
        self.update(|r| {
            r.unreachable.insert(peer, now);
        });
    }

    /// `peer` answered a request normally.
    pub fn accepted(&self, peer: NodeId) {
        if self.count.load(Ordering::Acquire) == 0 {
            return;
        }
        self.update(|r| {
            r.unreachable.remove(&peer);
            if r.refused.remove(&peer).is_some() {
                tracing::info!(
                    peer,
                    "a peer that refused this node's messages accepts them now"
                );
            }
        });
    }

    /// The peers that refused this node's last request to them, with their message.
    pub fn refused_by(&self) -> BTreeMap<NodeId, String> {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refused
            .clone()
    }

    /// Whether the last request to `peer` failed in transport.
    pub fn is_unreachable(&self, peer: NodeId) -> bool {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unreachable
            .contains_key(&peer)
    }

    /// Whether a request to `peer` failed in transport after `since` (and none succeeded
    /// after that failure).
    pub fn unreachable_since(&self, peer: NodeId, since: Instant) -> bool {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unreachable
            .get(&peer)
            .is_some_and(|at| *at >= since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_or_a_failure_is_kept_until_the_peer_answers_and_warned_once_per_interval() {
        let me = Identity::new("azeroth", 1);
        let peers = PeerStatus::default();
        let before = Instant::now();
        peers.refused(&me, 3, "no");
        peers.refused(&me, 3, "still no");
        peers.unreachable(2);
        assert_eq!(
            peers.refused_by(),
            BTreeMap::from([(3, "still no".to_string())])
        );
        assert!(peers.unreachable_since(2, before));
        assert!(!peers.unreachable_since(3, before));
        assert!(!peers.warn.due(3), "warned at the first refusal only");
        peers.accepted(3);
        peers.accepted(2);
        assert!(peers.refused_by().is_empty());
        assert!(!peers.unreachable_since(2, before));
    }
}
