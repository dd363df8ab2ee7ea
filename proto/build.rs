//! Compiles every `.proto` file under `tavern/v1/` with tonic-build, using the protoc binary
//! shipped by the `protoc-bin-vendored` crate (nothing from the system), and writes the file
//! descriptor set the node serves for gRPC reflection.

use std::path::PathBuf;

const PROTO_DIR: &str = "tavern/v1";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);

    // Every file in the directory, in a fixed order, so a new domain only adds its file.
    let mut protos: Vec<PathBuf> = std::fs::read_dir(PROTO_DIR)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|p| p.extension().is_some_and(|x| x == "proto"));
    protos.sort();
    println!("cargo:rerun-if-changed={PROTO_DIR}");
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }

    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_build::configure()
        .file_descriptor_set_path(out.join("tavern_descriptor.bin"))
        .compile_protos(&protos, &["."])?;
    Ok(())
}
