//! Checks one stored record against exactly what its table's writer puts there: the key's
//! fields by the table's key layout, the value decoded into the record type (and re-encoded to
//! the same bytes). `tavern snapshot verify` runs it on every record of a snapshot file, so a
//! record that would make apply or a query fail is found before a restore, not after.
//!
//! ```text
//!  check(key, value) ─▶ tag = key[0] ─▶ the domain module that owns the tag
//!                         (config, realm, account, character, presence, social, channel,
//!                          mail, arena, session; each has a `check_record` next to its writer)
//!                       ─▶ key fields by layout (lengths, UTF-8, team byte, nothing left over)
//!                       ─▶ value: format version, postcard decode, re-encode == the bytes
//! ```
//! A tag in [`keys::TABLES`] that no module claims is an error too ([`Problem::NoChecker`]), so
//! a new table cannot slip past the check; `tests/records.rs` runs a workload that writes every
//! table and checks every record of the result. [`keys::RAFT_RESERVED`] records belong to
//! tavern-raft, which checks them itself ([`Checked::Reserved`]).
//!
//! Never panics, on any input (`tests/records.rs` fuzzes it).

use std::fmt;

use crate::codec::{DecodeError, Record};
use crate::keys;

/// What a good record turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// A state machine record whose key and value match its table.
    Decoded,
    /// A [`keys::RAFT_RESERVED`] record: its layout is tavern-raft's to check.
    Reserved,
}

/// A record that does not match its table: names the table, the key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} record with key {}: {problem}", table.unwrap_or("unknown-table"), hex(key))]
pub struct RecordError {
    /// The table's name from [`keys::TABLES`], when the tag is known.
    pub table: Option<&'static str>,
    pub key: Vec<u8>,
    pub problem: Problem,
}

/// What is wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the key is empty (no table tag)")]
    EmptyKey,
    #[error("unknown table tag {0:#04x}")]
    UnknownTag(u8),
    /// A tag in [`keys::TABLES`] that no domain module checks: a mapping is missing.
    #[error("no decoder knows this table (a table was added without its record check)")]
    NoChecker,
    #[error(
        "key field `{field}` ({kind}) is missing or cut short at byte {at}; layout `{layout}`"
    )]
    KeyShort {
        field: &'static str,
        kind: &'static str,
        at: usize,
        layout: String,
    },
    #[error("key field `{field}` at byte {at} is invalid: {why}; layout `{layout}`")]
    KeyField {
        field: &'static str,
        at: usize,
        why: String,
        layout: String,
    },
    #[error("the key has {extra} bytes after its last field; layout `{layout}`")]
    KeyTrailing { extra: usize, layout: String },
    #[error("{0}")]
    Value(DecodeError),
    #[error(
        "the value has {len} bytes but the {what} in it re-encodes to {canonical} \
         (trailing or non-canonical bytes)"
    )]
    ValueNotCanonical {
        what: &'static str,
        len: usize,
        canonical: usize,
    },
}

/// One field of a key layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    U8,
    U16,
    U32,
    U64,
    /// A length-prefixed UTF-8 string ([`keys::Key::str`]).
    Str,
    /// A length-prefixed string that must be exactly this (a fixed record name).
    Is(&'static str),
    /// A team byte ([`crate::Team`]): 0, 1 or 2.
    Team,
}

impl Field {
    fn kind(self) -> &'static str {
        match self {
            Field::U8 => "u8",
            Field::U16 => "u16",
            Field::U32 => "u32",
            Field::U64 => "u64",
            Field::Str | Field::Is(_) => "str",
            Field::Team => "team u8",
        }
    }
}

