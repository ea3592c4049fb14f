//! Backfill in report mode against the real simulator: the all-orders
//! report fills the orders it can key by SKU with provisional line ids,
//! the rest go per order, and a later sync gives the lines Amazon's ids in
//! place.

use std::collections::{BTreeMap, BTreeSet};

use brickdesk::amazon::backfill::{BackfillJob, BackfillMode, BackfillParams};
use brickdesk::amazon::sync::SyncJob;
use brickdesk::db::Db;
use brickdesk::domain::Platform;
use spapi_sim::RunningSim;
use time::OffsetDateTime;

use crate::amazon_sync::{
    Line, TWENTY_PERCENT_FAULTS, headers_only, per_order, run, stored_lines, stored_orders,
    sync_params, truth_via,
};
use crate::helpers::on_both_backends;

fn report_mode() -> BackfillParams {
    BackfillParams {
        mode: BackfillMode::Report,
        ..BackfillParams::default()
    }
}

/// Orders the report can key: each line has its own non-blank SKU.
fn keyable(sim: &RunningSim) -> BTreeSet<String> {
    sim.orders_snapshot()
        .into_iter()
        .filter(|o| {
            let skus: BTreeSet<&str> = o.lines.iter().map(|l| l.sku.trim()).collect();
            !o.lines.is_empty() && skus.len() == o.lines.len() && !skus.contains("")
        })
        .map(|o| o.order_id)
        .collect()
}

/// The simulator's lines as a report backfill stores them: orders in
/// `provisional` with `report:{sku}` ids, the rest with Amazon's.
fn expected_lines(sim: &RunningSim, provisional: &BTreeSet<String>) -> Vec<Line> {
    let (_, lines) = truth_via(sim, false);
    let mut out: Vec<Line> = lines
        .into_iter()
        .map(|mut l| {
            if provisional.contains(&l.0) {
                l.1 = format!("report:{}", l.3.clone().unwrap_or_default());
            }
            l
        })
        .collect();
    out.sort();
    out
}

fn calls(sim: &RunningSim, op: &str) -> u64 {
    sim.stats().by_operation.get(op).copied().unwrap_or(0)
}

async fn report_mode_fills_lines_and_a_later_sync_names_them(db: &Db) {
    let (sim, jobs) = headers_only(db, 120, 400.0, "").await;
    let keyable = keyable(&sim);
    let per_order_expected = 120 - keyable.len() as u64;

    // 120 missing > the default threshold of 50: the report is used.
    let job = run::<BackfillJob>(&jobs, BackfillParams::default()).await;
    let detail: serde_json::Value = serde_json::from_str(&job.progress.detail_json).unwrap();
    assert_eq!(detail["mode"], "report", "{job:?}");
    assert_eq!(
        (
            job.progress.total,
            job.progress.processed,
            job.progress.success,
            job.progress.failed
        ),
        (120, 120, 120, 0),
        "{job:?}"
    );
    assert!(calls(&sim, "createReport") >= 1);
    assert_eq!(
        calls(&sim, "getOrderItems"),
        per_order_expected,
        "only orders the report cannot key are fetched one by one"
    );
    assert_eq!(stored_lines(db).await, expected_lines(&sim, &keyable));
    assert_eq!(
        brickdesk::db::orders::count_missing_items(db, Platform::Amazon)
            .await
            .unwrap(),
        0
    );
    assert_orders_refreshed(db).await;

    // Some orders change on Amazon; a 2026-01-01 sync brings their lines
    // with OrderItemIds, which replace the provisional ids in place.
    let changed: BTreeSet<String> = keyable.iter().take(10).cloned().collect();
    let row_ids_before = line_row_ids(db).await;
    let recently = OffsetDateTime::now_utc() - time::Duration::minutes(3);
    sim.update_seller(|s| {
        for o in &mut s.orders {
            if changed.contains(&o.order_id) {
                o.last_updated = recently;
            }
        }
    });
    let job = run::<SyncJob>(&jobs, sync_params("2026-01-01")).await;
    let counts = job.detail::<SyncJob>().expect("sync detail").counts;
    assert_eq!((counts.new, counts.updated), (0, 10), "{job:?}");
    let still: BTreeSet<String> = keyable.difference(&changed).cloned().collect();
    assert_eq!(stored_lines(db).await, expected_lines(&sim, &still));
    let row_ids_after = line_row_ids(db).await;
    assert_eq!(
        row_ids_after.values().collect::<BTreeSet<_>>(),
        row_ids_before.values().collect::<BTreeSet<_>>(),
        "the same rows, no line added or lost"
    );
    assert_orders_refreshed(db).await;
    sim.shutdown().await.unwrap();
}

