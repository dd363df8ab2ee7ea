//! Arena teams. (Skeleton: the arena work fills this module.)

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::CharacterId;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ArenaConfig {}

/// AC `ArenaTeamCommandErrors` values (`ArenaTeam.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaResult {
    Internal,
}

impl ArenaResult {
    pub fn code(self) -> u32 {
        match self {
            ArenaResult::Internal => 0x01,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaCommand {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaResponse {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaEvent {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaQuery {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaQueryResponse {}

pub(crate) fn apply(_txn: &mut Txn<'_>, cmd: &ArenaCommand) -> Result<Response, Error> {
    match *cmd {}
}

pub(crate) fn query(_txn: &Txn<'_>, q: &ArenaQuery) -> Result<ArenaQueryResponse, Error> {
    match *q {}
}

/// The character logged out: its pending (transient) invites go.
pub(crate) fn on_logout(_txn: &mut Txn<'_>, _id: CharacterId) -> Result<(), Error> {
    Ok(())
}

/// The character was deleted: membership and captaincy are handed on or the team disbanded.
pub(crate) fn on_character_deleted(_txn: &mut Txn<'_>, _c: &Character) -> Result<(), Error> {
    Ok(())
}
