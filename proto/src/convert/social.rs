//! `SocialService` ⇄ `tavern_statemachine::social`.
//!
//! A [`FriendResult`] in an answer travels as its AzerothCore code (what the gateway puts into
//! `SMSG_FRIEND_STATUS`) and is decoded back by code; the codes are distinct.

use tavern_statemachine::limits::{
    ACCOUNT_FRIENDS_MAX, FRIENDS_MAX, GATEWAY_ID_BYTES_MAX, IGNORES_MAX,
};
use tavern_statemachine::presence::Presence;
use tavern_statemachine::social::{
    AccountFriendEntry, AccountFriendState, FriendEntry, FriendResult, IgnoreEntry, SocialCommand,
    SocialQuery, SocialQueryResponse, SocialResponse, WhisperTarget, FRIEND_NOTE_BYTES_MAX,
    TARGET_NAME_BYTES_MAX, WHO_HAS_AS_FRIEND_PAGE_MAX,
};
use tavern_statemachine::{QueryResponse, Response};

use super::{
    byte, bytes_max, character_id, count_max, each, mismatch, nested, query_reply, requests,
    try_from, write_reply, ConvertError, QueryReply, WriteReply, CHARACTER_NAME_BYTES_MAX,
};
use crate::pb;

/// Every [`FriendResult`], to decode a wire code. `proto/tests/round_trip.rs` walks every
/// variant of the enum through the wire, so one missing here fails there.
const FRIEND_RESULTS: [FriendResult; 17] = [
    FriendResult::DbError,
    FriendResult::ListFull,
    FriendResult::Online,
    FriendResult::Offline,
    FriendResult::NotFound,
    FriendResult::Removed,
    FriendResult::AddedOnline,
    FriendResult::AddedOffline,
    FriendResult::Already,
    FriendResult::SelfFriend,
    FriendResult::Enemy,
    FriendResult::IgnoreFull,
    FriendResult::IgnoreSelf,
    FriendResult::IgnoreNotFound,
    FriendResult::IgnoreAlready,
    FriendResult::IgnoreAdded,
    FriendResult::IgnoreRemoved,
];

/// A FriendsResult code from the wire.
fn friend_result(field: &str, code: u32) -> Result<FriendResult, ConvertError> {
    FRIEND_RESULTS
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| {
            let max = FRIEND_RESULTS.iter().map(|r| r.code()).max().unwrap_or(0);
            ConvertError::new(
                field,
                format!("is {code}, not a FriendsResult code (0 to {max})"),
            )
        })
}

impl From<AccountFriendState> for pb::AccountFriendState {
    fn from(s: AccountFriendState) -> Self {
        match s {
            AccountFriendState::PendingOutgoing => pb::AccountFriendState::PendingOutgoing,
            AccountFriendState::PendingIncoming => pb::AccountFriendState::PendingIncoming,
            AccountFriendState::Accepted => pb::AccountFriendState::Accepted,
        }
    }
}

/// An account friend state from the wire: UNSPECIFIED and unknown values are refused.
pub(super) fn account_friend_state(
    field: &str,
    value: i32,
) -> Result<AccountFriendState, ConvertError> {
    match pb::AccountFriendState::try_from(value) {
        Ok(pb::AccountFriendState::PendingOutgoing) => Ok(AccountFriendState::PendingOutgoing),
        Ok(pb::AccountFriendState::PendingIncoming) => Ok(AccountFriendState::PendingIncoming),
        Ok(pb::AccountFriendState::Accepted) => Ok(AccountFriendState::Accepted),
        Ok(pb::AccountFriendState::Unspecified) => Err(ConvertError::new(field, "is unspecified")),
        Err(_) => Err(ConvertError::new(
            field,
            format!("is {value}, not an AccountFriendState (1 to 3)"),
        )),
    }
}

fn character_name(field: &str, name: String) -> Result<String, ConvertError> {
    bytes_max(field, name, CHARACTER_NAME_BYTES_MAX)
}

