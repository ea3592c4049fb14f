//! Fee reconciliation against the simulator: fetch by windows, store each
//! event once, share lines across units, refunds, events posted late,
//! unknown fee types, a second run that changes nothing; the HTTP API,
//! the unit page, the CSV export and the Reconcile Fees button.

use brickdesk::amazon::fees;
use brickdesk::db::{self, Db};
use brickdesk::domain::fees::Category;
use brickdesk::domain::{FulfillmentChannel, InventoryItemId};
use spapi_sim::seller::{Component, EventItem};
use spapi_sim::{
    EventKind, FinancialEvent, Fulfillment, OrderStatus, RunningSim, SimConfig, SimLine, SimOrder,
    SimServer,
};
use time::{Duration, OffsetDateTime};

use crate::builders::TestUnit;
use crate::helpers::on_both_backends;

mod api;
mod cli;
mod job;
mod keys;
mod unreadable;

/// A simulator with an empty seller; tests add their own orders and events.
pub async fn sim() -> RunningSim {
    let config = SimConfig {
        orders: 0,
        time_scale: 100.0,
        ..SimConfig::default()
    };
    SimServer::spawn(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("start simulator")
}

/// A shipped order placed five days ago: lines of (item id, quantity, unit price).
pub fn order(order_id: &str, lines: &[(&str, u32, i64)]) -> SimOrder {
    let created = OffsetDateTime::now_utc() - Duration::days(5);
    SimOrder {
        order_id: order_id.to_owned(),
        created,
        last_updated: created + Duration::hours(3),
        status: OrderStatus::Shipped,
        fulfillment: Fulfillment::Merchant,
        buyer_name: "Isla Brown".into(),
        buyer_email: "x@marketplace.amazon.co.uk".into(),
        is_prime: false,
        marketplace_id: spapi_sim::DEMO_MARKETPLACE_ID.into(),
        lines: lines
            .iter()
            .map(|(item, quantity, price)| SimLine {
                order_item_id: (*item).to_owned(),
                asin: Some("B07JPLG4BS".into()),
                sku: format!("SKU-{item}"),
                title: "LEGO Star Wars Millennium Falcon".into(),
                quantity: *quantity,
                quantity_shipped: *quantity,
                unit_price_pence: *price,
                shipping_pence: 0,
                condition: "New".into(),
            })
            .collect(),
    }
}

fn component(kind: &str, pence: i64) -> Component {
    Component {
        kind: kind.into(),
        pence,
    }
}

/// A sale of every line of `order`: principal, the given shipping, and
/// fees of (type, pence per line).
pub fn shipment(
    id: &str,
    order: &SimOrder,
    posted: OffsetDateTime,
    shipping: i64,
    fees: &[(&str, i64)],
) -> FinancialEvent {
    FinancialEvent {
        transaction_id: id.into(),
        kind: EventKind::Shipment,
        order_id: order.order_id.clone(),
        posted,
        items: order
            .lines
            .iter()
            .map(|l| EventItem {
                order_item_id: l.order_item_id.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                adjustment_id: None,
                charges: vec![
                    component("Principal", l.item_total_pence()),
                    component("ShippingCharge", shipping),
                ],
                fees: fees.iter().map(|(k, p)| component(k, *p)).collect(),
            })
            .collect(),
    }
}

/// Writes `order` as synced (in its marketplace's currency) and its units
/// as sold and linked (what the confirm flow leaves behind), each costing
/// `cost` (pounds). Returns the unit ids
/// of each line, by unit index.
pub async fn sell(db: &Db, order: &SimOrder, cost: i64) -> Vec<Vec<InventoryItemId>> {
    use brickdesk::db::orders::{NewOrder, ReportedLine};
    use brickdesk::domain::{Currency, Money, Platform};
    let currency = Currency::parse(order.currency()).expect("the order's currency");
    let in_currency = |p: i64| Some(Money::from_minor(p, currency));
    let mut tx = db.begin().await.expect("begin");
    let order_id = db::orders::upsert_order(
        &mut tx,
        &NewOrder {
            reported: db::orders::ReportedOrder {
                platform: Platform::Amazon,
                platform_order_id: order.order_id.clone(),
                order_date: Some(order.created),
                last_updated_at: Some(order.last_updated),
                buyer_name: None,
                buyer_email: None,
                platform_status: order.status.v0_name().into(),
                total: order.total_pence().and_then(in_currency),
                fulfillment_channel: FulfillmentChannel::parse(order.fulfillment.channel()),
                marketplace_id: Some(order.marketplace_id.clone()),
            },
            items_fetched: true,
        },
    )
    .await
    .expect("order");
    let mut out = Vec::new();
    for line in &order.lines {
        let item = db::orders::upsert_item(
            &mut tx,
            order_id,
            &ReportedLine {
                platform_item_id: line.order_item_id.clone(),
                asin: line.asin.clone(),
                sku: Some(line.sku.clone()),
                title: Some(line.title.clone()),
                quantity: i64::from(line.quantity),
                unit_price: in_currency(line.unit_price_pence),
                line_price: in_currency(line.item_total_pence()),
                condition: Some(line.condition.clone()),
            },
        )
        .await
        .expect("line");
        let mut units = Vec::new();
        for k in 0..line.quantity {
            let unit = db::inventory::insert(
                &mut tx,
                &TestUnit::of("75192")
                    .named("Millennium Falcon")
                    .location(Some("A-01"))
                    .priced(Some(cost), Some(line.unit_price_pence))
                    .build(),
            )
            .await
            .expect("unit");
            db::fees::mark_sold(
                &mut tx,
                unit,
                order.last_updated,
                Some(line.unit_price_pence),
                &order.order_id,
            )
            .await
            .expect("sold");
            db::links::insert(
                &mut tx,
                item,
                i64::from(k),
                unit,
                db::links::LinkMethod::Confirm,
                None,
            )
            .await
            .expect("link");
            units.push(unit);
        }
        out.push(units);
    }
    db::orders::refresh_order(&mut tx, order_id)
        .await
        .expect("refresh");
    tx.commit().await.expect("commit");
    out
}

/// Starts a fees job (fetch, then reconcile) on `jobs`; returns its id.
pub async fn start_job(jobs: &brickdesk::jobs::Jobs) -> brickdesk::domain::JobId {
    jobs.start::<fees::FeesJob>(fees::FeesParams::default())
        .await
        .expect("start the fees job")
        .job()
        .id
}

/// Runs a fees job on `db` against `sim` to its end; returns it.
pub async fn run_job(db: &Db, sim: &RunningSim, params: fees::FeesParams) -> fees::FeesStatus {
    let jobs = crate::amazon_sync::jobs_for(db, sim);
    let started = jobs
        .start::<fees::FeesJob>(params)
        .await
        .expect("start the fees job");
    let row = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        jobs.wait(started.job().id),
    )
    .await
    .expect("the fees job ends")
    .expect("job row");
    assert_eq!(row.state, brickdesk::domain::JobState::Done, "{row:?}");
    fees::FeesStatus::from_row(&row).expect("a fees job")
}

