//! Confirm Orders Processed: each approved order in its own transaction
//! (links written, units SOLD in the archive location, order Completed),
//! failures reported per order while the others go through. Concurrent
//! requests are made safe by the database: the unique constraint on linked
//! units and conditional updates (a unit is sold only while sellable, an
//! order completed only while open).

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::{Plan, load_plan};
use crate::db::confirmations::{self as store, UnitLink};
use crate::db::links::{self, LinkMethod};
use crate::db::orders::{Refresh, refresh_match_counts};
use crate::db::{Db, DbError, Tx, audit};
use crate::domain::location::parse_location;
use crate::domain::{InventoryItemId, InventoryStatus, OrderItemId, UiStatus, UserId};

/// UI statuses an order may be confirmed from.
pub const ELIGIBLE: [UiStatus; 2] = [UiStatus::Paid, UiStatus::Shipped];

/// The units chosen for one line (they fill its unlinked units in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChoice {
    /// The line.
    pub item_id: i64,
    /// Units to link and sell.
    pub units: Vec<i64>,
}

/// One approved order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderChoice {
    /// Amazon order id.
    pub order_id: String,
    /// Chosen units per line; `None`: the linked units plus the FIFO
    /// recommendations.
    pub lines: Option<Vec<LineChoice>>,
}

/// A confirmation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    /// Where sold units go (e.g. `SOLD-2026-01`).
    pub archive_location: String,
    /// Approved orders.
    pub orders: Vec<OrderChoice>,
}

/// An order that was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Confirmed {
    /// Amazon order id.
    pub order_id: String,
    /// Units sold.
    pub units: Vec<i64>,
    /// Lines skipped, and why.
    pub warnings: Vec<String>,
}

/// An order that was not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failed {
    /// Amazon order id.
    pub order_id: String,
    /// What went wrong, in plain words.
    pub message: String,
}

/// What a request did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfirmOutcome {
    /// The batch recording it (none when nothing was confirmed).
    pub batch_id: Option<i64>,
    /// Where the units went.
    pub archive_location: String,
    /// Orders confirmed.
    pub confirmed: Vec<Confirmed>,
    /// Orders that failed.
    pub failed: Vec<Failed>,
}

/// Why a whole request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The message for a unit someone else has taken.
pub fn already_sold(unit: i64) -> String {
    format!("Inventory item {unit} already sold — this item has been linked to another order")
}

/// Confirms the approved orders.
pub async fn confirm(
    db: &Db,
    req: &ConfirmRequest,
    by: Option<UserId>,
) -> Result<ConfirmOutcome, ConfirmError> {
    let archive = parse_location(&req.archive_location)
        .map_err(|e| ConfirmError::Invalid(format!("Archive location: {e}")))?;
    if req.orders.is_empty() {
        return Err(ConfirmError::Invalid("No orders approved".into()));
    }
    let mut seen = HashSet::new();
    for o in &req.orders {
        if !seen.insert(o.order_id.trim()) {
            return Err(ConfirmError::Invalid(format!(
                "Order {} is listed twice",
                o.order_id.trim()
            )));
        }
    }
    // Orders without explicit choices take the plan's recommendations,
    // planned together so no unit is recommended twice.
    let unplanned: Vec<String> = req
        .orders
        .iter()
        .filter(|o| o.lines.is_none())
        .map(|o| o.order_id.trim().to_owned())
        .collect();
    let plan = if unplanned.is_empty() {
        Plan::default()
    } else {
        load_plan(db, &ELIGIBLE, Some(&unplanned)).await?
    };
    let batch = store::create_batch(db, by, &archive).await?;
    let mut outcome = ConfirmOutcome {
        batch_id: None,
        archive_location: archive.clone(),
        confirmed: Vec::new(),
        failed: Vec::new(),
    };
    for o in &req.orders {
        let order_id = o.order_id.trim().to_owned();
        let choices = match &o.lines {
            Some(lines) => lines.clone(),
            None => recommended(&plan, &order_id),
        };
        match confirm_one(db, batch, &archive, &order_id, &choices, by).await {
            Ok(done) => outcome.confirmed.push(done),
            Err(message) => outcome.failed.push(Failed { order_id, message }),
        }
    }
    if !outcome.confirmed.is_empty() {
        outcome.batch_id = Some(batch);
    }
    Ok(outcome)
}

/// The plan's recommended (not yet linked) units of an order, per line.
fn recommended(plan: &Plan, order_id: &str) -> Vec<LineChoice> {
    plan.orders
        .iter()
        .filter(|o| o.order.platform_order_id == order_id)
        .flat_map(|o| &o.lines)
        .map(|l| LineChoice {
            item_id: l.line.id,
            units: l
                .fills
                .iter()
                .filter_map(|f| match f {
                    crate::domain::fulfilment::Fill::Recommended(u) => Some(u.get()),
                    _ => None,
                })
                .collect(),
        })
        .collect()
}

async fn confirm_one(
    db: &Db,
    batch: i64,
    archive: &str,
    order_id: &str,
    choices: &[LineChoice],
    by: Option<UserId>,
) -> Result<Confirmed, String> {
    let mut tx = db.begin().await.map_err(storage_failure)?;
    let done = confirm_in(&mut tx, batch, archive, order_id, choices, by).await?;
    tx.commit().await.map_err(storage_failure)?;
    Ok(done)
}

fn storage_failure(e: DbError) -> String {
    tracing::warn!(error = %e, "confirming an order failed");
    match e {
        DbError::Conflict { constraint } if constraint.contains("inventory_item_id") => {
            "An item of this order was linked to another order a moment ago — Retry".to_owned()
        }
        DbError::Conflict { .. } => {
            "This order was linked or confirmed by another request a moment ago — Retry".to_owned()
        }
        _ => "Could not save this order (database error) — Retry".to_owned(),
    }
}