fn target_name(field: &str, name: String) -> Result<String, ConvertError> {
    bytes_max(field, name, TARGET_NAME_BYTES_MAX)
}

pub(super) fn note(field: &str, note: String) -> Result<String, ConvertError> {
    bytes_max(field, note, FRIEND_NOTE_BYTES_MAX)
}

impl From<FriendEntry> for pb::FriendEntry {
    fn from(f: FriendEntry) -> Self {
        pb::FriendEntry {
            id: Some(f.id.into()),
            name: f.name,
            note: f.note,
            status: f.status.into(),
            area: f.area,
            level: f.level.into(),
            class_id: f.class.into(),
        }
    }
}

impl TryFrom<pb::FriendEntry> for FriendEntry {
    type Error = ConvertError;

    fn try_from(f: pb::FriendEntry) -> Result<Self, ConvertError> {
        Ok(FriendEntry {
            id: character_id("friend.id", f.id)?,
            name: character_name("friend.name", f.name)?,
            note: note("friend.note", f.note)?,
            status: byte("friend.status", f.status)?,
            area: f.area,
            level: byte("friend.level", f.level)?,
            class: byte("friend.class", f.class_id)?,
        })
    }
}

impl From<IgnoreEntry> for pb::IgnoreEntry {
    fn from(i: IgnoreEntry) -> Self {
        pb::IgnoreEntry {
            id: Some(i.id.into()),
            name: i.name,
        }
    }
}

impl TryFrom<pb::IgnoreEntry> for IgnoreEntry {
    type Error = ConvertError;

    fn try_from(i: pb::IgnoreEntry) -> Result<Self, ConvertError> {
        Ok(IgnoreEntry {
            id: character_id("ignore.id", i.id)?,
            name: character_name("ignore.name", i.name)?,
        })
    }
}

impl From<AccountFriendEntry> for pb::AccountFriendEntry {
    fn from(a: AccountFriendEntry) -> Self {
        pb::AccountFriendEntry {
            account: a.account,
            state: pb::AccountFriendState::from(a.state).into(),
            since_ms: a.since_ms,
            online: a.online.map(Into::into),
        }
    }
}

impl TryFrom<pb::AccountFriendEntry> for AccountFriendEntry {
    type Error = ConvertError;

    fn try_from(a: pb::AccountFriendEntry) -> Result<Self, ConvertError> {
        Ok(AccountFriendEntry {
            account: a.account,
            state: account_friend_state("account_friend.state", a.state)?,
            since_ms: a.since_ms,
            online: a
                .online
                .map(|p| Presence::try_from(p).map_err(|e| e.within("account_friend.online")))
                .transpose()?,
        })
    }
}

impl From<WhisperTarget> for pb::WhisperTarget {
    fn from(w: WhisperTarget) -> Self {
        pb::WhisperTarget {
            id: Some(w.id.into()),
            gateway: w.gateway,
            name: w.name,
        }
    }
}

impl TryFrom<pb::WhisperTarget> for WhisperTarget {
    type Error = ConvertError;

    fn try_from(w: pb::WhisperTarget) -> Result<Self, ConvertError> {
        Ok(WhisperTarget {
            id: character_id("whisper_target.id", w.id)?,
            gateway: bytes_max("whisper_target.gateway", w.gateway, GATEWAY_ID_BYTES_MAX)?,
            name: character_name("whisper_target.name", w.name)?,
        })
    }
}

requests! {
    /// The write RPCs of `SocialService`.
    SocialWrite => SocialCommand {
        AddFriend(pb::AddFriendRequest),
        RemoveFriend(pb::RemoveFriendRequest),
        SetFriendNote(pb::SetFriendNoteRequest),
        AddIgnore(pb::AddIgnoreRequest),
        RemoveIgnore(pb::RemoveIgnoreRequest),
        RequestAccountFriend(pb::RequestAccountFriendRequest),
        AcceptAccountFriend(pb::AcceptAccountFriendRequest),
        DeclineAccountFriend(pb::DeclineAccountFriendRequest),
        RemoveAccountFriend(pb::RemoveAccountFriendRequest),
    }
}

