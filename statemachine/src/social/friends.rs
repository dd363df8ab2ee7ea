//! Character friends and ignores: two independent relations with the same key shapes (see the
//! module header), each edge written with its reverse index entry.

use serde::{Deserialize, Serialize};

use super::{
    whisper, FriendEntry, FriendResult, IgnoreEntry, SocialEvent, SocialQueryResponse,
    SocialResponse, FRIEND_NOTE_BYTES_MAX, LISTED_BY_MAX, WHO_HAS_AS_FRIEND_PAGE_MAX,
};
use crate::character::Character;
use crate::codec::Record;
use crate::error::Error;
use crate::ids::{CharacterId, GatewayId, Team};
use crate::keys::{Key, KeyReader, FRIEND, FRIEND_REVERSE, IGNORE, IGNORE_REVERSE};
use crate::limits::{check_bytes, truncate_chars, FRIENDS_MAX, FRIEND_NOTE_CHARS_MAX, IGNORES_MAX};
use crate::presence::Presence;
use crate::records::Problem;
use crate::txn::Txn;

/// A friend edge: `owner` has `friend` on its list with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FriendEdge {
    /// At most [`FRIEND_NOTE_CHARS_MAX`] characters.
    pub note: String,
    pub added_ms: u64,
}

impl Record for FriendEdge {
    const WHAT: &'static str = "friend edge";
}

/// An ignore edge: `owner` ignores `ignored`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct IgnoreEdge {
    pub added_ms: u64,
}

impl Record for IgnoreEdge {
    const WHAT: &'static str = "ignore edge";
}

/// The two character-level relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relation {
    Friend,
    Ignore,
}

impl Relation {
    pub(super) fn tag(self) -> u8 {
        match self {
            Relation::Friend => FRIEND,
            Relation::Ignore => IGNORE,
        }
    }

    pub(super) fn reverse_tag(self) -> u8 {
        match self {
            Relation::Friend => FRIEND_REVERSE,
            Relation::Ignore => IGNORE_REVERSE,
        }
    }

    /// Edges one owner may have.
    pub(super) fn max(self) -> usize {
        match self {
            Relation::Friend => FRIENDS_MAX,
            Relation::Ignore => IGNORES_MAX,
        }
    }
}

/// `tag | a | b`: a forward edge (`a` owns) or a reverse entry (`a` is listed by `b`).
pub(super) fn edge_key(tag: u8, a: CharacterId, b: CharacterId) -> Vec<u8> {
    Key::new(tag).character(a).character(b).build()
}

pub(super) fn prefix(tag: u8, a: CharacterId) -> Vec<u8> {
    Key::new(tag).character(a).build()
}

/// Reads `(a, b)` back from an edge key of exactly that shape.
pub(super) fn parse_edge_key(key: &[u8]) -> Option<(CharacterId, CharacterId)> {
    if key.len() != 1 + 16 {
        return None;
    }
    let mut r = KeyReader::new(key, 0);
    Some((r.character()?, r.character()?))
}

/// The `b` of every `tag | a | b`, in id order; more than `max` is corrupt state.
fn others(txn: &Txn<'_>, tag: u8, a: CharacterId, max: usize) -> Result<Vec<CharacterId>, Error> {
    txn.scan_all(&prefix(tag, a), max)?
        .into_iter()
        .map(|(k, _)| {
            parse_edge_key(&k)
                .map(|(_, b)| b)
                .ok_or_else(|| Error::Corrupt(format!("social edge key {k:02x?}")))
        })
        .collect()
}

/// The characters that have `id` as a friend, in id order.
pub(super) fn listed_by(txn: &Txn<'_>, id: CharacterId) -> Result<Vec<CharacterId>, Error> {
    others(txn, FRIEND_REVERSE, id, LISTED_BY_MAX)
}

/// The characters that ignore `id`, in id order.
pub(super) fn ignored_by(txn: &Txn<'_>, id: CharacterId) -> Result<Vec<CharacterId>, Error> {
    others(txn, IGNORE_REVERSE, id, LISTED_BY_MAX)
}

pub(super) fn is_ignoring(txn: &Txn<'_>, by: CharacterId, who: CharacterId) -> Result<bool, Error> {
    txn.exists(&edge_key(IGNORE, by, who))
}

