//! Rules of Confirm Orders Processed that need no storage: what a request
//! may ask for, which unit index of a line each chosen unit fills, the
//! warnings for lines left partly unlinked, and what blocks the undo of a
//! confirmation (shared by its review and the undo itself, so the two
//! cannot disagree).

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::{InventoryStatus, WorkflowStatus};

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

/// Refuses a request that names an order twice, a line twice within an
/// order, or the same unit twice anywhere: such a request is a client
/// mistake, not a race, so it is rejected whole and up front.
pub fn check_request(orders: &[OrderChoice]) -> Result<(), String> {
    let mut seen_orders = HashSet::new();
    let mut unit_at: HashMap<i64, (&str, i64)> = HashMap::new();
    for o in orders {
        let order = o.order_id.trim();
        if !seen_orders.insert(order) {
            return Err(format!("Order {order} is listed twice"));
        }
        let mut seen_lines = HashSet::new();
        for line in o.lines.iter().flatten() {
            if !seen_lines.insert(line.item_id) {
                return Err(format!(
                    "Order {order}: line {} is listed twice — list each line once with all its units",
                    line.item_id
                ));
            }
            for unit in &line.units {
                if let Some((first_order, first_line)) =
                    unit_at.insert(*unit, (order, line.item_id))
                {
                    return Err(if first_order == order && first_line == line.item_id {
                        format!(
                            "Order {order}, line {}: inventory item {unit} is chosen twice",
                            line.item_id
                        )
                    } else {
                        format!(
                            "Order {order}, line {}: inventory item {unit} is already chosen for order {first_order}, line {first_line}",
                            line.item_id
                        )
                    });
                }
            }
        }
    }
    Ok(())
}

/// A line of an order being confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmLine {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
}

impl ConfirmLine {
    fn title(&self) -> &str {
        self.title.as_deref().unwrap_or("Unknown Item")
    }
}

/// A unit a confirmation sells, and the unit of the line it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Line id.
    pub order_item_id: i64,
    /// Unit index on the line (0-based).
    pub unit_index: i64,
    /// Inventory unit.
    pub unit: i64,
    /// Whether the confirmation writes the link (else it existed).
    pub link_created: bool,
}

/// Fills the free unit indexes of each line with the chosen units, in
/// order, after the units linked already (`existing`: line, index, unit).
/// Returns every unit to sell, ascending by unit id (concurrent requests
/// then lock units in one order and wait for each other instead of
/// deadlocking), or why the choice cannot be confirmed.
pub fn assign(
    lines: &[ConfirmLine],
    existing: &[(i64, i64, i64)],
    choices: &[LineChoice],
    order_id: &str,
) -> Result<Vec<Slot>, String> {
    let mut used: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (item, index, _) in existing {
        used.entry(*item).or_default().insert(*index);
    }
    let mut slots: Vec<Slot> = existing
        .iter()
        .map(|&(order_item_id, unit_index, unit)| Slot {
            order_item_id,
            unit_index,
            unit,
            link_created: false,
        })
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
            let unit_index = free.next().ok_or_else(|| {
                format!(
                    "Too many units chosen for \"{}\" (quantity {})",
                    line.title(),
                    line.quantity
                )
            })?;
            slots.push(Slot {
                order_item_id: line.id,
                unit_index,
                unit: *unit,
                link_created: true,
            });
        }
    }
    if slots.is_empty() {
        return Err(
            "No linked items — link at least one line to inventory before confirming".into(),
        );
    }
    slots.sort_by_key(|s| s.unit);
    Ok(slots)
}

/// One warning per line with units left unlinked (they are skipped).
pub fn warnings(lines: &[ConfirmLine], slots: &[Slot]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            let n = slots.iter().filter(|s| s.order_item_id == l.id).count() as i64;
            (n < l.quantity).then(|| {
                format!(
                    "\"{}\": {} of {} units not linked — skipped",
                    l.title(),
                    l.quantity - n,
                    l.quantity
                )
            })
        })
        .collect()
}

/// The message for a unit someone else has taken.
pub fn already_sold(unit: i64) -> String {
    format!("Inventory item {unit} already sold — this item has been linked to another order")
}

