//! Every write the cluster accepts, and what it answers. One enum per domain, each defined
//! and applied in its own module.

use serde::{Deserialize, Serialize};

use crate::config::ClusterConfig;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Replaces the cluster config (validated first).
    SetConfig(ClusterConfig),
    Realm(crate::realm::RealmCommand),
    Account(crate::account::AccountCommand),
    Character(crate::character::CharacterCommand),
    Presence(crate::presence::PresenceCommand),
    Social(crate::social::SocialCommand),
    Channel(crate::channel::ChannelCommand),
    Mail(crate::mail::MailCommand),
    Arena(crate::arena::ArenaCommand),
    Session(crate::session::SessionCommand),
}

/// The answer to a successful write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The write took effect and has nothing more to say.
    Done,
    Character(crate::character::CharacterResponse),
    Presence(crate::presence::PresenceResponse),
    Social(crate::social::SocialResponse),
    Channel(crate::channel::ChannelResponse),
    Mail(crate::mail::MailResponse),
    Arena(crate::arena::ArenaResponse),
    Session(crate::session::SessionResponse),
}

macro_rules! from_domain {
    ($($variant:ident($ty:path)),* $(,)?) => {
        $(impl From<$ty> for Command {
            fn from(c: $ty) -> Self { Command::$variant(c) }
        })*
    };
}

from_domain!(
    Realm(crate::realm::RealmCommand),
    Account(crate::account::AccountCommand),
    Character(crate::character::CharacterCommand),
    Presence(crate::presence::PresenceCommand),
    Social(crate::social::SocialCommand),
    Channel(crate::channel::ChannelCommand),
    Mail(crate::mail::MailCommand),
    Arena(crate::arena::ArenaCommand),
    Session(crate::session::SessionCommand),
);
