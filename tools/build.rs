//! Compiles `proto/etcd_kv.proto` (the Range and Put calls of etcd's KV API that
//! `tavern bench --target etcd` makes) into a tonic client, with the protoc binary of the
//! `protoc-bin-vendored` crate, as `proto/build.rs` does for tavern's own contract.

const PROTO: &str = "proto/etcd_kv.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    println!("cargo:rerun-if-changed={PROTO}");
    tonic_build::configure()
        .build_server(false)
        .compile_protos(&[PROTO], &["proto"])?;
    Ok(())
}
