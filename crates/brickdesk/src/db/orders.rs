//! Orders and their lines.

mod list;
mod matching;
mod model;
pub mod sync;

pub use list::{
    COUNT_CAP, LinkedUnitRow, ListedOrder, MARK_EVERY, OrderListQuery, OrderTotal, OrdersVersion,
    PageMarks, SEARCH_SPARSE_CAP, lines_for_item, lines_for_orders, links_for_items, list_orders,
    list_orders_marked, orders_version, page_marks,
};
pub(crate) use matching::{Lines, refresh_lines, set_match_counts};
pub use matching::{
    Refresh, order_search_text, refresh_fetched_orders, refresh_match_counts, refresh_order,
};
pub use model::{Order, OrderLine, ReportedLine, ReportedOrder};
pub(crate) use model::{select_lines, select_orders};

use std::collections::HashMap;

use sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use time::OffsetDateTime;

use super::schema::{OrderItems, OrderStatusCounts, Orders};
use super::{Db, DbError, Tx, now, stored_time};
use crate::domain::sync::{provisional_item_id, provisional_sku};
use crate::domain::{OrderId, OrderItemId, Platform, UiStatus, WorkflowStatus};

/// An order as a platform reports it, ready to be upserted.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// What the platform says of it.
    pub reported: ReportedOrder,
    /// Whether the lines came with the order (so no backfill is needed).
    pub items_fetched: bool,
}

/// The columns an order as a platform reports it is written to, in the
/// order of [`order_values`].
pub const ORDER_COLUMNS_WRITTEN: [Orders; 14] = [
    Orders::Platform,
    Orders::PlatformOrderId,
    Orders::OrderDate,
    Orders::LastUpdatedAt,
    Orders::BuyerName,
    Orders::BuyerEmail,
    Orders::PlatformStatus,
    Orders::TotalMinor,
    Orders::Currency,
    Orders::FulfillmentChannel,
    Orders::MarketplaceId,
    Orders::ItemsFetchedAt,
    Orders::CreatedAt,
    Orders::UpdatedAt,
];

/// The values of [`ORDER_COLUMNS_WRITTEN`] for `order`, written at `at`.
pub fn order_values(order: &NewOrder, at: OffsetDateTime) -> [Expr; 14] {
    let reported = &order.reported;
    [
        reported.platform.into(),
        reported.platform_order_id.clone().into(),
        reported.order_date.map(stored_time).into(),
        reported.last_updated_at.map(stored_time).into(),
        reported.buyer_name.clone().into(),
        reported.buyer_email.clone().into(),
        reported.platform_status.clone().into(),
        reported.total.map(|m| m.minor).into(),
        reported.total.map(|m| m.currency).into(),
        reported.fulfillment_channel.into(),
        reported.marketplace_id.clone().into(),
        order.items_fetched.then_some(at).into(),
        at.into(),
        at.into(),
    ]
}

/// The columns a line as a platform reports it is written to, in the order
/// of [`item_values`].
pub const ITEM_COLUMNS_WRITTEN: [OrderItems; 12] = [
    OrderItems::OrderId,
    OrderItems::PlatformItemId,
    OrderItems::Asin,
    OrderItems::Sku,
    OrderItems::Title,
    OrderItems::Quantity,
    OrderItems::UnitPriceMinor,
    OrderItems::LinePriceMinor,
    OrderItems::Currency,
    OrderItems::Condition,
    OrderItems::CreatedAt,
    OrderItems::UpdatedAt,
];

/// The values of [`ITEM_COLUMNS_WRITTEN`] for `item` of `order`, written
/// at `at`.
pub fn item_values(order: OrderId, item: &ReportedLine, at: OffsetDateTime) -> [Expr; 12] {
    [
        order.into(),
        item.platform_item_id.clone().into(),
        item.asin.clone().into(),
        item.sku.clone().into(),
        item.title.clone().into(),
        item.quantity.into(),
        item.unit_price.map(|m| m.minor).into(),
        item.line_price.map(|m| m.minor).into(),
        item.currency().into(),
        item.condition.clone().into(),
        at.into(),
        at.into(),
    ]
}

