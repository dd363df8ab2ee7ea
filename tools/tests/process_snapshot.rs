//! Backup and restore as an operator runs them: `tavern snapshot save` from a running cluster
//! of `tavern serve` processes while a client writes, `inspect`, `verify`, `restore` into a
//! new cluster that starts from the files the restore wrote, and a damaged file refused (a
//! changed byte by the checksum, a record that does not decode behind a good checksum by the
//! full decode).

mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use harness::{free_port, poll, tavern, Addrs, Cluster};
use tavern_gateway::prelude::*;
use tavern_statemachine::arena::{ArenaCommand, CreateTeam, Emblem};
use tavern_statemachine::channel::ChannelCommand;
use tavern_statemachine::mail::{MailCommand, MailItem, MailSender, SendMail};
use tavern_statemachine::presence::{Login, PresenceCommand};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::social::SocialCommand;
use tavern_statemachine::{CharacterId, Command};

const ACCOUNTS: u32 = 6;
const GATEWAY: &str = "gw-north";

/// Runs `tavern` with `args` (off the async runtime) and returns what it printed.
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        tavern()
            .args(&args)
            .output()
            .expect("run the tavern binary")
    })
    .await
    .expect("the tavern command's thread")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `tavern snapshot restore FILE` into a one-node cluster `cluster_id` under `root`.
