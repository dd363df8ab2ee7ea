//! What changed: applying an entry yields events, which the node numbers with the entry's log
//! index and streams to watchers (DESIGN.md "Events").
//!
//! Each event has a kind (`"presence.online"`, [`Event::kind`]) and the subjects it is about
//! ([`Event::subjects`]: realms, characters, accounts, gateways, channels, mailboxes); a
//! watcher's [`EventFilter`] selects on those. Both are pure functions of the event, so every
//! node filters the same way.

use serde::{Deserialize, Serialize};

mod filter;
mod subjects;
#[cfg(test)]
mod tests;

pub use filter::{EventFilter, FilterError, FILTER_VALUES_MAX};
pub use subjects::Subjects;

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

/// Every event kind, `"<domain>.<event>"`, in declaration order. A filter names kinds from
/// this list, or a whole domain by its prefix (`"mail"`).
pub const EVENT_KINDS: &[&str] = &[
    "character.created",
    "character.renamed",
    "character.deleted",
    "presence.online",
    "presence.offline",
    "presence.status",
    "presence.moved",
    "presence.gateway_registered",
    "presence.gateway_lost",
    "social.friend_added",
    "social.friend_removed",
    "social.note_updated",
    "social.ignore_added",
    "social.ignore_removed",
    "social.account_friend_requested",
    "social.account_friend_accepted",
    "social.account_friend_declined",
    "social.account_friend_removed",
    "channel.joined",
    "channel.left",
    "channel.owner_changed",
    "channel.notify",
    "channel.invited",
    "channel.deleted",
    "mail.incoming",
    "mail.returned",
    "mail.deleted",
    "mail.money_taken",
    "mail.item_taken",
    "mail.cod_paid",
    "arena.created",
    "arena.invited",
    "arena.joined",
    "arena.declined",
    "arena.left",
    "arena.removed",
    "arena.captain_changed",
    "arena.disbanded",
    "arena.match_applied",
    "arena.week_finished",
];

/// The event domains, the part of a kind before the dot.
pub const EVENT_DOMAINS: &[&str] = &[
    "character",
    "presence",
    "social",
    "channel",
    "mail",
    "arena",
];

impl Event {
    /// The event's kind, one of [`EVENT_KINDS`].
    pub fn kind(&self) -> &'static str {
        use crate::arena::ArenaEvent as A;
        use crate::channel::ChannelEvent as Ch;
        use crate::character::CharacterEvent as C;
        use crate::mail::MailEvent as M;
        use crate::presence::PresenceEvent as P;
        use crate::social::SocialEvent as S;
        match self {
            Event::Character(e) => match e {
                C::Created { .. } => "character.created",
                C::Renamed { .. } => "character.renamed",
                C::Deleted { .. } => "character.deleted",
            },
            Event::Presence(e) => match e {
                P::Online { .. } => "presence.online",
                P::Offline { .. } => "presence.offline",
                P::Status { .. } => "presence.status",
                P::Moved { .. } => "presence.moved",
                P::GatewayRegistered { .. } => "presence.gateway_registered",
                P::GatewayLost { .. } => "presence.gateway_lost",
            },
            Event::Social(e) => match e {
                S::FriendAdded { .. } => "social.friend_added",
                S::FriendRemoved { .. } => "social.friend_removed",
                S::NoteUpdated { .. } => "social.note_updated",
                S::IgnoreAdded { .. } => "social.ignore_added",
                S::IgnoreRemoved { .. } => "social.ignore_removed",
                S::AccountFriendRequested { .. } => "social.account_friend_requested",
                S::AccountFriendAccepted { .. } => "social.account_friend_accepted",
                S::AccountFriendDeclined { .. } => "social.account_friend_declined",
                S::AccountFriendRemoved { .. } => "social.account_friend_removed",
            },
            Event::Channel(e) => match e {
                Ch::Joined { .. } => "channel.joined",
                Ch::Left { .. } => "channel.left",
                Ch::OwnerChanged { .. } => "channel.owner_changed",
                Ch::Notify { .. } => "channel.notify",
                Ch::Invited { .. } => "channel.invited",
                Ch::ChannelDeleted { .. } => "channel.deleted",
            },
            Event::Mail(e) => match e {
                M::Incoming { .. } => "mail.incoming",
                M::Returned { .. } => "mail.returned",
                M::Deleted { .. } => "mail.deleted",
                M::MoneyTaken { .. } => "mail.money_taken",
                M::ItemTaken { .. } => "mail.item_taken",
                M::CodPaid { .. } => "mail.cod_paid",
            },
            Event::Arena(e) => match e {
                A::Created { .. } => "arena.created",
                A::Invited { .. } => "arena.invited",
                A::Joined { .. } => "arena.joined",
                A::Declined { .. } => "arena.declined",
                A::Left { .. } => "arena.left",
                A::Removed { .. } => "arena.removed",
                A::CaptainChanged { .. } => "arena.captain_changed",
                A::Disbanded { .. } => "arena.disbanded",
                A::MatchApplied { .. } => "arena.match_applied",
                A::WeekFinished { .. } => "arena.week_finished",
            },
        }
    }
}
