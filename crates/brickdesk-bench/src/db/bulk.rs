//! Multi-row inserts for seeding many orders at once: a few statements per
//! thousand rows instead of one per row, of the app's own `NewOrder` and
//! `NewOrderItem`. Callers refresh match counts afterwards.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, Query};

use brickdesk::db::orders::{
    ITEM_COLUMNS_WRITTEN, NewOrder, NewOrderItem, ORDER_COLUMNS_WRITTEN, item_values, order_values,
};
use brickdesk::db::schema::{OrderItems, Orders};
use brickdesk::db::{Db, DbError, Tx, now};
use brickdesk::domain::{OrderId, Platform, WorkflowStatus};

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

/// Inserts orders with their workflow status and search text.
pub async fn insert_orders(tx: &mut Tx, orders: &[BulkOrder]) -> Result<(), DbError> {
    let at = now();
    for chunk in orders.chunks(BATCH) {
        let mut stmt = Query::insert();
        stmt.into_table(Orders::Table).columns(
            ORDER_COLUMNS_WRITTEN
                .into_iter()
                .chain([Orders::WorkflowStatus, Orders::SearchText]),
        );
        for o in chunk {
            let ours = [
                o.workflow_status.map(WorkflowStatus::as_str).into(),
                o.search_text.clone().into(),
            ];
            stmt.values_panic(order_values(&o.order, at).into_iter().chain(ours));
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// Row ids of a platform's orders by platform order id.
pub async fn order_ids(
    tx: &mut Tx,
    platform: Platform,
) -> Result<HashMap<String, OrderId>, DbError> {
    let stmt = Query::select()
        .columns([Orders::PlatformOrderId, Orders::Id])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform.as_str()))
        .to_owned();
    let rows: Vec<(String, OrderId)> = tx.all(&stmt).await?;
    Ok(rows.into_iter().collect())
}

/// Inserts lines, each with the row id of its order (from [`order_ids`]).
pub async fn insert_lines(tx: &mut Tx, lines: &[(OrderId, NewOrderItem)]) -> Result<(), DbError> {
    let at = now();
    for chunk in lines.chunks(BATCH) {
        let mut stmt = Query::insert();
        stmt.into_table(OrderItems::Table)
            .columns(ITEM_COLUMNS_WRITTEN);
        for (order, line) in chunk {
            stmt.values_panic(item_values(*order, line, at));
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
