//! Compiles the internal Raft service (`proto/raft_internal.proto`) with tonic-build, using
//! the protoc binary shipped by `protoc-bin-vendored` (nothing from the system).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=proto/raft_internal.proto");
    tonic_build::configure().compile_protos(&["proto/raft_internal.proto"], &["proto"])?;
    Ok(())
}
