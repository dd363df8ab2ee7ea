//! Mail with money, items and COD. (Skeleton: the mail work fills this module.)

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailConfig {}

impl MailConfig {
    pub fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// AC `MailResponseResult` values (`Mail.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailResult {
    InternalError,
}

impl MailResult {
    pub fn code(self) -> u32 {
        match self {
            MailResult::InternalError => 6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailCommand {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailResponse {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailEvent {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailQuery {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailQueryResponse {}

pub(crate) fn apply(_txn: &mut Txn<'_>, cmd: &MailCommand) -> Result<Response, Error> {
    match *cmd {}
}

pub(crate) fn query(_txn: &Txn<'_>, q: &MailQuery) -> Result<MailQueryResponse, Error> {
    match *q {}
}

/// The character was deleted: its received mail is returned or deleted.
pub(crate) fn on_character_deleted(_txn: &mut Txn<'_>, _c: &Character) -> Result<(), Error> {
    Ok(())
}