/// Fetches events from the simulator into `db` (the fees job, fetch only).
pub async fn fetch(db: &Db, sim: &RunningSim) -> fees::SyncProgress {
    let params = fees::FeesParams {
        user_id: None,
        fetch_only: true,
    };
    let job = run_job(db, sim, params).await;
    assert_eq!(job.fetch_error, None);
    job.fetch
}

async fn fees_of(db: &Db, unit: InventoryItemId) -> db::fees::UnitFeesRow {
    db::fees::fees_of(db, unit)
        .await
        .expect("read fees")
        .unwrap_or_else(|| panic!("unit {unit} has no fee figures"))
}

fn ago(minutes: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::minutes(minutes)
}

async fn a_multi_quantity_line_is_split_to_the_penny(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000001-0000001", &[("10000000000001", 3, 1000)]);
    let event = shipment(
        "t1",
        &o,
        ago(60 * 48),
        499,
        &[("Commission", -536), ("FBAPerUnitFulfillmentFee", -700)],
    );
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(event);
    });
    let units = sell(db, &o, 600).await;
    assert_eq!(db::fees::count_missing(db).await.expect("missing"), 3);
    let fetched = fetch(db, &sim).await;
    assert_eq!((fetched.events_seen, fetched.events_new), (1, 1));
    let report = fees::run(db, None).await.expect("run");
    assert_eq!(report.updated, 3, "{report:?}");
    assert_eq!(report.message, "Updated 3 items");
    let mut rows = Vec::new();
    for u in &units[0] {
        rows.push(fees_of(db, *u).await);
    }
    let col = |f: fn(&db::fees::UnitFeesRow) -> i64| rows.iter().map(f).collect::<Vec<_>>();
    assert_eq!(col(|r| r.gross_minor), [1000, 1000, 1000]);
    assert_eq!(col(|r| r.shipping_credit_minor), [167, 166, 166]);
    assert_eq!(col(|r| r.commission_minor), [-179, -179, -178]);
    assert_eq!(col(|r| r.fulfilment_fees_minor), [-234, -233, -233]);
    assert_eq!(
        col(|r| r.net_minor).iter().sum::<i64>(),
        3000 + 499 - 536 - 700
    );
    assert!(rows.iter().all(|r| r.state.as_str() == "reconciled"));
    assert_eq!(db::fees::count_missing(db).await.expect("missing"), 0);
    sim.shutdown().await.expect("stop sim");
}

