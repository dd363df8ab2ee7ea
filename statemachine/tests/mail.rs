//! Mail stories: every command, query, limit and error code of the mail domain.

use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::limits::{MAIL_BODY_BYTES_MAX, MAIL_SUBJECT_BYTES_MAX, MONEY_COPPER_MAX};
use tavern_statemachine::mail::{
    check_invariants, checked, stationery, DeleteReason, Mail, MailCommand, MailConfig, MailEvent,
    MailItem, MailQuery, MailQueryResponse, MailResponse, MailResult, MailSender, MailWithItems,
    ReturnReason, SendMail, UnreadMail,
};
use tavern_statemachine::testkit::{Sim, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Error, Event, MailId, Query, QueryResponse, RequestId,
    Response,
};

const ALICE: CharacterId = CharacterId::new(1, 1);
const BOB: CharacterId = CharacterId::new(1, 2);
const CAROL: CharacterId = CharacterId::new(1, 3);
const DAVE: CharacterId = CharacterId::new(1, 4);
/// An orc on its own account 10.
const GROM: CharacterId = CharacterId::new(1, 10);
/// An orc on Alice's account 1.
const ALICE_ALT: CharacterId = CharacterId::new(1, 11);

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// Realm 1, Alice/Bob/Carol/Dave (alliance, accounts 1..4), Grom (orc, account 10) and
/// Alicealt (orc, Alice's account).
fn world() -> Sim {
    let mut sim = Sim::world(4);
    sim.account(10);
    sim.character(GROM, 10, "Grom", ORC);
    sim.character(ALICE_ALT, 1, "Alicealt", ORC);
    sim
}

fn item(guid: u32) -> MailItem {
    MailItem {
        guid,
        entry: 2589,
        count: 5,
        flags: 0,
        durability: 0,
        charges: 0,
        random_property_id: 0,
        property_seed: 0,
        text: String::new(),
    }
}

fn letter(from: CharacterId, to: CharacterId) -> SendMail {
    SendMail {
        sender: MailSender::Player(from),
        receiver: to,
        subject: "Hi".into(),
        body: "Hello".into(),
        money: 0,
        cod: 0,
        items: vec![],
        stationery: stationery::DEFAULT,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

fn auction(to: CharacterId, items: Vec<MailItem>, money: u32) -> SendMail {
    SendMail {
        sender: MailSender::Auction(77),
        subject: "Auction won".into(),
        body: String::new(),
        items,
        money,
        stationery: stationery::AUCTION,
        ..letter(ALICE, to)
    }
}

fn mail_cmd(c: MailCommand) -> Command {
    Command::Mail(c)
}

fn send_cmd(s: SendMail) -> Command {
    mail_cmd(MailCommand::Send(s))
}

#[track_caller]
fn ok(sim: &mut Sim, c: MailCommand) -> MailResponse {
    match sim.ok(mail_cmd(c)) {
        Response::Mail(r) => r,
        other => panic!("not a mail response: {other:?}"),
    }
}

#[track_caller]
fn send(sim: &mut Sim, s: SendMail) -> MailId {
    match ok(sim, MailCommand::Send(s)) {
        MailResponse::Sent { mail, .. } => mail,
        other => panic!("not sent: {other:?}"),
    }
}

fn mail_error(r: MailResult) -> Error {
    Error::Mail(r)
}

fn invalid(field: &str, reason: &str) -> Error {
    Error::InvalidArgument {
        field: field.into(),
        reason: reason.into(),
    }
}

fn query(sim: &Sim, q: MailQuery) -> MailQueryResponse {
    match sim.query(Query::Mail(q)).expect("mail query") {
        QueryResponse::Mail(r) => r,
        other => panic!("not a mail answer: {other:?}"),
    }
}

fn get(sim: &Sim, id: MailId) -> Option<MailWithItems> {
    match query(sim, MailQuery::Get { realm: 1, mail: id }) {
        MailQueryResponse::Mail(m) => m,
        other => panic!("{other:?}"),
    }
}

#[track_caller]
fn get_mail(sim: &Sim, id: MailId) -> Mail {
    get(sim, id).expect("mail exists").mail
}

/// Mail ids of the receiver's list, in list order, and the total.
fn list_ids(sim: &Sim, c: CharacterId) -> (Vec<MailId>, u32) {
    match query(sim, MailQuery::List { receiver: c }) {
        MailQueryResponse::List { mails, total } => {
            (mails.iter().map(|m| m.mail.id).collect(), total)
        }
        other => panic!("{other:?}"),
    }
}

fn mail_events(sim: &Sim) -> Vec<MailEvent> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            Event::Mail(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn set_mail_config(sim: &mut Sim, mail: MailConfig) {
    sim.ok(Command::SetConfig(ClusterConfig {
        mail,
        ..Default::default()
    }));
}

#[track_caller]
fn invariants(sim: &Sim) {
    check_invariants(&sim.state).expect("mail invariants hold");
}

fn incoming(receiver: CharacterId, mail: MailId, sender: MailSender, deliver_ms: u64) -> MailEvent {
    MailEvent::Incoming {
        receiver,
        mail,
        sender,
        deliver_ms,
        gateway: None,
    }
}

#[test]
fn a_text_mail_arrives_at_once_and_costs_postage() {
    let mut sim = world();
    let now = sim.now_ms;

    // Alice writes to Bob: postage only, delivered now, 30 days to live.
    let r = ok(&mut sim, MailCommand::Send(letter(ALICE, BOB)));
    assert_eq!(
        r,
        MailResponse::Sent {
            mail: 1,
            postage: 30,
            cost: 30,
            deliver_ms: now,
            expire_ms: now + 30 * DAY_MS,
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![incoming(BOB, 1, MailSender::Player(ALICE), now)]
    );
    assert_eq!(
        get(&sim, 1),
        Some(MailWithItems {
            mail: Mail {
                id: 1,
                realm: 1,
                sender: MailSender::Player(ALICE),
                receiver: BOB,
                subject: "Hi".into(),
                body: "Hello".into(),
                money: 0,
                cod: 0,
                checked: checked::HAS_BODY,
                stationery: stationery::DEFAULT,
                template_id: 0,
                deliver_ms: now,
                expire_ms: now + 30 * DAY_MS,
                item_count: 0,
            },
            items: vec![],
        })
    );
    assert_eq!(list_ids(&sim, BOB), (vec![1], 1));
    assert_eq!(list_ids(&sim, ALICE), (vec![], 0));

    // Online receivers are told through their gateway; an empty body marks the mail COPIED.
    sim.login(BOB, "gw1");
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            body: String::new(),
            money: 1_000,
            ..letter(CAROL, BOB)
        }),
    );
    assert_eq!(
        r,
        MailResponse::Sent {
            mail: 2,
            postage: 30,
            cost: 1_030,
            deliver_ms: now,
            expire_ms: now + 30 * DAY_MS,
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![MailEvent::Incoming {
            receiver: BOB,
            mail: 2,
            sender: MailSender::Player(CAROL),
            deliver_ms: now,
            gateway: Some("gw1".into()),
        }]
    );
    assert_eq!(get_mail(&sim, 2).checked, checked::COPIED);
    assert_eq!(get(&sim, 99), None);
    invariants(&sim);
}

#[test]
fn postage_is_thirty_copper_per_item_and_twelve_items_is_the_limit() {
    let mut sim = world();
    let now = sim.now_ms;
    let items: Vec<MailItem> = (1..=12).map(item).collect();

    // Alice's alt is on her own account: no delivery delay.
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            items: items.clone(),
            money: 7,
            ..letter(ALICE, ALICE_ALT)
        }),
    );
    assert_eq!(
        r,
        MailResponse::Sent {
            mail: 1,
            postage: 360,
            cost: 367,
            deliver_ms: now,
            expire_ms: now + 30 * DAY_MS,
        }
    );
    assert_eq!(get(&sim, 1).map(|m| m.items), Some(items));
    assert_eq!(get_mail(&sim, 1).item_count, 12);

    let thirteen: Vec<MailItem> = (100..113).map(item).collect();
    assert_eq!(
        sim.err(send_cmd(SendMail {
            items: thirteen,
            ..letter(ALICE, BOB)
        })),
        mail_error(MailResult::TooManyAttachments)
    );
    assert_eq!(MailResult::TooManyAttachments.code(), 18);
    invariants(&sim);
}

