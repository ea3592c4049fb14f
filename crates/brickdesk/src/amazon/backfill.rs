//! Backfill (job kind `backfill`): fetches the lines of orders whose lines
//! were never fetched.
//!
//! - **Report mode** (when more than a threshold of orders are missing,
//!   default 50): one all-orders flat-file report per 30 days of their
//!   purchase dates fills most orders in a few calls ([`report`]). The
//!   report has no OrderItemId, so its lines get provisional ids
//!   (`report:{sku}`) that the next sync or per-order fetch replaces in
//!   place with Amazon's id; orders the report cannot key by SKU, or does
//!   not contain, go on to per-order mode.
//! - **Per-order mode**: v0 `getOrderItems` or 2026-01-01 `getOrder`, one
//!   order at a time, paced by the client's token buckets. Each order is
//!   stored in one transaction with the job's progress and cursor (the
//!   order's row id): after a crash it is stored completely or not at all,
//!   and the job resumes after the last stored order. An order Amazon
//!   returns no lines for is marked checked.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::access::AmazonAccess;
use super::convert;
use super::pacing;
use super::sync::OrdersApi;
use crate::db::orders::sync::{MissingItemsOrder, count_missing_items_after, missing_items_after};
use crate::db::orders::{self, ReportedLine};
use crate::domain::{JobKind, Platform};
use crate::jobs::{Job, JobContext, JobError};

mod report;

/// The backfill as a job kind.
#[derive(Clone)]
pub struct BackfillJob {
    access: AmazonAccess,
}

impl BackfillJob {
    /// The backfill of the Amazon account `access` reaches.
    pub fn new(access: AmazonAccess) -> BackfillJob {
        BackfillJob { access }
    }
}

impl Job for BackfillJob {
    const KIND: JobKind = JobKind::Backfill;
    type Params = BackfillParams;
    type Detail = BackfillDetail;

    async fn run(&self, ctx: JobContext<Self>, params: BackfillParams) -> Result<(), JobError> {
        run(ctx, self.access.clone(), params).await
    }
}

/// Missing orders above which an automatic backfill uses the report.
pub const DEFAULT_REPORT_THRESHOLD: u64 = 50;

/// How a backfill fetches lines.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BackfillMode {
    /// The report when more orders than the threshold are missing, then
    /// per order for the rest.
    #[default]
    Auto,
    /// The report first whatever the count, then per order for the rest.
    Report,
    /// One call per order only.
    #[value(alias = "per_order")]
    PerOrder,
}

impl BackfillMode {
    /// `auto`, `report` or `per_order` (also `per-order`), in any case: the
    /// spellings `brickdesk backfill --mode` accepts.
    pub fn parse(text: &str) -> Option<BackfillMode> {
        <BackfillMode as clap::ValueEnum>::from_str(text.trim(), true).ok()
    }
}

/// What a backfill is started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackfillParams {
    /// The API of the per-order calls: v0 `getOrderItems` (default) or
    /// 2026-01-01 `getOrder`.
    pub api: OrdersApi,
    /// Report, per order, or chosen by the number of missing orders.
    pub mode: BackfillMode,
    /// Missing orders above which `auto` uses the report (default: the
    /// configured threshold, else [`DEFAULT_REPORT_THRESHOLD`]).
    pub report_threshold: Option<u64>,
}

impl Default for BackfillParams {
    fn default() -> Self {
        BackfillParams {
            api: OrdersApi::V0,
            mode: BackfillMode::Auto,
            report_threshold: None,
        }
    }
}

/// A backfill's progress details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackfillDetail {
    /// How lines are fetched: `report` (then per order for the rest) or
    /// `per_order`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<BackfillMode>,
    /// The API of the per-order calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<OrdersApi>,
    /// When the orders left should be done, at the rate limiter's pace.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub finish_at: Option<OffsetDateTime>,
    /// When Amazon's part of the report ended.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub report_fetched_at: Option<OffsetDateTime>,
    /// Orders the report can fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_orders: Option<usize>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Cursor {
    after_id: i64,
    /// The report phase is over (so a resumed job goes on per order).
    report_done: bool,
}

const BATCH: u64 = 100;

