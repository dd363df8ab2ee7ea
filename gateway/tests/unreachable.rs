//! A client whose nodes are all down: it retries with backoff within its limits and ends with
//! a typed error, never hangs. (The cluster story is in `cluster.rs`.)

use std::time::Duration;

use tavern_gateway::prelude::*;
use tavern_statemachine::realm::Realm;

/// An address nothing listens on: bound, then released.
fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").to_string()
}

#[tokio::test]
async fn every_node_down_gives_unavailable_after_the_retries() {
    let options = ClientOptions {
        retries_max: 3,
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..ClientOptions::default()
    };
    let client = Client::connect([dead_endpoint(), dead_endpoint()], options).expect("client");
    let realm = Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    let e = client
        .upsert_realm(realm)
        .await
        .expect_err("nobody listens");
    assert!(
        matches!(e, Error::Unavailable { attempts: 4, .. }),
        "one attempt and three retries: {e:?}"
    );
    assert!(e.fate_unknown());
    assert_eq!(client.leader(), None);
}

#[tokio::test]
async fn the_call_deadline_bounds_the_retries() {
    let options = ClientOptions {
        retries_max: u32::MAX,
        call_deadline: Duration::from_millis(300),
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..ClientOptions::default()
    };
    let client = Client::connect([dead_endpoint()], options).expect("client");
    let e = client.get_realm(1).await.expect_err("nobody listens");
    assert_eq!(e, Error::Deadline { after_ms: 300 });
}

#[test]
fn a_bad_endpoint_is_refused_at_connect() {
    let e =
        Client::connect(["http://bad host:1"], ClientOptions::default()).expect_err("not a URI");
    assert!(matches!(e, Error::Endpoint { .. }), "{e:?}");
}
