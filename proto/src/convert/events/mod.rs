//! `WatchService` ⇄ `tavern_statemachine::event`: the events of every domain, the filter, and
//! the stream's replies.
//!
//! The node turns each domain [`Event`] into its `pb::Event` (`From`); the client turns it back
//! with a validating `TryFrom`, like any other answer: required ids present, enums not
//! `UNSPECIFIED`, game bytes within a byte, strings and lists within their limits. Events of
//! the people domains (character, presence, social) are in `people.rs`, of the places and
//! things (channel, mail, arena) in `things.rs`.

use tavern_statemachine::event::{Event, EventFilter, FilterError};
use tavern_statemachine::limits::GATEWAY_ID_BYTES_MAX;
use tavern_statemachine::presence::Notify;

use super::{bytes_max, character_id, count_max, each, ConvertError, CHARACTER_NAME_BYTES_MAX};
use crate::pb;

mod people;
mod things;

/// The most elements an event's list (recipients, members, items) may hold on the wire.
pub const EVENT_LIST_MAX: usize = 65_536;
/// The most events one reply may carry (one entry's events).
pub const REPLY_EVENTS_MAX: usize = 65_536;

/// A proto enum ⇄ a domain unit enum: `From` one way, and a checked function the other way
/// that refuses `UNSPECIFIED` and unknown values.
macro_rules! wire_enum {
    ($check:ident: $domain:ident => $pb:ident, $what:literal, { $($d:ident => $p:ident),+ $(,)? }) => {
        impl From<$domain> for pb::$pb {
            fn from(v: $domain) -> Self {
                match v {
                    $($domain::$d => pb::$pb::$p),+
                }
            }
        }

        fn $check(field: &str, value: i32) -> Result<$domain, ConvertError> {
            match pb::$pb::try_from(value) {
                $(Ok(pb::$pb::$p) => Ok($domain::$d),)+
                Ok(_) => Err(ConvertError::new(field, "is unspecified")),
                Err(_) => Err(ConvertError::new(field, format!("is {value}, not a {}", $what))),
            }
        }
    };
}
pub(crate) use wire_enum;

/// A character name in an event.
fn name(field: &str, value: String) -> Result<String, ConvertError> {
    bytes_max(field, value, CHARACTER_NAME_BYTES_MAX)
}

/// A gateway id in an event.
fn gateway(field: &str, value: String) -> Result<String, ConvertError> {
    bytes_max(field, value, GATEWAY_ID_BYTES_MAX)
}

fn opt_gateway(field: &str, value: Option<String>) -> Result<Option<String>, ConvertError> {
    value.map(|g| gateway(field, g)).transpose()
}

impl From<Notify> for pb::Recipient {
    fn from(n: Notify) -> Self {
        pb::Recipient {
            id: Some(n.id.into()),
            gateway: n.gateway,
        }
    }
}

impl TryFrom<pb::Recipient> for Notify {
    type Error = ConvertError;

    fn try_from(r: pb::Recipient) -> Result<Self, ConvertError> {
        Ok(Notify {
            id: character_id("recipient.id", r.id)?,
            gateway: gateway("recipient.gateway", r.gateway)?,
        })
    }
}

fn recipients_to_wire(list: Vec<Notify>) -> Vec<pb::Recipient> {
    list.into_iter().map(Into::into).collect()
}

/// A `notify` list from the wire.
fn recipients(list: Vec<pb::Recipient>) -> Result<Vec<Notify>, ConvertError> {
    count_max("notify", list.len(), EVENT_LIST_MAX)?;
    each("notify", list, Notify::try_from)
}

impl From<Event> for pb::Event {
    fn from(e: Event) -> Self {
        use pb::event::Event as E;
        let event = match e {
            Event::Character(e) => E::Character(e.into()),
            Event::Presence(e) => E::Presence(e.into()),
            Event::Social(e) => E::Social(e.into()),
            Event::Channel(e) => E::Channel(e.into()),
            Event::Mail(e) => E::Mail(e.into()),
            Event::Arena(e) => E::Arena(e.into()),
        };
        pb::Event { event: Some(event) }
    }
}

impl TryFrom<pb::Event> for Event {
    type Error = ConvertError;

    fn try_from(e: pb::Event) -> Result<Self, ConvertError> {
        use pb::event::Event as E;
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("event"))? {
                E::Character(e) => Event::Character(e.try_into()?),
                E::Presence(e) => Event::Presence(e.try_into()?),
                E::Social(e) => Event::Social(e.try_into()?),
                E::Channel(e) => Event::Channel(e.try_into()?),
                E::Mail(e) => Event::Mail(e.try_into()?),
                E::Arena(e) => Event::Arena(e.try_into()?),
            },
        )
    }
}

/// What a watcher asks for: events from `from_index` on that pass `filter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchRequest {
    pub from_index: u64,
    pub filter: EventFilter,
}

impl From<WatchRequest> for pb::WatchRequest {
    fn from(r: WatchRequest) -> Self {
        let f = r.filter;
        pb::WatchRequest {
            from_index: r.from_index,
            filter: Some(pb::WatchFilter {
                kinds: f.kinds,
                realms: f.realms,
                characters: f.characters.into_iter().map(Into::into).collect(),
                accounts: f.accounts,
                gateways: f.gateways,
                channels: f.channels.into_iter().map(Into::into).collect(),
                mailboxes: f.mailboxes.into_iter().map(Into::into).collect(),
            }),
        }
    }
}

impl TryFrom<pb::WatchRequest> for WatchRequest {
    type Error = ConvertError;

    /// Checks the filter: kinds must be known, lists within
    /// [`tavern_statemachine::event::FILTER_VALUES_MAX`], channel keys and gateway ids within
    /// their limits.
    fn try_from(r: pb::WatchRequest) -> Result<Self, ConvertError> {
        let f = r.filter.unwrap_or_default();
        let channels = each("filter.channels", f.channels, |k| {
            super::channel::channel_key("filter.channels", Some(k))
        })?;
        let gateways = each("filter.gateways", f.gateways, |g| {
            gateway("filter.gateways", g)
        })?;
        let filter = EventFilter {
            kinds: f.kinds,
            realms: f.realms,
            characters: f.characters.into_iter().map(Into::into).collect(),
            accounts: f.accounts,
            gateways,
            channels,
            mailboxes: f.mailboxes.into_iter().map(Into::into).collect(),
        }
        .validate()
        .map_err(|e| match e {
            FilterError::UnknownKind(_) => ConvertError::new("filter.kinds", e.to_string()),
            FilterError::TooMany { list, count, max } => ConvertError::new(
                format!("filter.{list}"),
                format!("has {count} elements, the limit is {max}"),
            ),
        })?;
        Ok(WatchRequest {
            from_index: r.from_index,
            filter,
        })
    }
}

/// One reply of the stream: the events of the entry at `index` that passed the filter, or,
/// with no events, progress (every entry up to `index` was looked at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBatch {
    pub index: u64,
    pub events: Vec<Event>,
}

impl From<EventBatch> for pb::WatchReply {
    fn from(b: EventBatch) -> Self {
        pb::WatchReply {
            index: b.index,
            events: b.events.into_iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<pb::WatchReply> for EventBatch {
    type Error = ConvertError;

    fn try_from(r: pb::WatchReply) -> Result<Self, ConvertError> {
        count_max("events", r.events.len(), REPLY_EVENTS_MAX)?;
        Ok(EventBatch {
            index: r.index,
            events: each("events", r.events, Event::try_from)?,
        })
    }
}
