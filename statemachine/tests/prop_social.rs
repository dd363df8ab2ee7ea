//! Property test of the social domain: long random sequences of friend, ignore, note and
//! account-friend operations mixed with logins, logouts, character deletes and re-creates,
//! whispers and time. After each step the social invariants must hold and the state must
//! match a small model: every outcome, every list, every notify list.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::presence::{Notify, PresenceCommand, PresenceEvent, PresenceUpdate};
use tavern_statemachine::social::{
    check_invariants, AccountFriendState, FriendResult, SocialCommand, SocialQuery,
    SocialQueryResponse,
};
use tavern_statemachine::testkit::{name_of, Sim, HUMAN, ORC};
use tavern_statemachine::{
    CharacterId, ClusterConfig, Command, Error, Event, Query, QueryResponse, Response,
};

/// Characters in the world: 0..6 on realm 1, 6..8 on realm 2; character `i` has account
/// `i + 1`; indices 2 and 5 are horde.
const K: usize = 8;
/// A small listed-by limit, so random sequences reach it.
const LISTED_BY: usize = 2;

fn realm(i: usize) -> u32 {
    if i < 6 {
        1
    } else {
        2
    }
}

fn id(i: usize) -> CharacterId {
    CharacterId::new(realm(i), i as u32 + 1)
}

fn account(i: usize) -> u32 {
    i as u32 + 1
}

fn race(i: usize) -> u8 {
    if i % 3 == 2 {
        ORC
    } else {
        HUMAN
    }
}

fn name(i: usize) -> String {
    name_of(i as u32 + 1)
}

fn gateway(i: usize) -> &'static str {
    if realm(i) == 1 {
        "gw1"
    } else {
        "gw2"
    }
}

fn target_name(t: usize, qualified: bool) -> String {
    if qualified {
        format!("{}-realm{}", name(t).to_uppercase(), realm(t))
    } else {
        name(t)
    }
}

#[derive(Debug, Clone)]
enum Op {
    AddFriend {
        owner: usize,
        target: usize,
        qualified: bool,
        note_len: usize,
    },
    RemoveFriend {
        owner: usize,
        target: usize,
    },
    SetNote {
        owner: usize,
        target: usize,
        note_len: usize,
    },
    AddIgnore {
        owner: usize,
        target: usize,
        qualified: bool,
    },
    RemoveIgnore {
        owner: usize,
        target: usize,
    },
    Request(usize, usize),
    /// With `aimed`, (a, b) picks one of the pending requests when there is one.
    Accept(usize, usize, bool),
    Decline(usize, usize, bool),
    RemoveAccount(usize, usize),
    Login(usize),
    Logout(usize),
    Delete(usize),
    Recreate(usize),
    Instance(usize, bool),
    Whisper {
        from: usize,
        target: usize,
        qualified: bool,
    },
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0..K;
    prop_oneof![
        5 => (i(), i(), any::<bool>(), 0..60usize).prop_map(|(owner, target, qualified, note_len)| {
            Op::AddFriend { owner, target, qualified, note_len }
        }),
        2 => (i(), i()).prop_map(|(owner, target)| Op::RemoveFriend { owner, target }),
        1 => (i(), i(), 0..60usize)
            .prop_map(|(owner, target, note_len)| Op::SetNote { owner, target, note_len }),
        3 => (i(), i(), any::<bool>())
            .prop_map(|(owner, target, qualified)| Op::AddIgnore { owner, target, qualified }),
        1 => (i(), i()).prop_map(|(owner, target)| Op::RemoveIgnore { owner, target }),
        3 => (i(), i()).prop_map(|(a, b)| Op::Request(a, b)),
        3 => (i(), i(), any::<bool>()).prop_map(|(a, b, aimed)| Op::Accept(a, b, aimed)),
        2 => (i(), i(), any::<bool>()).prop_map(|(a, b, aimed)| Op::Decline(a, b, aimed)),
        1 => (i(), i()).prop_map(|(a, b)| Op::RemoveAccount(a, b)),
        4 => i().prop_map(Op::Login),
        2 => i().prop_map(Op::Logout),
        1 => i().prop_map(Op::Delete),
        1 => i().prop_map(Op::Recreate),
        1 => (i(), any::<bool>()).prop_map(|(i, on)| Op::Instance(i, on)),
        2 => (i(), i(), any::<bool>())
            .prop_map(|(from, target, qualified)| Op::Whisper { from, target, qualified }),
        1 => (1..5_000u64).prop_map(Op::Advance),
    ]
}