#[test]
fn subject_and_body_are_limited_in_bytes() {
    let mut sim = world();
    // "é" is two bytes: 128 of them are exactly 256 bytes.
    let subject_max = "é".repeat(MAIL_SUBJECT_BYTES_MAX / 2);
    let body_max = "x".repeat(MAIL_BODY_BYTES_MAX);
    send(
        &mut sim,
        SendMail {
            subject: subject_max.clone(),
            body: body_max.clone(),
            ..letter(ALICE, BOB)
        },
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            subject: subject_max + "a",
            ..letter(ALICE, BOB)
        })),
        invalid("mail.subject", "is 257 bytes, the limit is 256 bytes")
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            body: body_max + "x",
            ..letter(ALICE, BOB)
        })),
        invalid("mail.body", "is 8001 bytes, the limit is 8000 bytes")
    );
    invariants(&sim);
}

#[test]
fn money_and_cod_limits_and_the_postage_overflow() {
    let mut sim = world();
    let max = MONEY_COPPER_MAX as u32;

    // Postage plus money may reach the money cap, not pass it.
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            money: max - 30,
            ..letter(ALICE, BOB)
        }),
    );
    assert!(matches!(r, MailResponse::Sent { cost, .. } if cost == max));
    assert_eq!(
        sim.err(send_cmd(SendMail {
            money: max - 29,
            ..letter(ALICE, BOB)
        })),
        mail_error(MailResult::NotEnoughMoney)
    );
    assert_eq!(MailResult::NotEnoughMoney.code(), 3);
    assert_eq!(
        sim.err(send_cmd(SendMail {
            money: max + 1,
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.money",
            "is 2147483647 copper, the limit is 2147483646 copper"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            cod: max + 1,
            items: vec![item(1)],
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.cod",
            "is 2147483647 copper, the limit is 2147483646 copper"
        )
    );

    // Money and COD together is a dupe attempt; COD without items is dropped.
    assert_eq!(
        sim.err(send_cmd(SendMail {
            money: 5,
            cod: 5,
            items: vec![item(1)],
            ..letter(ALICE, BOB)
        })),
        mail_error(MailResult::InternalError)
    );
    assert_eq!(MailResult::InternalError.code(), 6);
    let id = send(
        &mut sim,
        SendMail {
            cod: 500,
            ..letter(ALICE, BOB)
        },
    );
    assert_eq!(get_mail(&sim, id).cod, 0);
    invariants(&sim);
}

#[test]
fn recipient_must_exist_and_not_be_the_sender() {
    let mut sim = world();
    assert_eq!(
        sim.err(send_cmd(letter(ALICE, CharacterId::new(1, 99)))),
        mail_error(MailResult::RecipientNotFound)
    );
    assert_eq!(MailResult::RecipientNotFound.code(), 4);
    assert_eq!(
        sim.err(send_cmd(letter(ALICE, ALICE))),
        mail_error(MailResult::CannotSendToSelf)
    );
    assert_eq!(MailResult::CannotSendToSelf.code(), 2);
    assert_eq!(
        sim.err(send_cmd(letter(CharacterId::new(1, 98), BOB))),
        Error::NotFound {
            what: "sending character 1:98".into()
        }
    );
    invariants(&sim);
}

#[test]
fn a_mailbox_takes_one_hundred_player_mails() {
    let mut sim = world();
    for _ in 0..99 {
        send(&mut sim, letter(ALICE, BOB));
    }
    let hundredth = send(&mut sim, letter(CAROL, BOB));
    assert_eq!(hundredth, 100);
    assert_eq!(
        sim.err(send_cmd(letter(DAVE, BOB))),
        mail_error(MailResult::RecipientCapReached)
    );
    assert_eq!(MailResult::RecipientCapReached.code(), 15);

    // The cap is for player mail: the auction house still delivers.
    send(&mut sim, auction(BOB, vec![item(5)], 0));
    // Deleting one makes room for one player mail again.
    ok(
        &mut sim,
        MailCommand::Delete {
            player: BOB,
            mail: 1,
        },
    );
    assert_eq!(
        sim.err(send_cmd(letter(DAVE, BOB))),
        mail_error(MailResult::RecipientCapReached)
    );
    ok(
        &mut sim,
        MailCommand::Delete {
            player: BOB,
            mail: 2,
        },
    );
    send(&mut sim, letter(DAVE, BOB));
    invariants(&sim);
}

#[test]
fn mail_across_factions_needs_the_same_account_or_the_switch() {
    let mut sim = world();
    assert_eq!(
        sim.err(send_cmd(letter(ALICE, GROM))),
        mail_error(MailResult::NotYourTeam)
    );
    assert_eq!(MailResult::NotYourTeam.code(), 5);
    // Her own horde alt is fine.
    send(&mut sim, letter(ALICE, ALICE_ALT));
    set_mail_config(
        &mut sim,
        MailConfig {
            allow_two_side_mail: true,
            ..Default::default()
        },
    );
    send(&mut sim, letter(ALICE, GROM));
    invariants(&sim);
}

#[test]
fn an_item_is_in_at_most_one_mail() {
    let mut sim = world();
    assert_eq!(
        sim.err(send_cmd(SendMail {
            items: vec![item(0)],
            ..letter(ALICE, BOB)
        })),
        mail_error(MailResult::AttachmentInvalid)
    );
    assert_eq!(MailResult::AttachmentInvalid.code(), 19);
    assert_eq!(
        sim.err(send_cmd(SendMail {
            items: vec![item(7), item(8), item(7)],
            ..letter(ALICE, BOB)
        })),
        mail_error(MailResult::AttachmentInvalid)
    );
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(7)],
            ..letter(ALICE, ALICE_ALT)
        },
    );
    // Item 7 is in mail 1 now: no second mail may carry it, from anyone.
    assert_eq!(
        sim.err(send_cmd(SendMail {
            items: vec![item(7)],
            ..letter(CAROL, BOB)
        })),
        mail_error(MailResult::AttachmentInvalid)
    );
    assert_eq!(
        sim.err(send_cmd(auction(BOB, vec![item(7)], 0))),
        mail_error(MailResult::AttachmentInvalid)
    );
    // Once taken out, the item may travel again.
    ok(
        &mut sim,
        MailCommand::TakeItem {
            player: ALICE_ALT,
            mail: id,
            item_guid: 7,
        },
    );
    send(
        &mut sim,
        SendMail {
            items: vec![item(7)],
            ..letter(ALICE_ALT, ALICE)
        },
    );
    invariants(&sim);
}

