//! The writes of a confirmation: one order's transaction (links, units
//! sold, the batch's record, audit, order Completed), and what a failure
//! in it is reported as.

use std::collections::HashSet;

use serde_json::json;

use super::prefetch::{Prefetched, Prepared, check_open};
use super::{Confirmed, OrderFailure};
use crate::db::confirmations::{self as store, Sale, UnitLink, UnitState};
use crate::db::links::{self, LinkMethod};
use crate::db::{Clash, Conn, Db, DbError, Tx, audit, now};
use crate::domain::confirmation::{self as rules, Unsellable};
use crate::domain::{BatchId, InventoryItemId, OrderItemId, UserId, WorkflowStatus};

/// Why an order's transaction stopped.
enum Failure {
    /// Report this.
    Order(OrderFailure),
    /// Writing the links broke a uniqueness rule: explained after the
    /// rollback, from what committed meanwhile.
    Link(DbError),
}

impl From<OrderFailure> for Failure {
    fn from(failure: OrderFailure) -> Self {
        Failure::Order(failure)
    }
}

impl From<Unsellable> for Failure {
    fn from(why: Unsellable) -> Self {
        Failure::Order(why.into())
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::Order(storage_failure(e))
    }
}

impl From<DbError> for OrderFailure {
    fn from(e: DbError) -> Self {
        storage_failure(e)
    }
}

/// Confirms one order in its own transaction.
pub(super) async fn confirm_one(
    db: &Db,
    batch: BatchId,
    archive: &str,
    read: &Prefetched,
    order: &Prepared<'_>,
    by: Option<UserId>,
) -> Result<Confirmed, OrderFailure> {
    let mut tx = db.begin_deferred().await?;
    match confirm_in(&mut tx, batch, archive, read, order, by).await {
        Ok(done) => {
            tx.commit().await?;
            Ok(done)
        }
        Err(Failure::Order(failure)) => Err(failure),
        Err(Failure::Link(e)) => {
            drop(tx);
            Err(explain_link_conflict(db, order, e).await)
        }
    }
}

/// The failure a storage error stands for (logged).
fn storage_failure(e: DbError) -> OrderFailure {
    tracing::warn!(error = %e, "confirming an order failed");
    match e {
        DbError::Conflict(Clash::UnitLinked) => OrderFailure::UnitLinkedMeanwhile,
        DbError::Conflict(_) => OrderFailure::LinkedMeanwhile,
        _ => OrderFailure::Storage,
    }
}

/// Names the unit another order took, when one did.
async fn explain_link_conflict(db: &Db, order: &Prepared<'_>, e: DbError) -> OrderFailure {
    let created: Vec<InventoryItemId> = order
        .slots()
        .filter(|(s, _)| s.link_created)
        .map(|(_, t)| t.unit)
        .collect();
    let own: HashSet<OrderItemId> = order.line_ids.iter().copied().collect();
    match store::links_of_units(&mut Conn::Db(db), &created).await {
        Ok(links) => {
            let mut taken: Vec<InventoryItemId> = links
                .iter()
                .filter(|l| !own.contains(&l.order_item_id))
                .map(|l| l.inventory_item_id)
                .collect();
            taken.sort_unstable();
            taken.first().map_or_else(
                || storage_failure(e),
                |&unit| Unsellable::AlreadySold(unit).into(),
            )
        }
        Err(_) => storage_failure(e),
    }
}