/// What a command or query came to, coarse enough to predict.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Friend(FriendResult),
    NotFound,
    Invalid,
    PlayerNotFound,
    Other,
}

fn outcome<T>(r: &Result<T, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(Error::Friend(f)) => Outcome::Friend(*f),
        Err(Error::NotFound { .. }) => Outcome::NotFound,
        Err(Error::InvalidArgument { .. }) => Outcome::Invalid,
        Err(Error::PlayerNotFound) => Outcome::PlayerNotFound,
        Err(_) => Outcome::Other,
    }
}

#[derive(Debug, Clone)]
struct Model {
    exists: [bool; K],
    online: [bool; K],
    instance: [bool; K],
    /// (owner, friend) → note.
    friends: BTreeMap<(usize, usize), String>,
    /// (owner, ignored).
    ignores: BTreeSet<(usize, usize)>,
    /// (account index, other) → state seen from the first.
    accounts: BTreeMap<(usize, usize), AccountFriendState>,
    cross_realm_friends: bool,
    two_side_add_friend: bool,
    whisper_account_friends: bool,
    whisper_instance: bool,
}

impl Model {
    fn resolves(&self, from: usize, t: usize, qualified: bool) -> bool {
        self.exists[t] && (qualified || realm(t) == realm(from))
    }

    fn friend_count(&self, owner: usize) -> usize {
        self.friends.keys().filter(|(o, _)| *o == owner).count()
    }

    fn listed_as_friend(&self, t: usize) -> usize {
        self.friends.keys().filter(|(_, f)| *f == t).count()
    }

    fn ignore_count(&self, owner: usize) -> usize {
        self.ignores.iter().filter(|(o, _)| *o == owner).count()
    }

    fn listed_as_ignored(&self, t: usize) -> usize {
        self.ignores.iter().filter(|(_, f)| *f == t).count()
    }

    fn accepted(&self, a: usize, b: usize) -> bool {
        self.accounts.get(&(a, b)) == Some(&AccountFriendState::Accepted)
    }

    fn add_friend(&mut self, o: usize, t: usize, qualified: bool, note_len: usize) -> Outcome {
        if !self.exists[o] {
            return Outcome::NotFound;
        }
        if !self.resolves(o, t, qualified) || (realm(t) != realm(o) && !self.cross_realm_friends) {
            return Outcome::Friend(FriendResult::NotFound);
        }
        if o == t {
            return Outcome::Friend(FriendResult::SelfFriend);
        }
        if race(o) != race(t) && !self.two_side_add_friend {
            return Outcome::Friend(FriendResult::Enemy);
        }
        if self.friends.contains_key(&(o, t)) {
            return Outcome::Friend(FriendResult::Already);
        }
        if self.friend_count(o) >= 50 {
            return Outcome::Friend(FriendResult::ListFull);
        }
        if self.listed_as_friend(t) >= LISTED_BY {
            return Outcome::Invalid;
        }
        self.friends.insert((o, t), "n".repeat(note_len.min(48)));
        Outcome::Ok
    }

    fn add_ignore(&mut self, o: usize, t: usize, qualified: bool) -> Outcome {
        if !self.exists[o] {
            return Outcome::NotFound;
        }
        if !self.resolves(o, t, qualified) {
            return Outcome::Friend(FriendResult::IgnoreNotFound);
        }
        if o == t {
            return Outcome::Friend(FriendResult::IgnoreSelf);
        }
        if self.ignores.contains(&(o, t)) {
            return Outcome::Friend(FriendResult::IgnoreAlready);
        }
        if self.ignore_count(o) >= 50 {
            return Outcome::Friend(FriendResult::IgnoreFull);
        }
        if self.listed_as_ignored(t) >= LISTED_BY {
            return Outcome::Invalid;
        }
        self.ignores.insert((o, t));
        Outcome::Ok
    }

    fn request(&mut self, a: usize, b: usize) -> Outcome {
        use AccountFriendState::*;
        if a == b {
            return Outcome::Friend(FriendResult::SelfFriend);
        }
        match self.accounts.get(&(a, b)) {
            Some(Accepted | PendingOutgoing) => Outcome::Friend(FriendResult::Already),
            Some(PendingIncoming) => {
                self.accounts.insert((a, b), Accepted);
                self.accounts.insert((b, a), Accepted);
                Outcome::Ok
            }
            None => {
                self.accounts.insert((a, b), PendingOutgoing);
                self.accounts.insert((b, a), PendingIncoming);
                Outcome::Ok
            }
        }
    }

