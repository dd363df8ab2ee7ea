//! The snapshot file: the whole state at one log id, written and read as a stream.
//!
//! ```text
//!  magic      8 bytes  "TAVSNAP\0"
//!  version    u32 BE   SNAPSHOT_FORMAT_VERSION (2; version 1 is still read)
//!  header     u32 BE length, then postcard(SnapshotHeader): the cluster id, last log id and
//!             membership (version 1: postcard(SnapshotMeta), no cluster id)
//!  records    repeated: 0x01, key length u32 BE, key, value length u32 BE, value
//!  end        0x00, record count u64 BE
//!  checksum   32 bytes: SHA-256 of every byte above
//! ```
//!
//! Writers and readers hold one record at a time: a snapshot is never whole in memory, and a
//! corrupt length cannot make a reader allocate more than the limits below. A reader checks
//! the magic, the version, the count and the checksum, and refuses trailing bytes.
//!
//! The same file is a Raft snapshot (`current.tsnap`, sent to followers) and a backup
//! (`tavern snapshot save`, the node's scheduled backups): the cluster id in the header says
//! whose state it is, so `tavern snapshot inspect` can show it and a restore can rewrite it.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::types::SnapshotMeta;

/// One state record of a snapshot: its key and its value, as stored.
pub type Record = (Vec<u8>, Vec<u8>);

pub const SNAPSHOT_MAGIC: [u8; 8] = *b"TAVSNAP\0";
/// The version this build writes.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 2;
/// The first version: no cluster id in the header. Still read (files written before version 2
/// may be on disk as `current.tsnap`).
pub const SNAPSHOT_FORMAT_VERSION_V1: u32 = 1;
/// Largest header (metadata) a reader accepts, in bytes.
pub const SNAPSHOT_HEADER_BYTES_MAX: u32 = 1 << 20;
/// Largest key a reader accepts, in bytes.
pub const SNAPSHOT_KEY_BYTES_MAX: u32 = 64 << 10;
/// Largest value a reader accepts, in bytes.
pub const SNAPSHOT_VALUE_BYTES_MAX: u32 = 16 << 20;
/// Size of the chunks a snapshot is sent in, in bytes.
pub const SNAPSHOT_CHUNK_BYTES_MAX: usize = 1 << 20;

const TAG_RECORD: u8 = 1;
const TAG_END: u8 = 0;

/// The snapshot data openraft passes around: an open file, so that a snapshot being sent
/// stays the same bytes even if a newer one replaces `path` meanwhile.
#[derive(Debug)]
pub struct SnapshotFile {
    pub path: PathBuf,
    pub file: File,
}

impl SnapshotFile {
    pub fn open(path: PathBuf) -> io::Result<Self> {
        let file = File::open(&path)?;
        Ok(SnapshotFile { path, file })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("io: {0}")]
    Io(#[from] io::Error),
    #[error("not a tavern snapshot (bad magic bytes)")]
    Magic,
    #[error("snapshot format version {found}, this build reads {SNAPSHOT_FORMAT_VERSION_V1} and {SNAPSHOT_FORMAT_VERSION}")]
    Version { found: u32 },
    #[error("{what} of {len} bytes is over the {max} byte limit")]
    TooLarge {
        what: &'static str,
        len: u32,
        max: u32,
    },
    #[error("snapshot header does not decode: {0}")]
    Header(String),
    #[error("unknown record tag {0:#04x}")]
    Tag(u8),
    #[error("the file says {said} records, it holds {found}")]
    Count { said: u64, found: u64 },
    #[error("checksum mismatch: the snapshot is corrupt")]
    Checksum,
    #[error("bytes after the checksum")]
    Trailing,
}

impl From<SnapshotError> for io::Error {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

/// The header of a version 2 file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct SnapshotHeader {
    cluster_id: String,
    meta: SnapshotMeta,
}

/// Bytes of the file before the first record, given the length of the encoded header.
const fn prefix_bytes(header_len: u64) -> u64 {
    8 + 4 + 4 + header_len
}

/// Bytes of one record given the length of its key and value.
pub const fn record_bytes(key_len: u64, value_len: u64) -> u64 {
    1 + 4 + key_len + 4 + value_len
}

/// Bytes after the last record: the end marker, the count and the checksum.
const SUFFIX_BYTES: u64 = 1 + 8 + 32;

/// Writes a snapshot file record by record.
pub struct SnapshotWriter<W: Write> {
    out: W,
    hasher: Sha256,
    records: u64,
}

impl<W: Write> std::fmt::Debug for SnapshotWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotWriter")
            .field("records", &self.records)
            .finish()
    }
}

