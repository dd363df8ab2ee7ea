//! `tavern_statemachine::Error` ⇄ `tonic::Status`: every error gets its gRPC code and comes back
//! whole from the status, after crossing the trailers as a real call's status does.

use serde::de::DeserializeOwned;
use tavern_proto::convert::ConvertError;
use tavern_proto::pb::{self, ErrorKind};
use tavern_proto::status::{
    detail_from_status, error_from_status, error_of, node_error_from_status, status_from_error,
    status_from_node_error, ERROR_DETAIL_TYPE_URL,
};
use tavern_proto::NodeError;
use tavern_statemachine::arena::ArenaResult;
use tavern_statemachine::channel::ChannelNotice;
use tavern_statemachine::character::CharacterResult;
use tavern_statemachine::mail::MailResult;
use tavern_statemachine::social::FriendResult;
use tavern_statemachine::Error;
use tonic::codegen::http::HeaderMap;
use tonic::{Code, Status};

/// The status as the client sees it: written to the trailers and read back.
fn over_the_wire(status: &Status) -> Status {
    let mut trailers = HeaderMap::new();
    status
        .add_header(&mut trailers)
        .expect("a status fits in headers");
    Status::from_header_map(&trailers).expect("the trailers carry a status")
}

fn check(e: Error, code: Code) {
    let sent = status_from_error(&e);
    let received = over_the_wire(&sent);
    assert_eq!(received.code(), code, "{e:?}");
    assert_eq!(received.message(), e.to_string());
    assert_eq!(error_from_status(&received), Some(e));
}

#[test]
fn every_error_kind_keeps_its_code_and_fields() {
    let cases = [
        (
            Error::invalid("character.level", "is 0"),
            Code::InvalidArgument,
        ),
        (Error::not_found("realm 7"), Code::NotFound),
        (Error::PlayerNotFound, Code::NotFound),
        (Error::already_exists("character 1:1"), Code::AlreadyExists),
        (
            Error::AccountLocked { account: 12 },
            Code::FailedPrecondition,
        ),
        (
            Error::UnknownGateway {
                gateway: "gw9".into(),
            },
            Code::FailedPrecondition,
        ),
        (
            Error::StaleRequest {
                client: 5,
                seq: 3,
                ack_below: 4,
            },
            Code::FailedPrecondition,
        ),
        (
            Error::TooManyUnacked {
                client: 5,
                unacked: 1024,
                max: 1024,
            },
            Code::ResourceExhausted,
        ),
        (Error::Corrupt("bad key".into()), Code::Internal),
        (Error::Storage("disk gone".into()), Code::Internal),
    ];
    for (e, code) in cases {
        check(e, code);
    }
}

/// Every variant of a game result enum, whatever the domain modules add: postcard encodes a
/// unit variant as its index, so decoding `[i]` walks them all.
fn variants<T: DeserializeOwned>() -> Vec<T> {
    (0..=u8::MAX)
        .map_while(|i| postcard::from_bytes::<T>(&[i]).ok())
        .collect()
}

#[test]
fn every_game_result_keeps_its_name_and_code() {
    let mut errors: Vec<Error> = Vec::new();
    errors.extend(
        variants::<CharacterResult>()
            .into_iter()
            .map(Error::Character),
    );
    errors.extend(variants::<FriendResult>().into_iter().map(Error::Friend));
    errors.extend(variants::<ChannelNotice>().into_iter().map(Error::Channel));
    errors.extend(variants::<MailResult>().into_iter().map(Error::Mail));
    errors.extend(variants::<ArenaResult>().into_iter().map(Error::Arena));
    assert!(
        errors.len() >= 9 + 5,
        "CharacterResult alone has 9 variants, each other domain at least one: {}",
        errors.len()
    );
    for e in errors {
        let code = e.game_code().expect("game errors have a code");
        let status = over_the_wire(&status_from_error(&e));
        let detail = detail_from_status(&status).expect("the status carries a detail");
        assert_eq!(detail.game_code, code);
        assert_eq!(detail.game_result, format!("{:?}", game_result_of(&e)));
        check(e, Code::FailedPrecondition);
    }
}

fn game_result_of(e: &Error) -> &dyn std::fmt::Debug {
    match e {
        Error::Character(r) => r,
        Error::Friend(r) => r,
        Error::Channel(r) => r,
        Error::Mail(r) => r,
        Error::Arena(r) => r,
        other => other,
    }
}

#[test]
fn the_detail_is_a_google_rpc_status_with_an_any() {
    let status = status_from_error(&Error::Character(CharacterResult::CreateNameInUse));
    let detail = detail_from_status(&status).expect("a detail");
    assert_eq!(
        detail,
        pb::ErrorDetail {
            kind: ErrorKind::Character as i32,
            game_code: 0x32,
            game_result: "CreateNameInUse".into(),
            ..Default::default()
        }
    );
    // The type URL is what other languages look for.
    let raw = status.details();
    let url = ERROR_DETAIL_TYPE_URL.as_bytes();
    assert!(raw.windows(url.len()).any(|w| w == url));
}