requests! {
    /// The read RPCs of `SocialService`.
    SocialRead => SocialQuery {
        GetFriendList(pb::GetFriendListRequest),
        ListWhoHasAsFriend(pb::ListWhoHasAsFriendRequest),
        ListAccountFriends(pb::ListAccountFriendsRequest),
        ResolveWhisper(pb::ResolveWhisperRequest),
        IsIgnoring(pb::IsIgnoringRequest),
    }
}

impl From<SocialCommand> for SocialWrite {
    fn from(c: SocialCommand) -> Self {
        use SocialWrite as W;
        let header = None;
        match c {
            SocialCommand::AddFriend { owner, name, note } => W::AddFriend(pb::AddFriendRequest {
                header,
                owner: Some(owner.into()),
                name,
                note,
            }),
            SocialCommand::RemoveFriend { owner, friend } => {
                W::RemoveFriend(pb::RemoveFriendRequest {
                    header,
                    owner: Some(owner.into()),
                    friend_id: Some(friend.into()),
                })
            }
            SocialCommand::SetFriendNote {
                owner,
                friend,
                note,
            } => W::SetFriendNote(pb::SetFriendNoteRequest {
                header,
                owner: Some(owner.into()),
                friend_id: Some(friend.into()),
                note,
            }),
            SocialCommand::AddIgnore { owner, name } => W::AddIgnore(pb::AddIgnoreRequest {
                header,
                owner: Some(owner.into()),
                name,
            }),
            SocialCommand::RemoveIgnore { owner, ignored } => {
                W::RemoveIgnore(pb::RemoveIgnoreRequest {
                    header,
                    owner: Some(owner.into()),
                    ignored: Some(ignored.into()),
                })
            }
            SocialCommand::RequestAccountFriend {
                from_account,
                to_account,
            } => W::RequestAccountFriend(pb::RequestAccountFriendRequest {
                header,
                from_account,
                to_account,
            }),
            SocialCommand::AcceptAccountFriend { account, requester } => {
                W::AcceptAccountFriend(pb::AcceptAccountFriendRequest {
                    header,
                    account,
                    requester,
                })
            }
            SocialCommand::DeclineAccountFriend { account, requester } => {
                W::DeclineAccountFriend(pb::DeclineAccountFriendRequest {
                    header,
                    account,
                    requester,
                })
            }
            SocialCommand::RemoveAccountFriend { account, friend } => {
                W::RemoveAccountFriend(pb::RemoveAccountFriendRequest {
                    header,
                    account,
                    friend_account: friend,
                })
            }
        }
    }
}

impl From<SocialQuery> for SocialRead {
    fn from(q: SocialQuery) -> Self {
        use SocialRead as R;
        let header = None;
        match q {
            SocialQuery::FriendList { owner } => R::GetFriendList(pb::GetFriendListRequest {
                header,
                owner: Some(owner.into()),
            }),
            SocialQuery::WhoHasAsFriend { id, after, limit } => {
                R::ListWhoHasAsFriend(pb::ListWhoHasAsFriendRequest {
                    header,
                    id: Some(id.into()),
                    after: after.map(Into::into),
                    limit,
                })
            }
            SocialQuery::AccountFriends { account } => {
                R::ListAccountFriends(pb::ListAccountFriendsRequest { header, account })
            }
            SocialQuery::ResolveWhisper { from, target } => {
                R::ResolveWhisper(pb::ResolveWhisperRequest {
                    header,
                    from_id: Some(from.into()),
                    target,
                })
            }
            SocialQuery::IsIgnoring { by, who } => R::IsIgnoring(pb::IsIgnoringRequest {
                header,
                by: Some(by.into()),
                who: Some(who.into()),
            }),
        }
    }
}

