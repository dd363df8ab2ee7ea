//! Client sessions: what makes a retried write apply exactly once (DESIGN.md "Exactly once").
//!
//! Keys:
//! ```text
//! SESSION          | client u64                  -> Session { ack_below, last_ms }
//! SESSION_RESPONSE | client u64 | seq u64        -> StoredResponse (the answer, kept for retries)
//! SESSION_BY_EXPIRY| last_ms u64 | client u64    -> ()
//! ```
//! A write with request `(client, seq, ack_below)`:
//! - `seq < session.ack_below`: refused with `StaleRequest` (the client said it has that answer);
//! - a stored response for `seq`: returned as it was, nothing is applied again;
//! - otherwise applied, and its response stored, success or domain error alike.
//!
//! Then every stored response below `ack_below` is forgotten. A session idle for
//! `config.session_ttl_ms` (by entry time) is treated as new and swept by [`SessionCommand::Expire`].

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{ClientId, RequestId};
use crate::keys::{Key, KeyReader, SESSION, SESSION_BY_EXPIRY, SESSION_RESPONSE};
use crate::limits::{SESSION_UNACKED_MAX, SWEEP_BATCH_MAX};
use crate::records::Problem;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionCommand {
    /// Forgets sessions idle longer than the session TTL (at most a sweep batch per entry).
    Expire,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionResponse {
    Expired { sessions: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub ack_below: u64,
    pub last_ms: u64,
}

impl Record for Session {
    const WHAT: &'static str = "client session";
}

/// The answer given to one request, kept so a retry gets the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse(pub Result<Response, Error>);

impl Record for StoredResponse {
    const WHAT: &'static str = "stored response";
}

fn session_key(client: ClientId) -> Vec<u8> {
    Key::new(SESSION).u64(client).build()
}

fn response_prefix(client: ClientId) -> Vec<u8> {
    Key::new(SESSION_RESPONSE).u64(client).build()
}

fn response_key(client: ClientId, seq: u64) -> Vec<u8> {
    Key::new(SESSION_RESPONSE).u64(client).u64(seq).build()
}

fn expiry_key(last_ms: u64, client: ClientId) -> Vec<u8> {
    Key::new(SESSION_BY_EXPIRY).u64(last_ms).u64(client).build()
}

/// What to do with a write that carries a request id.
#[derive(Debug)]
pub(crate) enum Begin {
    /// Apply it; `session` is the live session, if any.
    Fresh(Option<Session>),
    /// Already applied: answer this.
    Replay(Result<Response, Error>),
}

fn live_session(txn: &Txn<'_>, client: ClientId) -> Result<Option<Session>, Error> {
    let ttl = txn.config().session_ttl_ms;
    Ok(txn
        .get::<Session>(&session_key(client))?
        .filter(|s| s.last_ms.saturating_add(ttl) > txn.now_ms()))
}

pub(crate) fn begin(txn: &Txn<'_>, req: RequestId) -> Result<Begin, Error> {
    if req.ack_below > req.seq {
        return Err(Error::invalid(
            "request.ack_below",
            format!(
                "is {} but must not exceed request.seq {}",
                req.ack_below, req.seq
            ),
        ));
    }
    let session = live_session(txn, req.client)?;
    if let Some(s) = &session {
        if req.seq < s.ack_below {
            return Err(Error::StaleRequest {
                client: req.client,
                seq: req.seq,
                ack_below: s.ack_below,
            });
        }
        if let Some(stored) = txn.get::<StoredResponse>(&response_key(req.client, req.seq))? {
            return Ok(Begin::Replay(stored.0));
        }
        let ack = s.ack_below.max(req.ack_below);
        // Stored answers with seq >= ack (those below are forgotten when this write is recorded).
        let after = ack.checked_sub(1).map(|a| response_key(req.client, a));
        let unacked = txn
            .scan(
                &response_prefix(req.client),
                after.as_deref(),
                SESSION_UNACKED_MAX as usize + 1,
            )?
            .len() as u64;
        if unacked >= SESSION_UNACKED_MAX {
            return Err(Error::TooManyUnacked {
                client: req.client,
                unacked,
                max: SESSION_UNACKED_MAX,
            });
        }
    }
    Ok(Begin::Fresh(session))
}

/// Stores the answer to `req` and forgets the ones the client acknowledged.
pub(crate) fn record(
    txn: &mut Txn<'_>,
    req: RequestId,
    previous: Option<Session>,
    response: &Result<Response, Error>,
) -> Result<(), Error> {
    let now = txn.now_ms();
    // A lapsed session is forgotten whole; its record is still stored until swept.
    let stored_before = txn.get::<Session>(&session_key(req.client))?;
    let ack_below = match &previous {
        Some(s) => s.ack_below.max(req.ack_below),
        None => req.ack_below,
    };
    // A live session has no stored answer below its `ack_below` (each write forgets them), so
    // the scan starts there: the deleted ones before it are not stepped over again.
    let from = previous
        .as_ref()
        .and_then(|s| s.ack_below.checked_sub(1))
        .map(|a| response_key(req.client, a));
    for (key, _) in txn.scan(&response_prefix(req.client), from.as_deref(), usize::MAX)? {
        let seq = KeyReader::new(&key, 8).u64().unwrap_or(0);
        // Without a live session, whatever is left belongs to a lapsed one: forget it all.
        if previous.is_some() && seq >= ack_below {
            break;
        }
        txn.delete(key);
    }
    if let Some(old) = stored_before {
        txn.delete(expiry_key(old.last_ms, req.client));
    }
    txn.put(
        response_key(req.client, req.seq),
        &StoredResponse(response.clone()),
    );
    txn.put(
        session_key(req.client),
        &Session {
            ack_below,
            last_ms: now,
        },
    );
    txn.put(expiry_key(now, req.client), &());
    Ok(())
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &SessionCommand) -> Result<Response, Error> {
    match cmd {
        SessionCommand::Expire => {
            let ttl = txn.config().session_ttl_ms;
            let now = txn.now_ms();
            let mut sessions = 0u32;
            let prefix = Key::new(SESSION_BY_EXPIRY).build();
            for (key, _) in txn.scan(&prefix, None, SWEEP_BATCH_MAX)? {
                let mut r = KeyReader::new(&key, 0);
                let (Some(last_ms), Some(client)) = (r.u64(), r.u64()) else {
                    return Err(Error::Corrupt(format!("session expiry key {key:02x?}")));
                };
                if last_ms.saturating_add(ttl) > now {
                    break;
                }
                for (rk, _) in txn.scan(&response_prefix(client), None, usize::MAX)? {
                    txn.delete(rk);
                }
                txn.delete(session_key(client));
                txn.delete(key);
                sessions += 1;
            }
            Ok(Response::Session(SessionResponse::Expired { sessions }))
        }
    }
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        SESSION => record::<Session>(key, &[("client", U64)], value),
        SESSION_RESPONSE => record::<StoredResponse>(key, &[("client", U64), ("seq", U64)], value),
        SESSION_BY_EXPIRY => record::<()>(key, &[("last_ms", U64), ("client", U64)], value),
        _ => return None,
    })
}