async fn restore_one_node(
    file: &std::path::Path,
    cluster_id: &str,
    root: &std::path::Path,
) -> Output {
    run(args(&[
        "snapshot",
        "restore",
        &file.display().to_string(),
        "--cluster-id",
        cluster_id,
        "--node",
        "1=127.0.0.1:1/127.0.0.1:2",
        "--data-dir-root",
        &root.display().to_string(),
    ]))
    .await
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn char_id(low: u32) -> CharacterId {
    CharacterId { realm: 1, low }
}

fn name_of(low: u32) -> String {
    format!(
        "Hero{}",
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"][low as usize - 1]
    )
}

/// The known data set: a realm, accounts with two characters each, four of them online through
/// one gateway, friends, an ignore, account friends, a custom channel, mails with an item, an
/// arena team.
async fn write_known_data(client: &Client) {
    client
        .upsert_realm(Realm {
            id: 1,
            name: "Lordaeron".into(),
            cross_realm: false,
        })
        .await
        .expect("realm");
    for account in 1..=ACCOUNTS {
        client
            .upsert_account(account, format!("user{account}"), "enUS".into())
            .await
            .expect("account");
        for k in 0..2 {
            let low = (account - 1) * 2 + k + 1;
            client
                .create_character(NewCharacter {
                    id: char_id(low),
                    account,
                    name: name_of(low),
                    race: 1,
                    class: 1,
                    gender: 0,
                    level: 80,
                })
                .await
                .expect("character");
        }
    }
    let write = |c: Command| async move { client.write(c).await.expect("write") };
    write(Command::Presence(PresenceCommand::RegisterGateway {
        gateway: GATEWAY.into(),
        realm: 1,
    }))
    .await;
    for low in [1, 3, 5, 7] {
        write(Command::Presence(PresenceCommand::Login(Login {
            id: char_id(low),
            gateway: GATEWAY.into(),
            zone: 1519,
            area: 0,
            map: 0,
            level: 80,
            guild_id: 0,
            worldserver: None,
        })))
        .await;
    }
    for (owner, friend) in [(1, 3), (1, 5), (3, 1), (7, 1)] {
        write(Command::Social(SocialCommand::AddFriend {
            owner: char_id(owner),
            name: name_of(friend),
            note: "from the drill".into(),
        }))
        .await;
    }
    write(Command::Social(SocialCommand::AddIgnore {
        owner: char_id(5),
        name: name_of(9),
    }))
    .await;
    write(Command::Social(SocialCommand::RequestAccountFriend {
        from_account: 1,
        to_account: 2,
    }))
    .await;
    for low in [1, 3, 5] {
        write(Command::Channel(ChannelCommand::Join {
            id: char_id(low),
            name: "Traders".into(),
            channel_id: 0,
            password: String::new(),
        }))
        .await;
    }
    for (n, receiver) in [2u32, 4, 6].into_iter().enumerate() {
        let items = if n == 0 {
            vec![MailItem {
                guid: 5000,
                entry: 6948,
                count: 1,
                flags: 0,
                durability: 0,
                charges: 0,
                random_property_id: 0,
                property_seed: 0,
                text: String::new(),
            }]
        } else {
            Vec::new()
        };
        write(Command::Mail(MailCommand::Send(SendMail {
            sender: MailSender::Creature(3_000),
            receiver: char_id(receiver),
            subject: format!("Letter {n}"),
            body: "Keep it safe".into(),
            money: 100,
            cod: 0,
            items,
            stationery: 41,
            template_id: 0,
            expire_override_ms: None,
            deliver_delay_ms: None,
        })))
        .await;
    }
    write(Command::Arena(ArenaCommand::Create(CreateTeam {
        realm: 1,
        captain: char_id(1),
        name: "Drill Sergeants".into(),
        arena_type: 2,
        emblem: Emblem::default(),
    })))
    .await;
}

/// `inspect`'s entity counts ("  accounts: 6") and its state digest line's hex.
fn parse_inspect(stdout: &str) -> (BTreeMap<String, u64>, String, u64) {
    let mut counts = BTreeMap::new();
    let mut digest = String::new();
    let mut records = 0;
    let mut in_entities = false;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("state digest: ") {
            digest = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        } else if let Some(rest) = line.strip_prefix("records: ") {
            records = rest.trim().parse().expect("a record count");
        } else if line == "entities:" {
            in_entities = true;
        } else if in_entities && !line.starts_with("  ") {
            in_entities = false;
        } else if in_entities {
            if let Some((name, n)) = line.trim().rsplit_once(": ") {
                counts.insert(name.to_string(), n.parse().expect("a count"));
            }
        }
    }
    (counts, digest, records)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn inspect(file: &Path) -> (BTreeMap<String, u64>, String, u64) {
    let o = run(vec![
        "snapshot".into(),
        "inspect".into(),
        file.display().to_string(),
    ])
    .await;
    assert!(o.status.success(), "inspect: {}", text(&o));
    parse_inspect(&String::from_utf8_lossy(&o.stdout))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_restore_drill_a_backup_from_a_follower_under_writes_becomes_a_new_cluster() {
    let work = tempfile::tempdir().expect("a temp dir");
    let mut old = Cluster::start(3, &[]);
    let leader = old.leader().await;
    let endpoints: Vec<String> = old.addrs.values().map(|a| a.client.to_string()).collect();
    let client =
        Arc::new(Client::connect(endpoints.clone(), ClientOptions::default()).expect("a client"));
    write_known_data(&client).await;

    // A client keeps writing while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, stop) = (client.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                client
                    .upsert_account(1_000 + n, format!("late{n}"), "enUS".into())
                    .await
                    .expect("a write during the save");
                n += 1;
            }
            n
        })
    };
    poll("the writer's first writes", || async {
        client.get_account(1_000).await.ok().flatten().map(|_| ())
    })
    .await;
    let backup = work.path().join("drill.tsnap");
    let leader_addr = old.addrs[&leader].client.to_string();
    let saved = run(args(&[
        "snapshot",
        "save",
        "-e",
        &leader_addr,
        "-o",
        &backup.display().to_string(),
        "--chunk-bytes",
        "4096",
    ]))
    .await;
    stop.store(true, Ordering::SeqCst);
    let late_writes = writer.await.expect("the writer");
    assert!(saved.status.success(), "save: {}", text(&saved));
    let stderr = String::from_utf8_lossy(&saved.stderr);
    assert!(
        stderr.contains("saving from node")
            && !stderr.contains(&format!("saving from node {leader} ")),
        "given the leader's address, save picks a follower: {}",
        text(&saved)
    );
    assert!(late_writes > 0, "writes went on during the save");

    // What the file holds: the known data set, every entity counted.
    let (counts, digest, records) = inspect(&backup).await;
    for (entity, want) in [
        ("realms", 1),
        ("characters", 12),
        ("characters online", 4),
        ("gateways", 1),
        ("friend edges", 4),
        ("ignores", 1),
        ("account friend edges (both sides)", 2),
        ("channels", 1),
        ("channel members", 3),
        ("mails", 3),
        ("mail items", 1),
        ("arena teams", 1),
        ("arena team members", 1),
    ] {
        assert_eq!(counts.get(entity), Some(&want), "{entity} in {counts:?}");
    }
    let accounts = counts["accounts"];
    assert!(
        accounts > u64::from(ACCOUNTS),
        "the known accounts and some written during the save: {accounts}"
    );
    let verified = run(args(&["snapshot", "verify", &backup.display().to_string()])).await;
    assert!(verified.status.success(), "verify: {}", text(&verified));

    // The old cluster stops; the new one takes nodes 1 and 2's addresses (the same machines)
    // and a new address for node 3.
    for id in 1..=3 {
        old.stop(id);
    }
    let mut addrs = BTreeMap::new();
    addrs.insert(1, old.addrs[&1]);
    addrs.insert(2, old.addrs[&2]);
    addrs.insert(
        3,
        Addrs {
            raft: SocketAddr::from(([127, 0, 0, 1], free_port())),
            client: SocketAddr::from(([127, 0, 0, 1], free_port())),
        },
    );
    let root = work.path().join("restored");
    let mut restore = args(&["snapshot", "restore", &backup.display().to_string()]);
    restore.extend(args(&["--cluster-id", "restored", "--data-dir-root"]));
    restore.push(root.display().to_string());
    for (id, a) in &addrs {
        restore.push("--node".into());
        restore.push(format!("{id}={}/{}", a.raft, a.client));
    }
    let restored = run(restore).await;
    assert!(restored.status.success(), "restore: {}", text(&restored));

    let new = Cluster::start_from_configs(&root, addrs.clone());
    new.leader().await;
    let d = new.converged().await;
    assert_eq!(
        (hex(&d.sha256), d.records),
        (digest.clone(), records),
        "the restored cluster's state is the snapshot's"
    );
    let new_endpoints: Vec<String> = addrs.values().map(|a| a.client.to_string()).collect();
    let new_client = Client::connect(new_endpoints, ClientOptions::default()).expect("a client");
    let account = new_client
        .get_account(3)
        .await
        .expect("read")
        .expect("account 3");
    assert_eq!(account.username, "user3");

    // Every entity count of the restored cluster, through a backup of it.
    let again = work.path().join("again.tsnap");
    let saved = run(args(&[
        "snapshot",
        "save",
        "-e",
        &addrs[&1].client.to_string(),
        "-o",
        &again.display().to_string(),
    ]))
    .await;
    assert!(
        saved.status.success(),
        "save of the restored cluster: {}",
        text(&saved)
    );
    let (counts_again, digest_again, _) = inspect(&again).await;
    assert_eq!(counts_again, counts);
    assert_eq!(digest_again, digest);
    // The restored cluster takes writes.
    new_client
        .upsert_account(9_999, "after".into(), "enUS".into())
        .await
        .expect("a write on the restored cluster");

    // A node of the old cluster comes back: it asks nodes 1 and 2 (its old peers' addresses)
    // for votes, and they refuse it by its cluster id.
    old.start_node(3);
    poll(
        "the restored nodes refusing the old cluster's node",
        || async {
            let refused = [1, 2].iter().any(|id| {
                let log = std::fs::read_to_string(new.log_path(*id)).unwrap_or_default();
                log.contains("refused a raft message")
                    && log.contains("of cluster \"process-test\"")
            });
            refused.then_some(())
        },
    )
    .await;
    let after = new
        .wait_statuses("the restored cluster keeps its members", |s| {
            s.voters.iter().map(|v| v.id).collect::<Vec<_>>() == vec![1, 2, 3]
        })
        .await;
    assert!(after.values().all(|s| s.cluster_id == "restored"));
    // Still one leader among the restored nodes, and the state as restored plus one write.
    let leader = new.leader().await;
    assert!(addrs.contains_key(&leader));
    let account = new_client.get_account(9_999).await.expect("read");
    assert_eq!(account.map(|a| a.username), Some("after".to_string()));
}

