//! Every event variant survives domain → wire message → protobuf bytes → wire message →
//! domain unchanged (the node encodes, the client decodes), and the client refuses what the
//! domain cannot hold. The list covers every kind of `EVENT_KINDS`, so a new event variant
//! without a wire form fails here.

use prost::Message;
use tavern_proto::pb;
use tavern_proto::{EventBatch, WatchRequest};
use tavern_statemachine::arena::{
    ArenaEvent, ArenaTeam, DisbandReason, Emblem, LeaveReason as ArenaLeave, MatchOutcome,
    MemberChange, TeamChange,
};
use tavern_statemachine::channel::{
    ChannelEvent, ChannelKey, ChannelNotice, DeleteReason as ChannelDelete,
    LeaveReason as ChannelLeave,
};
use tavern_statemachine::character::CharacterEvent;
use tavern_statemachine::event::{EventFilter, EVENT_KINDS};
use tavern_statemachine::mail::{
    DeleteReason as MailDelete, MailEvent, MailItem, MailSender, ReturnReason,
};
use tavern_statemachine::presence::{Notify, OfflineReason, Presence, PresenceEvent};
use tavern_statemachine::social::{AccountFriendState, AccountSide, SocialEvent};
use tavern_statemachine::{CharacterId, Event, Team};

const A: CharacterId = CharacterId::new(1, 1);
const B: CharacterId = CharacterId::new(1, 2);

fn notify() -> Vec<Notify> {
    vec![Notify {
        id: B,
        gateway: "gw-b".into(),
    }]
}

fn key() -> ChannelKey {
    ChannelKey {
        realm: 1,
        team: Team::Horde,
        name: "trade".into(),
    }
}

fn item() -> MailItem {
    MailItem {
        guid: 7,
        entry: 6948,
        count: 1,
        flags: 0,
        durability: 10,
        charges: -1,
        random_property_id: -3,
        property_seed: 9,
        text: "Hearthstone".into(),
    }
}

fn team_change(team_id: u32) -> TeamChange {
    TeamChange {
        team_id,
        matchmaker_rating: 1500,
        matchmaker_change: -12,
        old_rating: 1510,
        new_rating: 1498,
        rank: 3,
    }
}

