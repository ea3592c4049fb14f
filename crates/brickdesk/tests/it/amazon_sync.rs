//! Order sync and backfill against the real simulator over HTTP, on SQLite
//! and PostgreSQL: the stored orders and lines equal the simulator's
//! (compared as sets), a second sync changes nothing, status changes
//! arrive without touching a Completed workflow status, a stop ends a
//! rate-limit wait without another call and leaves every order complete
//! or untouched, and 20% injected faults change nothing in the result.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use brickdesk::amazon::AmazonAccess;
use brickdesk::amazon::backfill::{BackfillJob, BackfillMode, BackfillParams};
use brickdesk::amazon::connection::{AmazonSetup, SimEndpoints};
use brickdesk::amazon::sync::{OrdersApi, SyncJob, SyncParams};
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::Db;
use brickdesk::db::jobs::JobRow;
use brickdesk::domain::{JobKind, JobState};
use brickdesk::jobs::{Job, Jobs};
use sea_query::{Expr, ExprTrait, Query};
use spapi_sim::{FaultSpec, RunningSim, SimClock, SimConfig, SimServer};
use time::OffsetDateTime;

use crate::helpers::on_both_backends;

/// A simulator whose history ends an hour ago (outside the two minutes
/// Amazon's "before" leaves out).
pub async fn sim(orders: usize, time_scale: f64, faults: &str) -> RunningSim {
    spawn_sim(sim_config(orders, time_scale, faults)).await
}

/// The configuration [`sim`] runs with.
pub fn sim_config(orders: usize, time_scale: f64, faults: &str) -> SimConfig {
    SimConfig {
        seed: 7,
        orders,
        time_scale,
        faults: FaultSpec::parse(faults).expect("fault spec"),
        anchor: Some(OffsetDateTime::now_utc() - time::Duration::hours(1)),
        ..SimConfig::default()
    }
}

/// A simulator with `config` on a free port of 127.0.0.1.
pub async fn spawn_sim(config: SimConfig) -> RunningSim {
    SimServer::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator")
}

/// getOrderItems calls the simulator has counted (answered or refused).
pub fn item_calls(sim: &RunningSim) -> u64 {
    sim.stats()
        .by_operation
        .get("getOrderItems")
        .copied()
        .unwrap_or(0)
}

/// Catches a hang; never a measure of speed.
pub const SAFETY_NET: Duration = Duration::from_secs(60);

/// 20% of SP-API responses are faults of every kind the client meets.
pub const TWENTY_PERCENT_FAULTS: &str = "429:0.06,500:0.05,503:0.03,drop:0.03,malformed:0.03";

/// A simulator of `orders`, its jobs on `db`, and the order headers
/// synced through v0 (no lines), so every order needs a backfill.
pub async fn headers_only(
    db: &Db,
    orders: usize,
    time_scale: f64,
    faults: &str,
) -> (RunningSim, Jobs) {
    let sim = sim(orders, time_scale, faults).await;
    let jobs = jobs_for(db, &sim);
    run::<SyncJob>(&jobs, sync_params("v0")).await;
    (sim, jobs)
}

/// Job machinery on `db` whose Amazon is `sim`.
pub fn jobs_for(db: &Db, sim: &RunningSim) -> Jobs {
    jobs_with_access(db, sim).0
}

/// [`jobs_for`], and the access its jobs reach Amazon through (whose
/// cached client, and so its rate limiter, the jobs share).
pub fn jobs_with_access(db: &Db, sim: &RunningSim) -> (Jobs, AmazonAccess) {
    jobs_reaching(
        db,
        SimEndpoints {
            api_base_url: sim.base_url(),
            lwa_token_url: sim.lwa_token_url(),
            time_scale: sim.config().time_scale,
        },
    )
}