#[test]
fn a_conversion_error_is_invalid_argument_naming_the_field() {
    let status = Status::from(ConvertError::new("login.level", "is 256, the limit is 255"));
    let status = over_the_wire(&status);
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "invalid argument: login.level is 256, the limit is 255"
    );
    assert_eq!(
        error_from_status(&status),
        Some(Error::invalid("login.level", "is 256, the limit is 255"))
    );
}

#[test]
fn statuses_without_a_readable_detail_give_no_domain_error() {
    assert_eq!(
        error_from_status(&Status::unavailable("connection refused")),
        None
    );
    // A code that does not match the name is refused rather than guessed.
    let forged = pb::ErrorDetail {
        kind: ErrorKind::Character as i32,
        game_code: 0x33,
        game_result: "CreateNameInUse".into(),
        ..Default::default()
    };
    assert_eq!(
        error_of(&forged),
        Err(ConvertError::new(
            "error.game_code",
            "is 51 but CreateNameInUse has code 50"
        ))
    );
    let unknown = pb::ErrorDetail {
        kind: ErrorKind::Mail as i32,
        game_result: "NoSuchResult".into(),
        ..Default::default()
    };
    let err = error_of(&unknown).expect_err("an unknown name");
    assert_eq!(err.field, "error.game_result");
    let unspecified = pb::ErrorDetail::default();
    assert_eq!(
        error_of(&unspecified),
        Err(ConvertError::new("error.kind", "is unspecified"))
    );
}

#[test]
fn every_node_error_keeps_its_code_and_fields_and_is_no_domain_error() {
    let cases = [
        (
            NodeError::NotLeader {
                leader_id: Some(2),
                leader_addr: Some("10.0.0.2:7201".into()),
            },
            Code::Unavailable,
        ),
        (
            NodeError::NotLeader {
                leader_id: None,
                leader_addr: None,
            },
            Code::Unavailable,
        ),
        (
            NodeError::Unavailable("no leader elected yet".into()),
            Code::Unavailable,
        ),
        (
            NodeError::Timeout { after_ms: 2000 },
            Code::DeadlineExceeded,
        ),
        (
            NodeError::TooStale {
                stale_ms: 900,
                max_ms: 500,
            },
            Code::FailedPrecondition,
        ),
        (
            NodeError::ReadLevelUnavailable("LEASE is not enabled".into()),
            Code::FailedPrecondition,
        ),
        (
            NodeError::Halted("apply failed: corrupt record".into()),
            Code::Unavailable,
        ),
        (
            NodeError::NoSpace {
                alarm: tavern_proto::convert::AlarmKind::Quota,
                detail: "the state holds 2000 bytes, state_bytes_max is 1000".into(),
            },
            Code::ResourceExhausted,
        ),
        (
            NodeError::NoSpace {
                alarm: tavern_proto::convert::AlarmKind::Disk,
                detail: "10 bytes free".into(),
            },
            Code::ResourceExhausted,
        ),
    ];
    for (e, code) in cases {
        let received = over_the_wire(&status_from_node_error(&e));
        assert_eq!(received.code(), code, "{e:?}");
        assert_eq!(received.message(), e.to_string());
        assert_eq!(node_error_from_status(&received), Some(e.clone()));
        assert_eq!(error_from_status(&received), None, "{e:?}");
        let detail = detail_from_status(&received).expect("a detail");
        let err = error_of(&detail).expect_err("a node error is no domain error");
        assert_eq!(err.field, "error.kind");
    }
    // And a domain error is no node error.
    let domain = over_the_wire(&status_from_error(&Error::PlayerNotFound));
    assert_eq!(node_error_from_status(&domain), None);
}

#[test]
fn a_not_leader_detail_names_the_leader() {
    let status = status_from_node_error(&NodeError::NotLeader {
        leader_id: Some(3),
        leader_addr: Some("10.0.0.3:7201".into()),
    });
    assert_eq!(
        detail_from_status(&over_the_wire(&status)),
        Some(pb::ErrorDetail {
            kind: ErrorKind::NotLeader as i32,
            leader_id: Some(3),
            leader_addr: Some("10.0.0.3:7201".into()),
            ..Default::default()
        })
    );
}

#[test]
fn the_descriptor_set_names_every_core_service() {
    let set = String::from_utf8_lossy(tavern_proto::FILE_DESCRIPTOR_SET);
    for service in [
        "RealmService",
        "AccountService",
        "CharacterService",
        "PresenceService",
    ] {
        assert!(set.contains(service), "{service} is missing");
    }
}

#[test]
fn the_descriptor_set_names_the_social_channel_mail_and_arena_services() {
    let set = String::from_utf8_lossy(tavern_proto::FILE_DESCRIPTOR_SET);
    for service in [
        "SocialService",
        "ChannelService",
        "MailService",
        "ArenaService",
    ] {
        assert!(set.contains(service), "{service} is missing");
    }
}
