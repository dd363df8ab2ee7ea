//! Accounts: id, username, locale, lock state and GM level. Auth secrets (salt, verifier,
//! session key) deliberately stay with the authserver (DOMAIN.md 1.2).
//!
//! Keys:
//! ```text
//! ACCOUNT             | account u32            -> Account
//! ACCOUNT_BY_USERNAME | lower(username) str    -> account u32
//! ```

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::command::Response;
use crate::error::Error;
use crate::ids::AccountId;
use crate::keys::{fold, Key, ACCOUNT, ACCOUNT_BY_USERNAME};
use crate::limits::{check_bytes, check_not_empty, LOCALE_BYTES_MAX, USERNAME_BYTES_MAX};
use crate::records::Problem;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub locale: String,
    /// Locked or banned: its characters cannot log in.
    pub locked: bool,
    /// 0 for players; GMs above the configured level are hidden from friends and /who.
    pub gm_level: u8,
}

impl Record for Account {
    const WHAT: &'static str = "account";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountCommand {
    /// Creates the account or updates its username and locale (lock and GM level are kept).
    Upsert {
        id: AccountId,
        username: String,
        locale: String,
    },
    /// Locking also logs out the account's online character.
    SetLocked {
        id: AccountId,
        locked: bool,
    },
    SetGmLevel {
        id: AccountId,
        gm_level: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountQuery {
    Get { id: AccountId },
    ByUsername { username: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountQueryResponse {
    Account(Option<Account>),
}

pub(crate) fn key(id: AccountId) -> Vec<u8> {
    Key::new(ACCOUNT).u32(id).build()
}

fn username_key(username: &str) -> Vec<u8> {
    Key::new(ACCOUNT_BY_USERNAME).str(&fold(username)).build()
}

/// The account, or `NotFound` naming it.
pub fn require(txn: &Txn<'_>, id: AccountId) -> Result<Account, Error> {
    txn.get::<Account>(&key(id))?
        .ok_or_else(|| Error::not_found(format!("account {id}")))
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &AccountCommand) -> Result<Response, Error> {
    match cmd {
        AccountCommand::Upsert {
            id,
            username,
            locale,
        } => {
            check_not_empty("account.username", username)?;
            check_bytes("account.username", username, USERNAME_BYTES_MAX)?;
            check_bytes("account.locale", locale, LOCALE_BYTES_MAX)?;
            if let Some(owner) = txn.get::<u32>(&username_key(username))? {
                if owner != *id {
                    return Err(Error::already_exists(format!("username {username:?}")));
                }
            }
            let account = match txn.get::<Account>(&key(*id))? {
                Some(old) => {
                    txn.delete(username_key(&old.username));
                    Account {
                        username: username.clone(),
                        locale: locale.clone(),
                        ..old
                    }
                }
                None => Account {
                    id: *id,
                    username: username.clone(),
                    locale: locale.clone(),
                    locked: false,
                    gm_level: 0,
                },
            };
            txn.put(username_key(username), id);
            txn.put(key(*id), &account);
            Ok(Response::Done)
        }
        AccountCommand::SetLocked { id, locked } => {
            let account = require(txn, *id)?;
            txn.put(
                key(*id),
                &Account {
                    locked: *locked,
                    ..account
                },
            );
            if *locked {
                crate::presence::kick_account(txn, *id)?;
            }
            Ok(Response::Done)
        }
        AccountCommand::SetGmLevel { id, gm_level } => {
            let account = require(txn, *id)?;
            txn.put(
                key(*id),
                &Account {
                    gm_level: *gm_level,
                    ..account
                },
            );
            Ok(Response::Done)
        }
    }
}

pub(crate) fn query(txn: &Txn<'_>, q: &AccountQuery) -> Result<AccountQueryResponse, Error> {
    Ok(match q {
        AccountQuery::Get { id } => AccountQueryResponse::Account(txn.get(&key(*id))?),
        AccountQuery::ByUsername { username } => {
            let account = match txn.get::<u32>(&username_key(username))? {
                Some(id) => txn.get(&key(id))?,
                None => None,
            };
            AccountQueryResponse::Account(account)
        }
    })
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        ACCOUNT => record::<Account>(key, &[("account", U32)], value),
        ACCOUNT_BY_USERNAME => record::<u32>(key, &[("lower(username)", Str)], value),
        _ => return None,
    })
}
