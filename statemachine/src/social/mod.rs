//! Friends and ignore lists per character, account-level ("Real ID") friends, and whisper
//! routing. (Skeleton: the social issue work fills this module.)

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{AccountId, CharacterId};
use crate::keys::{Key, KeyReader, FRIEND_REVERSE};
use crate::limits::FRIENDS_MAX;
use crate::presence::{Notify, Presence};
use crate::txn::Txn;

/// Reverse friend edges one character may have ("who has me as a friend"); bounds the scan.
pub const FRIEND_REVERSE_MAX: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialConfig {
    /// `AllowTwoSide.AddFriend`: friends across factions.
    pub allow_two_side_add_friend: bool,
    /// `AllowTwoSide.WhoList`: see the other faction online in /who and friend lists.
    pub allow_two_side_who_list: bool,
    /// `GM.InWhoList.Level`: accounts with a GM level above this are hidden.
    pub gm_in_who_list_level: u8,
}

impl Default for SocialConfig {
    fn default() -> Self {
        SocialConfig {
            allow_two_side_add_friend: false,
            allow_two_side_who_list: false,
            gm_in_who_list_level: 1,
        }
    }
}

/// AC `FriendsResult` values (`SocialMgr.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FriendResult {
    DbError,
    ListFull,
    NotFound,
    Already,
    SelfFriend,
    Enemy,
    IgnoreFull,
    IgnoreSelf,
    IgnoreNotFound,
    IgnoreAlready,
}

impl FriendResult {
    pub fn code(self) -> u32 {
        match self {
            FriendResult::DbError => 0x00,
            FriendResult::ListFull => 0x01,
            FriendResult::NotFound => 0x04,
            FriendResult::Already => 0x08,
            FriendResult::SelfFriend => 0x09,
            FriendResult::Enemy => 0x0A,
            FriendResult::IgnoreFull => 0x0B,
            FriendResult::IgnoreSelf => 0x0C,
            FriendResult::IgnoreNotFound => 0x0D,
            FriendResult::IgnoreAlready => 0x0E,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialCommand {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialResponse {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialEvent {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialQuery {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialQueryResponse {}

pub(crate) fn apply(_txn: &mut Txn<'_>, cmd: &SocialCommand) -> Result<Response, Error> {
    match *cmd {}
}

pub(crate) fn query(_txn: &Txn<'_>, q: &SocialQuery) -> Result<SocialQueryResponse, Error> {
    match *q {}
}

/// Is this account a GM hidden from friend lists and /who?
pub fn hidden_gm(txn: &Txn<'_>, account: AccountId) -> Result<bool, Error> {
    let level = txn.config().social.gm_in_who_list_level;
    Ok(txn
        .get::<crate::account::Account>(&crate::account::key(account))?
        .is_some_and(|a| a.gm_level > level))
}

/// The online characters to tell when `presence` changes: those who have it as a friend (same
/// faction unless two-side who is on; nobody when it is a hidden GM).
pub fn notify_targets(txn: &Txn<'_>, presence: &Presence) -> Result<Vec<Notify>, Error> {
    if hidden_gm(txn, presence.account)? {
        return Ok(Vec::new());
    }
    let two_side = txn.config().social.allow_two_side_who_list;
    let prefix = Key::new(FRIEND_REVERSE).character(presence.id).build();
    let mut out = Vec::new();
    for (k, _) in txn.scan_all(&prefix, FRIEND_REVERSE_MAX)? {
        let Some(owner) = KeyReader::new(&k, 8).character() else {
            continue;
        };
        if let Some(p) = crate::presence::get(txn, owner)? {
            if two_side || p.team() == presence.team() {
                out.push(Notify {
                    id: owner,
                    gateway: p.gateway,
                });
            }
        }
    }
    let _ = FRIENDS_MAX;
    Ok(out)
}

/// Removes every friend and ignore edge from or to the deleted character.
pub(crate) fn on_character_deleted(_txn: &mut Txn<'_>, _c: &Character) -> Result<(), Error> {
    let _: Option<CharacterId> = None;
    Ok(())
}