/// Why a unit cannot be sold now, or `None` when it can.
pub fn unsellable(unit: i64, status: &str) -> Option<String> {
    match InventoryStatus::parse(status) {
        Some(InventoryStatus::Backlog | InventoryStatus::Listed) => None,
        Some(InventoryStatus::Sold) => Some(already_sold(unit)),
        _ => Some(format!(
            "Inventory item {unit} is {status}; only BACKLOG or LISTED units can be sold"
        )),
    }
}

/// A unit of a confirmation batch, as recorded, with how it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitUndoFacts {
    /// The unit.
    pub unit: i64,
    /// Whether the confirmation wrote its link (the undo removes it).
    pub link_created: bool,
    /// updated_at the confirmation wrote.
    pub confirmed_updated_at: OffsetDateTime,
    /// Status, updated_at and location now (`None`: the unit is gone).
    pub now: Option<(String, OffsetDateTime, Option<String>)>,
    /// Whether the link to the line it was confirmed for still exists.
    pub link_present: bool,
    /// Whether Amazon fees are reconciled onto it.
    pub has_fees: bool,
}

/// An order of a confirmation batch with its workflow status now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUndoFacts {
    /// Amazon order id.
    pub platform_order_id: String,
    /// Workflow status now.
    pub workflow_status: Option<WorkflowStatus>,
}

/// Whether a unit is exactly as the confirmation left it: SOLD, in the
/// archive location, with the updated_at it wrote (updated_at has whole
/// seconds: the location also catches an edit within that second). The
/// undo's UPDATE puts the same conditions in its WHERE clause.
pub fn unit_unchanged(facts: &UnitUndoFacts, archive_location: &str) -> bool {
    facts.now.as_ref().is_some_and(|(status, at, location)| {
        status == InventoryStatus::Sold.as_str()
            && *at == facts.confirmed_updated_at
            && location.as_deref() == Some(archive_location)
    })
}

