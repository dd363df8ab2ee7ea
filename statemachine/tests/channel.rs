//! Chat channels as stories: built-in and custom channels, ownership and its hand-off,
//! moderation, bans and their expiry, rights by account, the speak check, the sweeps, and the
//! logout / gateway loss / character delete cascades. Every answer is compared whole.

use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::channel::{
    channel_flags as cf, check_invariants, member_flags as mf, rights_flags as rf, Ban,
    ChannelCommand as C, ChannelConfig, ChannelEvent as E, ChannelInfo, ChannelKey,
    ChannelNotice as N, ChannelQuery as Q, ChannelQueryResponse as QR, ChannelResponse as R,
    DeleteReason, LeaveReason, MemberInfo, Membership, Rights, CHANNELS_OF, CHANNEL_STATS, MEMBER,
    MEMBER_BY_SEQ,
};
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::presence::{Notify, PresenceCommand};
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Entry, Error, Event, Query, QueryResponse, Response, Team,
};

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;
const BAN_MS: u64 = 60 * DAY_MS;

fn c(i: u32) -> CharacterId {
    CharacterId::new(1, i)
}

/// `n` alliance characters, all online on gw1.
fn online(n: u32) -> Sim {
    let mut sim = Sim::world(n);
    for i in 1..=n {
        sim.login(c(i), "gw1");
    }
    sim
}

fn join(i: u32, name: &str) -> C {
    C::Join {
        id: c(i),
        name: name.into(),
        channel_id: 0,
        password: String::new(),
    }
}

fn join_pw(i: u32, name: &str, password: &str) -> C {
    C::Join {
        id: c(i),
        name: name.into(),
        channel_id: 0,
        password: password.into(),
    }
}

fn join_built_in(i: u32, name: &str, channel_id: u32) -> C {
    C::Join {
        id: c(i),
        name: name.into(),
        channel_id,
        password: String::new(),
    }
}

fn leave(i: u32, name: &str) -> C {
    C::Leave {
        id: c(i),
        name: name.into(),
        channel_id: None,
    }
}

fn kick(by: u32, channel: &str, target: &str) -> C {
    C::Kick {
        by: c(by),
        channel: channel.into(),
        target_name: target.into(),
    }
}

fn ban(by: u32, channel: &str, target: &str) -> C {
    C::Ban {
        by: c(by),
        channel: channel.into(),
        target_name: target.into(),
    }
}

fn unban(by: u32, channel: &str, target: &str) -> C {
    C::Unban {
        by: c(by),
        channel: channel.into(),
        target_name: target.into(),
    }
}

fn set_mod(by: u32, channel: &str, target: &str) -> C {
    C::SetModerator {
        by: c(by),
        channel: channel.into(),
        target_name: target.into(),
    }
}

fn speak(i: u32, channel: &str) -> C {
    C::Speak {
        id: c(i),
        channel: channel.into(),
    }
}

fn rights(name: &str, flags: u32, speak_delay_s: u32, moderators: Vec<u32>) -> C {
    C::SetRights {
        name: name.into(),
        flags,
        speak_delay_s,
        join_message: String::new(),
        delay_message: String::new(),
        moderators,
    }
}

fn key(name: &str) -> ChannelKey {
    ChannelKey {
        realm: 1,
        team: Team::Alliance,
        name: name.to_lowercase(),
    }
}

fn notice(n: N) -> Error {
    Error::Channel(n)
}

