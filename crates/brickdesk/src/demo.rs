//! The demo seller. Its Amazon orders live in one place, the built-in
//! simulator (`spapi_sim`'s demo profile, about 300 orders in every
//! status). Demo mode fills an empty database by a real first sync from
//! it, the app's own sync job: the newest orders come through Orders v0,
//! so they arrive without lines and [Fetch Missing Items] has work. It
//! then adds what Amazon does not hold: ASIN mappings, the units on the
//! shelves, the units sold for the orders the seller confirmed processed
//! (whose fee events the simulator's Finances API holds), and eBay and
//! Bricqer orders.

mod generate;
mod store;

pub use generate::{
    ConfirmedOrder, DemoPlan, ImportedOrder, SoldLine, confirmed_orders, headers_only, plan,
};

use std::sync::Arc;

use spapi_sim::{RunningSim, SellerProfile, SimClock, SimConfig, SimServer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time_tz::Tz;

use crate::amazon::connection::{AmazonSetup, SimEndpoints};
use crate::amazon::sync::{OrdersApi, SyncJob, SyncParams};
use crate::amazon::{AmazonAccess, register_jobs};
use crate::auth::secrets::SecretBox;
use crate::db::{self, Db, DbError};
use crate::domain::{JobState, Platform};
use crate::jobs::{Jobs, StartError};

/// The seed of the demo seller.
pub const DEMO_SEED: u64 = 20_260_118;

/// Amazon orders of the demo seller when it starts.
pub const DEMO_AMAZON_ORDERS: usize = spapi_sim::seller::demo::ORDERS;

/// Orders the first sync stores without lines ("missing item details").
pub const MISSING_ITEMS: usize = 15;

/// How much faster than real time the demo's usage plans run, so a demo
/// sync or backfill under Amazon's rate limits takes seconds, not hours.
pub const DEMO_TIME_SCALE: f64 = 50.0;

/// Settings key set in the transaction that completes the demo.
const DEMO_MARKER: &str = "demo_seeded_at";

/// Settings key set when filling starts, before the first sync commits.
const DEMO_STARTED: &str = "demo_fill_started_at";

/// Settings key of the demo seller's anchor (RFC 3339): a restarted demo
/// simulates the seller that was synced, its activity counted from then.
const DEMO_ANCHOR: &str = "demo_anchor";

/// What the demo filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Amazon orders the first sync stored.
    pub amazon_orders: i64,
    /// Of those, orders stored without their lines.
    pub missing_items: i64,
    /// Orders of other platforms.
    pub other_orders: usize,
    /// Inventory units (on shelves and sold).
    pub units: usize,
    /// Units sold by the orders the seller confirmed.
    pub sold_units: usize,
    /// ASIN mappings.
    pub mappings: usize,
}

/// Why the demo could not be filled.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The simulator did not start.
    #[error("the built-in Amazon simulator did not start: {0}")]
    Sim(#[from] std::io::Error),
    /// The first sync did not complete.
    #[error("the demo's first sync did not complete: {0}")]
    Sync(String),
}

/// The simulator of demo mode: the demo seller of `seed` with its
/// history up to `anchor`, usage plans [`DEMO_TIME_SCALE`] times faster,
/// and a clock tests may move forward.
pub fn sim_config(seed: u64, anchor: OffsetDateTime) -> SimConfig {
    SimConfig {
        seed,
        orders: DEMO_AMAZON_ORDERS,
        profile: SellerProfile::Demo,
        time_scale: DEMO_TIME_SCALE,
        anchor: Some(anchor),
        clock: SimClock::adjustable(),
        ..SimConfig::default()
    }
}

/// The demo seller's anchor: the one stored when the database was filled,
/// else the current minute.
pub async fn sim_anchor(db: &Db) -> Result<OffsetDateTime, DbError> {
    let stored = db::settings::get(db, DEMO_ANCHOR)
        .await?
        .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok());
    Ok(stored.unwrap_or_else(|| {
        let now = OffsetDateTime::now_utc();
        now.replace_second(0)
            .and_then(|t| t.replace_nanosecond(0))
            .unwrap_or(now)
    }))
}

