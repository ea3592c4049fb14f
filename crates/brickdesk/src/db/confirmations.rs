//! Writes of Confirm Orders Processed and their undo: conditional updates
//! (a unit is sold only while it is sellable, an order completed only while
//! it is open) so concurrent requests cannot both succeed, and the batch
//! records that keep every previous value.

mod batches;

pub use batches::{
    BatchRow, ConfirmedOrderRow, ConfirmedUnitRow, UnitLink, batch, batch_orders, batch_units,
    create_batch, latest_batches, mark_undone, record_order, record_unit,
};

use sea_query::{Expr, ExprTrait, Iden, Query};
use time::OffsetDateTime;

use super::schema::{InventoryItems, OrderItemLinks, OrderItems, Orders};
use super::{DbError, Tx, now};
use crate::domain::location::natural_sort_key;
use crate::domain::{InventoryStatus, Platform, UiStatus, WorkflowStatus};

/// An order as the confirmation reads it, inside its transaction.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderState {
    /// Row id.
    pub id: i64,
    /// Workflow status.
    pub workflow_status: Option<String>,
    /// UI status.
    pub ui_status: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Reads an Amazon order by its Amazon id.
pub async fn order_state(
    tx: &mut Tx,
    platform_order_id: &str,
) -> Result<Option<OrderState>, DbError> {
    let stmt = Query::select()
        .columns([
            Orders::Id,
            Orders::WorkflowStatus,
            Orders::UiStatus,
            Orders::UpdatedAt,
        ])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(Platform::Amazon.as_str()))
        .and_where(Expr::col(Orders::PlatformOrderId).eq(platform_order_id))
        .to_owned();
    tx.optional(&stmt).await
}

/// A line of the order being confirmed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineState {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Unit price in minor units.
    pub unit_price_minor: Option<i64>,
}

/// The lines of an order, by id.
pub async fn order_lines(tx: &mut Tx, order_id: i64) -> Result<Vec<LineState>, DbError> {
    let stmt = Query::select()
        .columns([
            OrderItems::Id,
            OrderItems::Title,
            OrderItems::Quantity,
            OrderItems::UnitPriceMinor,
        ])
        .from(OrderItems::Table)
        .and_where(Expr::col(OrderItems::OrderId).eq(order_id))
        .order_by(OrderItems::Id, sea_query::Order::Asc)
        .to_owned();
    tx.all(&stmt).await
}

/// Links of an order's lines: (line, unit index, unit).
pub async fn order_links(tx: &mut Tx, order_id: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let stmt = Query::select()
        .columns([
            OrderItemLinks::OrderItemId,
            OrderItemLinks::UnitIndex,
            OrderItemLinks::InventoryItemId,
        ])
        .from(OrderItemLinks::Table)
        .and_where(
            Expr::col(OrderItemLinks::OrderItemId).in_subquery(
                Query::select()
                    .column(OrderItems::Id)
                    .from(OrderItems::Table)
                    .and_where(Expr::col(OrderItems::OrderId).eq(order_id))
                    .to_owned(),
            ),
        )
        .to_owned();
    tx.all(&stmt).await
}

/// A unit's values that a confirmation changes (kept for the undo).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitState {
    /// Row id.
    pub id: i64,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// SKU.
    pub sku: Option<String>,
    /// Status.
    pub status: String,
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
    pub sold_platform: Option<String>,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Reads a unit's changeable values.
