//! FIFO: which physical unit fills a matched order line.

use std::collections::HashSet;

use time::OffsetDateTime;

use super::InventoryItemId;
use super::inventory::{Condition, InventoryStatus};

/// What FIFO needs to know about a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The unit's id (tie-breaker).
    pub id: InventoryItemId,
    /// When the unit was added; oldest goes first.
    pub created_at: OffsetDateTime,
    /// LEGO set number.
    pub set_number: String,
    /// Condition.
    pub condition: Condition,
    /// Lifecycle status.
    pub status: InventoryStatus,
    /// Whether some order line is already linked to it.
    pub linked: bool,
    /// Whether it sits at one of Amazon's warehouses (an FBA location).
    pub at_amazon: bool,
}

/// Whether a unit may be recommended for a line of this set and condition.
pub fn is_candidate(unit: &Unit, set_number: &str, condition: Condition) -> bool {
    unit.set_number == set_number
        && unit.condition == condition
        && unit.status.is_sellable()
        && !unit.linked
}

/// Recommends `count` units for one line: the oldest candidates by
/// (created_at, id), skipping units in `taken` (already recommended for
/// other lines of the same list) and adding the chosen ones to it. A line
/// Amazon fulfils (`from_amazon`) takes units at Amazon's warehouses
/// first and falls back to the seller's shelves; a line the seller ships
/// never takes a unit at Amazon's warehouse (the seller cannot pick it).
pub fn recommend(
    units: &[Unit],
    line: (&str, Condition),
    from_amazon: bool,
    count: usize,
    taken: &mut HashSet<InventoryItemId>,
) -> Vec<InventoryItemId> {
    let (set_number, condition) = line;
    let mut candidates: Vec<&Unit> = units
        .iter()
        .filter(|u| is_candidate(u, set_number, condition) && !taken.contains(&u.id))
        .filter(|u| from_amazon || !u.at_amazon)
        .collect();
    candidates.sort_by_key(|u| (u.at_amazon != from_amazon, u.created_at, u.id));
    let chosen: Vec<InventoryItemId> = candidates.into_iter().take(count).map(|u| u.id).collect();
    taken.extend(chosen.iter().copied());
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Date;
    use time::macros::date;

    /// A Listed or other unit of set 75192 (New), added on `day`.
    fn unit(id: i64, day: Date, status: InventoryStatus, linked: bool) -> Unit {
        Unit {
            id: InventoryItemId::new(id).unwrap_or_else(|e| panic!("{e}")),
            created_at: day.midnight().assume_utc(),
            set_number: "75192".into(),
            condition: Condition::New,
            status,
            linked,
            at_amazon: false,
        }
    }

    fn ids(v: &[InventoryItemId]) -> Vec<i64> {
        v.iter().map(|i| i.get()).collect()
    }

    #[test]
    fn oldest_sellable_unlinked_first_ties_by_id() {
        use InventoryStatus::{Backlog, Listed, NotYetReceived, Sold};
        let units = vec![
            unit(5, date!(2026 - 01 - 03), Listed, false),
            unit(4, date!(2026 - 01 - 01), Sold, false),
            unit(3, date!(2026 - 01 - 02), Backlog, false),
            unit(2, date!(2026 - 01 - 02), Listed, false),
            unit(1, date!(2025 - 12 - 01), Listed, true),
            unit(6, date!(2025 - 11 - 01), NotYetReceived, false),
        ];
        let mut taken = HashSet::new();
        let got = recommend(&units, ("75192", Condition::New), false, 2, &mut taken);
        assert_eq!(ids(&got), [2, 3]);
        let next = recommend(&units, ("75192", Condition::New), false, 5, &mut taken);
        assert_eq!(ids(&next), [5], "a unit is never recommended twice");
    }

    #[test]
    fn set_and_condition_must_match() {
        let mut used = unit(1, date!(2026 - 01 - 01), InventoryStatus::Listed, false);
        used.condition = Condition::Used;
        let mut other = unit(2, date!(2026 - 01 - 01), InventoryStatus::Listed, false);
        other.set_number = "10294".into();
        let mut taken = HashSet::new();
        assert!(
            recommend(
                &[used, other],
                ("75192", Condition::New),
                false,
                1,
                &mut taken
            )
            .is_empty()
        );
    }

    #[test]
    fn fba_lines_take_units_at_amazon_first_and_others_the_shelves() {
        use InventoryStatus::Listed;
        let at_amazon = |mut u: Unit| {
            u.at_amazon = true;
            u
        };
        let units = vec![
            unit(1, date!(2026 - 01 - 01), Listed, false),
            at_amazon(unit(2, date!(2026 - 01 - 02), Listed, false)),
            unit(3, date!(2026 - 01 - 03), Listed, false),
            at_amazon(unit(4, date!(2026 - 01 - 04), Listed, false)),
        ];
        let line = ("75192", Condition::New);
        let mut taken = HashSet::new();
        assert_eq!(ids(&recommend(&units, line, true, 1, &mut taken)), [2]);
        assert_eq!(ids(&recommend(&units, line, false, 1, &mut taken)), [1]);
        // The seller's line never takes a unit at Amazon; an FBA line falls
        // back to the shelves, oldest first.
        let mut other = taken.clone();
        assert_eq!(ids(&recommend(&units, line, false, 3, &mut other)), [3]);
        assert_eq!(ids(&recommend(&units, line, true, 3, &mut taken)), [4, 3]);
    }
}