/// Inserts an order or updates it in place, keyed by (platform, order id).
/// The workflow status is never touched, so a sync cannot undo a
/// confirmation. Returns the order's id.
pub async fn upsert_order(tx: &mut Tx, order: &NewOrder) -> Result<OrderId, DbError> {
    let at = now();
    let mut insert = Query::insert();
    insert
        .into_table(Orders::Table)
        .columns(ORDER_COLUMNS_WRITTEN)
        .values_panic(order_values(order, at))
        .on_conflict(
            OnConflict::columns([Orders::Platform, Orders::PlatformOrderId])
                .update_columns([
                    Orders::OrderDate,
                    Orders::LastUpdatedAt,
                    Orders::BuyerName,
                    Orders::BuyerEmail,
                    Orders::PlatformStatus,
                    Orders::FulfillmentChannel,
                    Orders::MarketplaceId,
                    Orders::UpdatedAt,
                ])
                // A Pending order has no total yet: keep a known total.
                .value(
                    Orders::TotalMinor,
                    Expr::cust("COALESCE(excluded.total_minor, orders.total_minor)"),
                )
                .value(
                    Orders::Currency,
                    Expr::cust("COALESCE(excluded.currency, orders.currency)"),
                )
                .value(
                    Orders::ItemsFetchedAt,
                    Expr::cust("COALESCE(orders.items_fetched_at, excluded.items_fetched_at)"),
                )
                .to_owned(),
        )
        .returning_col(Orders::Id);
    let (id,): (i64,) = tx.one(&insert).await?;
    OrderId::new(id).map_err(|_| DbError::NotFound("order id"))
}

/// Inserts a line or updates it in place, keyed by (order, platform item
/// id). Lines are never deleted and re-inserted, so links survive.
pub async fn upsert_item(
    tx: &mut Tx,
    order: OrderId,
    item: &ReportedLine,
) -> Result<OrderItemId, DbError> {
    claim_provisional_line(tx, order, item).await?;
    let stmt = Query::insert()
        .into_table(OrderItems::Table)
        .columns(ITEM_COLUMNS_WRITTEN)
        .values_panic(item_values(order, item, now()))
        .on_conflict(item_upsert())
        .returning_col(OrderItems::Id)
        .to_owned();
    let (id,): (i64,) = tx.one(&stmt).await?;
    OrderItemId::new(id).map_err(|_| DbError::NotFound("order item id"))
}

/// Lines per multi-row insert of [`upsert_items`].
const ITEMS_PER_INSERT: usize = 500;