/// Job machinery on `db` whose Amazon is at `endpoints` (demo-style: no
/// stored credentials), and its access.
pub fn jobs_reaching(db: &Db, endpoints: SimEndpoints) -> (Jobs, AmazonAccess) {
    let setup = AmazonSetup {
        demo_sim: Some(endpoints),
        ..AmazonSetup::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets = SecretBox::load_or_create(None, dir.path()).expect("secret key");
    let jobs = Jobs::new(db.clone());
    let access = AmazonAccess::new(Arc::new(setup), secrets, db.clone());
    brickdesk::amazon::register_jobs(&jobs, &access);
    (jobs, access)
}

pub async fn run<J: Job>(jobs: &Jobs, params: J::Params) -> JobRow {
    let started = jobs.start::<J>(params).await.expect("start");
    let job = tokio::time::timeout(Duration::from_secs(120), jobs.wait(started.job().id))
        .await
        .expect("job finishes in time")
        .expect("job row");
    assert_eq!(job.state, JobState::Done, "{job:?}");
    job
}

/// Backfill params forcing one call per order (these tests check the
/// OrderItemIds, which the all-orders report does not carry).
pub fn per_order() -> BackfillParams {
    BackfillParams {
        mode: BackfillMode::PerOrder,
        ..BackfillParams::default()
    }
}

pub fn sync_params(api: &str) -> SyncParams {
    SyncParams {
        api: OrdersApi::parse(api).expect("an Orders API"),
        window_days: 3650,
        until: None,
    }
}

/// (order id, stored status) of every Amazon order.
pub async fn stored_orders(db: &Db) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = db
        .all(
            &Query::select()
                .columns(["platform_order_id", "platform_status"].map(sea_query::Alias::new))
                .from(sea_query::Alias::new("orders"))
                .and_where(Expr::col(sea_query::Alias::new("platform")).eq("amazon"))
                .to_owned(),
        )
        .await
        .expect("orders");
    rows.into_iter().collect()
}

/// (order id, item id, ASIN, SKU, quantity, unit price).
pub type Line = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

/// (order id, item id, ASIN, SKU, quantity, unit price) of every line.
pub async fn stored_lines(db: &Db) -> Vec<Line> {
    let mut rows: Vec<Line> = db
        .all(
            &Query::select()
                .expr(Expr::cust("o.platform_order_id"))
                .expr(Expr::cust("i.platform_item_id"))
                .expr(Expr::cust("i.asin"))
                .expr(Expr::cust("i.sku"))
                .expr(Expr::cust("i.quantity"))
                .expr(Expr::cust("i.unit_price_minor"))
                .from_as(
                    sea_query::Alias::new("order_items"),
                    sea_query::Alias::new("i"),
                )
                .join_as(
                    sea_query::JoinType::InnerJoin,
                    sea_query::Alias::new("orders"),
                    sea_query::Alias::new("o"),
                    Expr::cust("o.id = i.order_id"),
                )
                .to_owned(),
        )
        .await
        .expect("lines");
    rows.sort();
    rows
}

/// The simulator's truth in the same shapes, with statuses as the
/// 2026-01-01 API reports them (`v2026`) or as v0 does.
pub fn truth_via(sim: &RunningSim, v2026: bool) -> (BTreeSet<(String, String)>, Vec<Line>) {
    // The simulator dates some InvoiceUnconfirmed updates after its anchor,
    // even after now: Amazon returns no order updated later than the
    // "before" two minutes ago, and neither does a sync store one.
    let before = OffsetDateTime::now_utc() - time::Duration::minutes(2);
    let orders: Vec<_> = sim
        .orders_snapshot()
        .into_iter()
        .filter(|o| o.last_updated <= before)
        .collect();
    let heads = orders
        .iter()
        .map(|o| {
            // 2026-01-01 reports InvoiceUnconfirmed as SHIPPED.
            let status = match o.status.v0_name() {
                "InvoiceUnconfirmed" if v2026 => "Shipped",
                s => s,
            };
            (o.order_id.clone(), status.to_owned())
        })
        .collect();
    let mut lines: Vec<Line> = orders
        .iter()
        .flat_map(|o| {
            o.lines.iter().map(|l| {
                (
                    o.order_id.clone(),
                    l.order_item_id.clone(),
                    l.asin.clone(),
                    Some(l.sku.clone()),
                    i64::from(l.quantity),
                    o.status.has_prices().then_some(l.unit_price_pence),
                )
            })
        })
        .collect();
    lines.sort();
    (heads, lines)
}

