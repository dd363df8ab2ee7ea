//! `TavernNode` as the watch service's [`EventSource`]: the state store's event window and
//! broadcast, and the node's stop signal.

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use super::TavernNode;
use crate::service::{EventSource, WatchStats};
use crate::store::{AppliedEvents, EventsPage};

impl EventSource for TavernNode {
    fn subscribe_events(&self) -> broadcast::Receiver<AppliedEvents> {
        self.inner.reader.subscribe()
    }

    fn applied_index(&self) -> watch::Receiver<Option<u64>> {
        self.inner.reader.applied()
    }

    fn events_reset(&self) -> watch::Receiver<u64> {
        self.inner.reader.events_reset()
    }

    fn events_page(&self, from: u64, max: usize) -> Result<EventsPage, String> {
        self.inner
            .reader
            .events_page(from, max)
            .map_err(|e| e.to_string())
    }

    fn stopping(&self) -> watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }

    fn watch_stats(&self) -> Arc<WatchStats> {
        self.inner.watch_stats.clone()
    }
}
