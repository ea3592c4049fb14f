//! The reads of a confirmation: everything its orders need, a few queries
//! for the whole request, and each order checked against them before any
//! transaction starts.

use std::collections::{HashMap, HashSet};

use super::{ELIGIBLE, LineChoice, OrderFailure};
use crate::db::confirmations::{self as store, LinkState, UnitState};
use crate::db::orders::{Order, OrderLine};
use crate::db::{Conn, Db, DbError};
use crate::domain::confirmation::{self as rules, ConfirmLine, Slot, Unsellable};
use crate::domain::{InventoryItemId, Money, OrderId, OrderItemId};

/// What a request's orders need, read before any of them is written.
pub(super) struct Prefetched {
    orders: HashMap<String, Order>,
    /// Lines by order.
    lines: HashMap<OrderId, Vec<OrderLine>>,
    /// Links of each order's lines, by order.
    links: HashMap<OrderId, Vec<LinkState>>,
    /// Chosen units linked to any line, by unit.
    linked: HashMap<InventoryItemId, LinkState>,
    /// The units as read.
    pub(super) units: HashMap<InventoryItemId, UnitState>,
}

/// The rows a slot names, as typed ids (found among what was read).
#[derive(Debug, Clone, Copy)]
pub(super) struct Target {
    /// The line.
    pub(super) line: OrderItemId,
    /// The unit.
    pub(super) unit: InventoryItemId,
}

/// An order ready to be written.
pub(super) struct Prepared<'a> {
    /// The order as read.
    pub(super) order: &'a Order,
    /// Its lines, as the rules see them.
    pub(super) lines: Vec<ConfirmLine>,
    /// The order's lines.
    pub(super) line_ids: Vec<OrderItemId>,
    /// Unit price of each line.
    pub(super) prices: HashMap<OrderItemId, Option<Money>>,
    /// Where each chosen unit goes.
    pub(super) slots: Vec<Slot>,
    /// The rows of each slot, in slot order.
    pub(super) targets: Vec<Target>,
}

impl Prepared<'_> {
    /// The slots with their typed rows.
    pub(super) fn slots(&self) -> impl Iterator<Item = (&Slot, Target)> {
        self.slots.iter().zip(self.targets.iter().copied())
    }
}

impl Prefetched {
    /// Reads the orders, lines, links and units of a whole request.
    pub(super) async fn read(
        db: &Db,
        choices: &[(String, Vec<LineChoice>)],
    ) -> Result<Self, DbError> {
        let mut conn = Conn::Db(db);
        let ids: Vec<String> = choices.iter().map(|(o, _)| o.clone()).collect();
        // The orders are read last: a confirmation that commits while these
        // reads run then shows as a Completed order, not as links or units
        // this request did not expect.
        let lines = store::order_lines(&mut conn, &ids).await?;
        let line_ids: Vec<OrderItemId> = lines.iter().map(|l| l.id).collect();
        let order_of: HashMap<OrderItemId, OrderId> =
            lines.iter().map(|l| (l.id, l.order_id)).collect();
        let links = store::links_of_lines(&mut conn, &line_ids).await?;
        let chosen: Vec<InventoryItemId> = choices
            .iter()
            .flat_map(|(_, ls)| ls.iter().flat_map(|l| l.units.iter().copied()))
            .collect();
        let linked = store::links_of_units(&mut conn, &chosen).await?;
        let unit_ids: Vec<InventoryItemId> = chosen
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
                .map(|o| (o.reported.platform_order_id.clone(), o))
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
    pub(super) fn prepare(
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
                id: l.id,
                title: l.reported.title.clone(),
                quantity: l.reported.quantity,
            })
            .collect();
        let existing: Vec<_> = self
            .links
            .get(&order.id)
            .into_iter()
            .flatten()
            .map(|l| (l.order_item_id, l.unit_index, l.inventory_item_id))
            .collect();
        let slots = rules::assign(&lines, &existing, choices, order_id)?;
        let mut targets = Vec::with_capacity(slots.len());
        for s in &slots {
            if s.link_created && self.linked.contains_key(&s.unit) {
                return Err(Unsellable::AlreadySold(s.unit).into());
            }
            let unit = self
                .units
                .get(&s.unit)
                .ok_or(OrderFailure::UnitNotFound(s.unit))?;
            if let Some(why) = rules::unsellable(s.unit, unit.status) {
                return Err(why.into());
            }
            // `assign` places units only on the order's own lines.
            let line = rows
                .iter()
                .map(|l| l.id)
                .find(|&l| l == s.order_item_id)
                .ok_or(OrderFailure::Storage)?;
            targets.push(Target { line, unit: s.unit });
        }
        Ok(Prepared {
            order,
            prices: rows.iter().map(|l| (l.id, l.reported.unit_price)).collect(),
            line_ids: rows.iter().map(|l| l.id).collect(),
            lines,
            slots,
            targets,
        })
    }
}

/// Refuses an order that is completed or not Paid/Shipped.
pub(super) fn check_open(order: &Order) -> Result<(), OrderFailure> {
    if order.workflow_status.is_some() || !ELIGIBLE.contains(&order.ui_status) {
        return Err(OrderFailure::NotOpen(order.ui_status.to_string()));
    }
    Ok(())
}
