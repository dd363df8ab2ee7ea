//! Space alarms: a quota on the state's size and a free-disk low-water mark. While one is
//! active, the node refuses writes that would add data; reads, and writes that free data,
//! go on; the alarm clears by itself once there is room again (no restart).
//!
//! ```text
//!  quota: state_bytes (StateReader, exact, kept by apply) >= state_bytes_max  (checked per write)
//!  disk:  statvfs(data_dir).available < disk_free_min_bytes   (a task of the node, every
//!         DISK_CHECK_MS; it also logs each alarm raised and cleared)
//!
//!  write on the leader, an alarm active ──▶ dry run of apply on a RocksDB snapshot
//!        size delta <= 0 (a delete, a replayed retry, a refused command) ──▶ proposed as usual
//!        size delta  > 0 ──▶ NodeError::NoSpace { alarm, detail }  (RESOURCE_EXHAUSTED)
//! ```
//!
//! Why these two: the quota bounds what the cluster holds (the same on every replica, since
//! the size is counted from the applied entries, so every node raises it at the same index);
//! the disk mark protects one node's filesystem (RocksDB needs room to flush and compact, and
//! a snapshot needs room to be written) before a write fails half-way. Only the leader's
//! alarms refuse writes (a follower answers NOT_LEADER first); a follower with a full disk
//! shows its alarm in status and metrics for the operator.
//!
//! The dry run reads the state at the last applied index, so a write racing with others may
//! be judged on a state a few entries old: the quota is a bound to within the writes in
//! flight, not to the byte. `state_bytes_max` and `disk_free_min_bytes` are read at start and
//! again when `tavern serve` gets SIGHUP ([`TavernNode::set_space_limits`], see
//! `config/reload.rs`): raising either takes no restart, nor does freeing data. The limits
//! are each node's own; the leader's judge the writes, so raise them on every node.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tavern_proto::convert::{Alarm, AlarmKind};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::TavernNode;
use crate::api::NodeError;
use openraft::async_runtime::watch::WatchReceiver as _;
use tavern_statemachine::Entry;

/// How often the alarm task measures the free space of the data directory's filesystem
/// (one `statvfs`, cheap).
pub const DISK_CHECK_MS: u64 = 1_000;

/// `disk_free` before the first measurement (or with the disk alarm off).
const UNKNOWN: u64 = u64::MAX;

/// Measures the free space (bytes available to this process) of the filesystem holding a
/// path. Injectable so tests can play a disk filling up and draining.
pub type DiskProbe = Arc<dyn Fn(&Path) -> std::io::Result<u64> + Send + Sync>;

/// The free space of the filesystem of `path`, as `statvfs` reports it to an unprivileged
/// process (`f_bavail` blocks of `f_frsize` bytes).
pub fn statvfs_free(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// The node's space limits and the last disk measurement.
pub struct Alarms {
    state_bytes_max: AtomicU64,
    disk_free_min_bytes: AtomicU64,
    data_dir: PathBuf,
    /// Free bytes at the last check (`UNKNOWN`: not measured yet, or a failed measurement).
    disk_free: AtomicU64,
    /// The alarms active at the last check, to log each change once.
    logged: Mutex<Vec<AlarmKind>>,
}

impl std::fmt::Debug for Alarms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alarms")
            .field("state_bytes_max", &self.state_bytes_max())
            .field("disk_free_min_bytes", &self.disk_free_min_bytes())
            .field("disk_free", &self.disk_free())
            .finish()
    }
}

impl Alarms {
    /// Limits in bytes; 0 turns either off.
    pub fn new(state_bytes_max: u64, disk_free_min_bytes: u64, data_dir: PathBuf) -> Self {
        Alarms {
            state_bytes_max: AtomicU64::new(state_bytes_max),
            disk_free_min_bytes: AtomicU64::new(disk_free_min_bytes),
            data_dir,
            disk_free: AtomicU64::new(UNKNOWN),
            logged: Mutex::new(Vec::new()),
        }
    }

    /// The quota on the state's size, in bytes (0: off).
    pub fn state_bytes_max(&self) -> u64 {
        self.state_bytes_max.load(Ordering::Acquire)
    }

    /// The free-disk low-water mark, in bytes (0: off).
    pub fn disk_free_min_bytes(&self) -> u64 {
        self.disk_free_min_bytes.load(Ordering::Acquire)
    }

    /// New limits (a config read again); the next write and the next check use them.
    pub fn set_limits(&self, state_bytes_max: u64, disk_free_min_bytes: u64) {
        self.state_bytes_max
            .store(state_bytes_max, Ordering::Release);
        self.disk_free_min_bytes
            .store(disk_free_min_bytes, Ordering::Release);
    }

    /// Records a measurement of the free disk space.
    pub fn observe_disk(&self, free: u64) {
        self.disk_free.store(free, Ordering::Release);
    }

