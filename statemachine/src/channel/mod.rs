//! Chat channels: built-in and custom, membership, moderation and the speak check.
//! (Skeleton: the channel work fills this module.)

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::CharacterId;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChannelConfig {}

/// AC `ChatNotify` values (`Channel.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelNotice {
    WrongPassword,
}

impl ChannelNotice {
    pub fn code(self) -> u32 {
        match self {
            ChannelNotice::WrongPassword => 0x06,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelCommand {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelResponse {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelEvent {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelQuery {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChannelQueryResponse {}

pub(crate) fn apply(_txn: &mut Txn<'_>, cmd: &ChannelCommand) -> Result<Response, Error> {
    match *cmd {}
}

pub(crate) fn query(_txn: &Txn<'_>, q: &ChannelQuery) -> Result<ChannelQueryResponse, Error> {
    match *q {}
}

/// The character logged out (or its gateway was lost): it leaves every channel.
pub(crate) fn on_logout(_txn: &mut Txn<'_>, _id: CharacterId) -> Result<(), Error> {
    Ok(())
}

/// The character was deleted: memberships, ownership and bans go.
pub(crate) fn on_character_deleted(_txn: &mut Txn<'_>, _c: &Character) -> Result<(), Error> {
    Ok(())
}