/// One event of every kind, with every optional part set somewhere and unset elsewhere.
fn every_event() -> Vec<Event> {
    let presence = Presence {
        id: A,
        account: 1,
        gateway: "gw-a".into(),
        name: "Arthas".into(),
        race: 1,
        class: 1,
        gender: 0,
        level: 80,
        zone: 1519,
        area: 1519,
        map: 0,
        guild_id: 3,
        worldserver: Some("ws-1".into()),
        afk: true,
        dnd: false,
        in_cross_realm_instance: false,
        login_ms: 5,
    };
    let side = |account, online| AccountSide { account, online };
    let team = ArenaTeam {
        id: 4,
        realm: 1,
        name: "Scourge".into(),
        captain: A,
        arena_type: 2,
        rating: 1500,
        week: 1,
        week_games: 2,
        week_wins: 1,
        season_games: 9,
        season_wins: 5,
        rank: 1,
        emblem: Emblem {
            background_color: 0xff00_0000,
            emblem_style: 1,
            emblem_color: 2,
            border_style: 3,
            border_color: 4,
        },
        created_ms: 77,
    };
    vec![
        CharacterEvent::Created {
            id: A,
            account: 1,
            name: "Arthas".into(),
        }
        .into(),
        CharacterEvent::Renamed {
            id: A,
            old_name: "Arthas".into(),
            new_name: "Uther".into(),
        }
        .into(),
        CharacterEvent::Deleted {
            id: A,
            account: 1,
            name: "Uther".into(),
        }
        .into(),
        PresenceEvent::Online {
            presence,
            notify: notify(),
        }
        .into(),
        PresenceEvent::Offline {
            id: A,
            account: 1,
            gateway: "gw-a".into(),
            name: "Arthas".into(),
            reason: OfflineReason::GatewayLost,
            notify: vec![],
        }
        .into(),
        PresenceEvent::Status {
            id: A,
            status: 2,
            notify: notify(),
        }
        .into(),
        PresenceEvent::Moved {
            id: A,
            level: 70,
            zone: 1,
            area: 2,
            map: 3,
        }
        .into(),
        PresenceEvent::GatewayRegistered {
            gateway: "gw-a".into(),
            realm: 1,
        }
        .into(),
        PresenceEvent::GatewayLost {
            gateway: "gw-a".into(),
            characters: 12,
        }
        .into(),
        SocialEvent::FriendAdded {
            owner: A,
            owner_gateway: Some("gw-a".into()),
            friend: B,
            name: "Jaina".into(),
            note: "mage".into(),
        }
        .into(),
        SocialEvent::FriendRemoved {
            owner: A,
            owner_gateway: None,
            friend: B,
        }
        .into(),
        SocialEvent::NoteUpdated {
            owner: A,
            owner_gateway: None,
            friend: B,
            note: "".into(),
        }
        .into(),
        SocialEvent::IgnoreAdded {
            owner: A,
            owner_gateway: Some("gw-a".into()),
            ignored: B,
            name: "Jaina".into(),
        }
        .into(),
        SocialEvent::IgnoreRemoved {
            owner: A,
            owner_gateway: None,
            ignored: B,
        }
        .into(),
        SocialEvent::AccountFriendRequested {
            from: side(1, Some(notify()[0].clone())),
            to: side(2, None),
        }
        .into(),
        SocialEvent::AccountFriendAccepted {
            requester: side(1, None),
            accepter: side(2, None),
        }
        .into(),
        SocialEvent::AccountFriendDeclined {
            requester: side(1, None),
            decliner: side(2, None),
        }
        .into(),
        SocialEvent::AccountFriendRemoved {
            by: side(1, None),
            other: side(2, None),
            was: AccountFriendState::PendingIncoming,
        }
        .into(),
        ChannelEvent::Joined {
            channel: key(),
            channel_id: 2,
            id: A,
            name: "Arthas".into(),
            gateway: "gw-a".into(),
            flags: 0x02,
            announce: true,
        }
        .into(),
        ChannelEvent::Left {
            channel: key(),
            channel_id: 2,
            id: A,
            name: "Arthas".into(),
            gateway: "gw-a".into(),
            reason: ChannelLeave::Banned,
            announce: false,
        }
        .into(),
        ChannelEvent::OwnerChanged {
            channel: key(),
            old: Some(A),
            new: None,
        }
        .into(),
        ChannelEvent::Notify {
            channel: key(),
            notice: ChannelNotice::ModeChange,
            target: Some(B),
            by: Some(A),
            flags: Some((0, 2)),
        }
        .into(),
        ChannelEvent::Invited {
            channel: key(),
            channel_name: "Trade".into(),
            by: A,
            by_name: "Arthas".into(),
            target: B,
            target_name: "Jaina".into(),
            gateway: "gw-b".into(),
        }
        .into(),
        ChannelEvent::ChannelDeleted {
            channel: key(),
            custom_id: 9,
            reason: ChannelDelete::Unused,
        }
        .into(),
        MailEvent::Incoming {
            receiver: B,
            mail: 3,
            sender: MailSender::Player(A),
            deliver_ms: 3_600_000,
            gateway: Some("gw-b".into()),
        }
        .into(),
        MailEvent::Returned {
            mail: 3,
            from: B,
            to: A,
            money: 100,
            items: vec![7, 8],
            reason: ReturnReason::Expired,
        }
        .into(),
        MailEvent::Deleted {
            mail: 3,
            receiver: B,
            money: 0,
            items: vec![item()],
            reason: MailDelete::SenderMissing,
        }
        .into(),
        MailEvent::MoneyTaken {
            mail: 3,
            receiver: B,
            money: 50,
        }
        .into(),
        MailEvent::ItemTaken {
            mail: 3,
            receiver: B,
            item: item(),
            cod_paid: 25,
        }
        .into(),
        MailEvent::CodPaid {
            mail: 3,
            payer: B,
            seller: A,
            amount: 25,
            payment_mail: 4,
        }
        .into(),
        ArenaEvent::Created {
            team,
            captain_name: "Arthas".into(),
            notify: notify(),
        }
        .into(),
        ArenaEvent::Invited {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            inviter: A,
            inviter_name: "Arthas".into(),
            target: B,
            target_gateway: "gw-b".into(),
            expires_ms: 60_000,
        }
        .into(),
        ArenaEvent::Joined {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            id: B,
            name: "Jaina".into(),
            notify: notify(),
        }
        .into(),
        ArenaEvent::Declined {
            realm: 1,
            team_id: 4,
            id: B,
            name: "Jaina".into(),
            inviter: A,
            notify: vec![],
        }
        .into(),
        ArenaEvent::Left {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            id: B,
            name: "Jaina".into(),
            reason: ArenaLeave::Deleted,
            notify: notify(),
        }
        .into(),
        ArenaEvent::Removed {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            id: B,
            name: "Jaina".into(),
            by: A,
            by_name: "Arthas".into(),
            notify: notify(),
        }
        .into(),
        ArenaEvent::CaptainChanged {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            old_captain: A,
            old_captain_name: "Arthas".into(),
            new_captain: B,
            new_captain_name: "Jaina".into(),
            notify: notify(),
        }
        .into(),
        ArenaEvent::Disbanded {
            realm: 1,
            team_id: 4,
            team_name: "Scourge".into(),
            arena_type: 2,
            by: A,
            by_name: "Arthas".into(),
            reason: DisbandReason::CaptainLeft,
            members: vec![A, B],
            notify: notify(),
        }
        .into(),
        ArenaEvent::MatchApplied {
            outcome: MatchOutcome {
                realm: 1,
                match_id: 99,
                winner: team_change(4),
                loser: team_change(5),
                members: vec![MemberChange {
                    id: A,
                    team_id: 4,
                    won: true,
                    old_personal_rating: 1500,
                    new_personal_rating: 1512,
                    old_matchmaker_rating: 1500,
                    new_matchmaker_rating: 1511,
                }],
            },
            notify: notify(),
        }
        .into(),
        ArenaEvent::WeekFinished { realm: 1, week: 2 }.into(),
    ]
}

