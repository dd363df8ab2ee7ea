//! `apply`: one log entry in, its mutations, response and events out. Pure: no clock (time comes
//! from the entry), no I/O beyond the read [`View`], no randomness, no async.
//!
//! ```text
//! Entry ──▶ session check ──replay──────────────────────────────▶ stored response, no mutations
//!               │ fresh
//!               ▼
//!          dispatch(command) on a Txn ──Ok──▶ mutations + events + stored response
//!                                   └─Err─▶ domain writes dropped; only the stored response
//! ```

use crate::command::{Command, Response};
use crate::entry::Entry;
use crate::error::{Error, Fatal};
use crate::event::Event;
use crate::session::{self, Begin};
use crate::sizes::TableDeltas;
use crate::txn::Txn;
use crate::view::{Mutation, View};

/// The outcome of applying one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Written by the node in one batch, with `last_applied`.
    pub mutations: Vec<Mutation>,
    /// Sent back to the client that proposed the entry.
    pub response: Result<Response, Error>,
    /// Numbered with the entry's log index and streamed to watchers.
    pub events: Vec<Event>,
    /// How many bytes (keys + values) `mutations` add to the state read through the view
    /// (negative when they free more than they add): the node sums it as the state's logical
    /// size, for the quota alarm. 0 when there are no mutations.
    pub size_delta: i64,
    /// `size_delta` split by table, with the records each table gains or loses: the node sums
    /// them as the state's size per table (`/metrics`, status). Empty when nothing changes.
    pub tables: TableDeltas,
}

fn fatal(e: Error) -> Fatal {
    Fatal(e.to_string())
}

/// Applies `entry` to the state seen through `view`.
pub fn apply(view: &dyn View, entry: &Entry) -> Result<Applied, Fatal> {
    let mut txn = Txn::new(view, entry.time_ms).map_err(fatal)?;
    let Some(req) = entry.request else {
        let response = dispatch(&mut txn, &entry.command);
        return finish(view, entry, txn, response, |_, _| Ok(()));
    };
    let previous = match session::begin(&txn, req) {
        Ok(Begin::Replay(response)) => {
            return Ok(Applied {
                mutations: Vec::new(),
                response,
                events: Vec::new(),
                size_delta: 0,
                tables: TableDeltas::new(),
            })
        }
        Ok(Begin::Fresh(previous)) => previous,
        Err(e) if e.is_fatal() => return Err(fatal(e)),
        Err(e) => {
            return Ok(Applied {
                mutations: Vec::new(),
                response: Err(e),
                events: Vec::new(),
                size_delta: 0,
                tables: TableDeltas::new(),
            })
        }
    };
    let response = dispatch(&mut txn, &entry.command);
    finish(view, entry, txn, response, |txn, response| {
        session::record(txn, req, previous.clone(), response)
    })
}

/// Keeps the command's writes when it succeeded, drops them when it failed, and lets `after`
/// add its own writes (the session record) either way.
fn finish(
    view: &dyn View,
    entry: &Entry,
    txn: Txn<'_>,
    response: Result<Response, Error>,
    after: impl FnOnce(&mut Txn<'_>, &Result<Response, Error>) -> Result<(), Error>,
) -> Result<Applied, Fatal> {
    let mut txn = match &response {
        Err(e) if e.is_fatal() => return Err(fatal(e.clone())),
        Ok(_) => txn,
        Err(_) => Txn::new(view, entry.time_ms).map_err(fatal)?,
    };
    after(&mut txn, &response).map_err(fatal)?;
    let (size_delta, tables) = txn.size_deltas().map_err(fatal)?;
    let (mutations, events) = txn.finish();
    let events = if response.is_ok() { events } else { Vec::new() };
    Ok(Applied {
        mutations,
        response,
        events,
        size_delta,
        tables,
    })
}

fn dispatch(txn: &mut Txn<'_>, command: &Command) -> Result<Response, Error> {
    match command {
        Command::SetConfig(config) => {
            crate::config::set(txn, config.clone())?;
            Ok(Response::Done)
        }
        Command::Realm(c) => crate::realm::apply(txn, c),
        Command::Account(c) => crate::account::apply(txn, c),
        Command::Character(c) => crate::character::apply(txn, c),
        Command::Presence(c) => crate::presence::apply(txn, c),
        Command::Social(c) => crate::social::apply(txn, c),
        Command::Channel(c) => crate::channel::apply(txn, c),
        Command::Mail(c) => crate::mail::apply(txn, c),
        Command::Arena(c) => crate::arena::apply(txn, c),
        Command::Session(c) => crate::session::apply(txn, c),
    }
}
