//! Crate boundaries (STYLE.md rule 4, ARCHITECTURE.md): what each library crate must never
//! pull in, checked on the real dependency graph with `cargo tree`.
//!
//! `cargo tree` reads `Cargo.lock` and the package cache; it takes no build-directory lock, so
//! it runs fine inside the `cargo test` that started this test. Each check also asserts that
//! the tree holds crates it must hold, so a tree that came back empty or unparsed fails too.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The crate names in the normal and build dependency tree of `package` (dev-dependencies
/// are allowed anything).
fn tree(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace root");
    let out = Command::new(&cargo)
        .current_dir(root)
        .args(["tree", "-p", package, "-e", "normal,build"])
        .args(["--prefix", "none", "--offline"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cargo} tree: {e}"));
    assert!(
        out.status.success(),
        "cargo tree -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn check(package: &str, must_have: &[&str], must_not: &[&str]) {
    let crates = tree(package);
    let missing: Vec<_> = must_have.iter().filter(|c| !crates.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "{package}'s tree should contain {missing:?}; it has {crates:?}"
    );
    let forbidden: Vec<_> = must_not.iter().filter(|c| crates.contains(**c)).collect();
    assert!(
        forbidden.is_empty(),
        "{package} must not depend on {forbidden:?} (see ARCHITECTURE.md); \
         `cargo tree -p {package} -i <crate>` shows the path"
    );
}

const RUNTIME: &[&str] = &["tokio", "tonic", "rocksdb", "librocksdb-sys", "openraft"];
const STORAGE_AND_CONSENSUS: &[&str] = &["rocksdb", "librocksdb-sys", "openraft"];

#[test]
fn the_state_machine_has_no_runtime_storage_or_network() {
    check(
        "tavern-statemachine",
        &["tavern-statemachine", "serde", "postcard", "thiserror"],
        RUNTIME,
    );
}

#[test]
fn the_gateway_client_has_no_storage_or_consensus() {
    check(
        "tavern-gateway",
        &["tavern-gateway", "tavern-proto", "tavern-statemachine"],
        STORAGE_AND_CONSENSUS,
    );
}

#[test]
fn the_wire_contract_has_no_storage_or_consensus() {
    check(
        "tavern-proto",
        &["tavern-proto", "tavern-statemachine", "prost"],
        STORAGE_AND_CONSENSUS,
    );
}

/// The check can fail: the wire contract's tree does hold tonic, which the state machine's
/// must not.
#[test]
fn the_check_sees_what_is_there() {
    let crates = tree("tavern-proto");
    for c in ["tonic", "tonic-build", "protoc-bin-vendored", "tokio"] {
        assert!(crates.contains(c), "tavern-proto's tree should show {c}");
    }
    assert!(!tree("tavern-statemachine").contains("tonic"));
}
