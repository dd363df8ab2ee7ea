//! The state's logical size (`StateReader::state_bytes`) and its split per table with records
//! (`StateReader::table_sizes`): kept by apply, carried across a restart, counted once for a
//! store from before they were kept, set by a snapshot install, always equal to a full scan;
//! and the dry run a node under a space alarm uses.

use futures_util::stream;
use openraft::storage::{RaftSnapshotBuilder, RaftStateMachine};
use openraft::vote::RaftLeaderId;
use openraft::EntryPayload;
use tavern_proto::convert::TableSize;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::CharacterCommand;
use tavern_statemachine::realm::{Realm, RealmCommand};
use tavern_statemachine::sizes::TableCounts;
use tavern_statemachine::{CharacterId, Command, Entry};

use super::{cf, open, table_sizes, StateMachine, CF_SM_META};
use crate::identity::Identity;
use crate::types::{LogEntry, LogId, Membership, Proposal};

fn me() -> Identity {
    Identity::new("size-test", 1)
}

fn log_id(index: u64) -> LogId {
    let leader = openraft::impls::leader_id_adv::LeaderId::<u64, u64>::new(1, 1);
    LogId::new(leader.to_committed(), index)
}

fn entry(command: impl Into<Command>) -> Entry {
    Entry::new(1_000, command.into())
}

fn normal(index: u64, command: impl Into<Command>) -> LogEntry {
    LogEntry {
        log_id: log_id(index),
        payload: EntryPayload::Normal(Proposal(entry(command))),
    }
}

async fn apply(sm: &mut StateMachine, entries: Vec<LogEntry>) {
    sm.apply(stream::iter(entries.into_iter().map(|e| Ok((e, None)))))
        .await
        .expect("apply");
}

/// Every key + value of the live state, counted the slow way.
fn scanned(sm: &StateMachine) -> u64 {
    let db = &sm.shared.db;
    let state = cf(db, &sm.shared.state_cf_name()).expect("state cf");
    db.iterator_cf(&state, rocksdb::IteratorMode::Start)
        .map(|item| {
            let (k, v) = item.expect("read");
            (k.len() + v.len()) as u64
        })
        .sum()
}

/// The per-table figures the store keeps equal a count of every record of the live state, and
/// their bytes add up to the kept total. Returns the kept figures.
fn assert_sizes_match_a_scan(sm: &StateMachine) -> Vec<TableSize> {
    let db = &sm.shared.db;
    let state = cf(db, &sm.shared.state_cf_name()).expect("state cf");
    let mut counted = TableCounts::new();
    for item in db.iterator_cf(&state, rocksdb::IteratorMode::Start) {
        let (k, v) = item.expect("read");
        counted.add_record(&k, &v);
    }
    let (total, kept) = sm.reader().sizes();
    assert_eq!(
        kept,
        table_sizes::sizes(&counted),
        "kept per table = a scan"
    );
    assert_eq!(kept.iter().map(|t| t.bytes).sum::<u64>(), total);
    assert_eq!(total, sm.reader().state_bytes());
    kept
}

/// The records of the table holding the entity `what` ("characters").
fn entities(tables: &[TableSize], what: &str) -> u64 {
    tables
        .iter()
        .find(|t| t.entity.as_deref() == Some(what))
        .map_or(0, |t| t.records)
}

fn create(low: u32, name: &str) -> CharacterCommand {
    CharacterCommand::Create {
        id: CharacterId::new(1, low),
        account: 1,
        name: name.into(),
        race: 1,
        class: 1,
        gender: 0,
        level: 1,
    }
}

/// Realm 1, account 1 and characters 1..=n, from index 1, in one batch.
fn world(n: u32) -> Vec<LogEntry> {
    let mut entries = vec![
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
    ];
    for low in 1..=n {
        entries.push(normal(
            2 + u64::from(low),
            create(low, &format!("Hero{}", char::from(b'a' + low as u8))),
        ));
    }
    entries
}

