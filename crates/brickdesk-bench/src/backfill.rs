//! `brickdesk-bench backfill`: a backfill of many orders against a
//! time-scaled simulator under the published usage plans, into a fresh
//! SQLite database in report mode and in per-order mode, and in report
//! mode into a scratch PostgreSQL database when given one. Reports
//! simulated wall time, the calls made, the achieved ÷ permitted
//! getOrderItems rate and the 429s. A program, not a test.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use brickdesk::amazon::connection::{AmazonSetup, SimEndpoints};
use brickdesk::amazon::{AmazonAccess, backfill, sync};
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::Db;
use brickdesk::db::jobs::JobRow;
use brickdesk::domain::JobState;
use brickdesk::jobs::{Job, Jobs};

use crate::db::scratch::{History, on_sqlite, on_sqlite_then_postgres, temp_dir};

/// Options of `brickdesk-bench backfill`.
#[derive(Debug, Clone, Args)]
pub struct BackfillBenchArgs {
    /// Orders missing their lines.
    #[arg(long, default_value_t = 10_000)]
    pub orders: usize,
    /// Simulated-time factor (usage-plan rates scale with it).
    #[arg(long, default_value_t = 500.0)]
    pub time_scale: f64,
    /// Past orders seeded first (their lines fetched).
    #[command(flatten)]
    pub history: History,
}

/// Runs the benchmark: report mode, then per-order mode, each on a fresh
/// database and simulator with the same orders.
pub async fn run(args: &BackfillBenchArgs, postgres_url: Option<&str>) -> anyhow::Result<()> {
    let scale = args.time_scale.max(1.0);
    println!(
        "bench backfill: {} orders, simulator time x{scale}, published usage plans \
         (getOrderItems 0.5/s burst 30; createReport 0.0167/s burst 15; getReport 2/s burst 15)",
        args.orders
    );

    // Report mode's storing is the database's own work, so it runs on both
    // engines; per-order mode is bound by the call rate on either.
    let report = |engine: &'static str, db: Db| async move {
        let outcome = backfill_on(args, "report", &db).await?;
        print_report(engine, &outcome, scale);
        Ok(())
    };
    on_sqlite_then_postgres("backfill-report", postgres_url, args.history, report).await?;
    let per_order = on_sqlite("backfill-per-order", args.history, |_, db| async move {
        backfill_on(args, "per_order", &db).await
    })
    .await?;
    let calls = per_order.calls("getOrderItems");
    let simulated = per_order.wall * scale;
    // Permitted in the simulated time: the bucket's burst plus the rate.
    let permitted = 30.0 + 0.5 * simulated;
    #[allow(clippy::cast_precision_loss)]
    let achieved = calls as f64;
    println!("per-order mode (getOrderItems):");
    println!(
        "  {} orders ({} ok, {} failed), {calls} calls, {} x 429",
        per_order.job.progress.processed,
        per_order.job.progress.success,
        per_order.job.progress.failed,
        per_order.throttled
    );
    println!(
        "  wall {:.1} s = simulated {:.1} min ({:.2} h)",
        per_order.wall,
        simulated / 60.0,
        simulated / 3600.0
    );
    println!(
        "  achieved {:.3} calls/s simulated vs permitted 0.5/s (+30 burst): ratio {:.3}",
        (achieved - 30.0).max(0.0) / simulated,
        achieved / permitted
    );
    Ok(())
}

/// Prints a report-mode backfill, and records the time it took to store
/// the lines.
fn print_report(engine: &str, report: &Outcome, scale: f64) {
    println!(
        "{engine}: report mode (all-orders report, per order only where the report cannot key lines):"
    );
    println!(
        "  {} orders ({} ok, {} failed); calls: {} createReport, {} getReport, \
         {} getReportDocument, {} getOrderItems; {} x 429",
        report.job.progress.processed,
        report.job.progress.success,
        report.job.progress.failed,
        report.calls("createReport"),
        report.calls("getReport"),
        report.calls("getReportDocument"),
        report.calls("getOrderItems"),
        report.throttled
    );
    // Amazon's part (requests, processing, downloads) runs on the
    // simulator's clock; storing the lines is local work, which the time
    // scale must not inflate.
    let amazon = report.amazon_seconds.unwrap_or(report.wall);
    let local = report.wall - amazon;
    println!(
        "  Amazon's part {amazon:.2} s wall = {:.2} simulated min; storing {local:.2} s; \
         total {:.2} min (target <= 5 min)",
        amazon * scale / 60.0,
        (amazon * scale + local) / 60.0
    );
    crate::figures::record(
        "backfill (report mode), storing",
        local * 1000.0,
        "ms",
        crate::figures::Better::Lower,
    );
}