    /// The `(a * K + b)`-th request waiting for an answer, as (asked, requester); or (a, b).
    fn pending_pick(&self, a: usize, b: usize) -> (usize, usize) {
        let pending: Vec<(usize, usize)> = self
            .accounts
            .iter()
            .filter(|(_, s)| **s == AccountFriendState::PendingIncoming)
            .map(|(pair, _)| *pair)
            .collect();
        match pending.len() {
            0 => (a, b),
            n => pending[(a * K + b) % n],
        }
    }

    fn answer_request(&mut self, a: usize, b: usize, accept: bool) -> Outcome {
        if self.accounts.get(&(a, b)) != Some(&AccountFriendState::PendingIncoming) {
            return Outcome::NotFound;
        }
        if accept {
            self.accounts.insert((a, b), AccountFriendState::Accepted);
            self.accounts.insert((b, a), AccountFriendState::Accepted);
        } else {
            self.accounts.remove(&(a, b));
            self.accounts.remove(&(b, a));
        }
        Outcome::Ok
    }

    fn delete(&mut self, i: usize) -> Outcome {
        if !self.exists[i] || self.online[i] {
            return Outcome::Other;
        }
        self.exists[i] = false;
        self.friends.retain(|(o, f), _| *o != i && *f != i);
        self.ignores.retain(|(o, f)| *o != i && *f != i);
        Outcome::Ok
    }

    /// Who is told when `i` comes online or goes offline.
    fn notify(&self, i: usize) -> Vec<Notify> {
        let mut out = BTreeSet::new();
        for (o, f) in self.friends.keys() {
            if *f == i && self.online[*o] && race(*o) == race(i) {
                out.insert(*o);
            }
        }
        for j in 0..K {
            if self.online[j] && self.accepted(i, j) {
                out.insert(j);
            }
        }
        out.remove(&i);
        let mut v: Vec<Notify> = out
            .into_iter()
            .map(|j| Notify {
                id: id(j),
                gateway: gateway(j).into(),
            })
            .collect();
        v.sort_by_key(|n| n.id);
        v
    }

    fn whisper(&self, from: usize, t: usize, qualified: bool) -> Result<CharacterId, Outcome> {
        if !self.exists[from] {
            return Err(Outcome::NotFound);
        }
        if !self.resolves(from, t, qualified) || !self.online[t] {
            return Err(Outcome::PlayerNotFound);
        }
        if realm(t) != realm(from) {
            let friends = self.whisper_account_friends && self.accepted(from, t);
            let instance = self.whisper_instance
                && self.instance[t]
                && self.online[from]
                && self.instance[from];
            if !friends && !instance {
                return Err(Outcome::PlayerNotFound);
            }
        }
        if self.ignores.contains(&(t, from)) {
            return Err(Outcome::PlayerNotFound);
        }
        Ok(id(t))
    }
}

fn social(sim: &Sim, q: SocialQuery) -> Result<SocialQueryResponse, Error> {
    match sim.query(Query::Social(q))? {
        QueryResponse::Social(r) => Ok(r),
        other => panic!("not a social answer: {other:?}"),
    }
}

fn create(sim: &mut Sim, i: usize) -> Result<Response, Error> {
    sim.run(CharacterCommand::Create {
        id: id(i),
        account: account(i),
        name: name(i),
        race: race(i),
        class: 1,
        gender: 0,
        level: 80,
    })
}

/// The presence event of `i` with its notify list, from the last entry's events.
fn presence_notify(sim: &Sim, i: usize, coming_online: bool) -> Option<Vec<Notify>> {
    sim.events.iter().rev().find_map(|e| match e {
        Event::Presence(PresenceEvent::Online { presence, notify })
            if coming_online && presence.id == id(i) =>
        {
            Some(notify.clone())
        }
        Event::Presence(PresenceEvent::Offline {
            id: who, notify, ..
        }) if !coming_online && *who == id(i) => Some(notify.clone()),
        _ => None,
    })
}

