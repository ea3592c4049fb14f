//! `brickdesk-bench fees`: times the fee reconciliation (preview, first
//! run writing every unit, a second run that changes nothing) on a seeded
//! database of sold Amazon units with their stored events. A program, not
//! a test: the figures depend on the machine.

use std::time::{Duration, Instant};

use anyhow::bail;
use time::OffsetDateTime;

use brickdesk::amazon::fees;
use brickdesk::db::inventory::{NewUnit, UnitDetails};
use brickdesk::db::orders::{NewOrder, ReportedLine, ReportedOrder};
use brickdesk::db::{self, Db};
use brickdesk::domain::{Currency, FulfillmentChannel, Money, Platform};

use crate::db::scratch::{History, on_sqlite_then_postgres};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `1234` → `12.34` (a JSON number, written without floats).
fn amount(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn money(kind: &str, field: &str, pence: i64, currency: Currency) -> String {
    format!(
        r#"{{"{kind}Type":"{field}","{kind}Amount":{{"CurrencyCode":"{currency}","CurrencyAmount":{}}}}}"#,
        amount(pence)
    )
}

/// A v0 event of one line: a sale of `qty` units, or (refund) its reversal.
fn event(
    order: &str,
    item: &str,
    posted: OffsetDateTime,
    (qty, price, currency): (u32, i64, Currency),
    refund: bool,
) -> String {
    let principal = price * i64::from(qty);
    let commission = -(principal * 153 / 1000);
    let posted = posted
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    if refund {
        format!(
            r#"{{"AmazonOrderId":"{order}","PostedDate":"{posted}","ShipmentItemAdjustmentList":[{{"SellerSKU":"SKU-{item}","OrderItemId":"{item}","OrderAdjustmentItemId":"A{item}","QuantityShipped":1,"ItemChargeAdjustmentList":[{}],"ItemFeeAdjustmentList":[{},{}]}}]}}"#,
            money("Charge", "Principal", -price, currency),
            money("Fee", "Commission", -commission / i64::from(qty), currency),
            money(
                "Fee",
                "RefundCommission",
                commission / 5 / i64::from(qty),
                currency
            ),
        )
    } else {
        format!(
            r#"{{"AmazonOrderId":"{order}","PostedDate":"{posted}","ShipmentItemList":[{{"SellerSKU":"SKU-{item}","OrderItemId":"{item}","QuantityShipped":{qty},"ItemChargeList":[{}],"ItemFeeList":[{},{}]}}]}}"#,
            money("Charge", "Principal", principal, currency),
            money("Fee", "Commission", commission, currency),
            money(
                "Fee",
                "FBAPerUnitFulfillmentFee",
                -350 * i64::from(qty),
                currency
            ),
        )
    }
}

/// How seeded sales spread over time and currencies.
#[derive(Debug, Clone, Copy)]
pub struct Spread<'a> {
    /// Sales are placed up to this many hours ago.
    pub hours: usize,
    /// Order `n` sells in `currencies[n % len]`.
    pub currencies: &'a [Currency],
}

/// Sales over the last 4,000 hours, in pounds.
const RECENT_GBP: Spread<'static> = Spread {
    hours: 4_000,
    currencies: &[Currency::GBP],
};