impl<W: Write> SnapshotWriter<W> {
    /// Writes the magic, the version and the header of a snapshot of cluster `cluster_id`.
    pub fn new(out: W, cluster_id: &str, meta: &SnapshotMeta) -> Result<Self, SnapshotError> {
        let header = encode_header(cluster_id, meta)?;
        let len = u32::try_from(header.len())
            .ok()
            .filter(|l| *l <= SNAPSHOT_HEADER_BYTES_MAX)
            .ok_or(SnapshotError::TooLarge {
                what: "header",
                len: u32::MAX,
                max: SNAPSHOT_HEADER_BYTES_MAX,
            })?;
        let mut w = SnapshotWriter {
            out,
            hasher: Sha256::new(),
            records: 0,
        };
        w.put(&SNAPSHOT_MAGIC)?;
        w.put(&SNAPSHOT_FORMAT_VERSION.to_be_bytes())?;
        w.put(&len.to_be_bytes())?;
        w.put(&header)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), SnapshotError> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)?;
        Ok(())
    }

    pub fn record(&mut self, key: &[u8], value: &[u8]) -> Result<(), SnapshotError> {
        let klen = checked_len("key", key.len(), SNAPSHOT_KEY_BYTES_MAX)?;
        let vlen = checked_len("value", value.len(), SNAPSHOT_VALUE_BYTES_MAX)?;
        self.put(&[TAG_RECORD])?;
        self.put(&klen.to_be_bytes())?;
        self.put(key)?;
        self.put(&vlen.to_be_bytes())?;
        self.put(value)?;
        self.records += 1;
        Ok(())
    }

    /// Writes the end marker and the checksum; returns the output and the record count.
    pub fn finish(mut self) -> Result<(W, u64), SnapshotError> {
        self.put(&[TAG_END])?;
        let records = self.records;
        self.put(&records.to_be_bytes())?;
        let sum = self.hasher.finalize();
        self.out.write_all(&sum)?;
        self.out.flush()?;
        Ok((self.out, records))
    }
}

fn encode_header(cluster_id: &str, meta: &SnapshotMeta) -> Result<Vec<u8>, SnapshotError> {
    let header = SnapshotHeader {
        cluster_id: cluster_id.to_string(),
        meta: meta.clone(),
    };
    postcard::to_allocvec(&header).map_err(|e| SnapshotError::Header(e.to_string()))
}

/// The exact size of the file [`SnapshotWriter`] writes for `records` records whose
/// [`record_bytes`] add up to `records_bytes`.
pub fn file_bytes(
    cluster_id: &str,
    meta: &SnapshotMeta,
    records_bytes: u64,
) -> Result<u64, SnapshotError> {
    let header = encode_header(cluster_id, meta)?;
    Ok(prefix_bytes(header.len() as u64) + records_bytes + SUFFIX_BYTES)
}

fn checked_len(what: &'static str, len: usize, max: u32) -> Result<u32, SnapshotError> {
    match u32::try_from(len) {
        Ok(l) if l <= max => Ok(l),
        _ => Err(SnapshotError::TooLarge {
            what,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            max,
        }),
    }
}

/// Reads a snapshot file record by record, checking everything on the way.
pub struct SnapshotReader<R: Read> {
    inp: R,
    hasher: Sha256,
    version: u32,
    cluster_id: Option<String>,
    meta: SnapshotMeta,
    records: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for SnapshotReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotReader")
            .field("meta", &self.meta)
            .field("records", &self.records)
            .finish()
    }
}

