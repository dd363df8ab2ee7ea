//! `tavern snapshot inspect` and `verify`: read a snapshot file offline, whole, one record at a
//! time, and name the first damage found.
//!
//! ```text
//!  header  magic, version (1 or 2), cluster id, last log id, membership   ─▶ Damage::Header
//!  records framing (tag, lengths within limits), then per record:
//!            its key after the previous one (the file is in key order)     ─▶ Damage::Record
//!            a full decode (tavern_statemachine::records::check): a known
//!            table tag, the key's fields by that table's layout, the value
//!            exactly the record type its writer stores (format version,
//!            every field, no byte left over); tavern-raft's reserved table
//!            by tavern-raft (store::node_ids::check_record)                ─▶ Damage::Record
//!          the file ending inside a record                                 ─▶ Damage::Truncated
//!  end     the record count, the SHA-256 of every byte before it           ─▶ Damage::Checksum...
//! ```
//! A record-level problem is noted (naming the table, the key in hex and what is wrong) and the
//! reading goes on to the checksum, so the report says both where the content is wrong and
//! whether the file was changed after it was written. A record damaged before the checksum was
//! computed (a buggy tool, a bad disk under the writer) passes the checksum but not the decode.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Write};
use std::path::Path;
use std::process::ExitCode;

use tavern_raft::store::digest::Hasher;
use tavern_raft::store::node_ids;
use tavern_raft::store::snapshot::{SnapshotError, SnapshotReader};
use tavern_raft::types::{LogId, StoredMembership};
use tavern_statemachine::keys;
use tavern_statemachine::records::{self, Checked};

use super::EXIT_DAMAGED;

/// Record-level problems a report lists before it stops listing.
pub const RECORD_PROBLEMS_MAX: usize = 10;

/// What a file that reads whole holds.
#[derive(Debug, Clone)]
pub struct Summary {
    pub bytes: u64,
    pub version: u32,
    pub cluster_id: Option<String>,
    pub last_log_id: Option<LogId>,
    pub membership: StoredMembership,
    pub records: u64,
    /// Records per table tag.
    pub tables: BTreeMap<u8, u64>,
    pub digest: tavern_proto::convert::StateDigest,
}

/// What is wrong with a file.
#[derive(Debug)]
pub enum Damage {
    Open(std::io::Error),
    Header(SnapshotError),
    /// The file ends inside record `record` (1-based), or before its end marker.
    Truncated {
        records_read: u64,
    },
    /// Record `n` (1-based) does not decode.
    Record {
        n: u64,
        why: String,
    },
    Checksum,
    Count {
        said: u64,
        found: u64,
    },
    Trailing,
    /// Several problems, in file order.
    Many(Vec<Damage>),
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Open(e) => write!(f, "cannot read the file: {e}"),
            Damage::Header(e) => write!(f, "damaged header: {e}"),
            Damage::Truncated { records_read } => write!(
                f,
                "truncated: the file ends after {records_read} whole records, inside record {} \
                 or before the end marker and checksum",
                records_read + 1
            ),
            Damage::Record { n, why } => write!(f, "record {n} undecodable: {why}"),
            Damage::Checksum => write!(
                f,
                "checksum mismatch: the SHA-256 of the content is not the one the file ends with \
                 (the file was changed or damaged after it was written)"
            ),
            Damage::Count { said, found } => write!(
                f,
                "record count mismatch: the file says {said} records, it holds {found}"
            ),
            Damage::Trailing => write!(f, "bytes after the checksum"),
            Damage::Many(all) => {
                let texts: Vec<String> = all.iter().map(|d| d.to_string()).collect();
                write!(f, "{}", texts.join("; "))
            }
        }
    }
}

/// `T<term>-N<leader>.<index>`, or `none`.
pub fn log_id_text(id: Option<&LogId>) -> String {
    match id {
        Some(l) => {
            let leader = l.committed_leader_id();
            format!("T{}-N{}.{}", leader.term, leader.node_id, l.index())
        }
        None => "none".into(),
    }
}

/// The damage of one record's content, if any: its key and value must be exactly what the
/// writer of its table puts there (`records::check`, or tavern-raft's own check for its
/// reserved table).
fn record_damage(key: &[u8], value: &[u8]) -> Option<String> {
    match records::check(key, value) {
        Ok(Checked::Decoded) => None,
        Ok(Checked::Reserved) => node_ids::check_record(key, value)
            .err()
            .map(|why| format!("RAFT_RESERVED record with key {}: {why}", hex(key))),
        Err(e) => Some(e.to_string()),
    }
}