#[tokio::test]
async fn apply_keeps_the_state_size_exact_across_batches_deletes_and_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let (log, mut sm) = open(dir.path(), &me()).expect("open");
    assert_eq!(sm.reader().state_bytes(), 0, "a fresh store is empty");

    // --- A membership entry (tavern-raft's own record) and a world, in one batch.
    let mut entries = vec![LogEntry {
        log_id: log_id(1),
        payload: EntryPayload::Membership(Membership::new_with_defaults(
            vec![std::collections::BTreeSet::from([1u64, 2, 3])],
            [],
        )),
    }];
    entries.extend(world(5).into_iter().map(|mut e| {
        e.log_id = log_id(e.log_id.index() + 1);
        e
    }));
    apply(&mut sm, entries).await;
    let grown = sm.reader().state_bytes();
    assert!(grown > 0);
    assert_eq!(grown, scanned(&sm), "apply counts every key and value");
    let tables = assert_sizes_match_a_scan(&sm);
    assert_eq!(entities(&tables, "characters"), 5);
    assert_eq!(entities(&tables, "accounts"), 1);

    // --- A delete (with its cascade) in a batch of its own shrinks it by what it freed.
    apply(
        &mut sm,
        vec![normal(
            9,
            CharacterCommand::Delete {
                id: CharacterId::new(1, 2),
            },
        )],
    )
    .await;
    let shrunk = sm.reader().state_bytes();
    assert!(shrunk < grown, "{shrunk} < {grown}");
    assert_eq!(shrunk, scanned(&sm));
    let tables = assert_sizes_match_a_scan(&sm);
    assert_eq!(
        entities(&tables, "characters"),
        4,
        "the delete took one record"
    );

    // --- A restart reads it back; a store from before it was kept counts it once.
    drop((log, sm));
    let (mut log, mut sm) = open(dir.path(), &me()).expect("reopen");
    assert_eq!(sm.reader().state_bytes(), shrunk);
    assert_eq!(assert_sizes_match_a_scan(&sm), tables, "read back");
    // A store from before the total was kept, or before the tables were.
    for key in [super::state::KEY_STATE_BYTES, table_sizes::KEY_TABLE_SIZES] {
        let meta = cf(&sm.shared.db, CF_SM_META).expect("meta");
        sm.shared.db.delete_cf(&meta, key).expect("delete");
        drop(meta);
        drop((log, sm));
        (log, sm) = open(dir.path(), &me()).expect("reopen");
        assert_eq!(sm.reader().state_bytes(), shrunk, "counted by a scan");
        assert_eq!(assert_sizes_match_a_scan(&sm), tables, "counted by a scan");
    }
}

#[tokio::test]
async fn a_snapshot_install_sets_the_state_size_and_a_dry_run_writes_nothing() {
    let (dl, df) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (_ll, mut leader) = open(dl.path(), &me()).expect("open");
    let (_lf, mut follower) = open(df.path(), &me()).expect("open");
    apply(&mut leader, world(4)).await;
    apply(&mut follower, world(1)).await;
    let snap = leader
        .get_snapshot_builder()
        .await
        .build_snapshot()
        .await
        .expect("build");
    follower
        .install_snapshot(&snap.meta, snap.snapshot)
        .await
        .expect("install");
    assert_eq!(
        follower.reader().state_bytes(),
        leader.reader().state_bytes()
    );
    assert_eq!(follower.reader().state_bytes(), scanned(&follower));
    let tables = assert_sizes_match_a_scan(&follower);
    assert_eq!(tables, leader.reader().table_sizes());
    assert_eq!(
        entities(&tables, "characters"),
        4,
        "the leader's, not its own one"
    );

    // --- A dry run tells what a write would add or free, and changes nothing.
    let reader = leader.reader();
    let before = (reader.state_bytes(), reader.digest().expect("digest"));
    let grows = reader
        .size_delta_of(&entry(create(9, "Newcomer")))
        .expect("dry run");
    assert!(grows > 0, "a new character grows the state ({grows})");
    let frees = reader
        .size_delta_of(&entry(CharacterCommand::Delete {
            id: CharacterId::new(1, 1),
        }))
        .expect("dry run");
    assert!(frees < 0, "a delete frees bytes ({frees})");
    let fails = reader
        .size_delta_of(&entry(create(10, "Herob")))
        .expect("dry run");
    assert_eq!(
        fails, 0,
        "a write the state machine refuses (name taken) adds nothing"
    );
    assert_eq!(
        (reader.state_bytes(), reader.digest().expect("digest")),
        before
    );
}
