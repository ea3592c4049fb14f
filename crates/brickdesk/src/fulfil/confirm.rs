//! Confirm Orders Processed: each approved order in its own transaction
//! (links written, units SOLD in the archive location, order Completed),
//! failures reported per order while the others go through.
//!
//! Everything the orders need is read up front, a few queries for the
//! whole request; each order's transaction then writes with a handful of
//! set-based statements whose conditions re-check what was read. Concurrent
//! requests are made safe by the database: the unique constraint on linked
//! units and conditional updates (a unit is sold only while sellable and
//! unchanged, an order completed only while open).

use std::collections::HashSet;

use futures::StreamExt;
use serde::Serialize;

use super::{Plan, Scope, load_plan};
use crate::db::confirmations as store;
use crate::db::{Backend, Db, DbError};
use crate::domain::confirmation::{
    self as rules, ChoiceError, LineSkipped, RequestError, Unsellable,
};
pub use crate::domain::confirmation::{LineChoice, OrderChoice};
use crate::domain::location::{LocationError, parse_location};
use crate::domain::{BatchId, InventoryItemId, UiStatus, UserId};

mod prefetch;
mod write;

use prefetch::Prefetched;
use write::confirm_one;

/// Orders of one request confirmed at the same time on PostgreSQL, each
/// in its own transaction on its own connection (half of the pool).
const ORDERS_AT_ONCE: usize = 8;

/// UI statuses an order may be confirmed from.
pub const ELIGIBLE: [UiStatus; 2] = [UiStatus::Paid, UiStatus::Shipped];

/// A confirmation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    /// Where sold units go (e.g. `SOLD-2026-01`).
    pub archive_location: String,
    /// Approved orders.
    pub orders: Vec<OrderChoice>,
}

/// An order that was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Confirmed {
    /// Amazon order id.
    pub order_id: String,
    /// Units sold.
    pub units: Vec<InventoryItemId>,
    /// Lines skipped, and why.
    pub warnings: Vec<LineSkipped>,
}

/// An order that was not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Failed {
    /// Amazon order id.
    pub order_id: String,
    /// What went wrong (serialized as its sentence).
    pub message: OrderFailure,
}

