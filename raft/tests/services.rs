//! The gRPC domain services over real gRPC: `routes` served on 127.0.0.1:0 over a
//! [`TestNode`] (the bare state machine), driven by the tonic-generated clients a gateway uses.
//!
//! One story touches every service: a realm, two accounts and characters (and a name taken
//! twice), a gateway and two logins, a friend, a channel, a mail with money sent, retried and
//! taken, and an arena team. Along the way: a field the wire refuses, the applied index moving
//! one per write, the node refusing calls (an index it has not applied, not the leader),
//! reflection, and a request over the size limit.

use std::net::SocketAddr;
use std::sync::Arc;

use tavern_proto::convert::{NodeRole, NodeStatus, StateDigest};
use tavern_proto::pb::{
    self, account_service_client::AccountServiceClient, admin_service_client::AdminServiceClient,
    arena_service_client::ArenaServiceClient, channel_service_client::ChannelServiceClient,
    character_service_client::CharacterServiceClient, mail_service_client::MailServiceClient,
    presence_service_client::PresenceServiceClient, realm_service_client::RealmServiceClient,
    social_service_client::SocialServiceClient,
};
use tavern_proto::status::{detail_from_status, node_error_from_status};
use tavern_proto::NodeError;
use tavern_raft::service::{routes, serve, ServiceLimits};
use tavern_raft::testnode::TestNode;
use tavern_statemachine::testkit::EPOCH_MS;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::Code;
use tonic_reflection::pb::v1::{
    server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
    server_reflection_response::MessageResponse, ServerReflectionRequest,
};

/// Small, so the oversized request stays small too.
const REQUEST_BYTES_MAX: usize = 64 * 1024;

/// The node, the server task and its shutdown trigger.
struct Served {
    node: Arc<TestNode>,
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), tavern_raft::service::ServeError>>,
}

async fn start() -> Served {
    let node = Arc::new(TestNode::new(EPOCH_MS));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("a local address");
    let routes = routes(
        node.clone(),
        ServiceLimits {
            request_bytes_max: REQUEST_BYTES_MAX,
            watch: tavern_raft::config::WatchPolicy::default(),
        },
    );
    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, routes, async {
        let _ = stop.await;
    }));
    Served {
        node,
        addr,
        shutdown,
        task,
    }
}

async fn connect(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .expect("a valid uri")
        .connect()
        .await
        .expect("connect")
}

fn header(applied_index: u64) -> Option<pb::ResponseHeader> {
    Some(pb::ResponseHeader { applied_index })
}

fn id(realm: u32, low: u32) -> Option<pb::CharacterId> {
    Some(pb::CharacterId { realm, low })
}

