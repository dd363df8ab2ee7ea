//! The state machine store without Raft: batches, the fatal stop, restart.

use futures_util::stream;
use openraft::storage::RaftStateMachine;
use openraft::vote::RaftLeaderId;
use openraft::EntryPayload;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::{CharacterCommand, CharacterQuery, CharacterQueryResponse};
use tavern_statemachine::keys::{Key, META};
use tavern_statemachine::realm::{Realm, RealmCommand};
use tavern_statemachine::{CharacterId, Command, Entry, Query, QueryResponse};

use super::{cf, open, StateMachine};
use crate::identity::Identity;
use crate::types::{LogEntry, LogId, Proposal};

fn me() -> Identity {
    Identity::new("store-test", 1)
}

fn log_id(index: u64) -> LogId {
    let leader = openraft::impls::leader_id_adv::LeaderId::<u64, u64>::new(1, 1);
    LogId::new(leader.to_committed(), index)
}

fn normal(index: u64, command: impl Into<Command>) -> LogEntry {
    LogEntry {
        log_id: log_id(index),
        payload: EntryPayload::Normal(Proposal(Entry::new(1_000 + index, command.into()))),
    }
}

async fn apply(sm: &mut StateMachine, entries: Vec<LogEntry>) -> std::io::Result<()> {
    sm.apply(stream::iter(entries.into_iter().map(|e| Ok((e, None)))))
        .await
}

const ARTHAS: CharacterId = CharacterId::new(1, 7);

fn arthas_name(sm: &StateMachine) -> Option<String> {
    let (answer, _) = sm
        .reader()
        .query(0, &Query::Character(CharacterQuery::Get { id: ARTHAS }))
        .expect("query");
    match answer {
        Ok(QueryResponse::Character(CharacterQueryResponse::Character(c))) => c.map(|c| c.name),
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test]
async fn each_entry_of_a_batch_sees_the_ones_before_it_and_a_fatal_entry_halts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_log, mut sm) = open(dir.path(), &me()).expect("open");

    // --- One batch: the realm, the account, then a character that needs both.
    apply(
        &mut sm,
        vec![
            normal(
                1,
                RealmCommand::Upsert(Realm {
                    id: 1,
                    name: "Lordaeron".into(),
                    cross_realm: false,
                }),
            ),
            normal(
                2,
                AccountCommand::Upsert {
                    id: 1,
                    username: "arthas".into(),
                    locale: "enUS".into(),
                },
            ),
            normal(
                3,
                CharacterCommand::Create {
                    id: ARTHAS,
                    account: 1,
                    name: "arthas".into(),
                    race: 1,
                    class: 2,
                    gender: 0,
                    level: 80,
                },
            ),
        ],
    )
    .await
    .expect("apply");
    assert_eq!(arthas_name(&sm).as_deref(), Some("Arthas"));
    assert_eq!(sm.applied_state().await.expect("state").0, Some(log_id(3)));
    assert_eq!(*sm.reader().applied().borrow(), Some(3));

    // --- A record that does not decode: the next entry is fatal, nothing is skipped.
    let db = sm.shared.db.clone();
    let state = cf(&db, &sm.shared.state_cf_name()).expect("state cf");
    db.put_cf(&state, Key::new(META).str("config").build(), b"\xffgarbage")
        .expect("corrupt the config");
    drop(state);
    drop(db);
    let blank = LogEntry {
        log_id: log_id(4),
        payload: EntryPayload::Blank,
    };
    let r = apply(
        &mut sm,
        vec![
            blank,
            normal(
                5,
                RealmCommand::Upsert(Realm {
                    id: 2,
                    name: "Outland".into(),
                    cross_realm: false,
                }),
            ),
        ],
    )
    .await;
    assert!(r.is_err(), "a fatal apply is a storage error");
    assert!(sm
        .reader()
        .halted()
        .is_some_and(|why| why.contains("entry")));
    assert_eq!(
        sm.applied_state().await.expect("state").0,
        Some(log_id(4)),
        "applied up to the entry before the fatal one"
    );

    // --- The store reopens where it stopped: openraft would apply entry 5 again, and halt
    //     again, rather than go on without it.
    drop(sm);
    drop(_log);
    let (_log, mut sm) = open(dir.path(), &me()).expect("reopen");
    assert_eq!(sm.applied_state().await.expect("state").0, Some(log_id(4)));
}

