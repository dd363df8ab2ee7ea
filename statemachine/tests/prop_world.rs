//! Long random sequences over the whole state machine. After every step the invariants of every
//! domain hold; at the end, every record decodes by its table (`records::check`) and replaying
//! the log into a fresh state gives byte-identical state.

use proptest::prelude::*;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::arena::{ArenaCommand, CreateTeam};
use tavern_statemachine::channel::ChannelCommand;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::mail::{MailCommand, MailItem, MailSender, SendMail};
use tavern_statemachine::presence::{Login, PresenceCommand, PresenceUpdate};
use tavern_statemachine::session::SessionCommand;
use tavern_statemachine::sizes::TableCounts;
use tavern_statemachine::social::SocialCommand;
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC};
use tavern_statemachine::{apply, CharacterId, Command, MemView, RequestId, View};

const GATEWAYS: [&str; 3] = ["gw1", "gw2", "gw3"];

#[derive(Debug, Clone)]
enum Op {
    Create {
        low: u32,
        account: u32,
        name: u32,
        horde: bool,
    },
    Rename {
        low: u32,
        name: u32,
    },
    Delete {
        low: u32,
    },
    Login {
        low: u32,
        gw: usize,
    },
    Logout {
        low: u32,
        gw: usize,
    },
    Move {
        low: u32,
        gw: usize,
        zone: u32,
    },
    Away {
        low: u32,
        afk: bool,
    },
    Register {
        gw: usize,
    },
    Renew {
        gw: usize,
    },
    Expire,
    Lock {
        account: u32,
        locked: bool,
    },
    Advance {
        ms: u64,
    },
    /// A write with a request id, sometimes retried.
    Once {
        client: u64,
        retry: bool,
        inner: Box<Op>,
    },
    ExpireSessions,
    Friend {
        low: u32,
        name: u32,
    },
    Unfriend {
        low: u32,
        other: u32,
    },
    Ignore {
        low: u32,
        name: u32,
    },
    AccountFriend {
        from: u32,
        to: u32,
    },
    AcceptAccountFriend {
        account: u32,
        requester: u32,
    },
    Join {
        low: u32,
        chan: usize,
    },
    Leave {
        low: u32,
        chan: usize,
    },
    Ban {
        by: u32,
        target: u32,
    },
    Mail {
        from: u32,
        to: u32,
        money: u32,
        item: Option<u32>,
        cod: u32,
    },
    TakeMoney {
        low: u32,
        mail: u32,
    },
    TakeItem {
        low: u32,
        mail: u32,
        item: u32,
    },
    ExpireMails,
    TeamCreate {
        low: u32,
        name: u32,
        arena_type: u8,
    },
}

const CHANNELS: [(&str, u32); 2] = [("World", 0), ("Trade", 2)];