/// The truth as a 2026-01-01 sync stores it.
pub fn truth(sim: &RunningSim) -> (BTreeSet<(String, String)>, Vec<Line>) {
    truth_via(sim, true)
}

/// The stored Amazon order `order_id`, which must exist.
async fn stored_order(db: &Db, order_id: &str) -> brickdesk::db::orders::Order {
    brickdesk::db::orders::find_order(db, brickdesk::domain::Platform::Amazon, order_id)
        .await
        .unwrap()
        .expect("the order is stored")
}

/// Amazon orders whose lines have not been fetched yet.
pub async fn missing_items(db: &Db) -> i64 {
    brickdesk::db::orders::count_missing_items(db, brickdesk::domain::Platform::Amazon)
        .await
        .unwrap()
}

async fn orders_snapshot_rows(db: &Db) -> Vec<(String, String, Option<String>)> {
    let mut rows: Vec<(String, String, Option<String>)> = db
        .all(
            &Query::select()
                .expr(Expr::cust("platform_order_id"))
                .expr(Expr::cust("CAST(updated_at AS TEXT)"))
                .expr(Expr::cust("workflow_status"))
                .from(sea_query::Alias::new("orders"))
                .to_owned(),
        )
        .await
        .expect("snapshot");
    rows.sort();
    rows
}