/// A simulated seller of `orders` orders (seed `seed`; on `marketplaces`,
/// else the UK) whose history ends an hour ago, running `scale` times
/// faster than real time.
pub async fn bench_sim(
    seed: u64,
    orders: usize,
    scale: f64,
    marketplaces: Option<Vec<String>>,
) -> anyhow::Result<spapi_sim::RunningSim> {
    let defaults = spapi_sim::SimConfig::default();
    let config = spapi_sim::SimConfig {
        seed,
        orders,
        time_scale: scale,
        anchor: Some(time::OffsetDateTime::now_utc() - time::Duration::hours(1)),
        marketplaces: marketplaces.unwrap_or(defaults.marketplaces.clone()),
        ..defaults
    };
    spapi_sim::SimServer::spawn(config, "127.0.0.1:0".parse()?)
        .await
        .context("starting the simulator")
}

/// A fresh SQLite database in `dir` and job machinery on it whose Amazon
/// is `sim` (running `scale` times faster than real time).
pub async fn sim_jobs(
    dir: &std::path::Path,
    sim: &spapi_sim::RunningSim,
    scale: f64,
) -> anyhow::Result<(Db, Jobs)> {
    let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    db.migrate().await?;
    let jobs = jobs_on(&db, dir, sim, scale)?;
    Ok((db, jobs))
}

/// Job machinery on the migrated `db` whose Amazon is `sim`; the secret
/// key lives in `dir`.
fn jobs_on(
    db: &Db,
    dir: &std::path::Path,
    sim: &spapi_sim::RunningSim,
    scale: f64,
) -> anyhow::Result<Jobs> {
    let setup = AmazonSetup {
        demo_sim: Some(SimEndpoints {
            api_base_url: sim.base_url(),
            lwa_token_url: sim.lwa_token_url(),
            time_scale: scale,
        }),
        ..AmazonSetup::default()
    };
    let secrets = SecretBox::load_or_create(None, dir)?;
    let jobs = Jobs::new(db.clone());
    brickdesk::amazon::register_jobs(
        &jobs,
        &AmazonAccess::new(Arc::new(setup), secrets, db.clone()),
    );
    Ok(jobs)
}

/// Runs a job of kind `J` with `params` on `jobs` to its end: the job and
/// the seconds it took; an error unless it finished.
pub async fn run_timed<J: Job>(jobs: &Jobs, params: J::Params) -> anyhow::Result<(JobRow, f64)> {
    let clock = Instant::now();
    let started = jobs.start::<J>(params).await?;
    let job = jobs.wait(started.job().id).await?;
    let wall = clock.elapsed().as_secs_f64();
    anyhow::ensure!(
        job.state == JobState::Done,
        "the {} job ended {}: {}",
        J::KIND,
        job.state,
        job.progress.errors_json
    );
    Ok((job, wall))
}

/// One backfill's outcome.
struct Outcome {
    job: JobRow,
    wall: f64,
    /// Seconds from the start until the report's rows were in hand.
    amazon_seconds: Option<f64>,
    by_operation: std::collections::BTreeMap<String, u64>,
    throttled: u64,
}

impl Outcome {
    fn calls(&self, op: &str) -> u64 {
        self.by_operation.get(op).copied().unwrap_or(0)
    }
}

/// Syncs order headers (v0, no lines) from a fresh simulator into the
/// migrated `db`, then times a backfill in `mode`.
async fn backfill_on(args: &BackfillBenchArgs, mode: &str, db: &Db) -> anyhow::Result<Outcome> {
    // The secret key file lives here.
    let dir = temp_dir(&format!("backfill-{mode}-key"))?;
    let outcome = backfill_with_key(args, mode, db, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn backfill_with_key(
    args: &BackfillBenchArgs,
    mode: &str,
    db: &Db,
    dir: &std::path::Path,
) -> anyhow::Result<Outcome> {
    let scale = args.time_scale.max(1.0);
    let sim = bench_sim(11, args.orders, scale, None).await?;
    let jobs = jobs_on(db, dir, &sim, scale)?;
    let headers = sync::SyncParams {
        api: sync::OrdersApi::V0,
        window_days: 3650,
        until: None,
    };
    run_timed::<sync::SyncJob>(&jobs, headers).await?;
    let before = sim.stats();
    let started_at = time::OffsetDateTime::now_utc();
    let params = backfill::BackfillParams {
        api: sync::OrdersApi::V0,
        mode: backfill::BackfillMode::parse(mode).context("backfill mode")?,
        report_threshold: None,
    };
    let (job, wall) = run_timed::<backfill::BackfillJob>(&jobs, params).await?;
    let after = sim.stats();
    let by_operation = after
        .by_operation
        .iter()
        .map(|(op, n)| {
            let was = before.by_operation.get(op).copied().unwrap_or(0);
            (op.clone(), n - was)
        })
        .collect();
    let throttled = after.throttled - before.throttled;
    let amazon_seconds = job
        .detail::<backfill::BackfillJob>()?
        .report_fetched_at
        .map(|t| (t - started_at).as_seconds_f64());
    sim.shutdown().await?;
    Ok(Outcome {
        job,
        wall,
        amazon_seconds,
        by_operation,
        throttled,
    })
}