async fn a_refund_after_reconciliation_lands_on_the_same_unit(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000002-0000002", &[("10000000000002", 1, 2999)]);
    let sale = shipment("t2", &o, ago(60 * 72), 0, &[("Commission", -459)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(sale);
    });
    let unit = sell(db, &o, 1500).await[0][0];
    fetch(db, &sim).await;
    fees::run(db, None).await.expect("first run");
    let before = fees_of(db, unit).await;
    assert_eq!((before.gross_minor, before.net_minor), (2999, 2999 - 459));
    // Amazon posts the refund days later.
    let refund = FinancialEvent {
        transaction_id: "t2r".into(),
        kind: EventKind::Refund,
        order_id: o.order_id.clone(),
        posted: ago(10),
        items: vec![EventItem {
            order_item_id: "10000000000002".into(),
            sku: "SKU-10000000000002".into(),
            quantity: 1,
            adjustment_id: Some("55500000000001".into()),
            charges: vec![component("Principal", -2999)],
            fees: vec![
                component("Commission", 459),
                component("RefundCommission", -91),
            ],
        }],
    };
    sim.update_seller(|s| s.add_event(refund));
    let fetched = fetch(db, &sim).await;
    assert_eq!(fetched.events_new, 1, "only the refund is new");
    let report = fees::run(db, None).await.expect("second run");
    assert_eq!(report.updated, 1);
    let after = fees_of(db, unit).await;
    assert_eq!(after.gross_minor, 0);
    assert_eq!(after.commission_minor, 0);
    assert_eq!(after.refund_commission_minor, -91);
    assert_eq!(after.net_minor, -91);
    assert_eq!(after.state.as_str(), "reconciled");
    let history = db::fees::entries_of_unit(db, unit).await.expect("entries");
    let kinds: Vec<_> = history.iter().map(|e| e.event_type.as_str()).collect();
    assert!(
        kinds.contains(&"Shipment") && kinds.contains(&"Refund"),
        "{kinds:?}"
    );
    let audit = db::audit::for_entity(db, "inventory_item", &unit.to_string())
        .await
        .expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "fees_reconciled")
            .count(),
        2,
        "each change is in the unit's history"
    );
    sim.shutdown().await.expect("stop sim");
}

async fn an_order_not_posted_yet_stays_missing_until_a_later_run(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000003-0000003", &[("10000000000003", 2, 1500)]);
    sim.update_seller(|s| s.upsert_order(o.clone()));
    let units = sell(db, &o, 700).await;
    fetch(db, &sim).await;
    let report = fees::run(db, None).await.expect("run");
    assert_eq!((report.updated, report.not_posted), (0, 2));
    assert_eq!(report.missing, 2);
    assert!(
        db::fees::fees_of(db, units[0][0])
            .await
            .expect("read")
            .is_none()
    );
    // Posted now, with a posted date before the last sync's watermark.
    let late = shipment("t3", &o, ago(30), 0, &[("Commission", -459)]);
    sim.update_seller(|s| s.add_event(late));
    assert_eq!(fetch(db, &sim).await.events_new, 1);
    let report = fees::run(db, None).await.expect("later run");
    assert_eq!((report.updated, report.missing), (2, 0));
    assert_eq!(fees_of(db, units[0][1]).await.gross_minor, 1500);
    sim.shutdown().await.expect("stop sim");
}

async fn a_second_run_and_a_second_fetch_change_nothing(db: &Db) {
    let sim = sim().await;
    let o = order(
        "203-0000004-0000004",
        &[("10000000000004", 1, 4999), ("10000000000005", 2, 999)],
    );
    let sale = shipment("t4", &o, ago(60 * 30), 0, &[("Commission", -300)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(sale);
    });
    sell(db, &o, 100).await;
    fetch(db, &sim).await;
    let events = db::fees::count_events(db).await.expect("count");
    assert_eq!(events, 2, "one row per event line");
    assert_eq!(fetch(db, &sim).await.events_new, 0);
    assert_eq!(db::fees::count_events(db).await.expect("count"), events);
    let first = fees::run(db, None).await.expect("first");
    assert_eq!(first.updated, 3);
    let audit_before = db::audit::latest(db, 1000).await.expect("audit").len();
    let preview = fees::preview(db).await.expect("preview");
    assert!(preview.changes.is_empty());
    assert_eq!(preview.unchanged, 3);
    let second = fees::run(db, None).await.expect("second");
    assert_eq!((second.updated, second.unchanged), (0, 3));
    assert_eq!(second.message, "Updated 0 items");
    assert_eq!(
        db::audit::latest(db, 1000).await.expect("audit").len(),
        audit_before,
        "a no-op run writes nothing"
    );
    sim.shutdown().await.expect("stop sim");
}

