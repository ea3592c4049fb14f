//! Reviewing and undoing a confirmation batch: units back to their
//! previous status, location and sold fields, the links the confirmation
//! wrote removed, orders back to their previous workflow status. Refused,
//! with the reasons, when anything changed those records since. The review
//! and the undo find those reasons with the same reads and the same rules
//! (`domain::confirmation::undo_blockers`).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::db::Conn;
use crate::db::confirmations::{
    self as store, BatchRow, ConfirmedOrderRow, ConfirmedUnitRow, UnitState,
};
use crate::db::fees;
use crate::db::orders::{Refresh, refresh_match_counts};
use crate::db::{Db, DbError, Tx, audit};
use crate::domain::confirmation::{OrderUndoFacts, UndoBlocker, UnitUndoFacts, undo_blockers};
use crate::domain::{
    BatchId, InventoryItemId, InventoryStatus, OrderId, OrderItemId, UserId, WorkflowStatus,
};

/// A batch with its orders, units and what blocks its undo.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchReview {
    /// Batch id.
    pub id: BatchId,
    /// When it was confirmed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Archive location used.
    pub archive_location: String,
    /// When it was undone.
    #[serde(with = "time::serde::rfc3339::option")]
    pub undone_at: Option<OffsetDateTime>,
    /// Amazon order ids confirmed.
    pub orders: Vec<String>,
    /// Units sold, with where they were before.
    pub units: Vec<ReviewUnit>,
    /// Why the batch cannot be undone (empty: it can).
    pub blockers: Vec<UndoBlocker>,
}

/// A unit of a batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewUnit {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Order row id.
    pub order_id: OrderId,
    /// Status before.
    pub previous_status: InventoryStatus,
    /// Location before.
    pub previous_location: Option<String>,
}

