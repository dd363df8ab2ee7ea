//! Social: friends and ignore lists per character, account-level ("Real ID") friends, the
//! presence fan-out list, and whisper routing (DOMAIN.md 1.2, 1.4, 2.1, 2.2, 3.6–3.8).
//!
//! Keys (one record per edge; every forward edge has its reverse index entry, written and
//! removed in the same entry):
//! ```text
//! FRIEND         | owner realm u32 | owner low u32 | friend realm u32 | friend low u32 -> FriendEdge
//! FRIEND_REVERSE | friend realm u32 | friend low u32 | owner realm u32 | owner low u32 -> ()
//! IGNORE         | owner realm u32 | owner low u32 | ignored realm u32 | ignored low u32 -> IgnoreEdge
//! IGNORE_REVERSE | ignored realm u32 | ignored low u32 | owner realm u32 | owner low u32 -> ()
//! ACCOUNT_FRIEND | account u32 | other u32 -> AccountFriendEdge { state, since_ms }
//! ```
//! Account friend edges exist on both sides with mirrored states: `a|b` PendingOutgoing with
//! `b|a` PendingIncoming, or both Accepted.
//!
//! Invariants ([`check_invariants`]): at most [`FRIENDS_MAX`] friends and [`IGNORES_MAX`]
//! ignores per character and [`ACCOUNT_FRIENDS_MAX`] account friends (pending and accepted) per
//! account; at most [`LISTED_BY_MAX`] characters list one character as friend (and as ignored);
//! forward and reverse edges match one to one; no self edges; no edge to or from a character
//! that does not exist (a character delete removes all of them, both ways).
//!
//! Files: `friends.rs` (character friends and ignores), `account_friends.rs` (Real ID),
//! `whisper.rs` (name resolution and whisper routing), `invariants.rs`.
//!
//! ```text
//! AddFriend ─▶ resolve "Name[-Realm]" ─▶ self? enemy? already? full? ─▶ FRIEND + FRIEND_REVERSE
//! Login/Logout ─▶ notify_targets: FRIEND_REVERSE owners online (same team) ∪ online characters
//!                 of accepted account friends, sorted by id
//! ```

mod account_friends;
mod friends;
mod invariants;
mod whisper;

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{AccountId, CharacterId, GatewayId};
use crate::presence::{Notify, Presence};
use crate::txn::Txn;

pub use invariants::check_invariants;

/// Characters that may list one character as friend (and, separately, as ignored): bounds the
/// reverse-index scans of a login, a logout and a character delete. The configurable limit
/// [`SocialConfig::listed_by_max`] is clamped to this.
pub const LISTED_BY_MAX: usize = 100_000;
/// The skeleton's name for [`LISTED_BY_MAX`].
pub const FRIEND_REVERSE_MAX: usize = LISTED_BY_MAX;
/// A note longer than this many bytes is refused instead of truncated: 48 characters of
/// UTF-8 take at most 4 bytes each, so no client sends more.
pub const FRIEND_NOTE_BYTES_MAX: usize = crate::limits::FRIEND_NOTE_CHARS_MAX * 4;
/// A "Name" or "Name-Realm" target, in bytes: a name of 12 characters (4 bytes each at most),
/// the dash and a realm name.
pub const TARGET_NAME_BYTES_MAX: usize =
    crate::limits::CHARACTER_NAME_CHARS_MAX * 4 + 1 + crate::limits::REALM_NAME_BYTES_MAX;
/// Owners one `WhoHasAsFriend` page returns at most.
pub const WHO_HAS_AS_FRIEND_PAGE_MAX: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialConfig {
    /// `AllowTwoSide.AddFriend`: friends across factions.
    pub allow_two_side_add_friend: bool,
    /// `AllowTwoSide.WhoList`: see the other faction online in /who and friend lists.
    pub allow_two_side_who_list: bool,
    /// `GM.InWhoList.Level`: accounts with a GM level above this are hidden.
    pub gm_in_who_list_level: u8,
    /// Friends on another realm ("Name-Realm"). Off: such targets are FRIEND_NOT_FOUND, as
    /// today's realm-local friend RPCs behave. Ignores may always name another realm, since a
    /// player must be able to ignore anyone who can whisper them.
    pub allow_cross_realm_friends: bool,
    /// Who may whisper across realms.
    pub whisper: WhisperPolicy,
    /// How many characters may have one character on their friend list (and, separately, on
    /// their ignore list); an add past it is refused. Clamped to [`LISTED_BY_MAX`].
    pub listed_by_max: u32,
}