/// The state against the model: every friend list (ids and notes), ignore list and account
/// friend list.
fn compare(sim: &Sim, model: &Model) -> Result<(), TestCaseError> {
    for i in 0..K {
        let q = social(sim, SocialQuery::FriendList { owner: id(i) });
        if !model.exists[i] {
            prop_assert_eq!(outcome(&q), Outcome::NotFound);
            continue;
        }
        let Ok(SocialQueryResponse::FriendList { friends, ignores }) = q else {
            return Err(TestCaseError::fail(format!("friend list of {i}: {q:?}")));
        };
        let got: Vec<(CharacterId, String)> = friends.into_iter().map(|f| (f.id, f.note)).collect();
        let mut want: Vec<(CharacterId, String)> = model
            .friends
            .iter()
            .filter(|((o, _), _)| *o == i)
            .map(|((_, f), note)| (id(*f), note.clone()))
            .collect();
        want.sort();
        prop_assert_eq!(got.len(), model.friend_count(i));
        prop_assert_eq!(got, want);
        let got: Vec<CharacterId> = ignores.into_iter().map(|e| e.id).collect();
        let mut want: Vec<CharacterId> = model
            .ignores
            .iter()
            .filter(|(o, _)| *o == i)
            .map(|(_, f)| id(*f))
            .collect();
        want.sort();
        prop_assert_eq!(got, want);
    }
    for a in 0..K {
        let q = social(
            sim,
            SocialQuery::AccountFriends {
                account: account(a),
            },
        );
        let Ok(SocialQueryResponse::AccountFriends(list)) = q else {
            return Err(TestCaseError::fail(format!(
                "account friends of {a}: {q:?}"
            )));
        };
        let got: Vec<(u32, AccountFriendState)> =
            list.into_iter().map(|e| (e.account, e.state)).collect();
        let want: Vec<(u32, AccountFriendState)> = model
            .accounts
            .iter()
            .filter(|((x, _), _)| *x == a)
            .map(|((_, b), s)| (account(*b), *s))
            .collect();
        prop_assert_eq!(got, want);
    }
    Ok(())
}