fn gateway_of(txn: &Txn<'_>, id: CharacterId) -> Result<Option<GatewayId>, Error> {
    Ok(crate::presence::get(txn, id)?.map(|p| p.gateway))
}

/// The friend's presence when a viewer of `viewer_team` may see it online: not a hidden GM,
/// and of the same team unless two-side who is on (AC `GetFriendInfo`).
fn visible_presence(
    txn: &Txn<'_>,
    viewer_team: Team,
    friend: CharacterId,
) -> Result<Option<Presence>, Error> {
    let Some(p) = crate::presence::get(txn, friend)? else {
        return Ok(None);
    };
    if super::hidden_gm(txn, p.account)? {
        return Ok(None);
    }
    if !txn.config().social.allow_two_side_who_list && p.team() != viewer_team {
        return Ok(None);
    }
    Ok(Some(p))
}

fn friend_entry(
    txn: &Txn<'_>,
    viewer_team: Team,
    friend: &Character,
    note: String,
) -> Result<FriendEntry, Error> {
    let (status, area, level, class) = match visible_presence(txn, viewer_team, friend.id)? {
        Some(p) => (p.status(), p.zone, p.level, p.class),
        None => (crate::presence::status::OFFLINE, 0, 0, 0),
    };
    Ok(FriendEntry {
        id: friend.id,
        name: friend.name.clone(),
        note,
        status,
        area,
        level,
        class,
    })
}

/// Refuses notes no client sends, truncates the rest to 48 characters (AC `utf8truncate`).
fn checked_note(note: &str) -> Result<String, Error> {
    check_bytes("note", note, FRIEND_NOTE_BYTES_MAX)?;
    Ok(truncate_chars(note, FRIEND_NOTE_CHARS_MAX))
}

/// Refuses an add that would put `target` on more lists than the configured limit.
fn check_listed_by(txn: &Txn<'_>, rel: Relation, target: CharacterId) -> Result<(), Error> {
    let limit = txn.config().social.listed_by_limit();
    if txn.count(&prefix(rel.reverse_tag(), target), limit)? >= limit {
        let list = match rel {
            Relation::Friend => "friend",
            Relation::Ignore => "ignore",
        };
        return Err(Error::invalid(
            "name",
            format!("character {target} is on {limit} {list} lists, the limit"),
        ));
    }
    Ok(())
}

fn is_gm_account(txn: &Txn<'_>, account: crate::ids::AccountId) -> Result<bool, Error> {
    Ok(crate::account::require(txn, account)?.gm_level > 0)
}

/// AddFriend, checked in AC's order: not found, self, enemy, already, list full.
pub(super) fn add_friend(
    txn: &mut Txn<'_>,
    owner: CharacterId,
    name: &str,
    note: &str,
) -> Result<SocialResponse, Error> {
    let me = crate::character::require(txn, owner)?;
    let note = checked_note(note)?;
    whisper::check_target_name("name", name)?;
    let cfg = txn.config().social.clone();
    let target = match whisper::resolve_name(txn, owner.realm, name)? {
        Some(c) if c.id.realm == owner.realm || cfg.allow_cross_realm_friends => c,
        _ => return Err(Error::Friend(FriendResult::NotFound)),
    };
    if target.id == owner {
        return Err(Error::Friend(FriendResult::SelfFriend));
    }
    // AC lets GM accounts (security above player) befriend the other faction.
    if target.team() != me.team()
        && !cfg.allow_two_side_add_friend
        && !is_gm_account(txn, me.account)?
    {
        return Err(Error::Friend(FriendResult::Enemy));
    }
    if txn.exists(&edge_key(FRIEND, owner, target.id))? {
        return Err(Error::Friend(FriendResult::Already));
    }
    if txn.count(&prefix(FRIEND, owner), FRIENDS_MAX)? >= FRIENDS_MAX {
        return Err(Error::Friend(FriendResult::ListFull));
    }
    check_listed_by(txn, Relation::Friend, target.id)?;
    let edge = FriendEdge {
        note: note.clone(),
        added_ms: txn.now_ms(),
    };
    txn.put(edge_key(FRIEND, owner, target.id), &edge);
    txn.put(edge_key(FRIEND_REVERSE, target.id, owner), &());
    let friend = friend_entry(txn, me.team(), &target, note.clone())?;
    let result = if friend.status == crate::presence::status::OFFLINE {
        FriendResult::AddedOffline
    } else {
        FriendResult::AddedOnline
    };
    txn.emit(SocialEvent::FriendAdded {
        owner,
        owner_gateway: gateway_of(txn, owner)?,
        friend: target.id,
        name: target.name.clone(),
        note,
    });
    Ok(SocialResponse::FriendAdded { result, friend })
}

