//! Writes a [`DemoPlan`] beside the synced orders in one transaction:
//! mappings, units, the confirmed orders' links and sold units (with the
//! same conditional writes Confirm Orders Processed makes), the other
//! platforms' orders, and the marker that the demo is complete.

use std::collections::HashMap;

use time_tz::Tz;

use super::generate::DemoPlan;
use crate::db::Conn;
use crate::db::confirmations::{self as sell, Sale};
use crate::db::inventory::{NewUnit, insert_statement};
use crate::db::links::{self, LinkMethod};
use crate::db::orders::{self, Refresh};
use crate::db::{self, Db, DbError, Tx};
use crate::domain::location::archive_location;
use crate::domain::{InventoryItemId, OrderId, OrderItemId};

/// Units per INSERT (16 values each, well under both engines' limits).
const UNITS_PER_INSERT: usize = 500;

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Units (on shelves and sold).
    pub units: usize,
    /// Units sold by confirmed orders.
    pub sold: usize,
    /// Orders of other platforms.
    pub imported: usize,
}

/// Writes `plan` and sets `done_key` in one transaction.
pub async fn write(db: &Db, plan: &DemoPlan, tz: &Tz, done_key: &str) -> Result<Written, DbError> {
    let confirmed_ids: Vec<String> = plan.confirmed.iter().map(|c| c.order_id.clone()).collect();
    let states = sell::order_states(&mut Conn::Db(db), &confirmed_ids, false).await?;
    let row_of: HashMap<&str, &orders::Order> = states
        .iter()
        .map(|s| (s.reported.platform_order_id.as_str(), s))
        .collect();
    let rows: Vec<OrderId> = states.iter().map(|s| s.id).collect();
    let line_of: HashMap<(OrderId, String), OrderItemId> = orders::lines_for_orders(db, &rows)
        .await?
        .into_iter()
        .map(|l| ((l.order_id, l.reported.platform_item_id), l.id))
        .collect();

    let mut tx = db.begin().await?;
    for (asin, set_number, condition) in &plan.mappings {
        db::mappings::upsert(&mut tx, asin, set_number, *condition).await?;
    }
    let sold_units: Vec<&NewUnit> = plan
        .confirmed
        .iter()
        .flat_map(|c| c.lines.iter().flat_map(|l| &l.units))
        .collect();
    insert_units(&mut tx, plan.stock.iter()).await?;
    let sold_ids = insert_units(&mut tx, sold_units.iter().copied()).await?;

    // Links, then each order's units sold and the order completed.
    let mut next_unit = sold_ids.iter().copied();
    let mut links = Vec::new();
    let mut per_order = Vec::new();
    for c in &plan.confirmed {
        let order = row_of
            .get(c.order_id.as_str())
            .ok_or(DbError::NotFound("confirmed demo order"))?;
        let mut line_ids = Vec::new();
        let mut units = Vec::new();
        for line in &c.lines {
            let line_id = *line_of
                .get(&(order.id, line.order_item_id.clone()))
                .ok_or(DbError::NotFound("confirmed demo order line"))?;
            line_ids.push(line_id);
            for index in 0..line.units.len() {
                let unit = next_unit.next().ok_or(DbError::NotFound("demo unit"))?;
                links.push((line_id, index as i64, unit));
                units.push((unit, line.unit_price));
            }
        }
        per_order.push((c, *order, line_ids, units));
    }
    for chunk in links.chunks(UNITS_PER_INSERT) {
        links::insert_many(&mut tx, chunk, LinkMethod::Confirm, None).await?;
    }
    let unit_states = sell::unit_states(&mut Conn::Tx(&mut tx), &sold_ids, false).await?;
    let state_of: HashMap<InventoryItemId, &sell::UnitState> =
        unit_states.iter().map(|u| (u.id, u)).collect();
    for (c, order, line_ids, units) in &per_order {
        let sales: Vec<Sale<'_>> = units
            .iter()
            .filter_map(|(id, price)| {
                state_of.get(id).map(|&unit| Sale {
                    unit,
                    price: Some(*price),
                })
            })
            .collect();
        let location = archive_location(c.confirmed_at, tz);
        let sold = sell::sell_units(
            &mut tx,
            &sales,
            line_ids,
            &location,
            &c.order_id,
            c.confirmed_at,
        )
        .await?;
        if sold != units.len() as u64 || !sell::complete_order(&mut tx, order).await? {
            return Err(DbError::Conflict(crate::db::Clash::Changed));
        }
    }

    for (order, items) in &plan.imported {
        let id = orders::upsert_order(&mut tx, order).await?;
        for item in items {
            orders::upsert_item(&mut tx, id, item).await?;
        }
        orders::refresh_order(&mut tx, id).await?;
    }
    // The mappings came after the synced lines: every line's match status
    // and every order's counts are recomputed once.
    orders::refresh_match_counts(&mut tx, Refresh::All).await?;
    db::settings::set(&mut tx, done_key, &db::now().unix_timestamp().to_string()).await?;
    tx.commit().await?;
    Ok(Written {
        units: plan.stock.len() + sold_ids.len(),
        sold: sold_ids.len(),
        imported: plan.imported.len(),
    })
}

/// Inserts units with multi-row statements; their ids in input order.
async fn insert_units<'u>(
    tx: &mut Tx,
    units: impl Iterator<Item = &'u NewUnit>,
) -> Result<Vec<InventoryItemId>, DbError> {
    let units: Vec<&NewUnit> = units.collect();
    let at = db::now();
    let mut ids = Vec::with_capacity(units.len());
    for chunk in units.chunks(UNITS_PER_INSERT) {
        let rows: Vec<(InventoryItemId,)> =
            tx.all(&insert_statement(chunk.iter().copied(), at)).await?;
        // Ids are drawn in row order, but RETURNING may list them in any
        // order: sorted, they line up with the rows.
        let mut new: Vec<InventoryItemId> = rows.into_iter().map(|(id,)| id).collect();
        new.sort_unstable();
        ids.extend(new);
    }
    Ok(ids)
}
