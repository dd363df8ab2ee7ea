//! One test per validation rule, each asserting the whole list of problems, and the sources
//! (file, environment, override order, printing back).

use std::path::Path;

use super::*;

const THREE_NODES: &str = r#"
node_id = 2
cluster_id = "tavern-test"
data_dir = "/var/lib/tavern/node2"

[[peers]]
id = 1
raft_addr = "10.0.0.1:7101"
client_addr = "10.0.0.1:7201"

[[peers]]
id = 2
raft_addr = "10.0.0.2:7101"
client_addr = "10.0.0.2:7201"

[[peers]]
id = 3
raft_addr = "10.0.0.3:7101"
client_addr = "10.0.0.3:7201"
"#;

fn three_nodes() -> RawConfig {
    RawConfig::from_toml(THREE_NODES, Path::new("three.toml")).expect("the example parses")
}

fn peer(id: u64, raft: &str, client: &str) -> RawPeer {
    RawPeer {
        id,
        raft_addr: raft.into(),
        client_addr: client.into(),
    }
}

/// The problems `raw` is refused with.
#[track_caller]
fn problems(raw: RawConfig) -> Vec<String> {
    match raw.validate() {
        Err(ConfigError::Invalid { problems }) => problems,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_minimal_file_validates_with_the_defaults() {
    let config = three_nodes().validate().expect("valid");
    let peers = [1, 2, 3]
        .map(|i| {
            (
                i,
                Peer {
                    raft_addr: format!("10.0.0.{i}:7101"),
                    client_addr: format!("10.0.0.{i}:7201"),
                },
            )
        })
        .into_iter()
        .collect();
    assert_eq!(
        config,
        NodeConfig {
            node_id: 2,
            cluster_id: "tavern-test".into(),
            raft_addr: "10.0.0.2:7101".parse().expect("an address"),
            client_addr: "10.0.0.2:7201".parse().expect("an address"),
            http_port: None,
            data_dir: "/var/lib/tavern/node2".into(),
            peers,
            heartbeat_ms: HEARTBEAT_MS_DEFAULT,
            election_timeout_min_ms: ELECTION_TIMEOUT_MIN_MS_DEFAULT,
            election_timeout_max_ms: ELECTION_TIMEOUT_MAX_MS_DEFAULT,
            rpc_timeout_ms: RPC_TIMEOUT_MS_DEFAULT,
            request_timeout_ms: REQUEST_TIMEOUT_MS_DEFAULT,
            snapshot: SnapshotPolicy {
                every_entries: SNAPSHOT_EVERY_ENTRIES_DEFAULT,
                logs_to_keep: LOGS_TO_KEEP_DEFAULT,
                chunk_bytes: SNAPSHOT_CHUNK_BYTES_MAX,
                timeout_ms: SNAPSHOT_TIMEOUT_MS_DEFAULT,
            },
            request_bytes_max: REQUEST_BYTES_MAX_DEFAULT,
            read_lease: false,
            auto_promote_learners: false,
            client_concurrency_max: CLIENT_CONCURRENCY_MAX_DEFAULT,
            security: SecurityConfig::default(),
            backup: None,
        }
    );
}

#[test]
fn the_printed_config_reads_back_to_the_same_config() {
    let mut raw = three_nodes();
    raw.raft_addr = Some("0.0.0.0:7101".into());
    raw.http_port = Some(8080);
    raw.read_lease = Some(true);
    let config = raw.validate().expect("valid");
    let printed = config.to_toml();
    assert!(
        printed.contains("raft_addr = \"0.0.0.0:7101\""),
        "{printed}"
    );
    assert!(printed.contains("[[peers]]"), "{printed}");
    let again = RawConfig::from_toml(&printed, Path::new("printed"))
        .expect("parses")
        .validate()
        .expect("valid");
    assert_eq!(again, config);
}

#[test]
fn missing_required_settings_are_all_named() {
    assert_eq!(
        problems(RawConfig::default()),
        [
            "node_id is required (in the file, or TAVERN_NODE_ID)",
            "cluster_id is required (in the file, or TAVERN_CLUSTER_ID)",
            "data_dir is required (in the file, or TAVERN_DATA_DIR)",
            "peers is required (in the file, or TAVERN_PEERS)",
        ]
    );
}

#[test]
fn node_id_must_be_listed_in_peers_and_not_zero() {
    let mut raw = three_nodes();
    raw.node_id = Some(4);
    assert_eq!(problems(raw), ["node_id 4 is not in peers"]);
    let mut raw = three_nodes();
    raw.node_id = Some(0);
    assert_eq!(
        problems(raw),
        [
            "node_id (0) must be at least 1 (0 means unset on the wire)",
            "node_id 0 is not in peers",
        ]
    );
}

#[test]
fn cluster_id_has_a_length_and_an_alphabet() {
    for bad in [
        "",
        "tavern prod",
        "tavérn",
        &"x".repeat(CLUSTER_ID_BYTES_MAX + 1),
    ] {
        let mut raw = three_nodes();
        raw.cluster_id = Some(bad.into());
        assert_eq!(
            problems(raw),
            [format!(
                "cluster_id ({bad:?}) must be 1 to 64 of A-Z a-z 0-9 . _ -"
            )]
        );
    }
    let mut raw = three_nodes();
    raw.cluster_id = Some("x".repeat(CLUSTER_ID_BYTES_MAX));
    assert!(raw.validate().is_ok());
}

#[test]
fn data_dir_must_not_be_empty() {
    let mut raw = three_nodes();
    raw.data_dir = Some(PathBuf::new());
    assert_eq!(problems(raw), ["data_dir must not be empty"]);
}

#[test]
fn a_peer_listed_twice_is_refused() {
    let mut raw = three_nodes();
    raw.peers = Some(vec![
        peer(1, "a:1", "a:2"),
        peer(2, "b:1", "b:2"),
        peer(2, "c:1", "c:2"),
    ]);
    assert_eq!(problems(raw), ["peers: node 2 listed twice"]);
}

#[test]
fn peers_must_not_share_addresses() {
    let mut raw = three_nodes();
    raw.peers = Some(vec![
        peer(1, "a:1", "a:2"),
        peer(2, "a:1", "b:2"),
        peer(3, "c:1", "b:2"),
        peer(4, "d:1", "d:1"),
    ]);
    assert_eq!(
        problems(raw),
        [
            "peers: nodes 1 and 2 share raft_addr a:1",
            "peers: nodes 2 and 3 share client_addr b:2",
            "peers: node 4 has raft_addr and client_addr both d:1; they must differ",
        ]
    );
}

#[test]
fn peer_addresses_are_host_and_port() {
    let mut raw = three_nodes();
    raw.peers = Some(vec![
        peer(2, "10.0.0.2:7101", "10.0.0.2:7201"),
        peer(3, "nohost", ":7201"),
        peer(4, "d:0", "d:http"),
        peer(5, "[::1]:7101", "node5.example:7201"),
    ]);
    assert_eq!(
        problems(raw),
        [
            "peers: node 3 raft_addr (\"nohost\") must be host:port",
            "peers: node 3 client_addr (\":7201\") must be host:port, the host is missing",
            "peers: node 4 raft_addr (\"d:0\") must be host:port with a port from 1 to 65535",
            "peers: node 4 client_addr (\"d:http\") must be host:port with a port from 1 to 65535",
        ]
    );
}

#[test]
fn peers_has_a_size_and_no_node_zero() {
    let mut raw = three_nodes();
    raw.peers = Some(Vec::new());
    assert_eq!(problems(raw), ["peers must list at least this node"]);

    let mut raw = three_nodes();
    raw.peers = Some(
        (1..=PEERS_MAX as u64 + 1)
            .map(|i| peer(i, &format!("n{i}:1"), &format!("n{i}:2")))
            .collect(),
    );
    assert_eq!(problems(raw), ["peers lists 10 nodes, the limit is 9"]);

    let mut raw = three_nodes();
    raw.peers = Some(vec![peer(0, "z:1", "z:2"), peer(2, "b:1", "b:2")]);
    assert_eq!(
        problems(raw),
        ["peers: node id 0 is not allowed (ids start at 1)"]
    );
}

#[test]
fn listen_addresses_default_to_the_peer_entry_which_must_then_be_an_ip() {
    let mut raw = three_nodes();
    raw.peers = Some(vec![peer(2, "node2.example:7101", "node2.example:7201")]);
    assert_eq!(
        problems(raw.clone()),
        [
            "raft_addr (from peers) (\"node2.example:7101\") must be IP:port to listen on, like 0.0.0.0:7101",
            "client_addr (from peers) (\"node2.example:7201\") must be IP:port to listen on, like 0.0.0.0:7101",
        ]
    );
    raw.raft_addr = Some("0.0.0.0:7101".into());
    raw.client_addr = Some("0.0.0.0:7201".into());
    let config = raw.validate().expect("explicit listen addresses");
    assert_eq!(config.raft_addr.to_string(), "0.0.0.0:7101");
    assert_eq!(config.peers[&2].raft_addr, "node2.example:7101");
}

#[test]
fn listen_addresses_must_parse_and_differ() {
    let mut raw = three_nodes();
    raw.raft_addr = Some("localhost:7101".into());
    assert_eq!(
        problems(raw),
        ["raft_addr (\"localhost:7101\") must be IP:port to listen on, like 0.0.0.0:7101"]
    );
    let mut raw = three_nodes();
    raw.raft_addr = Some("0.0.0.0:7000".into());
    raw.client_addr = Some("0.0.0.0:7000".into());
    assert_eq!(
        problems(raw),
        ["raft_addr and client_addr are both 0.0.0.0:7000; they must differ"]
    );
}

#[test]
fn http_port_must_be_free_and_not_zero() {
    let mut raw = three_nodes();
    raw.http_port = Some(7201);
    assert_eq!(
        problems(raw),
        ["http_port (7201) is also the port of 10.0.0.2:7201"]
    );
    let mut raw = three_nodes();
    raw.http_port = Some(0);
    assert_eq!(problems(raw), ["http_port (0) must be from 1 to 65535"]);
}

#[test]
fn the_election_timeout_must_exceed_the_heartbeat() {
    let mut raw = three_nodes();
    raw.heartbeat_ms = Some(150);
    raw.election_timeout_min_ms = Some(100);
    assert_eq!(
        problems(raw),
        ["election_timeout_min_ms (100) must be more than heartbeat_ms (150)"]
    );
}

#[test]
fn the_election_range_must_not_be_empty() {
    let mut raw = three_nodes();
    raw.election_timeout_min_ms = Some(300);
    raw.election_timeout_max_ms = Some(300);
    assert_eq!(
        problems(raw),
        ["election_timeout_max_ms (300) must be more than election_timeout_min_ms (300)"]
    );
}

#[test]
fn timings_have_a_floor_and_a_ceiling() {
    let mut raw = three_nodes();
    raw.heartbeat_ms = Some(5);
    raw.rpc_timeout_ms = Some(0);
    assert_eq!(
        problems(raw),
        [
            "heartbeat_ms (5) must be at least 10",
            "rpc_timeout_ms (0) must be at least 1",
        ]
    );
    let mut raw = three_nodes();
    raw.election_timeout_max_ms = Some(300_000);
    raw.rpc_timeout_ms = Some(120_000);
    assert_eq!(
        problems(raw),
        [
            "election_timeout_max_ms (300000) must be at most 60000 (milliseconds)",
            "rpc_timeout_ms (120000) must be at most 60000 (milliseconds)",
        ]
    );
}

#[test]
fn a_snapshot_needs_at_least_one_entry() {
    let mut raw = three_nodes();
    raw.snapshot_every_entries = Some(0);
    raw.logs_to_keep = Some(0);
    assert_eq!(
        problems(raw),
        ["snapshot_every_entries (0) must be at least 1"]
    );
}

#[test]
fn request_bytes_max_has_a_floor_and_a_ceiling() {
    for bad in [REQUEST_BYTES_MAX_FLOOR - 1, REQUEST_BYTES_MAX_CEILING + 1] {
        let mut raw = three_nodes();
        raw.request_bytes_max = Some(bad);
        assert_eq!(
            problems(raw),
            [format!(
                "request_bytes_max ({bad}) must be from 262144 to 67108864 bytes"
            )]
        );
    }
    for good in [REQUEST_BYTES_MAX_FLOOR, REQUEST_BYTES_MAX_CEILING] {
        let mut raw = three_nodes();
        raw.request_bytes_max = Some(good);
        assert_eq!(raw.validate().expect("valid").request_bytes_max, good);
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut raw = three_nodes();
    raw.node_id = Some(7);
    raw.heartbeat_ms = Some(500);
    raw.request_bytes_max = Some(1);
    let err = raw.validate().expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "invalid config:\n  \
         - node_id 7 is not in peers\n  \
         - election_timeout_min_ms (150) must be more than heartbeat_ms (500)\n  \
         - request_bytes_max (1) must be from 262144 to 67108864 bytes"
    );
}

#[test]
fn the_file_refuses_unknown_settings_and_wrong_types() {
    let err = RawConfig::from_toml("heartbeat = 50\n", Path::new("node.toml"))
        .expect_err("unknown setting");
    let text = err.to_string();
    assert!(
        text.starts_with("config file node.toml is not valid: "),
        "{text}"
    );
    assert!(text.contains("unknown field `heartbeat`"), "{text}");

    let err = RawConfig::from_toml("node_id = \"one\"\n", Path::new("node.toml"))
        .expect_err("a string for a number");
    assert!(err.to_string().contains("node_id"), "{err}");

    let missing = RawConfig::from_file(Path::new("/nonexistent/tavern.toml"));
    assert!(
        matches!(missing, Err(ConfigError::Read { .. })),
        "{missing:?}"
    );
}

#[test]
fn every_setting_can_come_from_the_environment() {
    let values = [
        ("node_id", "2"),
        ("cluster_id", "envcluster"),
        ("raft_addr", "127.0.0.1:9101"),
        ("client_addr", "127.0.0.1:9201"),
        ("http_port", "9301"),
        ("data_dir", "/tmp/tavern-env"),
        (
            "peers",
            "1=127.0.0.1:9100/127.0.0.1:9200, 2=127.0.0.1:9101/127.0.0.1:9201",
        ),
        ("heartbeat_ms", "20"),
        ("election_timeout_min_ms", "100"),
        ("election_timeout_max_ms", "200"),
        ("rpc_timeout_ms", "500"),
        ("request_timeout_ms", "4000"),
        ("snapshot_every_entries", "50"),
        ("logs_to_keep", "5"),
        ("snapshot_chunk_bytes", "4096"),
        ("snapshot_timeout_ms", "90000"),
        ("request_bytes_max", "300000"),
        ("read_lease", "true"),
        ("auto_promote_learners", "true"),
        ("client_concurrency_max", "64"),
        ("backup_dir", "/tmp/tavern-env-backups"),
        ("backup_interval_s", "600"),
        ("backup_keep", "3"),
    ];
    assert_eq!(
        values.map(|(s, _)| s).as_slice(),
        SETTINGS,
        "one value per setting"
    );
    let vars = values
        .iter()
        .map(|(s, v)| (format!("TAVERN_{}", s.to_ascii_uppercase()), v.to_string()))
        .chain([("PATH".to_string(), "/bin".to_string())])
        .chain([("TAVERN_UNRELATED".to_string(), "x".to_string())]);
    let config = RawConfig::from_env(vars)
        .expect("parses")
        .validate()
        .expect("valid");
    assert_eq!(config.to_toml(), {
        let mut want = String::new();
        for line in [
            "node_id = 2",
            "cluster_id = \"envcluster\"",
            "raft_addr = \"127.0.0.1:9101\"",
            "client_addr = \"127.0.0.1:9201\"",
            "http_port = 9301",
            "data_dir = \"/tmp/tavern-env\"",
            "heartbeat_ms = 20",
            "election_timeout_min_ms = 100",
            "election_timeout_max_ms = 200",
            "rpc_timeout_ms = 500",
            "request_timeout_ms = 4000",
            "snapshot_every_entries = 50",
            "logs_to_keep = 5",
            "snapshot_chunk_bytes = 4096",
            "snapshot_timeout_ms = 90000",
            "request_bytes_max = 300000",
            "read_lease = true",
            "auto_promote_learners = true",
            "client_concurrency_max = 64",
            "backup_dir = \"/tmp/tavern-env-backups\"",
            "backup_interval_s = 600",
            "backup_keep = 3",
            "",
            "[[peers]]",
            "id = 1",
            "raft_addr = \"127.0.0.1:9100\"",
            "client_addr = \"127.0.0.1:9200\"",
            "",
            "[[peers]]",
            "id = 2",
            "raft_addr = \"127.0.0.1:9101\"",
            "client_addr = \"127.0.0.1:9201\"",
        ] {
            want.push_str(line);
            want.push('\n');
        }
        want
    });
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let err = RawConfig::from_env([("TAVERN_HEARTBEAT_MS".into(), "fast".into())])
        .expect_err("not a number");
    assert_eq!(
        err.to_string(),
        "TAVERN_HEARTBEAT_MS=\"fast\" is not valid: invalid digit found in string"
    );
    let err = RawConfig::from_env([("TAVERN_PEERS".into(), "1=a:1".into())])
        .expect_err("no client address");
    assert_eq!(
        err.to_string(),
        "TAVERN_PEERS=\"1=a:1\" is not valid: peer \"1=a:1\" must be ID=RAFT_ADDR/CLIENT_ADDR"
    );
}

#[test]
fn flags_override_env_which_overrides_the_file() {
    let file = three_nodes();
    let env = RawConfig {
        heartbeat_ms: Some(20),
        cluster_id: Some("from-env".into()),
        ..RawConfig::default()
    };
    let flags = RawConfig {
        cluster_id: Some("from-flags".into()),
        ..RawConfig::default()
    };
    let config = flags.over(env.over(file)).validate().expect("valid");
    assert_eq!(config.cluster_id, "from-flags");
    assert_eq!(config.heartbeat_ms, 20);
    assert_eq!(config.node_id, 2);
}

#[test]
fn security_settings_come_from_the_table_or_the_environment_and_print_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, "contents are read at start, not by validate").expect("write");
        path
    };
    let (cert, key, ca, tokens) = (
        file("node.crt"),
        file("node.key"),
        file("ca.crt"),
        file("tokens"),
    );
    let text = format!(
        "{}\n[security]\ntls_cert = {cert:?}\ntls_key = {key:?}\ntls_cluster_ca = {ca:?}\n",
        toml::to_string(&three_nodes()).expect("toml")
    );
    let from_file = RawConfig::from_toml(&text, Path::new("node.toml")).expect("parses");
    let env = RawConfig::from_env([
        (
            "TAVERN_CLIENT_TOKENS_FILE".to_string(),
            tokens.display().to_string(),
        ),
        ("TAVERN_CLIENT_CONCURRENCY_MAX".to_string(), "8".to_string()),
    ])
    .expect("env");
    let config = env.over(from_file).validate().expect("valid");
    assert_eq!(
        config.security,
        SecurityConfig {
            tls: Some(TlsFiles {
                cert,
                key,
                cluster_ca: ca,
                client_ca: None,
            }),
            cluster_secret_file: None,
            client_tokens_file: Some(tokens),
        }
    );
    assert_eq!(config.client_concurrency_max, 8);
    let printed = config.to_toml();
    let again = RawConfig::from_toml(&printed, Path::new("printed.toml"))
        .expect("parses")
        .validate()
        .expect("valid");
    assert_eq!(again, config, "{printed}");
}