    /// Free bytes at the last check (`None`: not measured yet, or off).
    pub fn disk_free(&self) -> Option<u64> {
        match self.disk_free.load(Ordering::Acquire) {
            UNKNOWN => None,
            free => Some(free),
        }
    }

    /// The alarms active now, given the state's size: each with the figures and what to do.
    pub fn active(&self, state_bytes: u64) -> Vec<Alarm> {
        let mut out = Vec::new();
        let (quota, disk_min) = (self.state_bytes_max(), self.disk_free_min_bytes());
        if quota > 0 && state_bytes >= quota {
            out.push(Alarm {
                kind: AlarmKind::Quota,
                detail: format!(
                    "the state holds {state_bytes} bytes, state_bytes_max is {}: delete data \
                     (writes that free data are let through) or raise state_bytes_max; the \
                     alarm clears by itself below the quota",
                    quota
                ),
            });
        }
        match self.disk_free() {
            Some(free) if disk_min > 0 && free < disk_min => {
                out.push(Alarm {
                    kind: AlarmKind::Disk,
                    detail: format!(
                        "{free} bytes free on the filesystem of {}, disk_free_min_bytes is {}: \
                         free disk space (old snapshots and logs of other programs, a bigger \
                         volume); the alarm clears by itself, checked every {DISK_CHECK_MS} ms",
                        self.data_dir.display(),
                        disk_min
                    ),
                });
            }
            _ => {}
        }
        out
    }

    /// Logs the alarms raised and cleared since the last call.
    fn log_changes(&self, node: u64, now: &[Alarm]) {
        let kinds: Vec<AlarmKind> = now.iter().map(|a| a.kind).collect();
        let mut logged = self.logged.lock().unwrap_or_else(|p| p.into_inner());
        for a in now.iter().filter(|a| !logged.contains(&a.kind)) {
            tracing::warn!(node, alarm = %a.kind, "space alarm raised, writes that add data are refused: {}", a.detail);
        }
        for k in logged.iter().filter(|k| !kinds.contains(k)) {
            tracing::info!(node, alarm = %k, "space alarm cleared, writes accepted again");
        }
        *logged = kinds;
    }
}

/// The alarm task and the sender that stops it.
pub(super) type Watcher = (oneshot::Sender<()>, JoinHandle<()>);

/// Starts the task that measures the free disk space every [`DISK_CHECK_MS`] (when the disk
/// alarm is on) and logs alarm changes. It holds the alarms (limits and a number, nothing of
/// the store) and reads the state's size through `state_bytes`, which holds only a weak
/// reference to the node and answers `None` once the node is gone: then the task ends, so it
/// never keeps a dropped node's store open. `shutdown` stops it first.
pub(super) fn spawn(
    node: u64,
    alarms: Arc<Alarms>,
    state_bytes: impl Fn() -> Option<u64> + Send + 'static,
    probe: DiskProbe,
) -> Watcher {
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(DISK_CHECK_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut warned = false;
        loop {
            tokio::select! {
                _ = &mut stop_rx => return,
                _ = tick.tick() => {}
            }
            if alarms.disk_free_min_bytes() > 0 {
                let dir = alarms.data_dir.clone();
                let p = probe.clone();
                match tokio::task::spawn_blocking(move || p(&dir)).await {
                    Ok(Ok(free)) => {
                        alarms.observe_disk(free);
                        warned = false;
                    }
                    Ok(Err(e)) if !warned => {
                        warned = true;
                        tracing::warn!(node, dir = %alarms.data_dir.display(), "cannot measure free disk space (the disk alarm keeps its last state): {e}");
                    }
                    Ok(Err(_)) => {}
                    Err(e) => tracing::warn!(node, "disk check task: {e}"),
                }
            }
            let Some(bytes) = state_bytes() else { return };
            alarms.log_changes(node, &alarms.active(bytes));
        }
    });
    (stop_tx, task)
}

/// Stops the alarm task (it never waits on anything but one `statvfs`).
pub(super) async fn stop(watcher: Option<Watcher>, wait: Duration) {
    if let Some((stop, mut task)) = watcher {
        let _ = stop.send(());
        if tokio::time::timeout(wait, &mut task).await.is_err() {
            task.abort();
        }
    }
}

impl TavernNode {
    /// Sets the space limits (bytes, 0 turns either off), as read again from the config:
    /// the next write is judged by them, and an alarm they end clears at the next check
    /// (within [`DISK_CHECK_MS`]), logged as usual.
    pub fn set_space_limits(&self, state_bytes_max: u64, disk_free_min_bytes: u64) {
        self.inner
            .alarms
            .set_limits(state_bytes_max, disk_free_min_bytes);
    }

