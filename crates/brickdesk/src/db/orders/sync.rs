//! What order sync and backfill read and claim: the stored state of a
//! page of orders, and the work list of orders missing their lines.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, LockType, Order, Query};
use time::OffsetDateTime;

use super::super::schema::Orders;
use super::super::{Db, DbError, Tx};
use super::select_orders;
use crate::domain::{OrderId, Platform};

/// The stored orders among the given orders of a platform, by order id:
/// what a sync compares an incoming order with.
pub async fn stored_states(
    tx: &mut Tx,
    platform: Platform,
    platform_order_ids: &[String],
) -> Result<HashMap<String, super::Order>, DbError> {
    let mut out = HashMap::new();
    for chunk in platform_order_ids.chunks(500) {
        let stmt = select_orders()
            .and_where(Expr::col(Orders::Platform).eq(platform))
            .and_where(Expr::col(Orders::PlatformOrderId).is_in(chunk.iter().cloned()))
            .to_owned();
        // Planned each run: a plan kept from a first sync's first pages,
        // when the table was near empty, scans every order of the platform.
        let rows: Vec<super::Order> = tx.all_planned_each_run(&stmt).await?;
        out.extend(
            rows.into_iter()
                .map(|r| (r.reported.platform_order_id.clone(), r)),
        );
    }
    Ok(out)
}

/// An order whose lines were never fetched: the backfill's work list,
/// which can hold every order of a shop, so only what a fetch needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MissingItemsOrder {
    /// Row id (the backfill's cursor).
    pub id: OrderId,
    /// The platform's order id.
    pub platform_order_id: String,
    /// When it was placed.
    pub order_date: Option<OffsetDateTime>,
    /// The platform's last-update time.
    pub last_updated_at: Option<OffsetDateTime>,
}

/// Up to `limit` orders of `platform` missing their lines with a row id
/// above `after_id`, by row id.
pub async fn missing_items_after(
    db: &Db,
    platform: Platform,
    after_id: i64,
    limit: u64,
) -> Result<Vec<MissingItemsOrder>, DbError> {
    let stmt = Query::select()
        .columns([
            Orders::Id,
            Orders::PlatformOrderId,
            Orders::OrderDate,
            Orders::LastUpdatedAt,
        ])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform))
        .and_where(Expr::col(Orders::ItemsFetchedAt).is_null())
        .and_where(Expr::col(Orders::Id).gt(after_id))
        .order_by(Orders::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    db.all(&stmt).await
}

/// Orders of `platform` missing their lines with a row id above `after_id`.
pub async fn count_missing_items_after(
    db: &Db,
    platform: Platform,
    after_id: i64,
) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform))
        .and_where(Expr::col(Orders::ItemsFetchedAt).is_null())
        .and_where(Expr::col(Orders::Id).gt(after_id))
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// Locks these orders and returns those still missing their lines: one
/// that something else (a sync) stored meanwhile is left out, so a caller
/// holding older data writes nothing. The caller marks what
/// it stores with [`super::refresh_fetched_orders`], so each order row is
/// written once. PostgreSQL holds the row locks until the transaction
/// ends; SQLite's transaction holds the write lock already.
pub async fn claim_missing_items(tx: &mut Tx, orders: &[OrderId]) -> Result<Vec<OrderId>, DbError> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    // Whether the lines are missing is read, not filtered on: a filter lets
    // PostgreSQL's planner pick the partial index of orders missing lines,
    // which lists every order of a backfill, instead of the primary key.
    let stmt = Query::select()
        .column(Orders::Id)
        .expr(Expr::col(Orders::ItemsFetchedAt).is_null())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Id).is_in(orders.iter().copied()))
        // One lock order for every claimant, so two cannot deadlock.
        .order_by(Orders::Id, Order::Asc)
        .lock(LockType::Update)
        .to_owned();
    let locked: Vec<(OrderId, bool)> = tx.all(&stmt).await?;
    Ok(locked
        .into_iter()
        .filter_map(|(id, missing)| missing.then_some(id))
        .collect())
}

/// Refreshes PostgreSQL's statistics of the order lines, once a batch
/// writer has stored its first lines into a table that may have held
/// almost none: until then the planner reads a batch of orders' lines by
/// scanning the whole table. The lines per order it then records hold as
/// the table grows. SQLite's planner needs no statistics for it.
pub async fn refresh_line_statistics(db: &Db) -> Result<(), DbError> {
    if let Db::Postgres(pool) = db {
        sqlx::query("ANALYZE order_items").execute(pool).await?;
    }
    Ok(())
}
