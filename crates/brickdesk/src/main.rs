//! The `brickdesk` command.

use std::process::ExitCode;

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