async fn run(
    ctx: JobContext<BackfillJob>,
    access: AmazonAccess,
    params: BackfillParams,
) -> Result<(), JobError> {
    let client = access
        .client()
        .await?
        .with_cancellation(ctx.cancel_token().clone());
    let op = match params.api {
        OrdersApi::V0 => spapi::Operation::GetOrderItemsV0,
        OrdersApi::V2026 => spapi::Operation::GetOrder,
    };
    let mut cursor: Cursor = ctx
        .cursor()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_default();
    let remaining = count_missing_items_after(ctx.db(), Platform::Amazon, cursor.after_id).await?;
    let threshold = params
        .report_threshold
        .or(access.report_threshold())
        .unwrap_or(DEFAULT_REPORT_THRESHOLD);
    let use_report = !cursor.report_done
        && remaining > 0
        && match params.mode {
            BackfillMode::Auto => u64::try_from(remaining).unwrap_or(0) > threshold,
            BackfillMode::Report => true,
            BackfillMode::PerOrder => false,
        };
    ctx.update(|p| {
        p.total = p.processed + remaining;
        if use_report || p.detail.mode.is_none() {
            p.detail.mode = Some(if use_report {
                BackfillMode::Report
            } else {
                BackfillMode::PerOrder
            });
        }
        p.detail.api = Some(params.api);
    });
    ctx.save().await?;
    if use_report {
        report::fill(&ctx, &client, &mut cursor).await?;
    }
    // Orders that failed in this run get one more try at the end.
    let mut retry: Vec<MissingItemsOrder> = Vec::new();
    loop {
        let batch = missing_items_after(ctx.db(), Platform::Amazon, cursor.after_id, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for order in batch {
            ctx.check()?;
            cursor.after_id = order.id.get();
            let fetched = fetch_one(&ctx, &client, params.api, op, &order).await?;
            let ok = fetched.is_ok();
            store_one(&ctx, &client, op, &order, fetched, &cursor, false).await?;
            if !ok {
                retry.push(order);
            }
        }
    }
    for order in retry {
        ctx.check()?;
        let fetched = fetch_one(&ctx, &client, params.api, op, &order).await?;
        if fetched.is_ok() {
            store_one(&ctx, &client, op, &order, fetched, &cursor, true).await?;
        }
    }
    ctx.update(|p| {
        p.current = None;
        p.total = p.total.max(p.processed);
    });
    ctx.save().await?;
    Ok(())
}

/// The lines of one order, or a message saying why not.
async fn fetch_one(
    ctx: &JobContext<BackfillJob>,
    client: &spapi::Client,
    api: OrdersApi,
    op: spapi::Operation,
    order: &MissingItemsOrder,
) -> Result<Result<Vec<ReportedLine>, String>, JobError> {
    ctx.update(|p| p.current = Some(order.platform_order_id.clone()));
    let id = order.platform_order_id.as_str();
    Ok(match api {
        OrdersApi::V0 => pacing::call(ctx, client, op, || client.get_order_items(id))
            .await?
            .map_err(|e| format!("{id}: {}", super::connection::explain(&e)))
            .and_then(|items| convert::items_from_v0(id, &items).map_err(|e| e.to_string())),
        OrdersApi::V2026 => pacing::call(ctx, client, op, || client.get_order(id))
            .await?
            .map_err(|e| format!("{id}: {}", super::connection::explain(&e)))
            .and_then(|o| {
                convert::from_v2026(&o)
                    .map(|(_, items)| items)
                    .map_err(|e| e.to_string())
            }),
    })
}

/// Stores one order's lines (or its failure) with the progress, in one
/// transaction. `retrying`: a second try of an order counted failed.
async fn store_one(
    ctx: &JobContext<BackfillJob>,
    client: &spapi::Client,
    op: spapi::Operation,
    order: &MissingItemsOrder,
    fetched: Result<Vec<ReportedLine>, String>,
    cursor: &Cursor,
    retrying: bool,
) -> Result<(), JobError> {
    let cursor_text = serde_json::to_string(cursor).map_err(|e| JobError::Failed(e.to_string()))?;
    let mut tx = ctx.db().begin().await?;
    let ok = match &fetched {
        Ok(items) => {
            let id = order.id;
            for item in items {
                orders::upsert_item(&mut tx, id, item).await?;
            }
            orders::refresh_fetched_orders(&mut tx, &[id]).await?;
            true
        }
        Err(_) => false,
    };
    let eta_at = |remaining: i64| {
        let eta = client.limiter_state(op).eta(remaining.max(0) as u64);
        OffsetDateTime::now_utc() + eta
    };
    ctx.update(|p| {
        if retrying {
            p.failed -= 1;
            p.success += 1;
        } else {
            p.processed += 1;
            if ok {
                p.success += 1;
            } else {
                p.failed += 1;
            }
        }
        if let Err(e) = &fetched {
            p.push_error(e.clone());
        }
        p.total = p.total.max(p.processed);
        p.cursor = Some(cursor_text);
        p.detail.finish_at = Some(eta_at(p.total - p.processed));
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