#[test]
fn every_field_is_validated() {
    let mut sim = world();
    let with_item = |i: MailItem| SendMail {
        items: vec![i],
        ..letter(ALICE, BOB)
    };
    assert_eq!(
        sim.err(send_cmd(with_item(MailItem {
            entry: 0,
            ..item(1)
        }))),
        invalid("mail.items[0].entry", "must not be 0")
    );
    assert_eq!(
        sim.err(send_cmd(with_item(MailItem {
            count: 0,
            ..item(1)
        }))),
        invalid("mail.items[0].count", "must be at least 1")
    );
    assert_eq!(
        sim.err(send_cmd(with_item(MailItem {
            text: "t".repeat(8001),
            ..item(1)
        }))),
        invalid(
            "mail.items[0].text",
            "is 8001 bytes, the limit is 8000 bytes"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            stationery: 42,
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.stationery",
            "42 is not one of [1, 41, 61, 62, 64, 65, 67]"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            expire_override_ms: Some(0),
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.expire_override_ms",
            "is 0 ms, it must be in 1..=31536000000 ms"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            expire_override_ms: Some(365 * DAY_MS + 1),
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.expire_override_ms",
            "is 31536000001 ms, it must be in 1..=31536000000 ms"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            deliver_delay_ms: Some(0),
            ..letter(ALICE, BOB)
        })),
        invalid(
            "mail.deliver_delay_ms",
            "only non-player senders set a delivery delay"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            deliver_delay_ms: Some(30 * DAY_MS + 1),
            ..auction(BOB, vec![], 0)
        })),
        invalid(
            "mail.deliver_delay_ms",
            "is 2592000001 ms, the limit is 2592000000 ms"
        )
    );
    assert_eq!(
        sim.err(send_cmd(SendMail {
            cod: 10,
            ..auction(BOB, vec![item(1)], 0)
        })),
        invalid(
            "mail.cod",
            "only a player sender can ask for cash on delivery"
        )
    );
    sim.realm(2);
    sim.character(
        CharacterId::new(2, 1),
        2,
        "Bobtwo",
        tavern_statemachine::testkit::HUMAN,
    );
    assert_eq!(
        sim.err(send_cmd(letter(ALICE, CharacterId::new(2, 1)))),
        invalid("mail.sender", "player 1:1 is not on the receiver's realm 2")
    );
    invariants(&sim);
}

