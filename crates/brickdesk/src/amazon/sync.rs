//! Order sync (job kind `sync`): orders Amazon updated since the stored
//! watermark, page by page. Each page is stored in one transaction with
//! the job's progress and the next page's token, so an interrupted sync
//! resumes at the page it was on. Orders are upserted by (platform, order
//! id) and lines by OrderItemId: nothing is deleted, links and the
//! workflow status are never touched.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::access::AmazonAccess;
use super::convert::{self, ConvertError};
use super::pacing;
use crate::db;
use crate::db::orders::{self, NewOrder, ReportedLine, sync::stored_states};
use crate::domain::sync::{OrderFacts, SyncChange, classify, sync_window};
use crate::domain::{JobKind, OrderId, Platform};
use crate::jobs::{Job, JobContext, JobError};

/// The order sync as a job kind.
#[derive(Clone)]
pub struct SyncJob {
    access: AmazonAccess,
}

impl SyncJob {
    /// The sync of the Amazon account `access` reaches.
    pub fn new(access: AmazonAccess) -> SyncJob {
        SyncJob { access }
    }
}

impl Job for SyncJob {
    const KIND: JobKind = JobKind::Sync;
    type Params = SyncParams;
    type Detail = SyncDetail;

    async fn run(&self, ctx: JobContext<Self>, params: SyncParams) -> Result<(), JobError> {
        run(ctx, self.access.clone(), params).await
    }
}

/// The stored watermark: the `LastUpdatedBefore` of the last finished sync.
pub const WATERMARK: &str = "amazon.orders.last_updated";

/// Which Orders API a sync uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrdersApi {
    /// Orders 2026-01-01 `searchOrders`, lines inline (the default).
    #[default]
    #[serde(rename = "2026-01-01")]
    V2026,
    /// Orders v0 `getOrders` (deprecated; lines need a backfill).
    #[serde(rename = "v0")]
    V0,
}

impl OrdersApi {
    /// Parses `2026-01-01` or `v0`.
    pub fn parse(text: &str) -> Option<OrdersApi> {
        match text.trim() {
            "" | "2026-01-01" | "2026" => Some(OrdersApi::V2026),
            "v0" | "V0" => Some(OrdersApi::V0),
            _ => None,
        }
    }
}

/// What a sync is started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncParams {
    /// The Orders API to use.
    pub api: OrdersApi,
    /// Days back the first sync covers.
    pub window_days: i64,
    /// Orders updated after this are left to a later sync (default: all
    /// up to two minutes ago).
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub until: Option<OffsetDateTime>,
}

impl Default for SyncParams {
    fn default() -> Self {
        SyncParams {
            api: OrdersApi::V2026,
            window_days: 90,
            until: None,
        }
    }
}

/// Where an interrupted sync continues.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    #[serde(with = "time::serde::rfc3339")]
    after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    before: OffsetDateTime,
    next: Option<String>,
}

/// The counts a sync reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncCounts {
    /// Orders not stored before.
    pub new: i64,
    /// Orders Amazon changed.
    pub updated: i64,
    /// Orders stored exactly as Amazon has them.
    pub unchanged: i64,
    /// Orders that could not be stored.
    pub failed: i64,
}

/// A sync's progress details.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncDetail {
    /// The counts so far.
    pub counts: SyncCounts,
    /// The Orders API it uses (once a page is stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<OrdersApi>,
}

/// One order of a page, converted (or why not).
type PageOrder = Result<(NewOrder, Option<Vec<ReportedLine>>), ConvertError>;

