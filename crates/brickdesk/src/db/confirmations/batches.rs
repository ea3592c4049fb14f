//! The confirmation batches: what each confirmation request did, with the
//! values from before, for review and undo.

use sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;

use super::super::Conn;
use super::super::orders;
use super::super::{Db, DbError, Tx, now};
use super::{ConfirmationBatches, ConfirmationOrders, ConfirmationUnits, UnitState};
use crate::domain::{
    BatchId, InventoryItemId, InventoryStatus, OrderId, OrderItemId, Platform, UserId,
    WorkflowStatus,
};

/// Starts a batch (its own small transaction; the orders follow in theirs).
pub async fn create_batch(
    db: &Db,
    user: Option<UserId>,
    archive_location: &str,
) -> Result<BatchId, DbError> {
    let mut tx = db.begin().await?;
    let stmt = Query::insert()
        .into_table(ConfirmationBatches::Table)
        .columns([
            ConfirmationBatches::CreatedAt,
            ConfirmationBatches::UserId,
            ConfirmationBatches::ArchiveLocation,
        ])
        .values_panic([
            now().into(),
            user.map(UserId::get).into(),
            archive_location.into(),
        ])
        .returning_col(ConfirmationBatches::Id)
        .to_owned();
    let (id,): (BatchId,) = tx.one(&stmt).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a confirmed order in its transaction.
pub async fn record_order(
    tx: &mut Tx,
    batch: BatchId,
    before: &orders::Order,
) -> Result<(), DbError> {
    let stmt = Query::insert()
        .into_table(ConfirmationOrders::Table)
        .columns([
            ConfirmationOrders::BatchId,
            ConfirmationOrders::OrderId,
            ConfirmationOrders::PreviousWorkflowStatus,
            ConfirmationOrders::PreviousUpdatedAt,
            ConfirmationOrders::ConfirmedAt,
        ])
        .values_panic([
            batch.into(),
            before.id.into(),
            before.workflow_status.into(),
            before.updated_at.into(),
            now().into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Where a sold unit came from in a confirmation.
#[derive(Debug, Clone, Copy)]
pub struct UnitLink {
    /// Order row id.
    pub order_id: OrderId,
    /// Line id.
    pub order_item_id: OrderItemId,
    /// Unit index on the line.
    pub unit_index: i64,
    /// Whether the confirmation wrote the link.
    pub link_created: bool,
}

/// The columns of `confirmation_units` a confirmation records, in the
/// order [`ConfirmedUnitRow`] reads them back.
const RECORDED_UNIT_COLUMNS: [ConfirmationUnits; 15] = [
    ConfirmationUnits::OrderId,
    ConfirmationUnits::OrderItemId,
    ConfirmationUnits::UnitIndex,
    ConfirmationUnits::InventoryItemId,
    ConfirmationUnits::LinkCreated,
    ConfirmationUnits::PreviousStatus,
    ConfirmationUnits::PreviousLocation,
    ConfirmationUnits::PreviousLocationSort,
    ConfirmationUnits::PreviousSearchText,
    ConfirmationUnits::PreviousSoldAt,
    ConfirmationUnits::PreviousSoldPriceMinor,
    ConfirmationUnits::PreviousSoldOrderRef,
    ConfirmationUnits::PreviousSoldPlatform,
    ConfirmationUnits::PreviousUpdatedAt,
    ConfirmationUnits::ConfirmedUpdatedAt,
];

/// Records sold units with their previous values, in the order's
/// transaction, with one statement.
pub async fn record_units(
    tx: &mut Tx,
    batch: BatchId,
    units: &[(UnitLink, &UnitState)],
    confirmed_updated_at: OffsetDateTime,
) -> Result<(), DbError> {
    if units.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert();
    stmt.into_table(ConfirmationUnits::Table)
        .columns(std::iter::once(ConfirmationUnits::BatchId).chain(RECORDED_UNIT_COLUMNS));
    for (link, before) in units {
        stmt.values_panic([
            batch.into(),
            link.order_id.into(),
            link.order_item_id.into(),
            link.unit_index.into(),
            before.id.into(),
            link.link_created.into(),
            before.status.into(),
            before.storage_location.clone().into(),
            before.location_sort.clone().into(),
            before.search_text.clone().into(),
            before.sold_at.into(),
            before.sold_price_minor.into(),
            before.sold_order_ref.clone().into(),
            before.sold_platform.into(),
            before.updated_at.into(),
            confirmed_updated_at.into(),
        ]);
    }
    tx.execute(&stmt).await?;
    Ok(())
}

/// A batch as stored, with its counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    /// Row id.
    pub id: BatchId,
    /// When.
    pub created_at: OffsetDateTime,
    /// Who.
    pub user_id: Option<UserId>,
    /// Where the units went.
    pub archive_location: String,
    /// When undone.
    pub undone_at: Option<OffsetDateTime>,
    /// Orders confirmed.
    pub orders: i64,
    /// Units sold.
    pub units: i64,
}

fn batch_select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            (ConfirmationBatches::Table, ConfirmationBatches::Id),
            (ConfirmationBatches::Table, ConfirmationBatches::CreatedAt),
            (ConfirmationBatches::Table, ConfirmationBatches::UserId),
            (ConfirmationBatches::Table, ConfirmationBatches::ArchiveLocation),
            (ConfirmationBatches::Table, ConfirmationBatches::UndoneAt),
        ])
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM confirmation_orders o WHERE o.batch_id = confirmation_batches.id)"),
            sea_query::Alias::new("orders"),
        )
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM confirmation_units u WHERE u.batch_id = confirmation_batches.id)"),
            sea_query::Alias::new("units"),
        )
        .from(ConfirmationBatches::Table)
        .to_owned()
}