fn invalid(field: &str, reason: &str) -> Error {
    Error::InvalidArgument {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The channel events of the last entry.
fn events(sim: &Sim) -> Vec<E> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            Event::Channel(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn mode(channel: &str, target: u32, by: Option<u32>, old: u8, new: u8) -> E {
    E::Notify {
        channel: key(channel),
        notice: N::ModeChange,
        target: Some(c(target)),
        by: by.map(c),
        flags: Some((old, new)),
    }
}

fn note(channel: &str, n: N, target: Option<u32>, by: u32) -> E {
    E::Notify {
        channel: key(channel),
        notice: n,
        target: target.map(c),
        by: Some(c(by)),
        flags: None,
    }
}

fn left(channel: &str, i: u32, reason: LeaveReason, announce: bool) -> E {
    E::Left {
        channel: key(channel),
        channel_id: 0,
        id: c(i),
        name: name_of(i),
        gateway: "gw1".into(),
        reason,
        announce,
    }
}

fn owner_changed(channel: &str, old: Option<u32>, new: Option<u32>) -> E {
    E::OwnerChanged {
        channel: key(channel),
        old: old.map(c),
        new: new.map(c),
    }
}

fn q(sim: &Sim, query: Q) -> Result<QR, Error> {
    match sim.query(Query::Channel(query))? {
        QueryResponse::Channel(r) => Ok(r),
        other => panic!("not a channel answer: {other:?}"),
    }
}

fn info(sim: &Sim, name: &str) -> Option<ChannelInfo> {
    match q(
        sim,
        Q::Channel {
            realm: 1,
            team: Team::Alliance,
            name: name.into(),
        },
    ) {
        Ok(QR::Channel(i)) => i,
        other => panic!("channel query answered {other:?}"),
    }
}

fn roster(sim: &Sim, name: &str) -> Vec<(CharacterId, u8)> {
    match q(
        sim,
        Q::Members {
            realm: 1,
            team: Team::Alliance,
            name: name.into(),
        },
    ) {
        Ok(QR::Members(ms)) => ms.into_iter().map(|m| (m.id, m.flags)).collect(),
        other => panic!("members query answered {other:?}"),
    }
}

fn bans(sim: &Sim, name: &str) -> Vec<Ban> {
    match q(
        sim,
        Q::Bans {
            realm: 1,
            team: Team::Alliance,
            name: name.into(),
        },
    ) {
        Ok(QR::Bans(b)) => b,
        other => panic!("bans query answered {other:?}"),
    }
}

fn invariants(sim: &Sim) {
    if let Err(e) = check_invariants(&sim.state) {
        panic!("channel invariant broken: {e}");
    }
}

fn set_config(sim: &mut Sim, f: impl FnOnce(&mut ChannelConfig)) {
    let mut config = ClusterConfig::default();
    f(&mut config.channel);
    sim.ok(Command::SetConfig(config));
}

/// A horde character 100 ("Grom", account 100), online on gw1.
fn horde(sim: &mut Sim) -> CharacterId {
    let id = c(100);
    sim.account(100);
    sim.character(id, 100, "Grom", ORC);
    sim.login(id, "gw1");
    id
}

#[test]
fn custom_channel_first_joiner_owns_it_and_gets_a_counter_id() {
    let mut sim = online(3);
    let t0 = sim.now_ms;

    // Alice creates "World": custom id 1 from the counter, she owns it.
    let r = sim.ok(join(1, "World"));
    let world = ChannelInfo {
        key: key("World"),
        name: "World".into(),
        channel_id: 0,
        custom_id: 1,
        flags: cf::CUSTOM,
        members: 1,
        owner: Some(c(1)),
        has_password: false,
        announce: true,
        moderation: false,
        last_used_ms: t0,
    };
    assert_eq!(
        r,
        Response::Channel(R::Joined {
            channel: world.clone(),
            member_flags: mf::OWNER | mf::MODERATOR,
            join_message: String::new(),
            rejoin: false,
        })
    );
    assert_eq!(
        events(&sim),
        vec![
            E::Joined {
                channel: key("World"),
                channel_id: 0,
                id: c(1),
                name: "Alice".into(),
                gateway: "gw1".into(),
                flags: mf::OWNER | mf::MODERATOR,
                announce: true,
            },
            owner_changed("World", None, Some(1)),
        ]
    );

    // Bob joins by another casing: same channel, no ownership, last_used refreshed.
    sim.advance(1000);
    let r = sim.ok(join(2, "WORLD"));
    let world = ChannelInfo {
        members: 2,
        last_used_ms: t0 + 1000,
        ..world
    };
    assert_eq!(
        r,
        Response::Channel(R::Joined {
            channel: world.clone(),
            member_flags: 0,
            join_message: String::new(),
            rejoin: false,
        })
    );
    assert_eq!(
        events(&sim),
        vec![E::Joined {
            channel: key("World"),
            channel_id: 0,
            id: c(2),
            name: "Bob".into(),
            gateway: "gw1".into(),
            flags: 0,
            announce: true,
        }]
    );

    // Joining a custom channel twice is PLAYER_ALREADY_MEMBER.
    assert_eq!(sim.err(join(1, "world")), notice(N::PlayerAlreadyMember));

    // The next custom channel takes the next id.
    match sim.ok(join(3, "Other")) {
        Response::Channel(R::Joined { channel, .. }) => assert_eq!(channel.custom_id, 2),
        other => panic!("join answered {other:?}"),
    }

    // Queries: the channel, its roster with names, a character's channels.
    assert_eq!(info(&sim, "world"), Some(world));
    assert_eq!(
        q(
            &sim,
            Q::Members {
                realm: 1,
                team: Team::Alliance,
                name: "World".into()
            }
        ),
        Ok(QR::Members(vec![
            MemberInfo {
                id: c(1),
                name: "Alice".into(),
                flags: mf::OWNER | mf::MODERATOR
            },
            MemberInfo {
                id: c(2),
                name: "Bob".into(),
                flags: 0
            },
        ]))
    );
    assert_eq!(
        q(&sim, Q::ChannelsOf { id: c(1) }),
        Ok(QR::ChannelsOf(vec![Membership {
            channel: key("World"),
            name: "World".into(),
            channel_id: 0,
            member_flags: mf::OWNER | mf::MODERATOR,
        }]))
    );
    // The horde has its own channel of that name (none yet).
    assert_eq!(
        q(
            &sim,
            Q::Channel {
                realm: 1,
                team: Team::Horde,
                name: "World".into()
            }
        ),
        Ok(QR::Channel(None))
    );
    assert_eq!(
        q(
            &sim,
            Q::Members {
                realm: 1,
                team: Team::Horde,
                name: "World".into()
            }
        ),
        Err(Error::NotFound {
            what: "channel world of realm 1 team Horde".into()
        })
    );
    invariants(&sim);
}

#[test]
fn built_in_channels_have_dbc_flags_no_owner_and_idempotent_rejoin() {
    let mut sim = online(2);
    for (id, flags) in [
        (1, 0x18),
        (2, 0x3C),
        (22, 0x18),
        (23, 0x18),
        (25, 0x38),
        (26, 0x50),
    ] {
        let name = format!("Chan{id}");
        let r = sim.ok(join_built_in(1, &name, id));
        assert_eq!(
            r,
            Response::Channel(R::Joined {
                channel: ChannelInfo {
                    key: key(&name),
                    name: name.clone(),
                    channel_id: id,
                    custom_id: 0,
                    flags,
                    members: 1,
                    owner: None,
                    has_password: false,
                    announce: false,
                    moderation: false,
                    last_used_ms: sim.now_ms,
                },
                member_flags: 0,
                join_message: String::new(),
                rejoin: false,
            }),
            "channel id {id}"
        );
        assert_eq!(
            events(&sim),
            vec![E::Joined {
                channel: key(&name),
                channel_id: id,
                id: c(1),
                name: "Alice".into(),
                gateway: "gw1".into(),
                flags: 0,
                announce: false,
            }]
        );
    }
    assert_eq!(
        sim.err(join_built_in(1, "Chan3", 3)),
        invalid(
            "channel_id",
            "3 is neither 0 (custom) nor a built-in channel id (1, 2, 22, 23, 25, 26)"
        )
    );

    // Re-joining a built-in channel (worldserver redirect) changes nothing and says nothing.
    let before = sim.state.clone();
    let applied = sim.apply_entry(Entry::new(
        sim.now_ms,
        Command::Channel(join_built_in(1, "Chan2", 2)),
    ));
    assert_eq!(applied.mutations, vec![]);
    assert_eq!(applied.events, vec![]);
    assert_eq!(sim.state, before);
    match applied.response {
        Ok(Response::Channel(R::Joined {
            rejoin,
            member_flags,
            ..
        })) => assert_eq!((rejoin, member_flags), (true, 0)),
        other => panic!("re-join answered {other:?}"),
    }

    // A join to a busy built-in channel writes the member, its two index entries and the
    // counter, never the channel record.
    let applied = sim.apply_entry(Entry::new(
        sim.now_ms,
        Command::Channel(join_built_in(2, "Chan2", 2)),
    ));
    let tags: Vec<u8> = applied.mutations.iter().map(|m| m.key()[0]).collect();
    assert_eq!(
        tags,
        vec![CHANNEL_STATS, MEMBER, MEMBER_BY_SEQ, CHANNELS_OF]
    );

    // Nobody moderates a built-in channel.
    assert_eq!(sim.err(kick(2, "Chan2", "Alice")), notice(N::NotModerator));
    assert_eq!(
        sim.err(C::ToggleAnnouncements {
            by: c(2),
            channel: "Chan2".into()
        }),
        notice(N::NotModerator)
    );
    assert_eq!(
        sim.err(C::SetPassword {
            by: c(2),
            channel: "Chan2".into(),
            password: "x".into()
        }),
        notice(N::NotOwner)
    );

    // Leaving with the channel id: a wrong id is NOT_MEMBER, an unknown one invalid.
    let leave_id = |id| C::Leave {
        id: c(1),
        name: "Chan2".into(),
        channel_id: Some(id),
    };
    assert_eq!(sim.err(leave_id(1)), notice(N::NotMember));
    assert_eq!(
        sim.err(leave_id(7)),
        invalid(
            "channel_id",
            "7 is neither 0 (custom) nor a built-in channel id (1, 2, 22, 23, 25, 26)"
        )
    );
    sim.ok(leave_id(2));
    let gone = |i, id| E::Left {
        channel: key(&format!("Chan{id}")),
        channel_id: id,
        id: c(i),
        name: name_of(i),
        gateway: "gw1".into(),
        reason: LeaveReason::Left,
        announce: false,
    };
    assert_eq!(events(&sim), vec![gone(1, 2)]);

    // The last member out of a built-in channel takes the channel with it.
    sim.ok(leave(1, "Chan1"));
    assert_eq!(
        events(&sim),
        vec![
            gone(1, 1),
            E::ChannelDeleted {
                channel: key("Chan1"),
                custom_id: 0,
                reason: DeleteReason::Empty,
            }
        ]
    );
    assert_eq!(info(&sim, "Chan1"), None);
    assert_eq!(sim.err(leave(1, "Chan1")), notice(N::NotMember));
    invariants(&sim);
}

#[test]
fn names_passwords_and_target_names_are_checked() {
    let mut sim = online(2);
    sim.account(3);
    sim.character(c(3), 3, "Carol", HUMAN);
    assert_eq!(sim.err(join(1, "")), notice(N::InvalidName));
    assert_eq!(sim.err(join(1, "1st")), notice(N::InvalidName));
    let name_128 = "n".repeat(128);
    sim.ok(join(1, &name_128));
    let name_129 = "n".repeat(129);
    let too_long = invalid("name", "is 129 bytes, the limit is 128 bytes");
    assert_eq!(sim.err(join(1, &name_129)), too_long);
    assert_eq!(sim.err(leave(1, &name_129)), too_long);
    assert_eq!(
        q(
            &sim,
            Q::Channel {
                realm: 1,
                team: Team::Alliance,
                name: name_129.clone()
            }
        ),
        Err(too_long)
    );
    assert_eq!(
        sim.err(kick(1, &name_129, "Bob")),
        invalid("channel", "is 129 bytes, the limit is 128 bytes")
    );
    sim.ok(join_pw(1, "Pw", &"p".repeat(32)));
    assert_eq!(
        sim.err(join_pw(1, "Pw2", &"p".repeat(33))),
        invalid("password", "is 33 bytes, the limit is 32 bytes")
    );
    assert_eq!(
        sim.err(kick(1, "Pw", "Abcdefghijklm")),
        invalid(
            "target_name",
            "is 13 characters, the limit is 12 characters"
        )
    );
    // Only online characters join.
    assert_eq!(
        sim.err(join(3, "Pw")),
        Error::NotFound {
            what: "online character 1:3".into()
        }
    );
    invariants(&sim);
}

#[test]
fn passwords_are_set_by_the_owner_and_guard_the_join() {
    let mut sim = online(3);
    sim.ok(join(1, "Secret"));
    sim.ok(C::SetPassword {
        by: c(1),
        channel: "Secret".into(),
        password: "pw".into(),
    });
    assert_eq!(
        events(&sim),
        vec![note("Secret", N::PasswordChanged, None, 1)]
    );
    assert_eq!(info(&sim, "Secret").map(|i| i.has_password), Some(true));
    assert_eq!(sim.err(join(2, "Secret")), notice(N::WrongPassword));
    assert_eq!(
        sim.err(join_pw(2, "Secret", "nope")),
        notice(N::WrongPassword)
    );
    sim.ok(join_pw(2, "Secret", "pw"));

    let set_pw = |by, pw: &str| C::SetPassword {
        by: c(by),
        channel: "Secret".into(),
        password: pw.into(),
    };
    assert_eq!(sim.err(set_pw(2, "mine")), notice(N::NotOwner));
    assert_eq!(sim.err(set_pw(3, "mine")), notice(N::NotMember));
    assert_eq!(
        sim.err(set_pw(1, &"p".repeat(33))),
        invalid("password", "is 33 bytes, the limit is 32 bytes")
    );
    // An empty password removes it.
    sim.ok(set_pw(1, ""));
    sim.ok(join(3, "Secret"));
    // Rights may forbid password changes (AC answers NOT_MODERATOR).
    sim.ok(rights("Secret", rf::CANT_CHANGE_PASSWORD, 0, vec![]));
    assert_eq!(sim.err(set_pw(1, "pw")), notice(N::NotModerator));
    invariants(&sim);
}

#[test]
fn owner_leaving_hands_off_to_a_moderator_then_the_earliest_joiner() {
    let mut sim = online(4);
    for i in 1..=4 {
        sim.ok(join(i, "Guild"));
    }
    sim.ok(set_mod(1, "Guild", "Carol"));
    assert_eq!(
        events(&sim),
        vec![mode("Guild", 3, Some(1), 0, mf::MODERATOR)]
    );

    // Alice leaves: Carol (moderator) beats Bob (earlier joiner).
    sim.ok(leave(1, "Guild"));
    assert_eq!(
        events(&sim),
        vec![
            left("Guild", 1, LeaveReason::Left, true),
            mode("Guild", 3, None, mf::MODERATOR, mf::OWNER | mf::MODERATOR),
            owner_changed("Guild", Some(1), Some(3)),
        ]
    );
    // Carol leaves: no moderator left, Bob joined first.
    sim.ok(leave(3, "Guild"));
    assert_eq!(
        events(&sim),
        vec![
            left("Guild", 3, LeaveReason::Left, true),
            mode("Guild", 2, None, 0, mf::OWNER | mf::MODERATOR),
            owner_changed("Guild", Some(3), Some(2)),
        ]
    );
    sim.ok(leave(2, "Guild"));
    assert_eq!(
        roster(&sim, "Guild"),
        vec![(c(4), mf::OWNER | mf::MODERATOR)]
    );

    // The last one out clears the owner; the custom channel is preserved, empty.
    sim.advance(5000);
    sim.ok(leave(4, "Guild"));
    assert_eq!(
        events(&sim),
        vec![
            left("Guild", 4, LeaveReason::Left, true),
            owner_changed("Guild", Some(4), None),
        ]
    );
    let empty = info(&sim, "Guild").expect("preserved");
    assert_eq!(
        (
            empty.members,
            empty.owner,
            empty.last_used_ms,
            empty.custom_id
        ),
        (0, None, sim.now_ms, 1)
    );
    assert_eq!(sim.err(leave(4, "Guild")), notice(N::NotMember));
    invariants(&sim);

    // The next joiner owns it again.
    sim.ok(join(2, "Guild"));
    assert_eq!(
        roster(&sim, "Guild"),
        vec![(c(2), mf::OWNER | mf::MODERATOR)]
    );
    invariants(&sim);
}

#[test]
fn kick_needs_a_moderator_and_only_the_owner_kicks_the_owner() {
    let mut sim = online(4);
    for i in 1..=3 {
        sim.ok(join(i, "Arena"));
    }
    sim.ok(set_mod(1, "Arena", "Bob"));
    assert_eq!(sim.err(kick(4, "Arena", "Carol")), notice(N::NotMember));
    assert_eq!(sim.err(kick(3, "Arena", "Bob")), notice(N::NotModerator));
    assert_eq!(
        sim.err(kick(2, "Arena", "Nobody")),
        notice(N::PlayerNotFound)
    );
    assert_eq!(sim.err(kick(2, "Arena", "Dave")), notice(N::PlayerNotFound));
    assert_eq!(sim.err(kick(2, "Arena", "Alice")), notice(N::NotOwner));

    sim.ok(kick(2, "Arena", "carol"));
    assert_eq!(
        events(&sim),
        vec![
            note("Arena", N::PlayerKicked, Some(3), 2),
            left("Arena", 3, LeaveReason::Kicked, true),
        ]
    );
    // The owner kicking herself hands ownership on.
    sim.ok(join(3, "Arena"));
    sim.ok(kick(1, "Arena", "Alice"));
    assert_eq!(
        events(&sim),
        vec![
            note("Arena", N::PlayerKicked, Some(1), 1),
            left("Arena", 1, LeaveReason::Kicked, true),
            mode("Arena", 2, None, mf::MODERATOR, mf::OWNER | mf::MODERATOR),
            owner_changed("Arena", Some(1), Some(2)),
        ]
    );

    // Rights CANT_KICK stop ordinary moderators (NOT_MODERATOR)...
    sim.ok(rights("Arena", rf::CANT_KICK, 0, vec![4]));
    assert_eq!(sim.err(kick(2, "Arena", "Carol")), notice(N::NotModerator));
    // ...but not a rights moderator, who may even kick the owner and then owns the channel.
    sim.ok(join(4, "Arena"));
    assert_eq!(roster(&sim, "Arena")[2], (c(4), mf::MODERATOR));
    sim.ok(kick(4, "Arena", "Bob"));
    assert_eq!(
        events(&sim),
        vec![
            note("Arena", N::PlayerKicked, Some(2), 4),
            left("Arena", 2, LeaveReason::Kicked, true),
            mode("Arena", 4, None, mf::MODERATOR, mf::OWNER | mf::MODERATOR),
            owner_changed("Arena", Some(2), Some(4)),
        ]
    );
    // A rights moderator cannot be kicked by an ordinary moderator.
    sim.ok(rights("Arena", 0, 0, vec![2, 4]));
    sim.ok(join(1, "Arena"));
    sim.ok(join(2, "Arena"));
    sim.ok(set_mod(4, "Arena", "Alice"));
    assert_eq!(sim.err(kick(1, "Arena", "Bob")), notice(N::NotModerator));
    assert_eq!(
        roster(&sim, "Arena"),
        vec![
            (c(1), mf::MODERATOR),
            (c(2), mf::MODERATOR),
            (c(3), 0),
            (c(4), mf::OWNER | mf::MODERATOR)
        ]
    );
    invariants(&sim);
}

#[test]
fn ban_removes_the_member_and_blocks_joins_until_it_expires() {
    let mut sim = online(3);
    for i in 1..=3 {
        sim.ok(join(i, "Pvp"));
    }
    let t0 = sim.now_ms;
    sim.ok(ban(1, "Pvp", "Bob"));
    assert_eq!(
        events(&sim),
        vec![
            note("Pvp", N::PlayerBanned, Some(2), 1),
            left("Pvp", 2, LeaveReason::Banned, true),
        ]
    );
    let bob_ban = Ban {
        id: c(2),
        by: c(1),
        banned_ms: t0,
        until_ms: t0 + BAN_MS,
    };
    assert_eq!(bans(&sim, "Pvp"), vec![bob_ban]);
    assert_eq!(sim.err(join(2, "Pvp")), notice(N::Banned));
    // An ex-member is no target for an ordinary moderator's ban.
    assert_eq!(sim.err(ban(1, "Pvp", "Bob")), notice(N::PlayerNotFound));
    assert_eq!(sim.err(ban(3, "Pvp", "Alice")), notice(N::NotModerator));
    sim.ok(set_mod(1, "Pvp", "Carol"));
    assert_eq!(sim.err(ban(3, "Pvp", "Alice")), notice(N::NotOwner));
    sim.ok(rights("Pvp", rf::CANT_BAN, 0, vec![]));
    assert_eq!(sim.err(ban(1, "Pvp", "Carol")), notice(N::NotModerator));
    sim.ok(C::RemoveRights { name: "pvp".into() });
    invariants(&sim);

    // Sixty days, to the millisecond.
    sim.advance(BAN_MS - 1);
    assert_eq!(sim.err(join(2, "Pvp")), notice(N::Banned));
    let invite_bob = C::Invite {
        by: c(1),
        channel: "Pvp".into(),
        target_name: "Bob".into(),
    };
    assert_eq!(sim.err(invite_bob.clone()), notice(N::PlayerInviteBanned));
    sim.advance(1);
    assert_eq!(bans(&sim, "Pvp"), vec![], "an expired ban is not listed");
    assert_eq!(sim.err(unban(1, "Pvp", "Bob")), notice(N::PlayerNotBanned));
    sim.ok(invite_bob);
    sim.ok(join(2, "Pvp"));
    invariants(&sim); // the expired record went with the join

    // The sweep removes expired bans, oldest first, and reports how many.
    sim.ok(ban(1, "Pvp", "Carol"));
    assert_eq!(bans(&sim, "Pvp").len(), 1);
    sim.advance(BAN_MS);
    assert_eq!(bans(&sim, "Pvp"), vec![]);
    assert_eq!(
        sim.ok(C::ExpireBans),
        Response::Channel(R::BansExpired { bans: 1 })
    );
    assert_eq!(
        sim.ok(C::ExpireBans),
        Response::Channel(R::BansExpired { bans: 0 })
    );
    invariants(&sim);
}

#[test]
fn rights_moderators_ban_offline_characters_of_their_faction() {
    let mut sim = online(2);
    sim.account(4);
    sim.character(c(4), 4, "Dave", HUMAN);
    horde(&mut sim);
    sim.ok(rights("Hall", 0, 0, vec![1]));
    sim.ok(join(1, "Hall"));
    let t0 = sim.now_ms;
    sim.ok(ban(1, "Hall", "Dave"));
    assert_eq!(
        events(&sim),
        vec![note("Hall", N::PlayerBanned, Some(4), 1)]
    );
    assert_eq!(
        bans(&sim, "Hall"),
        vec![Ban {
            id: c(4),
            by: c(1),
            banned_ms: t0,
            until_ms: t0 + BAN_MS
        }]
    );
    // Banning again changes nothing.
    sim.ok(ban(1, "Hall", "Dave"));
    assert_eq!(events(&sim), vec![]);
    assert_eq!(sim.err(ban(1, "Hall", "Grom")), notice(N::WrongFaction));
    assert_eq!(sim.err(ban(1, "Hall", "Nobody")), notice(N::PlayerNotFound));
    invariants(&sim);
}

#[test]
fn unban_finds_ex_members_by_name() {
    let mut sim = online(3);
    for i in 1..=3 {
        sim.ok(join(i, "Hall"));
    }
    sim.ok(ban(1, "Hall", "Bob"));
    sim.logout(c(2), "gw1");
    assert_eq!(sim.err(unban(3, "Hall", "Bob")), notice(N::NotModerator));
    sim.ok(rights("Hall", rf::CANT_BAN, 0, vec![]));
    assert_eq!(sim.err(unban(1, "Hall", "Bob")), notice(N::NotModerator));
    // A rights moderator is exempt from CANT_BAN.
    sim.ok(rights("Hall", rf::CANT_BAN, 0, vec![1]));
    sim.ok(unban(1, "Hall", "bob"));
    assert_eq!(
        events(&sim),
        vec![note("Hall", N::PlayerUnbanned, Some(2), 1)]
    );
    assert_eq!(bans(&sim, "Hall"), vec![]);
    assert_eq!(sim.err(unban(1, "Hall", "Bob")), notice(N::PlayerNotBanned));
    assert_eq!(
        sim.err(unban(1, "Hall", "Nobody")),
        notice(N::PlayerNotFound)
    );
    sim.login(c(2), "gw1");
    sim.ok(join(2, "Hall"));
    invariants(&sim);
}

#[test]
fn moderator_flags_are_the_owners_and_mutes_the_moderators() {
    let mut sim = online(4);
    for i in 1..=3 {
        sim.ok(join(i, "Tavern"));
    }
    assert_eq!(sim.err(set_mod(2, "Tavern", "Carol")), notice(N::NotOwner));
    assert_eq!(sim.err(set_mod(4, "Tavern", "Carol")), notice(N::NotMember));
    assert_eq!(
        sim.err(set_mod(1, "Tavern", "Dave")),
        notice(N::PlayerNotFound)
    );
    // The owner stays a moderator: (un)setting her is a no-op.
    let unset_mod = |by, target: &str| C::UnsetModerator {
        by: c(by),
        channel: "Tavern".into(),
        target_name: target.into(),
    };
    sim.ok(unset_mod(1, "Alice"));
    assert_eq!(events(&sim), vec![]);
    sim.ok(set_mod(1, "Tavern", "Bob"));
    assert_eq!(
        events(&sim),
        vec![mode("Tavern", 2, Some(1), 0, mf::MODERATOR)]
    );
    sim.ok(set_mod(1, "Tavern", "Bob"));
    assert_eq!(events(&sim), vec![], "no change, no notice");
    sim.ok(unset_mod(1, "Bob"));
    assert_eq!(
        events(&sim),
        vec![mode("Tavern", 2, Some(1), mf::MODERATOR, 0)]
    );

    let mute = |by, target: &str, set: bool| {
        let (by, channel, target_name) = (c(by), "Tavern".to_string(), target.to_string());
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
    };
    assert_eq!(sim.err(mute(3, "Bob", true)), notice(N::NotModerator));
    sim.ok(set_mod(1, "Tavern", "Bob"));
    sim.ok(mute(2, "Carol", true));
    assert_eq!(events(&sim), vec![mode("Tavern", 3, Some(2), 0, mf::MUTED)]);
    assert_eq!(sim.err(speak(3, "Tavern")), notice(N::Muted));
    assert_eq!(sim.err(mute(2, "Alice", true)), notice(N::NotOwner));
    assert_eq!(sim.err(mute(2, "Dave", true)), notice(N::PlayerNotFound));
    sim.ok(mute(2, "Carol", false));
    assert_eq!(events(&sim), vec![mode("Tavern", 3, Some(2), mf::MUTED, 0)]);

    // CANT_MUTE binds ordinary moderators, not rights moderators; rights moderators keep
    // their flag whatever the owner says.
    sim.ok(rights("Tavern", rf::CANT_MUTE, 0, vec![4]));
    sim.ok(join(4, "Tavern"));
    assert_eq!(sim.err(mute(2, "Carol", true)), notice(N::NotModerator));
    sim.ok(mute(4, "Carol", true));
    assert_eq!(events(&sim), vec![mode("Tavern", 3, Some(4), 0, mf::MUTED)]);
    sim.ok(unset_mod(1, "Dave"));
    assert_eq!(events(&sim), vec![]);
    assert_eq!(
        roster(&sim, "Tavern"),
        vec![
            (c(1), mf::OWNER | mf::MODERATOR),
            (c(2), mf::MODERATOR),
            (c(3), mf::MUTED),
            (c(4), mf::MODERATOR)
        ]
    );
    invariants(&sim);
}

#[test]
fn set_owner_flips_both_members_in_one_entry() {
    let mut sim = online(3);
    for i in 1..=3 {
        sim.ok(join(i, "Keep"));
    }
    let set_owner = |by, target: &str| C::SetOwner {
        by: c(by),
        channel: "Keep".into(),
        target_name: target.into(),
    };
    assert_eq!(sim.err(set_owner(2, "Carol")), notice(N::NotOwner));
    assert_eq!(sim.err(set_owner(1, "Dave")), notice(N::PlayerNotFound));
    sim.ok(set_owner(1, "Alice"));
    assert_eq!(events(&sim), vec![]);
    sim.ok(set_owner(1, "Bob"));
    assert_eq!(
        events(&sim),
        vec![
            mode("Keep", 1, Some(1), mf::OWNER | mf::MODERATOR, mf::MODERATOR),
            mode("Keep", 2, Some(1), 0, mf::OWNER | mf::MODERATOR),
            owner_changed("Keep", Some(1), Some(2)),
        ]
    );
    assert_eq!(
        roster(&sim, "Keep"),
        vec![
            (c(1), mf::MODERATOR),
            (c(2), mf::OWNER | mf::MODERATOR),
            (c(3), 0)
        ]
    );
    assert_eq!(info(&sim, "Keep").and_then(|i| i.owner), Some(c(2)));
    assert_eq!(sim.err(set_owner(1, "Carol")), notice(N::NotOwner));
    invariants(&sim);
}

#[test]
fn moderation_and_announcement_toggles() {
    let mut sim = online(3);
    sim.ok(join(1, "Quiet"));
    sim.ok(join(2, "Quiet"));
    let moderate = |by| C::ToggleModeration {
        by: c(by),
        channel: "Quiet".into(),
    };
    let announce = |by| C::ToggleAnnouncements {
        by: c(by),
        channel: "Quiet".into(),
    };
    assert_eq!(sim.err(moderate(2)), notice(N::NotModerator));
    assert_eq!(sim.err(moderate(3)), notice(N::NotMember));
    assert_eq!(
        sim.ok(moderate(1)),
        Response::Channel(R::Moderation { enabled: true })
    );
    assert_eq!(events(&sim), vec![note("Quiet", N::ModerationOn, None, 1)]);
    // Moderated: only voiced, moderators and the owner speak.
    assert_eq!(sim.err(speak(2, "Quiet")), notice(N::Muted));
    sim.ok(speak(1, "Quiet"));
    sim.ok(set_mod(1, "Quiet", "Bob"));
    sim.ok(speak(2, "Quiet"));
    assert_eq!(
        sim.ok(moderate(2)),
        Response::Channel(R::Moderation { enabled: false })
    );
    assert_eq!(events(&sim), vec![note("Quiet", N::ModerationOff, None, 2)]);

    assert_eq!(sim.err(announce(3)), notice(N::NotMember));
    assert_eq!(
        sim.ok(announce(1)),
        Response::Channel(R::Announcements { enabled: false })
    );
    assert_eq!(
        events(&sim),
        vec![note("Quiet", N::AnnouncementsOff, None, 1)]
    );
    sim.ok(join(3, "Quiet"));
    assert_eq!(
        events(&sim),
        vec![E::Joined {
            channel: key("Quiet"),
            channel_id: 0,
            id: c(3),
            name: "Carol".into(),
            gateway: "gw1".into(),
            flags: 0,
            announce: false,
        }]
    );
    assert_eq!(sim.err(announce(3)), notice(N::NotModerator));
    assert_eq!(
        sim.ok(announce(1)),
        Response::Channel(R::Announcements { enabled: true })
    );
    assert_eq!(
        events(&sim),
        vec![note("Quiet", N::AnnouncementsOn, None, 1)]
    );

    // Rights that force announcements win over the toggle, which they forbid.
    sim.ok(rights("Quiet", rf::FORCE_NO_ANNOUNCEMENTS, 0, vec![]));
    assert_eq!(info(&sim, "Quiet").map(|i| i.announce), Some(false));
    assert_eq!(sim.err(announce(1)), notice(N::NotModerator));
    sim.ok(rights("Quiet", rf::FORCE_ANNOUNCEMENTS, 0, vec![]));
    assert_eq!(info(&sim, "Quiet").map(|i| i.announce), Some(true));
    assert_eq!(sim.err(announce(1)), notice(N::NotModerator));
    invariants(&sim);
}

#[test]
fn invite_checks_the_target_and_stores_nothing() {
    let mut sim = online(5);
    sim.logout(c(4), "gw1");
    horde(&mut sim);
    sim.ok(join(1, "Club"));
    sim.ok(join(2, "Club"));
    sim.ok(join(5, "Club"));
    sim.ok(ban(1, "Club", "Erin"));
    let invite = |by, target: &str| C::Invite {
        by: c(by),
        channel: "Club".into(),
        target_name: target.into(),
    };
    let before = sim.state.clone();
    sim.ok(invite(2, "carol"));
    assert_eq!(
        events(&sim),
        vec![E::Invited {
            channel: key("Club"),
            channel_name: "Club".into(),
            by: c(2),
            by_name: "Bob".into(),
            target: c(3),
            target_name: "Carol".into(),
            gateway: "gw1".into(),
        }]
    );
    assert_eq!(sim.state, before, "invites are not stored");
    assert_eq!(sim.err(invite(3, "Alice")), notice(N::NotMember));
    assert_eq!(sim.err(invite(1, "Dave")), notice(N::PlayerNotFound));
    assert_eq!(sim.err(invite(1, "Nobody")), notice(N::PlayerNotFound));
    assert_eq!(sim.err(invite(1, "Bob")), notice(N::PlayerAlreadyMember));
    assert_eq!(sim.err(invite(1, "Erin")), notice(N::PlayerInviteBanned));
    assert_eq!(sim.err(invite(1, "Grom")), notice(N::InviteWrongFaction));
    invariants(&sim);
}

#[test]
fn rights_are_per_name_with_account_moderators() {
    let mut sim = online(3);
    sim.ok(C::SetRights {
        name: "Staff".into(),
        flags: rf::NO_OWNERSHIP | rf::CANT_SPEAK,
        speak_delay_s: 0,
        join_message: "Welcome".into(),
        delay_message: "Slow down".into(),
        moderators: vec![2, 2, 1],
    });
    let staff = Rights {
        name: "Staff".into(),
        flags: rf::NO_OWNERSHIP | rf::CANT_SPEAK,
        speak_delay_s: 0,
        join_message: "Welcome".into(),
        delay_message: "Slow down".into(),
        moderators: vec![1, 2],
    };
    assert_eq!(
        q(
            &sim,
            Q::Rights {
                name: "STAFF".into()
            }
        ),
        Ok(QR::Rights(Some(staff)))
    );
    // Account 1 is a rights moderator; NO_OWNERSHIP: nobody owns; CANT_SPEAK: all muted.
    let r = sim.ok(join(1, "staff"));
    assert_eq!(
        r,
        Response::Channel(R::Joined {
            channel: ChannelInfo {
                key: key("Staff"),
                name: "staff".into(),
                channel_id: 0,
                custom_id: 1,
                flags: cf::CUSTOM,
                members: 1,
                owner: None,
                has_password: false,
                announce: true,
                moderation: false,
                last_used_ms: sim.now_ms,
            },
            member_flags: mf::MODERATOR | mf::MUTED,
            join_message: "Welcome".into(),
            rejoin: false,
        })
    );
    assert_eq!(
        events(&sim),
        vec![E::Joined {
            channel: key("Staff"),
            channel_id: 0,
            id: c(1),
            name: "Alice".into(),
            gateway: "gw1".into(),
            flags: mf::MODERATOR | mf::MUTED,
            announce: true,
        }]
    );
    sim.ok(join(3, "Staff"));
    assert_eq!(
        roster(&sim, "Staff"),
        vec![(c(1), mf::MODERATOR | mf::MUTED), (c(3), mf::MUTED)]
    );
    assert_eq!(sim.err(speak(1, "Staff")), notice(N::Muted));

    // Every field is bounded.
    let set = |flags, delay, join: String, delay_msg: String, mods: Vec<u32>| C::SetRights {
        name: "Other".into(),
        flags,
        speak_delay_s: delay,
        join_message: join,
        delay_message: delay_msg,
        moderators: mods,
    };
    let s = |n| "m".repeat(n);
    assert_eq!(
        sim.err(set(0x200, 0, s(0), s(0), vec![])),
        invalid("flags", "0x200 has bits outside the known rights 0x1ff")
    );
    sim.ok(set(rf::ALL, 86_400, s(255), s(255), (1..=64).collect()));
    assert_eq!(
        sim.err(set(0, 86_401, s(0), s(0), vec![])),
        invalid("speak_delay_s", "is 86401 s, the limit is 86400 s")
    );
    assert_eq!(
        sim.err(set(0, 0, s(256), s(0), vec![])),
        invalid("join_message", "is 256 bytes, the limit is 255 bytes")
    );
    assert_eq!(
        sim.err(set(0, 0, s(0), s(256), vec![])),
        invalid("delay_message", "is 256 bytes, the limit is 255 bytes")
    );
    assert_eq!(
        sim.err(set(0, 0, s(0), s(0), (1..=65).collect())),
        invalid("moderators", "has 65 elements, the limit is 64")
    );
    assert_eq!(
        sim.err(rights("9lives", 0, 0, vec![])),
        notice(N::InvalidName)
    );

    sim.ok(C::RemoveRights {
        name: "staff".into(),
    });
    assert_eq!(
        sim.err(C::RemoveRights {
            name: "staff".into()
        }),
        Error::NotFound {
            what: "rights of channel staff".into()
        }
    );
    assert_eq!(
        q(
            &sim,
            Q::Rights {
                name: "Staff".into()
            }
        ),
        Ok(QR::Rights(None))
    );
    invariants(&sim);
}

#[test]
fn speak_answers_the_delivery_list_and_applies_the_speak_delay() {
    let mut sim = Sim::world(4);
    sim.gateway("gw2", 1);
    sim.login(c(1), "gw1");
    sim.login(c(2), "gw1");
    sim.login(c(3), "gw2");
    sim.login(c(4), "gw2");
    for i in 1..=3 {
        sim.ok(join(i, "Market"));
    }
    let deliver = vec![
        Notify {
            id: c(1),
            gateway: "gw1".into(),
        },
        Notify {
            id: c(2),
            gateway: "gw1".into(),
        },
        Notify {
            id: c(3),
            gateway: "gw2".into(),
        },
    ];
    assert_eq!(
        sim.ok(speak(2, "Market")),
        Response::Channel(R::Deliver {
            to: deliver.clone()
        })
    );
    let check = |sim: &Sim, i| {
        q(
            sim,
            Q::SpeakCheck {
                id: c(i),
                channel: "Market".into(),
            },
        )
    };
    assert_eq!(check(&sim, 3), Ok(QR::Deliver(deliver.clone())));
    assert_eq!(sim.err(speak(4, "Market")), notice(N::NotMember));
    assert_eq!(check(&sim, 4), Err(notice(N::NotMember)));

    // A rights speak delay of 10 s, per member, from the entry's time.
    sim.ok(rights("Market", 0, 10, vec![]));
    sim.ok(speak(1, "Market"));
    assert_eq!(sim.err(speak(1, "Market")), notice(N::Throttled));
    assert_eq!(check(&sim, 1), Err(notice(N::Throttled)));
    sim.ok(speak(2, "Market")); // Bob has his own clock
    sim.advance(9_999);
    assert_eq!(sim.err(speak(1, "Market")), notice(N::Throttled));
    sim.advance(1);
    assert_eq!(
        sim.ok(speak(1, "Market")),
        Response::Channel(R::Deliver {
            to: deliver.clone()
        })
    );
    // The read-only check records nothing.
    sim.advance(10_000);
    assert_eq!(check(&sim, 2), Ok(QR::Deliver(deliver.clone())));
    assert_eq!(check(&sim, 2), Ok(QR::Deliver(deliver.clone())));
    sim.ok(speak(2, "Market"));
    assert_eq!(sim.err(speak(2, "Market")), notice(N::Throttled));
    // GM accounts have no delay.
    sim.ok(AccountCommand::SetGmLevel { id: 3, gm_level: 1 });
    sim.ok(speak(3, "Market"));
    sim.ok(speak(3, "Market"));
    invariants(&sim);
}

#[test]
fn speak_touches_last_used_at_most_hourly() {
    let mut sim = online(1);
    sim.ok(join(1, "Chat"));
    let t0 = sim.now_ms;
    let last_used = |sim: &Sim| info(sim, "Chat").map(|i| i.last_used_ms);
    sim.advance(HOUR_MS - 1);
    let before = sim.state.clone();
    sim.ok(speak(1, "Chat"));
    assert_eq!(sim.state, before, "no write within the hour");
    assert_eq!(last_used(&sim), Some(t0));
    sim.advance(1);
    sim.ok(speak(1, "Chat"));
    assert_eq!(last_used(&sim), Some(t0 + HOUR_MS));
    invariants(&sim);
}

#[test]
fn crowded_channels_get_the_anti_spam_delay() {
    let mut sim = online(10);
    for i in 1..=9 {
        sim.ok(join_built_in(i, "Trade - City", 2));
    }
    // Nine members: no delay, and no write.
    sim.ok(speak(1, "Trade - City"));
    let before = sim.state.clone();
    sim.ok(speak(1, "Trade - City"));
    assert_eq!(sim.state, before);
    // Ten members: 5 s between two messages of one member.
    sim.ok(join_built_in(10, "Trade - City", 2));
    sim.ok(speak(1, "Trade - City"));
    assert_eq!(sim.err(speak(1, "Trade - City")), notice(N::Throttled));
    sim.advance(4_999);
    assert_eq!(sim.err(speak(1, "Trade - City")), notice(N::Throttled));
    sim.advance(1);
    sim.ok(speak(1, "Trade - City"));
    // The delay is config: 0 turns it off.
    set_config(&mut sim, |c| c.crowded_speak_delay_ms = 0);
    sim.ok(speak(1, "Trade - City"));
    sim.ok(speak(1, "Trade - City"));
    invariants(&sim);
}

#[test]
fn logout_and_gateway_loss_leave_every_channel_with_hand_off() {
    let mut sim = Sim::world(4);
    sim.gateway("gw2", 1);
    sim.login(c(1), "gw1");
    sim.login(c(2), "gw1");
    sim.login(c(3), "gw2");
    sim.login(c(4), "gw2");
    for i in 1..=4 {
        sim.ok(join(i, "Raid"));
    }
    sim.ok(join_built_in(3, "Trade - City", 2));
    sim.ok(set_mod(1, "Raid", "Dave"));

    // The owner logs out: she leaves, the moderator takes over.
    sim.logout(c(1), "gw1");
    assert_eq!(
        events(&sim),
        vec![
            left("Raid", 1, LeaveReason::LoggedOut, true),
            mode("Raid", 4, None, mf::MODERATOR, mf::OWNER | mf::MODERATOR),
            owner_changed("Raid", Some(1), Some(4)),
        ]
    );
    assert_eq!(
        q(&sim, Q::ChannelsOf { id: c(1) }),
        Ok(QR::ChannelsOf(vec![]))
    );
    invariants(&sim);

    // gw2's lease lapses (gw1 renews): Carol and Dave (the owner) leave in one entry.
    sim.advance(10_000);
    sim.ok(PresenceCommand::RenewGateway {
        gateway: "gw1".into(),
    });
    sim.advance(5_001);
    sim.ok(PresenceCommand::ExpireGateways);
    let on_gw2 = |channel: &str, i, channel_id| E::Left {
        channel: key(channel),
        channel_id,
        id: c(i),
        name: name_of(i),
        gateway: "gw2".into(),
        reason: LeaveReason::LoggedOut,
        announce: channel_id == 0,
    };
    assert_eq!(
        events(&sim),
        vec![
            on_gw2("Raid", 3, 0),
            on_gw2("Trade - City", 3, 2),
            E::ChannelDeleted {
                channel: key("Trade - City"),
                custom_id: 0,
                reason: DeleteReason::Empty,
            },
            on_gw2("Raid", 4, 0),
            mode("Raid", 2, None, 0, mf::OWNER | mf::MODERATOR),
            owner_changed("Raid", Some(4), Some(2)),
        ]
    );
    assert_eq!(
        roster(&sim, "Raid"),
        vec![(c(2), mf::OWNER | mf::MODERATOR)]
    );
    assert_eq!(
        q(&sim, Q::ChannelsOf { id: c(3) }),
        Ok(QR::ChannelsOf(vec![]))
    );
    invariants(&sim);
}

#[test]
fn cleanup_deletes_unused_empty_channels_with_their_bans() {
    let mut sim = online(3);
    sim.ok(join(1, "Old"));
    sim.ok(join(2, "Old"));
    sim.ok(ban(1, "Old", "Bob"));
    sim.ok(leave(1, "Old"));
    let emptied = sim.now_ms;
    assert_eq!(
        info(&sim, "Old").map(|i| (i.members, i.last_used_ms)),
        Some((0, emptied))
    );

    sim.advance(720 * HOUR_MS - 1);
    assert_eq!(
        sim.ok(C::Cleanup),
        Response::Channel(R::CleanedUp {
            channels: 0,
            bans: 0
        })
    );
    sim.advance(1);
    assert_eq!(
        sim.ok(C::Cleanup),
        Response::Channel(R::CleanedUp {
            channels: 1,
            bans: 1
        })
    );
    assert_eq!(
        events(&sim),
        vec![E::ChannelDeleted {
            channel: key("Old"),
            custom_id: 1,
            reason: DeleteReason::Unused,
        }]
    );
    assert_eq!(info(&sim, "Old"), None);
    invariants(&sim);

    // DONT_PRESERVE: gone with the last member.
    sim.ok(rights("Temp", rf::DONT_PRESERVE, 0, vec![]));
    sim.ok(join(1, "Temp"));
    sim.ok(leave(1, "Temp"));
    assert_eq!(
        events(&sim),
        vec![
            left("Temp", 1, LeaveReason::Left, true),
            owner_changed("Temp", Some(1), None),
            E::ChannelDeleted {
                channel: key("Temp"),
                custom_id: 2,
                reason: DeleteReason::Empty,
            },
        ]
    );

    // Preservation off: the same at once, and the sweep clears channels kept before.
    sim.ok(join(1, "Kept"));
    sim.ok(leave(1, "Kept"));
    set_config(&mut sim, |c| c.preserve_custom_channels = false);
    sim.ok(join(1, "Gone"));
    sim.ok(leave(1, "Gone"));
    assert_eq!(info(&sim, "Gone"), None);
    assert!(info(&sim, "Kept").is_some());
    assert_eq!(
        sim.ok(C::Cleanup),
        Response::Channel(R::CleanedUp {
            channels: 1,
            bans: 0
        })
    );
    assert_eq!(info(&sim, "Kept"), None);
    // Ids are never reused.
    match sim.ok(join(1, "Old")) {
        Response::Channel(R::Joined { channel, .. }) => assert_eq!(channel.custom_id, 5),
        other => panic!("join answered {other:?}"),
    }
    invariants(&sim);
}

#[test]
fn a_preserve_duration_of_zero_keeps_empty_channels() {
    let mut sim = online(1);
    set_config(&mut sim, |c| c.preserve_duration_ms = 0);
    sim.ok(join(1, "Forever"));
    sim.ok(leave(1, "Forever"));
    sim.advance(10 * 365 * DAY_MS);
    assert_eq!(
        sim.ok(C::Cleanup),
        Response::Channel(R::CleanedUp {
            channels: 0,
            bans: 0
        })
    );
    assert!(info(&sim, "Forever").is_some());
    invariants(&sim);
}

#[test]
fn deleting_a_character_removes_its_bans() {
    let mut sim = online(3);
    for name in ["One", "Two"] {
        sim.ok(join(1, name));
        sim.ok(join(2, name));
        sim.ok(join(3, name));
        sim.ok(ban(1, name, "Bob"));
        sim.ok(ban(1, name, "Carol"));
    }
    sim.logout(c(2), "gw1");
    sim.ok(CharacterCommand::Delete { id: c(2) });
    for name in ["One", "Two"] {
        assert_eq!(
            bans(&sim, name)
                .into_iter()
                .map(|b| b.id)
                .collect::<Vec<_>>(),
            vec![c(3)]
        );
    }
    invariants(&sim);
}

#[test]
fn two_side_channels_are_shared_by_both_factions() {
    let mut sim = online(1);
    set_config(&mut sim, |c| c.allow_two_side_channel = true);
    let grom = horde(&mut sim);
    sim.ok(join(1, "World"));
    sim.ok(C::Join {
        id: grom,
        name: "World".into(),
        channel_id: 0,
        password: String::new(),
    });
    let neutral = ChannelKey {
        realm: 1,
        team: Team::Neutral,
        name: "world".into(),
    };
    // Either faction's team finds the shared channel.
    for team in [Team::Alliance, Team::Horde] {
        match q(
            &sim,
            Q::Members {
                realm: 1,
                team,
                name: "World".into(),
            },
        ) {
            Ok(QR::Members(ms)) => assert_eq!(
                ms.into_iter().map(|m| m.id).collect::<Vec<_>>(),
                vec![c(1), grom]
            ),
            other => panic!("members answered {other:?}"),
        }
    }
    assert_eq!(
        q(&sim, Q::ChannelsOf { id: grom }),
        Ok(QR::ChannelsOf(vec![Membership {
            channel: neutral,
            name: "World".into(),
            channel_id: 0,
            member_flags: 0,
        }]))
    );
    invariants(&sim);
}

#[test]
fn a_character_is_in_at_most_twenty_channels() {
    let mut sim = online(1);
    let names: Vec<String> = (0..21u8)
        .map(|i| format!("Chan{}", (b'a' + i) as char))
        .collect();
    for name in &names[..20] {
        sim.ok(join(1, name));
    }
    assert_eq!(
        sim.err(join(1, &names[20])),
        invalid("id", "character 1:1 is in 20 channels, the limit is 20")
    );
    invariants(&sim);
}

#[test]
fn members_per_channel_follow_the_config_limit() {
    let mut sim = online(4);
    set_config(&mut sim, |c| c.members_max = 3);
    for i in 1..=3 {
        sim.ok(join(i, "Full"));
    }
    assert_eq!(
        sim.err(join(4, "Full")),
        invalid("name", "channel Full has 3 members, the limit is 3")
    );
    invariants(&sim);
}

#[test]
fn a_channel_holds_at_most_a_thousand_bans() {
    let mut sim = Sim::world(1002);
    sim.login(c(1), "gw1");
    sim.ok(rights("Jail", 0, 0, vec![1]));
    sim.ok(join(1, "Jail"));
    for i in 2..=1001 {
        sim.ok(ban(1, "Jail", &name_of(i)));
    }
    assert_eq!(bans(&sim, "Jail").len(), 1000);
    assert_eq!(
        sim.err(ban(1, "Jail", &name_of(1002))),
        invalid("channel", "channel jail has 1000 bans, the limit is 1000")
    );
    invariants(&sim);
}

#[test]
fn config_defaults_and_validation() {
    assert_eq!(
        ChannelConfig::default(),
        ChannelConfig {
            allow_two_side_channel: false,
            preserve_custom_channels: true,
            preserve_duration_ms: 720 * HOUR_MS,
            ban_duration_ms: 60 * DAY_MS,
            last_used_touch_interval_ms: HOUR_MS,
            crowded_speak_delay_ms: 5_000,
            crowded_members_min: 10,
            members_max: 20_000,
        }
    );
    assert_eq!(ChannelConfig::default().validate(), Ok(()));
    let bad = ChannelConfig {
        members_max: 0,
        ..Default::default()
    };
    assert_eq!(
        bad.validate(),
        Err(invalid(
            "config.channel.members_max",
            "must be in 1..=100000"
        ))
    );
    let bad = ChannelConfig {
        ban_duration_ms: 0,
        ..Default::default()
    };
    assert_eq!(
        bad.validate(),
        Err(invalid(
            "config.channel.ban_duration_ms",
            "must be above 0 ms"
        ))
    );
}

#[test]
fn notices_carry_azerothcore_chat_notify_codes() {
    let codes = [
        (N::WrongPassword, 0x04),
        (N::NotMember, 0x05),
        (N::NotModerator, 0x06),
        (N::PasswordChanged, 0x07),
        (N::PlayerNotFound, 0x09),
        (N::NotOwner, 0x0A),
        (N::ModeChange, 0x0C),
        (N::AnnouncementsOn, 0x0D),
        (N::AnnouncementsOff, 0x0E),
        (N::ModerationOn, 0x0F),
        (N::ModerationOff, 0x10),
        (N::Muted, 0x11),
        (N::PlayerKicked, 0x12),
        (N::Banned, 0x13),
        (N::PlayerBanned, 0x14),
        (N::PlayerUnbanned, 0x15),
        (N::PlayerNotBanned, 0x16),
        (N::PlayerAlreadyMember, 0x17),
        (N::Invite, 0x18),
        (N::InviteWrongFaction, 0x19),
        (N::WrongFaction, 0x1A),
        (N::InvalidName, 0x1B),
        (N::PlayerInvited, 0x1D),
        (N::PlayerInviteBanned, 0x1E),
        (N::Throttled, 0x1F),
    ];
    for (n, code) in codes {
        assert_eq!(n.code(), code, "{n:?}");
        assert_eq!(notice(n).game_code(), Some(code));
    }
}

#[test]
fn a_message_is_not_delivered_to_members_who_ignore_the_sender() {
    use tavern_statemachine::presence::Notify;
    use tavern_statemachine::social::SocialCommand;
    let mut sim = online(3);
    for i in 1..=3 {
        sim.ok(join(i, "Guild"));
    }
    // Carol ignores Alice.
    sim.ok(SocialCommand::AddIgnore {
        owner: c(3),
        name: "Alice".into(),
    });
    let to = |ids: &[u32]| -> Vec<Notify> {
        ids.iter()
            .map(|i| Notify {
                id: c(*i),
                gateway: "gw1".into(),
            })
            .collect()
    };
    assert_eq!(
        sim.ok(speak(1, "Guild")),
        Response::Channel(R::Deliver { to: to(&[1, 2]) })
    );
    assert_eq!(
        sim.ok(speak(2, "Guild")),
        Response::Channel(R::Deliver { to: to(&[1, 2, 3]) })
    );
    sim.ok(SocialCommand::RemoveIgnore {
        owner: c(3),
        ignored: c(1),
    });
    assert_eq!(
        sim.ok(speak(1, "Guild")),
        Response::Channel(R::Deliver { to: to(&[1, 2, 3]) })
    );
}
