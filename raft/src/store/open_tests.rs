//! Opening a store: whose it is, a corrupt snapshot, and the highest node id ever a member.

use std::collections::BTreeSet;

use futures_util::stream;
use openraft::storage::{RaftSnapshotBuilder, RaftStateMachine};
use openraft::vote::RaftLeaderId;
use openraft::EntryPayload;

use super::{open, SnapshotError, StateMachine, StoreError};
use crate::identity::Identity;
use crate::types::{LogEntry, LogId, Membership};

fn log_id(index: u64) -> LogId {
    let leader = openraft::impls::leader_id_adv::LeaderId::<u64, u64>::new(1, 1);
    LogId::new(leader.to_committed(), index)
}

/// A membership entry with voters `voters` and learners `learners`.
fn membership(index: u64, voters: &[u64], learners: &[u64]) -> LogEntry {
    LogEntry {
        log_id: log_id(index),
        payload: EntryPayload::Membership(Membership::new_with_defaults(
            vec![voters.iter().copied().collect::<BTreeSet<_>>()],
            learners.iter().copied(),
        )),
    }
}

async fn apply(sm: &mut StateMachine, entries: Vec<LogEntry>) {
    sm.apply(stream::iter(entries.into_iter().map(|e| Ok((e, None)))))
        .await
        .expect("apply");
}

fn max_node_id(sm: &StateMachine) -> Option<u64> {
    sm.reader().max_node_id().expect("read")
}

#[tokio::test]
async fn a_store_of_another_node_or_cluster_is_refused_and_left_as_it_was() {
    // --- Node 2 of "azeroth" creates its store; a crash left an unfinished snapshot file.
    let dir = tempfile::tempdir().expect("dir");
    let mine = Identity::new("azeroth", 2);
    let (log, mut sm) = open(dir.path(), &mine).expect("open");
    apply(&mut sm, vec![membership(1, &[1, 2, 3], &[])]).await;
    drop((log, sm));
    let leftover = dir.path().join("snapshots/incoming-7.tsnap");
    std::fs::write(&leftover, b"TAVSNAP").expect("leftover");

    // --- Another cluster's node 2, and this cluster's node 3: refused, naming both.
    for other in [Identity::new("outland", 2), Identity::new("azeroth", 3)] {
        match open(dir.path(), &other) {
            Err(StoreError::Identity { found, expected }) => {
                assert_eq!((found, expected), (mine.clone(), other));
            }
            r => panic!("expected an identity refusal, got {:?}", r.map(|_| ())),
        }
    }
    // Nothing changed: the leftover a normal open removes is still there.
    assert!(leftover.exists());

    // --- Its own node opens it and finds its state.
    let (_log, sm) = open(dir.path(), &mine).expect("reopen");
    assert_eq!(max_node_id(&sm), Some(3));
    assert!(!leftover.exists(), "a normal open removes the leftover");
}

#[tokio::test]
async fn a_corrupt_snapshot_refuses_the_open_names_the_file_and_deletes_nothing() {
    // --- A store with a snapshot.
    let dir = tempfile::tempdir().expect("dir");
    let me = Identity::new("azeroth", 1);
    let (log, mut sm) = open(dir.path(), &me).expect("open");
    apply(&mut sm, vec![membership(1, &[1, 2, 3], &[])]).await;
    let snap = sm
        .get_snapshot_builder()
        .await
        .build_snapshot()
        .await
        .expect("build");
    let current = dir.path().join("snapshots/current.tsnap");
    assert_eq!(snap.snapshot.path, current);
    drop((log, sm, snap));
    let good = std::fs::read(&current).expect("read");

    // --- One byte of the checksum flipped: it no longer matches.
    let mut flipped = good.clone();
    let at = flipped.len() - 1; // in the checksum
    flipped[at] ^= 0xff;
    std::fs::write(&current, &flipped).expect("write");
    match open(dir.path(), &me) {
        Err(StoreError::CorruptSnapshot { path, source }) => {
            assert_eq!(path, current);
            assert!(matches!(source, SnapshotError::Checksum), "{source}");
        }
        r => panic!("expected a corrupt snapshot, got {:?}", r.map(|_| ())),
    }
    assert_eq!(std::fs::read(&current).expect("still there"), flipped);

    // --- Not a snapshot at all: the magic is named.
    std::fs::write(&current, b"not a snapshot, not at all").expect("write");
    let refused = open(dir.path(), &me).map(|_| ());
    assert!(
        matches!(
            &refused,
            Err(StoreError::CorruptSnapshot {
                source: SnapshotError::Magic,
                ..
            })
        ),
        "{refused:?}"
    );

    // --- The good file back: the store opens.
    std::fs::write(&current, &good).expect("restore");
    let (_log, sm) = open(dir.path(), &me).expect("opens with the good snapshot");
    assert_eq!(max_node_id(&sm), Some(3));
}

#[tokio::test]
async fn membership_entries_raise_the_highest_node_id_and_a_snapshot_carries_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (_log, mut sm) = open(dir.path(), &Identity::new("azeroth", 1)).expect("open");
    assert_eq!(max_node_id(&sm), None);

    // --- Bootstrap {1,2,3}, learners 4 and 5 join, 5 is removed: the highest stays 5.
    apply(&mut sm, vec![membership(1, &[1, 2, 3], &[])]).await;
    assert_eq!(max_node_id(&sm), Some(3));
    apply(
        &mut sm,
        vec![
            membership(2, &[1, 2, 3], &[4]),
            membership(3, &[1, 2, 3], &[4, 5]),
        ],
    )
    .await;
    assert_eq!(max_node_id(&sm), Some(5));
    apply(&mut sm, vec![membership(4, &[1, 2, 3], &[4])]).await;
    assert_eq!(
        max_node_id(&sm),
        Some(5),
        "removing a node does not lower it"
    );

    // --- A node that joins later from a snapshot learns 5, though 5 is in no membership now.
    let snap = sm
        .get_snapshot_builder()
        .await
        .build_snapshot()
        .await
        .expect("build");
    let other = tempfile::tempdir().expect("dir");
    let (_log6, mut joiner) = open(other.path(), &Identity::new("azeroth", 6)).expect("open");
    joiner
        .install_snapshot(&snap.meta, snap.snapshot)
        .await
        .expect("install");
    assert_eq!(max_node_id(&joiner), Some(5));
    let digest = |sm: &StateMachine| sm.reader().digest().expect("digest");
    assert_eq!(digest(&joiner), digest(&sm));
}
