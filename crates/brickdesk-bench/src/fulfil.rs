//! `brickdesk-bench picklist` and `brickdesk-bench confirm`: seed N Paid
//! Amazon orders with mapped ASINs and stock in a fresh database, then
//! time the picking list (data, then PDF) or one confirmation of every
//! order. Programs, not tests: the figures depend on the machine.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use time::OffsetDateTime;

use brickdesk::db::inventory::{NewUnit, UnitDetails};
use brickdesk::db::orders::{NewOrder, Refresh, ReportedLine, ReportedOrder};
use brickdesk::db::{self, Db};
use brickdesk::domain::{
    Condition, Currency, FulfillmentChannel, InventoryStatus, Money, Platform, UiStatus,
};
use brickdesk::fulfil::confirm::{self, ConfirmRequest, OrderChoice};
use brickdesk::fulfil::{Scope, load_plan, picklist};

use crate::db::scratch::{History, on_sqlite_then_postgres};

/// Distinct ASINs (each mapped to its own set number).
const ASINS: usize = 200;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Seeds `orders` Paid orders of 1–3 lines (quantity 1–2) and one sellable
/// unit per ordered unit, in locations such as `A-7`, `B-12` or none.
async fn seed(db: &Db, orders: usize) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    for a in 0..ASINS {
        db::mappings::upsert(
            &mut tx,
            &format!("B0BENCH{a:03}"),
            &format!("{}", 10_000 + a),
            Condition::New,
        )
        .await?;
    }
    let start = OffsetDateTime::now_utc() - time::Duration::days(30);
    let mut units = 0;
    for o in 0..orders {
        let at = start + time::Duration::minutes(o as i64);
        let id = db::orders::upsert_order(
            &mut tx,
            &NewOrder {
                reported: ReportedOrder {
                    platform: Platform::Amazon,
                    platform_order_id: format!("203-{:07}-{:07}", o, o * 7 % 9_999_999),
                    order_date: Some(at),
                    last_updated_at: None,
                    buyer_name: Some(format!("Buyer {o}")),
                    buyer_email: None,
                    platform_status: "Unshipped".into(),
                    total: Some(Money::from_minor(4_999, Currency::GBP)),
                    fulfillment_channel: Some(FulfillmentChannel::Mfn),
                    marketplace_id: None,
                },
                items_fetched: true,
            },
        )
        .await?;
        for l in 0..=(o % 3) {
            let a = (o * 7 + l * 13) % ASINS;
            let quantity = 1 + ((o + l) % 2) as i64;
            db::orders::upsert_item(
                &mut tx,
                id,
                &ReportedLine {
                    platform_item_id: format!("{o}-{l}"),
                    asin: Some(format!("B0BENCH{a:03}")),
                    sku: None,
                    title: Some(format!(
                        "LEGO set {} with a long enough title #{l}",
                        10_000 + a
                    )),
                    quantity,
                    unit_price: Some(Money::from_minor(2_499, Currency::GBP)),
                    line_price: Some(Money::from_minor(2_499 * quantity, Currency::GBP)),
                    condition: Some("New".into()),
                },
            )
            .await?;
            for q in 0..quantity {
                let n = units + q as usize;
                let location = match n % 10 {
                    0 => None,
                    k => Some(format!("{}-{}", ["A", "B", "C", "S"][k % 4], n % 40 + 1)),
                };
                db::inventory::insert(
                    &mut tx,
                    &NewUnit {
                        details: UnitDetails {
                            storage_location: location,
                            cost_minor: Some(1_500),
                            listing_price_minor: Some(2_499),
                            ..UnitDetails::listed(
                                format!("{}", 10_000 + a),
                                format!("Set {}", 10_000 + a),
                            )
                        },
                        created_at: Some(start - time::Duration::minutes(n as i64)),
                    },
                )
                .await?;
            }
            units += quantity as usize;
        }
    }
    // By ASIN, so that a seeded history is not recounted.
    for a in 0..ASINS {
        let asin = format!("B0BENCH{a:03}");
        db::orders::refresh_match_counts(&mut tx, Refresh::Asin(&asin)).await?;
    }
    tx.commit().await?;
    db.analyze().await?;
    Ok(units)
}

