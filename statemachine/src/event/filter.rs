//! A watcher's selection of events: by kind and by subject (DESIGN.md "Events").
//!
//! An event passes when each part of the filter that is set accepts it:
//! - `kinds`: its kind is one of them, or its domain is (`"mail"` takes every `mail.*`);
//! - `realms`: one of its realms is one of them;
//! - the subject lists (`characters`, `accounts`, `gateways`, `channels`, `mailboxes`), taken
//!   together: it names at least one of the values of any of them.
//!
//! An empty filter passes everything. Each list holds at most [`FILTER_VALUES_MAX`] values.

use crate::channel::ChannelKey;
use crate::keys::fold;
use crate::{AccountId, CharacterId, GatewayId, RealmId};

use super::{Event, Subjects, EVENT_DOMAINS, EVENT_KINDS};

/// The most values one list of a filter may hold.
pub const FILTER_VALUES_MAX: usize = 1024;

/// Which events a watcher wants; see the module header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Kinds (`"presence.online"`) or whole domains (`"presence"`).
    pub kinds: Vec<String>,
    pub realms: Vec<RealmId>,
    pub characters: Vec<CharacterId>,
    pub accounts: Vec<AccountId>,
    pub gateways: Vec<GatewayId>,
    /// Matched by realm, team and case-folded name.
    pub channels: Vec<ChannelKey>,
    /// Receivers whose mailbox changed.
    pub mailboxes: Vec<CharacterId>,
}

/// Why a filter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("{0:?} is not an event kind nor a domain (kinds are like \"presence.online\", domains like \"mail\")")]
    UnknownKind(String),
    #[error("{list} has {count} values, the limit is {max}")]
    TooMany {
        list: &'static str,
        count: usize,
        max: usize,
    },
}

impl EventFilter {
    /// Checks the kinds and the list sizes, and folds channel names as the state machine does.
    pub fn validate(mut self) -> Result<Self, FilterError> {
        let sizes = [
            ("kinds", self.kinds.len()),
            ("realms", self.realms.len()),
            ("characters", self.characters.len()),
            ("accounts", self.accounts.len()),
            ("gateways", self.gateways.len()),
            ("channels", self.channels.len()),
            ("mailboxes", self.mailboxes.len()),
        ];
        for (list, count) in sizes {
            if count > FILTER_VALUES_MAX {
                return Err(FilterError::TooMany {
                    list,
                    count,
                    max: FILTER_VALUES_MAX,
                });
            }
        }
        if let Some(k) = self
            .kinds
            .iter()
            .find(|k| !EVENT_KINDS.contains(&k.as_str()) && !EVENT_DOMAINS.contains(&k.as_str()))
        {
            return Err(FilterError::UnknownKind(k.clone()));
        }
        for c in &mut self.channels {
            c.name = fold(&c.name);
        }
        Ok(self)
    }

    /// Whether `event` passes (see the module header).
    pub fn matches(&self, event: &Event) -> bool {
        if !self.kinds.is_empty() {
            let kind = event.kind();
            let domain = kind.split('.').next().unwrap_or(kind);
            if !self.kinds.iter().any(|k| k == kind || k == domain) {
                return false;
            }
        }
        if self.realms.is_empty() && !self.has_subjects() {
            return true;
        }
        let s = event.subjects();
        if !self.realms.is_empty() && !any_in(&self.realms, &s.realms) {
            return false;
        }
        !self.has_subjects() || self.names_any(&s)
    }

    fn has_subjects(&self) -> bool {
        !(self.characters.is_empty()
            && self.accounts.is_empty()
            && self.gateways.is_empty()
            && self.channels.is_empty()
            && self.mailboxes.is_empty())
    }

    fn names_any(&self, s: &Subjects) -> bool {
        any_in(&self.characters, &s.characters)
            || any_in(&self.accounts, &s.accounts)
            || any_in(&self.gateways, &s.gateways)
            || any_in(&self.channels, &s.channels)
            || any_in(&self.mailboxes, &s.mailboxes)
    }
}

/// Whether some value of `wanted` is in `have` (sorted, from [`Event::subjects`]).
fn any_in<T: Ord>(wanted: &[T], have: &[T]) -> bool {
    wanted.iter().any(|w| have.binary_search(w).is_ok())
}
