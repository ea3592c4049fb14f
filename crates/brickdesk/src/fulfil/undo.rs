//! Reviewing and undoing a confirmation batch: units back to their
//! previous status, location and sold fields, the links the confirmation
//! wrote removed, orders back to their previous workflow status. Refused,
//! with the reasons, when anything changed those records since.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::db::confirmations::{self as store, BatchRow, ConfirmedOrderRow, ConfirmedUnitRow};
use crate::db::orders::{Refresh, refresh_match_counts};
use crate::db::{Db, DbError, Tx, audit, fees};
use crate::domain::{OrderId, UserId};

/// A batch with its orders, units and what blocks its undo.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReview {
    /// Batch id.
    pub id: i64,
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
    pub blockers: Vec<String>,
}

/// A unit of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewUnit {
    /// The unit.
    pub inventory_item_id: i64,
    /// Order row id.
    pub order_id: i64,
    /// Status before.
    pub previous_status: String,
    /// Location before.
    pub previous_location: Option<String>,
}

/// Why an undo was refused.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No such batch.
    #[error("confirmation batch {0} not found")]
    NotFound(i64),
    /// Something depends on the batch.
    #[error("This confirmation cannot be undone: {}", .0.join("; "))]
    Blocked(Vec<String>),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The latest batches.
pub async fn latest(db: &Db, limit: u64) -> Result<Vec<BatchRow>, DbError> {
    store::latest_batches(db, limit).await
}

/// A batch with what blocks its undo. Reads only: the undo is tried in a
/// transaction that is always rolled back.
pub async fn review(db: &Db, id: i64) -> Result<BatchReview, UndoError> {
    let batch = store::batch(db, id).await?.ok_or(UndoError::NotFound(id))?;
    let mut tx = db.begin().await?;
    let orders = store::batch_orders(&mut tx, id).await?;
    let units = store::batch_units(&mut tx, id).await?;
    let blockers = if batch.undone_at.is_some() {
        vec!["it was undone already".to_owned()]
    } else {
        apply(&mut tx, &batch.archive_location, &orders, &units).await?
    };
    drop(tx);
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
pub async fn undo(db: &Db, id: i64, by: Option<UserId>) -> Result<BatchReview, UndoError> {
    let batch = store::batch(db, id).await?.ok_or(UndoError::NotFound(id))?;
    let mut tx = db.begin().await?;
    if !store::mark_undone(&mut tx, id, by).await? {
        return Err(UndoError::Blocked(vec!["it was undone already".into()]));
    }
    let orders = store::batch_orders(&mut tx, id).await?;
    let units = store::batch_units(&mut tx, id).await?;
    let blockers = apply(&mut tx, &batch.archive_location, &orders, &units).await?;
    if !blockers.is_empty() {
        return Err(UndoError::Blocked(blockers));
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
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    review(db, id).await
}

/// Writes the undo into `tx`; returns what blocked it (then the caller
/// must not commit).
async fn apply(
    tx: &mut Tx,
    archive_location: &str,
    orders: &[ConfirmedOrderRow],
    units: &[ConfirmedUnitRow],
) -> Result<Vec<String>, DbError> {
    let mut blockers = Vec::new();
    // Fee data is kept beside the unit, not on it: check it by itself, or
    // an undo would leave Amazon's fees on a unit back on the shelf.
    let ids: Vec<i64> = units.iter().map(|u| u.inventory_item_id).collect();
    let mut with_fees: Vec<i64> = fees::fees_for_units(&mut fees::Conn::Tx(tx), &ids)
        .await?
        .into_keys()
        .collect();
    with_fees.sort_unstable();
    for id in with_fees {
        blockers.push(format!(
            "inventory item {id} has Amazon fees reconciled onto it"
        ));
    }
    for u in units {
        if !store::restore_unit(tx, u, archive_location).await? {
            blockers.push(format!(
                "inventory item {} changed after the confirmation (edited, returned, relinked or given fee data)",
                u.inventory_item_id
            ));
        }
        if u.link_created && !store::delete_link(tx, u.order_item_id, u.inventory_item_id).await? {
            blockers.push(format!(
                "the link of inventory item {} was removed or changed since",
                u.inventory_item_id
            ));
        }
    }
    for o in orders {
        if !store::restore_order(tx, o).await? {
            blockers.push(format!(
                "order {} is no longer Completed",
                o.platform_order_id
            ));
        }
        if let Ok(id) = OrderId::new(o.order_id) {
            refresh_match_counts(tx, Refresh::Order(id)).await?;
        }
    }
    Ok(blockers)
}
