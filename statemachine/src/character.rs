//! Characters: create, rename, delete with the full cascade of DOMAIN.md 3.10.
//!
//! Keys:
//! ```text
//! CHARACTER             | realm u32 | low u32                 -> Character
//! CHARACTER_BY_NAME     | realm u32 | lower(name) str         -> low u32
//! CHARACTERS_OF_ACCOUNT | account u32 | realm u32 | low u32   -> ()
//! ```
//! Delete cascade, in one entry: presence (logged out first), friends and ignores both ways,
//! account-independent social edges, received mail returned or deleted, arena membership and
//! captaincy, channel ownership, membership and bans, then the name index.

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{AccountId, CharacterId, RealmId, Team};
use crate::keys::{fold, Key, KeyReader, CHARACTER, CHARACTERS_OF_ACCOUNT, CHARACTER_BY_NAME};
use crate::limits::{CHARACTERS_PER_REALM_MAX, CHARACTER_NAME_CHARS_MAX};
use crate::records::Problem;
use crate::txn::Txn;

/// Shortest character name (AC `MinPlayerName` default 2).
pub const CHARACTER_NAME_CHARS_MIN: usize = 2;
/// Characters of one account over all realms that an account query returns at most.
pub const CHARACTERS_PER_ACCOUNT_MAX: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Character {
    pub id: CharacterId,
    pub account: AccountId,
    /// Normalised "Xxxx" form, as AC's `normalizePlayerName`.
    pub name: String,
    pub race: u8,
    pub class: u8,
    pub gender: u8,
    pub level: u8,
    pub created_ms: u64,
}

impl Character {
    /// The faction, from the race (validated at create, so always known).
    pub fn team(&self) -> Team {
        Team::of_race(self.race).unwrap_or(Team::Neutral)
    }
}

impl Record for Character {
    const WHAT: &'static str = "character";
}

/// AC `ResponseCodes` values for character create, rename and delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterResult {
    CreateNameInUse,
    CreateServerLimit,
    DeleteFailed,
    LoginNoCharacter,
    NameFailure,
    NameNoName,
    NameTooShort,
    NameTooLong,
    NameInvalidCharacter,
}