/// Copies the snapshot at `from` to `to` with the value of the first record of table `tag`
/// replaced by bytes of the right format version that no record decodes from, written with the
/// node's own writer (so framing, count and checksum are right); returns that record's key.
fn rewrite_one_value(from: &Path, to: &Path, tag: u8) -> Vec<u8> {
    use tavern_raft::store::snapshot::{SnapshotReader, SnapshotWriter};
    let input = std::io::BufReader::new(std::fs::File::open(from).expect("open"));
    let mut reader = SnapshotReader::new(input).expect("a good header");
    let cluster_id = reader.cluster_id().expect("a version 2 file").to_string();
    let meta = reader.meta().clone();
    let out = std::fs::File::create(to).expect("create");
    let mut writer = SnapshotWriter::new(out, &cluster_id, &meta).expect("header");
    let mut damaged = None;
    while let Some((key, value)) = reader.next_record().expect("a good record") {
        let value = if damaged.is_none() && key.first() == Some(&tag) {
            damaged = Some(key.clone());
            vec![
                tavern_statemachine::codec::RECORD_FORMAT_VERSION,
                0xff,
                0xff,
                0xff,
            ]
        } else {
            value
        };
        writer.record(&key, &value).expect("write");
    }
    writer.finish().expect("finish");
    damaged.expect("the file holds a record of that table")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_damaged_snapshot_fails_verify_and_restore_saying_what_is_wrong() {
    let work = tempfile::tempdir().expect("a temp dir");
    let cluster = Cluster::start(1, &[]);
    cluster.leader().await;
    let client = Client::connect(
        vec![cluster.addrs[&1].client.to_string()],
        ClientOptions::default(),
    )
    .expect("a client");
    write_known_data(&client).await;
    let good = work.path().join("good.tsnap");
    let saved = run(args(&[
        "snapshot",
        "save",
        "-e",
        &cluster.addrs[&1].client.to_string(),
        "-o",
        &good.display().to_string(),
    ]))
    .await;
    assert!(saved.status.success(), "save: {}", text(&saved));
    let bytes = std::fs::read(&good).expect("the file");

    // One flipped byte: in the last record's value (only the checksum can tell), in the
    // middle of the records (a length or a key, or a value), in the header, in the checksum.
    let value_at = bytes.len() - 32 - 9 - 1;
    let mut damaged = Vec::new();
    for (name, at, says) in [
        ("flipped", value_at, "checksum mismatch"),
        ("middle", bytes.len() / 2, "DAMAGED: "),
        ("header", 20, "DAMAGED: "),
        ("checksum", bytes.len() - 1, "checksum mismatch"),
    ] {
        let path = work.path().join(format!("{name}.tsnap"));
        let mut b = bytes.clone();
        b[at] ^= 0x01;
        std::fs::write(&path, &b).expect("write");
        damaged.push((path, says));
    }
    let flipped = damaged[0].0.clone();
    // A file whose framing, count and checksum are right (written by the writer the node
    // uses) but one mail's value is garbage: only a full decode of the records can tell.
    let garbage = work.path().join("garbage-mail.tsnap");
    let mail_key = rewrite_one_value(&good, &garbage, tavern_statemachine::keys::MAIL_BASE);
    damaged.push((garbage.clone(), "MAIL record with key "));
    // Cut short.
    let cut = work.path().join("cut.tsnap");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    damaged.push((cut, "truncated"));
    // Not a snapshot at all.
    let junk = work.path().join("junk.tsnap");
    let mut bad_magic = bytes.clone();
    bad_magic[0] ^= 0xff;
    std::fs::write(&junk, &bad_magic).expect("write");
    damaged.push((junk, "damaged header: not a tavern snapshot"));

    for (file, says) in &damaged {
        let o = run(args(&["snapshot", "verify", &file.display().to_string()])).await;
        assert_eq!(
            o.status.code(),
            Some(1),
            "verify {}: {}",
            file.display(),
            text(&o)
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "verify {} says {says:?}: {}",
            file.display(),
            text(&o)
        );
    }
    let o = run(args(&["snapshot", "verify", &good.display().to_string()])).await;
    assert!(o.status.success(), "the good file verifies: {}", text(&o));
    let o = run(args(&[
        "snapshot",
        "verify",
        &garbage.display().to_string(),
    ]))
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "MAIL record with key {}: mail does not decode",
            hex(&mail_key)
        )) && !err.contains("checksum"),
        "the decode names the mail, and the checksum is fine: {}",
        text(&o)
    );
    let o = run(args(&[
        "snapshot",
        "inspect",
        &flipped.display().to_string(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(1), "inspect: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("checksum mismatch"),
        "{}",
        text(&o)
    );

    let root = work.path().join("never");
    let restore = restore_one_node(&flipped, "other", &root).await;
    assert_eq!(
        restore.status.code(),
        Some(1),
        "restore: {}",
        text(&restore)
    );
    let err = String::from_utf8_lossy(&restore.stderr);
    assert!(
        err.contains("checksum mismatch") && err.contains("nothing was written"),
        "{}",
        text(&restore)
    );
    assert!(!root.exists(), "a refused restore writes nothing");

    let restore = restore_one_node(&garbage, "other", &root).await;
    assert_eq!(restore.status.code(), Some(1), "{}", text(&restore));
    let err = String::from_utf8_lossy(&restore.stderr);
    assert!(
        err.contains("MAIL record with key ") && err.contains("nothing was written"),
        "{}",
        text(&restore)
    );
    assert!(!root.exists(), "a refused restore writes nothing");

    // The good file restores, but not under the cluster id it already has.
    let same = restore_one_node(&good, harness::CLUSTER_ID, &root).await;
    assert_eq!(same.status.code(), Some(2), "{}", text(&same));
    assert!(!root.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_node_writes_scheduled_backups_keeps_two_and_skips_them_when_idle() {
    let work = tempfile::tempdir().expect("a temp dir");
    let dir = work.path().join("backups");
    let cluster = Cluster::start(
        1,
        &[
            "--backup-dir",
            &dir.display().to_string(),
            "--backup-interval-s",
            "1",
            "--backup-keep",
            "2",
        ],
    );
    cluster.leader().await;
    let client = Client::connect(
        vec![cluster.addrs[&1].client.to_string()],
        ClientOptions::default(),
    )
    .expect("a client");
    let backups = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    // Three rounds of writes, each followed by a new backup.
    let mut seen = Vec::new();
    for round in 0..3u32 {
        client
            .upsert_account(round + 1, format!("user{round}"), "enUS".into())
            .await
            .expect("write");
        let applied = cluster
            .status(1)
            .await
            .expect("status")
            .applied_index
            .expect("applied");
        let name = format!("{}-{applied:020}.tsnap", harness::CLUSTER_ID);
        poll("a backup at the applied index", || async {
            backups().contains(&name).then_some(())
        })
        .await;
        seen.push(name);
    }
    // The oldest is pruned just after the newest is written: wait for both.
    let want = seen[1..].to_vec();
    poll("only the two newest backups are kept", || async {
        (backups() == want).then_some(())
    })
    .await;
    let kept = backups();
    let newest = dir.join(&seen[2]);
    let o = run(args(&["snapshot", "verify", &newest.display().to_string()])).await;
    assert!(o.status.success(), "{}", text(&o));

    // Nothing applied: three intervals pass without a new file, and none rewritten.
    let modified = |names: &[String]| -> Vec<std::time::SystemTime> {
        names
            .iter()
            .map(|n| {
                std::fs::metadata(dir.join(n))
                    .and_then(|m| m.modified())
                    .expect("a backup's modification time")
            })
            .collect()
    };
    let before = modified(&kept);
    tokio::time::sleep(std::time::Duration::from_millis(3_500)).await;
    assert_eq!(backups(), kept, "no backup while idle");
    assert_eq!(modified(&kept), before, "no backup rewritten while idle");
}