#[tokio::test]
async fn a_story_over_every_domain_service() {
    let served = start().await;
    let channel = connect(served.addr).await;
    let mut realms = RealmServiceClient::new(channel.clone());
    let mut accounts = AccountServiceClient::new(channel.clone());
    let mut characters = CharacterServiceClient::new(channel.clone());
    let mut presence = PresenceServiceClient::new(channel.clone());
    let mut social = SocialServiceClient::new(channel.clone());
    let mut channels = ChannelServiceClient::new(channel.clone());
    let mut mail = MailServiceClient::new(channel.clone());
    let mut arena = ArenaServiceClient::new(channel.clone());

    // A realm: the first write is entry 1, and a read reports the index it was served at.
    let realm = pb::Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    };
    let upserted = realms
        .upsert_realm(pb::UpsertRealmRequest {
            header: None,
            realm: Some(realm.clone()),
        })
        .await
        .expect("upsert realm")
        .into_inner();
    assert_eq!(upserted, pb::UpsertRealmResponse { header: header(1) });
    let listed = realms
        .list_realms(pb::ListRealmsRequest { header: None })
        .await
        .expect("list realms")
        .into_inner();
    assert_eq!(
        listed,
        pb::ListRealmsResponse {
            header: header(1),
            realms: vec![realm.clone()],
        }
    );

    // Two accounts.
    for (n, (account, username)) in [(1, "alice"), (2, "bob")].into_iter().enumerate() {
        let reply = accounts
            .upsert_account(pb::UpsertAccountRequest {
                header: None,
                id: account,
                username: username.into(),
                locale: "enUS".into(),
            })
            .await
            .expect("upsert account")
            .into_inner();
        assert_eq!(reply.header, header(2 + n as u64));
    }
    let bob = accounts
        .get_account_by_username(pb::GetAccountByUsernameRequest {
            header: None,
            username: "BOB".into(),
        })
        .await
        .expect("get account")
        .into_inner();
    assert_eq!(
        bob,
        pb::GetAccountByUsernameResponse {
            header: header(3),
            account: Some(pb::Account {
                id: 2,
                username: "bob".into(),
                locale: "enUS".into(),
                locked: false,
                gm_level: 0,
            }),
        }
    );

    // Two characters; the name "Alice" a second time is the game's CreateNameInUse (0x32).
    let create = |low: u32, account: u32, name: &str, level: u32| pb::CreateCharacterRequest {
        header: None,
        id: id(1, low),
        account,
        name: name.into(),
        race: 1,
        class_id: 1,
        gender: 0,
        level,
    };
    let alice = characters
        .create_character(create(1, 1, "alice", 80))
        .await
        .expect("create Alice")
        .into_inner();
    assert_eq!(
        alice,
        pb::CreateCharacterResponse {
            header: header(4),
            id: id(1, 1),
            name: "Alice".into(),
        }
    );
    let bob = characters
        .create_character(create(2, 2, "Bob", 80))
        .await
        .expect("create Bob")
        .into_inner();
    assert_eq!(bob.header, header(5));
    let taken = characters
        .create_character(create(3, 2, "ALICE", 80))
        .await
        .expect_err("the name is taken");
    assert_eq!(taken.code(), Code::FailedPrecondition);
    assert_eq!(
        detail_from_status(&taken),
        Some(pb::ErrorDetail {
            kind: pb::ErrorKind::Character as i32,
            game_code: 0x32,
            game_result: "CreateNameInUse".into(),
            ..Default::default()
        })
    );
    assert_eq!(
        served.node.applied_index(),
        6,
        "a refused command is an entry too"
    );

    // A level the wire cannot carry in a byte is refused before it reaches the node.
    let refused = characters
        .create_character(create(3, 2, "Carol", 300))
        .await
        .expect_err("level 300 is not a byte");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        refused.message(),
        "invalid argument: character.level is 300, the limit is 255"
    );
    assert_eq!(
        detail_from_status(&refused),
        Some(pb::ErrorDetail {
            kind: pb::ErrorKind::InvalidArgument as i32,
            field: "character.level".into(),
            reason: "is 300, the limit is 255".into(),
            ..Default::default()
        })
    );
    assert_eq!(served.node.applied_index(), 6, "nothing was proposed");

    // A gateway, and both characters log in through it.
    let gateway = presence
        .register_gateway(pb::RegisterGatewayRequest {
            header: None,
            gateway: "gw1".into(),
            realm: 1,
        })
        .await
        .expect("register gateway")
        .into_inner();
    assert_eq!(
        gateway,
        pb::RegisterGatewayResponse {
            header: header(7),
            expires_ms: EPOCH_MS + 15_000,
        }
    );
    for (n, low) in [1, 2].into_iter().enumerate() {
        let login = presence
            .login(pb::LoginRequest {
                header: None,
                id: id(1, low),
                gateway: "gw1".into(),
                zone: 1519,
                area: 1519,
                map: 0,
                level: 80,
                guild_id: 0,
                worldserver: None,
            })
            .await
            .expect("login")
            .into_inner();
        assert_eq!(
            login,
            pb::LoginResponse {
                header: header(8 + n as u64),
                kicked: None,
            }
        );
    }

    // Alice adds Bob, who is online.
    let friend = social
        .add_friend(pb::AddFriendRequest {
            header: None,
            owner: id(1, 1),
            name: "bob".into(),
            note: "tank".into(),
        })
        .await
        .expect("add friend")
        .into_inner();
    assert_eq!(
        friend,
        pb::AddFriendResponse {
            header: header(10),
            result: 0x06, // ADDED_ONLINE
            entry: Some(pb::FriendEntry {
                id: id(1, 2),
                name: "Bob".into(),
                note: "tank".into(),
                status: 0x01, // online
                area: 1519,
                level: 80,
                class_id: 1,
            }),
        }
    );

    // Alice joins a custom channel and owns it.
    let joined = channels
        .join_channel(pb::JoinChannelRequest {
            header: None,
            id: id(1, 1),
            name: "Traders".into(),
            channel_id: 0,
            password: String::new(),
        })
        .await
        .expect("join channel")
        .into_inner();
    assert_eq!(
        joined,
        pb::JoinChannelResponse {
            header: header(11),
            channel: Some(pb::ChannelInfo {
                key: Some(pb::ChannelKey {
                    realm: 1,
                    team: 0,
                    name: "traders".into(),
                }),
                name: "Traders".into(),
                channel_id: 0,
                custom_id: 1,
                flags: 0x01, // CUSTOM
                members: 1,
                owner: id(1, 1),
                has_password: false,
                announce: true,
                moderation: false,
                last_used_ms: EPOCH_MS,
            }),
            member_flags: 0x03, // OWNER | MODERATOR
            join_message: String::new(),
            rejoin: false,
        }
    );

    // Alice mails Bob 100 copper with a request id; the retry after a "timeout" is answered
    // with the first answer and sends nothing more.
    let send = pb::SendMailRequest {
        header: Some(pb::RequestHeader {
            request_id: Some(pb::RequestId {
                client: 77,
                seq: 1,
                ack_below: 0,
            }),
            read_level: None,
        }),
        sender: Some(pb::MailSender {
            kind: Some(pb::mail_sender::Kind::Player(pb::CharacterId {
                realm: 1,
                low: 1,
            })),
        }),
        receiver: id(1, 2),
        subject: "for the repairs".into(),
        body: "pay me back".into(),
        money: 100,
        stationery: 41, // MAIL_STATIONERY_DEFAULT
        ..Default::default()
    };
    let sent = mail
        .send_mail(send.clone())
        .await
        .expect("send mail")
        .into_inner();
    let thirty_days_ms = 30 * 86_400_000;
    let first = pb::SendMailResponse {
        header: header(12),
        mail_id: 1,
        postage: 30,
        cost: 130,
        deliver_ms: EPOCH_MS,
        expire_ms: EPOCH_MS + thirty_days_ms,
    };
    assert_eq!(sent, first);
    let retried = mail
        .send_mail(send.clone())
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(
        retried,
        pb::SendMailResponse {
            header: header(13),
            ..first
        },
        "the stored answer, at the retry's own index"
    );
    let mailbox = mail
        .list_mails(pb::ListMailsRequest {
            header: None,
            receiver: id(1, 2),
        })
        .await
        .expect("list mails")
        .into_inner();
    assert_eq!(
        mailbox,
        pb::ListMailsResponse {
            header: header(13),
            mails: vec![pb::MailWithItems {
                mail: Some(pb::Mail {
                    id: 1,
                    realm: 1,
                    sender: send.sender,
                    receiver: id(1, 2),
                    subject: "for the repairs".into(),
                    body: "pay me back".into(),
                    money: 100,
                    cod: 0,
                    checked: 0x10, // HAS_BODY
                    stationery: 41,
                    template_id: 0,
                    deliver_ms: EPOCH_MS,
                    expire_ms: EPOCH_MS + thirty_days_ms,
                    item_count: 0,
                }),
                items: vec![],
            }],
            total: 1,
        },
        "one mail, not two"
    );

    // Bob takes the money: exactly 100 copper, once.
    let took = mail
        .take_mail_money(pb::TakeMailMoneyRequest {
            header: None,
            player: id(1, 2),
            mail_id: 1,
        })
        .await
        .expect("take money")
        .into_inner();
    assert_eq!(
        took,
        pb::TakeMailMoneyResponse {
            header: header(14),
            mail_id: 1,
            money: 100,
        }
    );

    // Alice founds a 2v2 team.
    let team = arena
        .create_arena_team(pb::CreateArenaTeamRequest {
            header: None,
            realm: 1,
            captain: id(1, 1),
            name: "Gold Fist".into(),
            arena_type: 2,
            emblem: Some(pb::ArenaEmblem::default()),
        })
        .await
        .expect("create team")
        .into_inner();
    assert_eq!(
        team,
        pb::CreateArenaTeamResponse {
            header: header(15),
            team_id: 1,
        }
    );

    // A read at an index the node has not applied is the node's refusal, not a domain error.
    let ahead = realms
        .get_realm(pb::GetRealmRequest {
            header: Some(pb::RequestHeader {
                request_id: None,
                read_level: Some(pb::ReadLevel {
                    level: Some(pb::read_level::Level::AtLeastIndex(99)),
                }),
            }),
            id: 1,
        })
        .await
        .expect_err("index 99 is ahead");
    assert_eq!(ahead.code(), Code::Unavailable);
    assert_eq!(
        node_error_from_status(&ahead),
        Some(NodeError::Unavailable(
            "index 99 is not applied; this node applied 15".into()
        ))
    );

    // A node that is not the leader names it, for any RPC; then it serves again.
    let not_leader = NodeError::NotLeader {
        leader_id: Some(2),
        leader_addr: Some("10.0.0.2:7201".into()),
    };
    served.node.refuse(Some(not_leader.clone()));
    let refused = realms
        .upsert_realm(pb::UpsertRealmRequest {
            header: None,
            realm: Some(realm.clone()),
        })
        .await
        .expect_err("not the leader");
    assert_eq!(refused.code(), Code::Unavailable);
    assert_eq!(node_error_from_status(&refused), Some(not_leader));
    assert_eq!(
        detail_from_status(&refused).and_then(|d| d.leader_addr),
        Some("10.0.0.2:7201".into())
    );
    served.node.refuse(None);
    let again = realms
        .get_realm(pb::GetRealmRequest {
            header: None,
            id: 1,
        })
        .await
        .expect("served again")
        .into_inner();
    assert_eq!(
        again,
        pb::GetRealmResponse {
            header: header(15),
            realm: Some(realm),
        }
    );

    served.shutdown.send(()).expect("the server is running");
    served
        .task
        .await
        .expect("the server task ends")
        .expect("the server stops cleanly");
}