/// What blocks the undo of a batch, in plain words (empty: nothing).
pub fn undo_blockers(
    undone: bool,
    archive_location: &str,
    units: &[UnitUndoFacts],
    orders: &[OrderUndoFacts],
) -> Vec<String> {
    if undone {
        return vec!["it was undone already".to_owned()];
    }
    let mut blockers = Vec::new();
    // Fee data is kept beside the unit, not on it: without this an undo
    // would leave Amazon's fees on a unit back on the shelf.
    let mut with_fees: Vec<i64> = units
        .iter()
        .filter(|u| u.has_fees)
        .map(|u| u.unit)
        .collect();
    with_fees.sort_unstable();
    with_fees.dedup();
    for id in with_fees {
        blockers.push(format!(
            "inventory item {id} has Amazon fees reconciled onto it"
        ));
    }
    for u in units {
        if !unit_unchanged(u, archive_location) {
            blockers.push(format!(
                "inventory item {} changed after the confirmation (edited, returned, relinked or given fee data)",
                u.unit
            ));
        }
        if u.link_created && !u.link_present {
            blockers.push(format!(
                "the link of inventory item {} was removed or changed since",
                u.unit
            ));
        }
    }
    for o in orders {
        if o.workflow_status != Some(WorkflowStatus::Completed) {
            blockers.push(format!(
                "order {} is no longer Completed",
                o.platform_order_id
            ));
        }
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn choice(item_id: i64, units: &[i64]) -> LineChoice {
        LineChoice {
            item_id,
            units: units.to_vec(),
        }
    }

    fn order(id: &str, lines: Vec<LineChoice>) -> OrderChoice {
        OrderChoice {
            order_id: id.into(),
            lines: Some(lines),
        }
    }

    #[test]
    fn request_with_a_line_or_unit_twice_is_refused_naming_order_and_line() {
        let twice_line = [order("O1", vec![choice(7, &[1]), choice(7, &[2])])];
        let err = check_request(&twice_line).expect_err("line twice");
        assert!(err.contains("O1") && err.contains("line 7"), "{err}");
        let twice_unit = [order("O1", vec![choice(7, &[1, 1])])];
        let err = check_request(&twice_unit).expect_err("unit twice");
        assert!(err.contains("O1") && err.contains("line 7") && err.contains("item 1"));
        let across = [
            order("O1", vec![choice(7, &[1])]),
            order("O2", vec![choice(8, &[1])]),
        ];
        let err = check_request(&across).expect_err("unit in two orders");
        assert!(
            err.contains("O2, line 8") && err.contains("order O1, line 7"),
            "{err}"
        );
        let fine = [
            order("O1", vec![choice(7, &[1, 2]), choice(9, &[])]),
            OrderChoice {
                order_id: "O2".into(),
                lines: None,
            },
        ];
        assert_eq!(check_request(&fine), Ok(()));
    }

    fn line(id: i64, quantity: i64) -> ConfirmLine {
        ConfirmLine {
            id,
            title: Some(format!("Line {id}")),
            quantity,
        }
    }

    #[test]
    fn chosen_units_fill_free_indexes_sorted_by_unit() {
        let lines = [line(1, 2), line(2, 1)];
        let slots = assign(
            &lines,
            &[(1, 0, 50)],
            &[choice(1, &[40]), choice(2, &[])],
            "O",
        )
        .expect("assigned");
        assert_eq!(
            slots,
            [
                Slot {
                    order_item_id: 1,
                    unit_index: 1,
                    unit: 40,
                    link_created: true
                },
                Slot {
                    order_item_id: 1,
                    unit_index: 0,
                    unit: 50,
                    link_created: false
                },
            ]
        );
        assert_eq!(
            warnings(&lines, &slots),
            ["\"Line 2\": 1 of 1 units not linked — skipped"]
        );
        let err = assign(&lines, &[], &[choice(2, &[3, 4])], "O").expect_err("too many");
        assert!(err.contains("Too many units"), "{err}");
        let err = assign(&lines, &[(1, 0, 50)], &[choice(1, &[50])], "O").expect_err("twice");
        assert!(err.contains("chosen twice"), "{err}");
        let err = assign(&lines, &[], &[choice(3, &[1])], "O").expect_err("foreign line");
        assert!(err.contains("not part of order O"), "{err}");
        let err = assign(&lines, &[], &[], "O").expect_err("nothing");
        assert!(err.contains("No linked items"), "{err}");
    }

    #[test]
    fn unsellable_units_say_why() {
        assert_eq!(unsellable(1, "LISTED"), None);
        assert_eq!(unsellable(1, "BACKLOG"), None);
        assert!(unsellable(1, "SOLD").is_some_and(|m| m.contains("already sold")));
        assert!(unsellable(1, "RETURNED").is_some_and(|m| m.contains("is RETURNED")));
    }

    #[test]
    fn undo_blockers_name_every_dependency() {
        let at = datetime!(2026-01-05 10:00 UTC);
        let sold = |unit: i64| UnitUndoFacts {
            unit,
            link_created: true,
            confirmed_updated_at: at,
            now: Some(("SOLD".into(), at, Some("SOLD-1".into()))),
            link_present: true,
            has_fees: false,
        };
        let done = OrderUndoFacts {
            platform_order_id: "O1".into(),
            workflow_status: Some(WorkflowStatus::Completed),
        };
        let only_done = std::slice::from_ref(&done);
        assert!(undo_blockers(false, "SOLD-1", &[sold(1)], only_done).is_empty());
        assert_eq!(
            undo_blockers(true, "SOLD-1", &[sold(1)], only_done),
            ["it was undone already"]
        );
        let mut moved = sold(2);
        moved.now = Some(("SOLD".into(), at, Some("RETURNS".into())));
        let mut unlinked = sold(3);
        unlinked.link_present = false;
        let mut fees = sold(4);
        fees.has_fees = true;
        let mut gone = sold(5);
        gone.now = None;
        let reopened = OrderUndoFacts {
            platform_order_id: "O2".into(),
            workflow_status: None,
        };
        let got = undo_blockers(
            false,
            "SOLD-1",
            &[sold(1), moved, unlinked, fees, gone],
            &[done, reopened],
        );
        assert_eq!(
            got,
            [
                "inventory item 4 has Amazon fees reconciled onto it",
                "inventory item 2 changed after the confirmation (edited, returned, relinked or given fee data)",
                "the link of inventory item 3 was removed or changed since",
                "inventory item 5 changed after the confirmation (edited, returned, relinked or given fee data)",
                "order O2 is no longer Completed",
            ]
        );
    }
}
