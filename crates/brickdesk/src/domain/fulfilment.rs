//! Which unit fills each unit of each order line, for the picking list and
//! Confirm Orders Processed: the unit already linked, else the FIFO
//! recommendation (never the same unit for two lines of one plan), else
//! nothing, with the reason.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::fifo::{self, Unit};
use super::{Condition, InventoryItemId};

/// What the plan needs to know about one order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    /// Units ordered.
    pub quantity: i64,
    /// Units already linked, by unit index (0-based).
    pub linked: Vec<(i64, InventoryItemId)>,
    /// Whether the line has an ASIN at all.
    pub has_asin: bool,
    /// Set number and condition its ASIN maps to, when mapped.
    pub mapping: Option<(String, Condition)>,
    /// Whether Amazon fulfils its order (FBA): units at Amazon's
    /// warehouses fill it first.
    pub from_amazon: bool,
}

/// Why a unit of a line has no unit to fill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unfilled {
    /// Amazon sent no ASIN.
    NoAsin,
    /// The ASIN maps to no set.
    NoMapping,
    /// Mapped, but no sellable unlinked unit is left.
    NoStock,
}

impl Unfilled {
    /// The words shown to the user.
    pub fn message(self) -> &'static str {
        match self {
            Unfilled::NoAsin => "No ASIN on Amazon order - cannot link to inventory",
            Unfilled::NoMapping => "ASIN not mapped to a set - link it in the ASIN matcher",
            Unfilled::NoStock => "No sellable unit of this set and condition in stock",
        }
    }
}

/// How one unit of a line is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Linked already.
    Linked(InventoryItemId),
    /// The FIFO recommendation (nothing written).
    Recommended(InventoryItemId),
    /// Nothing can fill it.
    Unfilled(Unfilled),
}

impl Fill {
    /// The unit, when there is one.
    pub fn unit(self) -> Option<InventoryItemId> {
        match self {
            Fill::Linked(u) | Fill::Recommended(u) => Some(u),
            Fill::Unfilled(_) => None,
        }
    }
}

/// Fills every unit of every line, in the order given (put the oldest
/// orders first: they get the oldest units). `stock` holds the candidate
/// units; a unit linked to any line must be marked `linked` there or be
/// absent. Returns one `Fill` per unit index, `quantity` long, per line.
pub fn plan(lines: &[PlanLine], stock: &[Unit]) -> Vec<Vec<Fill>> {
    let mut by_set: HashMap<(&str, Condition), Vec<Unit>> = HashMap::new();
    for unit in stock {
        by_set
            .entry((unit.set_number.as_str(), unit.condition))
            .or_default()
            .push(unit.clone());
    }
    let mut taken: HashSet<InventoryItemId> = lines
        .iter()
        .flat_map(|l| l.linked.iter().map(|(_, u)| *u))
        .collect();
    lines
        .iter()
        .map(|line| {
            let quantity = usize::try_from(line.quantity.max(0)).unwrap_or(0);
            let mut fills = vec![None; quantity];
            for (index, unit) in &line.linked {
                if let Some(slot) = usize::try_from(*index).ok().and_then(|i| fills.get_mut(i)) {
                    *slot = Some(Fill::Linked(*unit));
                }
            }
            let open = fills.iter().filter(|f| f.is_none()).count();
            let mut recommended = match (&line.mapping, line.has_asin) {
                (Some((set, condition)), true) => {
                    let units = by_set
                        .get(&(set.as_str(), *condition))
                        .map_or(&[][..], Vec::as_slice);
                    let set_line = (set.as_str(), *condition);
                    fifo::recommend(units, set_line, line.from_amazon, open, &mut taken).into_iter()
                }
                _ => Vec::new().into_iter(),
            };
            let reason = if !line.has_asin {
                Unfilled::NoAsin
            } else if line.mapping.is_none() {
                Unfilled::NoMapping
            } else {
                Unfilled::NoStock
            };
            fills
                .into_iter()
                .map(|f| {
                    f.unwrap_or_else(|| {
                        recommended
                            .next()
                            .map_or(Fill::Unfilled(reason), Fill::Recommended)
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InventoryStatus;
    use time::macros::datetime;

    fn id(n: i64) -> InventoryItemId {
        InventoryItemId::new(n).unwrap_or_else(|e| panic!("{e}"))
    }

    fn unit(n: i64, day: u8) -> Unit {
        Unit {
            id: id(n),
            created_at: datetime!(2026-01-01 0:00 UTC)
                .replace_day(day)
                .unwrap_or_else(|e| panic!("{e}")),
            set_number: "75192".into(),
            condition: Condition::New,
            status: InventoryStatus::Listed,
            linked: false,
            at_amazon: false,
        }
    }

    fn line(quantity: i64, linked: Vec<(i64, InventoryItemId)>) -> PlanLine {
        PlanLine {
            quantity,
            linked,
            has_asin: true,
            mapping: Some(("75192".into(), Condition::New)),
            from_amazon: false,
        }
    }

    #[test]
    fn linked_first_then_fifo_never_twice_then_no_stock() {
        let stock = [unit(1, 3), unit(2, 1), unit(3, 2)];
        let lines = [line(2, vec![(1, id(3))]), line(2, vec![])];
        let got = plan(&lines, &stock);
        assert_eq!(
            got,
            [
                vec![Fill::Recommended(id(2)), Fill::Linked(id(3))],
                vec![Fill::Recommended(id(1)), Fill::Unfilled(Unfilled::NoStock)],
            ]
        );
    }

    #[test]
    fn reasons_for_unfilled_lines() {
        let stock = [unit(1, 1)];
        let mut no_asin = line(1, vec![]);
        no_asin.has_asin = false;
        let mut unmapped = line(1, vec![]);
        unmapped.mapping = None;
        assert_eq!(
            plan(&[no_asin, unmapped], &stock),
            [
                vec![Fill::Unfilled(Unfilled::NoAsin)],
                vec![Fill::Unfilled(Unfilled::NoMapping)],
            ]
        );
    }
}
