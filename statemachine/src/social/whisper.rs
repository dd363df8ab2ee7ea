//! Name resolution ("Name" or "Name-Realm") and whisper routing.
//!
//! A whisper is routed when the target is online and either on the sender's realm, or on
//! another realm that [`super::WhisperPolicy`] allows (accepted account friends; both in
//! cross-realm instances), and the target does not ignore the sender. Every refusal is the same
//! [`Error::PlayerNotFound`], so the sender cannot tell offline from ignored from out of policy.

use super::WhisperTarget;
use crate::character::Character;
use crate::error::Error;
use crate::ids::{CharacterId, RealmId};
use crate::keys::{Key, REALM};
use crate::limits::{check_bytes, check_not_empty};
use crate::realm::{Realm, REALMS_MAX};
use crate::txn::Txn;

/// A target name must be non-empty and within [`super::TARGET_NAME_BYTES_MAX`].
pub(super) fn check_target_name(field: &str, name: &str) -> Result<(), Error> {
    check_not_empty(field, name)?;
    check_bytes(field, name, super::TARGET_NAME_BYTES_MAX)
}

/// Realm names compare without case and without spaces (the client drops spaces in
/// "Name-Realm").
fn realm_fold(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The realm with this name; the lowest id wins if two share one.
fn realm_by_name(txn: &Txn<'_>, name: &str) -> Result<Option<RealmId>, Error> {
    let want = realm_fold(name);
    if want.is_empty() {
        return Ok(None);
    }
    Ok(txn
        .scan_records::<Realm>(&Key::new(REALM).build(), REALMS_MAX)?
        .into_iter()
        .find(|(_, r)| realm_fold(&r.name) == want)
        .map(|(_, r)| r.id))
}

/// Resolves "Name" on `home_realm`, or "Name-Realm" on the realm of that name; `None` when the
/// realm or the character is unknown. Character names are letters only, so the first dash
/// ends the name.
pub(super) fn resolve_name(
    txn: &Txn<'_>,
    home_realm: RealmId,
    target: &str,
) -> Result<Option<Character>, Error> {
    let (name, realm) = match target.split_once('-') {
        None => (target, home_realm),
        Some((name, realm_name)) => match realm_by_name(txn, realm_name)? {
            Some(realm) => (name, realm),
            None => return Ok(None),
        },
    };
    crate::character::by_name(txn, realm, name)
}

/// Where a whisper from `from` to `target` goes.
pub(super) fn resolve(
    txn: &Txn<'_>,
    from: CharacterId,
    target: &str,
) -> Result<WhisperTarget, Error> {
    let sender = crate::character::require(txn, from)?;
    check_target_name("target", target)?;
    let Some(receiver) = resolve_name(txn, from.realm, target)? else {
        return Err(Error::PlayerNotFound);
    };
    let Some(presence) = crate::presence::get(txn, receiver.id)? else {
        return Err(Error::PlayerNotFound);
    };
    if receiver.id.realm != from.realm {
        let policy = &txn.config().social.whisper;
        let friends = policy.allow_account_friends
            && super::account_friends::is_accepted(txn, sender.account, receiver.account)?;
        let instance = policy.allow_cross_realm_instance
            && presence.in_cross_realm_instance
            && crate::presence::get(txn, from)?.is_some_and(|p| p.in_cross_realm_instance);
        if !friends && !instance {
            return Err(Error::PlayerNotFound);
        }
    }
    if super::friends::is_ignoring(txn, receiver.id, from)? {
        return Err(Error::PlayerNotFound);
    }
    Ok(WhisperTarget {
        id: receiver.id,
        gateway: presence.gateway,
        name: receiver.name,
    })
}
