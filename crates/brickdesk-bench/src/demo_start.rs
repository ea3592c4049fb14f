//! `brickdesk-bench demo-start`: how long a demo start takes, from
//! nothing (a fresh data folder) to the owner's setup link, and the
//! resident memory right after and once idle. A program, not a test: the
//! figures depend on the machine.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use brickdesk::Application;
use brickdesk::config::Config;

use crate::process::{mb, resident_kib};

/// Options of `brickdesk-bench demo-start`.
#[derive(Debug, Clone, Args)]
pub struct DemoStartArgs {
    /// Starts to time, each on a fresh data folder.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Seconds the first started app stays idle (serving, simulator
    /// running) before its memory is read again.
    #[arg(long, default_value_t = 5)]
    pub idle_seconds: u64,
}

fn mib(kib: Option<usize>) -> String {
    kib.map_or_else(|| "n/a".to_owned(), |k| format!("{:.1} MiB", mb(k)))
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn demo_config(dir: &std::path::Path) -> Config {
    let url = format!("sqlite://{}", dir.join("brickdesk.db").display());
    Config::on_loopback(url, dir.to_path_buf())
}

/// Builds the demo app `runs` times and prints the times to ready
/// (p50, max) and the memory of the first start, then idle.
pub async fn run(args: &DemoStartArgs) -> anyhow::Result<()> {
    let runs = args.runs.max(1);
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let dir = std::env::temp_dir().join(format!(
            "brickdesk-bench-demo-{}-{run}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let result = start_once(&dir, run == 0, args.idle_seconds).await;
        let _ = std::fs::remove_dir_all(&dir);
        times.push(result?);
        println!("start {}: ready in {}", run + 1, ms(times[run]));
    }
    times.sort();
    println!(
        "time to ready over {runs} starts: p50 {}, max {}",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    Ok(())
}

/// One demo start on `dir`; with `report_memory`, the memory right after
/// and after `idle_seconds` of serving.
async fn start_once(
    dir: &std::path::Path,
    report_memory: bool,
    idle_seconds: u64,
) -> anyhow::Result<Duration> {
    let before = resident_kib();
    let started = Instant::now();
    let app = Application::build(demo_config(dir)).await?;
    let took = started.elapsed();
    anyhow::ensure!(app.setup_link().is_some(), "no setup link was printed");
    let after = resident_kib();
    let stop = tokio_util::sync::CancellationToken::new();
    let serving = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));
    if report_memory {
        tokio::time::sleep(Duration::from_secs(idle_seconds)).await;
        println!(
            "memory (VmRSS): {} before the first start, {} right after it, {} after {idle_seconds} s idle",
            mib(before),
            mib(after),
            mib(resident_kib()),
        );
    }
    stop.cancel();
    serving.await.context("the app task")??;
    Ok(took)
}
