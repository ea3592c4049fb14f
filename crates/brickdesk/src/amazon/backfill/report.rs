//! Report mode: the all-orders flat file (by order date) for the purchase
//! dates of the missing orders (at most 15 reports, 30 days or longer
//! each), read into lines.
//!
//! The report names no OrderItemId. An order whose report lines each have
//! a distinct SKU is stored with provisional line ids (`report:{sku}`);
//! the next time Amazon names the line's real id (a sync, a per-order
//! fetch) the row takes it in place (`db::orders::upsert_item`), and fee
//! reconciliation matches a provisional line by its SKU meanwhile. Orders
//! the report cannot key that way, or does not contain, are left missing
//! for the per-order pass that follows: ids are fetched only where needed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use spapi::reports::flat_file::{AllOrdersRow, parse_all_orders};
use spapi::reports::{ALL_ORDERS_BY_ORDER_DATE, ReportDocument};
use spapi::{Client, Operation};
use time::OffsetDateTime;

use super::{BackfillJob, Cursor};
use crate::amazon::{connection, convert, pacing};
use crate::db::orders::sync::{
    MissingItemsOrder, claim_missing_items, missing_items_after, refresh_line_statistics,
};
use crate::db::orders::{self, ReportedLine};
use crate::domain::sync::report_windows;
use crate::domain::{OrderId, Platform};
use crate::jobs::{JobContext, JobError};

/// How often a requested report is asked after (Amazon suggests no more
/// than about once a minute per report; divided by the rate scale
/// against a time-scaled simulator).
const POLL: Duration = Duration::from_secs(30);

/// Orders stored per transaction.
const CHUNK: usize = 50;

/// Fills the orders the report can key, then marks the report phase done
/// in the cursor. A report Amazon refuses or that cannot be read is
/// recorded as an error and leaves every order to the per-order pass.
pub(super) async fn fill(
    ctx: &JobContext<BackfillJob>,
    client: &Client,
    cursor: &mut Cursor,
) -> Result<(), JobError> {
    let missing = all_missing(ctx).await?;
    let dates = missing.iter().filter_map(|o| o.order_date);
    if let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) {
        match fetch_rows(ctx, client, first, last).await? {
            Ok(rows) => {
                // When Amazon's part ended: the rest is local work.
                let at = OffsetDateTime::now_utc();
                ctx.update(|p| p.detail.report_fetched_at = Some(at));
                store(ctx, &missing, &rows, cursor).await?;
            }
            Err(message) => {
                tracing::warn!(%message, "all-orders report unavailable; fetching per order");
                ctx.update(|p| p.push_error(message));
            }
        }
    }
    cursor.report_done = true;
    ctx.update(|p| p.cursor = serde_json::to_string(&*cursor).ok());
    ctx.save().await
}

async fn all_missing(ctx: &JobContext<BackfillJob>) -> Result<Vec<MissingItemsOrder>, JobError> {
    let mut out: Vec<MissingItemsOrder> = Vec::new();
    loop {
        let after = out.last().map_or(0, |o| o.id.get());
        let batch = missing_items_after(ctx.db(), Platform::Amazon, after, 5_000).await?;
        if batch.is_empty() {
            return Ok(out);
        }
        out.extend(batch);
    }
}

