//! The node's storage: one RocksDB database per node, with column families.
//!
//! ```text
//!  <data_dir>/db/                 RocksDB
//!     log          index u64 BE  -> [LOG_FORMAT_VERSION][postcard(openraft Entry)]
//!     raft_meta    "vote" | "committed" | "purged" -> [META_FORMAT_VERSION][postcard(..)]
//!     sm_meta      "format"        -> u32 BE STORE_FORMAT_VERSION
//!                  "identity"      -> [META_FORMAT_VERSION][postcard(Identity)]: whose store it is
//!                  "state_cf"      -> name of the live state column family
//!                  "last_applied"  -> [META_FORMAT_VERSION][postcard(Option<LogId>)]
//!                  "membership"    -> [META_FORMAT_VERSION][postcard(StoredMembership)]
//!     events       index u64 BE -> [EVENTS_FORMAT_VERSION][postcard(Vec<Event>)]: the event
//!                  window (`events`); sm_meta "events_from" is its first index
//!                  "state_bytes"   -> [META_FORMAT_VERSION][postcard(u64)]: keys + values of
//!                                     the live state (written with every apply batch)
//!                  "table_sizes"   -> [META_FORMAT_VERSION][postcard(TableCounts)]: the same
//!                                     per table tag, with records (`table_sizes`)
//!     state.<gen>  state machine key -> record (the `keys`/`codec` layout of tavern-statemachine),
//!                  and the highest node id ever a member (`node_ids`, a key of tavern-raft's own)
//!  <data_dir>/snapshots/current.tsnap   the last snapshot (see `snapshot`)
//! ```
//!
//! The state lives in a generation-numbered column family so that installing a snapshot can
//! fill a fresh one and switch to it with one `WriteBatch` (the `state_cf` pointer, with
//! `last_applied` and membership): a crash mid-install leaves the old generation live, and the
//! half-filled one is dropped at the next open.
//!
//! Opening is two phases: first only reads (the store's format, its identity against the
//! config's, the whole current snapshot file against its checksum), then the writes of an open
//! (stamping a fresh store, dropping leftovers of a crash). A directory that is not this node's,
//! or whose snapshot does not read, is refused with nothing in it changed.
//!
//! Entry points: [`open`] gives the [`LogStore`] (openraft's `RaftLogStorage`) and the
//! [`StateMachine`] (`RaftStateMachine`) over the same database; [`StateReader`] is the
//! read side the node serves queries from.

pub(crate) mod backup;
pub mod digest;
pub mod events;
mod identity_record;
mod log;
pub mod node_ids;
#[cfg(test)]
mod open_tests;
pub mod restore;
#[cfg(test)]
mod size_tests;
mod sm_snapshot;
pub mod snapshot;
mod state;
pub mod table_sizes;
#[cfg(test)]
mod tests;
mod view;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use rocksdb::{ColumnFamilyDescriptor, MultiThreaded, Options};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::identity::Identity;

pub use self::backup::BackupInfo;
pub use self::events::{EventsPage, CF_EVENTS};
pub use self::log::LogStore;
pub use self::sm_snapshot::SnapshotBuilder;
pub use self::snapshot::{SnapshotError, SnapshotFile};
pub use self::state::{AppliedEvents, StateMachine, StateReader, EVENTS_CHANNEL_CAPACITY};
pub use self::view::{BatchView, RocksView};

/// The RocksDB handle type: column families can be created and dropped through `&self`.
pub type Db = rocksdb::DBWithThreadMode<MultiThreaded>;

pub const CF_LOG: &str = "log";
pub const CF_RAFT_META: &str = "raft_meta";
pub const CF_SM_META: &str = "sm_meta";
/// State column families are `state.<generation>`.
pub const STATE_CF_PREFIX: &str = "state.";

/// The layout described in this module's header. A store written with another version is
/// refused at open, never guessed at.
pub const STORE_FORMAT_VERSION: u32 = 1;
/// Version byte in front of every log entry.
pub const LOG_FORMAT_VERSION: u8 = 1;
/// Version byte in front of every metadata value.
pub const META_FORMAT_VERSION: u8 = 1;