#[test]
fn items_to_another_account_wait_for_the_delivery_delay() {
    let mut sim = world();
    let now = sim.now_ms;

    // Items to another account: one hour (MailDeliveryDelay).
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            items: vec![item(1)],
            ..letter(ALICE, BOB)
        }),
    );
    assert_eq!(
        r,
        MailResponse::Sent {
            mail: 1,
            postage: 30,
            cost: 30,
            deliver_ms: now + HOUR_MS,
            expire_ms: now + HOUR_MS + 30 * DAY_MS,
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![incoming(BOB, 1, MailSender::Player(ALICE), now + HOUR_MS)]
    );
    // Money and text to another account, and items to the same account, are immediate.
    let money = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            money: 10,
            ..letter(ALICE, BOB)
        }),
    );
    assert!(matches!(money, MailResponse::Sent { deliver_ms, .. } if deliver_ms == now));
    let own = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            items: vec![item(2)],
            ..letter(ALICE, ALICE_ALT)
        }),
    );
    assert!(matches!(own, MailResponse::Sent { deliver_ms, .. } if deliver_ms == now));

    // Bob sees only the money mail until the hour is over; acting on mail 1 fails, but the
    // worldserver can read it.
    assert_eq!(list_ids(&sim, BOB), (vec![2], 1));
    assert_eq!(get_mail(&sim, 1).deliver_ms, now + HOUR_MS);
    assert_eq!(
        query(&sim, MailQuery::NextMailTime { receiver: BOB }),
        MailQueryResponse::NextMailTime {
            unread: 1,
            senders: vec![UnreadMail {
                sender: MailSender::Player(ALICE),
                stationery: stationery::DEFAULT,
                deliver_ms: now,
            }],
            next_delivery_ms: Some(now + HOUR_MS),
        }
    );
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeItem {
            player: BOB,
            mail: 1,
            item_guid: 1
        })),
        mail_error(MailResult::InternalError)
    );
    sim.advance(HOUR_MS - 1);
    assert_eq!(list_ids(&sim, BOB), (vec![2], 1));
    sim.advance(1);
    assert_eq!(list_ids(&sim, BOB), (vec![1, 2], 2));

    // The delay is configurable; non-player senders set their own.
    set_mail_config(
        &mut sim,
        MailConfig {
            delivery_delay_ms: 5_000,
            ..Default::default()
        },
    );
    let t = sim.now_ms;
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            items: vec![item(3)],
            ..letter(ALICE, BOB)
        }),
    );
    assert!(matches!(r, MailResponse::Sent { deliver_ms, .. } if deliver_ms == t + 5_000));
    let r = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            deliver_delay_ms: Some(HOUR_MS),
            ..auction(BOB, vec![], 0)
        }),
    );
    assert!(
        matches!(r, MailResponse::Sent { deliver_ms, postage: 0, cost: 0, .. } if deliver_ms == t + HOUR_MS)
    );
    invariants(&sim);
}

#[test]
fn each_kind_of_mail_expires_after_its_own_time() {
    let mut sim = world();
    let now = sim.now_ms;
    let expire = |sim: &mut Sim, s: SendMail| match ok(sim, MailCommand::Send(s)) {
        MailResponse::Sent {
            deliver_ms,
            expire_ms,
            ..
        } => expire_ms - deliver_ms,
        other => panic!("{other:?}"),
    };
    let cod = SendMail {
        cod: 100,
        items: vec![item(1)],
        ..letter(ALICE, ALICE_ALT)
    };
    assert_eq!(expire(&mut sim, cod.clone()), 3 * DAY_MS);
    assert_eq!(expire(&mut sim, letter(ALICE, BOB)), 30 * DAY_MS);
    let custom = SendMail {
        expire_override_ms: Some(DAY_MS),
        ..letter(ALICE, BOB)
    };
    assert_eq!(expire(&mut sim, custom.clone()), DAY_MS);
    // COD beats a custom expiry.
    assert_eq!(
        expire(
            &mut sim,
            SendMail {
                expire_override_ms: Some(DAY_MS),
                items: vec![item(2)],
                ..cod.clone()
            }
        ),
        3 * DAY_MS
    );
    // A GM account's mail lives 90 days.
    sim.ok(AccountCommand::SetGmLevel { id: 1, gm_level: 2 });
    assert_eq!(expire(&mut sim, letter(ALICE, BOB)), 90 * DAY_MS);
    assert_eq!(expire(&mut sim, custom), DAY_MS);
    // Expiry counts from delivery.
    let delayed = ok(
        &mut sim,
        MailCommand::Send(SendMail {
            items: vec![item(3)],
            ..letter(CAROL, BOB)
        }),
    );
    assert!(
        matches!(delayed, MailResponse::Sent { deliver_ms, expire_ms, .. }
        if deliver_ms == now + HOUR_MS && expire_ms == now + HOUR_MS + 30 * DAY_MS)
    );
    // The durations are config.
    set_mail_config(
        &mut sim,
        MailConfig {
            cod_expiry_ms: 10,
            normal_expiry_ms: 20,
            gm_expiry_ms: 30,
            ..Default::default()
        },
    );
    assert_eq!(expire(&mut sim, letter(ALICE, BOB)), 30);
    assert_eq!(expire(&mut sim, letter(CAROL, BOB)), 20);
    assert_eq!(
        expire(
            &mut sim,
            SendMail {
                items: vec![item(4)],
                ..cod
            }
        ),
        10
    );
    invariants(&sim);
}

#[test]
fn the_list_hides_expired_mail_and_shows_the_newest_hundred() {
    let mut sim = world();
    let first = send(
        &mut sim,
        SendMail {
            expire_override_ms: Some(DAY_MS),
            ..letter(ALICE, BOB)
        },
    );
    sim.advance(DAY_MS);
    assert_eq!(list_ids(&sim, BOB), (vec![first], 1));
    sim.advance(1);
    assert_eq!(list_ids(&sim, BOB), (vec![], 0));
    assert_eq!(
        sim.err(mail_cmd(MailCommand::MarkRead {
            player: BOB,
            mail: first
        })),
        mail_error(MailResult::InternalError)
    );

    // 99 more player mails and 6 from the auction house: 105 visible, 100 shown, newest first.
    for _ in 0..99 {
        send(&mut sim, letter(CAROL, BOB));
    }
    for _ in 0..6 {
        send(&mut sim, auction(BOB, vec![], 1));
    }
    let (ids, total) = list_ids(&sim, BOB);
    assert_eq!(total, 105);
    assert_eq!(ids, (7..=106).rev().collect::<Vec<_>>());
    invariants(&sim);
}