impl<R: Read> SnapshotReader<R> {
    /// Reads the magic, the version and the header.
    pub fn new(mut inp: R) -> Result<Self, SnapshotError> {
        let mut hasher = Sha256::new();
        let magic: [u8; 8] = read_array(&mut inp, &mut hasher)?;
        if magic != SNAPSHOT_MAGIC {
            return Err(SnapshotError::Magic);
        }
        let version = u32::from_be_bytes(read_array(&mut inp, &mut hasher)?);
        if version != SNAPSHOT_FORMAT_VERSION && version != SNAPSHOT_FORMAT_VERSION_V1 {
            return Err(SnapshotError::Version { found: version });
        }
        let len = read_len(&mut inp, &mut hasher, "header", SNAPSHOT_HEADER_BYTES_MAX)?;
        let header = read_vec(&mut inp, &mut hasher, len)?;
        let bad = |e: postcard::Error| SnapshotError::Header(e.to_string());
        let (cluster_id, meta) = if version == SNAPSHOT_FORMAT_VERSION_V1 {
            (None, postcard::from_bytes(&header).map_err(bad)?)
        } else {
            let h: SnapshotHeader = postcard::from_bytes(&header).map_err(bad)?;
            (Some(h.cluster_id), h.meta)
        };
        Ok(SnapshotReader {
            inp,
            hasher,
            version,
            cluster_id,
            meta,
            records: 0,
            done: false,
        })
    }

    pub fn meta(&self) -> &SnapshotMeta {
        &self.meta
    }

    /// The format version of the file.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The cluster whose state this is (`None` in a version 1 file, which did not say).
    pub fn cluster_id(&self) -> Option<&str> {
        self.cluster_id.as_deref()
    }

    /// How many records were read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// The next record, or `None` after the end marker and a checksum that matched.
    pub fn next_record(&mut self) -> Result<Option<Record>, SnapshotError> {
        if self.done {
            return Ok(None);
        }
        let [tag] = read_array(&mut self.inp, &mut self.hasher)?;
        match tag {
            TAG_RECORD => {
                let klen = read_len(
                    &mut self.inp,
                    &mut self.hasher,
                    "key",
                    SNAPSHOT_KEY_BYTES_MAX,
                )?;
                let key = read_vec(&mut self.inp, &mut self.hasher, klen)?;
                let vlen = read_len(
                    &mut self.inp,
                    &mut self.hasher,
                    "value",
                    SNAPSHOT_VALUE_BYTES_MAX,
                )?;
                let value = read_vec(&mut self.inp, &mut self.hasher, vlen)?;
                self.records += 1;
                Ok(Some((key, value)))
            }
            TAG_END => {
                let said = u64::from_be_bytes(read_array(&mut self.inp, &mut self.hasher)?);
                if said != self.records {
                    return Err(SnapshotError::Count {
                        said,
                        found: self.records,
                    });
                }
                let mut sum = [0u8; 32];
                self.inp.read_exact(&mut sum)?;
                if sum[..] != self.hasher.clone().finalize()[..] {
                    return Err(SnapshotError::Checksum);
                }
                let mut extra = [0u8; 1];
                if self.inp.read(&mut extra)? != 0 {
                    return Err(SnapshotError::Trailing);
                }
                self.done = true;
                Ok(None)
            }
            other => Err(SnapshotError::Tag(other)),
        }
    }
}

fn read_array<const N: usize>(
    inp: &mut impl Read,
    hasher: &mut Sha256,
) -> Result<[u8; N], SnapshotError> {
    let mut buf = [0u8; N];
    inp.read_exact(&mut buf)?;
    hasher.update(buf);
    Ok(buf)
}

fn read_len(
    inp: &mut impl Read,
    hasher: &mut Sha256,
    what: &'static str,
    max: u32,
) -> Result<u32, SnapshotError> {
    let len = u32::from_be_bytes(read_array(inp, hasher)?);
    if len > max {
        return Err(SnapshotError::TooLarge { what, len, max });
    }
    Ok(len)
}

fn read_vec(inp: &mut impl Read, hasher: &mut Sha256, len: u32) -> Result<Vec<u8>, SnapshotError> {
    // `len` was checked against its limit, so this allocation is bounded.
    let mut buf = vec![0u8; len as usize];
    inp.read_exact(&mut buf)?;
    hasher.update(&buf);
    Ok(buf)
}

/// Reads only the metadata of the snapshot at `path`.
pub fn read_meta(path: &Path) -> Result<SnapshotMeta, SnapshotError> {
    let reader = SnapshotReader::new(BufReader::new(File::open(path)?))?;
    Ok(reader.meta().clone())
}

/// Reads the whole file and checks it; returns its metadata and record count.
pub fn verify(path: &Path) -> Result<(SnapshotMeta, u64), SnapshotError> {
    let mut reader = SnapshotReader::new(BufReader::new(File::open(path)?))?;
    while reader.next_record()?.is_some() {}
    Ok((reader.meta.clone(), reader.records))
}

