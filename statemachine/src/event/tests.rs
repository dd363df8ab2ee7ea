//! Kinds, subjects and filters on hand-made events.

use super::*;
use crate::channel::{ChannelEvent, ChannelKey, LeaveReason};
use crate::mail::{MailEvent, MailSender};
use crate::presence::{Notify, OfflineReason, PresenceEvent};
use crate::{CharacterId, Team};

fn ch(realm: u32, low: u32) -> CharacterId {
    CharacterId { realm, low }
}

fn offline() -> Event {
    Event::Presence(PresenceEvent::Offline {
        id: ch(1, 10),
        account: 7,
        gateway: "gw-a".into(),
        name: "Arthas".into(),
        reason: OfflineReason::Logout,
        notify: vec![Notify {
            id: ch(1, 11),
            gateway: "gw-b".into(),
        }],
    })
}

fn incoming() -> Event {
    Event::Mail(MailEvent::Incoming {
        receiver: ch(2, 20),
        mail: 5,
        sender: MailSender::Player(ch(2, 21)),
        deliver_ms: 0,
        gateway: None,
    })
}

fn joined() -> Event {
    Event::Channel(ChannelEvent::Left {
        channel: ChannelKey {
            realm: 1,
            team: Team::Horde,
            name: "trade".into(),
        },
        channel_id: 2,
        id: ch(1, 12),
        name: "Thrall".into(),
        gateway: "gw-a".into(),
        reason: LeaveReason::Left,
        announce: true,
    })
}

#[test]
fn kinds_are_unique_and_named_by_their_domain() {
    let mut kinds = EVENT_KINDS.to_vec();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), EVENT_KINDS.len());
    for k in EVENT_KINDS {
        let domain = k.split('.').next().unwrap_or_default();
        assert!(EVENT_DOMAINS.contains(&domain), "{k}");
    }
    assert_eq!(offline().kind(), "presence.offline");
    assert_eq!(incoming().kind(), "mail.incoming");
    assert_eq!(joined().kind(), "channel.left");
}

#[test]
fn subjects_name_characters_notified_gateways_and_the_mailbox() {
    assert_eq!(
        offline().subjects(),
        Subjects {
            realms: vec![1],
            characters: vec![ch(1, 10), ch(1, 11)],
            accounts: vec![7],
            gateways: vec!["gw-a".into(), "gw-b".into()],
            channels: vec![],
            mailboxes: vec![],
        }
    );
    assert_eq!(
        incoming().subjects(),
        Subjects {
            realms: vec![2],
            characters: vec![ch(2, 20), ch(2, 21)],
            mailboxes: vec![ch(2, 20)],
            ..Subjects::default()
        }
    );
    assert_eq!(joined().subjects().channels.len(), 1);
}

#[test]
fn a_filter_takes_kinds_and_realms_and_any_subject() {
    let events = [offline(), incoming(), joined()];
    let pass = |f: EventFilter| -> Vec<&'static str> {
        let f = f.validate().expect("valid filter");
        events
            .iter()
            .filter(|e| f.matches(e))
            .map(|e| e.kind())
            .collect()
    };
    assert_eq!(pass(EventFilter::default()).len(), 3);
    assert_eq!(
        pass(EventFilter {
            kinds: vec!["mail".into(), "presence.offline".into()],
            ..EventFilter::default()
        }),
        ["presence.offline", "mail.incoming"]
    );
    assert_eq!(
        pass(EventFilter {
            realms: vec![1],
            ..EventFilter::default()
        }),
        ["presence.offline", "channel.left"]
    );
    // Subjects are taken together: the gateway or the mailbox.
    assert_eq!(
        pass(EventFilter {
            gateways: vec!["gw-b".into()],
            mailboxes: vec![ch(2, 20)],
            ..EventFilter::default()
        }),
        ["presence.offline", "mail.incoming"]
    );
    // A realm and a subject must both hold.
    assert!(pass(EventFilter {
        realms: vec![1],
        mailboxes: vec![ch(2, 20)],
        ..EventFilter::default()
    })
    .is_empty());
    // Channel names match case-insensitively.
    assert_eq!(
        pass(EventFilter {
            channels: vec![ChannelKey {
                realm: 1,
                team: Team::Horde,
                name: "Trade".into(),
            }],
            ..EventFilter::default()
        }),
        ["channel.left"]
    );
}

#[test]
fn a_filter_with_an_unknown_kind_or_too_many_values_is_refused() {
    assert_eq!(
        EventFilter {
            kinds: vec!["presence.teleported".into()],
            ..EventFilter::default()
        }
        .validate(),
        Err(FilterError::UnknownKind("presence.teleported".into()))
    );
    assert_eq!(
        EventFilter {
            realms: vec![1; FILTER_VALUES_MAX + 1],
            ..EventFilter::default()
        }
        .validate(),
        Err(FilterError::TooMany {
            list: "realms",
            count: FILTER_VALUES_MAX + 1,
            max: FILTER_VALUES_MAX,
        })
    );
}