    /// The space alarms active now (quota from the state's size, disk from the last check).
    pub fn alarms(&self) -> Vec<tavern_proto::convert::Alarm> {
        self.inner.alarms.active(self.inner.reader.state_bytes())
    }

    /// Under a space alarm, on the leader, refuses `entry` if it would add data (a dry run of
    /// apply on the current state; see `node/alarms.rs`). A follower lets it through to answer
    /// NOT_LEADER.
    pub(super) async fn check_space(&self, entry: &Entry) -> Result<(), NodeError> {
        let active = self.alarms();
        let Some(first) = active.first() else {
            return Ok(());
        };
        let leads =
            self.inner.raft.metrics().borrow_watched().current_leader == Some(self.inner.id);
        if !leads {
            return Ok(());
        }
        let reader = self.inner.reader.clone();
        let dry = entry.clone();
        let delta = tokio::task::spawn_blocking(move || reader.size_delta_of(&dry))
            .await
            .map_err(|e| NodeError::Unavailable(format!("dry run task: {e}")))?;
        let refuse = |why: String| NodeError::NoSpace {
            alarm: first.kind,
            detail: why,
        };
        match delta {
            Ok(d) if d <= 0 => Ok(()),
            Ok(d) => Err(refuse(format!(
                "{}; this write would add {d} bytes",
                active
                    .iter()
                    .map(|a| a.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; also ")
            ))),
            Err(e) => Err(refuse(format!(
                "{}; and whether this write adds data is unknown (its dry run failed: {e})",
                first.detail
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_alarm_follows_the_state_size_and_names_the_figures() {
        let alarms = Alarms::new(1_000, 0, PathBuf::from("/data"));
        assert!(alarms.active(999).is_empty());
        let on = alarms.active(1_000);
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].kind, AlarmKind::Quota);
        assert!(
            on[0].detail.contains("1000 bytes, state_bytes_max is 1000"),
            "{}",
            on[0].detail
        );
        assert!(
            alarms.active(10).is_empty(),
            "it clears once data is deleted"
        );
        let off = Alarms::new(0, 0, PathBuf::from("/data"));
        assert!(off.active(u64::MAX).is_empty(), "0: no quota");
    }

    #[test]
    fn new_limits_end_or_raise_an_alarm_at_once() {
        let alarms = Alarms::new(1_000, 500, PathBuf::from("/data"));
        alarms.observe_disk(400);
        let kinds = |a: &Alarms| a.active(1_500).iter().map(|a| a.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&alarms), [AlarmKind::Quota, AlarmKind::Disk]);
        alarms.set_limits(2_000, 300);
        assert!(kinds(&alarms).is_empty(), "both raised past the figures");
        alarms.set_limits(1_500, 0);
        assert_eq!(
            kinds(&alarms),
            [AlarmKind::Quota],
            "lowered to the state's size"
        );
    }

    #[test]
    fn the_disk_alarm_follows_the_last_measurement() {
        let alarms = Alarms::new(0, 500, PathBuf::from("/data"));
        assert!(alarms.active(0).is_empty(), "not measured yet: no alarm");
        alarms.observe_disk(499);
        let on = alarms.active(0);
        assert_eq!(
            on.iter().map(|a| a.kind).collect::<Vec<_>>(),
            [AlarmKind::Disk]
        );
        assert!(
            on[0]
                .detail
                .contains("499 bytes free on the filesystem of /data"),
            "{}",
            on[0].detail
        );
        alarms.observe_disk(500);
        assert!(alarms.active(0).is_empty(), "it clears once space is back");
    }

    /// The task measures through the probe every second: a disk that fills raises the alarm,
    /// and it clears by itself when space comes back.
    #[tokio::test]
    async fn the_task_raises_and_clears_the_disk_alarm_from_the_probe() {
        let dir = tempfile::tempdir().expect("dir");
        let (_log, sm) =
            crate::store::open(dir.path(), &crate::identity::Identity::new("alarm-test", 1))
                .expect("open");
        let free = Arc::new(AtomicU64::new(10));
        let probe: DiskProbe = {
            let free = free.clone();
            Arc::new(move |_: &Path| Ok(free.load(Ordering::SeqCst)))
        };
        let alarms = Arc::new(Alarms::new(0, 100, dir.path().to_path_buf()));
        let reader = sm.reader();
        let watcher = spawn(1, alarms.clone(), move || Some(reader.state_bytes()), probe);
        let until = |want: bool| {
            let alarms = alarms.clone();
            async move {
                for _ in 0..100 {
                    if alarms.active(0).is_empty() != want {
                        return true;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                false
            }
        };
        assert!(
            until(true).await,
            "10 of 100 bytes free: the disk alarm is on"
        );
        free.store(1_000, Ordering::SeqCst);
        assert!(
            until(false).await,
            "space is back: the alarm cleared by itself"
        );
        stop(Some(watcher), Duration::from_secs(1)).await;
    }
}