#[test]
fn client_concurrency_max_must_be_at_least_one() {
    let mut raw = three_nodes();
    raw.client_concurrency_max = Some(0);
    assert_eq!(
        raw.validate().expect_err("zero").to_string(),
        format!(
            "invalid config:\n  - client_concurrency_max (0) must be from 1 to \
             {CLIENT_CONCURRENCY_MAX_CEILING} (calls)"
        )
    );
}

#[test]
fn backup_settings_are_checked_and_need_a_directory() {
    let base = || {
        let peers = BTreeMap::from([(
            1,
            Peer {
                raft_addr: "127.0.0.1:7101".into(),
                client_addr: "127.0.0.1:7201".into(),
            },
        )]);
        RawConfig::for_node("c", 1, Path::new("/tmp/x"), &peers)
    };
    let config = base().validate().expect("valid");
    assert_eq!(config.backup, None, "no backup_dir, no scheduled backups");

    let raw = RawConfig {
        backup_dir: Some(PathBuf::from("/tmp/b")),
        ..base()
    };
    let policy = raw.validate().expect("valid").backup.expect("a policy");
    assert_eq!(
        (policy.interval_s, policy.keep),
        (BACKUP_INTERVAL_S_DEFAULT, BACKUP_KEEP_DEFAULT)
    );

    let raw = RawConfig {
        backup_interval_s: Some(60),
        backup_keep: Some(2),
        ..base()
    };
    let found = problems(raw);
    assert!(
        found
            .iter()
            .any(|p| p.contains("backup_interval_s (60) is set but backup_dir is not")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("backup_keep (2) is set but backup_dir is not")),
        "{found:?}"
    );

    let raw = RawConfig {
        backup_dir: Some(PathBuf::from("/tmp/b")),
        backup_interval_s: Some(0),
        backup_keep: Some(0),
        ..base()
    };
    let found = problems(raw);
    assert!(
        found
            .iter()
            .any(|p| p == "backup_interval_s (0) must be from 1 to 604800 (seconds)"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p == "backup_keep (0) must be from 1 to 10000"),
        "{found:?}"
    );
}