/// Deletes one edge and its reverse entry, and tells its owner.
fn remove_edge(
    txn: &mut Txn<'_>,
    rel: Relation,
    owner: CharacterId,
    other: CharacterId,
) -> Result<(), Error> {
    txn.delete(edge_key(rel.tag(), owner, other));
    txn.delete(edge_key(rel.reverse_tag(), other, owner));
    let owner_gateway = gateway_of(txn, owner)?;
    txn.emit(match rel {
        Relation::Friend => SocialEvent::FriendRemoved {
            owner,
            owner_gateway,
            friend: other,
        },
        Relation::Ignore => SocialEvent::IgnoreRemoved {
            owner,
            owner_gateway,
            ignored: other,
        },
    });
    Ok(())
}

pub(super) fn remove_friend(
    txn: &mut Txn<'_>,
    owner: CharacterId,
    friend: CharacterId,
) -> Result<SocialResponse, Error> {
    crate::character::require(txn, owner)?;
    if txn.exists(&edge_key(FRIEND, owner, friend))? {
        remove_edge(txn, Relation::Friend, owner, friend)?;
    }
    Ok(SocialResponse::FriendStatus {
        result: FriendResult::Removed,
        target: friend,
    })
}

pub(super) fn set_note(
    txn: &mut Txn<'_>,
    owner: CharacterId,
    friend: CharacterId,
    note: &str,
) -> Result<SocialResponse, Error> {
    crate::character::require(txn, owner)?;
    let note = checked_note(note)?;
    let key = edge_key(FRIEND, owner, friend);
    let edge = txn
        .get::<FriendEdge>(&key)?
        .ok_or_else(|| Error::not_found(format!("friend {friend} of character {owner}")))?;
    txn.put(
        key,
        &FriendEdge {
            note: note.clone(),
            ..edge
        },
    );
    txn.emit(SocialEvent::NoteUpdated {
        owner,
        owner_gateway: gateway_of(txn, owner)?,
        friend,
        note: note.clone(),
    });
    Ok(SocialResponse::NoteSet { friend, note })
}

/// AddIgnore, checked in AC's order: not found, self, already, list full. The target may be on
/// any realm.
pub(super) fn add_ignore(
    txn: &mut Txn<'_>,
    owner: CharacterId,
    name: &str,
) -> Result<SocialResponse, Error> {
    crate::character::require(txn, owner)?;
    whisper::check_target_name("name", name)?;
    let target = whisper::resolve_name(txn, owner.realm, name)?
        .ok_or(Error::Friend(FriendResult::IgnoreNotFound))?;
    if target.id == owner {
        return Err(Error::Friend(FriendResult::IgnoreSelf));
    }
    if txn.exists(&edge_key(IGNORE, owner, target.id))? {
        return Err(Error::Friend(FriendResult::IgnoreAlready));
    }
    if txn.count(&prefix(IGNORE, owner), IGNORES_MAX)? >= IGNORES_MAX {
        return Err(Error::Friend(FriendResult::IgnoreFull));
    }
    check_listed_by(txn, Relation::Ignore, target.id)?;
    let edge = IgnoreEdge {
        added_ms: txn.now_ms(),
    };
    txn.put(edge_key(IGNORE, owner, target.id), &edge);
    txn.put(edge_key(IGNORE_REVERSE, target.id, owner), &());
    txn.emit(SocialEvent::IgnoreAdded {
        owner,
        owner_gateway: gateway_of(txn, owner)?,
        ignored: target.id,
        name: target.name,
    });
    Ok(SocialResponse::FriendStatus {
        result: FriendResult::IgnoreAdded,
        target: target.id,
    })
}