fn step(sim: &mut Sim, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    match *op {
        Op::AddFriend {
            owner,
            target,
            qualified,
            note_len,
        } => {
            let r = sim.run(SocialCommand::AddFriend {
                owner: id(owner),
                name: target_name(target, qualified),
                note: "n".repeat(note_len),
            });
            let want = model.add_friend(owner, target, qualified, note_len);
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::RemoveFriend { owner, target } => {
            let r = sim.run(SocialCommand::RemoveFriend {
                owner: id(owner),
                friend: id(target),
            });
            let want = if model.exists[owner] {
                model.friends.remove(&(owner, target));
                Outcome::Ok
            } else {
                Outcome::NotFound
            };
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::SetNote {
            owner,
            target,
            note_len,
        } => {
            let r = sim.run(SocialCommand::SetFriendNote {
                owner: id(owner),
                friend: id(target),
                note: "m".repeat(note_len),
            });
            let want = match model.friends.get_mut(&(owner, target)) {
                Some(note) if model.exists[owner] => {
                    *note = "m".repeat(note_len.min(48));
                    Outcome::Ok
                }
                _ => Outcome::NotFound,
            };
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::AddIgnore {
            owner,
            target,
            qualified,
        } => {
            let r = sim.run(SocialCommand::AddIgnore {
                owner: id(owner),
                name: target_name(target, qualified),
            });
            let want = model.add_ignore(owner, target, qualified);
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::RemoveIgnore { owner, target } => {
            let r = sim.run(SocialCommand::RemoveIgnore {
                owner: id(owner),
                ignored: id(target),
            });
            let want = if model.exists[owner] {
                model.ignores.remove(&(owner, target));
                Outcome::Ok
            } else {
                Outcome::NotFound
            };
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::Request(a, b) => {
            let r = sim.run(SocialCommand::RequestAccountFriend {
                from_account: account(a),
                to_account: account(b),
            });
            prop_assert_eq!(outcome(&r), model.request(a, b), "{:?}: {:?}", op, r);
        }
        Op::Accept(a, b, aimed) | Op::Decline(a, b, aimed) => {
            let accept = matches!(op, Op::Accept(..));
            let (a, b) = if aimed {
                model.pending_pick(a, b)
            } else {
                (a, b)
            };
            let r = if accept {
                sim.run(SocialCommand::AcceptAccountFriend {
                    account: account(a),
                    requester: account(b),
                })
            } else {
                sim.run(SocialCommand::DeclineAccountFriend {
                    account: account(a),
                    requester: account(b),
                })
            };
            let want = model.answer_request(a, b, accept);
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::RemoveAccount(a, b) => {
            let r = sim.run(SocialCommand::RemoveAccountFriend {
                account: account(a),
                friend: account(b),
            });
            let want = if model.accounts.remove(&(a, b)).is_some() {
                model.accounts.remove(&(b, a));
                Outcome::Ok
            } else {
                Outcome::NotFound
            };
            prop_assert_eq!(outcome(&r), want, "{:?}: {:?}", op, r);
        }
        Op::Login(i) => {
            let r = sim.run(PresenceCommand::Login(
                tavern_statemachine::presence::Login {
                    id: id(i),
                    gateway: gateway(i).into(),
                    zone: 1,
                    area: 1,
                    map: 0,
                    level: 80,
                    guild_id: 0,
                    worldserver: None,
                },
            ));
            if model.exists[i] {
                prop_assert_eq!(outcome(&r), Outcome::Ok, "{:?}: {:?}", op, r);
                model.online[i] = true;
                model.instance[i] = false;
                prop_assert_eq!(presence_notify(sim, i, true), Some(model.notify(i)));
            } else {
                prop_assert!(r.is_err(), "{:?}: {:?}", op, r);
            }
        }
        Op::Logout(i) => {
            let r = sim.run(PresenceCommand::Logout {
                id: id(i),
                gateway: gateway(i).into(),
            });
            prop_assert_eq!(outcome(&r), Outcome::Ok, "{:?}: {:?}", op, r);
            if model.online[i] {
                model.online[i] = false;
                prop_assert_eq!(presence_notify(sim, i, false), Some(model.notify(i)));
            }
        }
        Op::Delete(i) => {
            let r = sim.run(CharacterCommand::Delete { id: id(i) });
            let want = model.delete(i);
            let got = if r.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Other
            };
            prop_assert_eq!(got, want, "{:?}: {:?}", op, r);
        }
        Op::Recreate(i) => {
            let r = create(sim, i);
            prop_assert_eq!(r.is_ok(), !model.exists[i], "{:?}: {:?}", op, r);
            model.exists[i] = true;
        }
        Op::Instance(i, on) => {
            let r = sim.run(PresenceCommand::Update {
                gateway: gateway(i).into(),
                updates: vec![PresenceUpdate {
                    id: id(i),
                    in_cross_realm_instance: Some(on),
                    ..Default::default()
                }],
            });
            prop_assert_eq!(outcome(&r), Outcome::Ok, "{:?}: {:?}", op, r);
            if model.online[i] {
                model.instance[i] = on;
            }
        }
        Op::Whisper {
            from,
            target,
            qualified,
        } => {
            let r = social(
                sim,
                SocialQuery::ResolveWhisper {
                    from: id(from),
                    target: target_name(target, qualified),
                },
            );
            let got = match r {
                Ok(SocialQueryResponse::Whisper(t)) => Ok(t.id),
                other => Err(outcome(&other)),
            };
            prop_assert_eq!(got, model.whisper(from, target, qualified), "{:?}", op);
        }
        Op::Advance(ms) => {
            sim.advance(ms);
            sim.gateway("gw1", 1);
            sim.gateway("gw2", 2);
        }
    }
    Ok(())
}

fn world(flags: (bool, bool, bool, bool)) -> (Sim, Model) {
    let (cross_realm_friends, two_side_add_friend, whisper_af, whisper_instance) = flags;
    let mut sim = Sim::new();
    sim.realm(1);
    sim.realm(2);
    sim.gateway("gw1", 1);
    sim.gateway("gw2", 2);
    let mut config = ClusterConfig::default();
    config.social.listed_by_max = LISTED_BY as u32;
    config.social.allow_cross_realm_friends = cross_realm_friends;
    config.social.allow_two_side_add_friend = two_side_add_friend;
    config.social.whisper.allow_account_friends = whisper_af;
    config.social.whisper.allow_cross_realm_instance = whisper_instance;
    sim.ok(Command::SetConfig(config));
    for i in 0..K {
        sim.account(account(i));
        create(&mut sim, i).expect("create");
    }
    let model = Model {
        exists: [true; K],
        online: [false; K],
        instance: [false; K],
        friends: BTreeMap::new(),
        ignores: BTreeSet::new(),
        accounts: BTreeMap::new(),
        cross_realm_friends,
        two_side_add_friend,
        whisper_account_friends: whisper_af,
        whisper_instance,
    };
    (sim, model)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn social_state_matches_the_model_and_keeps_its_invariants(
        flags in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        ops in prop::collection::vec(op(), 50..200),
    ) {
        let (mut sim, mut model) = world(flags);
        for op in &ops {
            step(&mut sim, &mut model, op)?;
            if let Err(e) = check_invariants(&sim.state) {
                return Err(TestCaseError::fail(format!("after {op:?}: {e}")));
            }
            compare(&sim, &model)?;
        }
        // Replaying the log into a fresh state gives the same bytes.
        let mut replay = Sim::new();
        for entry in sim.log.clone() {
            replay.apply_entry(entry);
        }
        prop_assert_eq!(replay.state.digest(), sim.state.digest());
    }
}