/// Whispers within a realm are always routed; across realms only what this allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WhisperPolicy {
    /// Accepted account friends may whisper each other's characters on any realm.
    pub allow_account_friends: bool,
    /// Two characters both in instances of a cross-realm (realm 0) worldserver may whisper.
    pub allow_cross_realm_instance: bool,
}

impl Default for SocialConfig {
    fn default() -> Self {
        SocialConfig {
            allow_two_side_add_friend: false,
            allow_two_side_who_list: false,
            gm_in_who_list_level: 1,
            allow_cross_realm_friends: false,
            whisper: WhisperPolicy::default(),
            listed_by_max: LISTED_BY_MAX as u32,
        }
    }
}

impl SocialConfig {
    /// Checks the values: `listed_by_max` must be in `1..=LISTED_BY_MAX` (0 would refuse every
    /// add). Called by `ClusterConfig::validate`.
    pub fn validate(&self) -> Result<(), Error> {
        let max = self.listed_by_max;
        if max == 0 || max as usize > LISTED_BY_MAX {
            return Err(Error::invalid(
                "config.social.listed_by_max",
                format!("is {max}, it must be in 1..={LISTED_BY_MAX}"),
            ));
        }
        Ok(())
    }

    /// The effective listed-by limit: the configured one, never above [`LISTED_BY_MAX`].
    pub fn listed_by_limit(&self) -> usize {
        usize::try_from(self.listed_by_max)
            .unwrap_or(LISTED_BY_MAX)
            .min(LISTED_BY_MAX)
    }
}

/// AC `FriendsResult` values (`src/server/game/Entities/Player/SocialMgr.h`). Not ToCloud9's
/// ignore codes, which are shifted by one (DOMAIN.md 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FriendResult {
    DbError,
    ListFull,
    /// What a gateway sends to a notify list when a friend comes online.
    Online,
    /// What a gateway sends to a notify list when a friend goes offline.
    Offline,
    NotFound,
    Removed,
    AddedOnline,
    AddedOffline,
    Already,
    SelfFriend,
    Enemy,
    IgnoreFull,
    IgnoreSelf,
    IgnoreNotFound,
    IgnoreAlready,
    IgnoreAdded,
    IgnoreRemoved,
}

impl FriendResult {
    pub fn code(self) -> u32 {
        match self {
            FriendResult::DbError => 0x00,
            FriendResult::ListFull => 0x01,
            FriendResult::Online => 0x02,
            FriendResult::Offline => 0x03,
            FriendResult::NotFound => 0x04,
            FriendResult::Removed => 0x05,
            FriendResult::AddedOnline => 0x06,
            FriendResult::AddedOffline => 0x07,
            FriendResult::Already => 0x08,
            FriendResult::SelfFriend => 0x09,
            FriendResult::Enemy => 0x0A,
            FriendResult::IgnoreFull => 0x0B,
            FriendResult::IgnoreSelf => 0x0C,
            FriendResult::IgnoreNotFound => 0x0D,
            FriendResult::IgnoreAlready => 0x0E,
            FriendResult::IgnoreAdded => 0x0F,
            FriendResult::IgnoreRemoved => 0x10,
        }
    }
}

/// One side's view of an account friend edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccountFriendState {
    /// This account asked the other; waiting for it to accept.
    PendingOutgoing,
    /// The other account asked this one.
    PendingIncoming,
    Accepted,
}

impl AccountFriendState {
    /// The state the other side must have.
    pub fn mirror(self) -> Self {
        match self {
            AccountFriendState::PendingOutgoing => AccountFriendState::PendingIncoming,
            AccountFriendState::PendingIncoming => AccountFriendState::PendingOutgoing,
            AccountFriendState::Accepted => AccountFriendState::Accepted,
        }
    }
}

/// A friend as the owner's list shows it (`SMSG_CONTACT_LIST` / `SMSG_FRIEND_STATUS`).
/// Offline (or not visible to the owner): status 0 and area, level, class 0, as AC's
/// `GetFriendInfo` sends. `area` is the zone id, as AC fills it (`GetZoneId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendEntry {
    pub id: CharacterId,
    pub name: String,
    pub note: String,
    pub status: u8,
    pub area: u32,
    pub level: u8,
    pub class: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoreEntry {
    pub id: CharacterId,
    pub name: String,
}

/// An account friend edge seen from one account, with the other's online character when
/// accepted (and not a hidden GM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFriendEntry {
    pub account: AccountId,
    pub state: AccountFriendState,
    pub since_ms: u64,
    pub online: Option<Presence>,
}

/// An account in an account-friend event, with its online character to tell, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSide {
    pub account: AccountId,
    pub online: Option<Notify>,
}