pub(super) fn remove_ignore(
    txn: &mut Txn<'_>,
    owner: CharacterId,
    ignored: CharacterId,
) -> Result<SocialResponse, Error> {
    crate::character::require(txn, owner)?;
    if txn.exists(&edge_key(IGNORE, owner, ignored))? {
        remove_edge(txn, Relation::Ignore, owner, ignored)?;
    }
    Ok(SocialResponse::FriendStatus {
        result: FriendResult::IgnoreRemoved,
        target: ignored,
    })
}

/// A character that an edge names must exist: a delete removes its edges.
fn edge_target(txn: &Txn<'_>, id: CharacterId) -> Result<Character, Error> {
    crate::character::get(txn, id)?
        .ok_or_else(|| Error::Corrupt(format!("social edge to missing character {id}")))
}

pub(super) fn friend_list(txn: &Txn<'_>, owner: CharacterId) -> Result<SocialQueryResponse, Error> {
    let me = crate::character::require(txn, owner)?;
    let mut friends = Vec::new();
    for (k, edge) in txn.scan_records::<FriendEdge>(&prefix(FRIEND, owner), FRIENDS_MAX)? {
        let (_, id) =
            parse_edge_key(&k).ok_or_else(|| Error::Corrupt(format!("friend key {k:02x?}")))?;
        let c = edge_target(txn, id)?;
        friends.push(friend_entry(txn, me.team(), &c, edge.note)?);
    }
    let mut ignores = Vec::new();
    for id in others(txn, IGNORE, owner, IGNORES_MAX)? {
        let c = edge_target(txn, id)?;
        ignores.push(IgnoreEntry { id, name: c.name });
    }
    Ok(SocialQueryResponse::FriendList { friends, ignores })
}

pub(super) fn who_has_as_friend(
    txn: &Txn<'_>,
    id: CharacterId,
    after: Option<CharacterId>,
    limit: u32,
) -> Result<SocialQueryResponse, Error> {
    if limit == 0 || limit > WHO_HAS_AS_FRIEND_PAGE_MAX {
        return Err(Error::invalid(
            "limit",
            format!("is {limit}, it must be in 1..={WHO_HAS_AS_FRIEND_PAGE_MAX}"),
        ));
    }
    let limit = limit as usize;
    let after = after.map(|a| edge_key(FRIEND_REVERSE, id, a));
    let page = txn.scan(&prefix(FRIEND_REVERSE, id), after.as_deref(), limit + 1)?;
    let mut owners = Vec::with_capacity(page.len().min(limit));
    for (k, _) in page.iter().take(limit) {
        let (_, owner) = parse_edge_key(k)
            .ok_or_else(|| Error::Corrupt(format!("friend reverse key {k:02x?}")))?;
        owners.push(owner);
    }
    let next = if page.len() > limit {
        owners.last().copied()
    } else {
        None
    };
    Ok(SocialQueryResponse::WhoHasAsFriend { owners, next })
}

/// Removes every friend and ignore edge from or to `id`, both directions, with reverse
/// entries, emitting one removal event per edge (to the owner's gateway when online).
pub(super) fn remove_all_of(txn: &mut Txn<'_>, id: CharacterId) -> Result<(), Error> {
    for rel in [Relation::Friend, Relation::Ignore] {
        for other in others(txn, rel.tag(), id, rel.max())? {
            remove_edge(txn, rel, id, other)?;
        }
        for owner in others(txn, rel.reverse_tag(), id, LISTED_BY_MAX)? {
            remove_edge(txn, rel, owner, id)?;
        }
    }
    Ok(())
}
/// The record check of the friend and ignore tables (see `crate::records`).
pub(super) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::U32};
    const EDGE: &crate::records::Layout = &[
        ("a realm", U32),
        ("a low", U32),
        ("b realm", U32),
        ("b low", U32),
    ];
    Some(match tag {
        FRIEND => record::<FriendEdge>(key, EDGE, value),
        IGNORE => record::<IgnoreEdge>(key, EDGE, value),
        FRIEND_REVERSE | IGNORE_REVERSE => record::<()>(key, EDGE, value),
        _ => return None,
    })
}
