//! What changed: applying an entry yields events, which the node numbers with the entry's log
//! index and streams to watchers (DESIGN.md "Events").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Character(crate::character::CharacterEvent),
    Presence(crate::presence::PresenceEvent),
    Social(crate::social::SocialEvent),
    Channel(crate::channel::ChannelEvent),
    Mail(crate::mail::MailEvent),
    Arena(crate::arena::ArenaEvent),
}

macro_rules! from_domain {
    ($($variant:ident($ty:path)),* $(,)?) => {
        $(impl From<$ty> for Event {
            fn from(e: $ty) -> Self { Event::$variant(e) }
        })*
    };
}

from_domain!(
    Character(crate::character::CharacterEvent),
    Presence(crate::presence::PresenceEvent),
    Social(crate::social::SocialEvent),
    Channel(crate::channel::ChannelEvent),
    Mail(crate::mail::MailEvent),
    Arena(crate::arena::ArenaEvent),
);
