//! Realms: `(id, name, cross-realm flag)`. Every character lives on a registered realm.
//!
//! Keys: `REALM | realm u32 -> Realm`.

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::command::Response;
use crate::error::Error;
use crate::ids::RealmId;
use crate::keys::{Key, REALM};
use crate::limits::{check_bytes, check_not_empty, REALM_NAME_BYTES_MAX};
use crate::records::Problem;
use crate::txn::Txn;

/// Realms a cluster may register; far above any real cluster, it bounds the realm scan.
pub const REALMS_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Realm {
    pub id: RealmId,
    pub name: String,
    /// Realm 0 style: a realm whose game servers host players of every realm.
    pub cross_realm: bool,
}

impl Record for Realm {
    const WHAT: &'static str = "realm";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RealmCommand {
    /// Registers a realm or changes its name and flag.
    Upsert(Realm),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RealmQuery {
    Get { id: RealmId },
    List,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RealmQueryResponse {
    Realm(Option<Realm>),
    Realms(Vec<Realm>),
}

pub(crate) fn key(id: RealmId) -> Vec<u8> {
    Key::new(REALM).u32(id).build()
}

/// The realm, or `NotFound` naming it.
pub fn require(txn: &Txn<'_>, id: RealmId) -> Result<Realm, Error> {
    txn.get::<Realm>(&key(id))?
        .ok_or_else(|| Error::not_found(format!("realm {id}")))
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &RealmCommand) -> Result<Response, Error> {
    match cmd {
        RealmCommand::Upsert(realm) => {
            check_not_empty("realm.name", &realm.name)?;
            check_bytes("realm.name", &realm.name, REALM_NAME_BYTES_MAX)?;
            if !txn.exists(&key(realm.id))?
                && txn.count(&Key::new(REALM).build(), REALMS_MAX)? >= REALMS_MAX
            {
                return Err(Error::invalid(
                    "realm.id",
                    format!("the cluster already has {REALMS_MAX} realms, the limit"),
                ));
            }
            txn.put(key(realm.id), realm);
            Ok(Response::Done)
        }
    }
}

pub(crate) fn query(txn: &Txn<'_>, q: &RealmQuery) -> Result<RealmQueryResponse, Error> {
    Ok(match q {
        RealmQuery::Get { id } => RealmQueryResponse::Realm(txn.get(&key(*id))?),
        RealmQuery::List => RealmQueryResponse::Realms(
            txn.scan_records::<Realm>(&Key::new(REALM).build(), REALMS_MAX)?
                .into_iter()
                .map(|(_, r)| r)
                .collect(),
        ),
    })
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::U32};
    match tag {
        REALM => Some(record::<Realm>(key, &[("realm", U32)], value)),
        _ => None,
    }
}
