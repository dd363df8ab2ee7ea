//! Typed calls of the social domain: friends and their notes, ignores, account friends,
//! and whisper routing.

use tavern_statemachine::social::{
    AccountFriendEntry, AccountFriendState, FriendEntry, FriendResult, IgnoreEntry, SocialCommand,
    SocialQuery, SocialQueryResponse, SocialResponse, WhisperTarget,
};
use tavern_statemachine::{AccountId, CharacterId, Command, Query, QueryResponse, Response};

use super::typed_calls;

typed_calls! {
    /// Social: friend and ignore lists, account (Battle.net style) friends, whispers.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// use tavern_statemachine::CharacterId;
    /// let (friends, ignores) = client.get_friend_list(CharacterId { realm: 1, low: 1 }).await?;
    /// # Ok(()) }
    /// ```
    trait SocialApi;

    /// Adds "Name" (the owner's realm) or "Name-Realm" to the owner's friends; answers
    /// ADDED_ONLINE or ADDED_OFFLINE and the friend as the list shows it.
    write add_friend(owner: CharacterId, name: String, note: String) -> (FriendResult, FriendEntry)
        = Command::Social(SocialCommand::AddFriend { owner, name, note });
        Response::Social(SocialResponse::FriendAdded { result, friend }) => (result, friend);
        example "let (result, jaina) = client.add_friend(arthas, \"Jaina\".into(), \"my love\".into()).await?;";

    /// Removes a friend; answers REMOVED (also when it was not a friend, as AzerothCore).
    write remove_friend(owner: CharacterId, friend: CharacterId) -> FriendResult
        = Command::Social(SocialCommand::RemoveFriend { owner, friend });
        Response::Social(SocialResponse::FriendStatus { result, .. }) => result;
        example "let removed = client.remove_friend(arthas, jaina).await?;";

    /// Sets the note on a friend (truncated to 48 characters); answers the note as stored.
    write set_friend_note(owner: CharacterId, friend: CharacterId, note: String) -> String
        = Command::Social(SocialCommand::SetFriendNote { owner, friend, note });
        Response::Social(SocialResponse::NoteSet { note, .. }) => note;
        example "let note = client.set_friend_note(arthas, jaina, \"Dalaran\".into()).await?;";

    /// Ignores "Name" or "Name-Realm"; answers IGNORE_ADDED.
    write add_ignore(owner: CharacterId, name: String) -> FriendResult
        = Command::Social(SocialCommand::AddIgnore { owner, name });
        Response::Social(SocialResponse::FriendStatus { result, .. }) => result;
        example "let added = client.add_ignore(arthas, \"Uther\".into()).await?;";

    /// Stops ignoring; answers IGNORE_REMOVED (also when it was not ignored).
    write remove_ignore(owner: CharacterId, ignored: CharacterId) -> FriendResult
        = Command::Social(SocialCommand::RemoveIgnore { owner, ignored });
        Response::Social(SocialResponse::FriendStatus { result, .. }) => result;
        example "let removed = client.remove_ignore(arthas, jaina).await?;";

    /// Asks `to_account` to become an account friend of `from_account` (accepts its request
    /// if it asked first); answers the edge's state seen from `from_account`.
    write request_account_friend(from_account: AccountId, to_account: AccountId)
        -> Option<AccountFriendState>
        = Command::Social(SocialCommand::RequestAccountFriend { from_account, to_account });
        Response::Social(SocialResponse::AccountFriend { state, .. }) => state;
        example "let state = client.request_account_friend(1, 2).await?;";

    /// `account` accepts the pending request of `requester`; answers the edge's state.
    write accept_account_friend(account: AccountId, requester: AccountId)
        -> Option<AccountFriendState>
        = Command::Social(SocialCommand::AcceptAccountFriend { account, requester });
        Response::Social(SocialResponse::AccountFriend { state, .. }) => state;
        example "let state = client.accept_account_friend(2, 1).await?;";

    /// `account` declines the pending request of `requester`; both sides forget it.
    write decline_account_friend(account: AccountId, requester: AccountId)
        -> Option<AccountFriendState>
        = Command::Social(SocialCommand::DeclineAccountFriend { account, requester });
        Response::Social(SocialResponse::AccountFriend { state, .. }) => state;
        example "let state = client.decline_account_friend(2, 1).await?;";

    /// Removes an account friend edge in any state, on both sides.
    write remove_account_friend(account: AccountId, friend: AccountId)
        -> Option<AccountFriendState>
        = Command::Social(SocialCommand::RemoveAccountFriend { account, friend });
        Response::Social(SocialResponse::AccountFriend { state, .. }) => state;
        example "let state = client.remove_account_friend(1, 2).await?;";

    /// The owner's friends (with what the owner may see of their presence) and ignores, in id
    /// order.
    read get_friend_list(owner: CharacterId) -> (Vec<FriendEntry>, Vec<IgnoreEntry>)
        = Query::Social(SocialQuery::FriendList { owner });
        QueryResponse::Social(SocialQueryResponse::FriendList { friends, ignores })
            => (friends, ignores);
        example "let (friends, ignores) = client.get_friend_list(arthas).await?;";

    /// A page of the characters that have `id` as a friend (whom to tell when it logs in),
    /// after `after`, at most `limit`; answers them and the `after` of the next page.
    read list_who_has_as_friend(id: CharacterId, after: Option<CharacterId>, limit: u32)
        -> (Vec<CharacterId>, Option<CharacterId>)
        = Query::Social(SocialQuery::WhoHasAsFriend { id, after, limit });
        QueryResponse::Social(SocialQueryResponse::WhoHasAsFriend { owners, next })
            => (owners, next);
        example "let (owners, next) = client.list_who_has_as_friend(jaina, None, 100).await?;";

    /// Every account friend edge of an account, in account order.
    read list_account_friends(account: AccountId) -> Vec<AccountFriendEntry>
        = Query::Social(SocialQuery::AccountFriends { account });
        QueryResponse::Social(SocialQueryResponse::AccountFriends(edges)) => edges;
        example "let edges = client.list_account_friends(1).await?;";

    /// Where a whisper from `from` to "Name[-Realm]" goes (refused as PlayerNotFound).
    read resolve_whisper(from: CharacterId, target: String) -> WhisperTarget
        = Query::Social(SocialQuery::ResolveWhisper { from, target });
        QueryResponse::Social(SocialQueryResponse::Whisper(target)) => target;
        example "let to = client.resolve_whisper(arthas, \"Jaina\".into()).await?;";

    /// Whether `by` ignores `who`.
    read is_ignoring(by: CharacterId, who: CharacterId) -> bool
        = Query::Social(SocialQuery::IsIgnoring { by, who });
        QueryResponse::Social(SocialQueryResponse::Ignoring(yes)) => yes;
        example "let ignored = client.is_ignoring(jaina, arthas).await?;";
}