/// A key layout: the fields after the tag, each with its name.
pub(crate) type Layout = [(&'static str, Field)];

/// A domain module's record check: `None` when the tag is not one of its tables.
type DomainCheck = fn(u8, &[u8], &[u8]) -> Option<Result<(), Problem>>;

/// Every domain module's check; each claims its own tags.
const DOMAINS: &[DomainCheck] = &[
    crate::config::check_record,
    crate::realm::check_record,
    crate::account::check_record,
    crate::character::check_record,
    crate::presence::check_record,
    crate::social::check_record,
    crate::channel::check_record,
    crate::mail::check_record,
    crate::arena::check_record,
    crate::session::check_record,
];

/// Checks one record of the state: its key parses by its table's layout and its value is
/// exactly an encoded record of the type the writer stores under that table.
pub fn check(key: &[u8], value: &[u8]) -> Result<Checked, RecordError> {
    let fail = |table, problem| RecordError {
        table,
        key: key.to_vec(),
        problem,
    };
    let Some(&tag) = key.first() else {
        return Err(fail(None, Problem::EmptyKey));
    };
    let Some((table, _)) = keys::table(tag) else {
        return Err(fail(None, Problem::UnknownTag(tag)));
    };
    if tag == keys::RAFT_RESERVED {
        return Ok(Checked::Reserved);
    }
    for domain in DOMAINS {
        if let Some(result) = domain(tag, key, value) {
            return result
                .map(|()| Checked::Decoded)
                .map_err(|p| fail(Some(table), p));
        }
    }
    Err(fail(Some(table), Problem::NoChecker))
}

/// Checks `key` against `layout` and decodes `value` as a `T`: what each domain's
/// `check_record` returns for one of its tables.
pub(crate) fn record<T: Record>(key: &[u8], layout: &Layout, value: &[u8]) -> Result<(), Problem> {
    check_key(key, layout)?;
    let decoded = T::decode(value).map_err(Problem::Value)?;
    let canonical = decoded.encode().len();
    if canonical != value.len() {
        return Err(Problem::ValueNotCanonical {
            what: T::WHAT,
            len: value.len(),
            canonical,
        });
    }
    Ok(())
}

fn layout_text(layout: &Layout) -> String {
    let mut parts = vec!["tag".to_string()];
    for (name, field) in layout {
        parts.push(match field {
            Field::Is(s) => format!("{s:?} str"),
            f => format!("{name} {}", f.kind()),
        });
    }
    parts.join(" | ")
}

/// Reads every field of `layout` from `key` (after the tag) and refuses anything left over.
fn check_key(key: &[u8], layout: &Layout) -> Result<(), Problem> {
    let mut at = 1usize;
    for &(field, kind) in layout {
        let rest = key.get(at..).unwrap_or_default();
        let short = || Problem::KeyShort {
            field,
            kind: kind.kind(),
            at,
            layout: layout_text(layout),
        };
        let invalid = |why: String| Problem::KeyField {
            field,
            at,
            why,
            layout: layout_text(layout),
        };
        let width = match kind {
            Field::U8 => 1,
            Field::U16 => 2,
            Field::U32 => 4,
            Field::U64 => 8,
            Field::Team => {
                let team = *rest.first().ok_or_else(short)?;
                if crate::Team::from_u32(u32::from(team)).is_none() {
                    return Err(invalid(format!("team byte {team} is not 0, 1 or 2")));
                }
                1
            }
            Field::Str | Field::Is(_) => {
                let len = match rest {
                    [hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
                    _ => return Err(short()),
                };
                let bytes = rest.get(2..2 + len).ok_or_else(short)?;
                let text =
                    std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 ({e})")))?;
                if let Field::Is(expected) = kind {
                    if text != expected {
                        return Err(invalid(format!("is {text:?}, expected {expected:?}")));
                    }
                }
                2 + len
            }
        };
        if rest.len() < width {
            return Err(short());
        }
        at += width;
    }
    match key.len().checked_sub(at) {
        Some(0) | None => Ok(()),
        Some(extra) => Err(Problem::KeyTrailing {
            extra,
            layout: layout_text(layout),
        }),
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    struct Hex<'a>(&'a [u8]);
    impl fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
        }
    }
    Hex(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Key;

    #[test]
    fn a_key_is_read_field_by_field_and_nothing_may_be_left_over() {
        let layout: &Layout = &[("realm", Field::U32), ("name", Field::Str)];
        let good = Key::new(0x14).u32(1).str("arthas").build();
        assert_eq!(check_key(&good, layout), Ok(()));
        let mut long = good.clone();
        long.push(0);
        assert!(matches!(
            check_key(&long, layout),
            Err(Problem::KeyTrailing { extra: 1, .. })
        ));
        assert!(matches!(
            check_key(&good[..good.len() - 1], layout),
            Err(Problem::KeyShort {
                field: "name",
                at: 5,
                ..
            })
        ));
        let bad_utf8 = Key::new(0x14).u32(1).tail(&[0, 1, 0xff]).build();
        assert!(matches!(
            check_key(&bad_utf8, layout),
            Err(Problem::KeyField { field: "name", .. })
        ));
        let team: &Layout = &[("team", Field::Team)];
        assert!(check_key(&[0x40, 2], team).is_ok());
        assert!(check_key(&[0x40, 3], team).is_err());
        let fixed: &Layout = &[("name", Field::Is("config"))];
        assert!(check_key(&Key::new(1).str("config").build(), fixed).is_ok());
        let wrong = check_key(&Key::new(1).str("other").build(), fixed);
        assert!(wrong.is_err_and(|e| e.to_string().contains("expected \"config\"")));
    }

    #[test]
    fn an_error_names_the_table_the_key_and_the_problem() {
        let key = Key::new(keys::ACCOUNT).u32(7).build();
        let err = check(&key, &[crate::codec::RECORD_FORMAT_VERSION, 0xff])
            .expect_err("garbage is not an account");
        let text = err.to_string();
        assert!(
            text.starts_with("ACCOUNT record with key 1100000007: "),
            "{text}"
        );
        assert!(text.contains("account does not decode"), "{text}");
        let err = check(&[0xee, 1], &[1]).expect_err("unknown tag");
        assert_eq!(err.problem, Problem::UnknownTag(0xee));
        assert_eq!(
            check(&[], &[]).map_err(|e| e.problem),
            Err(Problem::EmptyKey)
        );
    }
}
