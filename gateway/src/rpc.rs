//! From a domain [`Command`] or [`Query`] to the one gRPC call that carries it, and back.
//!
//! `tavern_proto` gives, per domain, the `<Domain>Write`/`<Domain>Read` enums (one variant per
//! RPC, built `From` the domain command) and `WriteReply`/`QueryReply` (the response message
//! back to the domain [`Response`]). What is left is calling the right tonic method for each
//! variant: [`dispatch!`] writes that `match` from one `Variant => method` line per RPC. A
//! domain is added by one `domains!` line and its RPC list, the same way for all eight.

use tavern_proto::convert::{
    AccountRead, AccountWrite, CharacterRead, CharacterWrite, MailRead, MailWrite, RealmRead,
    RealmWrite,
};
use tavern_proto::pb;
use tavern_proto::pb::{
    account_service_client::AccountServiceClient, character_service_client::CharacterServiceClient,
    mail_service_client::MailServiceClient, realm_service_client::RealmServiceClient,
};
use tavern_proto::{ConvertError, QueryReply, WriteReply};
use tavern_statemachine::{Command, Query, QueryResponse, Response};
use tonic::transport::Channel;
use tonic::Status;

use crate::Error;

/// The answer to a write, with the log index it was applied at.
///
/// ```
/// use tavern_gateway::Written;
/// let w = Written { response: tavern_statemachine::Response::Done, applied_index: 3 };
/// assert_eq!(w.applied_index, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub response: Response,
    pub applied_index: u64,
}

/// The answer to a read, with the applied index it was served at (for `AT_LEAST` reads that
/// must see it).
///
/// ```
/// use tavern_gateway::Served;
/// use tavern_statemachine::{QueryResponse, realm::RealmQueryResponse};
/// let s = Served { response: QueryResponse::Realm(RealmQueryResponse::Realm(None)), applied_index: 3 };
/// assert_eq!(s.applied_index, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub response: QueryResponse,
    pub applied_index: u64,
}

/// Calls the tonic method of `$client` that matches the variant of `$req` and converts its
/// reply with `$into` (`into_response` or `into_query_response`).
macro_rules! dispatch {
    ($req:expr, $channel:expr, $client:ident, $enum:ident, $into:ident, $out:ident
        { $($variant:ident => $method:ident),+ $(,)? }) => {
        match $req {
            $($enum::$variant(r) => {
                let reply = $client::new($channel).$method(r).await?.into_inner();
                let applied_index = reply.header.as_ref().map_or(0, |h| h.applied_index);
                Ok(reply.$into().map(|response| $out { response, applied_index }))
            })+
        }
    };
}

/// A write, as the message of one RPC.
#[derive(Debug, Clone)]
pub(crate) enum WriteRequest {
    Realm(RealmWrite),
    Account(AccountWrite),
    Character(CharacterWrite),
    Mail(MailWrite),
}

/// A read, as the message of one RPC.
#[derive(Debug, Clone)]
pub(crate) enum ReadRequest {
    Realm(RealmRead),
    Account(AccountRead),
    Character(CharacterRead),
    Mail(MailRead),
}

fn not_yet(what: &str) -> Error {
    Error::Protocol(format!(
        "{what} has no call in this version of tavern-gateway yet"
    ))
}

impl WriteRequest {
    /// The RPC for `command`, with `header` (its request id) set.
    pub(crate) fn new(command: Command, header: pb::RequestHeader) -> Result<Self, Error> {
        Ok(match command {
            Command::Realm(c) => WriteRequest::Realm(RealmWrite::from(c).with_header(header)),
            Command::Account(c) => WriteRequest::Account(AccountWrite::from(c).with_header(header)),
            Command::Character(c) => {
                WriteRequest::Character(CharacterWrite::from(c).with_header(header))
            }
            Command::Mail(c) => WriteRequest::Mail(MailWrite::from(c).with_header(header)),
            other => return Err(not_yet(&format!("{other:?}"))),
        })
    }

    /// Sends it on `channel`.
    pub(crate) async fn send(
        self,
        channel: Channel,
    ) -> Result<Result<Written, ConvertError>, Status> {
        match self {
            WriteRequest::Realm(w) => dispatch!(w, channel, RealmServiceClient, RealmWrite,
                into_response, Written { UpsertRealm => upsert_realm }),
            WriteRequest::Account(w) => dispatch!(w, channel, AccountServiceClient, AccountWrite,
            into_response, Written {
                UpsertAccount => upsert_account,
                SetAccountLocked => set_account_locked,
                SetAccountGmLevel => set_account_gm_level,
            }),
            WriteRequest::Character(w) => dispatch!(w, channel, CharacterServiceClient,
            CharacterWrite, into_response, Written {
                CreateCharacter => create_character,
                RenameCharacter => rename_character,
                DeleteCharacter => delete_character,
            }),
            WriteRequest::Mail(w) => dispatch!(w, channel, MailServiceClient, MailWrite,
            into_response, Written {
                SendMail => send_mail,
                MarkMailRead => mark_mail_read,
                TakeMailMoney => take_mail_money,
                TakeMailItem => take_mail_item,
                DeleteMail => delete_mail,
                ReturnMailToSender => return_mail_to_sender,
                ExpireMails => expire_mails,
            }),
        }
    }
}

impl ReadRequest {
    /// The RPC for `query`, with `header` (its read level) set.
    pub(crate) fn new(query: Query, header: pb::RequestHeader) -> Result<Self, Error> {
        Ok(match query {
            Query::Realm(q) => ReadRequest::Realm(RealmRead::from(q).with_header(header)),
            Query::Account(q) => ReadRequest::Account(AccountRead::from(q).with_header(header)),
            Query::Character(q) => {
                ReadRequest::Character(CharacterRead::from(q).with_header(header))
            }
            Query::Mail(q) => ReadRequest::Mail(MailRead::from(q).with_header(header)),
            other => return Err(not_yet(&format!("{other:?}"))),
        })
    }

    /// Sends it on `channel`.
    pub(crate) async fn send(
        self,
        channel: Channel,
    ) -> Result<Result<Served, ConvertError>, Status> {
        match self {
            ReadRequest::Realm(r) => dispatch!(r, channel, RealmServiceClient, RealmRead,
            into_query_response, Served {
                GetRealm => get_realm,
                ListRealms => list_realms,
            }),
            ReadRequest::Account(r) => dispatch!(r, channel, AccountServiceClient, AccountRead,
            into_query_response, Served {
                GetAccount => get_account,
                GetAccountByUsername => get_account_by_username,
            }),
            ReadRequest::Character(r) => dispatch!(r, channel, CharacterServiceClient,
            CharacterRead, into_query_response, Served {
                GetCharacter => get_character,
                GetCharacterByName => get_character_by_name,
                ListCharactersOfAccount => list_characters_of_account,
            }),
            ReadRequest::Mail(r) => dispatch!(r, channel, MailServiceClient, MailRead,
            into_query_response, Served {
                ListMails => list_mails,
                GetMail => get_mail,
                GetNextMailTime => get_next_mail_time,
            }),
        }
    }
}