fn plain_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u32..16, 1u32..8, 1u32..24, any::<bool>()).prop_map(|(low, account, name, horde)| Op::Create { low, account, name, horde }),
        1 => (1u32..16, 1u32..24).prop_map(|(low, name)| Op::Rename { low, name }),
        1 => (1u32..16).prop_map(|low| Op::Delete { low }),
        8 => (1u32..16, 0usize..3).prop_map(|(low, gw)| Op::Login { low, gw }),
        3 => (1u32..16, 0usize..3).prop_map(|(low, gw)| Op::Logout { low, gw }),
        2 => (1u32..16, 0usize..3, 1u32..5).prop_map(|(low, gw, zone)| Op::Move { low, gw, zone }),
        1 => (1u32..16, any::<bool>()).prop_map(|(low, afk)| Op::Away { low, afk }),
        4 => (0usize..3).prop_map(|gw| Op::Register { gw }),
        2 => (0usize..3).prop_map(|gw| Op::Renew { gw }),
        1 => Just(Op::Expire),
        1 => (1u32..8, prop::bool::weighted(0.25)).prop_map(|(account, locked)| Op::Lock { account, locked }),
        2 => (0u64..20_000).prop_map(|ms| Op::Advance { ms }),
        1 => (0u64..(8 * 86_400_000)).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::ExpireSessions),
        3 => (1u32..16, 1u32..10).prop_map(|(low, name)| Op::Friend { low, name }),
        1 => (1u32..16, 1u32..16).prop_map(|(low, other)| Op::Unfriend { low, other }),
        1 => (1u32..16, 1u32..10).prop_map(|(low, name)| Op::Ignore { low, name }),
        1 => (1u32..8, 1u32..8).prop_map(|(from, to)| Op::AccountFriend { from, to }),
        1 => (1u32..8, 1u32..8).prop_map(|(account, requester)| Op::AcceptAccountFriend { account, requester }),
        3 => (1u32..16, 0usize..2).prop_map(|(low, chan)| Op::Join { low, chan }),
        1 => (1u32..16, 0usize..2).prop_map(|(low, chan)| Op::Leave { low, chan }),
        1 => (1u32..16, 1u32..16).prop_map(|(by, target)| Op::Ban { by, target }),
        3 => (1u32..10, 1u32..10, 0u32..3, prop::option::of(1u32..30), 0u32..2)
            .prop_map(|(from, to, money, item, cod)| Op::Mail { from, to, money: money * 100, item, cod: cod * 50 }),
        2 => (1u32..10, 1u32..20).prop_map(|(low, mail)| Op::TakeMoney { low, mail }),
        2 => (1u32..10, 1u32..20, 1u32..30).prop_map(|(low, mail, item)| Op::TakeItem { low, mail, item }),
        1 => Just(Op::ExpireMails),
        1 => (1u32..16, 1u32..4, prop::sample::select(vec![2u8, 3, 5])).prop_map(|(low, name, arena_type)| Op::TeamCreate { low, name, arena_type }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => plain_op(),
        2 => (1u64..4, any::<bool>(), plain_op()).prop_map(|(client, retry, inner)| Op::Once { client, retry, inner: Box::new(inner) }),
    ]
}