async fn unknown_fee_types_are_kept_and_counted_as_other_fees(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000006-0000006", &[("10000000000006", 1, 2000)]);
    let sale = shipment(
        "t6",
        &o,
        ago(60 * 30),
        0,
        &[("Commission", -306), ("QuantumStorageSurcharge2027", -45)],
    );
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(sale);
    });
    let unit = sell(db, &o, 1000).await[0][0];
    fetch(db, &sim).await;
    fees::run(db, None).await.expect("run");
    let f = fees_of(db, unit).await;
    assert_eq!(f.other_fees_minor, -45);
    assert_eq!(f.get(Category::OtherFee), -45);
    assert_eq!(f.total_fees_minor, -351);
    assert_eq!(f.net_minor, 2000 - 351);
    let entries = db::fees::entries_of_unit(db, unit).await.expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e.amount_type == "QuantumStorageSurcharge2027" && e.amount_minor == -45)
    );
    sim.shutdown().await.expect("stop sim");
}

async fn a_fetch_resumes_from_its_watermark(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000007-0000007", &[("10000000000007", 1, 999)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(shipment("t7", &o, ago(60 * 50), 0, &[("Commission", -150)]));
    });
    sell(db, &o, 100).await;
    let first = fetch(db, &sim).await;
    assert_eq!((first.windows_total, first.windows_done), (1, 1));
    let mark = fees::watermark(db)
        .await
        .expect("cursor")
        .expect("watermark stored");
    assert!(mark <= ago(2) && mark > ago(10), "{mark}");
    // Posted 50 hours ago, before the watermark less the 2-day overlap:
    // the next fetch does not ask for it again.
    let again = fetch(db, &sim).await;
    assert_eq!((again.events_seen, again.events_new), (0, 0));
    assert_eq!(db::fees::count_events(db).await.expect("count"), 1);
    sim.shutdown().await.expect("stop sim");
}

async fn two_runs_at_once_take_turns(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000008-0000008", &[("10000000000008", 3, 1999)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(shipment("t8", &o, ago(60 * 30), 0, &[("Commission", -917)]));
    });
    sell(db, &o, 900).await;
    fetch(db, &sim).await;
    let (a, b) = tokio::join!(fees::run(db, None), fees::run(db, None));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(
        (a.updated.min(b.updated), a.updated.max(b.updated)),
        (0, 3),
        "one run writes, the other finds nothing to do"
    );
    sim.shutdown().await.expect("stop sim");
}

async fn an_event_line_without_an_order_item_id_matches_by_sku(db: &Db) {
    let o = order("203-0000009-0000009", &[("10000000000009", 1, 1500)]);
    let unit = sell(db, &o, 200).await[0][0];
    let raw = r#"{"AmazonOrderId":"203-0000009-0000009","PostedDate":"2026-01-20T10:00:00Z",
        "ShipmentItemList":[{"SellerSKU":"SKU-10000000000009","QuantityShipped":1,
        "ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":15.00}}],
        "ItemFeeList":[{"FeeType":"Commission","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-2.30}}]}]}"#;
    let rows = fees::rows_for_event("Shipment", raw).expect("rows");
    assert!(rows[0].event_key.contains("|sku:SKU-10000000000009|"));
    assert_eq!(db::fees::insert_events(db, &rows).await.expect("store"), 1);
    assert_eq!(db::fees::insert_events(db, &rows).await.expect("again"), 0);
    let report = fees::run(db, None).await.expect("run");
    assert_eq!(report.updated, 1, "{report:?}");
    let f = fees_of(db, unit).await;
    assert_eq!((f.gross_minor, f.commission_minor), (1500, -230));
}

on_both_backends! {
    sku_fallback => an_event_line_without_an_order_item_id_matches_by_sku;
    concurrent_runs => two_runs_at_once_take_turns;
    fetch_resumes_from_watermark => a_fetch_resumes_from_its_watermark;
    multi_quantity_split => a_multi_quantity_line_is_split_to_the_penny;
    refund_after_reconciliation => a_refund_after_reconciliation_lands_on_the_same_unit;
    not_posted_then_reconciled => an_order_not_posted_yet_stays_missing_until_a_later_run;
    second_run_is_a_no_op => a_second_run_and_a_second_fetch_change_nothing;
    unknown_fee_types => unknown_fee_types_are_kept_and_counted_as_other_fees;
}