const KEY_FORMAT: &[u8] = b"format";
/// The file name of the current snapshot in `snapshots/`.
pub(crate) const CURRENT_SNAPSHOT: &str = "current.tsnap";
pub(crate) const KEY_STATE_CF: &[u8] = b"state_cf";

/// Why the store could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("rocksdb: {0}")]
    Rocks(#[from] rocksdb::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("{what} does not decode: {reason}")]
    Decode { what: &'static str, reason: String },
    #[error("the data directory has store format {found}, this build reads {expected}")]
    Format { found: u32, expected: u32 },
    #[error("column family {0} is missing")]
    MissingColumnFamily(String),
    #[error("snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
    #[error("the store belongs to {found}, this node is {expected}")]
    Identity { found: Identity, expected: Identity },
    #[error("snapshot file {} does not read: {source}", .path.display())]
    CorruptSnapshot {
        path: PathBuf,
        source: SnapshotError,
    },
}

impl From<StoreError> for std::io::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Io(e) => e,
            other => std::io::Error::other(other),
        }
    }
}

/// Held by every part of the store that openraft owns: the log store and its clones, the state
/// machine, snapshot builders, and the blocking tasks they start. openraft's `Raft::shutdown`
/// does not wait for all of them (the state machine worker and a snapshot build end on their
/// own a moment later), so `TavernNode::shutdown` waits until the last hold is dropped
/// ([`Released`]): after that, dropping the node closes the database, and a node can start
/// again on the same directory in the same process.
#[derive(Debug, Clone, Default)]
pub struct OpenraftHold(Arc<()>);

impl OpenraftHold {
    pub fn released(&self) -> Released {
        Released(Arc::downgrade(&self.0))
    }
}

/// Whether every [`OpenraftHold`] of a store is gone.
#[derive(Debug, Clone)]
pub struct Released(Weak<()>);

impl Released {
    pub fn is_released(&self) -> bool {
        self.0.strong_count() == 0
    }
}

/// Opens (or creates) the store of node `identity` under `data_dir`; see the module header for
/// what is checked before anything is written.
pub fn open(data_dir: &Path, identity: &Identity) -> Result<(LogStore, StateMachine), StoreError> {
    let db_dir = data_dir.join("db");
    let snapshot_dir = data_dir.join("snapshots");
    std::fs::create_dir_all(&db_dir)?;
    std::fs::create_dir_all(&snapshot_dir)?;

    let (db, cf_names) = open_db(&db_dir)?;
    let db = Arc::new(db);
    // Reads only, until every check passed.
    let fresh_format = check_format(&db)?;
    let fresh_identity = identity_record::check(&db, identity)?;
    sm_snapshot::verify_current(&snapshot_dir)?;
    // Then the writes of an open.
    if fresh_format {
        stamp_format(&db)?;
    }
    if fresh_identity {
        identity_record::stamp(&db, identity)?;
    }
    let state_cf = live_state_cf(&db)?;
    drop_stale_state_cfs(&db, &cf_names, &state_cf)?;
    let hold = OpenraftHold::default();
    let log = LogStore::new(db.clone(), hold.clone(), identity.node_id)?;
    let sm = StateMachine::new(identity, db, state_cf, snapshot_dir, hold)?;
    Ok((log, sm))
}

fn open_db(dir: &Path) -> Result<(Db, Vec<String>), StoreError> {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    // Every existing column family must be opened (RocksDB refuses otherwise): the fixed ones
    // and whatever state generations a crash may have left.
    let mut names: Vec<String> = Db::list_cf(&opts, dir).unwrap_or_default(); // none: no database yet
    for fixed in [CF_LOG, CF_RAFT_META, CF_SM_META, CF_EVENTS] {
        if !names.iter().any(|n| n == fixed) {
            names.push(fixed.to_string());
        }
    }
    let cfs = names
        .iter()
        .map(|n| ColumnFamilyDescriptor::new(n, Options::default()));
    let db = Db::open_cf_descriptors(&opts, dir, cfs)?;
    Ok((db, names))
}