#[tokio::test]
async fn admin_status_and_state_digest_follow_the_writes() {
    let served = start().await;
    let channel = connect(served.addr).await;
    let mut admin = AdminServiceClient::new(channel.clone());
    let mut realms = RealmServiceClient::new(channel);

    // A fresh node: its own leader, nothing applied, the digest of an empty state.
    let status = admin
        .status(pb::StatusRequest {})
        .await
        .expect("status")
        .into_inner();
    let status = NodeStatus::try_from(status).expect("a valid status");
    assert_eq!(
        (
            status.node_id,
            status.role,
            status.leader_id,
            status.applied_index
        ),
        (1, NodeRole::Leader, Some(1), None)
    );
    let digest = |d: pb::StateDigestResponse| StateDigest::try_from(d).expect("a valid digest");
    let empty = digest(
        admin
            .state_digest(pb::StateDigestRequest {})
            .await
            .expect("digest")
            .into_inner(),
    );
    // SHA-256 of nothing.
    assert_eq!(
        (empty.hex().as_str(), empty.applied_index, empty.records),
        (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            None,
            0
        )
    );

    // One write: the status and the digest move to its index, and the digest changes.
    realms
        .upsert_realm(pb::UpsertRealmRequest {
            header: None,
            realm: Some(pb::Realm {
                id: 1,
                name: "Lordaeron".into(),
                cross_realm: false,
            }),
        })
        .await
        .expect("upsert realm");
    let status = NodeStatus::try_from(
        admin
            .status(pb::StatusRequest {})
            .await
            .expect("status")
            .into_inner(),
    )
    .expect("a valid status");
    assert_eq!(status.applied_index, Some(1));
    let after = digest(
        admin
            .state_digest(pb::StateDigestRequest {})
            .await
            .expect("digest")
            .into_inner(),
    );
    assert_eq!((after.applied_index, after.records), (Some(1), 1));
    assert_ne!(after.sha256, empty.sha256);

    // A node that refuses calls (here: halted) gives no digest, with the reason.
    served
        .node
        .refuse(Some(NodeError::Halted("disk on fire".into())));
    let refused = admin
        .state_digest(pb::StateDigestRequest {})
        .await
        .expect_err("a refusing node gives no digest");
    assert_eq!(
        node_error_from_status(&refused),
        Some(NodeError::Halted("disk on fire".into()))
    );
    served.shutdown.send(()).expect("the server is running");
    served.task.await.expect("joins").expect("stops cleanly");
}

