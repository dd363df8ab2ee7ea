//! Account-level ("Real ID") friends: symmetric account↔account edges, `request → accept`.
//!
//! Both sides of an edge are written and removed in the same entry. Errors (no AC code exists
//! for these; the closest `FriendsResult` where one fits):
//! - asking yourself: `FRIEND_SELF`;
//! - an unknown target account: `FRIEND_NOT_FOUND` (an unknown *caller* account is `NotFound`);
//! - already friends, or already asked: `FRIEND_ALREADY`;
//! - either side at [`ACCOUNT_FRIENDS_MAX`] edges (pending and accepted): `FRIEND_LIST_FULL`;
//! - accept/decline with no pending request, remove with no edge: `NotFound`.
//!
//! ```text
//! Request(a→b): a|b PendingOutgoing, b|a PendingIncoming
//! Accept(b, a) or Request(b→a): both Accepted        Decline(b, a) / Remove: both gone
//! ```

use serde::{Deserialize, Serialize};

use super::{
    AccountFriendEntry, AccountFriendState, AccountSide, FriendResult, SocialEvent,
    SocialQueryResponse, SocialResponse,
};
use crate::codec::Record;
use crate::error::Error;
use crate::ids::AccountId;
use crate::keys::{Key, KeyReader, ACCOUNT_FRIEND};
use crate::limits::ACCOUNT_FRIENDS_MAX;
use crate::presence::Notify;
use crate::records::Problem;
use crate::txn::Txn;

/// One side of an account friend edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct AccountFriendEdge {
    pub state: AccountFriendState,
    /// When the edge got this state.
    pub since_ms: u64,
}

impl Record for AccountFriendEdge {
    const WHAT: &'static str = "account friend edge";
}

pub(super) fn key(a: AccountId, b: AccountId) -> Vec<u8> {
    Key::new(ACCOUNT_FRIEND).u32(a).u32(b).build()
}

pub(super) fn prefix(a: AccountId) -> Vec<u8> {
    Key::new(ACCOUNT_FRIEND).u32(a).build()
}

/// Reads `(a, b)` back from an account friend key of exactly that shape.
pub(super) fn parse_key(key: &[u8]) -> Option<(AccountId, AccountId)> {
    if key.len() != 1 + 8 {
        return None;
    }
    let mut r = KeyReader::new(key, 0);
    Some((r.u32()?, r.u32()?))
}

/// Every edge of `a`, in account order.
fn edges(txn: &Txn<'_>, a: AccountId) -> Result<Vec<(AccountId, AccountFriendEdge)>, Error> {
    txn.scan_records::<AccountFriendEdge>(&prefix(a), ACCOUNT_FRIENDS_MAX)?
        .into_iter()
        .map(|(k, edge)| {
            parse_key(&k)
                .map(|(_, b)| (b, edge))
                .ok_or_else(|| Error::Corrupt(format!("account friend key {k:02x?}")))
        })
        .collect()
}

/// The accepted account friends of `a`, in account order.
pub(super) fn accepted(txn: &Txn<'_>, a: AccountId) -> Result<Vec<AccountId>, Error> {
    Ok(edges(txn, a)?
        .into_iter()
        .filter(|(_, e)| e.state == AccountFriendState::Accepted)
        .map(|(b, _)| b)
        .collect())
}

pub(super) fn is_accepted(txn: &Txn<'_>, a: AccountId, b: AccountId) -> Result<bool, Error> {
    Ok(txn
        .get::<AccountFriendEdge>(&key(a, b))?
        .is_some_and(|e| e.state == AccountFriendState::Accepted))
}

fn side(txn: &Txn<'_>, account: AccountId) -> Result<AccountSide, Error> {
    Ok(AccountSide {
        account,
        online: crate::presence::online_of_account(txn, account)?.map(|p| Notify {
            id: p.id,
            gateway: p.gateway,
        }),
    })
}

/// Writes `a|b` with `state` and `b|a` with its mirror.
fn put_pair(txn: &mut Txn<'_>, a: AccountId, b: AccountId, state: AccountFriendState) {
    let since_ms = txn.now_ms();
    txn.put(key(a, b), &AccountFriendEdge { state, since_ms });
    txn.put(
        key(b, a),
        &AccountFriendEdge {
            state: state.mirror(),
            since_ms,
        },
    );
}

fn delete_pair(txn: &mut Txn<'_>, a: AccountId, b: AccountId) {
    txn.delete(key(a, b));
    txn.delete(key(b, a));
}

fn answer(
    account: AccountId,
    other: AccountId,
    state: Option<AccountFriendState>,
) -> SocialResponse {
    SocialResponse::AccountFriend {
        account,
        other,
        state,
    }
}

