//! Random sequences of channel operations mixed with logins, logouts, gateway loss, character
//! deletes and re-creates, config changes and time jumps; the channel invariants are checked
//! after every step, and replaying the log into a fresh state must give the same bytes.

use proptest::prelude::*;

use tavern_statemachine::channel::{
    check_invariants, member_flags as mf, rights_flags as rf, ChannelCommand as C,
    ChannelQuery as Q, ChannelQueryResponse as QR,
};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::presence::{PresenceCommand, PresenceQuery, PresenceQueryResponse};
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC, WARRIOR};
use tavern_statemachine::{CharacterId, ClusterConfig, Command, Query, QueryResponse, Team};

/// Characters 1..=4 and 7 are alliance (7 shares account 1 with 1), 5 and 6 horde.
const CHARACTERS: u32 = 7;
const CHANNELS: [(&str, u32); 5] = [
    ("Alpha", 0),
    ("Beta", 0),
    ("Gamma", 0),
    ("Trade - City", 2),
    ("LookingForGroup", 26),
];
const GATEWAYS: [&str; 2] = ["gw1", "gw2"];

fn c(i: u32) -> CharacterId {
    CharacterId::new(1, i)
}

fn account_of(i: u32) -> u32 {
    if i == 7 {
        1
    } else {
        i
    }
}

fn race_of(i: u32) -> u8 {
    if i == 5 || i == 6 {
        ORC
    } else {
        HUMAN
    }
}