async fn confirm_in(
    tx: &mut Tx,
    batch: BatchId,
    archive: &str,
    read: &Prefetched,
    p: &Prepared<'_>,
    by: Option<UserId>,
) -> Result<Confirmed, Failure> {
    // The order row first, locked: a second request for the same order
    // waits here and then finds it Completed. It is set Completed last, so
    // the status counts its change updates stay locked only until commit.
    let ids = [p.order.reported.platform_order_id.clone()];
    let order = store::order_states(&mut Conn::Tx(&mut *tx), &ids, true)
        .await?
        .pop()
        .ok_or_else(|| OrderFailure::OrderNotFound(p.order.reported.platform_order_id.clone()))?;
    if order.workflow_status == Some(WorkflowStatus::Completed) {
        return Err(OrderFailure::ConfirmedMeanwhile.into());
    }
    check_open(&order)?;
    let new_links: Vec<(OrderItemId, i64, InventoryItemId)> = p
        .slots()
        .filter(|(s, _)| s.link_created)
        .map(|(s, t)| (t.line, s.unit_index, t.unit))
        .collect();
    links::insert_many(tx, &new_links, LinkMethod::Confirm, by)
        .await
        .map_err(Failure::Link)?;
    let at = now();
    let mut states: Vec<UnitState> = p
        .targets
        .iter()
        .filter_map(|t| read.units.get(&t.unit).cloned())
        .collect();
    if !sell(tx, p, &states, archive, at).await? {
        // A unit changed since it was read (edited, or sold through an
        // older link): read the units again, locked, and try once more.
        let ids: Vec<InventoryItemId> = p.targets.iter().map(|t| t.unit).collect();
        states = store::unit_states(&mut Conn::Tx(&mut *tx), &ids, true).await?;
        for (s, t) in p.slots() {
            let unit = states
                .iter()
                .find(|u| u.id == t.unit)
                .ok_or(OrderFailure::UnitNotFound(s.unit))?;
            if let Some(why) = rules::unsellable(s.unit, unit.status) {
                return Err(why.into());
            }
        }
        if !sell(tx, p, &states, archive, at).await? {
            return Err(OrderFailure::UnitsChangedMeanwhile.into());
        }
    }
    let recorded: Vec<(UnitLink, &UnitState)> = p
        .slots()
        .zip(&states)
        .map(|((s, t), state)| {
            (
                UnitLink {
                    order_id: order.id,
                    order_item_id: t.line,
                    unit_index: s.unit_index,
                    link_created: s.link_created,
                },
                state,
            )
        })
        .collect();
    store::record_units(tx, batch, &recorded, at).await?;
    store::record_order(tx, batch, &order).await?;
    let warnings = rules::warnings(&p.lines, &p.slots);
    let units_json: Vec<serde_json::Value> = recorded
        .iter()
        .map(|(link, state)| {
            json!({
                "unit": state.id, "order_item_id": link.order_item_id, "unit_index": link.unit_index,
                "previous_status": state.status, "previous_location": state.storage_location,
            })
        })
        .collect();
    let entry = audit::Entry {
        user: by,
        action: "order_confirm",
        entity_type: "order",
        entity_id: Some(order.reported.platform_order_id.clone()),
        details: json!({ "batch": batch, "archive_location": archive, "units": units_json, "warnings": warnings }),
    };
    // Each unit's own History says it was sold; one statement for all.
    let unit_entries = recorded.iter().map(|(link, state)| audit::Entry {
        user: by,
        action: "inventory_sold",
        entity_type: "inventory_item",
        entity_id: Some(state.id.to_string()),
        details: json!({
            "order": order.reported.platform_order_id, "batch": batch,
            "price_minor": p.prices.get(&link.order_item_id).copied().flatten().map(|m| m.minor),
            "from": state.storage_location, "to": archive,
        }),
    });
    let entries: Vec<audit::Entry<'_>> = std::iter::once(entry).chain(unit_entries).collect();
    audit::record_many(tx, &entries).await?;
    // Cannot miss while the row is locked (on SQLite, the database).
    if !store::complete_order(tx, &order).await? {
        return Err(OrderFailure::OrderChangedMeanwhile.into());
    }
    Ok(Confirmed {
        order_id: order.reported.platform_order_id.clone(),
        units: p.slots.iter().map(|s| s.unit).collect(),
        warnings,
    })
}

/// Sells the order's units as `states` say they were (in slot order);
/// `false` when any of them was not as read.
async fn sell(
    tx: &mut Tx,
    p: &Prepared<'_>,
    states: &[UnitState],
    archive: &str,
    at: time::OffsetDateTime,
) -> Result<bool, DbError> {
    let sales: Vec<Sale<'_>> = p
        .targets
        .iter()
        .zip(states)
        .map(|(t, unit)| Sale {
            unit,
            price: p.prices.get(&t.line).copied().flatten(),
        })
        .collect();
    let sold = store::sell_units(
        tx,
        &sales,
        &p.line_ids,
        archive,
        &p.order.reported.platform_order_id,
        at,
    )
    .await?;
    Ok(sold == p.slots.len() as u64 && states.len() == p.slots.len())
}