fn pending_request(txn: &Txn<'_>, account: AccountId, requester: AccountId) -> Result<(), Error> {
    match txn.get::<AccountFriendEdge>(&key(account, requester))? {
        Some(e) if e.state == AccountFriendState::PendingIncoming => Ok(()),
        _ => Err(Error::not_found(format!(
            "account friend request from account {requester} to account {account}"
        ))),
    }
}

pub(super) fn request(
    txn: &mut Txn<'_>,
    from: AccountId,
    to: AccountId,
) -> Result<SocialResponse, Error> {
    if from == to {
        return Err(Error::Friend(FriendResult::SelfFriend));
    }
    crate::account::require(txn, from)?;
    if !txn.exists(&crate::account::key(to))? {
        return Err(Error::Friend(FriendResult::NotFound));
    }
    match txn
        .get::<AccountFriendEdge>(&key(from, to))?
        .map(|e| e.state)
    {
        Some(AccountFriendState::Accepted | AccountFriendState::PendingOutgoing) => {
            Err(Error::Friend(FriendResult::Already))
        }
        // The other side asked first: asking back accepts.
        Some(AccountFriendState::PendingIncoming) => accept_pending(txn, from, to),
        None => {
            for a in [from, to] {
                if txn.count(&prefix(a), ACCOUNT_FRIENDS_MAX)? >= ACCOUNT_FRIENDS_MAX {
                    return Err(Error::Friend(FriendResult::ListFull));
                }
            }
            put_pair(txn, from, to, AccountFriendState::PendingOutgoing);
            let event = SocialEvent::AccountFriendRequested {
                from: side(txn, from)?,
                to: side(txn, to)?,
            };
            txn.emit(event);
            Ok(answer(from, to, Some(AccountFriendState::PendingOutgoing)))
        }
    }
}

fn accept_pending(
    txn: &mut Txn<'_>,
    account: AccountId,
    requester: AccountId,
) -> Result<SocialResponse, Error> {
    put_pair(txn, account, requester, AccountFriendState::Accepted);
    let event = SocialEvent::AccountFriendAccepted {
        requester: side(txn, requester)?,
        accepter: side(txn, account)?,
    };
    txn.emit(event);
    Ok(answer(
        account,
        requester,
        Some(AccountFriendState::Accepted),
    ))
}

pub(super) fn accept(
    txn: &mut Txn<'_>,
    account: AccountId,
    requester: AccountId,
) -> Result<SocialResponse, Error> {
    pending_request(txn, account, requester)?;
    accept_pending(txn, account, requester)
}

pub(super) fn decline(
    txn: &mut Txn<'_>,
    account: AccountId,
    requester: AccountId,
) -> Result<SocialResponse, Error> {
    pending_request(txn, account, requester)?;
    delete_pair(txn, account, requester);
    let event = SocialEvent::AccountFriendDeclined {
        requester: side(txn, requester)?,
        decliner: side(txn, account)?,
    };
    txn.emit(event);
    Ok(answer(account, requester, None))
}

pub(super) fn remove(
    txn: &mut Txn<'_>,
    account: AccountId,
    friend: AccountId,
) -> Result<SocialResponse, Error> {
    let edge = txn
        .get::<AccountFriendEdge>(&key(account, friend))?
        .ok_or_else(|| Error::not_found(format!("account friend {friend} of account {account}")))?;
    delete_pair(txn, account, friend);
    let event = SocialEvent::AccountFriendRemoved {
        by: side(txn, account)?,
        other: side(txn, friend)?,
        was: edge.state,
    };
    txn.emit(event);
    Ok(answer(account, friend, None))
}

/// Every edge of `account`, with the online character of each accepted friend that is not a
/// hidden GM.
pub(super) fn list(txn: &Txn<'_>, account: AccountId) -> Result<SocialQueryResponse, Error> {
    crate::account::require(txn, account)?;
    let mut out = Vec::new();
    for (other, edge) in edges(txn, account)? {
        let online = if edge.state == AccountFriendState::Accepted && !super::hidden_gm(txn, other)?
        {
            crate::presence::online_of_account(txn, other)?
        } else {
            None
        };
        out.push(AccountFriendEntry {
            account: other,
            state: edge.state,
            since_ms: edge.since_ms,
            online,
        });
    }
    Ok(SocialQueryResponse::AccountFriends(out))
}
/// The record check of the account friend table (see `crate::records`).
pub(super) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::U32};
    match tag {
        ACCOUNT_FRIEND => Some(record::<AccountFriendEdge>(
            key,
            &[("account", U32), ("other", U32)],
            value,
        )),
        _ => None,
    }
}