/// Every row of the reports covering `first..=last`; `Ok(Err(_))` says
/// why there are none.
async fn fetch_rows(
    ctx: &JobContext<BackfillJob>,
    client: &Client,
    first: OffsetDateTime,
    last: OffsetDateTime,
) -> Result<Result<Vec<AllOrdersRow>, String>, JobError> {
    let explain = |what: &str, e: &spapi::Error| {
        format!(
            "The all-orders report could not be {what} ({}); fetching orders one by one instead.",
            connection::explain(e)
        )
    };
    // All requests first: Amazon prepares them side by side.
    let mut ids = Vec::new();
    // Stored dates are whole seconds; Amazon's may carry a fraction.
    for (start, end) in report_windows(first, last + time::Duration::SECOND) {
        let created = pacing::call(ctx, client, Operation::CreateReport, || {
            client.create_report(ALL_ORDERS_BY_ORDER_DATE, Some(start), Some(end))
        })
        .await?;
        match created {
            Ok(id) => ids.push(id),
            Err(e) => return Ok(Err(explain("requested", &e))),
        }
    }
    let poll = POLL.div_f64(client.config().rate_scale.max(1.0));
    let mut rows = Vec::new();
    for id in ids {
        let report = pacing::call(ctx, client, Operation::GetReport, || {
            client.wait_for_report(&id, poll)
        })
        .await?;
        let document_id = match report {
            Ok(r) => r.report_document_id.unwrap_or_default(),
            // Amazon cancels a report whose window holds no orders.
            Err(spapi::Error::ReportFailed { status, .. }) if status == "CANCELLED" => continue,
            Err(e) => return Ok(Err(explain("prepared", &e))),
        };
        let document: ReportDocument =
            match pacing::call(ctx, client, Operation::GetReportDocument, || {
                client.get_report_document(&document_id)
            })
            .await?
            {
                Ok(d) => d,
                Err(e) => return Ok(Err(explain("found", &e))),
            };
        let text = match client.download_report_document(&document).await {
            Ok(text) => text,
            Err(spapi::Error::Cancelled) => return Err(JobError::Cancelled),
            Err(e) => return Ok(Err(explain("downloaded", &e))),
        };
        match parse_all_orders(&text) {
            Ok(more) => rows.extend(more),
            Err(e) => {
                return Ok(Err(format!(
                    "The all-orders report could not be read ({e}); fetching orders one by one instead."
                )));
            }
        }
    }
    Ok(Ok(rows))
}

/// Stores the report's lines of every missing order it can key, `CHUNK`
/// orders per transaction with the job's progress.
async fn store(
    ctx: &JobContext<BackfillJob>,
    missing: &[MissingItemsOrder],
    rows: &[AllOrdersRow],
    cursor: &Cursor,
) -> Result<(), JobError> {
    let mut by_order: HashMap<&str, Vec<&AllOrdersRow>> = HashMap::new();
    for row in rows {
        by_order
            .entry(row.amazon_order_id.as_str())
            .or_default()
            .push(row);
    }
    let fillable: Vec<(&MissingItemsOrder, Vec<ReportedLine>)> = missing
        .iter()
        .filter_map(|o| {
            let rows = by_order.get(o.platform_order_id.as_str())?;
            // An order the report cannot key is fetched per order later.
            convert::items_from_report(&o.platform_order_id, rows)
                .ok()
                .map(|items| (o, items))
        })
        .collect();
    ctx.update(|p| p.detail.report_orders = Some(fillable.len()));
    let cursor_text = serde_json::to_string(cursor).map_err(|e| JobError::Failed(e.to_string()))?;
    for (n, chunk) in fillable.chunks(CHUNK).enumerate() {
        ctx.check()?;
        let mut tx = ctx.db().begin().await?;
        let ids: Vec<OrderId> = chunk.iter().map(|(order, _)| order.id).collect();
        // A sync may have stored the real lines since the list was read.
        let claimed = claim_missing_items(&mut tx, &ids).await?;
        let kept: HashSet<OrderId> = claimed.iter().copied().collect();
        let lines: Vec<(OrderId, &ReportedLine)> = chunk
            .iter()
            .filter(|(order, _)| kept.contains(&order.id))
            .flat_map(|(order, items)| items.iter().map(|item| (order.id, item)))
            .collect();
        orders::upsert_items(&mut tx, &lines).await?;
        orders::refresh_fetched_orders(&mut tx, &claimed).await?;
        let stored = claimed.len() as i64;
        ctx.update(|p| {
            p.processed += stored;
            p.success += stored;
            p.total = p.total.max(p.processed);
            p.cursor = Some(cursor_text.clone());
            if let Some((last, _)) = chunk.last() {
                p.current = Some(last.platform_order_id.clone());
            }
        });
        ctx.save_in(&mut tx).await?;
        tx.commit().await?;
        if n == 0 {
            refresh_line_statistics(ctx.db()).await?;
        }
    }
    Ok(())
}