/// [`upsert_item`] for many lines (of one order or several) in a few
/// statements, for a writer that needs no ids back. A line named twice is
/// written in a later statement, as one after the other: one statement
/// may not update a row twice.
pub async fn upsert_items(tx: &mut Tx, lines: &[(OrderId, &ReportedLine)]) -> Result<(), DbError> {
    let mut named = HashMap::new();
    let mut rounds: Vec<Vec<&(OrderId, &ReportedLine)>> = Vec::new();
    for line in lines {
        let (order, item) = line;
        claim_provisional_line(tx, *order, item).await?;
        let times = named
            .entry((*order, item.platform_item_id.as_str()))
            .or_insert(0);
        if rounds.len() == *times {
            rounds.push(Vec::new());
        }
        rounds[*times].push(line);
        *times += 1;
    }
    let at = now();
    for chunk in rounds.iter().flat_map(|r| r.chunks(ITEMS_PER_INSERT)) {
        let mut stmt = Query::insert();
        stmt.into_table(OrderItems::Table)
            .columns(ITEM_COLUMNS_WRITTEN)
            .on_conflict(item_upsert());
        for (order, item) in chunk {
            stmt.values_panic(item_values(*order, item, at));
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// What an upsert writes over a stored line: the platform's fields as
/// reported now, keeping a known price where this report has none.
fn item_upsert() -> OnConflict {
    OnConflict::columns([OrderItems::OrderId, OrderItems::PlatformItemId])
        .update_columns([
            OrderItems::Asin,
            OrderItems::Sku,
            OrderItems::Title,
            OrderItems::Quantity,
            OrderItems::Condition,
            OrderItems::UpdatedAt,
        ])
        .value(
            OrderItems::UnitPriceMinor,
            Expr::cust("COALESCE(excluded.unit_price_minor, order_items.unit_price_minor)"),
        )
        .value(
            OrderItems::LinePriceMinor,
            Expr::cust("COALESCE(excluded.line_price_minor, order_items.line_price_minor)"),
        )
        .value(
            OrderItems::Currency,
            Expr::cust("COALESCE(excluded.currency, order_items.currency)"),
        )
        .to_owned()
}

/// A line a backfill read from the all-orders report carries a
/// provisional id (`report:{sku}`); when Amazon later names the line's
/// real OrderItemId (a sync, a per-order fetch), the row takes that id in
/// place, so links to it are kept and no second line appears.
async fn claim_provisional_line(
    tx: &mut Tx,
    order: OrderId,
    item: &ReportedLine,
) -> Result<(), DbError> {
    let Some(sku) = item.sku.as_deref() else {
        return Ok(());
    };
    if provisional_sku(&item.platform_item_id).is_some() {
        return Ok(());
    }
    let stmt = Query::update()
        .table(OrderItems::Table)
        .value(OrderItems::PlatformItemId, item.platform_item_id.clone())
        .and_where(Expr::col(OrderItems::OrderId).eq(order))
        .and_where(Expr::col(OrderItems::PlatformItemId).eq(provisional_item_id(sku)))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Orders per UI status for one platform, in card order, plus the total.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusSummary {
    /// Count per UI status (every status present, zero when none).
    pub counts: Vec<(UiStatus, i64)>,
    /// All orders of the platform.
    pub all: i64,
}

/// A platform's orders by UI status, read from the counts the triggers of
/// migration 0005 keep (a handful of rows, whatever the number of orders).
pub async fn status_summary(db: &Db, platform: Platform) -> Result<StatusSummary, DbError> {
    let stmt = Query::select()
        .columns([OrderStatusCounts::UiStatus, OrderStatusCounts::N])
        .from(OrderStatusCounts::Table)
        .and_where(Expr::col(OrderStatusCounts::Platform).eq(platform))
        .to_owned();
    let rows: Vec<(UiStatus, i64)> = db.all(&stmt).await?;
    let counts: Vec<(UiStatus, i64)> = UiStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows.iter().find(|(status, _)| *status == s);
            (s, n.map_or(0, |(_, n)| *n))
        })
        .collect();
    let all = rows.iter().map(|(_, n)| n).sum();
    Ok(StatusSummary { counts, all })
}

/// Reads one order by platform and platform order id.
pub async fn find_order(
    db: &Db,
    platform: Platform,
    platform_order_id: &str,
) -> Result<Option<Order>, DbError> {
    let stmt = select_orders()
        .and_where(Expr::col(Orders::Platform).eq(platform))
        .and_where(Expr::col(Orders::PlatformOrderId).eq(platform_order_id))
        .to_owned();
    db.optional(&stmt).await
}

/// Sets the workflow status of an order (`None` clears it).
pub async fn set_workflow_status(
    tx: &mut Tx,
    order: OrderId,
    status: Option<WorkflowStatus>,
) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Orders::Table)
        .value(Orders::WorkflowStatus, status)
        .value(Orders::UpdatedAt, now())
        .and_where(Expr::col(Orders::Id).eq(order))
        .to_owned();
    match tx.execute(&stmt).await? {
        0 => Err(DbError::NotFound("order")),
        _ => Ok(()),
    }
}

/// Number of orders of a platform.
pub async fn count(db: &Db, platform: Platform) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform))
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// Number of orders of every platform.
pub async fn count_all(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// Reads a line inside a transaction (for linking).
pub async fn line_in(tx: &mut Tx, item: OrderItemId) -> Result<Option<OrderLine>, DbError> {
    let stmt = select_lines()
        .and_where(Expr::col((Alias::new("oi"), OrderItems::Id)).eq(item))
        .to_owned();
    tx.optional(&stmt).await
}

/// Orders of a platform whose lines were never fetched.
pub async fn count_missing_items(db: &Db, platform: Platform) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform))
        .and_where(Expr::col(Orders::ItemsFetchedAt).is_null())
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}
