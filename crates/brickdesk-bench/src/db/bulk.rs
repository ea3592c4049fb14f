//! Multi-row inserts for seeding many orders at once: a few statements per
//! thousand rows instead of one per row. Callers refresh match counts
//! afterwards.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, Query};
use time::OffsetDateTime;

use brickdesk::db::schema::{OrderItems, Orders};
use brickdesk::db::{Db, DbError, Tx, now, stored_time};
use brickdesk::domain::Platform;

/// Rows per INSERT statement (well under both engines' parameter limits).
const BATCH: usize = 500;

/// An order to load.
#[derive(Debug, Clone)]
pub struct BulkOrder {
    /// The platform's order id.
    pub platform_order_id: String,
    /// When placed.
    pub order_date: OffsetDateTime,
    /// Platform status (stored spelling).
    pub platform_status: String,
    /// Workflow status.
    pub workflow_status: Option<String>,
    /// Total in pence.
    pub total_minor: Option<i64>,
    /// Search text (see `db::orders::order_search_text`).
    pub search_text: String,
}

/// A line to load.
#[derive(Debug, Clone)]
pub struct BulkLine {
    /// Row id of the order (from [`order_ids`]).
    pub order_id: i64,
    /// The platform's line id.
    pub platform_item_id: String,
    /// ASIN.
    pub asin: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Unit price in pence.
    pub unit_price_minor: Option<i64>,
}

/// Inserts orders of one platform in GBP.
pub async fn insert_orders(
    tx: &mut Tx,
    platform: Platform,
    orders: &[BulkOrder],
) -> Result<(), DbError> {
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
        for o in chunk {
            stmt.values_panic([
                platform.as_str().into(),
                o.platform_order_id.clone().into(),
                stored_time(o.order_date).into(),
                o.platform_status.clone().into(),
                o.workflow_status.clone().into(),
                o.total_minor.into(),
                "GBP".into(),
                o.search_text.clone().into(),
                at.into(),
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

/// Inserts lines (GBP).
pub async fn insert_lines(tx: &mut Tx, lines: &[BulkLine]) -> Result<(), DbError> {
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
        for l in chunk {
            stmt.values_panic([
                l.order_id.into(),
                l.platform_item_id.clone().into(),
                l.asin.clone().into(),
                l.sku.clone().into(),
                l.title.clone().into(),
                l.quantity.into(),
                l.unit_price_minor.into(),
                l.unit_price_minor.map(|p| p * l.quantity).into(),
                "GBP".into(),
                "New".into(),
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
