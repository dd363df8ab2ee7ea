//! Automatic promotion of caught-up learners (config `auto_promote_learners`, off by default).
//!
//! ```text
//!  every AUTO_PROMOTE_CHECK_MS, on the leader only:
//!    learners caught up (≤ CAUGHT_UP_LAG_ENTRIES behind) and reachable, no change in progress
//!      └─▶ promote(them): the same rules as `tavern member promote` (a reachable quorum before
//!          and after, checked against the membership it proposes on)
//! ```
//!
//! Why: an operator adding a node runs `tavern member add` and, with this on, need not come
//! back for `promote` once the new node has caught up; a learner that is still far behind is
//! never made a voter (it would hold up commits). A refused promotion (a change committed in
//! between, a quorum not reachable) is logged and tried again at the next tick. With the
//! setting off, learners stay learners until promoted by hand (read replicas).
//!
//! The task holds only a weak reference to the node, so it never keeps a stopped node's store
//! open; `shutdown` stops it first.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Inner, TavernNode};

/// How often the leader looks for learners to promote: a few heartbeats, cheap (it reads the
/// leader's metrics only).
pub const AUTO_PROMOTE_CHECK_MS: u64 = 500;

/// The promotion task and the sender that stops it.
pub(super) type Promoter = (oneshot::Sender<()>, JoinHandle<()>);

/// Starts the promotion task of `node`.
pub(super) fn spawn(node: &Arc<Inner>) -> Promoter {
    let weak: Weak<Inner> = Arc::downgrade(node);
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(AUTO_PROMOTE_CHECK_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut stop_rx => return,
                _ = tick.tick() => {}
            }
            let Some(inner) = weak.upgrade() else { return };
            let node = TavernNode { inner };
            let ready = node.caught_up_learners();
            if ready.is_empty() {
                continue;
            }
            tracing::info!(node = node.id(), learners = ?ready, "promoting caught-up learners");
            if let Err(e) = node.promote(ready).await {
                tracing::warn!(
                    node = node.id(),
                    "automatic promotion refused, retrying later: {e}"
                );
            }
        }
    });
    (stop_tx, task)
}

/// Stops the promotion task (bounded: a promotion in flight is given the request timeout).
pub(super) async fn stop(promoter: Option<Promoter>, wait: Duration) {
    if let Some((stop, mut task)) = promoter {
        let _ = stop.send(());
        if tokio::time::timeout(wait, &mut task).await.is_err() {
            task.abort();
        }
    }
}
