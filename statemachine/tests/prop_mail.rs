//! Random sequences of mail operations, logins, logouts, character deletes and time advances,
//! checked after every step against a ledger built only from responses and events:
//! every copper and item that entered by a send (or a COD payment) is in exactly one live mail,
//! or was handed out once by a take, or was reported destroyed once; COD paid equals COD
//! credited; no mail id is used twice; and `check_invariants` holds.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::mail::{
    check_invariants, checked, stationery, MailCommand, MailConfig, MailEvent, MailItem, MailQuery,
    MailQueryResponse, MailResponse, MailSender, MailWithItems, SendMail,
};
use tavern_statemachine::presence::PresenceCommand;
use tavern_statemachine::testkit::{Sim, HUMAN, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Event, MailId, Query, QueryResponse, Response,
};

/// Characters 1..=5 are alliance on accounts 1..=5, 6 is a horde alt of account 1, 7 a horde
/// character on account 7.
const CHARACTERS: u8 = 7;
const GUIDS: u32 = 16;
/// The delivery delay of items to another account in these runs.
const DELIVERY_DELAY_MS: u64 = 60_000;

#[derive(Debug, Clone)]
enum Op {
    /// `from` 0 is the auction house.
    Send {
        from: u8,
        to: u8,
        money: u32,
        cod: u32,
        items: Vec<u32>,
        body: bool,
    },
    TakeMoney(Target),
    TakeItem(Target, usize),
    Delete(Target),
    Return(Target),
    MarkRead(Target),
    Sweep(bool),
    Advance(u64),
    Login(u8),
    Logout(u8),
    DeleteCharacter(u8),
}

/// A mail among the live ones (or, rarely, among all ever created), acted on by its receiver
/// or by someone else.
#[derive(Debug, Clone)]
struct Target {
    pick: usize,
    live: bool,
    by_receiver: bool,
    other: u8,
}

fn character() -> impl Strategy<Value = u8> {
    1..=CHARACTERS
}

/// Mostly the alliance characters, so fewer sends are refused as cross-faction.
fn correspondent() -> impl Strategy<Value = u8> {
    prop_oneof![10 => 1..=5u8, 1 => 6..=CHARACTERS]
}