async fn run(
    ctx: JobContext<SyncJob>,
    access: AmazonAccess,
    params: SyncParams,
) -> Result<(), JobError> {
    let client = access
        .client()
        .await?
        .with_cancellation(ctx.cancel_token().clone());
    let mut cursor = match ctx
        .cursor()
        .and_then(|c| serde_json::from_str::<Cursor>(&c).ok())
    {
        Some(c) => c,
        None => {
            let watermark = db::cursors::get(ctx.db(), WATERMARK).await?.and_then(|w| {
                OffsetDateTime::parse(&w, &time::format_description::well_known::Rfc3339).ok()
            });
            let (after, before) =
                sync_window(watermark, params.window_days, OffsetDateTime::now_utc());
            let before = params.until.map_or(before, |until| until.min(before));
            let after = after.min(before);
            Cursor {
                after,
                before,
                next: None,
            }
        }
    };
    loop {
        ctx.check()?;
        let token = cursor.next.clone();
        let (page, next) =
            match fetch_page(&ctx, &client, params.api, &cursor, token.clone()).await? {
                Ok(page) => page,
                // A page token Amazon no longer knows: ask the window again
                // (upserts make the repeat harmless).
                Err(spapi::Error::InvalidInput(_)) if token.is_some() => {
                    cursor.next = None;
                    continue;
                }
                Err(e) => return Err(JobError::Failed(super::connection::explain(&e))),
            };
        cursor.next = next.filter(|t| !t.is_empty());
        store_page(&ctx, params.api, page, &cursor).await?;
        if cursor.next.is_none() {
            break;
        }
    }
    let mut tx = ctx.db().begin().await?;
    let before = cursor
        .before
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| JobError::Failed(e.to_string()))?;
    db::cursors::set(&mut tx, WATERMARK, &before).await?;
    ctx.update(|p| {
        p.total = p.processed;
        p.current = None;
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn fetch_page(
    ctx: &JobContext<SyncJob>,
    client: &spapi::Client,
    api: OrdersApi,
    cursor: &Cursor,
    token: Option<String>,
) -> Result<Result<(Vec<PageOrder>, Option<String>), spapi::Error>, JobError> {
    Ok(match api {
        OrdersApi::V2026 => {
            let mut query = spapi::orders::SearchOrders::last_updated_after(cursor.after);
            query.last_updated_before = Some(cursor.before);
            query.max_results_per_page = Some(100);
            let page = pacing::call(ctx, client, spapi::Operation::SearchOrders, || {
                client.search_orders_page(&query, token.clone())
            })
            .await?;
            page.map(|p| {
                let next = p.pagination.and_then(|p| p.next_token);
                let orders = p
                    .orders
                    .iter()
                    .map(|o| convert::from_v2026(o).map(|(o, items)| (o, Some(items))))
                    .collect();
                (orders, next)
            })
        }
        OrdersApi::V0 => {
            let mut query = spapi::orders_v0::GetOrders::last_updated_after(cursor.after);
            query.last_updated_before = Some(cursor.before);
            query.max_results_per_page = Some(100);
            let page = pacing::call(ctx, client, spapi::Operation::GetOrdersV0, || {
                client.get_orders_page(&query, token.clone())
            })
            .await?;
            page.map(|p| {
                let orders = p
                    .orders
                    .iter()
                    .map(|o| convert::from_v0(o).map(|o| (o, None)))
                    .collect();
                (orders, p.next_token)
            })
        }
    })
}

/// Stores one page with the job's progress and cursor, in one transaction.
async fn store_page(
    ctx: &JobContext<SyncJob>,
    api: OrdersApi,
    page: Vec<PageOrder>,
    cursor: &Cursor,
) -> Result<(), JobError> {
    let mut tx = ctx.db().begin().await?;
    let ids: Vec<String> = page
        .iter()
        .filter_map(|o| {
            o.as_ref()
                .ok()
                .map(|(o, _)| o.reported.platform_order_id.clone())
        })
        .collect();
    let stored = stored_states(&mut tx, Platform::Amazon, &ids).await?;
    let mut counts = SyncCounts::default();
    let mut errors = Vec::new();
    for entry in &page {
        let (order, items) = match entry {
            Ok(ok) => ok,
            Err(e) => {
                counts.failed += 1;
                errors.push(e.to_string());
                continue;
            }
        };
        let known = stored.get(&order.reported.platform_order_id);
        let change = classify(
            known.map(|s| OrderFacts {
                status: &s.reported.platform_status,
                last_updated: s.reported.last_updated_at,
                total_minor: s.reported.total.map(|m| m.minor),
                has_lines: s.items_fetched_at.is_some(),
            }),
            OrderFacts {
                status: &order.reported.platform_status,
                last_updated: order.reported.last_updated_at.map(db::stored_time),
                total_minor: order.reported.total.map(|m| m.minor),
                has_lines: items.is_some(),
            },
        );
        match change {
            SyncChange::Unchanged => {
                counts.unchanged += 1;
                continue;
            }
            SyncChange::New => counts.new += 1,
            SyncChange::Updated => counts.updated += 1,
        }
        let id: OrderId = orders::upsert_order(&mut tx, order).await?;
        for item in items.iter().flatten() {
            orders::upsert_item(&mut tx, id, item).await?;
        }
        orders::refresh_order(&mut tx, id).await?;
    }
    let cursor_text = serde_json::to_string(cursor).map_err(|e| JobError::Failed(e.to_string()))?;
    let n = page.len() as i64;
    ctx.update(|p| {
        let total = &mut p.detail.counts;
        total.new += counts.new;
        total.updated += counts.updated;
        total.unchanged += counts.unchanged;
        total.failed += counts.failed;
        p.detail.api = Some(api);
        p.processed += n;
        p.success += n - counts.failed;
        p.failed += counts.failed;
        p.total = p.processed + if cursor.next.is_some() { 1 } else { 0 };
        for e in &errors {
            p.push_error(e.clone());
        }
        p.cursor = Some(cursor_text);
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
