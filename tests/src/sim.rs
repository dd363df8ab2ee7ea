//! [`SimBackend`]: the bare state machine (`testkit::Sim` over a `MemView`) behind the
//! gateway's [`Backend`] trait, so the typed calls, and the domain suite written with them,
//! run on it exactly as on a cluster. Entries are stamped with the wall clock, as a leader
//! stamps them, so times (leases, delivery, expiry) read the same on both.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tavern_gateway::{Backend, Error, Served, Written};
use tavern_statemachine::testkit::Sim;
use tavern_statemachine::{Command, Query};

/// The state machine in memory, one entry per write, applied at once.
#[derive(Debug, Default)]
pub struct SimBackend {
    sim: Mutex<Sim>,
}

fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl SimBackend {
    pub fn new() -> SimBackend {
        SimBackend::default()
    }

    fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        let mut sim = self.sim.lock().unwrap_or_else(PoisonError::into_inner);
        // Time never goes back, as on a leader.
        sim.now_ms = sim.now_ms.max(wall_clock_ms());
        sim
    }
}

impl Backend for SimBackend {
    fn write(&self, command: Command) -> impl Future<Output = Result<Written, Error>> + Send {
        let answer = {
            let mut sim = self.sim();
            let response = sim.run(command);
            let applied_index = u64::try_from(sim.log.len()).unwrap_or(u64::MAX);
            response
                .map(|response| Written {
                    response,
                    applied_index,
                })
                .map_err(Error::from)
        };
        std::future::ready(answer)
    }

    fn read(&self, query: Query) -> impl Future<Output = Result<Served, Error>> + Send {
        let answer = {
            let sim = self.sim();
            let applied_index = u64::try_from(sim.log.len()).unwrap_or(u64::MAX);
            sim.query(query)
                .map(|response| Served {
                    response,
                    applied_index,
                })
                .map_err(Error::from)
        };
        std::future::ready(answer)
    }
}