fn target() -> impl Strategy<Value = Target> {
    (
        any::<usize>(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        character(),
    )
        .prop_map(|(pick, live, by_receiver, other)| Target {
            pick,
            live,
            by_receiver,
            other,
        })
}

fn op() -> impl Strategy<Value = Op> {
    // Mostly one of money, COD (with items) or neither; rarely both (refused).
    let value = prop_oneof![
        3 => (1..5_000u32).prop_map(|m| (m, 0)),
        1 => Just((2_147_483_616u32, 0)),
        4 => (1..800u32).prop_map(|c| (0, c)),
        3 => Just((0, 0)),
        1 => (1..50u32, 1..50u32),
    ];
    let send = (
        prop_oneof![1 => Just(0u8), 8 => correspondent()],
        correspondent(),
        value,
        prop::collection::vec(1..=GUIDS, 0..4),
        any::<bool>(),
    )
        .prop_map(|(from, to, (money, cod), items, body)| {
            // Mostly not to oneself.
            let to = if to == from && to % 4 != 0 {
                to % CHARACTERS + 1
            } else {
                to
            };
            Op::Send {
                from,
                to,
                money,
                cod,
                items,
                body,
            }
        });
    let advance = prop_oneof![
        Just(1_000u64),
        Just(DELIVERY_DELAY_MS),
        Just(86_400_000),
        Just(3 * 86_400_000 + 1),
        Just(31 * 86_400_000),
    ];
    prop_oneof![
        20 => send,
        5 => target().prop_map(Op::TakeMoney),
        8 => (target(), any::<usize>()).prop_map(|(t, i)| Op::TakeItem(t, i)),
        3 => target().prop_map(Op::Delete),
        3 => target().prop_map(Op::Return),
        2 => target().prop_map(Op::MarkRead),
        3 => any::<bool>().prop_map(Op::Sweep),
        6 => advance.prop_map(Op::Advance),
        2 => character().prop_map(Op::Login),
        2 => character().prop_map(Op::Logout),
        // Characters 1 and 2 stay, so mail keeps flowing.
        1 => (3..=CHARACTERS).prop_map(Op::DeleteCharacter),
    ]
}

fn cid(n: u8) -> CharacterId {
    CharacterId::new(1, u32::from(n))
}

fn item(guid: u32) -> MailItem {
    MailItem {
        guid,
        entry: 1000 + guid,
        count: 1,
        flags: 0,
        durability: 10,
        charges: 0,
        random_property_id: 0,
        property_seed: 0,
        text: String::new(),
    }
}

/// What the responses and events say happened.
#[derive(Debug, Default)]
struct Ledger {
    ids: Vec<MailId>,
    seen_ids: BTreeSet<MailId>,
    money_sent: u64,
    money_taken: u64,
    money_destroyed: u64,
    cod_paid: u64,
    cod_credited: u64,
    items_sent: BTreeMap<u32, u64>,
    items_taken: BTreeMap<u32, u64>,
    items_destroyed: BTreeMap<u32, u64>,
}

impl Ledger {
    fn new_id(&mut self, id: MailId) -> Result<(), TestCaseError> {
        prop_assert!(self.seen_ids.insert(id), "mail id {} used twice", id);
        self.ids.push(id);
        Ok(())
    }
}

fn get(sim: &Sim, id: MailId) -> Option<MailWithItems> {
    match sim.query(Query::Mail(MailQuery::Get { realm: 1, mail: id })) {
        Ok(QueryResponse::Mail(MailQueryResponse::Mail(m))) => m,
        other => panic!("get mail {id}: {other:?}"),
    }
}

fn send_command(from: u8, to: u8, money: u32, cod: u32, items: &[u32], body: bool) -> SendMail {
    SendMail {
        sender: if from == 0 {
            MailSender::Auction(1)
        } else {
            MailSender::Player(cid(from))
        },
        receiver: cid(to),
        subject: "s".into(),
        body: if body { "b".into() } else { String::new() },
        money,
        cod,
        items: items.iter().copied().map(item).collect(),
        stationery: if from == 0 {
            stationery::AUCTION
        } else {
            stationery::DEFAULT
        },
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

/// The mail command an op stands for, or `None` when it is not a mail op (or has no target).
fn mail_command(sim: &Sim, ledger: &Ledger, op: &Op) -> Option<MailCommand> {
    // `wanted` narrows the live pool to mails the op can act on.
    let resolve =
        |t: &Target, wanted: fn(&MailWithItems) -> bool| -> Option<(CharacterId, MailId)> {
            let pool: Vec<MailId> = if t.live {
                ledger
                    .ids
                    .iter()
                    .copied()
                    .filter(|id| {
                        get(sim, *id).is_some_and(|m| m.mail.visible(sim.now_ms) && wanted(&m))
                    })
                    .collect()
            } else {
                ledger.ids.clone()
            };
            if pool.is_empty() {
                return None;
            }
            let id = pool[t.pick % pool.len()];
            let player = match get(sim, id) {
                Some(m) if t.by_receiver => m.mail.receiver,
                _ => cid(t.other),
            };
            Some((player, id))
        };
    Some(match op {
        Op::Send {
            from,
            to,
            money,
            cod,
            items,
            body,
        } => MailCommand::Send(send_command(*from, *to, *money, *cod, items, *body)),
        Op::TakeMoney(t) => {
            let (player, mail) = resolve(t, |m| m.mail.money > 0)?;
            MailCommand::TakeMoney { player, mail }
        }
        Op::TakeItem(t, i) => {
            let (player, mail) = resolve(t, |m| !m.items.is_empty())?;
            let guids: Vec<u32> = get(sim, mail)
                .map(|m| m.items.iter().map(|x| x.guid).collect())
                .unwrap_or_default();
            let item_guid = if guids.is_empty() {
                (*i as u32 % GUIDS) + 1
            } else {
                guids[i % guids.len()]
            };
            MailCommand::TakeItem {
                player,
                mail,
                item_guid,
            }
        }
        Op::Delete(t) => {
            let (player, mail) = resolve(t, |_| true)?;
            MailCommand::Delete { player, mail }
        }
        Op::Return(t) => {
            let (player, mail) = resolve(t, |_| true)?;
            MailCommand::ReturnToSender { player, mail }
        }
        Op::MarkRead(t) => {
            let (player, mail) = resolve(t, |_| true)?;
            MailCommand::MarkRead { player, mail }
        }
        Op::Sweep(all) => MailCommand::ExpireMails {
            realm: if *all { None } else { Some(1) },
        },
        _ => return None,
    })
}

/// Runs a non-mail op; answers whether it applied an entry (so `sim.events` are its).
fn run_other(sim: &mut Sim, op: &Op) -> bool {
    match op {
        Op::Advance(ms) => {
            sim.advance(*ms);
            return false;
        }
        Op::Login(n) => {
            // The lease may have lapsed while time went by: renew it first.
            sim.gateway("gw1", 1);
            let _ = sim.run(PresenceCommand::Login(
                tavern_statemachine::presence::Login {
                    id: cid(*n),
                    gateway: "gw1".into(),
                    zone: 1,
                    area: 1,
                    map: 0,
                    level: 80,
                    guild_id: 0,
                    worldserver: None,
                },
            ));
        }
        Op::Logout(n) => {
            let _ = sim.run(PresenceCommand::Logout {
                id: cid(*n),
                gateway: "gw1".into(),
            });
        }
        Op::DeleteCharacter(n) => {
            let _ = sim.run(PresenceCommand::Logout {
                id: cid(*n),
                gateway: "gw1".into(),
            });
            let _ = sim.run(CharacterCommand::Delete { id: cid(*n) });
        }
        // A mail op with no mail to act on.
        _ => return false,
    }
    true
}

/// Books the events of the last entry; checks each event against the state.
fn book_events(sim: &Sim, ledger: &mut Ledger) -> Result<(), TestCaseError> {
    for e in &sim.events {
        let Event::Mail(e) = e else { continue };
        match e {
            MailEvent::Deleted { money, items, .. } => {
                ledger.money_destroyed += u64::from(*money);
                for i in items {
                    *ledger.items_destroyed.entry(i.guid).or_default() += 1;
                }
            }
            MailEvent::MoneyTaken { money, .. } => ledger.money_taken += u64::from(*money),
            MailEvent::ItemTaken { item, cod_paid, .. } => {
                *ledger.items_taken.entry(item.guid).or_default() += 1;
                ledger.cod_paid += u64::from(*cod_paid);
            }
            MailEvent::CodPaid {
                amount,
                payment_mail,
                seller,
                payer,
                ..
            } => {
                ledger.cod_credited += u64::from(*amount);
                ledger.new_id(*payment_mail)?;
                let m = get(sim, *payment_mail).map(|m| m.mail);
                prop_assert!(
                    m.as_ref().is_some_and(|m| m.money == *amount
                        && m.receiver == *seller
                        && m.sender == MailSender::Player(*payer)
                        && m.checked == checked::COD_PAYMENT),
                    "payment mail {} does not credit {} to {}: {:?}",
                    payment_mail,
                    amount,
                    seller,
                    m
                );
            }
            MailEvent::Incoming { mail, .. } => {
                prop_assert!(ledger.seen_ids.contains(mail) || get(sim, *mail).is_some());
            }
            MailEvent::Returned { .. } => {}
        }
    }
    Ok(())
}

/// Checks a mail response against the events of its entry and books new mail.
fn book_response(
    sim: &Sim,
    ledger: &mut Ledger,
    cmd: &MailCommand,
    r: &MailResponse,
) -> Result<(), TestCaseError> {
    let events: Vec<&MailEvent> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Mail(m) => Some(m),
            _ => None,
        })
        .collect();
    match (cmd, r) {
        (
            MailCommand::Send(s),
            MailResponse::Sent {
                mail,
                postage,
                cost,
                ..
            },
        ) => {
            ledger.new_id(*mail)?;
            ledger.money_sent += u64::from(s.money);
            for i in &s.items {
                *ledger.items_sent.entry(i.guid).or_default() += 1;
            }
            let expected_postage = match s.sender {
                MailSender::Player(_) => 30 * s.items.len().max(1) as u32,
                _ => 0,
            };
            prop_assert_eq!(*postage, expected_postage);
            prop_assert_eq!(u64::from(*cost), u64::from(*postage) + u64::from(s.money));
        }
        (MailCommand::TakeMoney { player, mail }, MailResponse::MoneyTaken { money, .. }) => {
            prop_assert!(*money > 0);
            let expected = MailEvent::MoneyTaken {
                mail: *mail,
                receiver: *player,
                money: *money,
            };
            prop_assert_eq!(events, vec![&expected]);
        }
        (
            MailCommand::TakeItem { player, mail, .. },
            MailResponse::ItemTaken {
                item,
                cod_paid,
                cod_payment_mail,
                ..
            },
        ) => {
            prop_assert_eq!(cod_payment_mail.is_some(), *cod_paid > 0);
            let taken = MailEvent::ItemTaken {
                mail: *mail,
                receiver: *player,
                item: item.clone(),
                cod_paid: *cod_paid,
            };
            prop_assert!(events.contains(&&taken));
        }
        (
            MailCommand::Delete { .. } | MailCommand::ReturnToSender { .. },
            MailResponse::Deleted { money, items, .. },
        ) => {
            let reported = events.iter().any(|e| {
                matches!(e, MailEvent::Deleted { money: m, items: i, .. } if m == money && i == items)
            });
            prop_assert!(reported, "deletion not reported as an event");
        }
        (MailCommand::ReturnToSender { .. }, MailResponse::Returned { .. })
        | (MailCommand::ExpireMails { .. }, MailResponse::Swept { .. }) => {}
        (c, r) => prop_assert!(false, "{:?} answered {:?}", c, r),
    }
    Ok(())
}

/// The conservation laws, against the state.
fn check_ledger(sim: &Sim, ledger: &Ledger) -> Result<(), TestCaseError> {
    let mut live_money = 0u64;
    let mut live_items: BTreeMap<u32, u64> = BTreeMap::new();
    for id in &ledger.ids {
        if let Some(m) = get(sim, *id) {
            live_money += u64::from(m.mail.money);
            for i in &m.items {
                *live_items.entry(i.guid).or_default() += 1;
            }
        }
    }
    prop_assert_eq!(ledger.cod_paid, ledger.cod_credited, "COD paid vs credited");
    prop_assert_eq!(
        ledger.money_sent + ledger.cod_credited,
        live_money + ledger.money_taken + ledger.money_destroyed,
        "copper: sent + COD = live + taken + destroyed"
    );
    for guid in 1..=GUIDS {
        let n = |m: &BTreeMap<u32, u64>| m.get(&guid).copied().unwrap_or(0);
        let live = n(&live_items);
        prop_assert!(live <= 1, "item {} in {} live mails", guid, live);
        prop_assert_eq!(
            n(&ledger.items_sent),
            n(&ledger.items_taken) + n(&ledger.items_destroyed) + live,
            "item {}: sent = taken + destroyed + live",
            guid
        );
    }
    Ok(())
}

fn world() -> Sim {
    let mut sim = Sim::world(5);
    sim.character(cid(6), 1, "Alicealt", ORC);
    sim.account(7);
    sim.character(cid(7), 7, "Grom", ORC);
    let _ = HUMAN;
    sim.ok(Command::SetConfig(ClusterConfig {
        mail: MailConfig {
            reserved_ids: Some((3, 10)),
            delivery_delay_ms: DELIVERY_DELAY_MS,
            ..Default::default()
        },
        ..Default::default()
    }));
    sim
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut sim = world();
    let mut ledger = Ledger::default();
    for (step, op) in ops.iter().enumerate() {
        match mail_command(&sim, &ledger, op) {
            Some(cmd) => {
                let result = sim.run(Command::Mail(cmd.clone()));
                book_events(&sim, &mut ledger)?;
                match result {
                    Ok(Response::Mail(r)) => book_response(&sim, &mut ledger, &cmd, &r)?,
                    Ok(Response::Done) => {
                        let mark_read = matches!(cmd, MailCommand::MarkRead { .. });
                        prop_assert!(mark_read, "{:?} answered Done", cmd);
                    }
                    Ok(other) => prop_assert!(false, "{:?} answered {:?}", cmd, other),
                    Err(e) => {
                        prop_assert!(!e.is_fatal(), "{:?} failed fatally: {}", cmd, e);
                        prop_assert!(sim.events.is_empty());
                    }
                }
            }
            None => {
                // Without an entry, `sim.events` still holds the last entry's: book nothing.
                if run_other(&mut sim, op) {
                    book_events(&sim, &mut ledger)?;
                }
            }
        }
        if let Err(e) = check_invariants(&sim.state) {
            prop_assert!(false, "after {:?}: {}", op, e);
        }
        check_ledger(&sim, &ledger)
            .map_err(|e| TestCaseError::fail(format!("step {step} ({op:?}): {e}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn money_and_items_are_conserved(ops in prop::collection::vec(op(), 50..200)) {
        run(ops)?;
    }
}