/// Every order's search text and line counts agree with its lines, as a
/// refresh leaves them: a batch refresh must not mix two orders up.
async fn assert_orders_refreshed(db: &Db) {
    use sea_query::{Alias, Query};
    let orders: Vec<(i64, String, String, i64, i64, i64, i64)> = db
        .all(
            &Query::select()
                .columns(
                    [
                        "id",
                        "platform_order_id",
                        "search_text",
                        "lines_total",
                        "lines_unmatched",
                        "lines_no_asin",
                        "lines_linked",
                    ]
                    .map(Alias::new),
                )
                .from(Alias::new("orders"))
                .to_owned(),
        )
        .await
        .expect("orders");
    // (order row id, ASIN, SKU, title, match status)
    type StoredLine = (i64, Option<String>, Option<String>, Option<String>, String);
    let lines: Vec<StoredLine> = db
        .all(
            &Query::select()
                .columns(["order_id", "asin", "sku", "title", "match_status"].map(Alias::new))
                .from(Alias::new("order_items"))
                .order_by(Alias::new("id"), sea_query::Order::Asc)
                .to_owned(),
        )
        .await
        .expect("lines");
    let mut refreshed = 0;
    for (id, order_id, text, total, unmatched, no_asin, linked) in orders {
        let own: Vec<_> = lines.iter().filter(|l| l.0 == id).collect();
        let fields: Vec<_> = own
            .iter()
            .map(|l| (l.1.clone(), l.2.clone(), l.3.clone()))
            .collect();
        let status = |s: &str| own.iter().filter(|l| l.4 == s).count() as i64;
        for l in &own {
            let blank = l.1.as_deref().is_none_or(|a| a.trim().is_empty());
            assert_eq!(blank, l.4 == "no_asin", "{order_id}: {l:?}");
        }
        assert_eq!(
            text,
            brickdesk::db::orders::order_search_text(&order_id, &fields),
            "{order_id}"
        );
        assert_eq!(
            (total, unmatched, no_asin, linked),
            (
                own.len() as i64,
                status("unmatched"),
                status("no_asin"),
                status("linked")
            ),
            "{order_id}"
        );
        refreshed += usize::from(!own.is_empty());
    }
    assert!(refreshed > 0, "no order has lines");
}

/// Line row id by (order id, SKU).
async fn line_row_ids(db: &Db) -> BTreeMap<(String, Option<String>), i64> {
    use sea_query::{Alias, Expr, Query};
    let rows: Vec<(String, Option<String>, i64)> = db
        .all(
            &Query::select()
                .expr(Expr::cust("o.platform_order_id"))
                .expr(Expr::cust("i.sku"))
                .expr(Expr::cust("i.id"))
                .from_as(Alias::new("order_items"), Alias::new("i"))
                .join_as(
                    sea_query::JoinType::InnerJoin,
                    Alias::new("orders"),
                    Alias::new("o"),
                    Expr::cust("o.id = i.order_id"),
                )
                .to_owned(),
        )
        .await
        .expect("lines");
    rows.into_iter().map(|(o, s, id)| ((o, s), id)).collect()
}

async fn few_missing_orders_go_per_order(db: &Db) {
    let (sim, jobs) = headers_only(db, 30, 400.0, "").await;
    let job = run::<BackfillJob>(&jobs, BackfillParams::default()).await;
    let detail: serde_json::Value = serde_json::from_str(&job.progress.detail_json).unwrap();
    assert_eq!(detail["mode"], "per_order", "30 ≤ 50: {job:?}");
    assert_eq!(calls(&sim, "createReport"), 0);
    assert_eq!(stored_lines(db).await, truth_via(&sim, false).1);
    sim.shutdown().await.unwrap();
}

