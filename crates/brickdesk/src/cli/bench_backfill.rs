//! `brickdesk bench backfill`: a backfill of many orders against a
//! time-scaled simulator under the published usage plans, into a fresh
//! SQLite database. Reports simulated wall time, the achieved ÷ permitted
//! getOrderItems rate and the 429s. A program, not a test.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::amazon::connection::{AmazonSetup, SimEndpoints};
use crate::amazon::{AmazonAccess, backfill, sync};
use crate::auth::secrets::SecretBox;
use crate::db::Db;
use crate::jobs::Jobs;

/// Options of `bench backfill`.
#[derive(Debug, Clone, Args)]
pub struct BackfillBenchArgs {
    /// Orders missing their lines.
    #[arg(long, default_value_t = 10_000)]
    pub orders: usize,
    /// Simulated-time factor (usage-plan rates scale with it).
    #[arg(long, default_value_t = 500.0)]
    pub time_scale: f64,
}

/// Runs the benchmark.
pub async fn run(args: &BackfillBenchArgs) -> anyhow::Result<()> {
    let scale = args.time_scale.max(1.0);
    let sim = spapi_sim::SimServer::spawn(
        spapi_sim::SimConfig {
            seed: 11,
            orders: args.orders,
            time_scale: scale,
            anchor: Some(time::OffsetDateTime::now_utc() - time::Duration::hours(1)),
            ..spapi_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("starting the simulator")?;
    let dir = tempfile_dir()?;
    let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    db.migrate().await?;
    let setup = AmazonSetup {
        demo_sim: Some(SimEndpoints {
            api_base_url: sim.base_url(),
            lwa_token_url: sim.lwa_token_url(),
            time_scale: scale,
        }),
        ..AmazonSetup::default()
    };
    let secrets = SecretBox::load_or_create(None, &dir)?;
    let jobs = Jobs::new(db.clone());
    crate::amazon::register_jobs(
        &jobs,
        &AmazonAccess::new(Arc::new(setup), secrets, db.clone()),
    );

    println!(
        "bench backfill: {} orders, simulator time x{scale}, getOrderItems plan 0.5/s burst 30",
        args.orders
    );
    let started = jobs
        .start(
            sync::KIND,
            serde_json::json!({"api": "v0", "windowDays": 3650}),
        )
        .await?;
    let headers = jobs.wait(started.job().id).await?;
    anyhow::ensure!(
        headers.state == "done",
        "header sync ended {}",
        headers.state
    );
    let before = sim.stats();

    let clock = Instant::now();
    let started = jobs
        .start(backfill::KIND, serde_json::json!({"api": "v0"}))
        .await?;
    let job = jobs.wait(started.job().id).await?;
    let wall = clock.elapsed().as_secs_f64();
    anyhow::ensure!(
        job.state == "done",
        "backfill ended {}: {}",
        job.state,
        job.errors_json
    );
    let after = sim.stats();
    let op = |s: &spapi_sim::SimStats| s.by_operation.get("getOrderItems").copied().unwrap_or(0);
    let calls = op(&after) - op(&before);
    let throttled = after.throttled - before.throttled;
    let simulated = wall * scale;
    // Permitted in the simulated time: the bucket's burst plus the rate.
    let permitted = 30.0 + 0.5 * simulated;
    #[allow(clippy::cast_precision_loss)]
    let achieved = calls as f64;
    println!("per-order mode (getOrderItems):");
    println!(
        "  {} orders ({} ok, {} failed), {calls} calls, {throttled} x 429",
        job.processed, job.success, job.failed
    );
    println!(
        "  wall {wall:.1} s = simulated {:.1} min ({:.2} h)",
        simulated / 60.0,
        simulated / 3600.0
    );
    println!(
        "  achieved {:.3} calls/s simulated vs permitted 0.5/s (+30 burst): ratio {:.3}",
        (achieved - 30.0).max(0.0) / simulated,
        achieved / permitted
    );
    println!("report mode: not implemented in this version (see README)");
    sim.shutdown().await?;
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("brickdesk-bench-backfill-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
