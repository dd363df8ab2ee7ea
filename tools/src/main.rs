//! `tavern`: the command line of tavern.
//!
//! For now it has one subcommand, `scenario`, which plays a short story against the state
//! machine in memory. `serve`, `dev`, `status`, `member`, `snapshot`, `bench` and the importer
//! arrive with the node and client issues (DESIGN.md "Parts").
//!
//! Architecture invariant: this binary only wires things together; domain rules live in
//! `tavern-statemachine`. It may depend on every crate; nothing depends on it.

use std::io::Write;

use clap::{Parser, Subcommand};

mod describe;
mod scenario;

#[derive(Debug, Parser)]
#[command(
    name = "tavern",
    version,
    about = "tavern: the replicated social-state store"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Plays a short story (realms, gateways, logins, exactly-once retries, a lost gateway,
    /// rename and delete) against the state machine in memory, and checks every outcome.
    Scenario,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Scenario => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            scenario::run(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}