fn cf<'a>(db: &'a Db, name: &str) -> Result<Arc<rocksdb::BoundColumnFamily<'a>>, StoreError> {
    db.cf_handle(name)
        .ok_or_else(|| StoreError::MissingColumnFamily(name.to_string()))
}

/// Refuses a store of another format; `Ok(true)` for a fresh one (to be stamped). Reads only.
fn check_format(db: &Db) -> Result<bool, StoreError> {
    let meta = cf(db, CF_SM_META)?;
    match db.get_cf(&meta, KEY_FORMAT)? {
        None => Ok(true),
        Some(bytes) => {
            let found = <[u8; 4]>::try_from(bytes.as_slice())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Decode {
                    what: "store format",
                    reason: format!("{} bytes, expected 4", bytes.len()),
                })?;
            if found == STORE_FORMAT_VERSION {
                Ok(false)
            } else {
                Err(StoreError::Format {
                    found,
                    expected: STORE_FORMAT_VERSION,
                })
            }
        }
    }
}

fn stamp_format(db: &Db) -> Result<(), StoreError> {
    let meta = cf(db, CF_SM_META)?;
    db.put_cf(&meta, KEY_FORMAT, STORE_FORMAT_VERSION.to_be_bytes())?;
    Ok(())
}

/// The name of the live state column family, creating generation 0 in a fresh store.
fn live_state_cf(db: &Db) -> Result<String, StoreError> {
    let meta = cf(db, CF_SM_META)?;
    let name = match db.get_cf(&meta, KEY_STATE_CF)? {
        Some(bytes) => String::from_utf8(bytes).map_err(|e| StoreError::Decode {
            what: "state column family name",
            reason: e.to_string(),
        })?,
        None => {
            let name = state_cf_name(0);
            db.put_cf(&meta, KEY_STATE_CF, name.as_bytes())?;
            name
        }
    };
    if db.cf_handle(&name).is_none() {
        if state_cf_generation(&name).is_none() {
            return Err(StoreError::Decode {
                what: "state column family name",
                reason: format!("{name:?} is not state.<generation>"),
            });
        }
        db.create_cf(&name, &Options::default())?;
    }
    Ok(name)
}

/// Drops state generations other than the live one: the leftovers of an install that did not
/// finish (its pointer switch never happened) or of a switch whose old generation was not yet
/// dropped.
fn drop_stale_state_cfs(db: &Db, names: &[String], live: &str) -> Result<(), StoreError> {
    for name in names {
        if name.starts_with(STATE_CF_PREFIX) && name != live {
            tracing::info!(cf = %name, "dropping a state generation that is not live");
            db.drop_cf(name)?;
        }
    }
    Ok(())
}

pub(crate) fn state_cf_name(generation: u64) -> String {
    format!("{STATE_CF_PREFIX}{generation}")
}

pub(crate) fn state_cf_generation(name: &str) -> Option<u64> {
    name.strip_prefix(STATE_CF_PREFIX)?.parse().ok()
}

/// `[META_FORMAT_VERSION][postcard(value)]`.
pub(crate) fn encode_meta<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![META_FORMAT_VERSION];
    // Serializing our own metadata types to a Vec cannot fail.
    out.extend(postcard::to_allocvec(value).expect("metadata serializes"));
    out
}

pub(crate) fn decode_meta<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&META_FORMAT_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| StoreError::Decode {
                what,
                reason: e.to_string(),
            })
        }
        Some((v, _)) => Err(StoreError::Decode {
            what,
            reason: format!("format version {v}, this build reads {META_FORMAT_VERSION}"),
        }),
        None => Err(StoreError::Decode {
            what,
            reason: "empty value".into(),
        }),
    }
}

/// Where the snapshot files of a data directory live (for tools that inspect them).
pub fn snapshot_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("snapshots")
}
