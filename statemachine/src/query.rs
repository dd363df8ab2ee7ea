//! Every read, and `query`: answers a [`Query`] from a [`View`] at a reader-supplied time (used
//! only to hide what is not yet delivered or already expired; reads never change state).

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::txn::Txn;
use crate::view::View;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    Config,
    Realm(crate::realm::RealmQuery),
    Account(crate::account::AccountQuery),
    Character(crate::character::CharacterQuery),
    Presence(crate::presence::PresenceQuery),
    Social(crate::social::SocialQuery),
    Channel(crate::channel::ChannelQuery),
    Mail(crate::mail::MailQuery),
    Arena(crate::arena::ArenaQuery),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueryResponse {
    Config(crate::config::ClusterConfig),
    Realm(crate::realm::RealmQueryResponse),
    Account(crate::account::AccountQueryResponse),
    Character(crate::character::CharacterQueryResponse),
    Presence(crate::presence::PresenceQueryResponse),
    Social(crate::social::SocialQueryResponse),
    Channel(crate::channel::ChannelQueryResponse),
    Mail(crate::mail::MailQueryResponse),
    Arena(crate::arena::ArenaQueryResponse),
}

/// Answers `q` from `view` as of `now_ms`.
pub fn query(view: &dyn View, now_ms: u64, q: &Query) -> Result<QueryResponse, Error> {
    let txn = Txn::new(view, now_ms)?;
    Ok(match q {
        Query::Config => QueryResponse::Config(txn.config().clone()),
        Query::Realm(q) => QueryResponse::Realm(crate::realm::query(&txn, q)?),
        Query::Account(q) => QueryResponse::Account(crate::account::query(&txn, q)?),
        Query::Character(q) => QueryResponse::Character(crate::character::query(&txn, q)?),
        Query::Presence(q) => QueryResponse::Presence(crate::presence::query(&txn, q)?),
        Query::Social(q) => QueryResponse::Social(crate::social::query(&txn, q)?),
        Query::Channel(q) => QueryResponse::Channel(crate::channel::query(&txn, q)?),
        Query::Mail(q) => QueryResponse::Mail(crate::mail::query(&txn, q)?),
        Query::Arena(q) => QueryResponse::Arena(crate::arena::query(&txn, q)?),
    })
}