/// The latest batches that confirmed something, newest first.
pub async fn latest_batches(db: &Db, limit: u64) -> Result<Vec<BatchRow>, DbError> {
    let stmt = batch_select()
        .and_where(Expr::cust(
            "EXISTS (SELECT 1 FROM confirmation_orders o WHERE o.batch_id = confirmation_batches.id)",
        ))
        .order_by((ConfirmationBatches::Table, ConfirmationBatches::Id), Order::Desc)
        .limit(limit)
        .to_owned();
    db.all(&stmt).await
}

/// One batch.
pub async fn batch(db: &Db, id: BatchId) -> Result<Option<BatchRow>, DbError> {
    let stmt = batch_select()
        .and_where(Expr::col((ConfirmationBatches::Table, ConfirmationBatches::Id)).eq(id))
        .to_owned();
    db.optional(&stmt).await
}

/// An order of a batch with what it was before.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfirmedOrderRow {
    /// The order.
    pub order_id: OrderId,
    /// Amazon order id.
    pub platform_order_id: String,
    /// Workflow status before.
    pub previous_workflow_status: Option<WorkflowStatus>,
    /// updated_at before.
    pub previous_updated_at: OffsetDateTime,
}

/// The orders of a batch.
pub async fn batch_orders(
    conn: &mut Conn<'_>,
    batch: BatchId,
) -> Result<Vec<ConfirmedOrderRow>, DbError> {
    let stmt = Query::select()
        .column((ConfirmationOrders::Table, ConfirmationOrders::OrderId))
        .column((
            crate::db::schema::Orders::Table,
            crate::db::schema::Orders::PlatformOrderId,
        ))
        .column((
            ConfirmationOrders::Table,
            ConfirmationOrders::PreviousWorkflowStatus,
        ))
        .column((
            ConfirmationOrders::Table,
            ConfirmationOrders::PreviousUpdatedAt,
        ))
        .from(ConfirmationOrders::Table)
        .inner_join(
            crate::db::schema::Orders::Table,
            Expr::col((
                crate::db::schema::Orders::Table,
                crate::db::schema::Orders::Id,
            ))
            .equals((ConfirmationOrders::Table, ConfirmationOrders::OrderId)),
        )
        .and_where(Expr::col((ConfirmationOrders::Table, ConfirmationOrders::BatchId)).eq(batch))
        .order_by(
            (ConfirmationOrders::Table, ConfirmationOrders::Id),
            Order::Asc,
        )
        .to_owned();
    conn.all(&stmt).await
}

/// A unit of a batch with its previous values.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfirmedUnitRow {
    /// Order row id.
    pub order_id: OrderId,
    /// Line id.
    pub order_item_id: OrderItemId,
    /// Unit index on the line.
    pub unit_index: i64,
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Whether the confirmation wrote the link.
    pub link_created: bool,
    /// Status before.
    pub previous_status: InventoryStatus,
    /// Location before.
    pub previous_location: Option<String>,
    /// Sort key before.
    pub previous_location_sort: Option<String>,
    /// Search text before.
    pub previous_search_text: String,
    /// Sold fields before.
    pub previous_sold_at: Option<OffsetDateTime>,
    /// Sold price before.
    pub previous_sold_price_minor: Option<i64>,
    /// Order reference before.
    pub previous_sold_order_ref: Option<String>,
    /// Platform before.
    pub previous_sold_platform: Option<Platform>,
    /// updated_at before.
    pub previous_updated_at: OffsetDateTime,
    /// updated_at the confirmation wrote.
    pub confirmed_updated_at: OffsetDateTime,
}

/// The units of a batch.
pub async fn batch_units(
    conn: &mut Conn<'_>,
    batch: BatchId,
) -> Result<Vec<ConfirmedUnitRow>, DbError> {
    let stmt = Query::select()
        .columns(RECORDED_UNIT_COLUMNS)
        .from(ConfirmationUnits::Table)
        .and_where(Expr::col(ConfirmationUnits::BatchId).eq(batch))
        .order_by(ConfirmationUnits::Id, Order::Asc)
        .to_owned();
    conn.all(&stmt).await
}

/// Marks a batch undone, only once. `false` when it already was.
pub async fn mark_undone(tx: &mut Tx, batch: BatchId, by: Option<UserId>) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(ConfirmationBatches::Table)
        .value(ConfirmationBatches::UndoneAt, now())
        .value(ConfirmationBatches::UndoneBy, by.map(UserId::get))
        .and_where(Expr::col(ConfirmationBatches::Id).eq(batch))
        .and_where(Expr::col(ConfirmationBatches::UndoneAt).is_null())
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Ends a batch whose orders committed with
/// [`Db::begin_deferred`]: one synchronous write, whose commit waits
/// until the WAL is on disk up to it, and so up to every order before it.
/// Nothing is reported to the user before this returns.
pub async fn seal_batch(db: &Db, batch: BatchId) -> Result<(), DbError> {
    if db.backend() == super::super::Backend::Sqlite {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    // A rewrite of the row with its own value: PostgreSQL still writes a
    // new row version, so the commit has a WAL record to wait for.
    let stmt = Query::update()
        .table(ConfirmationBatches::Table)
        .value(
            ConfirmationBatches::ArchiveLocation,
            Expr::col(ConfirmationBatches::ArchiveLocation),
        )
        .and_where(Expr::col(ConfirmationBatches::Id).eq(batch))
        .to_owned();
    tx.execute(&stmt).await?;
    tx.commit().await
}