/// Why an undo was refused.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No such batch.
    #[error("confirmation batch {0} not found")]
    NotFound(BatchId),
    /// Something depends on the batch.
    #[error("This confirmation cannot be undone: {}", sentences(.0))]
    Blocked(Vec<UndoBlocker>),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn sentences(blockers: &[UndoBlocker]) -> String {
    blockers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The latest batches.
pub async fn latest(db: &Db, limit: u64) -> Result<Vec<BatchRow>, DbError> {
    store::latest_batches(db, limit).await
}

/// A batch with what blocks its undo. Reads only, with plain SELECTs (no
/// transaction, no lock): the blockers come from the same checks the undo
/// makes before it writes.
pub async fn review(db: &Db, id: BatchId) -> Result<BatchReview, UndoError> {
    let batch = store::batch(db, id).await?.ok_or(UndoError::NotFound(id))?;
    let mut conn = Conn::Db(db);
    let orders = store::batch_orders(&mut conn, id).await?;
    let units = store::batch_units(&mut conn, id).await?;
    let blockers = blockers(&mut conn, &batch, &orders, &units, false).await?;
    Ok(BatchReview {
        id,
        created_at: batch.created_at,
        archive_location: batch.archive_location,
        undone_at: batch.undone_at,
        orders: orders.into_iter().map(|o| o.platform_order_id).collect(),
        units: units
            .into_iter()
            .map(|u| ReviewUnit {
                inventory_item_id: u.inventory_item_id,
                order_id: u.order_id,
                previous_status: u.previous_status,
                previous_location: u.previous_location,
            })
            .collect(),
        blockers,
    })
}

/// Undoes a batch in one transaction, or changes nothing.
pub async fn undo(db: &Db, id: BatchId, by: Option<UserId>) -> Result<BatchReview, UndoError> {
    let batch = store::batch(db, id).await?.ok_or(UndoError::NotFound(id))?;
    let mut tx = db.begin().await?;
    if !store::mark_undone(&mut tx, id, by).await? {
        return Err(UndoError::Blocked(undo_blockers(true, "", &[], &[])));
    }
    let (orders, units) = {
        let mut conn = Conn::Tx(&mut tx);
        let orders = store::batch_orders(&mut conn, id).await?;
        let units = store::batch_units(&mut conn, id).await?;
        // Locked: nothing can change the units between these checks and
        // the writes below.
        let blockers = blockers(&mut conn, &batch, &orders, &units, true).await?;
        if !blockers.is_empty() {
            return Err(UndoError::Blocked(blockers));
        }
        (orders, units)
    };
    if !apply(&mut tx, &batch.archive_location, &orders, &units).await? {
        return Err(UndoError::Blocked(vec![UndoBlocker::ChangedDuringUndo]));
    }
    let entry = audit::Entry {
        user: by,
        action: "confirmation_undo",
        entity_type: "confirmation_batch",
        entity_id: Some(id.to_string()),
        details: json!({
            "orders": orders.iter().map(|o| &o.platform_order_id).collect::<Vec<_>>(),
            "units": units.iter().map(|u| u.inventory_item_id).collect::<Vec<_>>(),
        }),
    };
    let unit_entries = units.iter().map(|u| audit::Entry {
        user: by,
        action: "inventory_unsold",
        entity_type: "inventory_item",
        entity_id: Some(u.inventory_item_id.to_string()),
        details: json!({
            "order": orders.iter().find(|o| o.order_id == u.order_id).map(|o| &o.platform_order_id),
            "batch": id, "status": u.previous_status,
            "from": batch.archive_location, "to": u.previous_location,
        }),
    });
    let entries: Vec<audit::Entry<'_>> = std::iter::once(entry).chain(unit_entries).collect();
    audit::record_many(&mut tx, &entries).await?;
    tx.commit().await?;
    review(db, id).await
}

/// Reads how the batch's units and orders are now and applies the undo
/// rules to them. `lock` (in the undo's transaction) locks the units.
async fn blockers(
    conn: &mut Conn<'_>,
    batch: &BatchRow,
    orders: &[ConfirmedOrderRow],
    units: &[ConfirmedUnitRow],
    lock: bool,
) -> Result<Vec<UndoBlocker>, DbError> {
    if batch.undone_at.is_some() {
        return Ok(undo_blockers(true, &batch.archive_location, &[], &[]));
    }
    let unit_ids: Vec<InventoryItemId> = units.iter().map(|u| u.inventory_item_id).collect();
    let now: HashMap<InventoryItemId, UnitState> = store::unit_states(conn, &unit_ids, lock)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let links: HashSet<(OrderItemId, InventoryItemId)> = store::links_of_units(conn, &unit_ids)
        .await?
        .into_iter()
        .map(|l| (l.order_item_id, l.inventory_item_id))
        .collect();
    let with_fees = fees::fees_for_units(conn, &unit_ids).await?;
    let order_ids: Vec<OrderId> = orders.iter().map(|o| o.order_id).collect();
    let workflow: HashMap<OrderId, Option<WorkflowStatus>> =
        store::workflow_statuses(conn, &order_ids)
            .await?
            .into_iter()
            .collect();
    let unit_facts: Vec<UnitUndoFacts> = units
        .iter()
        .map(|u| UnitUndoFacts {
            unit: u.inventory_item_id,
            link_created: u.link_created,
            confirmed_updated_at: u.confirmed_updated_at,
            now: now
                .get(&u.inventory_item_id)
                .map(|n| (n.status, n.updated_at, n.storage_location.clone())),
            link_present: links.contains(&(u.order_item_id, u.inventory_item_id)),
            has_fees: with_fees.contains_key(&u.inventory_item_id),
        })
        .collect();
    let order_facts: Vec<OrderUndoFacts> = orders
        .iter()
        .map(|o| OrderUndoFacts {
            platform_order_id: o.platform_order_id.clone(),
            workflow_status: workflow.get(&o.order_id).copied().flatten(),
        })
        .collect();
    Ok(undo_blockers(
        false,
        &batch.archive_location,
        &unit_facts,
        &order_facts,
    ))
}

/// Writes the undo into `tx`. Every write keeps the conditions the
/// blockers checked, as the last guard; `false` when one found its row
/// changed (then the caller must not commit).
async fn apply(
    tx: &mut Tx,
    archive_location: &str,
    orders: &[ConfirmedOrderRow],
    units: &[ConfirmedUnitRow],
) -> Result<bool, DbError> {
    for u in units {
        if !store::restore_unit(tx, u, archive_location).await? {
            return Ok(false);
        }
        if u.link_created && !store::delete_link(tx, u.order_item_id, u.inventory_item_id).await? {
            return Ok(false);
        }
    }
    for o in orders {
        if !store::restore_order(tx, o).await? {
            return Ok(false);
        }
        refresh_match_counts(tx, Refresh::Orders(&[o.order_id])).await?;
    }
    Ok(true)
}
