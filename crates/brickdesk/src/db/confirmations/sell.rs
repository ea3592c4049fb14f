//! Reads and writes of Confirm Orders Processed in few round trips: the
//! orders, lines, links and units of a whole request read up front (a
//! query per kind, not per order), then per order a handful of set-based
//! statements whose conditions re-check what was read, so a unit taken by
//! another request meanwhile makes the statement change fewer rows instead
//! of overwriting anything.

use sea_query::{Alias, CaseStatement, Expr, ExprTrait, LockType, Query};
use time::OffsetDateTime;

use super::super::Conn;
use super::super::orders::{self, OrderLine, select_lines, select_orders, set_match_counts};
use super::super::schema::{InventoryItems, OrderItemLinks, OrderItems, Orders};
use super::super::{DbError, Tx, now};
use crate::domain::location::natural_sort_key;
use crate::domain::{
    InventoryItemId, InventoryStatus, Money, OrderId, OrderItemId, Platform, UiStatus,
    WorkflowStatus,
};

/// Ids per query: far below either engine's bound-parameter limit.
const CHUNK: usize = 2_000;

/// Amazon orders by their Amazon ids. `lock` (inside a transaction) locks
/// the rows on PostgreSQL until it ends; SQLite's transaction holds the
/// write lock already.
pub async fn order_states(
    conn: &mut Conn<'_>,
    platform_order_ids: &[String],
    lock: bool,
) -> Result<Vec<orders::Order>, DbError> {
    let mut out = Vec::new();
    for chunk in platform_order_ids.chunks(CHUNK) {
        let mut stmt = select_orders();
        stmt.and_where(Expr::col(Orders::Platform).eq(Platform::Amazon))
            .and_where(Expr::col(Orders::PlatformOrderId).is_in(chunk.iter().cloned()));
        if lock {
            stmt.lock(LockType::Update);
        }
        out.extend(conn.all::<orders::Order>(&stmt).await?);
    }
    Ok(out)
}

/// Workflow status of some orders by row id (the undo's checks).
pub async fn workflow_statuses(
    conn: &mut Conn<'_>,
    order_ids: &[OrderId],
) -> Result<Vec<(OrderId, Option<WorkflowStatus>)>, DbError> {
    let mut out = Vec::new();
    for chunk in order_ids.chunks(CHUNK) {
        let stmt = Query::select()
            .columns([Orders::Id, Orders::WorkflowStatus])
            .from(Orders::Table)
            .and_where(Expr::col(Orders::Id).is_in(chunk.iter().copied()))
            .to_owned();
        out.extend(conn.all::<(OrderId, Option<WorkflowStatus>)>(&stmt).await?);
    }
    Ok(out)
}

/// The lines of some Amazon orders (by Amazon order id), by line id.
pub async fn order_lines(
    conn: &mut Conn<'_>,
    platform_order_ids: &[String],
) -> Result<Vec<OrderLine>, DbError> {
    let mut out = Vec::new();
    let oi = Alias::new("oi");
    for chunk in platform_order_ids.chunks(CHUNK) {
        let stmt = select_lines()
            .and_where(
                Expr::col((oi.clone(), OrderItems::OrderId)).in_subquery(
                    Query::select()
                        .column(Orders::Id)
                        .from(Orders::Table)
                        .and_where(Expr::col(Orders::Platform).eq(Platform::Amazon))
                        .and_where(Expr::col(Orders::PlatformOrderId).is_in(chunk.iter().cloned()))
                        .to_owned(),
                ),
            )
            .order_by((oi.clone(), OrderItems::Id), sea_query::Order::Asc)
            .to_owned();
        out.extend(conn.all::<OrderLine>(&stmt).await?);
    }
    Ok(out)
}

/// A link as the confirmation reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkState {
    /// Line id.
    pub order_item_id: OrderItemId,
    /// Unit index on the line.
    pub unit_index: i64,
    /// The unit.
    pub inventory_item_id: InventoryItemId,
}

/// Links whose `column` is one of `ids`.
async fn links_where<I>(
    conn: &mut Conn<'_>,
    column: OrderItemLinks,
    ids: &[I],
) -> Result<Vec<LinkState>, DbError>
where
    I: Copy + Into<sea_query::Value>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let stmt = Query::select()
            .columns([
                OrderItemLinks::OrderItemId,
                OrderItemLinks::UnitIndex,
                OrderItemLinks::InventoryItemId,
            ])
            .from(OrderItemLinks::Table)
            .and_where(Expr::col(column).is_in(chunk.iter().copied()))
            .to_owned();
        out.extend(conn.all::<LinkState>(&stmt).await?);
    }
    Ok(out)
}

/// The links of some lines.
pub async fn links_of_lines(
    conn: &mut Conn<'_>,
    line_ids: &[OrderItemId],
) -> Result<Vec<LinkState>, DbError> {
    links_where(conn, OrderItemLinks::OrderItemId, line_ids).await
}

/// The links of some units (to any line).
pub async fn links_of_units(
    conn: &mut Conn<'_>,
    unit_ids: &[InventoryItemId],
) -> Result<Vec<LinkState>, DbError> {
    links_where(conn, OrderItemLinks::InventoryItemId, unit_ids).await
}

/// A unit's values that a confirmation changes (kept for the undo).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitState {
    /// Row id.
    pub id: InventoryItemId,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// SKU.
    pub sku: Option<String>,
    /// Status.
    pub status: InventoryStatus,
    /// Location.
    pub storage_location: Option<String>,
    /// Natural sort key of the location.
    pub location_sort: Option<String>,
    /// Search text.
    pub search_text: String,
    /// When sold.
    pub sold_at: Option<OffsetDateTime>,
    /// Sold price.
    pub sold_price_minor: Option<i64>,
    /// Order reference.
    pub sold_order_ref: Option<String>,
    /// Platform sold on.
    pub sold_platform: Option<Platform>,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Reads some units' changeable values. `lock` (inside a transaction)