#[test]
fn marking_read_and_the_next_mail_time() {
    let mut sim = world();
    let now = sim.now_ms;
    send(&mut sim, letter(ALICE, BOB));
    send(&mut sim, letter(ALICE, BOB));
    send(&mut sim, letter(CAROL, BOB));
    send(&mut sim, auction(BOB, vec![], 5));
    // Four unread; the two newest distinct senders are named.
    assert_eq!(
        query(&sim, MailQuery::NextMailTime { receiver: BOB }),
        MailQueryResponse::NextMailTime {
            unread: 4,
            senders: vec![
                UnreadMail {
                    sender: MailSender::Auction(77),
                    stationery: stationery::AUCTION,
                    deliver_ms: now,
                },
                UnreadMail {
                    sender: MailSender::Player(CAROL),
                    stationery: stationery::DEFAULT,
                    deliver_ms: now,
                },
            ],
            next_delivery_ms: None,
        }
    );
    assert_eq!(
        sim.ok(mail_cmd(MailCommand::MarkRead {
            player: BOB,
            mail: 4
        })),
        Response::Done
    );
    sim.ok(mail_cmd(MailCommand::MarkRead {
        player: BOB,
        mail: 3,
    }));
    // Marking twice is harmless.
    sim.ok(mail_cmd(MailCommand::MarkRead {
        player: BOB,
        mail: 3,
    }));
    assert_eq!(get_mail(&sim, 3).checked, checked::HAS_BODY | checked::READ);
    assert_eq!(
        query(&sim, MailQuery::NextMailTime { receiver: BOB }),
        MailQueryResponse::NextMailTime {
            unread: 2,
            senders: vec![UnreadMail {
                sender: MailSender::Player(ALICE),
                stationery: stationery::DEFAULT,
                deliver_ms: now,
            }],
            next_delivery_ms: None,
        }
    );
    // Only the receiver may mark it; unknown mail is an internal error too.
    for (player, mail) in [(ALICE, 1), (BOB, 42)] {
        assert_eq!(
            sim.err(mail_cmd(MailCommand::MarkRead { player, mail })),
            mail_error(MailResult::InternalError)
        );
    }
    invariants(&sim);
}

#[test]
fn money_is_taken_exactly_once() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            money: 12_345,
            ..letter(ALICE, BOB)
        },
    );
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeMoney {
            player: CAROL,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeMoney {
                player: BOB,
                mail: id
            }
        ),
        MailResponse::MoneyTaken {
            mail: id,
            money: 12_345
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![MailEvent::MoneyTaken {
            mail: id,
            receiver: BOB,
            money: 12_345
        }]
    );
    assert_eq!(get_mail(&sim, id).money, 0);
    // A second take (a retry, a second gateway) gets nothing.
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeMoney {
            player: BOB,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    invariants(&sim);
}

#[test]
fn a_retried_send_with_the_same_request_id_sends_one_mail() {
    let mut sim = world();
    let req = RequestId {
        client: 9,
        seq: 1,
        ack_below: 0,
    };
    let first = sim.run_once(req, send_cmd(letter(ALICE, BOB)));
    let again = sim.run_once(req, send_cmd(letter(ALICE, BOB)));
    assert_eq!(first.response, again.response);
    assert!(again.mutations.is_empty());
    assert_eq!(list_ids(&sim, BOB), (vec![1], 1));
    invariants(&sim);
}

#[test]
fn taking_an_item_removes_it_from_the_mail() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(1), item(2)],
            money: 50,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeItem {
            player: ALICE_ALT,
            mail: id,
            item_guid: 3
        })),
        mail_error(MailResult::InternalError)
    );
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeItem {
                player: ALICE_ALT,
                mail: id,
                item_guid: 2
            }
        ),
        MailResponse::ItemTaken {
            mail: id,
            item: item(2),
            cod_paid: 0,
            cod_payment_mail: None,
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![MailEvent::ItemTaken {
            mail: id,
            receiver: ALICE_ALT,
            item: item(2),
            cod_paid: 0,
        }]
    );
    let left = get(&sim, id).expect("mail stays");
    assert_eq!(left.items, vec![item(1)]);
    assert_eq!(left.mail.item_count, 1);
    // Taking it again fails: it is not in the mail any more.
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeItem {
            player: ALICE_ALT,
            mail: id,
            item_guid: 2
        })),
        mail_error(MailResult::InternalError)
    );
    // An item of another mail cannot be taken through this one.
    let other = send(
        &mut sim,
        SendMail {
            items: vec![item(9)],
            ..letter(ALICE, ALICE_ALT)
        },
    );
    assert_eq!(
        sim.err(mail_cmd(MailCommand::TakeItem {
            player: ALICE_ALT,
            mail: id,
            item_guid: 9
        })),
        mail_error(MailResult::InternalError)
    );
    assert_eq!(get(&sim, other).map(|m| m.items), Some(vec![item(9)]));
    invariants(&sim);
}

#[test]
fn cash_on_delivery_pays_the_seller_through_a_payment_mail() {
    let mut sim = world();
    let now = sim.now_ms;
    let id = send(
        &mut sim,
        SendMail {
            subject: "Linen".into(),
            items: vec![item(1), item(2)],
            cod: 500,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    // COD is due: the mail cannot be deleted.
    assert_eq!(
        sim.err(mail_cmd(MailCommand::Delete {
            player: ALICE_ALT,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    sim.advance(1_000);
    let t = sim.now_ms;
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeItem {
                player: ALICE_ALT,
                mail: id,
                item_guid: 1
            }
        ),
        MailResponse::ItemTaken {
            mail: id,
            item: item(1),
            cod_paid: 500,
            cod_payment_mail: Some(2),
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![
            incoming(ALICE, 2, MailSender::Player(ALICE_ALT), t),
            MailEvent::CodPaid {
                mail: id,
                payer: ALICE_ALT,
                seller: ALICE,
                amount: 500,
                payment_mail: 2,
            },
            MailEvent::ItemTaken {
                mail: id,
                receiver: ALICE_ALT,
                item: item(1),
                cod_paid: 500,
            },
        ]
    );
    assert_eq!(
        get(&sim, 2),
        Some(MailWithItems {
            mail: Mail {
                id: 2,
                realm: 1,
                sender: MailSender::Player(ALICE_ALT),
                receiver: ALICE,
                subject: "Linen".into(),
                body: String::new(),
                money: 500,
                cod: 0,
                checked: checked::COD_PAYMENT,
                stationery: stationery::DEFAULT,
                template_id: 0,
                deliver_ms: t,
                expire_ms: t + 30 * DAY_MS,
                item_count: 0,
            },
            items: vec![],
        })
    );
    assert_eq!(get_mail(&sim, id).cod, 0);
    assert_eq!(get_mail(&sim, id).expire_ms, now + 3 * DAY_MS);
    // The second item is free; the seller takes exactly the COD paid.
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeItem {
                player: ALICE_ALT,
                mail: id,
                item_guid: 2
            }
        ),
        MailResponse::ItemTaken {
            mail: id,
            item: item(2),
            cod_paid: 0,
            cod_payment_mail: None,
        }
    );
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeMoney {
                player: ALICE,
                mail: 2
            }
        ),
        MailResponse::MoneyTaken {
            mail: 2,
            money: 500
        }
    );
    // With COD paid the empty mail may go.
    ok(
        &mut sim,
        MailCommand::Delete {
            player: ALICE_ALT,
            mail: id,
        },
    );
    invariants(&sim);
}

#[test]
fn cod_is_waived_when_the_seller_no_longer_exists() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            cod: 500,
            ..letter(CAROL, BOB)
        },
    );
    sim.ok(CharacterCommand::Delete { id: CAROL });
    sim.advance(HOUR_MS);
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::TakeItem {
                player: BOB,
                mail: id,
                item_guid: 1
            }
        ),
        MailResponse::ItemTaken {
            mail: id,
            item: item(1),
            cod_paid: 0,
            cod_payment_mail: None,
        }
    );
    assert_eq!(list_ids(&sim, BOB), (vec![id], 1));
    invariants(&sim);
}