try_from!(pb::AddFriendRequest => SocialCommand, |r| SocialCommand::AddFriend {
    owner: character_id("add_friend.owner", r.owner)?,
    name: target_name("add_friend.name", r.name)?,
    note: note("add_friend.note", r.note)?,
});
try_from!(pb::RemoveFriendRequest => SocialCommand, |r| SocialCommand::RemoveFriend {
    owner: character_id("remove_friend.owner", r.owner)?,
    friend: character_id("remove_friend.friend", r.friend_id)?,
});
try_from!(pb::SetFriendNoteRequest => SocialCommand, |r| SocialCommand::SetFriendNote {
    owner: character_id("set_friend_note.owner", r.owner)?,
    friend: character_id("set_friend_note.friend", r.friend_id)?,
    note: note("set_friend_note.note", r.note)?,
});
try_from!(pb::AddIgnoreRequest => SocialCommand, |r| SocialCommand::AddIgnore {
    owner: character_id("add_ignore.owner", r.owner)?,
    name: target_name("add_ignore.name", r.name)?,
});
try_from!(pb::RemoveIgnoreRequest => SocialCommand, |r| SocialCommand::RemoveIgnore {
    owner: character_id("remove_ignore.owner", r.owner)?,
    ignored: character_id("remove_ignore.ignored", r.ignored)?,
});
try_from!(pb::RequestAccountFriendRequest => SocialCommand, |r| {
    SocialCommand::RequestAccountFriend {
        from_account: r.from_account,
        to_account: r.to_account,
    }
});
try_from!(pb::AcceptAccountFriendRequest => SocialCommand, |r| {
    SocialCommand::AcceptAccountFriend {
        account: r.account,
        requester: r.requester,
    }
});
try_from!(pb::DeclineAccountFriendRequest => SocialCommand, |r| {
    SocialCommand::DeclineAccountFriend {
        account: r.account,
        requester: r.requester,
    }
});
try_from!(pb::RemoveAccountFriendRequest => SocialCommand, |r| {
    SocialCommand::RemoveAccountFriend {
        account: r.account,
        friend: r.friend_account,
    }
});

try_from!(pb::GetFriendListRequest => SocialQuery, |r| SocialQuery::FriendList {
    owner: character_id("friend_list.owner", r.owner)?,
});
try_from!(pb::ListWhoHasAsFriendRequest => SocialQuery, |r| SocialQuery::WhoHasAsFriend {
    id: character_id("who_has_as_friend.id", r.id)?,
    after: r.after.map(Into::into),
    limit: r.limit,
});
try_from!(pb::ListAccountFriendsRequest => SocialQuery, |r| SocialQuery::AccountFriends {
    account: r.account,
});
try_from!(pb::ResolveWhisperRequest => SocialQuery, |r| SocialQuery::ResolveWhisper {
    from: character_id("resolve_whisper.from", r.from_id)?,
    target: target_name("resolve_whisper.target", r.target)?,
});
try_from!(pb::IsIgnoringRequest => SocialQuery, |r| SocialQuery::IsIgnoring {
    by: character_id("is_ignoring.by", r.by)?,
    who: character_id("is_ignoring.who", r.who)?,
});

write_reply!(Social,
    pb::AddFriendResponse, "AddFriend",
    SocialResponse::FriendAdded { result, friend } => {
        result: result.code(),
        entry: Some(friend.into()),
    },
    |m| SocialResponse::FriendAdded {
        result: friend_result("friend_added.result", m.result)?,
        friend: nested("friend_added.friend", m.entry)?,
    }
);

/// RemoveFriend, AddIgnore and RemoveIgnore all answer a result about one character.
macro_rules! friend_status_reply {
    ($($msg:ty => $rpc:literal),+ $(,)?) => {
        $(write_reply!(Social,
            $msg, $rpc,
            SocialResponse::FriendStatus { result, target } => {
                result: result.code(),
                target: Some(target.into()),
            },
            |m| SocialResponse::FriendStatus {
                result: friend_result("friend_status.result", m.result)?,
                target: character_id("friend_status.target", m.target)?,
            }
        );)+
    };
}