/// Starts the demo simulator of `seed` and `anchor` on a free loopback
/// port.
pub async fn start_sim(seed: u64, anchor: OffsetDateTime) -> std::io::Result<RunningSim> {
    SimServer::spawn(
        sim_config(seed, anchor),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
}

/// Where the app reaches a running simulator.
pub fn endpoints(sim: &RunningSim) -> SimEndpoints {
    SimEndpoints {
        api_base_url: sim.base_url(),
        lwa_token_url: sim.lwa_token_url(),
        time_scale: sim.config().time_scale,
    }
}

/// Whether the database holds no orders and no inventory.
pub async fn database_is_empty(db: &Db) -> Result<bool, DbError> {
    Ok(db::orders::count_all(db).await? == 0 && db::inventory::count(db, None).await? == 0)
}

/// Whether the database holds (or was being filled with) demo data.
pub async fn is_demo_database(db: &Db) -> Result<bool, DbError> {
    Ok(db::settings::get(db, DEMO_MARKER).await?.is_some()
        || db::settings::get(db, DEMO_STARTED).await?.is_some())
}

/// Whether demo mode has to fill the database: it is empty, or an
/// earlier fill stopped before it completed.
pub async fn needs_filling(db: &Db) -> Result<bool, DbError> {
    if db::settings::get(db, DEMO_MARKER).await?.is_some() {
        return Ok(false);
    }
    Ok(db::settings::get(db, DEMO_STARTED).await?.is_some() || database_is_empty(db).await?)
}

/// Fills the database from `sim` through `jobs`, whose Amazon is that
/// simulator. Sync pages commit as they come, so a fill that stops
/// half-way is finished by the next one (syncs upsert); the rest is one
/// transaction.
pub async fn fill(db: &Db, jobs: &Jobs, sim: &RunningSim, tz: &Tz) -> Result<Seeded, DemoError> {
    let mut tx = db.begin().await?;
    db::settings::set(
        &mut tx,
        DEMO_STARTED,
        &db::now().unix_timestamp().to_string(),
    )
    .await?;
    if let Some(anchor) = sim.config().anchor {
        let text = anchor
            .format(&Rfc3339)
            .map_err(|e| DemoError::Sync(e.to_string()))?;
        db::settings::set(&mut tx, DEMO_ANCHOR, &text).await?;
    }
    tx.commit().await?;
    let orders = sim.orders_snapshot();
    let (missing, until) = headers_only(&orders, MISSING_ITEMS)
        .ok_or_else(|| DemoError::Sync("the simulator holds too few orders".into()))?;
    // Lines inline up to the newest orders, which then come headers only.
    run_sync(
        jobs,
        SyncParams {
            api: OrdersApi::V2026,
            until: Some(until),
            ..SyncParams::default()
        },
    )
    .await?;
    run_sync(
        jobs,
        SyncParams {
            api: OrdersApi::V0,
            ..SyncParams::default()
        },
    )
    .await?;
    let confirmed = confirmed_orders(&orders, spapi_sim::seller::demo::SHIPPED_UNCONFIRMED);
    let anchor = sim.config().anchor.unwrap_or_else(db::now);
    let plan = plan(sim.config().seed, &orders, &confirmed, &missing, anchor);
    let written = store::write(db, &plan, tz, DEMO_MARKER).await?;
    Ok(Seeded {
        amazon_orders: db::orders::count(db, Platform::Amazon).await?,
        missing_items: db::orders::count_missing_items(db, Platform::Amazon).await?,
        other_orders: written.imported,
        units: written.units,
        sold_units: written.sold,
        mappings: plan.mappings.len(),
    })
}

/// Fills `db` from a demo simulator of its own for `seed`, stopped after
/// (for storage tests and benchmarks; the app keeps its simulator).
pub async fn seed(db: &Db, seed: u64) -> Result<Seeded, DemoError> {
    let sim = start_sim(seed, sim_anchor(db).await?).await?;
    let setup = AmazonSetup {
        demo_sim: Some(endpoints(&sim)),
        ..AmazonSetup::default()
    };
    let jobs = Jobs::new(db.clone());
    // Demo mode never reads stored credentials: any key will do.
    let access = AmazonAccess::new(Arc::new(setup), SecretBox::from_key([0; 32]), db.clone());
    register_jobs(&jobs, &access);
    let tz = crate::domain::location::time_zone("Europe/London")
        .ok_or_else(|| DemoError::Sync("no Europe/London time zone".into()))?;
    let seeded = fill(db, &jobs, &sim, tz).await;
    let _ = sim.shutdown().await;
    seeded
}

/// Runs a sync job to its end; an error unless every order was stored.
async fn run_sync(jobs: &Jobs, params: SyncParams) -> Result<(), DemoError> {
    let started = jobs.start::<SyncJob>(params).await.map_err(|e| match e {
        StartError::Db(e) => DemoError::Db(e),
        other => DemoError::Sync(other.to_string()),
    })?;
    let job = jobs.wait(started.job().id).await?;
    let counts = job
        .detail::<SyncJob>()
        .map_err(|e| DemoError::Sync(e.to_string()))?
        .counts;
    if job.state != JobState::Done || counts.failed > 0 {
        return Err(DemoError::Sync(format!(
            "job {} ended {} ({} failed): {}",
            job.id, job.state, counts.failed, job.progress.errors_json
        )));
    }
    Ok(())
}
