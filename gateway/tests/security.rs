//! The client port's security over real gRPC: a node's client services (`routes` over a
//! `TestNode`) served by `tavern_raft::security::serve_clients`, the server `tavern serve`
//! runs, reached by this library and by a bare tonic client.
//!
//! Four stories: TLS on (the CA gets in, another CA and plain text do not, with the TLS error
//! in the message); tokens required (none, a wrong one, a malformed header are refused with
//! UNAUTHENTICATED and a message saying what to send; the right one works); the concurrency
//! limit (a stalled upload holds the only slot, the next call is refused at once with
//! RESOURCE_EXHAUSTED, and the slot comes back); an oversized request (OUT_OF_RANGE naming
//! `request_bytes_max`).

#[path = "../../raft/tests/certs/mod.rs"]
mod certs;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tavern_gateway::{BearerToken, Client, ClientOptions, Error, TlsOptions};
use tavern_proto::pb::{self, realm_service_client::RealmServiceClient};
use tavern_raft::config::{RawConfig, RawSecurity};
use tavern_raft::security::{serve_clients, Security};
use tavern_raft::service::{routes, ServeError, ServiceLimits};
use tavern_raft::testnode::TestNode;
use tavern_raft::types::Member;
use tavern_statemachine::realm::Realm;
use tavern_statemachine::testkit::EPOCH_MS;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::Code;

const TOKEN: &str = "gateway-7f3a9c1e5b2d4068";
/// A liveness bound, not a performance assertion.
const WAIT: Duration = Duration::from_secs(20);

/// A node's client server over a `TestNode`.
struct Served {
    node: Arc<TestNode>,
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Served {
    async fn start(dir: &Path, raw: RawConfig) -> Served {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let peers = BTreeMap::from([(
            1,
            Member {
                raft_addr: "127.0.0.1:1".into(),
                client_addr: addr.to_string(),
            },
        )]);
        let config = raw
            .over(RawConfig::for_node("security-test", 1, dir, &peers))
            .validate()
            .expect("a valid config");
        let security = Security::load(&config).expect("the security files load");
        let node = Arc::new(TestNode::new(EPOCH_MS));
        let routes = routes(node.clone(), ServiceLimits::from(&config));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_clients(listener, routes, security, async {
            let _ = stopped.await;
        }));
        Served {
            node,
            addr,
            stop,
            task,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("joins").expect("stops cleanly");
    }

    /// The library's client with `options`, few retries so a refusal ends fast.
    fn client(&self, options: ClientOptions) -> Client {
        let options = ClientOptions {
            retries_max: 2,
            call_deadline: WAIT,
            backoff_max: Duration::from_millis(100),
            ..options
        };
        Client::connect([self.addr.to_string()], options).expect("a valid endpoint")
    }

    /// A bare tonic client, no TLS, no token.
    async fn realms(&self) -> RealmServiceClient<Channel> {
        let channel = Channel::from_shared(format!("http://{}", self.addr))
            .expect("uri")
            .connect()
            .await
            .expect("connect");
        RealmServiceClient::new(channel)
    }
}

fn lordaeron() -> Realm {
    Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    }
}

fn tls(ca: &certs::Ca) -> Option<TlsOptions> {
    Some(TlsOptions {
        ca_pem: ca.pem.clone().into_bytes(),
        domain: None,
        identity: None,
    })
}

#[tokio::test]
async fn with_tls_a_client_with_the_ca_gets_in_and_one_without_fails_with_a_tls_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ca = certs::Ca::new("tavern cluster CA");
    let (cert, key) = ca.issue("node 1").write(d, "node1");
    let security = RawSecurity {
        tls_cert: Some(cert),
        tls_key: Some(key),
        tls_cluster_ca: Some(ca.write(d, "ca.crt")),
        ..RawSecurity::default()
    };
    let served = Served::start(
        d,
        RawConfig {
            security: Some(security),
            ..RawConfig::default()
        },
    )
    .await;

    // The client that trusts the cluster's CA writes and reads over TLS.
    let trusted = served.client(ClientOptions {
        tls: tls(&ca),
        ..ClientOptions::default()
    });
    trusted
        .upsert_realm(lordaeron())
        .await
        .expect("write over TLS");
    assert_eq!(
        trusted.get_realm(1).await.expect("read over TLS"),
        Some(lordaeron())
    );

    // A client trusting another CA does not accept the node's certificate: the handshake
    // fails, and the error says why.
    let other_ca = certs::Ca::new("someone else's CA");
    let stranger = served.client(ClientOptions {
        tls: tls(&other_ca),
        ..ClientOptions::default()
    });
    match stranger.list_realms().await {
        Err(Error::Unavailable { reason, .. }) => assert!(
            reason.contains("invalid peer certificate: UnknownIssuer"),
            "{reason}"
        ),
        other => panic!("a client without the CA got {other:?}"),
    }

    // A client without TLS at all gets nowhere either.
    let plain = served.client(ClientOptions::default());
    let refused = plain
        .list_realms()
        .await
        .expect_err("plain text to a TLS port");
    assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");

    assert_eq!(
        served.node.applied_index(),
        1,
        "only the trusted write applied"
    );
    served.stop().await;
}