/// Why one order of a request was not confirmed (the others go on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderFailure {
    /// No such Amazon order.
    #[error("Amazon order {0} not found")]
    OrderNotFound(String),
    /// The order is not open (its UI status).
    #[error("Order is {0}; only Paid or Shipped orders can be confirmed")]
    NotOpen(String),
    /// The chosen units do not fit the order.
    #[error(transparent)]
    Choice(#[from] ChoiceError),
    /// A chosen unit cannot be sold.
    #[error(transparent)]
    Unsellable(#[from] Unsellable),
    /// A chosen unit does not exist.
    #[error("Inventory item {0} not found")]
    UnitNotFound(InventoryItemId),
    /// Another request confirmed the order first.
    #[error("Order was confirmed by another request a moment ago")]
    ConfirmedMeanwhile,
    /// Another request changed the order first.
    #[error("Order was changed by another request a moment ago — Retry")]
    OrderChangedMeanwhile,
    /// A unit was unlinked or linked elsewhere after it was read.
    #[error("An item of this order was unlinked or linked to another order a moment ago — Retry")]
    UnitsChangedMeanwhile,
    /// Another request linked one of the units first.
    #[error("An item of this order was linked to another order a moment ago — Retry")]
    UnitLinkedMeanwhile,
    /// Another request linked or confirmed the order first.
    #[error("This order was linked or confirmed by another request a moment ago — Retry")]
    LinkedMeanwhile,
    /// Storage failed (logged).
    #[error("Could not save this order (database error) — Retry")]
    Storage,
}

crate::domain::sentence_schema!(OrderFailure, "Why the order was not confirmed, in words");

impl Serialize for OrderFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a request did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ConfirmOutcome {
    /// The batch recording it (none when nothing was confirmed).
    pub batch_id: Option<BatchId>,
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
    /// The archive location is not a valid location.
    #[error("Archive location: {0}")]
    ArchiveLocation(LocationError),
    /// The request approves no order.
    #[error("No orders approved")]
    NoOrders,
    /// The request names an order, line or unit twice.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Confirms the approved orders.
pub async fn confirm(
    db: &Db,
    req: &ConfirmRequest,
    by: Option<UserId>,
) -> Result<ConfirmOutcome, ConfirmError> {
    let archive = parse_location(&req.archive_location).map_err(ConfirmError::ArchiveLocation)?;
    if req.orders.is_empty() {
        return Err(ConfirmError::NoOrders);
    }
    rules::check_request(&req.orders)?;
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
        load_plan(db, &ELIGIBLE, Scope::Only(&unplanned)).await?
    };
    let choices: Vec<(String, Vec<LineChoice>)> = req
        .orders
        .iter()
        .map(|o| {
            let order_id = o.order_id.trim().to_owned();
            let lines = match &o.lines {
                Some(lines) => lines.clone(),
                None => recommended(&plan, &order_id),
            };
            (order_id, lines)
        })
        .collect();
    let read = Prefetched::read(db, &choices).await?;
    let batch = store::create_batch(db, by, &archive).await?;
    let mut outcome = ConfirmOutcome {
        batch_id: None,
        archive_location: archive.clone(),
        confirmed: Vec::new(),
        failed: Vec::new(),
    };
    // On PostgreSQL several orders commit at once when they touch disjoint
    // rows. A unit recommended for one order and chosen for another would
    // have both wait on each other's links: such a request goes one order
    // at a time, and the second order finds the unit taken. SQLite has one
    // writer at a time anyway.
    let at_once = match db.backend() {
        Backend::Postgres if units_disjoint(&choices) => ORDERS_AT_ONCE,
        Backend::Postgres | Backend::Sqlite => 1,
    };
    let (read, archive) = (&read, archive.as_str());
    let results: Vec<_> = futures::stream::iter(choices)
        .map(|(order_id, lines)| async move {
            let done = match read.prepare(&order_id, &lines) {
                Ok(order) => confirm_one(db, batch, archive, read, &order, by).await,
                Err(message) => Err(message),
            };
            (order_id, done)
        })
        .buffered(at_once)
        .collect()
        .await;
    for (order_id, done) in results {
        match done {
            Ok(done) => outcome.confirmed.push(done),
            Err(message) => outcome.failed.push(Failed { order_id, message }),
        }
    }
    if !outcome.confirmed.is_empty() {
        // The orders committed without waiting for the disk; this waits
        // once for all of them before the outcome is reported.
        store::seal_batch(db, batch).await?;
        outcome.batch_id = Some(batch);
    }
    Ok(outcome)
}

/// Whether no unit is chosen for more than one order of a request.
fn units_disjoint(choices: &[(String, Vec<LineChoice>)]) -> bool {
    let mut seen = HashSet::new();
    choices
        .iter()
        .flat_map(|(_, lines)| lines.iter().flat_map(|l| &l.units))
        .all(|unit| seen.insert(*unit))
}

/// The plan's recommended (not yet linked) units of an order, per line.
fn recommended(plan: &Plan, order_id: &str) -> Vec<LineChoice> {
    plan.orders
        .iter()
        .filter(|o| o.order.reported.platform_order_id == order_id)
        .flat_map(|o| &o.lines)
        .map(|l| LineChoice {
            item_id: l.line.id,
            units: l
                .fills
                .iter()
                .filter_map(|f| match f {
                    crate::domain::fulfilment::Fill::Recommended(u) => Some(*u),
                    _ => None,
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OrderItemId;

    fn order(id: &str, units: &[i64]) -> (String, Vec<LineChoice>) {
        let lines = vec![LineChoice {
            item_id: OrderItemId::new(1).unwrap(),
            units: units
                .iter()
                .map(|&u| InventoryItemId::new(u).unwrap())
                .collect(),
        }];
        (id.to_owned(), lines)
    }

    #[test]
    fn a_unit_in_two_orders_is_not_disjoint() {
        assert!(units_disjoint(&[order("A", &[1, 2]), order("B", &[3])]));
        assert!(units_disjoint(&[]));
        assert!(!units_disjoint(&[order("A", &[1, 2]), order("B", &[2])]));
    }
}