fn wire<M: Message + Default>(m: &M) -> M {
    M::decode(m.encode_to_vec().as_slice()).expect("a message decodes from its own encoding")
}

#[test]
fn every_event_kind_survives_the_wire() {
    let events = every_event();
    let mut kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    kinds.sort_unstable();
    let mut all = EVENT_KINDS.to_vec();
    all.sort_unstable();
    assert_eq!(kinds, all, "one event of every kind");

    let batch = EventBatch { index: 42, events };
    let reply = wire(&pb::WatchReply::from(batch.clone()));
    assert_eq!(EventBatch::try_from(reply), Ok(batch));
}

#[test]
fn the_client_refuses_events_the_domain_cannot_hold() {
    let offline = every_event().swap_remove(4);
    let mut wire_event = pb::Event::from(offline);
    if let Some(pb::event::Event::Presence(pb::PresenceEvent {
        event: Some(pb::presence_event::Event::Offline(o)),
    })) = &mut wire_event.event
    {
        o.reason = 0;
    }
    let refused = Event::try_from(wire_event).expect_err("an unspecified reason");
    assert_eq!(refused.field, "offline.reason");
    assert_eq!(refused.reason, "is unspecified");

    let notify_event: Event = ChannelEvent::Notify {
        channel: key(),
        notice: ChannelNotice::Muted,
        target: None,
        by: None,
        flags: None,
    }
    .into();
    let mut wire_event = pb::Event::from(notify_event);
    if let Some(pb::event::Event::Channel(pb::ChannelEvent {
        event: Some(pb::channel_event::Event::Notify(n)),
    })) = &mut wire_event.event
    {
        n.notice = 0x77;
    }
    let refused = Event::try_from(wire_event).expect_err("an unknown notice");
    assert_eq!(refused.field, "notify.notice");

    let refused = Event::try_from(pb::Event { event: None }).expect_err("no event");
    assert_eq!(refused.field, "event");
}

#[test]
fn a_watch_request_carries_its_filter_and_refuses_unknown_kinds() {
    let request = WatchRequest {
        from_index: 7,
        filter: EventFilter {
            kinds: vec!["mail".into(), "presence.online".into()],
            realms: vec![1],
            characters: vec![A],
            accounts: vec![2],
            gateways: vec!["gw-a".into()],
            channels: vec![key()],
            mailboxes: vec![B],
        },
    };
    let back = WatchRequest::try_from(wire(&pb::WatchRequest::from(request.clone())));
    assert_eq!(back, Ok(request));

    let bad = pb::WatchRequest {
        from_index: 0,
        filter: Some(pb::WatchFilter {
            kinds: vec!["mail.lost".into()],
            ..pb::WatchFilter::default()
        }),
    };
    let refused = WatchRequest::try_from(bad).expect_err("an unknown kind");
    assert_eq!(refused.field, "filter.kinds");
    // No filter at all is every event.
    let everything = WatchRequest::try_from(pb::WatchRequest {
        from_index: 3,
        filter: None,
    });
    assert_eq!(
        everything,
        Ok(WatchRequest {
            from_index: 3,
            filter: EventFilter::default(),
        })
    );
}