async fn picklist_on(label: &str, db: &Db, orders: usize) -> anyhow::Result<()> {
    let units = seed(db, orders).await?;
    let tz =
        brickdesk::domain::location::time_zone("Europe/London").context("time zone database")?;
    let mut data = Vec::new();
    let mut pdf = Vec::new();
    let mut size = 0;
    // The first run warms Typst's caches and the font parse; report the rest.
    for run in 0..6 {
        let started = Instant::now();
        let list = picklist::build(db, tz, OffsetDateTime::now_utc()).await?;
        let built = started.elapsed();
        let started = Instant::now();
        let bytes = picklist::to_pdf(&list)?;
        let typeset = started.elapsed();
        if list.orders != orders || list.units_to_pick != i64::try_from(units)? {
            bail!(
                "{label}: expected {orders} orders and {units} units, got {} and {}",
                list.orders,
                list.units_to_pick
            );
        }
        size = bytes.len();
        if run > 0 {
            data.push(built);
            pdf.push(typeset);
        }
    }
    data.sort();
    pdf.sort();
    let median = |v: &[Duration]| v[v.len() / 2];
    crate::figures::record_ms("picking list data", median(&data));
    crate::figures::record_ms("picking list PDF", median(&pdf));
    println!(
        "{label}: picking list of {orders} orders / {units} units: data {} + PDF {} = {} (median of {}; first run included font loading), {} KiB",
        ms(median(&data)),
        ms(median(&pdf)),
        ms(median(&data) + median(&pdf)),
        data.len(),
        size / 1024
    );
    Ok(())
}

async fn confirm_on(label: &str, db: &Db, orders: usize) -> anyhow::Result<()> {
    let units = seed(db, orders).await?;
    let plan = load_plan(db, &[UiStatus::Paid], Scope::All).await?;
    let req = ConfirmRequest {
        archive_location: "SOLD-BENCH".into(),
        orders: plan
            .orders
            .iter()
            .map(|o| OrderChoice {
                order_id: o.order.reported.platform_order_id.clone(),
                lines: None,
            })
            .collect(),
    };
    let started = Instant::now();
    let out = confirm::confirm(db, &req, None).await?;
    let took = started.elapsed();
    if out.confirmed.len() != orders || !out.failed.is_empty() {
        bail!(
            "{label}: {} confirmed, {} failed",
            out.confirmed.len(),
            out.failed.len()
        );
    }
    crate::figures::record_ms(&format!("confirm {orders} orders"), took);
    let sold = db::inventory::count(db, Some(InventoryStatus::Sold)).await?;
    println!(
        "{label}: confirm {orders} orders ({sold} of {units} units SOLD) in one request: {} ({} per order)",
        ms(took),
        ms(took / u32::try_from(orders.max(1))?)
    );
    Ok(())
}

/// What `run` times.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// Building the picking list (data, then PDF).
    Picklist,
    /// Confirming every order in one request.
    Confirm,
}

/// Seeds `orders` Paid orders into SQLite and times `measure`, then does
/// the same in a scratch database on the PostgreSQL server of
/// `postgres_url` when given.
pub async fn run(
    postgres_url: Option<String>,
    measure: Measure,
    orders: usize,
    history: History,
) -> anyhow::Result<()> {
    let go = |label: &'static str, db: Db| async move {
        match measure {
            Measure::Picklist => picklist_on(label, &db, orders).await,
            Measure::Confirm => confirm_on(label, &db, orders).await,
        }
    };
    on_sqlite_then_postgres("fulfil", postgres_url.as_deref(), history, go).await
}
