//! Friends, ignores, whispers and account friends; custom channels and their moderation.

use tavern_gateway::prelude::*;
use tavern_statemachine::channel::ChannelNotice;
use tavern_statemachine::social::{AccountFriendState, FriendResult};
use tavern_statemachine::{CharacterId, Error as Refusal, Team};

use super::{domain, login, ok, ARTHAS, JAINA, NORTH, SOUTH, UTHER};

pub async fn friends_ignores_account_friends<B: Backend>(api: &B) {
    // Arthas and Jaina befriend each other while both are online.
    let (result, jaina) = ok(api
        .add_friend(ARTHAS, "jaina".into(), "Dalaran".into())
        .await);
    assert_eq!(result, FriendResult::AddedOnline);
    assert_eq!(
        (jaina.id, jaina.name.as_str(), jaina.level),
        (JAINA, "Jaina", 80)
    );
    assert_ne!(jaina.status, 0, "she is online");
    let (result, _) = ok(api.add_friend(JAINA, "Arthas".into(), String::new()).await);
    assert_eq!(result, FriendResult::AddedOnline);
    assert_eq!(
        domain(api.add_friend(ARTHAS, "Jaina".into(), String::new()).await),
        Refusal::Friend(FriendResult::Already)
    );
    assert_eq!(
        domain(api.add_friend(ARTHAS, "Arthas".into(), String::new()).await),
        Refusal::Friend(FriendResult::SelfFriend)
    );
    assert_eq!(
        ok(api
            .set_friend_note(ARTHAS, JAINA, "Culling of Stratholme".into())
            .await),
        "Culling of Stratholme"
    );
    let (friends, ignores) = ok(api.get_friend_list(ARTHAS).await);
    let seen: Vec<(CharacterId, &str)> = friends.iter().map(|f| (f.id, f.note.as_str())).collect();
    assert_eq!(seen, [(JAINA, "Culling of Stratholme")]);
    assert!(ignores.is_empty());
    assert_eq!(
        ok(api.list_who_has_as_friend(JAINA, None, 10).await),
        (vec![ARTHAS], None),
        "whom to tell when Jaina comes and goes"
    );

    // Jaina goes offline: Arthas's list shows her so; she comes back.
    ok(api.logout(JAINA, SOUTH.into()).await);
    let (friends, _) = ok(api.get_friend_list(ARTHAS).await);
    assert_eq!(friends.first().map(|f| (f.status, f.level)), Some((0, 0)));
    ok(api.login(login(JAINA, SOUTH)).await);

    // Uther ignores Arthas: Arthas's whispers do not reach him, Jaina's do.
    assert_eq!(
        ok(api.add_ignore(UTHER, "Arthas".into()).await),
        FriendResult::IgnoreAdded
    );
    assert!(ok(api.is_ignoring(UTHER, ARTHAS).await));
    assert_eq!(
        domain(api.resolve_whisper(ARTHAS, "Uther".into()).await),
        Refusal::PlayerNotFound
    );
    let to = ok(api.resolve_whisper(JAINA, "uther".into()).await);
    assert_eq!(
        (to.id, to.gateway.as_str(), to.name.as_str()),
        (UTHER, NORTH, "Uther")
    );
    let (_, ignores) = ok(api.get_friend_list(UTHER).await);
    assert_eq!(ignores.iter().map(|i| i.id).collect::<Vec<_>>(), [ARTHAS]);
    assert_eq!(
        ok(api.remove_ignore(UTHER, ARTHAS).await),
        FriendResult::IgnoreRemoved
    );
    assert!(!ok(api.is_ignoring(UTHER, ARTHAS).await));
    assert_eq!(
        ok(api.remove_friend(JAINA, ARTHAS).await),
        FriendResult::Removed
    );
    assert_eq!(
        ok(api.list_who_has_as_friend(ARTHAS, None, 10).await),
        (Vec::new(), None)
    );

    // Accounts 1 and 2 become account friends; account 3 declines account 1.
    assert_eq!(
        ok(api.request_account_friend(1, 2).await),
        Some(AccountFriendState::PendingOutgoing)
    );
    let incoming = ok(api.list_account_friends(2).await);
    assert_eq!(
        incoming
            .iter()
            .map(|e| (e.account, e.state))
            .collect::<Vec<_>>(),
        [(1, AccountFriendState::PendingIncoming)]
    );
    assert_eq!(
        ok(api.accept_account_friend(2, 1).await),
        Some(AccountFriendState::Accepted)
    );
    let edges = ok(api.list_account_friends(1).await);
    assert_eq!(
        edges
            .iter()
            .map(|e| (e.account, e.state, e.online.as_ref().map(|p| p.id)))
            .collect::<Vec<_>>(),
        [(2, AccountFriendState::Accepted, Some(JAINA))],
        "an accepted account friend shows its online character"
    );
    ok(api.request_account_friend(1, 3).await);
    assert_eq!(ok(api.decline_account_friend(3, 1).await), None);
    assert_eq!(ok(api.list_account_friends(3).await), Vec::new());
    assert_eq!(ok(api.remove_account_friend(1, 2).await), None);
    assert_eq!(ok(api.list_account_friends(2).await), Vec::new());
}

