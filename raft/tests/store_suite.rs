//! openraft's own storage conformance suite against the RocksDB log and state stores, each test
//! on a fresh store in a temporary directory.

use openraft::errors::ErrorSource;
use openraft::testing::log::{StoreBuilder, Suite};
use openraft::StorageError;
use tavern_raft::identity::Identity;
use tavern_raft::store::{self, LogStore, StateMachine};
use tavern_raft::types::TypeConfig;
use tempfile::TempDir;

struct RocksBuilder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for RocksBuilder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError<TypeConfig>> {
        let dir =
            tempfile::tempdir().map_err(|e| StorageError::write(ErrorSource::from_error(&e)))?;
        let (log, sm) = store::open(dir.path(), &Identity::new("suite", 1))
            .map_err(|e| StorageError::write(ErrorSource::from_error(&e)))?;
        Ok((dir, log, sm))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rocksdb_stores_pass_the_openraft_storage_suite() {
    Suite::test_all(RocksBuilder)
        .await
        .expect("every test of the suite passes");
}