async fn report_mode_under_faults_is_exact(db: &Db) {
    // Requests 2–6 (createReport, getReport, …) fail once each, and 20%
    // of all responses are faults.
    let faults = format!("500#2,429#3,drop#4,503#5,500#6,{TWENTY_PERCENT_FAULTS}");
    let (sim, jobs) = headers_only(db, 80, 400.0, &faults).await;
    let job = run::<BackfillJob>(&jobs, report_mode()).await;
    assert_eq!(
        (job.progress.success, job.progress.failed),
        (80, 0),
        "{job:?}"
    );
    assert_eq!(stored_orders(db).await, truth_via(&sim, false).0);
    // Whichever orders the report filled carry provisional ids; every
    // other line is exactly Amazon's.
    let stored = stored_lines(db).await;
    let from_report: BTreeSet<String> = stored
        .iter()
        .filter(|l| l.1.starts_with("report:"))
        .map(|l| l.0.clone())
        .collect();
    assert_eq!(stored, expected_lines(&sim, &from_report));
    assert!(sim.stats().faults_injected >= 5, "{:?}", sim.stats());
    // A per-order backfill afterwards has nothing left to do.
    let job = run::<BackfillJob>(&jobs, per_order()).await;
    assert_eq!(job.progress.total, 0);
    sim.shutdown().await.unwrap();
}

async fn fees_reach_a_line_known_only_from_the_report(db: &Db) {
    // A line stored from the report (provisional id) and sold; Amazon's
    // fee event names the line's real OrderItemId and its SKU.
    let mut o = crate::fees::order("203-0000010-0000010", &[("10000000000010", 1, 1500)]);
    o.lines[0].order_item_id = "report:SKU-10000000000010".into();
    let unit = crate::fees::sell(db, &o, 200).await[0][0];
    let raw = r#"{"AmazonOrderId":"203-0000010-0000010","PostedDate":"2026-01-20T10:00:00Z",
        "ShipmentItemList":[{"SellerSKU":"SKU-10000000000010","OrderItemId":"10000000000010",
        "QuantityShipped":1,
        "ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":15.00}}],
        "ItemFeeList":[{"FeeType":"Commission","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-2.30}}]}]}"#;
    let rows = brickdesk::amazon::fees::rows_for_event("Shipment", raw).expect("rows");
    brickdesk::db::fees::insert_events(db, &rows)
        .await
        .expect("store");
    let report = brickdesk::amazon::fees::run(db, None).await.expect("run");
    assert_eq!(report.updated, 1, "{report:?}");
    let f = brickdesk::db::fees::fees_of(db, unit)
        .await
        .expect("read fees")
        .expect("fee figures");
    assert_eq!((f.gross_minor, f.commission_minor), (1500, -230));
}

async fn windows_without_orders_are_skipped(db: &Db) {
    // Half the orders move three months back: the windows between hold
    // no orders, and Amazon cancels their reports.
    let sim = crate::amazon_sync::sim(120, 400.0, "").await;
    sim.update_seller(|s| {
        for o in s.orders.iter_mut().step_by(2) {
            o.created -= time::Duration::days(90);
            o.last_updated -= time::Duration::days(90);
        }
    });
    let jobs = crate::amazon_sync::jobs_for(db, &sim);
    run::<SyncJob>(&jobs, sync_params("v0")).await;
    let keyable = keyable(&sim);
    let job = run::<BackfillJob>(&jobs, report_mode()).await;
    assert_eq!(
        (job.progress.success, job.progress.failed),
        (120, 0),
        "{job:?}"
    );
    assert!(calls(&sim, "createReport") >= 3, "{:?}", sim.stats());
    assert_eq!(
        calls(&sim, "getOrderItems"),
        120 - keyable.len() as u64,
        "an empty window does not end report mode"
    );
    assert_eq!(stored_lines(db).await, expected_lines(&sim, &keyable));
    sim.shutdown().await.unwrap();
}

on_both_backends! {
    report_backfill_then_sync => report_mode_fills_lines_and_a_later_sync_names_them;
    report_backfill_below_threshold => few_missing_orders_go_per_order;
    report_backfill_under_faults => report_mode_under_faults_is_exact;
    report_line_fees_by_sku => fees_reach_a_line_known_only_from_the_report;
    report_empty_windows => windows_without_orders_are_skipped;
}
