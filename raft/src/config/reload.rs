//! What a running node takes again from its config on SIGHUP (`tavern serve`; `systemctl
//! reload tavern`): the space limits, so an operator under a quota or disk alarm can raise
//! them without a restart. Every other setting changed in the file is named as waiting for
//! the next restart (addresses, the data directory, Raft timings and the rest are fixed for a
//! process's life).
//!
//! ```text
//!  SIGHUP ─▶ file + env + flags again ─▶ validate ─▶ error? log it, keep running as before
//!                                                  └▶ changes_to(current) ─▶ applied now
//!                                                                          └▶ need a restart
//! ```

use super::NodeConfig;

/// The settings a running node applies when it reads its config again.
pub const RELOADABLE_SETTINGS: &[&str] = &["state_bytes_max", "disk_free_min_bytes"];

/// One reloadable setting that changed, with its old and new values as the file writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub setting: &'static str,
    pub old: String,
    pub new: String,
}

/// How a config read again differs from the one a node runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChanges {
    /// Reloadable settings that changed: the node applies them now.
    pub applied: Vec<Changed>,
    /// Other settings that changed (top-level names, `security` and `peers` as a whole):
    /// they take effect at the next restart.
    pub need_restart: Vec<String>,
}

impl ConfigChanges {
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.need_restart.is_empty()
    }
}

impl NodeConfig {
    /// How `new` differs from this config, setting by setting.
    pub fn changes_to(&self, new: &NodeConfig) -> ConfigChanges {
        let (old, new) = (settings(self), settings(new));
        let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
        names.sort();
        names.dedup();
        let mut changes = ConfigChanges::default();
        for name in names {
            let (a, b) = (old.get(name), new.get(name));
            if a == b {
                continue;
            }
            match RELOADABLE_SETTINGS.iter().find(|s| **s == name.as_str()) {
                Some(setting) => changes.applied.push(Changed {
                    setting,
                    old: a.map_or("(unset)".into(), ToString::to_string),
                    new: b.map_or("(unset)".into(), ToString::to_string),
                }),
                None => changes.need_restart.push(name.clone()),
            }
        }
        changes
    }

    /// This config with the reloadable settings of `new`: what the node runs with after a
    /// reload.
    pub fn with_reloaded(&self, new: &NodeConfig) -> NodeConfig {
        NodeConfig {
            state_bytes_max: new.state_bytes_max,
            disk_free_min_bytes: new.disk_free_min_bytes,
            ..self.clone()
        }
    }
}

/// Every setting of `c` by name, as its file form writes it.
fn settings(c: &NodeConfig) -> toml::Table {
    // Our own output always parses (the config tests check the round trip); an empty table
    // would only make every setting look unchanged.
    toml::from_str(&c.to_toml()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;

    fn config(extra: &str) -> NodeConfig {
        let text = format!(
            "node_id = 1\ncluster_id = \"c\"\nraft_addr = \"127.0.0.1:7101\"\n\
             client_addr = \"127.0.0.1:7201\"\ndata_dir = \"/tmp/n1\"\n{extra}\n\
             [[peers]]\nid = 1\nraft_addr = \"127.0.0.1:7101\"\nclient_addr = \"127.0.0.1:7201\"\n"
        );
        let raw: RawConfig = toml::from_str(&text).expect("a config file");
        raw.validate().expect("valid")
    }

    #[test]
    fn the_space_limits_apply_at_once_and_the_rest_waits_for_a_restart() {
        let running = config("state_bytes_max = 1000\n");
        let read_again = config(
            "state_bytes_max = 5000\ndisk_free_min_bytes = 0\nheartbeat_ms = 40\n\
             watch_streams_max = 9\n",
        );
        let changes = running.changes_to(&read_again);
        assert_eq!(
            changes.applied,
            [
                Changed {
                    setting: "disk_free_min_bytes",
                    old: "268435456".into(),
                    new: "0".into(),
                },
                Changed {
                    setting: "state_bytes_max",
                    old: "1000".into(),
                    new: "5000".into(),
                },
            ]
        );
        assert_eq!(changes.need_restart, ["heartbeat_ms", "watch_streams_max"]);
        let now = running.with_reloaded(&read_again);
        assert_eq!((now.state_bytes_max, now.disk_free_min_bytes), (5000, 0));
        assert_eq!(now.heartbeat_ms, running.heartbeat_ms, "not reloaded");
        assert_eq!(now.watch, running.watch, "not reloaded");
        // Once applied, reading the same file again changes nothing reloadable.
        assert!(now.changes_to(&read_again).applied.is_empty());
    }

    #[test]
    fn reading_the_same_file_again_changes_nothing() {
        let c = config("state_bytes_max = 1000\nwatch_streams_max = 3\n");
        assert!(c.changes_to(&c.clone()).is_empty());
    }
}
