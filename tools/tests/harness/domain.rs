//! The few domain calls the process tests make, over the tonic clients of `tavern-proto`: a
//! realm, accounts, characters, a mail, and reads of them at an index.

use tavern_proto::pb;
use tavern_proto::pb::account_service_client::AccountServiceClient;
use tavern_proto::pb::character_service_client::CharacterServiceClient;
use tavern_proto::pb::mail_service_client::MailServiceClient;
use tavern_proto::pb::realm_service_client::RealmServiceClient;
use tonic::transport::Channel;

use super::timed;

pub const REALM: u32 = 1;

/// A write header with request id `(client, seq)`; the client has every earlier answer.
pub fn request(client: u64, seq: u64) -> Option<pb::RequestHeader> {
    Some(pb::RequestHeader {
        request_id: Some(pb::RequestId {
            client,
            seq,
            ack_below: seq,
        }),
        read_level: None,
    })
}

/// A read header: served once the node applied `index` (read-your-writes, any node).
pub fn at_least(index: u64) -> Option<pb::RequestHeader> {
    Some(pb::RequestHeader {
        request_id: None,
        read_level: Some(pb::ReadLevel {
            level: Some(pb::read_level::Level::AtLeastIndex(index)),
        }),
    })
}

/// The applied index of a response header.
pub fn index(header: Option<pb::ResponseHeader>) -> u64 {
    header.expect("every response has a header").applied_index
}

pub async fn upsert_realm(channel: Channel) -> Result<u64, tonic::Status> {
    let r = RealmServiceClient::new(channel)
        .upsert_realm(timed(pb::UpsertRealmRequest {
            header: None,
            realm: Some(pb::Realm {
                id: REALM,
                name: "Lordaeron".into(),
                cross_realm: false,
            }),
        }))
        .await?;
    Ok(index(r.into_inner().header))
}

pub async fn upsert_account(
    channel: Channel,
    id: u32,
    header: Option<pb::RequestHeader>,
) -> Result<u64, tonic::Status> {
    let r = AccountServiceClient::new(channel)
        .upsert_account(timed(pb::UpsertAccountRequest {
            header,
            id,
            username: username(id),
            locale: "enUS".into(),
        }))
        .await?;
    Ok(index(r.into_inner().header))
}

/// The username the tests give account `id`.
pub fn username(id: u32) -> String {
    format!("user{id}")
}

pub async fn get_account(
    channel: Channel,
    id: u32,
    at: u64,
) -> Result<Option<pb::Account>, tonic::Status> {
    let r = AccountServiceClient::new(channel)
        .get_account(timed(pb::GetAccountRequest {
            header: at_least(at),
            id,
        }))
        .await?;
    Ok(r.into_inner().account)
}

pub async fn create_character(
    channel: Channel,
    low: u32,
    account: u32,
    name: &str,
    header: Option<pb::RequestHeader>,
) -> Result<pb::CreateCharacterResponse, tonic::Status> {
    let r = CharacterServiceClient::new(channel)
        .create_character(timed(pb::CreateCharacterRequest {
            header,
            id: Some(pb::CharacterId { realm: REALM, low }),
            account,
            name: name.into(),
            race: 1,
            class_id: 2,
            gender: 0,
            level: 80,
        }))
        .await?;
    Ok(r.into_inner())
}

pub async fn get_character(
    channel: Channel,
    low: u32,
    at: u64,
) -> Result<Option<pb::Character>, tonic::Status> {
    let r = CharacterServiceClient::new(channel)
        .get_character(timed(pb::GetCharacterRequest {
            header: at_least(at),
            id: Some(pb::CharacterId { realm: REALM, low }),
        }))
        .await?;
    Ok(r.into_inner().character)
}

/// The names of account `account`'s characters, read at `at`.
pub async fn characters_of(
    channel: Channel,
    account: u32,
    at: u64,
) -> Result<Vec<String>, tonic::Status> {
    let r = CharacterServiceClient::new(channel)
        .list_characters_of_account(timed(pb::ListCharactersOfAccountRequest {
            header: at_least(at),
            account,
            realm: None,
        }))
        .await?;
    Ok(r.into_inner()
        .characters
        .into_iter()
        .map(|c| c.name)
        .collect())
}

pub async fn delete_character(
    channel: Channel,
    low: u32,
    header: Option<pb::RequestHeader>,
) -> Result<u64, tonic::Status> {
    let r = CharacterServiceClient::new(channel)
        .delete_character(timed(pb::DeleteCharacterRequest {
            header,
            id: Some(pb::CharacterId { realm: REALM, low }),
        }))
        .await?;
    Ok(index(r.into_inner().header))
}

/// A mail from a creature (`creature_entry` 3000, no postage) to character `low`; returns the
/// applied index of the answer.
pub async fn send_mail(
    channel: Channel,
    low: u32,
    subject: &str,
    header: Option<pb::RequestHeader>,
) -> Result<u64, tonic::Status> {
    let r = MailServiceClient::new(channel)
        .send_mail(timed(pb::SendMailRequest {
            header,
            sender: Some(pb::MailSender {
                kind: Some(pb::mail_sender::Kind::CreatureEntry(3_000)),
            }),
            receiver: Some(pb::CharacterId { realm: REALM, low }),
            subject: subject.into(),
            body: "from the innkeeper".into(),
            stationery: 41, // MAIL_STATIONERY_DEFAULT
            ..Default::default()
        }))
        .await?;
    Ok(index(r.into_inner().header))
}
