//! Exactly-once writes: client sessions remember answers until the client acknowledges them.

use tavern_statemachine::character::{CharacterCommand, CharacterResponse, CharacterResult};
use tavern_statemachine::session::{SessionCommand, SessionResponse};
use tavern_statemachine::testkit::{Sim, HUMAN};
use tavern_statemachine::{CharacterId, ClusterConfig, Command, Error, RequestId, Response};

fn req(client: u64, seq: u64, ack_below: u64) -> RequestId {
    RequestId {
        client,
        seq,
        ack_below,
    }
}

fn create(low: u32, name: &str) -> CharacterCommand {
    CharacterCommand::Create {
        id: CharacterId::new(1, low),
        account: 1,
        name: name.into(),
        race: HUMAN,
        class: 1,
        gender: 0,
        level: 1,
    }
}

#[test]
fn a_retried_write_is_applied_once_and_answered_the_same() {
    let mut sim = Sim::world(1);
    let first = sim.run_once(req(5, 1, 0), create(10, "Tirion"));
    assert_eq!(
        first.response,
        Ok(Response::Character(CharacterResponse::Named {
            id: CharacterId::new(1, 10),
            name: "Tirion".into()
        }))
    );
    assert_eq!(first.events.len(), 1);
    let state = sim.state.clone();
    let retry = sim.run_once(req(5, 1, 0), create(10, "Tirion"));
    assert_eq!(retry.response, first.response);
    assert!(retry.mutations.is_empty() && retry.events.is_empty());
    assert_eq!(sim.state, state);
}

#[test]
fn a_failed_write_is_remembered_too() {
    let mut sim = Sim::world(1);
    let first = sim.run_once(req(5, 1, 0), create(10, "Alice"));
    assert_eq!(
        first.response,
        Err(Error::Character(CharacterResult::CreateNameInUse))
    );
    // Even if the name became free meanwhile, the retry gets the original answer.
    sim.ok(CharacterCommand::Rename {
        id: CharacterId::new(1, 1),
        name: "Alicia".into(),
    });
    let retry = sim.run_once(req(5, 1, 0), create(10, "Alice"));
    assert_eq!(retry.response, first.response);
}

#[test]
fn writes_in_flight_are_independent_and_acknowledged_ones_are_forgotten() {
    let mut sim = Sim::world(1);
    sim.run_once(req(5, 1, 0), create(10, "Aa"));
    sim.run_once(req(5, 2, 0), create(11, "Bb"));
    sim.run_once(req(5, 3, 0), create(12, "Cc"));
    // Seq 2 retried: still known.
    assert!(sim
        .run_once(req(5, 2, 0), create(11, "Bb"))
        .mutations
        .is_empty());
    // The client acknowledges everything below 3.
    sim.run_once(req(5, 4, 3), create(13, "Dd"));
    assert_eq!(
        sim.run_once(req(5, 2, 0), create(11, "Bb")).response,
        Err(Error::StaleRequest {
            client: 5,
            seq: 2,
            ack_below: 3
        })
    );
    // 3 and 4 are still answered from the session.
    assert!(sim
        .run_once(req(5, 3, 0), create(12, "Cc"))
        .mutations
        .is_empty());
    assert_eq!(
        sim.run_once(req(5, 9, 10), create(14, "Ee")).response,
        Err(Error::invalid(
            "request.ack_below",
            "is 10 but must not exceed request.seq 9"
        ))
    );
}

#[test]
fn too_many_unacknowledged_writes_are_refused() {
    let mut sim = Sim::world(1);
    for seq in 0..1024 {
        let r = sim.run_once(req(5, seq, 0), Command::SetConfig(ClusterConfig::default()));
        assert_eq!(r.response, Ok(Response::Done), "seq {seq}");
    }
    assert_eq!(
        sim.run_once(
            req(5, 1024, 0),
            Command::SetConfig(ClusterConfig::default())
        )
        .response,
        Err(Error::TooManyUnacked {
            client: 5,
            unacked: 1024,
            max: 1024
        })
    );
    // Acknowledging frees room.
    let r = sim.run_once(
        req(5, 1024, 1000),
        Command::SetConfig(ClusterConfig::default()),
    );
    assert_eq!(r.response, Ok(Response::Done));
}

#[test]
fn idle_sessions_expire_by_entry_time() {
    let mut sim = Sim::world(1);
    sim.run_once(req(5, 1, 0), create(10, "Aa"));
    sim.run_once(req(6, 1, 0), create(11, "Bb"));
    sim.advance(1_800_000);
    sim.run_once(req(6, 2, 0), create(12, "Cc"));
    sim.advance(1_800_000);
    // Client 5 has been idle for an hour: swept. Client 6 was active 30 minutes ago.
    assert_eq!(
        sim.ok(SessionCommand::Expire),
        Response::Session(SessionResponse::Expired { sessions: 1 })
    );
    // A retry of client 5 is now a new write (and fails on the name it created before).
    assert_eq!(
        sim.run_once(req(5, 1, 0), create(10, "Aa")).response,
        Err(Error::already_exists("character 1:10"))
    );
    assert!(sim
        .run_once(req(6, 2, 0), create(12, "Cc"))
        .mutations
        .is_empty());
    sim.advance(3_600_000);
    assert_eq!(
        sim.ok(SessionCommand::Expire),
        Response::Session(SessionResponse::Expired { sessions: 2 })
    );
    assert_eq!(
        sim.ok(SessionCommand::Expire),
        Response::Session(SessionResponse::Expired { sessions: 0 })
    );
}