/// Seeds `units` sold units: lines of two units, each with its sale
/// event, one line in twenty refunded once.
pub async fn seed(db: &Db, units: usize, spread: Spread<'_>) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut events = Vec::new();
    for n in 0..units.div_ceil(2) {
        let order_id = format!("203-{:07}-{:07}", n / 10_000_000, n % 10_000_000);
        let item_id = format!("{:014}", n);
        // A stride prime to the spread scatters the sales over it.
        let placed = now - time::Duration::hours(2 + ((n * 7_919) % spread.hours.max(1)) as i64);
        let price = 1999 + (n % 50) as i64 * 100;
        let currency = spread.currencies[n % spread.currencies.len().max(1)];
        let order = db::orders::upsert_order(
            &mut tx,
            &NewOrder {
                reported: ReportedOrder {
                    platform: Platform::Amazon,
                    platform_order_id: order_id.clone(),
                    order_date: Some(placed),
                    last_updated_at: Some(placed),
                    buyer_name: None,
                    buyer_email: None,
                    platform_status: "Shipped".into(),
                    total: Some(Money::from_minor(price * 2, currency)),
                    fulfillment_channel: Some(FulfillmentChannel::Afn),
                    marketplace_id: None,
                },
                items_fetched: true,
            },
        )
        .await?;
        let line = db::orders::upsert_item(
            &mut tx,
            order,
            &ReportedLine {
                platform_item_id: item_id.clone(),
                asin: None,
                sku: Some(format!("SKU-{item_id}")),
                title: Some("LEGO set".into()),
                quantity: 2,
                unit_price: Some(Money::from_minor(price, currency)),
                line_price: Some(Money::from_minor(price * 2, currency)),
                condition: Some("New".into()),
            },
        )
        .await?;
        for k in 0..2 {
            let unit = db::inventory::insert(
                &mut tx,
                &NewUnit {
                    details: UnitDetails {
                        cost_minor: Some(price * 3 / 5 + (n % 7) as i64 * 150),
                        listing_price_minor: Some(price),
                        currency,
                        purchase_date: Some(
                            (placed - time::Duration::days((n % 400) as i64)).date(),
                        ),
                        ..UnitDetails::listed("75192", "Millennium Falcon")
                    },
                    created_at: None,
                },
            )
            .await?;
            db::fees::mark_sold(&mut tx, unit, placed, Some(price), &order_id).await?;
            db::links::insert(&mut tx, line, k, unit, db::links::LinkMethod::Confirm, None).await?;
        }
        let posted = placed + time::Duration::hours(1);
        for (refund, event_type) in [(false, "Shipment"), (true, "Refund")] {
            if refund && n % 20 != 0 {
                continue;
            }
            let raw = event(&order_id, &item_id, posted, (2, price, currency), refund);
            events.extend(fees::rows_for_event(event_type, &raw)?);
        }
    }
    tx.commit().await?;
    db::fees::insert_events(db, &events).await?;
    db.analyze().await?;
    Ok(())
}

async fn measure(label: &str, db: &Db, units: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    seed(db, units, RECENT_GBP).await?;
    println!(
        "{label}: seeded {units} sold units with their events in {}",
        ms(started.elapsed())
    );
    let started = Instant::now();
    let plan = fees::preview(db).await?;
    crate::figures::record_ms("fees, preview", started.elapsed());
    println!(
        "{label}: preview (GET): {} units would change: {}",
        plan.changes.len(),
        ms(started.elapsed())
    );
    let started = Instant::now();
    let first = fees::run(db, None).await?;
    crate::figures::record_ms("fees, first run", started.elapsed());
    println!(
        "{label}: first run: {}: {}",
        first.message,
        ms(started.elapsed())
    );
    let started = Instant::now();
    let second = fees::run(db, None).await?;
    crate::figures::record_ms("fees, second run", started.elapsed());
    println!(
        "{label}: second run: {}: {}",
        second.message,
        ms(started.elapsed())
    );
    if first.updated != units.div_ceil(2) * 2 || second.updated != 0 {
        bail!("{label}: expected every unit updated once, then none");
    }
    Ok(())
}

/// Runs the benchmark on a temporary SQLite file, and on a scratch
/// database on the PostgreSQL server of `postgres_url` when given.
pub async fn run(
    postgres_url: Option<String>,
    units: usize,
    history: History,
) -> anyhow::Result<()> {
    let url = postgres_url.as_deref();
    on_sqlite_then_postgres("fees", url, history, |label, db| async move {
        measure(label, &db, units).await
    })
    .await
}