#[test]
fn deleting_a_mail_destroys_what_it_holds() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(1), item(2)],
            money: 70,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    assert_eq!(
        sim.err(mail_cmd(MailCommand::Delete {
            player: BOB,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::Delete {
                player: ALICE_ALT,
                mail: id
            }
        ),
        MailResponse::Deleted {
            mail: id,
            money: 70,
            items: vec![item(1), item(2)],
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![MailEvent::Deleted {
            mail: id,
            receiver: ALICE_ALT,
            money: 70,
            items: vec![item(1), item(2)],
            reason: DeleteReason::Player,
        }]
    );
    assert_eq!(get(&sim, id), None);
    assert_eq!(
        sim.err(mail_cmd(MailCommand::Delete {
            player: ALICE_ALT,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    // The guid is free again.
    send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            ..letter(ALICE, ALICE_ALT)
        },
    );
    invariants(&sim);
}

#[test]
fn returning_a_mail_sends_it_back_once() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            cod: 300,
            ..letter(ALICE, BOB)
        },
    );
    // Not yet delivered: nothing to return.
    assert_eq!(
        sim.err(mail_cmd(MailCommand::ReturnToSender {
            player: BOB,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    sim.advance(HOUR_MS + 5_000);
    let t = sim.now_ms;
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::ReturnToSender {
                player: BOB,
                mail: id
            }
        ),
        MailResponse::Returned {
            mail: id,
            to: ALICE,
            expire_ms: t + 3 * DAY_MS,
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![
            MailEvent::Returned {
                mail: id,
                from: BOB,
                to: ALICE,
                money: 0,
                items: vec![1],
                reason: ReturnReason::Player,
            },
            incoming(ALICE, id, MailSender::Player(BOB), t),
        ]
    );
    assert_eq!(
        get_mail(&sim, id),
        Mail {
            id,
            realm: 1,
            sender: MailSender::Player(BOB),
            receiver: ALICE,
            subject: "Hi".into(),
            body: "Hello".into(),
            money: 0,
            cod: 0,
            checked: checked::RETURNED | checked::HAS_BODY,
            stationery: stationery::DEFAULT,
            template_id: 0,
            deliver_ms: t,
            expire_ms: t + 3 * DAY_MS,
            item_count: 1,
        }
    );
    assert_eq!(list_ids(&sim, BOB), (vec![], 0));
    assert_eq!(list_ids(&sim, ALICE), (vec![id], 1));
    // A returned mail does not go back again.
    assert_eq!(
        sim.err(mail_cmd(MailCommand::ReturnToSender {
            player: ALICE,
            mail: id
        })),
        mail_error(MailResult::InternalError)
    );
    // Auction mail has no player to go back to.
    let ah = send(&mut sim, auction(BOB, vec![item(2)], 0));
    assert_eq!(
        sim.err(mail_cmd(MailCommand::ReturnToSender {
            player: BOB,
            mail: ah
        })),
        mail_error(MailResult::InternalError)
    );
    // The sender was deleted: returning deletes the mail with what it holds.
    let gone = send(
        &mut sim,
        SendMail {
            money: 40,
            ..letter(CAROL, BOB)
        },
    );
    sim.ok(CharacterCommand::Delete { id: CAROL });
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::ReturnToSender {
                player: BOB,
                mail: gone
            }
        ),
        MailResponse::Deleted {
            mail: gone,
            money: 40,
            items: vec![],
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![MailEvent::Deleted {
            mail: gone,
            receiver: BOB,
            money: 40,
            items: vec![],
            reason: DeleteReason::SenderMissing,
        }]
    );
    invariants(&sim);
}

#[test]
fn the_sweep_returns_or_deletes_expired_mail() {
    let mut sim = world();
    let start = sim.now_ms;
    // Alice → Alicealt (same account, immediate): an item mail, a money mail, a text mail,
    // a COD mail; an auction item mail; a mail from Carol, who will be deleted.
    let with_item = send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            ..letter(ALICE, ALICE_ALT)
        },
    );
    let with_money = send(
        &mut sim,
        SendMail {
            money: 99,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    let text = send(&mut sim, letter(ALICE, ALICE_ALT));
    let cod = send(
        &mut sim,
        SendMail {
            items: vec![item(2)],
            cod: 1_000,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    let ah = send(&mut sim, auction(ALICE_ALT, vec![item(3)], 5));
    let orphan = send(
        &mut sim,
        SendMail {
            money: 7,
            ..letter(CAROL, BOB)
        },
    );
    sim.ok(CharacterCommand::Delete { id: CAROL });
    invariants(&sim);

    // At exactly 3 days the COD mail is not yet expired; a moment later it goes back.
    sim.advance(3 * DAY_MS);
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 0,
            deleted: 0,
            more: false
        }
    );
    sim.advance(1);
    let t = sim.now_ms;
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 1,
            deleted: 0,
            more: false
        }
    );
    assert_eq!(
        mail_events(&sim),
        vec![
            MailEvent::Returned {
                mail: cod,
                from: ALICE_ALT,
                to: ALICE,
                money: 0,
                items: vec![2],
                reason: ReturnReason::Expired,
            },
            incoming(ALICE, cod, MailSender::Player(ALICE_ALT), t),
        ]
    );
    let back = get_mail(&sim, cod);
    assert_eq!(
        (back.cod, back.checked, back.expire_ms),
        (0, checked::RETURNED | checked::HAS_BODY, t + 3 * DAY_MS)
    );

    // After 30 days: item and money mails go back; text, auction and orphan mail are deleted,
    // and so is the returned COD mail, whose 3 days ran out again.
    sim.ok(mail_cmd(MailCommand::MarkRead {
        player: ALICE_ALT,
        mail: with_money,
    }));
    sim.now_ms = start + 30 * DAY_MS + 1;
    let t = sim.now_ms;
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 2,
            deleted: 4,
            more: false
        }
    );
    let events = mail_events(&sim);
    for expected in [
        MailEvent::Deleted {
            mail: cod,
            receiver: ALICE,
            money: 0,
            items: vec![item(2)],
            reason: DeleteReason::Expired,
        },
        MailEvent::Returned {
            mail: with_item,
            from: ALICE_ALT,
            to: ALICE,
            money: 0,
            items: vec![1],
            reason: ReturnReason::Expired,
        },
        MailEvent::Returned {
            mail: with_money,
            from: ALICE_ALT,
            to: ALICE,
            money: 99,
            items: vec![],
            reason: ReturnReason::Expired,
        },
        MailEvent::Deleted {
            mail: text,
            receiver: ALICE_ALT,
            money: 0,
            items: vec![],
            reason: DeleteReason::Expired,
        },
        MailEvent::Deleted {
            mail: ah,
            receiver: ALICE_ALT,
            money: 5,
            items: vec![item(3)],
            reason: DeleteReason::Expired,
        },
        MailEvent::Deleted {
            mail: orphan,
            receiver: BOB,
            money: 7,
            items: vec![],
            reason: DeleteReason::Expired,
        },
    ] {
        assert!(
            events.contains(&expected),
            "missing {expected:?} in {events:?}"
        );
    }
    assert_eq!(events.len(), 8, "{events:?}");
    // A returned mail keeps its lifetime and loses READ.
    assert_eq!(
        get_mail(&sim, with_money),
        Mail {
            id: with_money,
            realm: 1,
            sender: MailSender::Player(ALICE_ALT),
            receiver: ALICE,
            subject: "Hi".into(),
            body: "Hello".into(),
            money: 99,
            cod: 0,
            checked: checked::RETURNED | checked::HAS_BODY,
            stationery: stationery::DEFAULT,
            template_id: 0,
            deliver_ms: t,
            expire_ms: t + 30 * DAY_MS,
            item_count: 0,
        }
    );
    let mut alice = list_ids(&sim, ALICE).0;
    alice.sort();
    assert_eq!(alice, vec![with_item, with_money]);

    // Returned mail that expires again is deleted with its items.
    sim.now_ms = t + 30 * DAY_MS + 1;
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 0,
            deleted: 2,
            more: false
        }
    );
    assert!(mail_events(&sim).contains(&MailEvent::Deleted {
        mail: with_item,
        receiver: ALICE,
        money: 0,
        items: vec![item(1)],
        reason: DeleteReason::Expired,
    }));
    assert_eq!(list_ids(&sim, ALICE), (vec![], 0));
    invariants(&sim);
}