#[tokio::test]
async fn with_tokens_required_a_call_without_the_right_token_is_unauthenticated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let tokens = certs::write(d, "tokens", &format!("# gateways\n{TOKEN}\n"));
    let served = Served::start(
        d,
        RawConfig {
            security: Some(RawSecurity {
                client_tokens_file: Some(tokens),
                ..RawSecurity::default()
            }),
            ..RawConfig::default()
        },
    )
    .await;

    // On the wire: no token, a malformed header, a wrong token: UNAUTHENTICATED, each saying
    // what is wrong.
    let mut realms = served.realms().await;
    let no_token = realms
        .list_realms(pb::ListRealmsRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(no_token.code(), Code::Unauthenticated);
    assert_eq!(
        no_token.message(),
        "this node requires a client token: send the metadata `authorization: Bearer <token>` \
         (ClientOptions::token, tavern --token or TAVERN_TOKEN)"
    );
    let mut basic = tonic::Request::new(pb::ListRealmsRequest::default());
    basic.metadata_mut().insert(
        "authorization",
        "Basic dXNlcjpwYXNz".parse().expect("ascii"),
    );
    let malformed = realms.list_realms(basic).await.expect_err("not Bearer");
    assert_eq!(malformed.code(), Code::Unauthenticated);
    assert_eq!(
        malformed.message(),
        "the authorization metadata must be `Bearer <token>`"
    );

    // Through the library: no token, then a wrong one.
    let anonymous = served.client(ClientOptions::default());
    match anonymous.upsert_realm(lordaeron()).await {
        Err(Error::Unauthenticated(message)) => {
            assert!(
                message.starts_with("this node requires a client token"),
                "{message}"
            )
        }
        other => panic!("a write without a token got {other:?}"),
    }
    let wrong = served.client(ClientOptions {
        token: Some(BearerToken::new("gateway-00000000000000").expect("a token")),
        ..ClientOptions::default()
    });
    assert_eq!(
        wrong.upsert_realm(lordaeron()).await,
        Err(Error::Unauthenticated(
            "the client token is not accepted by this node (not in its client_tokens_file)".into()
        ))
    );
    assert_eq!(
        served.node.applied_index(),
        0,
        "nothing refused reached the node"
    );

    // The right token works.
    let gateway = served.client(ClientOptions {
        token: Some(BearerToken::new(TOKEN).expect("a token")),
        ..ClientOptions::default()
    });
    gateway
        .upsert_realm(lordaeron())
        .await
        .expect("write with the token");
    assert_eq!(
        gateway.list_realms().await.expect("read"),
        vec![lordaeron()]
    );
    served.stop().await;
}

#[tokio::test]
async fn a_node_at_its_concurrency_limit_refuses_the_next_call_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = Served::start(
        dir.path(),
        RawConfig {
            client_concurrency_max: Some(1),
            ..RawConfig::default()
        },
    )
    .await;

    // A client starts a call and never finishes sending its request: it holds the only slot.
    let mut stalled = tonic::client::Grpc::new(
        Channel::from_shared(format!("http://{}", served.addr))
            .expect("uri")
            .connect()
            .await
            .expect("connect"),
    );
    let upload = tokio::spawn(async move {
        stalled.ready().await.expect("ready");
        let codec: tonic::codec::ProstCodec<pb::ListRealmsRequest, pb::ListRealmsResponse> =
            tonic::codec::ProstCodec::default();
        let path = tonic::codegen::http::uri::PathAndQuery::from_static(
            "/tavern.v1.RealmService/ListRealms",
        );
        stalled
            .client_streaming(
                tonic::Request::new(tokio_stream::pending::<pb::ListRealmsRequest>()),
                path,
                codec,
            )
            .await
    });

    // The next call is refused at once, saying why, instead of waiting in a queue.
    let mut realms = served.realms().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let busy = loop {
        match realms.list_realms(pb::ListRealmsRequest::default()).await {
            Err(status) if status.code() == Code::ResourceExhausted => break status,
            other => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "never busy: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    assert_eq!(
        busy.message(),
        "node busy: 1 client calls already in progress, the limit (client_concurrency_max) is \
         1; retry after a backoff or on another node"
    );
    // The library retries a busy node, and says so when its retries are spent.
    match served.client(ClientOptions::default()).list_realms().await {
        Err(Error::Unavailable { reason, .. }) => assert!(reason.contains("node busy"), "{reason}"),
        other => panic!("a call to a busy node got {other:?}"),
    }

    // The stalled client goes away: its slot comes back.
    upload.abort();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match realms.list_realms(pb::ListRealmsRequest::default()).await {
            Ok(_) => break,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the slot never came back"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    served.stop().await;
}

#[tokio::test]
async fn a_request_over_request_bytes_max_is_refused_naming_the_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = tavern_raft::config::REQUEST_BYTES_MAX_FLOOR;
    let served = Served::start(
        dir.path(),
        RawConfig {
            request_bytes_max: Some(limit),
            ..RawConfig::default()
        },
    )
    .await;
    let huge = pb::UpsertRealmRequest {
        header: None,
        realm: Some(pb::Realm {
            id: 1,
            name: "x".repeat(limit + 1),
            cross_realm: false,
        }),
    };
    let refused = served
        .realms()
        .await
        .upsert_realm(huge)
        .await
        .expect_err("too large");
    assert_eq!(refused.code(), Code::OutOfRange);
    // The setting and its value first, then tonic's own words with the size found.
    let message = refused.message();
    let clear = format!(
        "request too large: this node accepts requests of at most {limit} bytes \
         (request_bytes_max); send less per call (Error, decoded message length too large: found "
    );
    assert!(message.starts_with(&clear), "{message}");
    assert!(
        message.ends_with(&format!(" bytes, the limit is: {limit} bytes)")),
        "{message}"
    );
    assert_eq!(served.node.applied_index(), 0);
    served.stop().await;
}