pub async fn unit_state(tx: &mut Tx, id: i64) -> Result<Option<UnitState>, DbError> {
    let stmt = Query::select()
        .columns([
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
        .and_where(Expr::col(InventoryItems::Id).eq(id))
        .to_owned();
    tx.optional(&stmt).await
}

/// Marks a unit SOLD in `location`, only if it is still sellable. Returns
/// the updated_at written, or `None` when another request got there first.
pub async fn mark_sold(
    tx: &mut Tx,
    unit: &UnitState,
    location: &str,
    price_minor: Option<i64>,
    order_ref: &str,
) -> Result<Option<OffsetDateTime>, DbError> {
    let at = now();
    let search = super::inventory::search_text_of(
        &unit.set_number,
        &unit.item_name,
        unit.sku.as_deref(),
        Some(location),
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
            (InventoryItems::SoldPriceMinor, price_minor.into()),
            (InventoryItems::SoldOrderRef, order_ref.into()),
            (
                InventoryItems::SoldPlatform,
                Platform::Amazon.as_str().into(),
            ),
            (InventoryItems::UpdatedAt, at.into()),
        ])
        .and_where(Expr::col(InventoryItems::Id).eq(unit.id))
        .and_where(Expr::col(InventoryItems::Status).is_in([
            InventoryStatus::Backlog.as_str(),
            InventoryStatus::Listed.as_str(),
        ]))
        .to_owned();
    Ok((tx.execute(&stmt).await? == 1).then_some(at))
}

/// Sets an order Completed, only if it is still open (Paid or Shipped and
/// not completed). `false` when it is not.
pub async fn complete_order(tx: &mut Tx, order_id: i64) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(Orders::Table)
        .value(Orders::WorkflowStatus, WorkflowStatus::Completed.as_str())
        .value(Orders::UpdatedAt, now())
        .and_where(Expr::col(Orders::Id).eq(order_id))
        .and_where(Expr::col(Orders::WorkflowStatus).is_null())
        .and_where(
            Expr::col(Orders::UiStatus)
                .is_in([UiStatus::Paid.as_str(), UiStatus::Shipped.as_str()]),
        )
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Puts a unit back as it was, only if nothing changed it since the
/// confirmation. `false` when something did.
pub async fn restore_unit(
    tx: &mut Tx,
    row: &ConfirmedUnitRow,
    archive_location: &str,
) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(InventoryItems::Table)
        .values([
            (InventoryItems::Status, row.previous_status.clone().into()),
            (
                InventoryItems::StorageLocation,
                row.previous_location.clone().into(),
            ),
            (
                InventoryItems::LocationSort,
                row.previous_location_sort.clone().into(),
            ),
            (
                InventoryItems::SearchText,
                row.previous_search_text.clone().into(),
            ),
            (InventoryItems::SoldAt, row.previous_sold_at.into()),
            (
                InventoryItems::SoldPriceMinor,
                row.previous_sold_price_minor.into(),
            ),
            (
                InventoryItems::SoldOrderRef,
                row.previous_sold_order_ref.clone().into(),
            ),
            (
                InventoryItems::SoldPlatform,
                row.previous_sold_platform.clone().into(),
            ),
            (InventoryItems::UpdatedAt, row.previous_updated_at.into()),
        ])
        .and_where(Expr::col(InventoryItems::Id).eq(row.inventory_item_id))
        .and_where(Expr::col(InventoryItems::Status).eq(InventoryStatus::Sold.as_str()))
        // updated_at has whole seconds: the location check also catches an
        // edit made within the confirmation's second.
        .and_where(Expr::col(InventoryItems::UpdatedAt).eq(row.confirmed_updated_at))
        .and_where(Expr::col(InventoryItems::StorageLocation).eq(archive_location))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Removes the link of a unit to a line (written by the confirmation).
pub async fn delete_link(tx: &mut Tx, order_item_id: i64, unit: i64) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(OrderItemLinks::Table)
        .and_where(Expr::col(OrderItemLinks::OrderItemId).eq(order_item_id))
        .and_where(Expr::col(OrderItemLinks::InventoryItemId).eq(unit))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Puts an order's workflow status back, only if it is still Completed.
pub async fn restore_order(tx: &mut Tx, row: &ConfirmedOrderRow) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(Orders::Table)
        .value(Orders::WorkflowStatus, row.previous_workflow_status.clone())
        .value(Orders::UpdatedAt, row.previous_updated_at)
        .and_where(Expr::col(Orders::Id).eq(row.order_id))
        .and_where(Expr::col(Orders::WorkflowStatus).eq(WorkflowStatus::Completed.as_str()))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Table names of migration 0008, kept here with the only code using them.
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub(crate) enum ConfirmationBatches {
    Table,
    Id,
    CreatedAt,
    UserId,
    ArchiveLocation,
    UndoneAt,
    UndoneBy,
}

/// `confirmation_orders`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub(crate) enum ConfirmationOrders {
    Table,
    Id,
    BatchId,
    OrderId,
    PreviousWorkflowStatus,
    PreviousUpdatedAt,
    ConfirmedAt,
}

/// `confirmation_units`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub(crate) enum ConfirmationUnits {
    Table,
    Id,
    BatchId,
    OrderId,
    OrderItemId,
    UnitIndex,
    InventoryItemId,
    LinkCreated,
    PreviousStatus,
    PreviousLocation,
    PreviousLocationSort,
    PreviousSearchText,
    PreviousSoldAt,
    PreviousSoldPriceMinor,
    PreviousSoldOrderRef,
    PreviousSoldPlatform,
    PreviousUpdatedAt,
    ConfirmedUpdatedAt,
}