fn command(op: &Op) -> Option<Command> {
    let id = |low| CharacterId::new(1, low);
    Some(match op {
        Op::Create {
            low,
            account,
            name,
            horde,
        } => CharacterCommand::Create {
            id: id(*low),
            account: *account,
            name: name_of(*name),
            race: if *horde { ORC } else { HUMAN },
            class: 1,
            gender: 0,
            level: 80,
        }
        .into(),
        Op::Rename { low, name } => CharacterCommand::Rename {
            id: id(*low),
            name: name_of(*name),
        }
        .into(),
        Op::Delete { low } => CharacterCommand::Delete { id: id(*low) }.into(),
        Op::Login { low, gw } => PresenceCommand::Login(Login {
            id: id(*low),
            gateway: GATEWAYS[*gw].into(),
            zone: 1,
            area: 1,
            map: 0,
            level: 80,
            guild_id: 0,
            worldserver: None,
        })
        .into(),
        Op::Logout { low, gw } => PresenceCommand::Logout {
            id: id(*low),
            gateway: GATEWAYS[*gw].into(),
        }
        .into(),
        Op::Move { low, gw, zone } => PresenceCommand::Update {
            gateway: GATEWAYS[*gw].into(),
            updates: vec![PresenceUpdate {
                id: id(*low),
                zone: Some(*zone),
                ..Default::default()
            }],
        }
        .into(),
        Op::Away { low, afk } => PresenceCommand::SetAwayStatus {
            id: id(*low),
            afk: *afk,
            dnd: false,
        }
        .into(),
        Op::Register { gw } => PresenceCommand::RegisterGateway {
            gateway: GATEWAYS[*gw].into(),
            realm: 1,
        }
        .into(),
        Op::Renew { gw } => PresenceCommand::RenewGateway {
            gateway: GATEWAYS[*gw].into(),
        }
        .into(),
        Op::Expire => PresenceCommand::ExpireGateways.into(),
        Op::Lock { account, locked } => AccountCommand::SetLocked {
            id: *account,
            locked: *locked,
        }
        .into(),
        Op::ExpireSessions => SessionCommand::Expire.into(),
        Op::Join { low, chan } => ChannelCommand::Join {
            id: id(*low),
            name: CHANNELS[*chan].0.into(),
            channel_id: CHANNELS[*chan].1,
            password: String::new(),
        }
        .into(),
        Op::Leave { low, chan } => ChannelCommand::Leave {
            id: id(*low),
            name: CHANNELS[*chan].0.into(),
            channel_id: None,
        }
        .into(),
        Op::Ban { by, target } => ChannelCommand::Ban {
            by: id(*by),
            channel: "World".into(),
            target_name: name_of(*target),
        }
        .into(),
        Op::Mail {
            from,
            to,
            money,
            item,
            cod,
        } => MailCommand::Send(SendMail {
            sender: MailSender::Player(id(*from)),
            receiver: id(*to),
            subject: "hello".into(),
            body: String::new(),
            money: *money,
            cod: *cod,
            items: item
                .iter()
                .map(|guid| MailItem {
                    guid: *guid,
                    entry: 6948,
                    count: 1,
                    flags: 0,
                    durability: 0,
                    charges: 0,
                    random_property_id: 0,
                    property_seed: 0,
                    text: String::new(),
                })
                .collect(),
            stationery: 41,
            template_id: 0,
            expire_override_ms: None,
            deliver_delay_ms: None,
        })
        .into(),
        Op::TakeMoney { low, mail } => MailCommand::TakeMoney {
            player: id(*low),
            mail: *mail,
        }
        .into(),
        Op::TakeItem { low, mail, item } => MailCommand::TakeItem {
            player: id(*low),
            mail: *mail,
            item_guid: *item,
        }
        .into(),
        Op::ExpireMails => MailCommand::ExpireMails { realm: None }.into(),
        Op::TeamCreate {
            low,
            name,
            arena_type,
        } => ArenaCommand::Create(CreateTeam {
            realm: 1,
            captain: id(*low),
            name: format!("Team {name}"),
            arena_type: *arena_type,
            emblem: Default::default(),
        })
        .into(),
        Op::Friend { low, name } => SocialCommand::AddFriend {
            owner: id(*low),
            name: name_of(*name),
            note: "hi".into(),
        }
        .into(),
        Op::Unfriend { low, other } => SocialCommand::RemoveFriend {
            owner: id(*low),
            friend: id(*other),
        }
        .into(),
        Op::Ignore { low, name } => SocialCommand::AddIgnore {
            owner: id(*low),
            name: name_of(*name),
        }
        .into(),
        Op::AccountFriend { from, to } => SocialCommand::RequestAccountFriend {
            from_account: *from,
            to_account: *to,
        }
        .into(),
        Op::AcceptAccountFriend { account, requester } => SocialCommand::AcceptAccountFriend {
            account: *account,
            requester: *requester,
        }
        .into(),
        Op::Advance { .. } | Op::Once { .. } => return None,
    })
}

fn variant(op: &Op) -> &'static str {
    match op {
        Op::Create { .. } => "create",
        Op::Rename { .. } => "rename",
        Op::Delete { .. } => "delete",
        Op::Login { .. } => "login",
        Op::Logout { .. } => "logout",
        Op::Move { .. } => "move",
        Op::Away { .. } => "away",
        Op::Register { .. } => "register",
        Op::Renew { .. } => "renew",
        Op::Expire => "expire",
        Op::Lock { .. } => "lock",
        Op::Advance { .. } => "advance",
        Op::Once { .. } => "once",
        Op::ExpireSessions => "expire-sessions",
        Op::Join { .. } => "join",
        Op::Leave { .. } => "leave",
        Op::Ban { .. } => "ban",
        Op::Mail { .. } => "mail",
        Op::TakeMoney { .. } => "take-money",
        Op::TakeItem { .. } => "take-item",
        Op::ExpireMails => "expire-mails",
        Op::TeamCreate { .. } => "team-create",
        Op::Friend { .. } => "friend",
        Op::Unfriend { .. } => "unfriend",
        Op::Ignore { .. } => "ignore",
        Op::AccountFriend { .. } => "account-friend",
        Op::AcceptAccountFriend { .. } => "accept-account-friend",
    }
}

