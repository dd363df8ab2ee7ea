//! Every limit of the state, named with its unit (DESIGN.md "Limits"), and the checks that
//! turn a violation into [`Error::InvalidArgument`] naming the field and the limit.

use crate::error::Error;

/// Friends per character (`SOCIALMGR_FRIEND_LIMIT`).
pub const FRIENDS_MAX: usize = 50;
/// Ignores per character (`SOCIALMGR_IGNORE_LIMIT`).
pub const IGNORES_MAX: usize = 50;
/// Friend note, in characters (AC truncates to 48 UTF-8 characters; so do we).
pub const FRIEND_NOTE_CHARS_MAX: usize = 48;
/// Account-level (Real ID) friends per account, accepted and pending together.
pub const ACCOUNT_FRIENDS_MAX: usize = 100;
/// Character name, in characters (`playerName VARCHAR(12)`).
pub const CHARACTER_NAME_CHARS_MAX: usize = 12;
/// Account username, in bytes (`account.username VARCHAR(32)`).
pub const USERNAME_BYTES_MAX: usize = 32;
/// Locale tag, in bytes ("enUS").
pub const LOCALE_BYTES_MAX: usize = 8;
/// Realm name, in bytes.
pub const REALM_NAME_BYTES_MAX: usize = 64;
/// Gateway or worldserver id, in bytes.
pub const GATEWAY_ID_BYTES_MAX: usize = 64;
/// Characters per account and realm (AC `CharactersPerRealm` default 10).
pub const CHARACTERS_PER_REALM_MAX: usize = 10;
/// Presence updates in one batch.
pub const PRESENCE_BATCH_MAX: usize = 4096;
/// Characters asked for in one by-ids lookup.
pub const LOOKUP_IDS_MAX: usize = 1024;
/// /who results returned (the client shows 50).
pub const WHO_RESULTS_MAX: usize = 50;
/// /who zone filters and name strings (`zones[≤10]`, `strings[≤4]`).
pub const WHO_ZONES_MAX: usize = 10;
pub const WHO_STRINGS_MAX: usize = 4;
/// Channel name, in bytes (`channels.name varchar(128)`).
pub const CHANNEL_NAME_BYTES_MAX: usize = 128;
/// Channel password, in bytes (`channels.password varchar(32)`).
pub const CHANNEL_PASSWORD_BYTES_MAX: usize = 32;
/// Mail attachments (`MAX_MAIL_ITEMS`).
pub const MAIL_ITEMS_MAX: usize = 12;
/// Mail subject, in bytes.
pub const MAIL_SUBJECT_BYTES_MAX: usize = 256;
/// Mail body, in bytes.
pub const MAIL_BODY_BYTES_MAX: usize = 8000;
/// Live mails a recipient may hold before senders get RECIPIENT_CAP_REACHED.
pub const MAILBOX_MAILS_MAX: usize = 100;
/// Money in copper (`MAX_MONEY_AMOUNT = 0x7FFFFFFF - 1`).
pub const MONEY_COPPER_MAX: u64 = 0x7FFF_FFFF - 1;
/// Arena team name, in characters.
pub const ARENA_TEAM_NAME_CHARS_MAX: usize = 24;
/// Writes a client session may have answered but not yet acknowledged.
pub const SESSION_UNACKED_MAX: u64 = 1024;
/// Entries a sweep command handles at most in one apply, so one entry stays small.
pub const SWEEP_BATCH_MAX: usize = 1000;

/// `field` must be at most `max` bytes long.
pub fn check_bytes(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(Error::invalid(
            field,
            format!("is {} bytes, the limit is {max} bytes", value.len()),
        ));
    }
    Ok(())
}

/// `field` must be at most `max` characters long.
pub fn check_chars(field: &str, value: &str, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("is {n} characters, the limit is {max} characters"),
        ));
    }
    Ok(())
}

/// `field` must not be empty.
pub fn check_not_empty(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

/// `field` must hold at most `max` elements.
pub fn check_count(field: &str, n: usize, max: usize) -> Result<(), Error> {
    if n > max {
        return Err(Error::invalid(
            field,
            format!("has {n} elements, the limit is {max}"),
        ));
    }
    Ok(())
}

/// Money must be at most [`MONEY_COPPER_MAX`].
pub fn check_money(field: &str, copper: u64) -> Result<(), Error> {
    if copper > MONEY_COPPER_MAX {
        return Err(Error::invalid(
            field,
            format!("is {copper} copper, the limit is {MONEY_COPPER_MAX} copper"),
        ));
    }
    Ok(())
}

/// Truncates to at most `max` characters (AC's `utf8truncate`).
pub fn truncate_chars(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}
