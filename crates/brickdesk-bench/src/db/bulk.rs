//! Multi-row inserts for seeding many orders at once: a few statements per
//! thousand rows instead of one per row, of the app's own `NewOrder` and
//! `NewOrderItem`. Callers refresh match counts afterwards.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, Query};

use brickdesk::db::orders::{NewOrder, NewOrderItem};
use brickdesk::db::schema::{OrderItems, Orders};
use brickdesk::db::{Db, DbError, Tx, now, stored_time};
use brickdesk::domain::{Platform, WorkflowStatus};

/// Rows per INSERT statement (well under both engines' parameter limits).
const BATCH: usize = 500;

/// An order to load: as a platform reports it, plus what Brickdesk
/// itself stores (the workflow status, the search text).
#[derive(Debug, Clone)]
pub struct BulkOrder {
    /// The order.
    pub order: NewOrder,
    /// Workflow status.
    pub workflow_status: Option<WorkflowStatus>,
    /// Search text (see `db::orders::order_search_text`).
    pub search_text: String,
}

/// Inserts orders, their lines fetched.
pub async fn insert_orders(tx: &mut Tx, orders: &[BulkOrder]) -> Result<(), DbError> {
    let at = now();
    for chunk in orders.chunks(BATCH) {
        let mut stmt = Query::insert();
        stmt.into_table(Orders::Table).columns([
            Orders::Platform,
            Orders::PlatformOrderId,
            Orders::OrderDate,
            Orders::PlatformStatus,
            Orders::WorkflowStatus,
            Orders::TotalMinor,
            Orders::Currency,
            Orders::SearchText,
            Orders::ItemsFetchedAt,
            Orders::CreatedAt,
            Orders::UpdatedAt,
        ]);
        for BulkOrder {
            order: o,
            workflow_status,
            search_text,
        } in chunk
        {
            stmt.values_panic([
                o.platform.into(),
                o.platform_order_id.clone().into(),
                o.order_date.map(stored_time).into(),
                o.platform_status.clone().into(),
                workflow_status.map(WorkflowStatus::as_str).into(),
                o.total.map(|m| m.minor).into(),
                o.total.map(|m| m.currency).into(),
                search_text.clone().into(),
                o.items_fetched.then_some(at).into(),
                at.into(),
                at.into(),
            ]);
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// Row ids of a platform's orders by platform order id.
pub async fn order_ids(tx: &mut Tx, platform: Platform) -> Result<HashMap<String, i64>, DbError> {
    let stmt = Query::select()
        .columns([Orders::PlatformOrderId, Orders::Id])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform.as_str()))
        .to_owned();
    let rows: Vec<(String, i64)> = tx.all(&stmt).await?;
    Ok(rows.into_iter().collect())
}

/// Inserts lines, each with the row id of its order (from [`order_ids`]).
pub async fn insert_lines(tx: &mut Tx, lines: &[(i64, NewOrderItem)]) -> Result<(), DbError> {
    let at = now();
    for chunk in lines.chunks(BATCH) {
        let mut stmt = Query::insert();
        stmt.into_table(OrderItems::Table).columns([
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
        ]);
        for (order_id, l) in chunk {
            stmt.values_panic([
                (*order_id).into(),
                l.platform_item_id.clone().into(),
                l.asin.clone().into(),
                l.sku.clone().into(),
                l.title.clone().into(),
                l.quantity.into(),
                l.unit_price.map(|m| m.minor).into(),
                l.line_price.map(|m| m.minor).into(),
                l.unit_price.map(|m| m.currency).into(),
                l.condition.clone().into(),
                at.into(),
                at.into(),
            ]);
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// Changes one order as a sync would (its `updated_at`), which raises the
/// orders version: listings kept until then are built again.
pub async fn touch_orders(db: &Db) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Orders::Table)
        .value(Orders::UpdatedAt, now())
        .and_where(Expr::cust("id = (SELECT MIN(id) FROM orders)"))
        .to_owned();
    db.execute(&stmt).await.map(drop)
}
