//! Three `TavernNode`s in one process, talking the internal Raft service over real gRPC on
//! loopback, each with its own RocksDB in a temporary directory (harness: `support/`).

mod support;

use openraft::async_runtime::watch::WatchReceiver as _;
use support::{Cluster, WAIT};
use tavern_proto::convert::ReadLevel;
use tavern_raft::api::{Node, NodeError, Served, Written};
use tavern_raft::types::NodeId;
use tavern_statemachine::account::AccountCommand;
use tavern_statemachine::character::{
    CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::{CharacterId, Command, Query, QueryResponse, Response};

const ARTHAS: CharacterId = CharacterId::new(1, 1);
const JAINA: CharacterId = CharacterId::new(1, 2);

/// A write on node `id`, without a request id.
async fn write(
    cluster: &Cluster,
    id: NodeId,
    command: impl Into<Command>,
) -> Result<Written, NodeError> {
    cluster.node(id).write(command.into(), None).await
}

fn realm() -> Command {
    Command::Realm(RealmCommand::Upsert(Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    }))
}

fn create(id: CharacterId, account: u32, name: &str) -> Command {
    Command::Character(CharacterCommand::Create {
        id,
        account,
        name: name.into(),
        race: 1,
        class: 2,
        gender: 0,
        level: 80,
    })
}

/// A letters-only name per number (game names have no digits): 100 → "heroaa", 101 → "heroab".
fn hero(n: u32) -> String {
    let n = n - 100;
    let letter = |i: u32| char::from(b'a' + u8::try_from(i % 26).expect("below 26"));
    format!("hero{}{}", letter(n / 26), letter(n))
}

fn get_character(id: CharacterId) -> Query {
    Query::Character(CharacterQuery::Get { id })
}