pub async fn channels<B: Backend>(api: &B) {
    let scourge = || "Scourge".to_string();
    let members = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();

    // Arthas creates a custom channel (joining it first), owns it and sets a password.
    let joined = ok(api.join_channel(ARTHAS, scourge(), 0, String::new()).await);
    assert_eq!(
        (
            joined.channel.name.as_str(),
            joined.channel.owner,
            joined.channel.has_password,
            joined.channel.members
        ),
        ("Scourge", Some(ARTHAS), false, 1)
    );
    ok(api
        .set_channel_password(ARTHAS, scourge(), "frost".into())
        .await);
    let channel = ok(api.get_channel(1, Team::Alliance, scourge()).await);
    assert_eq!(channel.map(|c| c.has_password), Some(true));
    assert_eq!(
        domain(api.join_channel(JAINA, scourge(), 0, "fire".into()).await),
        Refusal::Channel(ChannelNotice::WrongPassword)
    );
    ok(api.join_channel(JAINA, scourge(), 0, "frost".into()).await);
    let third = ok(api
        .join_channel(UTHER, "scourge".into(), 0, "frost".into())
        .await);
    assert_eq!(third.channel.members, 3);
    let roster: Vec<String> = ok(api.list_channel_members(1, Team::Alliance, scourge()).await)
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(roster, members(&["Arthas", "Jaina", "Uther"]));
    assert_eq!(
        ok(api.list_channels_of_character(JAINA).await)
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["Scourge"]
    );

    // Jaina is made moderator; Uther is not one and cannot kick.
    ok(api
        .set_channel_moderator(ARTHAS, scourge(), "Jaina".into())
        .await);
    assert_eq!(
        domain(
            api.kick_from_channel(UTHER, scourge(), "Jaina".into())
                .await
        ),
        Refusal::Channel(ChannelNotice::NotModerator)
    );

    // Jaina mutes Uther: he may not speak, Arthas may, to all three.
    ok(api.set_channel_mute(JAINA, scourge(), "Uther".into()).await);
    assert_eq!(
        domain(api.speak_in_channel(UTHER, scourge()).await),
        Refusal::Channel(ChannelNotice::Muted)
    );
    assert_eq!(
        domain(api.check_channel_speak(UTHER, scourge()).await),
        Refusal::Channel(ChannelNotice::Muted)
    );
    let to: Vec<CharacterId> = ok(api.speak_in_channel(ARTHAS, scourge()).await)
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(to, [ARTHAS, JAINA, UTHER]);
    assert_eq!(ok(api.check_channel_speak(JAINA, scourge()).await).len(), 3);
    ok(api
        .unset_channel_mute(JAINA, scourge(), "Uther".into())
        .await);
    assert_eq!(ok(api.check_channel_speak(UTHER, scourge()).await).len(), 3);

    // Jaina bans Uther: he is out and cannot come back until Arthas unbans him.
    ok(api.ban_from_channel(JAINA, scourge(), "Uther".into()).await);
    let roster: Vec<String> = ok(api.list_channel_members(1, Team::Alliance, scourge()).await)
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(roster, members(&["Arthas", "Jaina"]));
    let bans = ok(api.list_channel_bans(1, Team::Alliance, scourge()).await);
    assert_eq!(bans.iter().map(|b| b.id).collect::<Vec<_>>(), [UTHER]);
    assert_eq!(
        domain(api.join_channel(UTHER, scourge(), 0, "frost".into()).await),
        Refusal::Channel(ChannelNotice::Banned)
    );
    ok(api
        .unban_from_channel(ARTHAS, scourge(), "Uther".into())
        .await);
    assert_eq!(
        ok(api.list_channel_bans(1, Team::Alliance, scourge()).await),
        Vec::new()
    );
    ok(api.join_channel(UTHER, scourge(), 0, "frost".into()).await);
    ok(api
        .kick_from_channel(JAINA, scourge(), "Uther".into())
        .await);
    ok(api
        .unset_channel_moderator(ARTHAS, scourge(), "Jaina".into())
        .await);
    assert_eq!(
        domain(
            api.kick_from_channel(JAINA, scourge(), "Arthas".into())
                .await
        ),
        Refusal::Channel(ChannelNotice::NotModerator)
    );

    // The owner's switches: moderation, announcements, the password, the owner.
    assert!(ok(api.toggle_channel_moderation(ARTHAS, scourge()).await));
    assert!(!ok(api.toggle_channel_moderation(ARTHAS, scourge()).await));
    let announce = ok(api.toggle_channel_announcements(ARTHAS, scourge()).await);
    assert_eq!(
        ok(api.toggle_channel_announcements(ARTHAS, scourge()).await),
        !announce
    );
    ok(api
        .set_channel_password(ARTHAS, scourge(), String::new())
        .await);
    ok(api
        .set_channel_owner(ARTHAS, scourge(), "Jaina".into())
        .await);
    let channel =
        ok(api.get_channel(1, Team::Alliance, "SCOURGE".into()).await).expect("the channel exists");
    assert_eq!(
        (channel.owner, channel.has_password, channel.members),
        (Some(JAINA), false, 2)
    );
    ok(api
        .invite_to_channel(JAINA, scourge(), "Uther".into())
        .await);
    ok(api.leave_channel(ARTHAS, scourge(), None).await);
    assert_eq!(ok(api.list_channels_of_character(ARTHAS).await), Vec::new());

    // Rights on a channel name, set and removed.
    ok(api
        .set_channel_rights(
            "Scourge".into(),
            0,
            0,
            "Welcome, champion".into(),
            String::new(),
            vec![1],
        )
        .await);
    let rights = ok(api.get_channel_rights("scourge".into()).await);
    assert_eq!(
        rights.map(|r| (r.join_message, r.moderators)),
        Some(("Welcome, champion".into(), vec![1]))
    );
    let welcome = ok(api.join_channel(UTHER, scourge(), 0, String::new()).await);
    assert_eq!(welcome.join_message, "Welcome, champion");
    ok(api.remove_channel_rights("Scourge".into()).await);
    assert_eq!(ok(api.get_channel_rights("Scourge".into()).await), None);

    // The leader's sweeps find nothing to do yet.
    assert_eq!(ok(api.cleanup_channels().await), (0, 0));
    assert_eq!(ok(api.expire_channel_bans().await), 0);
}
