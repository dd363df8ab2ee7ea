//! Request ids for exactly-once writes (`statemachine/src/session.rs` is the server side).
//!
//! Each write gets the next `seq` of this client. `ack_below` tells the cluster which stored
//! answers it may forget: every `seq` below it has been answered to this client. So it is the
//! oldest `seq` still in flight (or the next `seq` when none is), never above the write's own
//! `seq`. A write keeps its id across retries; its [`InFlight`] guard leaves the set when the
//! call ends, however it ends (a dropped future included).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use tavern_statemachine::RequestId;

/// The seqs of one client.
#[derive(Debug)]
pub(crate) struct Session {
    client: u64,
    state: Mutex<Seqs>,
}

#[derive(Debug)]
struct Seqs {
    next: u64,
    in_flight: BTreeSet<u64>,
}

impl Session {
    pub(crate) fn new(client: u64) -> Self {
        Session {
            client,
            state: Mutex::new(Seqs {
                next: 0,
                in_flight: BTreeSet::new(),
            }),
        }
    }

    pub(crate) fn client(&self) -> u64 {
        self.client
    }

    /// The id of a new write, held in flight until the guard drops.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = s.next;
        s.next += 1;
        s.in_flight.insert(seq);
        let ack_below = s.in_flight.first().copied().unwrap_or(seq);
        InFlight {
            session: self.clone(),
            id: RequestId {
                client: self.client,
                seq,
                ack_below,
            },
        }
    }
}

/// A write in flight: its request id, released when dropped.
#[derive(Debug)]
pub(crate) struct InFlight {
    session: Arc<Session>,
    pub(crate) id: RequestId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self
            .session
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        s.in_flight.remove(&self.id.seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_below_is_the_oldest_write_in_flight() {
        let session = Arc::new(Session::new(7));
        let a = session.begin();
        let b = session.begin();
        assert_eq!((a.id.seq, a.id.ack_below), (0, 0));
        assert_eq!((b.id.seq, b.id.ack_below), (1, 0));
        drop(a);
        let c = session.begin();
        assert_eq!((c.id.seq, c.id.ack_below), (2, 1));
        drop(b);
        drop(c);
        let d = session.begin();
        assert_eq!((d.id.seq, d.id.ack_below), (3, 3));
    }
}