impl CharacterResult {
    pub fn code(self) -> u32 {
        match self {
            CharacterResult::CreateNameInUse => 0x32,
            CharacterResult::CreateServerLimit => 0x35,
            CharacterResult::DeleteFailed => 0x48,
            CharacterResult::LoginNoCharacter => 0x53,
            CharacterResult::NameFailure => 0x58,
            CharacterResult::NameNoName => 0x59,
            CharacterResult::NameTooShort => 0x5A,
            CharacterResult::NameTooLong => 0x5B,
            CharacterResult::NameInvalidCharacter => 0x5C,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterCommand {
    Create {
        id: CharacterId,
        account: AccountId,
        name: String,
        race: u8,
        class: u8,
        gender: u8,
        level: u8,
    },
    /// Refused while the character is online (renames happen at character select).
    Rename { id: CharacterId, name: String },
    /// Refused while online; otherwise removes the character and everything that refers to it.
    Delete { id: CharacterId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterResponse {
    /// The stored (normalised) name.
    Named { id: CharacterId, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterEvent {
    Created {
        id: CharacterId,
        account: AccountId,
        name: String,
    },
    Renamed {
        id: CharacterId,
        old_name: String,
        new_name: String,
    },
    Deleted {
        id: CharacterId,
        account: AccountId,
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterQuery {
    Get {
        id: CharacterId,
    },
    ByName {
        realm: RealmId,
        name: String,
    },
    /// An account's characters, on one realm or on all.
    ForAccount {
        account: AccountId,
        realm: Option<RealmId>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacterQueryResponse {
    Character(Option<Character>),
    Characters(Vec<Character>),
}

pub(crate) fn key(id: CharacterId) -> Vec<u8> {
    Key::new(CHARACTER).character(id).build()
}

fn name_key(realm: RealmId, name: &str) -> Vec<u8> {
    Key::new(CHARACTER_BY_NAME)
        .u32(realm)
        .str(&fold(name))
        .build()
}

fn of_account_key(account: AccountId, id: CharacterId) -> Vec<u8> {
    Key::new(CHARACTERS_OF_ACCOUNT)
        .u32(account)
        .character(id)
        .build()
}

/// The character, or `NotFound` naming it.
pub fn require(txn: &Txn<'_>, id: CharacterId) -> Result<Character, Error> {
    txn.get::<Character>(&key(id))?
        .ok_or_else(|| Error::not_found(format!("character {id}")))
}

pub fn get(txn: &Txn<'_>, id: CharacterId) -> Result<Option<Character>, Error> {
    txn.get::<Character>(&key(id))
}

/// Resolves a name on a realm (case-insensitive).
pub fn by_name(txn: &Txn<'_>, realm: RealmId, name: &str) -> Result<Option<Character>, Error> {
    if name.is_empty() || name.len() > CHARACTER_NAME_CHARS_MAX * 4 {
        return Ok(None);
    }
    match txn.get::<u32>(&name_key(realm, name))? {
        Some(low) => get(txn, CharacterId::new(realm, low)),
        None => Ok(None),
    }
}

/// Checks a name the way AC's `ObjectMgr::CheckPlayerName` does (letters only, 2 to 12) and
/// returns it normalised to "Xxxx".
pub fn normalize_name(name: &str) -> Result<String, Error> {
    let n = name.chars().count();
    let fail = |r| Err(Error::Character(r));
    if n == 0 {
        return fail(CharacterResult::NameNoName);
    }
    if n < CHARACTER_NAME_CHARS_MIN {
        return fail(CharacterResult::NameTooShort);
    }
    if n > CHARACTER_NAME_CHARS_MAX {
        return fail(CharacterResult::NameTooLong);
    }
    if !name.chars().all(char::is_alphabetic) {
        return fail(CharacterResult::NameInvalidCharacter);
    }
    let mut chars = name.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    Ok(first + &chars.as_str().to_lowercase())
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &CharacterCommand) -> Result<Response, Error> {
    match cmd {
        CharacterCommand::Create {
            id,
            account,
            name,
            race,
            class,
            gender,
            level,
        } => {
            crate::realm::require(txn, id.realm)?;
            crate::account::require(txn, *account)?;
            if Team::of_race(*race).is_none() {
                return Err(Error::invalid(
                    "character.race",
                    format!("{race} is not a playable race"),
                ));
            }
            if !(1..=11).contains(class) || *class == 10 {
                return Err(Error::invalid(
                    "character.class",
                    format!("{class} is not a playable class"),
                ));
            }
            if *gender > 1 {
                return Err(Error::invalid(
                    "character.gender",
                    format!("{gender} is not 0 or 1"),
                ));
            }
            let max_level = txn.config().max_player_level;
            if *level == 0 || *level > max_level {
                return Err(Error::invalid(
                    "character.level",
                    format!("{level} is not in 1..={max_level}"),
                ));
            }
            let name = normalize_name(name)?;
            if txn.exists(&key(*id))? {
                return Err(Error::already_exists(format!("character {id}")));
            }
            if txn.exists(&name_key(id.realm, &name))? {
                return Err(Error::Character(CharacterResult::CreateNameInUse));
            }
            let on_realm = Key::new(CHARACTERS_OF_ACCOUNT)
                .u32(*account)
                .u32(id.realm)
                .build();
            if txn.count(&on_realm, CHARACTERS_PER_REALM_MAX)? >= CHARACTERS_PER_REALM_MAX {
                return Err(Error::Character(CharacterResult::CreateServerLimit));
            }
            let character = Character {
                id: *id,
                account: *account,
                name: name.clone(),
                race: *race,
                class: *class,
                gender: *gender,
                level: *level,
                created_ms: txn.now_ms(),
            };
            txn.put(key(*id), &character);
            txn.put(name_key(id.realm, &name), &id.low);
            txn.put(of_account_key(*account, *id), &());
            txn.emit(CharacterEvent::Created {
                id: *id,
                account: *account,
                name: name.clone(),
            });
            Ok(Response::Character(CharacterResponse::Named {
                id: *id,
                name,
            }))
        }
        CharacterCommand::Rename { id, name } => {
            let character =
                get(txn, *id)?.ok_or(Error::Character(CharacterResult::LoginNoCharacter))?;
            if crate::presence::get(txn, *id)?.is_some() {
                return Err(Error::Character(CharacterResult::NameFailure));
            }
            let name = normalize_name(name)?;
            if let Some(owner) = txn.get::<u32>(&name_key(id.realm, &name))? {
                if owner != id.low {
                    return Err(Error::Character(CharacterResult::CreateNameInUse));
                }
            }
            txn.delete(name_key(id.realm, &character.name));
            txn.put(name_key(id.realm, &name), &id.low);
            let old_name = character.name.clone();
            txn.put(
                key(*id),
                &Character {
                    name: name.clone(),
                    ..character
                },
            );
            txn.emit(CharacterEvent::Renamed {
                id: *id,
                old_name,
                new_name: name.clone(),
            });
            Ok(Response::Character(CharacterResponse::Named {
                id: *id,
                name,
            }))
        }
        CharacterCommand::Delete { id } => {
            let character =
                get(txn, *id)?.ok_or(Error::Character(CharacterResult::LoginNoCharacter))?;
            if crate::presence::get(txn, *id)?.is_some() {
                return Err(Error::Character(CharacterResult::DeleteFailed));
            }
            crate::social::on_character_deleted(txn, &character)?;
            crate::mail::on_character_deleted(txn, &character)?;
            crate::arena::on_character_deleted(txn, &character)?;
            crate::channel::on_character_deleted(txn, &character)?;
            txn.delete(name_key(id.realm, &character.name));
            txn.delete(of_account_key(character.account, *id));
            txn.delete(key(*id));
            txn.emit(CharacterEvent::Deleted {
                id: *id,
                account: character.account,
                name: character.name,
            });
            Ok(Response::Done)
        }
    }
}

pub(crate) fn query(txn: &Txn<'_>, q: &CharacterQuery) -> Result<CharacterQueryResponse, Error> {
    Ok(match q {
        CharacterQuery::Get { id } => CharacterQueryResponse::Character(get(txn, *id)?),
        CharacterQuery::ByName { realm, name } => {
            CharacterQueryResponse::Character(by_name(txn, *realm, name)?)
        }
        CharacterQuery::ForAccount { account, realm } => {
            let mut prefix = Key::new(CHARACTERS_OF_ACCOUNT).u32(*account);
            if let Some(realm) = realm {
                prefix = prefix.u32(*realm);
            }
            let mut out = Vec::new();
            for (k, _) in txn.scan_all(&prefix.build(), CHARACTERS_PER_ACCOUNT_MAX)? {
                let id = KeyReader::new(&k, 4)
                    .character()
                    .ok_or_else(|| Error::Corrupt(format!("characters-of-account key {k:02x?}")))?;
                out.push(require(txn, id)?);
            }
            CharacterQueryResponse::Characters(out)
        }
    })
}

/// Checks that the name index and the characters-of-account index match the characters
/// exactly, and that names are unique per realm.
pub fn check_invariants(view: &dyn crate::View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(|e| e.to_string())?;
    let chars = txn
        .scan_records::<Character>(&Key::new(CHARACTER).build(), usize::MAX - 1)
        .map_err(|e| e.to_string())?;
    for (_, c) in &chars {
        let owner = txn
            .get::<u32>(&name_key(c.id.realm, &c.name))
            .map_err(|e| e.to_string())?;
        if owner != Some(c.id.low) {
            return Err(format!("name {} of {} indexed as {owner:?}", c.name, c.id));
        }
        if !txn
            .exists(&of_account_key(c.account, c.id))
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "{} missing from account {}'s characters",
                c.id, c.account
            ));
        }
    }
    let count = |tag| {
        txn.scan(&Key::new(tag).build(), None, usize::MAX)
            .map(|v| v.len())
            .map_err(|e| e.to_string())
    };
    let (names, of_account) = (count(CHARACTER_BY_NAME)?, count(CHARACTERS_OF_ACCOUNT)?);
    if names != chars.len() || of_account != chars.len() {
        return Err(format!(
            "{} characters, {names} name entries, {of_account} account entries",
            chars.len()
        ));
    }
    Ok(())
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        CHARACTER => record::<Character>(key, &[("realm", U32), ("low", U32)], value),
        CHARACTER_BY_NAME => record::<u32>(key, &[("realm", U32), ("lower(name)", Str)], value),
        CHARACTERS_OF_ACCOUNT => record::<()>(
            key,
            &[("account", U32), ("realm", U32), ("low", U32)],
            value,
        ),
        _ => return None,
    })
}