fn realm(id: u32, name: &str) -> RealmCommand {
    RealmCommand::Upsert(Realm {
        id,
        name: name.into(),
        cross_realm: false,
    })
}

fn realm_name(sm: &StateMachine, id: u32) -> Option<String> {
    use tavern_statemachine::realm::{RealmQuery, RealmQueryResponse};
    let (answer, _) = sm
        .reader()
        .query(0, &Query::Realm(RealmQuery::Get { id }))
        .expect("query");
    match answer {
        Ok(QueryResponse::Realm(RealmQueryResponse::Realm(r))) => r.map(|r| r.name),
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test]
async fn a_corrupt_snapshot_is_refused_and_the_old_state_stays_live() {
    use openraft::storage::RaftSnapshotBuilder;
    use std::io::{Seek, SeekFrom, Write};

    // --- Leader state: realm 1 "Lordaeron"; follower state: realm 1 "Outland".
    let (dl, df) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (_ll, mut leader) = open(dl.path(), &me()).expect("open");
    let (_lf, mut follower) = open(df.path(), &me()).expect("open");
    apply(
        &mut leader,
        vec![
            normal(1, realm(1, "Lordaeron")),
            normal(2, realm(2, "Northrend")),
        ],
    )
    .await
    .expect("apply");
    apply(&mut follower, vec![normal(1, realm(1, "Outland"))])
        .await
        .expect("apply");
    let snap = leader
        .get_snapshot_builder()
        .await
        .build_snapshot()
        .await
        .expect("build");

    // --- A copy with one byte flipped in the middle is refused; nothing changed.
    let bad_path = df.path().join("flipped.tsnap");
    std::fs::copy(&snap.snapshot.path, &bad_path).expect("copy");
    let len = std::fs::metadata(&bad_path).expect("meta").len();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&bad_path)
        .expect("open");
    f.seek(SeekFrom::Start(len - 40)).expect("seek");
    f.write_all(&[0xee]).expect("flip");
    drop(f);
    let bad = super::SnapshotFile::open(bad_path).expect("open");
    let refused = follower.install_snapshot(&snap.meta, bad).await;
    assert!(refused.is_err(), "a corrupt snapshot is refused");
    assert_eq!(realm_name(&follower, 1).as_deref(), Some("Outland"));
    assert_eq!(
        follower.applied_state().await.expect("state").0,
        Some(log_id(1))
    );

    // --- The good one installs: the follower now has the leader's state.
    follower
        .install_snapshot(&snap.meta, snap.snapshot)
        .await
        .expect("install");
    assert_eq!(realm_name(&follower, 1).as_deref(), Some("Lordaeron"));
    assert_eq!(realm_name(&follower, 2).as_deref(), Some("Northrend"));
    assert_eq!(
        follower.applied_state().await.expect("state").0,
        Some(log_id(2))
    );
    let current = follower.get_current_snapshot().await.expect("current");
    assert_eq!(current.map(|s| s.meta), Some(snap.meta));
}

#[tokio::test]
async fn a_crash_mid_install_leaves_the_old_state_live() {
    let dir = tempfile::tempdir().expect("dir");
    let (log, mut sm) = open(dir.path(), &me()).expect("open");
    apply(&mut sm, vec![normal(1, realm(1, "Lordaeron"))])
        .await
        .expect("apply");

    // --- What a crash during an install leaves: a half-filled next generation and a
    //     half-received file.
    let db = sm.shared.db.clone();
    db.create_cf("state.1", &rocksdb::Options::default())
        .expect("cf");
    let half = cf(&db, "state.1").expect("cf");
    db.put_cf(&half, b"partial", b"junk").expect("put");
    drop(half);
    drop(db);
    std::fs::write(dir.path().join("snapshots/incoming-0.tsnap"), b"TAVSNAP").expect("file");
    drop(sm);
    drop(log);

    // --- Reopened: the old generation is live, the leftovers are gone.
    let (_log, sm) = open(dir.path(), &me()).expect("reopen");
    assert_eq!(realm_name(&sm, 1).as_deref(), Some("Lordaeron"));
    assert!(sm.shared.db.cf_handle("state.1").is_none());
    assert!(!dir.path().join("snapshots/incoming-0.tsnap").exists());
}