#[derive(Debug, Clone)]
enum Op {
    Join {
        who: u32,
        chan: usize,
        pw: bool,
    },
    Leave {
        who: u32,
        chan: usize,
    },
    Kick {
        by: u32,
        chan: usize,
        target: u32,
    },
    Ban {
        by: u32,
        chan: usize,
        target: u32,
    },
    Unban {
        by: u32,
        chan: usize,
        target: u32,
    },
    SetModerator {
        by: u32,
        chan: usize,
        target: u32,
        set: bool,
    },
    SetMute {
        by: u32,
        chan: usize,
        target: u32,
        set: bool,
    },
    SetOwner {
        by: u32,
        chan: usize,
        target: u32,
    },
    SetPassword {
        by: u32,
        chan: usize,
        pw: bool,
    },
    ToggleModeration {
        by: u32,
        chan: usize,
    },
    ToggleAnnouncements {
        by: u32,
        chan: usize,
    },
    Invite {
        by: u32,
        chan: usize,
        target: u32,
    },
    Speak {
        who: u32,
        chan: usize,
    },
    SetRights {
        chan: usize,
        flags: u32,
        delay_s: u32,
        moderators: Vec<u32>,
    },
    /// `relog`: log in even when already online (which leaves every channel).
    Login {
        who: u32,
        gateway: usize,
        relog: bool,
    },
    Logout {
        who: u32,
    },
    Delete {
        who: u32,
    },
    Create {
        who: u32,
    },
    Register {
        gateway: usize,
    },
    ExpireGateways,
    Cleanup,
    ExpireBans,
    Config {
        preset: u8,
    },
    /// `heartbeat`: the gateways renew their leases after the jump (else they may lapse).
    Advance {
        ms: u64,
        heartbeat: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 1..=CHARACTERS;
    let chan = 0..CHANNELS.len();
    prop_oneof![
        10 => (who.clone(), chan.clone(), any::<bool>())
            .prop_map(|(who, chan, pw)| Op::Join { who, chan, pw }),
        3 => (who.clone(), chan.clone()).prop_map(|(who, chan)| Op::Leave { who, chan }),
        2 => (who.clone(), chan.clone(), who.clone())
            .prop_map(|(by, chan, target)| Op::Kick { by, chan, target }),
        2 => (who.clone(), chan.clone(), who.clone())
            .prop_map(|(by, chan, target)| Op::Ban { by, chan, target }),
        1 => (who.clone(), chan.clone(), who.clone())
            .prop_map(|(by, chan, target)| Op::Unban { by, chan, target }),
        2 => (who.clone(), chan.clone(), who.clone(), any::<bool>())
            .prop_map(|(by, chan, target, set)| Op::SetModerator { by, chan, target, set }),
        2 => (who.clone(), chan.clone(), who.clone(), any::<bool>())
            .prop_map(|(by, chan, target, set)| Op::SetMute { by, chan, target, set }),
        2 => (who.clone(), chan.clone(), who.clone())
            .prop_map(|(by, chan, target)| Op::SetOwner { by, chan, target }),
        1 => (who.clone(), chan.clone(), any::<bool>())
            .prop_map(|(by, chan, pw)| Op::SetPassword { by, chan, pw }),
        1 => (who.clone(), chan.clone()).prop_map(|(by, chan)| Op::ToggleModeration { by, chan }),
        1 => (who.clone(), chan.clone())
            .prop_map(|(by, chan)| Op::ToggleAnnouncements { by, chan }),
        1 => (who.clone(), chan.clone(), who.clone())
            .prop_map(|(by, chan, target)| Op::Invite { by, chan, target }),
        2 => (who.clone(), chan.clone()).prop_map(|(who, chan)| Op::Speak { who, chan }),
        1 => (
            chan.clone(),
            prop::sample::select(vec![
                0,
                rf::NO_OWNERSHIP,
                rf::DONT_PRESERVE,
                rf::CANT_SPEAK,
                rf::CANT_KICK | rf::CANT_BAN | rf::CANT_MUTE,
                rf::FORCE_NO_ANNOUNCEMENTS,
            ]),
            0..3u32,
            prop::collection::vec(1..=6u32, 0..3),
        )
            .prop_map(|(chan, flags, delay_s, moderators)| Op::SetRights {
                chan,
                flags,
                delay_s,
                moderators
            }),
        5 => (who.clone(), 0..GATEWAYS.len(), prop::bool::weighted(0.1))
            .prop_map(|(who, gateway, relog)| Op::Login { who, gateway, relog }),
        1 => who.clone().prop_map(|who| Op::Logout { who }),
        1 => who.clone().prop_map(|who| Op::Delete { who }),
        3 => who.clone().prop_map(|who| Op::Create { who }),
        1 => (0..GATEWAYS.len()).prop_map(|gateway| Op::Register { gateway }),
        1 => Just(Op::ExpireGateways),
        1 => Just(Op::Cleanup),
        1 => Just(Op::ExpireBans),
        1 => (0..4u8).prop_map(|preset| Op::Config { preset }),
        3 => (
            prop::sample::select(vec![
                1_000u64,
                5_000,
                16_000,
                3_600_000,
                30 * 24 * 3_600_000,
                60 * 24 * 3_600_000,
            ]),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(ms, heartbeat)| Op::Advance { ms, heartbeat }),
    ]
}

fn config(preset: u8) -> ClusterConfig {
    let mut config = ClusterConfig::default();
    match preset {
        1 => config.channel.preserve_custom_channels = false,
        2 => {
            config.channel.crowded_members_min = 2;
            config.channel.members_max = 3;
        }
        3 => config.channel.preserve_duration_ms = 0,
        _ => {}
    }
    config
}

fn to_command(op: &Op) -> Command {
    let name = |chan: usize| CHANNELS[chan].0.to_string();
    let target_name = |t: u32| name_of(t);
    match op.clone() {
        Op::Join { who, chan, pw } => C::Join {
            id: c(who),
            name: name(chan),
            channel_id: CHANNELS[chan].1,
            password: if pw { "pw".into() } else { String::new() },
        }
        .into(),
        Op::Leave { who, chan } => C::Leave {
            id: c(who),
            name: name(chan),
            channel_id: None,
        }
        .into(),
        Op::Kick { by, chan, target } => C::Kick {
            by: c(by),
            channel: name(chan),
            target_name: target_name(target),
        }
        .into(),
        Op::Ban { by, chan, target } => C::Ban {
            by: c(by),
            channel: name(chan),
            target_name: target_name(target),
        }
        .into(),
        Op::Unban { by, chan, target } => C::Unban {
            by: c(by),
            channel: name(chan),
            target_name: target_name(target),
        }
        .into(),
        Op::SetModerator {
            by,
            chan,
            target,
            set,
        } => {
            let (by, channel, target_name) = (c(by), name(chan), target_name(target));
            if set {
                C::SetModerator {
                    by,
                    channel,
                    target_name,
                }
            } else {
                C::UnsetModerator {
                    by,
                    channel,
                    target_name,
                }
            }
            .into()
        }
        Op::SetMute {
            by,
            chan,
            target,
            set,
        } => {
            let (by, channel, target_name) = (c(by), name(chan), target_name(target));
            if set {
                C::SetMute {
                    by,
                    channel,
                    target_name,
                }
            } else {
                C::UnsetMute {
                    by,
                    channel,
                    target_name,
                }
            }
            .into()
        }
        Op::SetOwner { by, chan, target } => C::SetOwner {
            by: c(by),
            channel: name(chan),
            target_name: target_name(target),
        }
        .into(),
        Op::SetPassword { by, chan, pw } => C::SetPassword {
            by: c(by),
            channel: name(chan),
            password: if pw { "pw".into() } else { String::new() },
        }
        .into(),
        Op::ToggleModeration { by, chan } => C::ToggleModeration {
            by: c(by),
            channel: name(chan),
        }
        .into(),
        Op::ToggleAnnouncements { by, chan } => C::ToggleAnnouncements {
            by: c(by),
            channel: name(chan),
        }
        .into(),
        Op::Invite { by, chan, target } => C::Invite {
            by: c(by),
            channel: name(chan),
            target_name: target_name(target),
        }
        .into(),
        Op::Speak { who, chan } => C::Speak {
            id: c(who),
            channel: name(chan),
        }
        .into(),
        Op::SetRights {
            chan,
            flags,
            delay_s,
            moderators,
        } => C::SetRights {
            name: name(chan),
            flags,
            speak_delay_s: delay_s,
            join_message: String::new(),
            delay_message: String::new(),
            moderators,
        }
        .into(),
        Op::Login { who, gateway, .. } => {
            PresenceCommand::Login(tavern_statemachine::presence::Login {
                id: c(who),
                gateway: GATEWAYS[gateway].into(),
                zone: 1,
                area: 1,
                map: 0,
                level: 80,
                guild_id: 0,
                worldserver: None,
            })
            .into()
        }
        Op::Delete { who } => CharacterCommand::Delete { id: c(who) }.into(),
        Op::Create { who } => CharacterCommand::Create {
            id: c(who),
            account: account_of(who),
            name: name_of(who),
            race: race_of(who),
            class: WARRIOR,
            gender: 0,
            level: 80,
        }
        .into(),
        Op::Register { gateway } => PresenceCommand::RegisterGateway {
            gateway: GATEWAYS[gateway].into(),
            realm: 1,
        }
        .into(),
        Op::ExpireGateways => PresenceCommand::ExpireGateways.into(),
        Op::Cleanup => C::Cleanup.into(),
        Op::ExpireBans => C::ExpireBans.into(),
        Op::Config { preset } => Command::SetConfig(config(preset)),
        Op::Advance { .. } | Op::Logout { .. } => unreachable!("handled by the test loop"),
    }
}

fn channel_query(sim: &Sim, q: Q) -> Option<QR> {
    match sim.query(Query::Channel(q)) {
        Ok(QueryResponse::Channel(r)) => Some(r),
        _ => None,
    }
}

/// Points a random operation at the state: the caller becomes the channel's owner (or a
/// member), the target a member (or a banned character for unban), so moderation succeeds
/// often enough to matter.
fn aim(sim: &Sim, op: &mut Op) {
    let (by, chan, target) = match op {
        Op::Join { who, .. } => {
            if let Some(next) = (0..CHARACTERS)
                .map(|k| (*who - 1 + k) % CHARACTERS + 1)
                .find(|i| online(sim, *i))
            {
                *who = next;
            }
            return;
        }
        Op::Kick { by, chan, target }
        | Op::Ban { by, chan, target }
        | Op::SetOwner { by, chan, target }
        | Op::Invite { by, chan, target }
        | Op::SetModerator {
            by, chan, target, ..
        }
        | Op::SetMute {
            by, chan, target, ..
        } => (by, *chan, Some(target)),
        Op::Unban { by, chan, target } => {
            let bans = channel_query(
                sim,
                Q::Bans {
                    realm: 1,
                    team: Team::Alliance,
                    name: CHANNELS[*chan].0.into(),
                },
            );
            if let Some(QR::Bans(bans)) = bans {
                if !bans.is_empty() {
                    *target = bans[*target as usize % bans.len()].id.low;
                }
            }
            (by, *chan, None)
        }
        Op::SetPassword { by, chan, .. }
        | Op::ToggleModeration { by, chan }
        | Op::ToggleAnnouncements { by, chan }
        | Op::Leave { who: by, chan }
        | Op::Speak { who: by, chan } => (by, *chan, None),
        _ => return,
    };
    let name = CHANNELS[chan].0.to_string();
    let roster = match channel_query(
        sim,
        Q::Members {
            realm: 1,
            team: Team::Alliance,
            name: name.clone(),
        },
    ) {
        Some(QR::Members(ms)) => ms,
        _ => return,
    };
    if roster.is_empty() {
        return;
    }
    let owner = roster.iter().find(|m| m.flags & mf::OWNER != 0);
    *by = match owner {
        Some(o) if *by % 4 != 0 => o.id.low,
        _ => roster[*by as usize % roster.len()].id.low,
    };
    if let Some(t) = target {
        *t = roster[*t as usize % roster.len()].id.low;
    }
}

fn online(sim: &Sim, who: u32) -> bool {
    matches!(
        sim.query(Query::Presence(PresenceQuery::Get { id: c(who) })),
        Ok(QueryResponse::Presence(PresenceQueryResponse::Presence(
            Some(_)
        )))
    )
}

fn start() -> Sim {
    let mut sim = Sim::new();
    sim.realm(1);
    for g in GATEWAYS {
        sim.gateway(g, 1);
    }
    for i in 1..=CHARACTERS {
        if i != 7 {
            sim.account(i);
        }
        sim.character(c(i), account_of(i), &name_of(i), race_of(i));
    }
    sim
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn channel_invariants_hold_after_every_step(
        ops in prop::collection::vec((op(), prop::bool::weighted(0.6)), 50..200)
    ) {
        let mut sim = start();
        for (step, (op, aimed)) in ops.into_iter().enumerate() {
            let mut op = op;
            if aimed {
                aim(&sim, &mut op);
            }
            match &op {
                Op::Login { who, relog: false, .. } if online(&sim, *who) => {}
                Op::Advance { ms, heartbeat } => {
                    sim.advance(*ms);
                    if *heartbeat {
                        for g in GATEWAYS {
                            sim.gateway(g, 1);
                        }
                    }
                }
                Op::Logout { who } => {
                    for g in GATEWAYS {
                        let _ = sim.run(PresenceCommand::Logout { id: c(*who), gateway: g.into() });
                    }
                }
                _ => {
                    // Refusals are part of the game; only the invariants must hold.
                    let _ = sim.run(to_command(&op));
                }
            }
            if let Err(e) = check_invariants(&sim.state) {
                return Err(TestCaseError::fail(format!("after step {step} {op:?}: {e}")));
            }
        }
        // Determinism: the log replayed into a fresh state gives the same bytes.
        let mut replay = Sim::new();
        for entry in sim.log.clone() {
            replay.apply_entry(entry);
        }
        prop_assert_eq!(&replay.state, &sim.state);
    }
}
