//! `brickdesk-bench ship`: N shipment confirmations queued in the outbox
//! and sent by the ship job against a time-scaled simulator under the
//! published confirmShipment usage plan (2/s, burst 10), into a fresh
//! SQLite database. Reports simulated time, the calls made, the achieved
//! ÷ permitted rate and the 429s. A program, not a test.

use clap::Args;

use brickdesk::amazon::ship::{ShipJob, ShipParams};
use brickdesk::amazon::sync;
use brickdesk::db::orders::{find_order, lines_for_orders};
use brickdesk::db::shipments;
use brickdesk::domain::Platform;
use brickdesk::domain::shipment::{NewShipment, PackageItem};

use crate::backfill::{bench_sim, run_timed, sim_jobs};
use crate::db::scratch::temp_dir;

/// Options of `brickdesk-bench ship`.
#[derive(Debug, Clone, Args)]
pub struct ShipBenchArgs {
    /// Packages to confirm (one per order).
    #[arg(long, default_value_t = 500)]
    pub orders: usize,
    /// Simulated-time factor (usage-plan rates scale with it).
    #[arg(long, default_value_t = 20.0)]
    pub time_scale: f64,
}

/// Makes every order of `seller` one the seller ships and has not
/// shipped yet.
pub fn all_to_ship(seller: &mut spapi_sim::Seller) {
    for o in &mut seller.orders {
        o.status = spapi_sim::OrderStatus::Unshipped;
        o.fulfillment = spapi_sim::Fulfillment::Merchant;
        for l in &mut o.lines {
            l.quantity_shipped = 0;
        }
    }
}

/// Runs the benchmark.
pub async fn run(args: &ShipBenchArgs) -> anyhow::Result<()> {
    let scale = args.time_scale.max(1.0);
    let sim = bench_sim(13, args.orders, scale, None).await?;
    sim.update_seller(all_to_ship);
    let dir = temp_dir("ship")?;
    let (db, jobs) = sim_jobs(&dir, &sim, scale).await?;
    let params = sync::SyncParams {
        window_days: 3650,
        ..sync::SyncParams::default()
    };
    run_timed::<sync::SyncJob>(&jobs, params).await?;
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for o in sim.orders_snapshot() {
        let Some(order) = find_order(&db, Platform::Amazon, &o.order_id).await? else {
            continue;
        };
        let items = lines_for_orders(&db, &[order.id])
            .await?
            .into_iter()
            .map(|l| PackageItem {
                order_item_id: l.reported.platform_item_id,
                quantity: l.reported.quantity,
            })
            .collect();
        let package = NewShipment {
            carrier_code: "Royal Mail".into(),
            carrier_name: None,
            shipping_method: Some("Tracked 48".into()),
            tracking_number: format!("RM{:09}GB", order.id.get()),
            ship_date: time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
            items,
        };
        shipments::queue(&mut tx, order.id, &package, None).await?;
        queued += 1;
    }
    tx.commit().await?;
    println!(
        "bench ship: {queued} packages, simulator time x{scale}, published usage plan \
         (confirmShipment 2/s burst 10)"
    );
    let before = sim.stats();
    let (job, wall) = run_timed::<ShipJob>(&jobs, ShipParams {}).await?;
    let after = sim.stats();
    let calls = after
        .by_operation
        .get("confirmShipment")
        .copied()
        .unwrap_or(0)
        - before
            .by_operation
            .get("confirmShipment")
            .copied()
            .unwrap_or(0);
    let detail = job.detail::<ShipJob>()?;
    let simulated = wall * scale;
    // Permitted in the simulated time: the bucket's burst plus the rate.
    let permitted = 10.0 + 2.0 * simulated;
    #[allow(clippy::cast_precision_loss)]
    let achieved = calls as f64;
    println!(
        "  {} sent ({} Amazon had already), {} refused; {calls} confirmShipment calls, {} x 429",
        detail.sent,
        detail.already_sent,
        detail.refused,
        after.throttled - before.throttled
    );
    println!(
        "  wall {wall:.2} s = simulated {:.1} min; achieved {:.3} calls/s simulated vs \
         permitted 2/s (+10 burst): ratio {:.3}",
        simulated / 60.0,
        (achieved - 10.0).max(0.0) / simulated,
        achieved / permitted
    );
    sim.shutdown().await?;
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