async fn sync_stores_the_simulators_orders(db: &Db) {
    let sim = sim(150, 200.0, "").await;
    let jobs = jobs_for(db, &sim);
    let job = run::<SyncJob>(&jobs, sync_params("2026-01-01")).await;
    let counts = job.detail::<SyncJob>().expect("sync detail").counts;
    assert_eq!(counts.new, 150, "{job:?}");
    let (heads, lines) = truth(&sim);
    assert_eq!(stored_orders(db).await, heads);
    assert_eq!(stored_lines(db).await, lines);
    assert_eq!(missing_items(db).await, 0, "2026-01-01 brings lines inline");

    // A second sync changes nothing.
    let before = orders_snapshot_rows(db).await;
    let job = run::<SyncJob>(&jobs, sync_params("2026-01-01")).await;
    let counts = job.detail::<SyncJob>().expect("sync detail").counts;
    assert_eq!(
        (counts.new, counts.updated, counts.failed),
        (0, 0, 0),
        "{job:?}"
    );
    assert_eq!(orders_snapshot_rows(db).await, before);
    assert_eq!(stored_lines(db).await, lines);

    // A status change on Amazon arrives; a Completed workflow status stays.
    let (changed, confirmed) = {
        let orders = sim.orders_snapshot();
        let shipped: Vec<_> = orders
            .iter()
            .filter(|o| o.status == spapi_sim::OrderStatus::Shipped)
            .take(1)
            .chain(
                orders
                    .iter()
                    .filter(|o| o.status == spapi_sim::OrderStatus::Unshipped)
                    .take(1),
            )
            .cloned()
            .collect();
        (shipped[1].clone(), shipped[0].clone())
    };
    let stored = stored_order(db, &confirmed.order_id).await;
    let mut tx = db.begin().await.unwrap();
    brickdesk::db::orders::set_workflow_status(
        &mut tx,
        stored.id,
        Some(brickdesk::domain::WorkflowStatus::Completed),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let recently = OffsetDateTime::now_utc() - time::Duration::minutes(3);
    sim.update_seller(|s| {
        for o in &mut s.orders {
            if o.order_id == changed.order_id {
                o.status = spapi_sim::OrderStatus::Canceled;
                o.last_updated = recently;
            }
            if o.order_id == confirmed.order_id {
                o.last_updated = recently;
            }
        }
    });
    let job = run::<SyncJob>(&jobs, sync_params("2026-01-01")).await;
    let counts = job.detail::<SyncJob>().expect("sync detail").counts;
    assert_eq!((counts.new, counts.updated), (0, 2), "{job:?}");
    let now_cancelled = stored_order(db, &changed.order_id).await;
    assert_eq!(now_cancelled.reported.platform_status, "Canceled");
    assert_eq!(
        now_cancelled.ui_status,
        brickdesk::domain::UiStatus::Cancelled
    );
    let still = stored_order(db, &confirmed.order_id).await;
    assert_eq!(
        still.workflow_status,
        Some(brickdesk::domain::WorkflowStatus::Completed)
    );
    assert_eq!(still.ui_status, brickdesk::domain::UiStatus::Completed);
    assert_eq!(stored_orders(db).await, truth(&sim).0);
    sim.shutdown().await.unwrap();
}

async fn v0_sync_then_backfill_fills_every_line(db: &Db) {
    let (sim, jobs) = headers_only(db, 120, 400.0, "").await;
    let (heads, lines) = truth(&sim);
    assert_eq!(stored_orders(db).await.len(), heads.len());
    assert!(
        stored_lines(db).await.is_empty(),
        "v0 getOrders has no lines"
    );
    let job = run::<BackfillJob>(&jobs, per_order()).await;
    assert_eq!(
        (
            job.progress.total,
            job.progress.processed,
            job.progress.success,
            job.progress.failed
        ),
        (120, 120, 120, 0)
    );
    assert_eq!(stored_lines(db).await, lines);
    let missing = missing_items(db).await;
    assert_eq!(missing, 0);
    sim.shutdown().await.unwrap();
}

async fn faults_change_nothing_in_the_result(db: &Db) {
    let (sim, jobs) = headers_only(db, 80, 400.0, TWENTY_PERCENT_FAULTS).await;
    let job = run::<BackfillJob>(&jobs, per_order()).await;
    assert_eq!(job.progress.success, 80, "{job:?}");
    let (heads, lines) = truth_via(&sim, false);
    assert_eq!(stored_orders(db).await, heads);
    assert_eq!(stored_lines(db).await, lines);
    assert!(sim.stats().faults_injected > 10, "{:?}", sim.stats());
    sim.shutdown().await.unwrap();
}

async fn stop_lands_in_a_rate_limit_wait_and_leaves_whole_orders(db: &Db) {
    // getOrderItems at 0.5/s × 0.1: after the client's burst of 29 the
    // next call is due about 20 s later, so the stop lands in that wait
    // however busy the machine. The simulator's own buckets run on a
    // clock the test moves, so the follow-up run below meets a full one.
    let clock = SimClock::manual();
    let sim = spawn_sim(SimConfig {
        clock: clock.clone(),
        ..sim_config(45, 0.1, "")
    })
    .await;
    let (jobs, access) = jobs_with_access(db, &sim);
    run::<SyncJob>(&jobs, sync_params("v0")).await;
    let missing = stored_orders(db).await.len() as i64;
    assert!(missing > 29, "more orders than the burst: {missing}");
    let started = jobs.start::<BackfillJob>(per_order()).await.unwrap();
    let id = started.job().id;
    // The job's own client: the access caches one, so this is the same.
    let client = access.client().await.expect("client");
    let op = spapi::Operation::GetOrderItemsV0;
    let in_wait = async {
        loop {
            let job = brickdesk::db::jobs::get(db, id).await.unwrap().unwrap();
            assert_eq!(job.state, JobState::Running, "{job:?}");
            // A token reserved and not yet due: the job sleeps in the limiter.
            if job.progress.processed == 29 && client.limiter_state(op).tokens < -0.5 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, in_wait)
        .await
        .expect("the job waits on the rate limiter after its burst");
    assert_eq!(item_calls(&sim), 29, "every call made was stored");
    let due = client.limiter_state(op).wait;
    assert!(
        due > Duration::from_secs(5),
        "the next call is due in {due:?}"
    );
    jobs.stop(BackfillJob::KIND).await.unwrap();
    let job = tokio::time::timeout(SAFETY_NET, jobs.wait(id))
        .await
        .expect("the job ends")
        .unwrap();
    assert_eq!(job.state, JobState::Stopped, "{job:?}");
    assert_eq!(
        (job.progress.processed, job.progress.success),
        (29, 29),
        "{job:?}"
    );
    assert_eq!(item_calls(&sim), 29, "no getOrderItems call after the stop");
    let tokens = client.limiter_state(op).tokens;
    assert!(
        tokens > -0.5,
        "the wait was cut short, its token given back: {tokens}"
    );
    // Every order is complete or untouched.
    let (_, truth_lines) = truth(&sim);
    let stored = stored_lines(db).await;
    let fetched: BTreeSet<String> = stored.iter().map(|l| l.0.clone()).collect();
    let expected: Vec<Line> = truth_lines
        .into_iter()
        .filter(|l| fetched.contains(&l.0))
        .collect();
    assert_eq!(stored, expected);
    assert_eq!(fetched.len() as i64, job.progress.success, "{job:?}");
    // A new backfill picks up the rest: a fresh client (its own burst)
    // against buckets refilled by ten simulated minutes.
    clock.advance(Duration::from_secs(600));
    let (fresh, _) = jobs_with_access(db, &sim);
    let job = run::<BackfillJob>(&fresh, per_order()).await;
    assert_eq!(
        (job.progress.processed, job.progress.failed),
        (missing - 29, 0),
        "{job:?}"
    );
    assert_eq!(item_calls(&sim) as i64, missing);
    assert_eq!(missing_items(db).await, 0);
    assert_eq!(stored_orders(db).await, truth_via(&sim, false).0);
    assert_eq!(stored_lines(db).await, truth(&sim).1);
    sim.shutdown().await.unwrap();
}

async fn one_live_job_per_kind(db: &Db) {
    let sim = sim(60, 2.0, "").await;
    let a = jobs_for(db, &sim);
    let b = jobs_for(db, &sim);
    run::<SyncJob>(&a, sync_params("v0")).await;
    let first = a
        .start::<BackfillJob>(BackfillParams::default())
        .await
        .unwrap();
    let second = b
        .start::<BackfillJob>(BackfillParams::default())
        .await
        .unwrap();
    assert!(matches!(first, brickdesk::jobs::Started::New(_)));
    assert!(
        matches!(&second, brickdesk::jobs::Started::AlreadyRunning(j) if j.id == first.job().id),
        "{second:?}"
    );
    a.stop(BackfillJob::KIND).await.unwrap();
    let job = a.wait(first.job().id).await.unwrap();
    assert_eq!(job.state, JobState::Stopped);
    sim.shutdown().await.unwrap();
}

/// A job whose process died is resumed, unless its user had asked it to
/// stop: then it ends stopped.
async fn a_dead_stopping_job_ends_stopped(db: &Db) {
    use brickdesk::db::jobs as store;
    let owner = "gone-host:1:test";
    let asked = store::insert_running(db, JobKind::Backfill, "{}", owner)
        .await
        .unwrap();
    store::request_stop(db, JobKind::Backfill).await.unwrap();
    assert!(
        store::mark_interrupted(db, asked.id, Some(owner))
            .await
            .unwrap()
    );
    let asked = store::get(db, asked.id).await.unwrap().unwrap();
    assert_eq!(asked.state, JobState::Stopped);
    let running = store::insert_running(db, JobKind::Backfill, "{}", owner)
        .await
        .unwrap();
    assert!(
        store::mark_interrupted(db, running.id, Some(owner))
            .await
            .unwrap()
    );
    let running = store::get(db, running.id).await.unwrap().unwrap();
    assert_eq!(running.state, JobState::Interrupted);
}

on_both_backends! {
    dead_stopping_job_ends_stopped => a_dead_stopping_job_ends_stopped;
    sync_matches_simulator => sync_stores_the_simulators_orders;
    backfill_fills_lines => v0_sync_then_backfill_fills_every_line;
    faults_20_percent => faults_change_nothing_in_the_result;
    stop_lands_in_a_rate_limit_wait => stop_lands_in_a_rate_limit_wait_and_leaves_whole_orders;
    one_job_per_kind => one_live_job_per_kind;
}
