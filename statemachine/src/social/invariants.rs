//! [`check_invariants`]: reads the whole social state and checks what every apply must keep.

use std::collections::BTreeMap;

use super::account_friends::{self, AccountFriendEdge};
use super::friends::{self, FriendEdge, IgnoreEdge, Relation};
use super::LISTED_BY_MAX;
use crate::codec::Record;
use crate::ids::{AccountId, CharacterId};
use crate::keys::{Key, ACCOUNT_FRIEND};
use crate::limits::{ACCOUNT_FRIENDS_MAX, FRIEND_NOTE_CHARS_MAX};
use crate::txn::Txn;
use crate::view::View;

/// Pairs read per page while walking a whole table.
const PAGE_PAIRS: usize = 1024;

/// Calls `f` on every pair under `prefix`, page by page.
fn walk(
    txn: &Txn<'_>,
    prefix: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = txn
            .scan(prefix, after.as_deref(), PAGE_PAIRS)
            .map_err(|e| e.to_string())?;
        for (k, v) in &page {
            f(k, v)?;
        }
        match page.last() {
            Some((k, _)) if page.len() == PAGE_PAIRS => after = Some(k.clone()),
            _ => return Ok(()),
        }
    }
}

fn exists(txn: &Txn<'_>, key: &[u8]) -> Result<bool, String> {
    txn.exists(key).map_err(|e| e.to_string())
}

fn character_exists(txn: &Txn<'_>, id: CharacterId) -> Result<bool, String> {
    exists(txn, &crate::character::key(id))
}

fn check_relation(txn: &Txn<'_>, rel: Relation) -> Result<(), String> {
    let mut per_owner: BTreeMap<CharacterId, usize> = BTreeMap::new();
    walk(txn, &Key::new(rel.tag()).build(), |k, v| {
        let (owner, other) =
            friends::parse_edge_key(k).ok_or_else(|| format!("{rel:?} key {k:02x?}"))?;
        if owner == other {
            return Err(format!("{rel:?} self edge of {owner}"));
        }
        for id in [owner, other] {
            if !character_exists(txn, id)? {
                return Err(format!("{rel:?} edge {owner}→{other}: {id} does not exist"));
            }
        }
        if !exists(txn, &friends::edge_key(rel.reverse_tag(), other, owner))? {
            return Err(format!("{rel:?} edge {owner}→{other} has no reverse"));
        }
        match rel {
            Relation::Friend => {
                let edge = FriendEdge::decode(v).map_err(|e| e.to_string())?;
                let n = edge.note.chars().count();
                if n > FRIEND_NOTE_CHARS_MAX {
                    return Err(format!("friend note {owner}→{other} is {n} characters"));
                }
            }
            Relation::Ignore => {
                IgnoreEdge::decode(v).map_err(|e| e.to_string())?;
            }
        }
        *per_owner.entry(owner).or_default() += 1;
        Ok(())
    })?;
    for (owner, n) in per_owner {
        if n > rel.max() {
            return Err(format!(
                "{owner} has {n} {rel:?} edges, limit {}",
                rel.max()
            ));
        }
    }
    let mut per_target: BTreeMap<CharacterId, usize> = BTreeMap::new();
    walk(txn, &Key::new(rel.reverse_tag()).build(), |k, _| {
        let (target, owner) =
            friends::parse_edge_key(k).ok_or_else(|| format!("{rel:?} reverse key {k:02x?}"))?;
        if !exists(txn, &friends::edge_key(rel.tag(), owner, target))? {
            return Err(format!("{rel:?} reverse {target}←{owner} has no edge"));
        }
        *per_target.entry(target).or_default() += 1;
        Ok(())
    })?;
    for (target, n) in per_target {
        if n > LISTED_BY_MAX {
            return Err(format!(
                "{target} is listed by {n} ({rel:?}), limit {LISTED_BY_MAX}"
            ));
        }
    }
    Ok(())
}

fn check_account_friends(txn: &Txn<'_>) -> Result<(), String> {
    let mut per_account: BTreeMap<AccountId, usize> = BTreeMap::new();
    walk(txn, &Key::new(ACCOUNT_FRIEND).build(), |k, v| {
        let (a, b) =
            account_friends::parse_key(k).ok_or_else(|| format!("account friend key {k:02x?}"))?;
        if a == b {
            return Err(format!("account {a} is its own account friend"));
        }
        for id in [a, b] {
            if !exists(txn, &crate::account::key(id))? {
                return Err(format!("account friend edge {a}→{b}: account {id} missing"));
            }
        }
        let edge = AccountFriendEdge::decode(v).map_err(|e| e.to_string())?;
        let mirror = txn
            .get::<AccountFriendEdge>(&account_friends::key(b, a))
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("account friend edge {a}→{b} has no mirror"))?;
        if mirror.state != edge.state.mirror() {
            return Err(format!(
                "account friend edge {a}→{b} is {:?} but {b}→{a} is {:?}",
                edge.state, mirror.state
            ));
        }
        *per_account.entry(a).or_default() += 1;
        Ok(())
    })?;
    for (a, n) in per_account {
        if n > ACCOUNT_FRIENDS_MAX {
            return Err(format!(
                "account {a} has {n} account friends, limit {ACCOUNT_FRIENDS_MAX}"
            ));
        }
    }
    Ok(())
}

/// Checks the whole social state: limits per character and account, forward and reverse edges
/// one to one, no self edges, no edge to or from a missing character or account, account
/// friend edges mirrored with matching states. Returns the first violation found.
pub fn check_invariants(view: &dyn View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(|e| e.to_string())?;
    check_relation(&txn, Relation::Friend)?;
    check_relation(&txn, Relation::Ignore)?;
    check_account_friends(&txn)
}