/// Reads the whole file at `path`; its summary, or every damage found.
pub fn check(path: &Path) -> Result<Summary, Damage> {
    let file = File::open(path).map_err(Damage::Open)?;
    let bytes = file.metadata().map_err(Damage::Open)?.len();
    let mut reader = SnapshotReader::new(BufReader::new(file)).map_err(|e| match e {
        SnapshotError::Io(e) if e.kind() == ErrorKind::UnexpectedEof => {
            Damage::Truncated { records_read: 0 }
        }
        e => Damage::Header(e),
    })?;
    let mut problems = Vec::new();
    let mut tables = BTreeMap::new();
    let mut hasher = Hasher::default();
    let mut last_key: Option<Vec<u8>> = None;
    let end = loop {
        match reader.next_record() {
            Ok(Some((k, v))) => {
                let n = reader.records_read();
                let unordered = last_key.as_ref().is_some_and(|last| k <= *last);
                let damage = if unordered {
                    Some(
                        "its key is not after the previous record's (records are in key order)"
                            .into(),
                    )
                } else {
                    record_damage(&k, &v)
                };
                if let Some(why) = damage {
                    if problems.len() < RECORD_PROBLEMS_MAX {
                        problems.push(Damage::Record { n, why });
                    }
                }
                if let Some(&tag) = k.first() {
                    *tables.entry(tag).or_insert(0) += 1;
                }
                hasher.record(&k, &v);
                last_key = Some(k);
            }
            Ok(None) => break None,
            Err(e) => {
                let n = reader.records_read() + 1;
                break Some(match e {
                    SnapshotError::Io(e) if e.kind() == ErrorKind::UnexpectedEof => {
                        Damage::Truncated {
                            records_read: reader.records_read(),
                        }
                    }
                    SnapshotError::Checksum => Damage::Checksum,
                    SnapshotError::Count { said, found } => Damage::Count { said, found },
                    SnapshotError::Trailing => Damage::Trailing,
                    SnapshotError::Io(e) => Damage::Open(e),
                    other => Damage::Record {
                        n,
                        why: other.to_string(),
                    },
                });
            }
        }
    };
    problems.extend(end);
    match problems.len() {
        0 => {}
        1 => return Err(problems.remove(0)),
        _ => return Err(Damage::Many(problems)),
    }
    let meta = reader.meta().clone();
    Ok(Summary {
        bytes,
        version: reader.version(),
        cluster_id: reader.cluster_id().map(str::to_string),
        digest: hasher.finish(meta.last_log_id.as_ref().map(|l| l.index())),
        last_log_id: meta.last_log_id,
        membership: meta.last_membership,
        records: reader.records_read(),
        tables,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn print_summary(path: &Path, s: &Summary, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "file: {} ({} bytes)", path.display(), s.bytes)?;
    writeln!(out, "format version: {}", s.version)?;
    match &s.cluster_id {
        Some(c) => writeln!(out, "cluster id: {c}")?,
        None => writeln!(out, "cluster id: (not recorded: a version 1 file)")?,
    }
    writeln!(out, "last log id: {}", log_id_text(s.last_log_id.as_ref()))?;
    let m = s.membership.membership();
    let ids = |ids: Vec<u64>| -> String {
        if ids.is_empty() {
            "none".into()
        } else {
            ids.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    writeln!(
        out,
        "membership: voters {}; learners {} (set at {})",
        ids(m.voter_ids().collect()),
        ids(m.learner_ids().collect()),
        log_id_text(s.membership.log_id().as_ref())
    )?;
    for (id, node) in m.nodes() {
        writeln!(
            out,
            "  node {id}: raft {} client {}",
            node.raft_addr, node.client_addr
        )?;
    }
    writeln!(out, "records: {}", s.records)?;
    writeln!(
        out,
        "state digest: {} ({} records, at applied index {})",
        hex(&s.digest.sha256),
        s.digest.records,
        s.digest
            .applied_index
            .map_or_else(|| "none".into(), |i| i.to_string())
    )?;
    writeln!(out, "entities:")?;
    let mut counted = 0;
    for (tag, _, entity) in keys::TABLES {
        if let Some(entity) = entity {
            let n = s.tables.get(tag).copied().unwrap_or(0);
            counted += n;
            writeln!(out, "  {entity}: {n}")?;
        }
    }
    writeln!(
        out,
        "  other records (indexes, counters, config): {}",
        s.records - counted
    )?;
    Ok(())
}

/// `tavern snapshot inspect FILE`.
pub fn inspect(
    path: &Path,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    match check(path) {
        Ok(s) => {
            print_summary(path, &s, out)?;
            writeln!(out, "decode: ok (every record by its table)")?;
            writeln!(out, "checksum: ok (SHA-256)")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(damage) => {
            // What still reads: the header.
            if let Ok(file) = File::open(path) {
                if let Ok(r) = SnapshotReader::new(BufReader::new(file)) {
                    writeln!(out, "file: {}", path.display())?;
                    writeln!(out, "format version: {}", r.version())?;
                    writeln!(
                        out,
                        "cluster id: {}",
                        r.cluster_id().unwrap_or("(not recorded)")
                    )?;
                    writeln!(
                        out,
                        "last log id: {}",
                        log_id_text(r.meta().last_log_id.as_ref())
                    )?;
                }
            }
            writeln!(err, "{}: DAMAGED: {damage}", path.display())?;
            Ok(ExitCode::from(EXIT_DAMAGED))
        }
    }
}

/// `tavern snapshot verify FILE`.
pub fn verify(path: &Path, out: &mut impl Write, err: &mut impl Write) -> anyhow::Result<ExitCode> {
    match check(path) {
        Ok(s) => {
            writeln!(
                out,
                "{}: ok: cluster {}, last log {}, {} records (every one decodes), checksum matches",
                path.display(),
                s.cluster_id.as_deref().unwrap_or("(not recorded)"),
                log_id_text(s.last_log_id.as_ref()),
                s.records
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(damage) => {
            writeln!(err, "{}: DAMAGED: {damage}", path.display())?;
            Ok(ExitCode::from(EXIT_DAMAGED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavern_raft::store::snapshot::SnapshotWriter;
    use tavern_raft::types::SnapshotMeta;
    use tavern_statemachine::keys::{Key, CHARACTER, RAFT_RESERVED};
    use tavern_statemachine::testkit::Sim;
    use tavern_statemachine::CharacterId;

    /// Writes `records` with the writer the node uses, so framing, count and checksum are right.
    fn write(path: &Path, records: &[(Vec<u8>, Vec<u8>)]) {
        let file = File::create(path).expect("create the file");
        let mut w = SnapshotWriter::new(file, "test", &SnapshotMeta::default()).expect("header");
        for (k, v) in records {
            w.record(k, v).expect("record");
        }
        w.finish().expect("finish");
    }

    fn state() -> Vec<(Vec<u8>, Vec<u8>)> {
        let sim = Sim::world(3);
        sim.state
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Verifies `records` written to a file: the exit code and what it printed.
    fn verify_records(records: &[(Vec<u8>, Vec<u8>)]) -> (ExitCode, String, String) {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("s.tsnap");
        write(&path, records);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = verify(&path, &mut out, &mut err).expect("verify runs");
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        (code, text(out), text(err))
    }

    #[test]
    fn a_good_state_verifies() {
        let records = state();
        let (code, out, err) = verify_records(&records);
        assert_eq!(code, ExitCode::SUCCESS, "{out}{err}");
        assert!(
            out.contains(&format!(
                "{} records (every one decodes), checksum matches",
                records.len()
            )),
            "{out}"
        );
    }

    #[test]
    fn a_value_that_does_not_decode_fails_verify_naming_table_and_key_despite_a_good_checksum() {
        let mut records = state();
        let alice = Key::new(CHARACTER)
            .character(CharacterId::new(1, 1))
            .build();
        let (n, (_, value)) = records
            .iter_mut()
            .enumerate()
            .find(|(_, (k, _))| *k == alice)
            .expect("Alice is in the state");
        // The right format version, then bytes no character decodes from.
        *value = vec![
            tavern_statemachine::codec::RECORD_FORMAT_VERSION,
            0xff,
            0xff,
        ];
        let (code, out, err) = verify_records(&records);
        assert_eq!(code, ExitCode::from(EXIT_DAMAGED), "{out}{err}");
        assert!(
            err.contains(&format!(
                "DAMAGED: record {} undecodable: CHARACTER record with key 130000000100000001: \
                 character does not decode",
                n + 1
            )),
            "{err}"
        );
        assert!(!err.contains("checksum"), "the checksum is right: {err}");
    }

    #[test]
    fn tavern_raft_s_reserved_record_is_checked_by_tavern_raft() {
        let mut records = state();
        let reserved = Key::new(RAFT_RESERVED).str("max_node_id").build();
        records.push((reserved, vec![1, 0xff]));
        let (code, _, err) = verify_records(&records);
        assert_eq!(code, ExitCode::from(EXIT_DAMAGED), "{err}");
        assert!(
            err.contains("RAFT_RESERVED record with key f0000b6d61785f6e6f64655f6964: "),
            "{err}"
        );
    }
}