friend_status_reply!(
    pb::RemoveFriendResponse => "RemoveFriend",
    pb::AddIgnoreResponse => "AddIgnore",
    pb::RemoveIgnoreResponse => "RemoveIgnore",
);

write_reply!(Social,
    pb::SetFriendNoteResponse, "SetFriendNote",
    SocialResponse::NoteSet { friend, note } => { friend_id: Some(friend.into()), note },
    |m| SocialResponse::NoteSet {
        friend: character_id("note_set.friend", m.friend_id)?,
        note: note("note_set.note", m.note)?,
    }
);

/// The four account friend writes answer the edge's state afterwards.
macro_rules! account_friend_reply {
    ($($msg:ty => $rpc:literal),+ $(,)?) => {
        $(write_reply!(Social,
            $msg, $rpc,
            SocialResponse::AccountFriend { account, other, state } => {
                account,
                other,
                state: state.map(|s| pb::AccountFriendState::from(s).into()),
            },
            |m| SocialResponse::AccountFriend {
                account: m.account,
                other: m.other,
                state: m
                    .state
                    .map(|s| account_friend_state("account_friend.state", s))
                    .transpose()?,
            }
        );)+
    };
}

account_friend_reply!(
    pb::RequestAccountFriendResponse => "RequestAccountFriend",
    pb::AcceptAccountFriendResponse => "AcceptAccountFriend",
    pb::DeclineAccountFriendResponse => "DeclineAccountFriend",
    pb::RemoveAccountFriendResponse => "RemoveAccountFriend",
);

query_reply!(Social,
    pb::GetFriendListResponse, "GetFriendList",
    SocialQueryResponse::FriendList { friends, ignores } => {
        friends: friends.into_iter().map(Into::into).collect(),
        ignores: ignores.into_iter().map(Into::into).collect(),
    },
    |m| {
        count_max("friends", m.friends.len(), FRIENDS_MAX)?;
        count_max("ignores", m.ignores.len(), IGNORES_MAX)?;
        SocialQueryResponse::FriendList {
            friends: each("friends", m.friends, FriendEntry::try_from)?,
            ignores: each("ignores", m.ignores, IgnoreEntry::try_from)?,
        }
    }
);
query_reply!(Social,
    pb::ListWhoHasAsFriendResponse, "ListWhoHasAsFriend",
    SocialQueryResponse::WhoHasAsFriend { owners, next } => {
        owners: owners.into_iter().map(Into::into).collect(),
        next: next.map(Into::into),
    },
    |m| {
        count_max("owners", m.owners.len(), WHO_HAS_AS_FRIEND_PAGE_MAX as usize)?;
        SocialQueryResponse::WhoHasAsFriend {
            owners: m.owners.into_iter().map(Into::into).collect(),
            next: m.next.map(Into::into),
        }
    }
);
query_reply!(Social,
    pb::ListAccountFriendsResponse, "ListAccountFriends",
    SocialQueryResponse::AccountFriends(entries) => {
        account_friends: entries.into_iter().map(Into::into).collect(),
    },
    |m| {
        count_max("account_friends", m.account_friends.len(), ACCOUNT_FRIENDS_MAX)?;
        SocialQueryResponse::AccountFriends(each(
            "account_friends",
            m.account_friends,
            AccountFriendEntry::try_from,
        )?)
    }
);
query_reply!(Social,
    pb::ResolveWhisperResponse, "ResolveWhisper",
    SocialQueryResponse::Whisper(target) => { target: Some(target.into()) },
    |m| SocialQueryResponse::Whisper(nested("whisper_target", m.target)?)
);
query_reply!(Social,
    pb::IsIgnoringResponse, "IsIgnoring",
    SocialQueryResponse::Ignoring(ignoring) => { ignoring },
    |m| SocialQueryResponse::Ignoring(m.ignoring)
);
