//! Fulfilment of Amazon orders: the picking list and Confirm Orders
//! Processed (with its review and undo). Both start from the same plan:
//! the open orders, oldest first, and for every unit of every line the
//! unit linked to it, else the FIFO recommendation, else why none.

pub mod confirm;
pub mod picklist;
pub mod undo;

use std::collections::{BTreeSet, HashMap};

use crate::db::fulfilment;
pub use crate::db::fulfilment::Scope;
use crate::db::inventory::InventoryRow;
use crate::db::orders::{Order, OrderLine, lines_for_orders, links_for_items};
use crate::db::{Db, DbError};
use crate::domain::fifo::Unit;
use crate::domain::fulfilment::{Fill, PlanLine, plan};
use crate::domain::location::FbaPrefix;
use crate::domain::{
    Condition, FulfillmentChannel, InventoryItemId, OrderId, OrderItemId, UiStatus,
};

/// Ids per query: far below either engine's bound-parameter limit.
const CHUNK: usize = 2_000;

/// Where the unit filling one unit of a line comes from, as the picking
/// list and the confirm API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FillSource {
    /// A unit linked to the line.
    Linked,
    /// The FIFO recommendation.
    Recommended,
    /// Nothing fills it.
    Unmatched,
}

impl FillSource {
    /// The source of `fill`.
    pub fn of(fill: &Fill) -> FillSource {
        match fill {
            Fill::Linked(_) => FillSource::Linked,
            Fill::Recommended(_) => FillSource::Recommended,
            Fill::Unfilled(_) => FillSource::Unmatched,
        }
    }

    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FillSource::Linked => "linked",
            FillSource::Recommended => "recommended",
            FillSource::Unmatched => "unmatched",
        }
    }
}

/// A line and how each of its units is filled.
#[derive(Debug, Clone)]
pub struct PlannedLine {
    /// The line.
    pub line: OrderLine,
    /// Set and condition its ASIN maps to.
    pub mapping: Option<(String, Condition)>,
    /// One entry per unit of the line.
    pub fills: Vec<Fill>,
    /// Whether Amazon fulfils its order (FBA).
    pub from_amazon: bool,
}

/// An order and its planned lines.
#[derive(Debug, Clone)]
pub struct PlannedOrder {
    /// The order.
    pub order: Order,
    /// Its lines.
    pub lines: Vec<PlannedLine>,
}

/// The plan for some open orders.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Orders, oldest first.
    pub orders: Vec<PlannedOrder>,
    /// Every unit the plan mentions, by id.
    pub units: HashMap<InventoryItemId, InventoryRow>,
    /// Sellable, unlinked units of the mapped sets, in FIFO order (the
    /// dialog's candidate lists).
    pub stock: Vec<InventoryRow>,
    /// The location prefix that names Amazon's warehouses.
    pub fba: FbaPrefix,
}

/// Most other units offered for one line.
pub const MAX_CANDIDATES: usize = 20;

impl Plan {
    /// The sellable units a person may choose for `line` instead of the
    /// recommended ones: its mapped set and condition, oldest first, at
    /// most [`MAX_CANDIDATES`]; for an FBA line those at Amazon's
    /// warehouses first, for a line the seller ships none of those.
    pub fn candidates<'a>(
        &'a self,
        line: &'a PlannedLine,
    ) -> impl Iterator<Item = &'a InventoryRow> {
        let same_set = self.stock.iter().filter(move |u| {
            line.mapping.as_ref().is_some_and(|(set, cond)| {
                &u.details.set_number == set && u.details.condition == *cond
            })
        });
        let near = move |u: &&InventoryRow| self.at_amazon(u) == line.from_amazon;
        let fallback = same_set
            .clone()
            .filter(move |u| line.from_amazon && !near(u));
        same_set.filter(near).chain(fallback).take(MAX_CANDIDATES)
    }

    fn at_amazon(&self, unit: &InventoryRow) -> bool {
        unit.details
            .storage_location
            .as_deref()
            .is_some_and(|l| self.fba.names(l))
    }
}