#[test]
fn an_expired_cod_payment_is_deleted_not_returned() {
    let mut sim = world();
    let id = send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            cod: 250,
            ..letter(ALICE, ALICE_ALT)
        },
    );
    ok(
        &mut sim,
        MailCommand::TakeItem {
            player: ALICE_ALT,
            mail: id,
            item_guid: 1,
        },
    );
    sim.advance(30 * DAY_MS + 1);
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 0,
            deleted: 2,
            more: false
        }
    );
    assert!(mail_events(&sim).contains(&MailEvent::Deleted {
        mail: 2,
        receiver: ALICE,
        money: 250,
        items: vec![],
        reason: DeleteReason::Expired,
    }));
    invariants(&sim);
}

#[test]
fn the_sweep_handles_one_batch_per_entry_and_one_realm_when_asked() {
    let mut sim = world();
    sim.realm(2);
    sim.character(
        CharacterId::new(2, 1),
        2,
        "Bobtwo",
        tavern_statemachine::testkit::HUMAN,
    );
    for _ in 0..1_001 {
        send(&mut sim, auction(BOB, vec![], 1));
    }
    let realm2 = send(&mut sim, auction(CharacterId::new(2, 1), vec![], 1));
    assert_eq!(realm2, 1, "each realm has its own ids");
    sim.advance(30 * DAY_MS + 1);

    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: Some(2) }),
        MailResponse::Swept {
            returned: 0,
            deleted: 1,
            more: false
        }
    );
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 0,
            deleted: 1_000,
            more: true
        }
    );
    assert_eq!(
        ok(&mut sim, MailCommand::ExpireMails { realm: None }),
        MailResponse::Swept {
            returned: 0,
            deleted: 1,
            more: false
        }
    );
    invariants(&sim);
}