/// Where a whisper goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhisperTarget {
    pub id: CharacterId,
    pub gateway: GatewayId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialCommand {
    /// `name` is "Name" (the owner's realm) or "Name-Realm" (a realm's name, any case).
    AddFriend {
        owner: CharacterId,
        name: String,
        note: String,
    },
    /// Answers REMOVED even when `friend` was not on the list (AC does the same).
    RemoveFriend {
        owner: CharacterId,
        friend: CharacterId,
    },
    /// The note is truncated to 48 characters; `NotFound` when `friend` is not a friend.
    SetFriendNote {
        owner: CharacterId,
        friend: CharacterId,
        note: String,
    },
    AddIgnore {
        owner: CharacterId,
        name: String,
    },
    /// Answers IGNORE_REMOVED even when `ignored` was not on the list (AC does the same).
    RemoveIgnore {
        owner: CharacterId,
        ignored: CharacterId,
    },
    /// Asks `to_account` to become an account friend; if it already asked `from_account`,
    /// this accepts that request instead.
    RequestAccountFriend {
        from_account: AccountId,
        to_account: AccountId,
    },
    /// `account` accepts the pending request of `requester`.
    AcceptAccountFriend {
        account: AccountId,
        requester: AccountId,
    },
    /// `account` declines the pending request of `requester`; both sides forget it.
    DeclineAccountFriend {
        account: AccountId,
        requester: AccountId,
    },
    /// Removes the edge in any state (also cancels an own request), on both sides.
    RemoveAccountFriend {
        account: AccountId,
        friend: AccountId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialResponse {
    /// AddFriend: ADDED_ONLINE (with status, area, level, class) or ADDED_OFFLINE.
    FriendAdded {
        result: FriendResult,
        friend: FriendEntry,
    },
    /// RemoveFriend (REMOVED), AddIgnore (IGNORE_ADDED), RemoveIgnore (IGNORE_REMOVED).
    FriendStatus {
        result: FriendResult,
        target: CharacterId,
    },
    /// SetFriendNote: the note as stored.
    NoteSet { friend: CharacterId, note: String },
    /// Account friend commands: the edge's state now, seen from `account` (`None`: gone).
    AccountFriend {
        account: AccountId,
        other: AccountId,
        state: Option<AccountFriendState>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialEvent {
    FriendAdded {
        owner: CharacterId,
        owner_gateway: Option<GatewayId>,
        friend: CharacterId,
        name: String,
        note: String,
    },
    FriendRemoved {
        owner: CharacterId,
        owner_gateway: Option<GatewayId>,
        friend: CharacterId,
    },
    NoteUpdated {
        owner: CharacterId,
        owner_gateway: Option<GatewayId>,
        friend: CharacterId,
        note: String,
    },
    IgnoreAdded {
        owner: CharacterId,
        owner_gateway: Option<GatewayId>,
        ignored: CharacterId,
        name: String,
    },
    IgnoreRemoved {
        owner: CharacterId,
        owner_gateway: Option<GatewayId>,
        ignored: CharacterId,
    },
    AccountFriendRequested {
        from: AccountSide,
        to: AccountSide,
    },
    AccountFriendAccepted {
        requester: AccountSide,
        accepter: AccountSide,
    },
    AccountFriendDeclined {
        requester: AccountSide,
        decliner: AccountSide,
    },
    /// `was` is the state seen from `by`.
    AccountFriendRemoved {
        by: AccountSide,
        other: AccountSide,
        was: AccountFriendState,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialQuery {
    /// Friends (with what the owner may see of their presence) and ignores, in id order.
    FriendList { owner: CharacterId },
    /// Owners that have `id` as a friend, in id order, after `after`, at most `limit`.
    WhoHasAsFriend {
        id: CharacterId,
        after: Option<CharacterId>,
        limit: u32,
    },
    /// Every account friend edge of `account`, in account order.
    AccountFriends { account: AccountId },
    /// Where a whisper from `from` to "Name[-Realm]" goes, or `PlayerNotFound`.
    ResolveWhisper { from: CharacterId, target: String },
    /// Does `by` ignore `who`?
    IsIgnoring { by: CharacterId, who: CharacterId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocialQueryResponse {
    FriendList {
        friends: Vec<FriendEntry>,
        ignores: Vec<IgnoreEntry>,
    },
    /// `next` is the `after` of the next page when there may be more.
    WhoHasAsFriend {
        owners: Vec<CharacterId>,
        next: Option<CharacterId>,
    },
    AccountFriends(Vec<AccountFriendEntry>),
    Whisper(WhisperTarget),
    Ignoring(bool),
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &SocialCommand) -> Result<Response, Error> {
    let r = match cmd {
        SocialCommand::AddFriend { owner, name, note } => {
            friends::add_friend(txn, *owner, name, note)?
        }
        SocialCommand::RemoveFriend { owner, friend } => {
            friends::remove_friend(txn, *owner, *friend)?
        }
        SocialCommand::SetFriendNote {
            owner,
            friend,
            note,
        } => friends::set_note(txn, *owner, *friend, note)?,
        SocialCommand::AddIgnore { owner, name } => friends::add_ignore(txn, *owner, name)?,
        SocialCommand::RemoveIgnore { owner, ignored } => {
            friends::remove_ignore(txn, *owner, *ignored)?
        }
        SocialCommand::RequestAccountFriend {
            from_account,
            to_account,
        } => account_friends::request(txn, *from_account, *to_account)?,
        SocialCommand::AcceptAccountFriend { account, requester } => {
            account_friends::accept(txn, *account, *requester)?
        }
        SocialCommand::DeclineAccountFriend { account, requester } => {
            account_friends::decline(txn, *account, *requester)?
        }
        SocialCommand::RemoveAccountFriend { account, friend } => {
            account_friends::remove(txn, *account, *friend)?
        }
    };
    Ok(Response::Social(r))
}

pub(crate) fn query(txn: &Txn<'_>, q: &SocialQuery) -> Result<SocialQueryResponse, Error> {
    match q {
        SocialQuery::FriendList { owner } => friends::friend_list(txn, *owner),
        SocialQuery::WhoHasAsFriend { id, after, limit } => {
            friends::who_has_as_friend(txn, *id, *after, *limit)
        }
        SocialQuery::AccountFriends { account } => account_friends::list(txn, *account),
        SocialQuery::ResolveWhisper { from, target } => {
            whisper::resolve(txn, *from, target).map(SocialQueryResponse::Whisper)
        }
        SocialQuery::IsIgnoring { by, who } => Ok(SocialQueryResponse::Ignoring(
            friends::is_ignoring(txn, *by, *who)?,
        )),
    }
}

/// Is this account a GM hidden from friend lists and /who?
pub fn hidden_gm(txn: &Txn<'_>, account: AccountId) -> Result<bool, Error> {
    let level = txn.config().social.gm_in_who_list_level;
    Ok(txn
        .get::<crate::account::Account>(&crate::account::key(account))?
        .is_some_and(|a| a.gm_level > level))
}

/// Is `id` on the ignore list of `by`? (Also used by other domains, e.g. arena invites.)
/// The characters that ignore `id` (the ignore reverse index), in id order: a channel message
/// from `id` is not delivered to them.
pub fn ignored_by(txn: &Txn<'_>, id: CharacterId) -> Result<Vec<CharacterId>, Error> {
    friends::ignored_by(txn, id)
}

pub fn is_ignoring(txn: &Txn<'_>, by: CharacterId, id: CharacterId) -> Result<bool, Error> {
    friends::is_ignoring(txn, by, id)
}

/// The online characters to tell when `presence` changes, sorted by id and without
/// duplicates: those who have it as a friend (same faction unless two-side who is on) and the
/// online characters of its accepted account friends (any realm, any faction). Nobody when it
/// is a hidden GM.
pub fn notify_targets(txn: &Txn<'_>, presence: &Presence) -> Result<Vec<Notify>, Error> {
    if hidden_gm(txn, presence.account)? {
        return Ok(Vec::new());
    }
    let two_side = txn.config().social.allow_two_side_who_list;
    let mut out = std::collections::BTreeMap::new();
    for owner in friends::listed_by(txn, presence.id)? {
        if let Some(p) = crate::presence::get(txn, owner)? {
            if two_side || p.team() == presence.team() {
                out.insert(owner, p.gateway);
            }
        }
    }
    for other in account_friends::accepted(txn, presence.account)? {
        if let Some(p) = crate::presence::online_of_account(txn, other)? {
            out.insert(p.id, p.gateway);
        }
    }
    out.remove(&presence.id);
    Ok(out
        .into_iter()
        .map(|(id, gateway)| Notify { id, gateway })
        .collect())
}

/// Removes every friend and ignore edge from or to the deleted character, with their reverse
/// index entries, and tells the owners that lose an entry. Account friends are account-level
/// and stay.
pub(crate) fn on_character_deleted(txn: &mut Txn<'_>, c: &Character) -> Result<(), Error> {
    friends::remove_all_of(txn, c.id)
}
/// The record check of the social tables (see `crate::records`; the layouts are above).
pub(crate) fn check_record(
    tag: u8,
    key: &[u8],
    value: &[u8],
) -> Option<Result<(), crate::records::Problem>> {
    friends::check_record(tag, key, value)
        .or_else(|| account_friends::check_record(tag, key, value))
}
