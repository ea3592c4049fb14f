//! The Amazon picking list: the units to take off the shelves for every
//! Paid order the seller ships (not FBA), grouped by storage location in
//! natural order, and the lines nothing can fill. Building it writes
//! nothing.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use time_tz::{OffsetDateTimeExt, TimeZone, Tz};

use super::{FillSource, Plan, Scope, load_plan};
use crate::db::{Db, DbError};
use crate::domain::fulfilment::Fill;
use crate::domain::location::natural_cmp;
use crate::domain::{InventoryItemId, UiStatus};
use crate::pdf::{self, PdfError};

/// One row: some units of one line from one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PickRow {
    /// Storage location (none: no location recorded).
    pub location: Option<String>,
    /// Set number of the unit(s).
    pub set_number: Option<String>,
    /// ASIN of the line.
    pub asin: Option<String>,
    /// Item name (the Amazon title of the line).
    pub item_name: String,
    /// Units to pick.
    pub quantity: i64,
    /// Amazon order id.
    pub order_id: String,
    /// Linked, recommended or unmatched.
    pub source: FillSource,
    /// The units (empty for unmatched rows).
    pub unit_ids: Vec<InventoryItemId>,
    /// Why nothing fills an unmatched row.
    pub reason: Option<&'static str>,
}

/// The rows of one storage location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PickGroup {
    /// Location (none: the "No location" group, always last).
    pub location: Option<String>,
    /// Heading shown.
    pub label: String,
    /// Units in the group.
    pub units: i64,
    /// Rows.
    pub rows: Vec<PickRow>,
}

/// The whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PickList {
    /// Title.
    pub title: String,
    /// When it was made, in the seller's time zone.
    pub generated_at: String,
    /// Orders on the list.
    pub orders: usize,
    /// Units ordered on those orders.
    pub units: i64,
    /// Units with a unit to pick.
    pub units_to_pick: i64,
    /// Groups by location, natural order, no location last.
    pub groups: Vec<PickGroup>,
    /// Units nothing can fill.
    pub unmatched: Vec<PickRow>,
}

/// Builds the list of the Paid Amazon orders the seller ships (Amazon
/// ships FBA orders from its own warehouses).
pub async fn build(db: &Db, tz: &Tz, at: OffsetDateTime) -> Result<PickList, DbError> {
    let plan = load_plan(db, &[UiStatus::Paid], Scope::SellerShips).await?;
    Ok(from_plan(&plan, tz, at))
}

/// Typesets a list as PDF.
pub fn to_pdf(list: &PickList) -> Result<Vec<u8>, PdfError> {
    pdf::render(pdf::PICKING_LIST, list)
}

/// Builds the list from a plan (pure).
pub fn from_plan(plan: &Plan, tz: &Tz, at: OffsetDateTime) -> PickList {
    let mut by_location: BTreeMap<Option<String>, Vec<PickRow>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    let mut units = 0;
    for order in &plan.orders {
        for pl in &order.lines {
            units += pl.line.reported.quantity.max(0);
            let title = pl
                .line
                .reported
                .title
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| "Unknown Item".to_owned());
            // Units of the line that share a source and a location make one row.
            let mut rows: Vec<PickRow> = Vec::new();
            for fill in &pl.fills {
                let source = FillSource::of(fill);
                let info = fill.unit().and_then(|u| plan.units.get(&u));
                let reason = match fill {
                    Fill::Unfilled(why) => Some(why.message()),
                    Fill::Linked(_) | Fill::Recommended(_) => None,
                };
                let location = info
                    .and_then(|u| u.details.storage_location.clone())
                    .filter(|l| !l.trim().is_empty());
                let set_number = info
                    .map(|u| u.details.set_number.clone())
                    .or_else(|| pl.mapping.as_ref().map(|(s, _)| s.clone()));
                let id = fill.unit();
                if let Some(row) = rows.iter_mut().find(|r| {
                    r.source == source && r.location == location && r.set_number == set_number
                }) {
                    row.quantity += 1;
                    row.unit_ids.extend(id);
                } else {
                    rows.push(PickRow {
                        location,
                        set_number,
                        asin: pl.line.reported.asin.clone(),
                        item_name: title.clone(),
                        quantity: 1,
                        order_id: order.order.reported.platform_order_id.clone(),
                        source,
                        unit_ids: id.into_iter().collect(),
                        reason,
                    });
                }
            }
            for row in rows {
                if row.source == FillSource::Unmatched {
                    unmatched.push(row);
                } else {
                    by_location
                        .entry(row.location.clone())
                        .or_default()
                        .push(row);
                }
            }
        }
    }
    let mut groups: Vec<PickGroup> = by_location
        .into_iter()
        .map(|(location, mut rows)| {
            rows.sort_by(|a, b| {
                a.set_number
                    .cmp(&b.set_number)
                    .then_with(|| a.order_id.cmp(&b.order_id))
            });
            PickGroup {
                label: location.clone().unwrap_or_else(|| "No location".to_owned()),
                units: rows.iter().map(|r| r.quantity).sum(),
                location,
                rows,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        natural_cmp(
            a.location.as_deref().unwrap_or(""),
            b.location.as_deref().unwrap_or(""),
        )
    });
    let local = at.to_timezone(tz);
    PickList {
        title: "Amazon Picking List".to_owned(),
        generated_at: format!(
            "{:04}-{:02}-{:02} {:02}:{:02} ({})",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            tz.name()
        ),
        orders: plan.orders.len(),
        units,
        units_to_pick: groups.iter().map(|g| g.units).sum(),
        groups,
        unmatched,
    }
}