fn character_name(served: &Served) -> Option<String> {
    match &served.response {
        Ok(QueryResponse::Character(CharacterQueryResponse::Character(Some(c)))) => {
            Some(c.name.clone())
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_survive_a_follower_restart_and_a_full_restart() {
    // --- Three fresh nodes bootstrap from their peer list and elect a leader.
    let mut cluster = Cluster::new(&[1, 2, 3], |c| c.snapshot.every_entries = u64::MAX).await;
    let leader = cluster.leader().await;
    let followers: Vec<NodeId> = [1, 2, 3].into_iter().filter(|&i| i != leader).collect();

    // --- Writes through the leader: a realm, an account, a character.
    let w = write(&cluster, leader, realm())
        .await
        .expect("realm written");
    assert_eq!(w.response, Ok(Response::Done));
    write(
        &cluster,
        leader,
        AccountCommand::Upsert {
            id: 1,
            username: "arthas".into(),
            locale: "enUS".into(),
        },
    )
    .await
    .expect("account written");
    let w = write(&cluster, leader, create(ARTHAS, 1, "arthas"))
        .await
        .expect("character written");
    assert_eq!(
        w.response,
        Ok(Response::Character(CharacterResponse::Named {
            id: ARTHAS,
            name: "Arthas".into()
        }))
    );

    // --- Every node applies them: the same answers at the character's index.
    for id in [1, 2, 3] {
        let realm = cluster
            .read_at(id, Query::Realm(RealmQuery::Get { id: 1 }), w.applied_index)
            .await;
        assert_eq!(
            realm.response,
            Ok(QueryResponse::Realm(RealmQueryResponse::Realm(Some(
                Realm {
                    id: 1,
                    name: "Lordaeron".into(),
                    cross_realm: false,
                }
            )))),
            "realm on node {id}"
        );
        let arthas = cluster
            .read_at(id, get_character(ARTHAS), w.applied_index)
            .await;
        assert_eq!(
            character_name(&arthas).as_deref(),
            Some("Arthas"),
            "node {id}"
        );
        assert!(arthas.applied_index >= w.applied_index);
    }

    // --- A linearizable read on the leader sees the write; a follower names the leader.
    let lin = cluster
        .node(leader)
        .read(get_character(ARTHAS), ReadLevel::Linearizable)
        .await
        .expect("linearizable read on the leader");
    assert_eq!(character_name(&lin).as_deref(), Some("Arthas"));
    let refused = write(&cluster, followers[0], realm()).await;
    assert_eq!(
        refused.err(),
        Some(NodeError::NotLeader {
            leader_id: Some(leader),
            leader_addr: Some(cluster.peers[&leader].client_addr.clone()),
        })
    );

    // --- Stop one follower, keep writing, start it again: it catches up from the log.
    let down = followers[1];
    cluster.stop(down).await;
    write(
        &cluster,
        leader,
        AccountCommand::Upsert {
            id: 2,
            username: "jaina".into(),
            locale: "enUS".into(),
        },
    )
    .await
    .expect("written with one follower down");
    let w = write(&cluster, leader, create(JAINA, 2, "jaina"))
        .await
        .expect("written with one follower down");
    cluster.start(down).await;
    let jaina = cluster
        .read_at(down, get_character(JAINA), w.applied_index)
        .await;
    assert_eq!(character_name(&jaina).as_deref(), Some("Jaina"));

    // --- Every replica holds the same bytes.
    let states = digests(&cluster, w.applied_index).await;
    assert_eq!(states.len(), 1, "one state on every node: {states:?}");

    // --- Restart all three: the data is still there.
    for id in [1, 2, 3] {
        cluster.stop(id).await;
    }
    for id in [1, 2, 3] {
        cluster.start(id).await;
    }
    let leader = cluster.leader().await;
    for id in [1, 2, 3] {
        let arthas = cluster
            .read_at(id, get_character(ARTHAS), w.applied_index)
            .await;
        let jaina = cluster
            .read_at(id, get_character(JAINA), w.applied_index)
            .await;
        assert_eq!(
            character_name(&arthas).as_deref(),
            Some("Arthas"),
            "node {id}"
        );
        assert_eq!(
            character_name(&jaina).as_deref(),
            Some("Jaina"),
            "node {id}"
        );
    }
    let after = write(&cluster, leader, realm())
        .await
        .expect("the restarted cluster takes writes");
    assert!(after.applied_index > w.applied_index);
    assert_eq!(digests(&cluster, after.applied_index).await.len(), 1);

    for id in [1, 2, 3] {
        cluster.stop(id).await;
    }
}

/// The distinct state digests of the nodes once each has applied `index`.
async fn digests(cluster: &Cluster, index: u64) -> std::collections::BTreeSet<u64> {
    let mut out = std::collections::BTreeSet::new();
    for id in cluster.nodes.keys() {
        // Wait for the index; nothing else changes the state meanwhile (later entries, if any,
        // are blank ones of a new leader).
        cluster.read_at(*id, Query::Config, index).await;
        let state = cluster.node(*id).state().clone();
        let (digest, _) = tokio::task::spawn_blocking(move || state.digest())
            .await
            .expect("digest task")
            .expect("digest");
        out.insert(digest);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_behind_a_purged_log_catches_up_from_a_snapshot_sent_in_chunks() {
    // --- A cluster that snapshots every 10 entries, keeps no log behind a snapshot, and
    //     sends snapshots in 256-byte chunks.
    let mut cluster = Cluster::new(&[1, 2, 3], |c| {
        c.snapshot.every_entries = 10;
        c.snapshot.logs_to_keep = 0;
        c.snapshot.chunk_bytes = 256;
    })
    .await;
    let leader = cluster.leader().await;
    let down = [1, 2, 3]
        .into_iter()
        .find(|&i| i != leader)
        .expect("a follower");
    write(&cluster, leader, realm()).await.expect("realm");
    write(
        &cluster,
        leader,
        AccountCommand::Upsert {
            id: 1,
            username: "arthas".into(),
            locale: "enUS".into(),
        },
    )
    .await
    .expect("account");

    // --- One follower stops; thirty characters (ten per account, the realm's limit) later
    //     the leader's log before them is gone.
    cluster.stop(down).await;
    let mut last = None;
    for low in 100..130 {
        let account = 10 + (low - 100) / 10;
        if low % 10 == 0 {
            write(
                &cluster,
                leader,
                AccountCommand::Upsert {
                    id: account,
                    username: hero(low),
                    locale: "enUS".into(),
                },
            )
            .await
            .expect("account");
        }
        let w = write(
            &cluster,
            leader,
            create(CharacterId::new(1, low), account, &hero(low)),
        )
        .await
        .expect("character");
        assert!(w.response.is_ok(), "{:?}", w.response);
        last = Some(w);
    }
    let last = last.expect("writes");
    cluster
        .node(leader)
        .raft()
        .wait(Some(WAIT))
        .metrics(
            |m| {
                m.purged
                    .as_ref()
                    .is_some_and(|p| p.index() >= last.applied_index - 10)
            },
            "the leader purged its log up to its latest snapshot",
        )
        .await
        .expect("the leader snapshots and purges");

    // --- The follower comes back: the log it needs is gone, so it installs a snapshot.
    cluster.start(down).await;
    let hero = cluster
        .read_at(
            down,
            get_character(CharacterId::new(1, 129)),
            last.applied_index,
        )
        .await;
    assert_eq!(character_name(&hero).as_deref(), Some("Herobd"));
    let m = cluster.node(down).raft().metrics().borrow_watched().clone();
    assert!(
        m.snapshot
            .as_ref()
            .is_some_and(|s| s.index() >= last.applied_index - 10),
        "the follower holds the leader's snapshot: {:?}",
        m.snapshot
    );
    assert_eq!(digests(&cluster, last.applied_index).await.len(), 1);

    // --- And it still has everything after a restart of its own.
    cluster.stop(down).await;
    cluster.start(down).await;
    let hero = cluster
        .read_at(
            down,
            get_character(CharacterId::new(1, 100)),
            last.applied_index,
        )
        .await;
    assert_eq!(character_name(&hero).as_deref(), Some("Heroaa"));
    for id in [1, 2, 3] {
        cluster.stop(id).await;
    }
}
