//! The `brickdesk` command.

use std::process::ExitCode;

// glibc's allocator spent a quarter of a list request in malloc/free
// bookkeeping across the runtime's and SQLite's threads (bench orders-list).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = brickdesk::config::Cli::parse_with_default();
    brickdesk::telemetry::init(&cli.global.log);
    match brickdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line a person can act on; the chain is joined with ": ".
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
