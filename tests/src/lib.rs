//! tavern-tests: cluster harness and end-to-end tests. For now it holds the crate boundary test
//! (`tests/boundaries.rs`).
