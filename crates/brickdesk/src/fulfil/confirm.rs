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

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use serde::Serialize;
use serde_json::json;

use super::{Plan, Scope, load_plan};
use crate::db::confirmations::{self as store, LinkState, Sale, UnitLink, UnitState};
use crate::db::links::{self, LinkMethod};
use crate::db::orders::{Order, OrderLine};
use crate::db::{Backend, Db, DbError, Tx, audit, now};
use crate::db::{Clash, Conn};
use crate::domain::confirmation::{
    self as rules, ChoiceError, ConfirmLine, LineSkipped, RequestError, Slot, Unsellable,
};
pub use crate::domain::confirmation::{LineChoice, OrderChoice};
use crate::domain::location::{LocationError, parse_location};
use crate::domain::{OrderId, UiStatus, UserId, WorkflowStatus};

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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Confirmed {
    /// Amazon order id.
    pub order_id: String,
    /// Units sold.
    pub units: Vec<i64>,
    /// Lines skipped, and why.
    pub warnings: Vec<LineSkipped>,
}

/// An order that was not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    UnitNotFound(i64),
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

impl Serialize for OrderFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
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
        .filter(|o| o.order.platform_order_id == order_id)
        .flat_map(|o| &o.lines)
        .map(|l| LineChoice {
            item_id: l.line.id.get(),
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

/// What a request's orders need, read before any of them is written.
struct Prefetched {
    orders: HashMap<String, Order>,
    /// Lines by order.
    lines: HashMap<OrderId, Vec<OrderLine>>,
    /// Links of each order's lines, by order.
    links: HashMap<OrderId, Vec<LinkState>>,
    /// Chosen units linked to any line, by unit.
    linked: HashMap<i64, LinkState>,
    units: HashMap<i64, UnitState>,
}

/// An order ready to be written.
struct Prepared<'a> {
    order: &'a Order,
    lines: Vec<ConfirmLine>,
    prices: HashMap<i64, Option<i64>>,
    slots: Vec<Slot>,
}

impl Prefetched {
    async fn read(db: &Db, choices: &[(String, Vec<LineChoice>)]) -> Result<Self, DbError> {
        let mut conn = Conn::Db(db);
        let ids: Vec<String> = choices.iter().map(|(o, _)| o.clone()).collect();
        // The orders are read last: a confirmation that commits while these
        // reads run then shows as a Completed order, not as links or units
        // this request did not expect.
        let lines = store::order_lines(&mut conn, &ids).await?;
        let line_ids: Vec<i64> = lines.iter().map(|l| l.id.get()).collect();
        let order_of: HashMap<i64, OrderId> =
            lines.iter().map(|l| (l.id.get(), l.order_id)).collect();
        let links = store::links_of_lines(&mut conn, &line_ids).await?;
        let chosen: Vec<i64> = choices
            .iter()
            .flat_map(|(_, ls)| ls.iter().flat_map(|l| l.units.iter().copied()))
            .collect();
        let linked = store::links_of_units(&mut conn, &chosen).await?;
        let unit_ids: Vec<i64> = chosen
            .iter()
            .copied()
            .chain(links.iter().map(|l| l.inventory_item_id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let units = store::unit_states(&mut conn, &unit_ids, false).await?;
        let orders = store::order_states(&mut conn, &ids, false).await?;
        let mut read = Prefetched {
            orders: orders
                .into_iter()
                .map(|o| (o.platform_order_id.clone(), o))
                .collect(),
            lines: HashMap::new(),
            links: HashMap::new(),
            linked: linked
                .into_iter()
                .map(|l| (l.inventory_item_id, l))
                .collect(),
            units: units.into_iter().map(|u| (u.id, u)).collect(),
        };
        for l in lines {
            read.lines.entry(l.order_id).or_default().push(l);
        }
        for l in links {
            if let Some(order) = order_of.get(&l.order_item_id) {
                read.links.entry(*order).or_default().push(l);
            }
        }
        Ok(read)
    }

    /// Checks an order against what was read: failures found here need no
    /// transaction.
    fn prepare(
        &self,
        order_id: &str,
        choices: &[LineChoice],
    ) -> Result<Prepared<'_>, OrderFailure> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| OrderFailure::OrderNotFound(order_id.to_owned()))?;
        check_open(order)?;
        let rows = self.lines.get(&order.id).map_or(&[][..], Vec::as_slice);
        let lines: Vec<ConfirmLine> = rows
            .iter()
            .map(|l| ConfirmLine {
                id: l.id.get(),
                title: l.title.clone(),
                quantity: l.quantity,
            })
            .collect();
        let existing: Vec<(i64, i64, i64)> = self
            .links
            .get(&order.id)
            .into_iter()
            .flatten()
            .map(|l| (l.order_item_id, l.unit_index, l.inventory_item_id))
            .collect();
        let slots = rules::assign(&lines, &existing, choices, order_id)?;
        for s in &slots {
            if s.link_created && self.linked.contains_key(&s.unit) {
                return Err(Unsellable::AlreadySold(s.unit).into());
            }
            let unit = self
                .units
                .get(&s.unit)
                .ok_or(OrderFailure::UnitNotFound(s.unit))?;
            if let Some(why) = rules::unsellable(s.unit, &unit.status) {
                return Err(why.into());
            }
        }
        Ok(Prepared {
            order,
            prices: rows
                .iter()
                .map(|l| (l.id.get(), l.unit_price_minor))
                .collect(),
            lines,
            slots,
        })
    }
}

fn check_open(order: &Order) -> Result<(), OrderFailure> {
    if order.workflow_status.is_some() || !ELIGIBLE.contains(&order.ui_status) {
        return Err(OrderFailure::NotOpen(order.ui_status.to_string()));
    }
    Ok(())
}

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

async fn confirm_one(
    db: &Db,
    batch: i64,
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
    let created: Vec<i64> = order
        .slots
        .iter()
        .filter(|s| s.link_created)
        .map(|s| s.unit)
        .collect();
    let own: HashSet<i64> = order.lines.iter().map(|l| l.id).collect();
    match store::links_of_units(&mut Conn::Db(db), &created).await {
        Ok(links) => {
            let mut taken: Vec<i64> = links
                .iter()
                .filter(|l| !own.contains(&l.order_item_id))
                .map(|l| l.inventory_item_id)
                .collect();
            taken.sort_unstable();
            taken.first().map_or_else(
                || storage_failure(e),
                |unit| Unsellable::AlreadySold(*unit).into(),
            )
        }
        Err(_) => storage_failure(e),
    }
}

async fn confirm_in(
    tx: &mut Tx,
    batch: i64,
    archive: &str,
    read: &Prefetched,
    p: &Prepared<'_>,
    by: Option<UserId>,
) -> Result<Confirmed, Failure> {
    // The order row first, locked: a second request for the same order
    // waits here and then finds it Completed. It is set Completed last, so
    // the status counts its change updates stay locked only until commit.
    let ids = [p.order.platform_order_id.clone()];
    let order = store::order_states(&mut Conn::Tx(&mut *tx), &ids, true)
        .await?
        .pop()
        .ok_or_else(|| OrderFailure::OrderNotFound(p.order.platform_order_id.clone()))?;
    if order.workflow_status == Some(WorkflowStatus::Completed) {
        return Err(OrderFailure::ConfirmedMeanwhile.into());
    }
    check_open(&order)?;
    let new_links: Vec<(i64, i64, i64)> = p
        .slots
        .iter()
        .filter(|s| s.link_created)
        .map(|s| (s.order_item_id, s.unit_index, s.unit))
        .collect();
    links::insert_many(tx, &new_links, LinkMethod::Confirm, by)
        .await
        .map_err(Failure::Link)?;
    let at = now();
    let mut states: Vec<UnitState> = p
        .slots
        .iter()
        .filter_map(|s| read.units.get(&s.unit).cloned())
        .collect();
    if !sell(tx, p, &states, archive, at).await? {
        // A unit changed since it was read (edited, or sold through an
        // older link): read the units again, locked, and try once more.
        let ids: Vec<i64> = p.slots.iter().map(|s| s.unit).collect();
        states = store::unit_states(&mut Conn::Tx(&mut *tx), &ids, true).await?;
        for s in &p.slots {
            let unit = states
                .iter()
                .find(|u| u.id == s.unit)
                .ok_or(OrderFailure::UnitNotFound(s.unit))?;
            if let Some(why) = rules::unsellable(s.unit, &unit.status) {
                return Err(why.into());
            }
        }
        if !sell(tx, p, &states, archive, at).await? {
            return Err(OrderFailure::UnitsChangedMeanwhile.into());
        }
    }
    let recorded: Vec<(UnitLink, &UnitState)> = p
        .slots
        .iter()
        .zip(&states)
        .map(|(s, state)| {
            (
                UnitLink {
                    order_id: order.id.get(),
                    order_item_id: s.order_item_id,
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
        entity_id: Some(order.platform_order_id.clone()),
        details: json!({ "batch": batch, "archive_location": archive, "units": units_json, "warnings": warnings }),
    };
    // Each unit's own History says it was sold; one statement for all.
    let unit_entries = recorded.iter().map(|(link, state)| audit::Entry {
        user: by,
        action: "inventory_sold",
        entity_type: "inventory_item",
        entity_id: Some(state.id.to_string()),
        details: json!({
            "order": order.platform_order_id, "batch": batch,
            "price_minor": p.prices.get(&link.order_item_id).copied().flatten(),
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
        order_id: order.platform_order_id.clone(),
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
        .slots
        .iter()
        .zip(states)
        .map(|(s, unit)| Sale {
            unit,
            price_minor: p.prices.get(&s.order_item_id).copied().flatten(),
        })
        .collect();
    let line_ids: Vec<i64> = p.lines.iter().map(|l| l.id).collect();
    let sold = store::sell_units(
        tx,
        &sales,
        &line_ids,
        archive,
        &p.order.platform_order_id,
        at,
    )
    .await?;
    Ok(sold == p.slots.len() as u64 && states.len() == p.slots.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, units: &[i64]) -> (String, Vec<LineChoice>) {
        let lines = vec![LineChoice {
            item_id: 1,
            units: units.to_vec(),
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