/// Plans the Amazon orders in `statuses` (optionally only some order ids).
/// Reads only.
pub async fn load_plan(db: &Db, statuses: &[UiStatus], scope: Scope<'_>) -> Result<Plan, DbError> {
    let orders = fulfilment::amazon_orders(db, statuses, scope).await?;
    let order_ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let mut lines = Vec::new();
    for chunk in order_ids.chunks(CHUNK) {
        lines.extend(lines_for_orders(db, chunk).await?);
    }
    let line_ids: Vec<OrderItemId> = lines.iter().map(|l| l.id).collect();
    let mut links = Vec::new();
    for chunk in line_ids.chunks(CHUNK) {
        links.extend(links_for_items(db, chunk).await?);
    }
    let asins: Vec<String> = lines
        .iter()
        .filter_map(|l| l.reported.asin.as_deref().map(str::trim))
        .filter(|a| !a.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut mappings: HashMap<String, (String, Condition)> = HashMap::new();
    for chunk in asins.chunks(CHUNK) {
        for (asin, set, condition) in fulfilment::mappings_for(db, chunk).await? {
            mappings.insert(asin, (set, condition));
        }
    }
    let sets: Vec<String> = mappings
        .values()
        .map(|(s, _)| s.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut stock = Vec::new();
    for chunk in sets.chunks(CHUNK) {
        stock.extend(fulfilment::sellable_units(db, chunk).await?);
    }

    let mut units: HashMap<InventoryItemId, InventoryRow> =
        stock.iter().map(|u| (u.id, u.clone())).collect();
    let mut linked_by_line: HashMap<OrderItemId, Vec<(i64, InventoryItemId)>> = HashMap::new();
    for l in links {
        linked_by_line
            .entry(l.order_item_id)
            .or_default()
            .push((l.unit_index, l.unit.id));
        units.insert(l.unit.id, l.unit);
    }
    let fba = crate::db::settings::fba_prefix(db).await?;
    let fifo_units: Vec<Unit> = stock
        .iter()
        .map(|u| Unit {
            id: u.id,
            created_at: u.created_at,
            set_number: u.details.set_number.clone(),
            condition: u.details.condition,
            status: u.details.status,
            linked: false,
            at_amazon: u
                .details
                .storage_location
                .as_deref()
                .is_some_and(|l| fba.names(l)),
        })
        .collect();
    let from_amazon: HashMap<OrderId, bool> = orders
        .iter()
        .map(|o| {
            (
                o.id,
                !FulfillmentChannel::seller_ships(o.reported.fulfillment_channel),
            )
        })
        .collect();
    // Lines in order of their orders (oldest first), then line id.
    let position: HashMap<OrderId, usize> = order_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    lines.sort_by_key(|l| (position.get(&l.order_id).copied(), l.id));
    let plan_lines: Vec<PlanLine> = lines
        .iter()
        .map(|l| {
            let asin = l
                .reported
                .asin
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty());
            PlanLine {
                quantity: l.reported.quantity,
                linked: linked_by_line.remove(&l.id).unwrap_or_default(),
                has_asin: asin.is_some(),
                mapping: asin.and_then(|a| mappings.get(a).cloned()),
                from_amazon: from_amazon.get(&l.order_id).copied().unwrap_or(false),
            }
        })
        .collect();
    let fills = plan(&plan_lines, &fifo_units);
    let mut by_order: HashMap<OrderId, Vec<PlannedLine>> = HashMap::new();
    for ((line, pl), fills) in lines.into_iter().zip(plan_lines).zip(fills) {
        by_order
            .entry(line.order_id)
            .or_default()
            .push(PlannedLine {
                line,
                mapping: pl.mapping,
                fills,
                from_amazon: pl.from_amazon,
            });
    }
    let orders = orders
        .into_iter()
        .map(|order| PlannedOrder {
            lines: by_order.remove(&order.id).unwrap_or_default(),
            order,
        })
        .collect();
    Ok(Plan {
        orders,
        units,
        stock,
        fba,
    })
}