/// locks the rows on PostgreSQL until it ends; SQLite's transaction holds
/// the write lock already.
pub async fn unit_states(
    conn: &mut Conn<'_>,
    ids: &[InventoryItemId],
    lock: bool,
) -> Result<Vec<UnitState>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut stmt = Query::select();
        stmt.columns([
            InventoryItems::Id,
            InventoryItems::SetNumber,
            InventoryItems::ItemName,
            InventoryItems::Sku,
            InventoryItems::Status,
            InventoryItems::StorageLocation,
            InventoryItems::LocationSort,
            InventoryItems::SearchText,
            InventoryItems::SoldAt,
            InventoryItems::SoldPriceMinor,
            InventoryItems::SoldOrderRef,
            InventoryItems::SoldPlatform,
            InventoryItems::UpdatedAt,
        ])
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::Id).is_in(chunk.iter().copied()))
        .order_by(InventoryItems::Id, sea_query::Order::Asc);
        if lock {
            stmt.lock(LockType::Update);
        }
        out.extend(conn.all::<UnitState>(&stmt).await?);
    }
    Ok(out)
}

/// Sets an order Completed and recounts its lines' match status (its links
/// are written by then), only if it is still open (Paid or Shipped, not
/// completed) and unchanged since it was read (`updated_at`, so the value
/// kept for the undo is the one replaced). `false` when not.
pub async fn complete_order(tx: &mut Tx, order: &orders::Order) -> Result<bool, DbError> {
    let mut stmt = Query::update();
    set_match_counts(&mut stmt);
    let stmt = stmt
        .table(Orders::Table)
        .value(Orders::WorkflowStatus, WorkflowStatus::Completed)
        .value(Orders::UpdatedAt, now())
        .and_where(Expr::col(Orders::Id).eq(order.id))
        .and_where(Expr::col(Orders::WorkflowStatus).is_null())
        .and_where(Expr::col(Orders::UiStatus).is_in([UiStatus::Paid, UiStatus::Shipped]))
        .and_where(Expr::col(Orders::UpdatedAt).eq(order.updated_at))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// A unit to sell and the price it sells for.
#[derive(Debug, Clone, Copy)]
pub struct Sale<'a> {
    /// The unit as read (its updated_at must still be current).
    pub unit: &'a UnitState,
    /// Sold price (the line's unit price).
    pub price: Option<Money>,
}

/// `CASE` over the units of `sales`: each unit's own value.
fn by_unit(
    sales: &[Sale<'_>],
    value: impl Fn(&Sale<'_>) -> sea_query::Value,
    otherwise: Expr,
) -> CaseStatement {
    sales
        .iter()
        .fold(CaseStatement::new(), |case, s| {
            case.case(Expr::col(InventoryItems::Id).eq(s.unit.id), value(s))
        })
        .finally(otherwise)
}

/// Marks units SOLD for an order in `location`, in one statement. Only
/// units that are still sellable, unchanged since read and linked to one
/// of `line_ids` change: the caller compares the count returned with the
/// number of sales.
pub async fn sell_units(
    tx: &mut Tx,
    sales: &[Sale<'_>],
    line_ids: &[OrderItemId],
    location: &str,
    order_ref: &str,
    at: OffsetDateTime,
) -> Result<u64, DbError> {
    if sales.is_empty() {
        return Ok(0);
    }
    let search = by_unit(
        sales,
        |s| {
            super::super::inventory::search_text_of(
                &s.unit.set_number,
                &s.unit.item_name,
                s.unit.sku.as_deref(),
                Some(location),
            )
            .into()
        },
        Expr::col(InventoryItems::SearchText),
    );
    let price = by_unit(
        sales,
        |s| s.price.map(|m| m.minor).into(),
        Expr::col(InventoryItems::SoldPriceMinor),
    );
    let read_at = by_unit(
        sales,
        |s| s.unit.updated_at.into(),
        Expr::value(None::<OffsetDateTime>),
    );
    let stmt = Query::update()
        .table(InventoryItems::Table)
        .values([
            (
                InventoryItems::Status,
                InventoryStatus::Sold.as_str().into(),
            ),
            (InventoryItems::StorageLocation, location.into()),
            (
                InventoryItems::LocationSort,
                natural_sort_key(location).into(),
            ),
            (InventoryItems::SearchText, search.into()),
            (InventoryItems::SoldAt, at.into()),
            (InventoryItems::SoldPriceMinor, price.into()),
            (InventoryItems::SoldOrderRef, order_ref.into()),
            (
                InventoryItems::SoldPlatform,
                Platform::Amazon.as_str().into(),
            ),
            (InventoryItems::UpdatedAt, at.into()),
        ])
        .and_where(Expr::col(InventoryItems::Id).is_in(sales.iter().map(|s| s.unit.id)))
        .and_where(Expr::col(InventoryItems::Status).is_in([
            InventoryStatus::Backlog.as_str(),
            InventoryStatus::Listed.as_str(),
        ]))
        .and_where(Expr::col(InventoryItems::UpdatedAt).eq(read_at))
        .and_where(
            Expr::col(InventoryItems::Id).in_subquery(
                Query::select()
                    .column(OrderItemLinks::InventoryItemId)
                    .from(OrderItemLinks::Table)
                    .and_where(
                        Expr::col(OrderItemLinks::OrderItemId).is_in(line_ids.iter().copied()),
                    )
                    .to_owned(),
            ),
        )
        .to_owned();
    tx.execute(&stmt).await
}