#[test]
fn deleting_a_character_returns_or_deletes_its_mail() {
    let mut sim = world();
    // Bob receives: items from Alice (other account, so delayed), money from Dave, text from
    // Dave, an auction item, a COD payment, and a mail he returned that came back.
    let from_alice = send(
        &mut sim,
        SendMail {
            items: vec![item(1)],
            cod: 10,
            ..letter(ALICE, BOB)
        },
    );
    let from_dave = send(
        &mut sim,
        SendMail {
            money: 300,
            ..letter(DAVE, BOB)
        },
    );
    let text = send(&mut sim, letter(DAVE, BOB));
    let ah = send(&mut sim, auction(BOB, vec![item(2)], 0));
    let sold = send(
        &mut sim,
        SendMail {
            items: vec![item(3)],
            cod: 45,
            ..letter(BOB, CAROL)
        },
    );
    let to_return = send(
        &mut sim,
        SendMail {
            items: vec![item(4)],
            ..letter(BOB, CAROL)
        },
    );
    sim.advance(HOUR_MS);
    ok(
        &mut sim,
        MailCommand::TakeItem {
            player: CAROL,
            mail: sold,
            item_guid: 3,
        },
    );
    let payment = 7;
    ok(
        &mut sim,
        MailCommand::ReturnToSender {
            player: CAROL,
            mail: to_return,
        },
    );
    // Bob also sent Carol a letter that stays in her box.
    let kept = send(
        &mut sim,
        SendMail {
            money: 11,
            ..letter(BOB, CAROL)
        },
    );
    invariants(&sim);

    sim.ok(CharacterCommand::Delete { id: BOB });
    let t = sim.now_ms;
    let events = mail_events(&sim);
    assert_eq!(
        events,
        vec![
            MailEvent::Returned {
                mail: from_alice,
                from: BOB,
                to: ALICE,
                money: 0,
                items: vec![1],
                reason: ReturnReason::ReceiverDeleted,
            },
            incoming(ALICE, from_alice, MailSender::Player(BOB), t),
            MailEvent::Returned {
                mail: from_dave,
                from: BOB,
                to: DAVE,
                money: 300,
                items: vec![],
                reason: ReturnReason::ReceiverDeleted,
            },
            incoming(DAVE, from_dave, MailSender::Player(BOB), t),
            MailEvent::Deleted {
                mail: text,
                receiver: BOB,
                money: 0,
                items: vec![],
                reason: DeleteReason::ReceiverDeleted,
            },
            MailEvent::Deleted {
                mail: ah,
                receiver: BOB,
                money: 0,
                items: vec![item(2)],
                reason: DeleteReason::ReceiverDeleted,
            },
            MailEvent::Deleted {
                mail: to_return,
                receiver: BOB,
                money: 0,
                items: vec![item(4)],
                reason: DeleteReason::ReceiverDeleted,
            },
            MailEvent::Deleted {
                mail: payment,
                receiver: BOB,
                money: 45,
                items: vec![],
                reason: DeleteReason::ReceiverDeleted,
            },
        ]
    );
    assert_eq!(get_mail(&sim, from_alice).cod, 0);
    // Bob's letter to Carol stays; returning it now deletes it, Bob being gone.
    assert_eq!(get_mail(&sim, kept).sender, MailSender::Player(BOB));
    assert_eq!(
        ok(
            &mut sim,
            MailCommand::ReturnToSender {
                player: CAROL,
                mail: kept
            }
        ),
        MailResponse::Deleted {
            mail: kept,
            money: 11,
            items: vec![],
        }
    );
    invariants(&sim);
}

#[test]
fn ids_skip_the_reserved_range_and_are_never_reused() {
    let mut sim = world();
    set_mail_config(
        &mut sim,
        MailConfig {
            reserved_ids: Some((2, 5)),
            ..Default::default()
        },
    );
    assert_eq!(send(&mut sim, letter(ALICE, BOB)), 1);
    assert_eq!(send(&mut sim, letter(ALICE, BOB)), 6);
    ok(
        &mut sim,
        MailCommand::Delete {
            player: BOB,
            mail: 6,
        },
    );
    assert_eq!(send(&mut sim, letter(ALICE, BOB)), 7);
    invariants(&sim);

    // The range must make sense.
    for (range, reason) in [
        (
            (5, 2),
            "5..=2 is not a range of ids from 1 with first <= last",
        ),
        (
            (0, 3),
            "0..=3 is not a range of ids from 1 with first <= last",
        ),
        (
            (1, u32::MAX),
            "reserves every mail id, tavern would have none",
        ),
    ] {
        assert_eq!(
            sim.err(Command::SetConfig(ClusterConfig {
                mail: MailConfig {
                    reserved_ids: Some(range),
                    ..Default::default()
                },
                ..Default::default()
            })),
            invalid("config.mail.reserved_ids", reason)
        );
    }

    // Running out of ids is an error that names the realm.
    set_mail_config(
        &mut sim,
        MailConfig {
            reserved_ids: Some((8, u32::MAX)),
            ..Default::default()
        },
    );
    assert_eq!(
        sim.err(send_cmd(letter(ALICE, BOB))),
        invalid(
            "mail.id",
            "realm 1 has used every mail id up to 4294967295 (ids are never reused)"
        )
    );
    invariants(&sim);
}

#[test]
fn the_config_is_validated() {
    let mut sim = world();
    let refuse = |sim: &mut Sim, mail: MailConfig| {
        sim.err(Command::SetConfig(ClusterConfig {
            mail,
            ..Default::default()
        }))
    };
    assert_eq!(
        refuse(
            &mut sim,
            MailConfig {
                delivery_delay_ms: 30 * DAY_MS + 1,
                ..Default::default()
            }
        ),
        invalid(
            "config.mail.delivery_delay_ms",
            "is 2592000001 ms, the limit is 2592000000 ms"
        )
    );
    assert_eq!(
        refuse(
            &mut sim,
            MailConfig {
                cod_expiry_ms: 0,
                ..Default::default()
            }
        ),
        invalid(
            "config.mail.cod_expiry_ms",
            "is 0 ms, it must be in 1..=31536000000 ms"
        )
    );
    assert_eq!(
        refuse(
            &mut sim,
            MailConfig {
                gm_expiry_ms: 365 * DAY_MS + 1,
                ..Default::default()
            }
        ),
        invalid(
            "config.mail.gm_expiry_ms",
            "is 31536000001 ms, it must be in 1..=31536000000 ms"
        )
    );
    assert_eq!(
        MailConfig::default(),
        MailConfig {
            delivery_delay_ms: 3_600_000,
            reserved_ids: None,
            allow_two_side_mail: false,
            cod_expiry_ms: 3 * DAY_MS,
            normal_expiry_ms: 30 * DAY_MS,
            gm_expiry_ms: 90 * DAY_MS,
        }
    );
}
