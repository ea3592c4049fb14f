//! The `brickdesk` command.

use std::process::ExitCode;

// Cheaper malloc/free across the runtime's and SQLite's threads than the
// system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc gives freed memory back to the system only while it allocates
/// and frees pages (after its purge delay); an idle server does neither.
/// A one-page allocation every few seconds lets it finish that work.
fn let_the_allocator_purge() {
    let _ = std::thread::Builder::new()
        .name("allocator-purge".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(5));
                drop(std::hint::black_box(Vec::<u8>::with_capacity(1 << 20)));
            }
        });
}

fn main() -> ExitCode {
    let_the_allocator_purge();
    let cli = brickdesk::cli::args::Cli::parse_with_default();
    brickdesk::telemetry::init(&cli.global.log, cli.global.log_format);
    match brickdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line a person can act on; the chain is joined with ": ".
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