/// Creates `path` for writing (buffered), truncating a leftover.
pub(crate) fn create(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path)?))
}

/// Makes a rename into `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LogId, Membership, StoredMembership};
    use openraft::vote::RaftLeaderId;
    use std::collections::BTreeSet;

    fn meta() -> SnapshotMeta {
        let leader = openraft::impls::leader_id_adv::LeaderId::<u64, u64>::new(3, 1);
        let log_id = LogId::new(leader.to_committed(), 42);
        SnapshotMeta {
            last_log_id: Some(log_id),
            last_membership: StoredMembership::new(
                Some(log_id),
                Membership::new_with_defaults(vec![BTreeSet::from([1, 2, 3])], []),
            ),
        }
    }

    fn write(records: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut w = SnapshotWriter::new(Vec::new(), "test", &meta()).expect("writer");
        for (k, v) in records {
            w.record(k, v).expect("record");
        }
        w.finish().expect("finish").0
    }

    fn read_all(bytes: &[u8]) -> Result<(SnapshotMeta, Vec<Record>), SnapshotError> {
        let mut r = SnapshotReader::new(bytes)?;
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok((r.meta().clone(), out))
    }

    #[test]
    fn a_snapshot_reads_back_what_was_written() {
        let bytes = write(&[(b"a", b"1"), (b"bb", b""), (b"c", b"333")]);
        assert_eq!(
            file_bytes(
                "test",
                &meta(),
                record_bytes(1, 1) + record_bytes(2, 0) + record_bytes(1, 3)
            )
            .expect("size"),
            bytes.len() as u64,
            "the size announced before writing is the size written"
        );
        let r = SnapshotReader::new(&bytes[..]).expect("header");
        assert_eq!((r.version(), r.cluster_id()), (2, Some("test")));
        let (m, records) = read_all(&bytes).expect("read");
        assert_eq!(m, meta());
        assert_eq!(
            records,
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"bb".to_vec(), Vec::new()),
                (b"c".to_vec(), b"333".to_vec())
            ]
        );
    }

    #[test]
    fn a_flipped_byte_a_cut_file_or_a_trailing_byte_is_refused() {
        let bytes = write(&[(b"key", b"value")]);
        // Flip one byte of the value: the checksum no longer matches.
        let mut flipped = bytes.clone();
        let at = bytes.len() - 32 - 9 - 2;
        flipped[at] ^= 0xff;
        assert!(matches!(read_all(&flipped), Err(SnapshotError::Checksum)));
        // Cut in the middle: an unexpected end of file.
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(read_all(cut), Err(SnapshotError::Io(_))));
        // A byte after the checksum.
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(read_all(&long), Err(SnapshotError::Trailing)));
        // Another format version.
        let mut v3 = bytes;
        v3[11] = 3;
        assert!(matches!(
            read_all(&v3),
            Err(SnapshotError::Version { found: 3 })
        ));
    }

    /// A version 1 file, as the build before the cluster id wrote it: no cluster id, the same
    /// records.
    #[test]
    fn a_version_1_file_still_reads() {
        let header = postcard::to_allocvec(&meta()).expect("meta");
        let mut body = Vec::new();
        body.extend(SNAPSHOT_MAGIC);
        body.extend(1u32.to_be_bytes());
        body.extend((header.len() as u32).to_be_bytes());
        body.extend(&header);
        body.extend([TAG_RECORD, 0, 0, 0, 1, b'k', 0, 0, 0, 1, b'v', TAG_END]);
        body.extend(1u64.to_be_bytes());
        let sum = Sha256::digest(&body);
        body.extend(sum);
        let r = SnapshotReader::new(&body[..]).expect("a version 1 header");
        assert_eq!((r.version(), r.cluster_id()), (1, None));
        let (m, records) = read_all(&body).expect("read");
        assert_eq!(m, meta());
        assert_eq!(records, vec![(b"k".to_vec(), b"v".to_vec())]);
    }

    #[test]
    fn a_length_over_the_limit_is_refused_before_allocating() {
        let mut bytes = write(&[]);
        // Replace the end marker with a record whose key claims 4 GiB.
        let end = bytes.len() - 32 - 9;
        bytes.truncate(end);
        bytes.push(TAG_RECORD);
        bytes.extend(u32::MAX.to_be_bytes());
        assert!(matches!(
            read_all(&bytes),
            Err(SnapshotError::TooLarge { what: "key", .. })
        ));
    }
}