#[tokio::test]
async fn reflection_lists_every_service() {
    let served = start().await;
    let mut client = ServerReflectionClient::new(connect(served.addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection call")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("an answer")
        .expect("one message");
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a service list: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "grpc.reflection.v1.ServerReflection",
            "tavern.v1.AccountService",
            "tavern.v1.AdminService",
            "tavern.v1.ArenaService",
            "tavern.v1.ChannelService",
            "tavern.v1.CharacterService",
            "tavern.v1.MailService",
            "tavern.v1.PresenceService",
            "tavern.v1.RealmService",
            "tavern.v1.SocialService",
            "tavern.v1.WatchService",
        ]
    );
    served.shutdown.send(()).expect("the server is running");
    served.task.await.expect("joins").expect("stops cleanly");
}

#[tokio::test]
async fn a_request_over_the_size_limit_is_refused_unread() {
    let served = start().await;
    let mut realms = RealmServiceClient::new(connect(served.addr).await);
    let huge = pb::UpsertRealmRequest {
        header: None,
        realm: Some(pb::Realm {
            id: 1,
            name: "x".repeat(REQUEST_BYTES_MAX + 1),
            cross_realm: false,
        }),
    };
    let refused = realms.upsert_realm(huge).await.expect_err("too large");
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
    assert!(
        refused.message().contains("the limit is: 65536 bytes"),
        "{}",
        refused.message()
    );
    assert_eq!(served.node.applied_index(), 0, "nothing reached the node");
    served.shutdown.send(()).expect("the server is running");
    served.task.await.expect("joins").expect("stops cleanly");
}