/// Every domain's invariant checker.
fn check_all(view: &dyn View) -> Result<(), String> {
    tavern_statemachine::character::check_invariants(view)?;
    tavern_statemachine::presence::check_invariants(view)?;
    tavern_statemachine::social::check_invariants(view)?;
    tavern_statemachine::arena::check_invariants(view)?;
    tavern_statemachine::mail::check_invariants(view)?;
    tavern_statemachine::channel::check_invariants(view)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn invariants_hold_and_replay_is_byte_identical(ops in prop::collection::vec(op(), 50..250)) {
        let mut sim = Sim::new();
        sim.realm(1);
        for account in 1..8 {
            sim.account(account);
        }
        // A few characters to start with, of both factions, so social ops find their targets.
        for low in 1..=6 {
            sim.character(CharacterId::new(1, low), low, &name_of(low), if low > 4 { ORC } else { HUMAN });
        }
        for gw in GATEWAYS {
            sim.gateway(gw, 1);
        }
        for low in 1..=6 {
            sim.login(CharacterId::new(1, low), GATEWAYS[low as usize % 3]);
        }
        let mut seqs = [0u64; 4];
        let mut outcomes = std::collections::BTreeMap::new();
        for op in &ops {
            match op {
                Op::Advance { ms } => sim.advance(*ms),
                Op::Once { client, retry, inner } => {
                    let Some(cmd) = command(inner) else { continue };
                    let c = *client as usize;
                    seqs[c] += 1;
                    let req = RequestId { client: *client, seq: seqs[c], ack_below: seqs[c] };
                    let first = sim.run_once(req, cmd.clone());
                    if *retry {
                        let state = sim.state.clone();
                        let again = sim.run_once(req, cmd);
                        prop_assert_eq!(&again.response, &first.response, "a retry is answered the same");
                        prop_assert!(again.events.is_empty());
                        prop_assert_eq!(&sim.state, &state, "a retry changes nothing");
                    }
                }
                other => {
                    if let Some(cmd) = command(other) {
                        let ok = sim.run(cmd).is_ok();
                        *outcomes.entry((variant(other), ok)).or_insert(0u32) += 1;
                    }
                }
            }
            if let Err(e) = check_all(&sim.state) {
                prop_assert!(false, "after {:?}: {}", op, e);
            }
        }
        // Every record of the state is exactly what its table's writer stores: what
        // `tavern snapshot verify` checks of every record of a file.
        for (key, value) in sim.state.iter() {
            let checked = tavern_statemachine::records::check(key, value);
            prop_assert!(checked.is_ok(), "{:?}", checked);
        }
        if std::env::var_os("TAVERN_PROP_STATS").is_some() {
            eprintln!("{outcomes:?}");
        }
        // Replay the log into two fresh states: same bytes, same responses, same events.
        // The entries' size deltas add up to the state's key + value bytes, after every entry
        // (what the node keeps as the state's size for the quota).
        let (mut a, mut b) = (MemView::new(), MemView::new());
        let mut size: i64 = 0;
        let mut tables = TableCounts::new();
        for entry in &sim.log {
            let ra = apply(&a, entry).expect("not fatal");
            let rb = apply(&b, entry).expect("not fatal");
            prop_assert_eq!(&ra, &rb);
            a.write(&ra.mutations);
            b.write(&rb.mutations);
            size += ra.size_delta;
            prop_assert_eq!(size, i64::try_from(a.bytes()).expect("small"), "after {:?}", entry.command);
            // The same per table, with each table's records (what /metrics shows per entity).
            tables.apply(&ra.tables);
            prop_assert_eq!(&tables, &a.table_counts(), "after {:?}", entry.command);
        }
        prop_assert_eq!(&a, &sim.state);
        prop_assert_eq!(a.digest(), b.digest());
    }
}
