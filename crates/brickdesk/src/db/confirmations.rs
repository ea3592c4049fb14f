//! Writes of Confirm Orders Processed and their undo: conditional updates
//! (a unit is sold only while it is sellable, an order completed only while
//! it is open) so concurrent requests cannot both succeed, and the batch
//! records that keep every previous value.

mod batches;
mod sell;

pub use batches::{
    BatchRow, ConfirmedOrderRow, ConfirmedUnitRow, UnitLink, batch, batch_orders, batch_units,
    create_batch, latest_batches, mark_undone, record_order, record_units, seal_batch,
};
pub use sell::{
    LinkState, Sale, UnitState, complete_order, links_of_lines, links_of_units, order_lines,
    order_states, sell_units, unit_states, workflow_statuses,
};

use sea_query::{Expr, ExprTrait, Iden, Query};

use super::schema::{InventoryItems, OrderItemLinks, Orders};
use super::{DbError, Tx};
use crate::domain::{InventoryItemId, InventoryStatus, OrderItemId, WorkflowStatus};

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
            (InventoryItems::Status, row.previous_status.into()),
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
                row.previous_sold_platform.into(),
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
pub async fn delete_link(
    tx: &mut Tx,
    order_item_id: OrderItemId,
    unit: InventoryItemId,
) -> Result<bool, DbError> {
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
        .value(Orders::WorkflowStatus, row.previous_workflow_status)
        .value(Orders::UpdatedAt, row.previous_updated_at)
        .and_where(Expr::col(Orders::Id).eq(row.order_id))
        .and_where(Expr::col(Orders::WorkflowStatus).eq(WorkflowStatus::Completed))
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
