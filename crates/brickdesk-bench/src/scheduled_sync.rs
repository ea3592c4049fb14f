//! `brickdesk-bench scheduled-sync`: the first scheduled order sync of a
//! seller on three marketplaces (UK, DE, SE) against a time-scaled
//! simulator under the published usage plans, into a fresh SQLite
//! database and, given a PostgreSQL URL, a scratch PostgreSQL database:
//! the scheduler claims the run and starts the durable sync job as the
//! server does. Reports simulated minutes, the calls made and the 429s.
//! A program, not a test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use brickdesk::amazon::AmazonAccess;
use brickdesk::amazon::connection::AmazonSetup;
use brickdesk::amazon::credentials::{self, Credentials, Region};
use brickdesk::amazon::sync::SyncJob;
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::Db;
use brickdesk::domain::JobState;
use brickdesk::jobs::Jobs;
use brickdesk::schedule::{Scheduled, Scheduler};

use spapi_sim::RunningSim;

use crate::backfill::bench_sim;
use crate::db::scratch::{History, on_sqlite_then_postgres, temp_dir};

/// The seller's marketplaces: Amazon.co.uk, Amazon.de, Amazon.se.
const MARKETPLACES: [&str; 3] = ["A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A2NODRKZP88ZB9"];

/// Options of `brickdesk-bench scheduled-sync`.
#[derive(Debug, Clone, Args)]
pub struct ScheduledSyncArgs {
    /// Orders of the seller, over the three marketplaces.
    #[arg(long, default_value_t = 10_000)]
    pub orders: usize,
    /// Simulated-time factor (usage-plan rates scale with it).
    #[arg(long, default_value_t = 500.0)]
    pub time_scale: f64,
    /// Past orders seeded first.
    #[command(flatten)]
    pub history: History,
}

/// Runs the benchmark on SQLite, then on a scratch PostgreSQL database
/// when `postgres_url` is given.
pub async fn run(args: &ScheduledSyncArgs, postgres_url: Option<&str>) -> anyhow::Result<()> {
    let scale = args.time_scale.max(1.0);
    let measure = |engine: &'static str, db: Db| async move {
        let sim = bench_sim(
            12,
            args.orders,
            scale,
            Some(MARKETPLACES.map(str::to_owned).to_vec()),
        )
        .await?;
        let r = sync_on(args, engine, &sim, &db).await;
        sim.shutdown().await?;
        r
    };
    on_sqlite_then_postgres("scheduled-sync", postgres_url, args.history, measure).await
}

/// One scheduled sync of the simulated seller into `db`, printed.
async fn sync_on(
    args: &ScheduledSyncArgs,
    engine: &str,
    sim: &RunningSim,
    db: &Db,
) -> anyhow::Result<()> {
    let scale = args.time_scale.max(1.0);
    let per_market: Vec<usize> = MARKETPLACES
        .iter()
        .map(|m| {
            sim.orders_snapshot()
                .iter()
                .filter(|o| o.marketplace_id == *m)
                .count()
        })
        .collect();
    println!(
        "bench scheduled-sync on {engine}: {} orders (UK {}, DE {}, SE {}), simulator time \
         x{scale}, published usage plans (searchOrders)",
        args.orders, per_market[0], per_market[1], per_market[2]
    );
    let dir = temp_dir("scheduled-sync-secrets")?;
    let secrets = SecretBox::load_or_create(None, &dir)?;
    let creds = Credentials {
        client_id: spapi_sim::DEMO_CLIENT_ID.to_owned(),
        client_secret: spapi_sim::DEMO_CLIENT_SECRET.to_owned(),
        refresh_token: spapi_sim::DEMO_REFRESH_TOKEN.to_owned(),
        region: Region::Eu,
        marketplace_ids: MARKETPLACES.map(str::to_owned).to_vec(),
    };
    credentials::save(db, &secrets, &creds, None).await?;
    // The last sync ended before the oldest order: this run brings them all
    // (a first sync covers 90 days, fewer than the generated history).
    let oldest = sim
        .orders_snapshot()
        .iter()
        .map(|o| o.created)
        .min()
        .context("the seller has orders")?;
    let mut tx = db.begin().await?;
    let watermark = (oldest - time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)?;
    brickdesk::db::cursors::set(&mut tx, brickdesk::amazon::sync::WATERMARK, &watermark).await?;
    tx.commit().await?;
    let setup = AmazonSetup {
        api_url_override: Some(sim.base_url()),
        lwa_url_override: Some(sim.lwa_token_url()),
        ..AmazonSetup::default()
    };
    let jobs = Jobs::new(db.clone());
    brickdesk::amazon::register_jobs(
        &jobs,
        &AmazonAccess::new(Arc::new(setup), secrets, db.clone()),
    );
    let scheduler = Scheduler::new(jobs, false);
    let clock = Instant::now();
    let job = scheduler
        .run_due(
            Scheduled::Sync,
            Duration::from_secs(15 * 60),
            time::OffsetDateTime::now_utc(),
        )
        .await?
        .context("the first scheduled run was not due")?;
    let wall = clock.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        job.state == JobState::Done,
        "the scheduled sync ended {}: {}",
        job.state,
        job.progress.errors_json
    );
    let counts = job.detail::<SyncJob>()?.counts;
    let stats = sim.stats();
    let calls: u64 = stats.by_operation.values().sum();
    println!(
        "  {} new orders ({} failed); {calls} calls ({}), {} x 429",
        counts.new,
        counts.failed,
        stats
            .by_operation
            .iter()
            .map(|(op, n)| format!("{n} {op}"))
            .collect::<Vec<_>>()
            .join(", "),
        stats.throttled
    );
    println!(
        "  wall {:.1} s = simulated {:.1} min",
        wall.as_secs_f64(),
        wall.as_secs_f64() * scale / 60.0
    );
    crate::figures::record_ms("scheduled sync, wall", wall);
    Ok(())
}
