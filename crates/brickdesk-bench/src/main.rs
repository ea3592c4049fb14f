//! `brickdesk-bench`: times parts of Brickdesk on generated data (see the
//! README's Benchmarks section).

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use brickdesk_bench::Cli;

// The same allocator as the `brickdesk` binary, so the figures are the app's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    brickdesk::telemetry::init(&cli.global.log, brickdesk::telemetry::LogFormat::Text);
    let result = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .and_then(|runtime| runtime.block_on(brickdesk_bench::run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
