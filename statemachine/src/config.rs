//! The cluster config: the game-rule switches and durations apply follows.
//!
//! It lives in the state (set by [`crate::Command::SetConfig`] through the log), never in a
//! node's local file, so every node decides the same way. Each domain owns its part.

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::error::Error;
use crate::keys::{Key, META};
use crate::records::Problem;
use crate::txn::Txn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// A gateway that has not renewed its lease for this long loses all its presence.
    pub gateway_lease_ms: u64,
    /// A client session idle this long is forgotten; a retry after that is a new write.
    pub session_ttl_ms: u64,
    /// Highest character level (`CONFIG_MAX_PLAYER_LEVEL`).
    pub max_player_level: u8,
    pub social: crate::social::SocialConfig,
    pub channel: crate::channel::ChannelConfig,
    pub mail: crate::mail::MailConfig,
    pub arena: crate::arena::ArenaConfig,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            gateway_lease_ms: 15_000,
            session_ttl_ms: 3_600_000,
            max_player_level: 80,
            social: Default::default(),
            channel: Default::default(),
            mail: Default::default(),
            arena: Default::default(),
        }
    }
}

impl Record for ClusterConfig {
    const WHAT: &'static str = "cluster config";
}

impl ClusterConfig {
    /// Checks relations between values; a config that fails is refused by `SetConfig`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.gateway_lease_ms == 0 {
            return Err(Error::invalid(
                "config.gateway_lease_ms",
                "must be above 0 ms",
            ));
        }
        if self.session_ttl_ms < 1_000 {
            return Err(Error::invalid(
                "config.session_ttl_ms",
                "must be at least 1000 ms",
            ));
        }
        if self.max_player_level == 0 {
            return Err(Error::invalid("config.max_player_level", "must be above 0"));
        }
        self.social.validate()?;
        self.channel.validate()?;
        self.mail.validate()?;
        Ok(())
    }
}

pub(crate) fn key() -> Vec<u8> {
    Key::new(META).str("config").build()
}

/// The stored config, or the defaults before any `SetConfig`.
pub fn load(txn: &Txn<'_>) -> Result<ClusterConfig, Error> {
    Ok(txn.get::<ClusterConfig>(&key())?.unwrap_or_default())
}

pub(crate) fn set(txn: &mut Txn<'_>, config: ClusterConfig) -> Result<(), Error> {
    config.validate()?;
    txn.put(key(), &config);
    txn.set_config(config);
    Ok(())
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::Is};
    match tag {
        META => Some(record::<ClusterConfig>(
            key,
            &[("name", Is("config"))],
            value,
        )),
        _ => None,
    }
}