async fn confirm_in(
    tx: &mut Tx,
    batch: i64,
    archive: &str,
    order_id: &str,
    choices: &[LineChoice],
    by: Option<UserId>,
) -> Result<Confirmed, String> {
    let before = store::order_state(tx, order_id)
        .await
        .map_err(storage_failure)?
        .ok_or_else(|| format!("Amazon order {order_id} not found"))?;
    if before.workflow_status.is_some() || !ELIGIBLE.iter().any(|s| s.as_str() == before.ui_status)
    {
        return Err(format!(
            "Order is {}; only Paid or Shipped orders can be confirmed",
            before.ui_status
        ));
    }
    // The order row first: a second request for the same order waits here
    // and then finds it Completed.
    if !store::complete_order(tx, before.id)
        .await
        .map_err(storage_failure)?
    {
        return Err("Order was confirmed by another request a moment ago".into());
    }
    let lines = store::order_lines(tx, before.id)
        .await
        .map_err(storage_failure)?;
    let existing = store::order_links(tx, before.id)
        .await
        .map_err(storage_failure)?;
    let mut used: HashMap<i64, Vec<i64>> = HashMap::new();
    for (item, index, _) in &existing {
        used.entry(*item).or_default().push(*index);
    }
    // (line, unit index, unit, link written now)
    let mut sold: Vec<(i64, i64, i64, bool)> = existing
        .iter()
        .map(|(i, x, u)| (*i, *x, *u, false))
        .collect();
    let mut chosen = HashSet::new();
    for choice in choices {
        let line = lines
            .iter()
            .find(|l| l.id == choice.item_id)
            .ok_or_else(|| format!("Line {} is not part of order {order_id}", choice.item_id))?;
        let taken = used.entry(line.id).or_default();
        let mut free = (0..line.quantity).filter(|i| !taken.contains(i));
        for unit in &choice.units {
            if !chosen.insert(*unit) || existing.iter().any(|(_, _, u)| u == unit) {
                return Err(format!("Inventory item {unit} is chosen twice"));
            }
            let index = free.next().ok_or_else(|| {
                format!(
                    "Too many units chosen for \"{}\" (quantity {})",
                    line.title.as_deref().unwrap_or("Unknown Item"),
                    line.quantity
                )
            })?;
            sold.push((line.id, index, *unit, true));
        }
    }
    if sold.is_empty() {
        return Err(
            "No linked items — link at least one line to inventory before confirming".into(),
        );
    }
    // Ascending unit ids: concurrent requests lock units in one order, so
    // they wait for each other instead of deadlocking.
    sold.sort_by_key(|s| s.2);
    for &(item, index, unit, created) in &sold {
        if created {
            let (item_id, unit_id) = ids(item, unit)?;
            links::insert(tx, item_id, index, unit_id, LinkMethod::Confirm, by)
                .await
                .map_err(|e| match e {
                    DbError::Conflict { constraint }
                        if constraint.contains("inventory_item_id") =>
                    {
                        already_sold(unit)
                    }
                    other => storage_failure(other),
                })?;
        }
    }
    let mut units_json = Vec::new();
    for &(item, index, unit, created) in &sold {
        let state = store::unit_state(tx, unit)
            .await
            .map_err(storage_failure)?
            .ok_or_else(|| format!("Inventory item {unit} not found"))?;
        let price = lines
            .iter()
            .find(|l| l.id == item)
            .and_then(|l| l.unit_price_minor);
        let Some(at) = store::mark_sold(tx, &state, archive, price, order_id)
            .await
            .map_err(storage_failure)?
        else {
            return Err(match InventoryStatus::parse(&state.status) {
                Some(InventoryStatus::Sold) => already_sold(unit),
                _ => format!(
                    "Inventory item {unit} is {}; only BACKLOG or LISTED units can be sold",
                    state.status
                ),
            });
        };
        let link = UnitLink {
            order_id: before.id,
            order_item_id: item,
            unit_index: index,
            link_created: created,
        };
        store::record_unit(tx, batch, link, &state, at)
            .await
            .map_err(storage_failure)?;
        units_json.push(json!({
            "unit": unit, "order_item_id": item, "unit_index": index,
            "previous_status": state.status, "previous_location": state.storage_location,
        }));
    }
    refresh_match_counts(
        tx,
        Refresh::Order(crate::domain::OrderId::new(before.id).map_err(|e| e.to_string())?),
    )
    .await
    .map_err(storage_failure)?;
    store::record_order(tx, batch, &before)
        .await
        .map_err(storage_failure)?;
    let warnings: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let n = sold.iter().filter(|s| s.0 == l.id).count() as i64;
            (n < l.quantity).then(|| {
                format!(
                    "\"{}\": {} of {} units not linked — skipped",
                    l.title.as_deref().unwrap_or("Unknown Item"),
                    l.quantity - n,
                    l.quantity
                )
            })
        })
        .collect();
    let entry = audit::Entry {
        user: by,
        action: "order_confirm",
        entity_type: "order",
        entity_id: Some(order_id.to_owned()),
        details: json!({ "batch": batch, "archive_location": archive, "units": units_json, "warnings": warnings }),
    };
    audit::record(tx, &entry).await.map_err(storage_failure)?;
    Ok(Confirmed {
        order_id: order_id.to_owned(),
        units: sold.iter().map(|s| s.2).collect(),
        warnings,
    })
}

fn ids(item: i64, unit: i64) -> Result<(OrderItemId, InventoryItemId), String> {
    Ok((
        OrderItemId::new(item).map_err(|e| e.to_string())?,
        InventoryItemId::new(unit).map_err(|e| e.to_string())?,
    ))
}
