//! Rules of Confirm Orders Processed that need no storage: what a request
//! may ask for, which unit index of a line each chosen unit fills, the
//! warnings for lines left partly unlinked, and what blocks the undo of a
//! confirmation (shared by its review and the undo itself, so the two
//! cannot disagree).

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::{InventoryItemId, InventoryStatus, OrderItemId, WorkflowStatus};

/// The units chosen for one line (they fill its unlinked units in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChoice {
    /// The line.
    pub item_id: OrderItemId,
    /// Units to link and sell.
    pub units: Vec<InventoryItemId>,
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

/// Why a whole confirmation request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// An order is listed twice.
    #[error("Order {0} is listed twice")]
    OrderTwice(String),
    /// A line is listed twice within an order.
    #[error("Order {order}: line {line} is listed twice — list each line once with all its units")]
    LineTwice {
        /// Amazon order id.
        order: String,
        /// The line.
        line: OrderItemId,
    },
    /// A unit is chosen twice for the same line.
    #[error("Order {order}, line {line}: inventory item {unit} is chosen twice")]
    UnitTwice {
        /// Amazon order id.
        order: String,
        /// The line.
        line: OrderItemId,
        /// The unit.
        unit: InventoryItemId,
    },
    /// A unit is chosen for two lines.
    #[error(
        "Order {order}, line {line}: inventory item {unit} is already chosen for order {first_order}, line {first_line}"
    )]
    UnitChosenElsewhere {
        /// Amazon order id.
        order: String,
        /// The line.
        line: OrderItemId,
        /// The unit.
        unit: InventoryItemId,
        /// The order it was chosen for first.
        first_order: String,
        /// The line it was chosen for first.
        first_line: OrderItemId,
    },
}

/// Refuses a request that names an order twice, a line twice within an
/// order, or the same unit twice anywhere: such a request is a client
/// mistake, not a race, so it is rejected whole and up front.
pub fn check_request(orders: &[OrderChoice]) -> Result<(), RequestError> {
    let mut seen_orders = HashSet::new();
    let mut unit_at: HashMap<InventoryItemId, (&str, OrderItemId)> = HashMap::new();
    for o in orders {
        let order = o.order_id.trim();
        if !seen_orders.insert(order) {
            return Err(RequestError::OrderTwice(order.to_owned()));
        }
        let mut seen_lines = HashSet::new();
        for line in o.lines.iter().flatten() {
            if !seen_lines.insert(line.item_id) {
                return Err(RequestError::LineTwice {
                    order: order.to_owned(),
                    line: line.item_id,
                });
            }
            for unit in &line.units {
                if let Some((first_order, first_line)) =
                    unit_at.insert(*unit, (order, line.item_id))
                {
                    return Err(if first_order == order && first_line == line.item_id {
                        RequestError::UnitTwice {
                            order: order.to_owned(),
                            line: line.item_id,
                            unit: *unit,
                        }
                    } else {
                        RequestError::UnitChosenElsewhere {
                            order: order.to_owned(),
                            line: line.item_id,
                            unit: *unit,
                            first_order: first_order.to_owned(),
                            first_line,
                        }
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
    pub id: OrderItemId,
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
    pub order_item_id: OrderItemId,
    /// Unit index on the line (0-based).
    pub unit_index: i64,
    /// Inventory unit.
    pub unit: InventoryItemId,
    /// Whether the confirmation writes the link (else it existed).
    pub link_created: bool,
}

/// Why an order's choice of units cannot be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// A chosen line belongs to another order.
    #[error("Line {line} is not part of order {order}")]
    ForeignLine {
        /// The line.
        line: OrderItemId,
        /// Amazon order id.
        order: String,
    },
    /// A unit is chosen twice, or is linked already and chosen again.
    #[error("Inventory item {0} is chosen twice")]
    UnitTwice(InventoryItemId),
    /// More units than the line's quantity.
    #[error("Too many units chosen for \"{title}\" (quantity {quantity})")]
    TooMany {
        /// The line's title.
        title: String,
        /// Units ordered.
        quantity: i64,
    },
    /// No unit at all would be sold.
    #[error("No linked items — link at least one line to inventory before confirming")]
    NothingLinked,
}

/// Fills the free unit indexes of each line with the chosen units, in
/// order, after the units linked already (`existing`: line, index, unit).
/// Returns every unit to sell, ascending by unit id (concurrent requests
/// then lock units in one order and wait for each other instead of
/// deadlocking), or why the choice cannot be confirmed.
pub fn assign(
    lines: &[ConfirmLine],
    existing: &[(OrderItemId, i64, InventoryItemId)],
    choices: &[LineChoice],
    order_id: &str,
) -> Result<Vec<Slot>, ChoiceError> {
    let mut used: HashMap<OrderItemId, HashSet<i64>> = HashMap::new();
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
            .ok_or_else(|| ChoiceError::ForeignLine {
                line: choice.item_id,
                order: order_id.to_owned(),
            })?;
        let taken = used.entry(line.id).or_default();
        let mut free = (0..line.quantity).filter(|i| !taken.contains(i));
        for unit in &choice.units {
            if !chosen.insert(*unit) || existing.iter().any(|(_, _, u)| u == unit) {
                return Err(ChoiceError::UnitTwice(*unit));
            }
            let unit_index = free.next().ok_or_else(|| ChoiceError::TooMany {
                title: line.title().to_owned(),
                quantity: line.quantity,
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
        return Err(ChoiceError::NothingLinked);
    }
    slots.sort_by_key(|s| s.unit);
    Ok(slots)
}

/// A line confirmed with some of its units left unlinked (they are
/// skipped). Serialized as its sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{title}\": {unlinked} of {quantity} units not linked — skipped")]
pub struct LineSkipped {
    /// The line's title.
    pub title: String,
    /// Units left unlinked.
    pub unlinked: i64,
    /// Units ordered.
    pub quantity: i64,
}

super::sentence_schema!(LineSkipped, "Why the line was skipped, in words");

impl serde::Serialize for LineSkipped {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One warning per line with units left unlinked.
pub fn warnings(lines: &[ConfirmLine], slots: &[Slot]) -> Vec<LineSkipped> {
    lines
        .iter()
        .filter_map(|l| {
            let n = slots.iter().filter(|s| s.order_item_id == l.id).count() as i64;
            (n < l.quantity).then(|| LineSkipped {
                title: l.title().to_owned(),
                unlinked: l.quantity - n,
                quantity: l.quantity,
            })
        })
        .collect()
}

/// Why a unit cannot be sold now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsellable {
    /// Someone else has taken it.
    #[error("Inventory item {0} already sold — this item has been linked to another order")]
    AlreadySold(InventoryItemId),
    /// Its status does not allow a sale.
    #[error("Inventory item {unit} is {status}; only BACKLOG or LISTED units can be sold")]
    Status {
        /// The unit.
        unit: InventoryItemId,
        /// Its status as stored.
        status: InventoryStatus,
    },
}

/// Why a unit cannot be sold now, or `None` when it can.
pub fn unsellable(unit: InventoryItemId, status: InventoryStatus) -> Option<Unsellable> {
    match status {
        InventoryStatus::Backlog | InventoryStatus::Listed => None,
        InventoryStatus::Sold => Some(Unsellable::AlreadySold(unit)),
        _ => Some(Unsellable::Status { unit, status }),
    }
}

/// A unit of a confirmation batch, as recorded, with how it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitUndoFacts {
    /// The unit.
    pub unit: InventoryItemId,
    /// Whether the confirmation wrote its link (the undo removes it).
    pub link_created: bool,
    /// updated_at the confirmation wrote.
    pub confirmed_updated_at: OffsetDateTime,
    /// Status, updated_at and location now (`None`: the unit is gone).
    pub now: Option<(InventoryStatus, OffsetDateTime, Option<String>)>,
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
        *status == InventoryStatus::Sold
            && *at == facts.confirmed_updated_at
            && location.as_deref() == Some(archive_location)
    })
}

/// Something that keeps a batch from being undone. Serialized as its
/// sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UndoBlocker {
    /// The batch is undone already.
    #[error("it was undone already")]
    Undone,
    /// Amazon fees are reconciled onto a unit.
    #[error("inventory item {0} has Amazon fees reconciled onto it")]
    HasFees(InventoryItemId),
    /// A unit is not as the confirmation left it.
    #[error(
        "inventory item {0} changed after the confirmation (edited, returned, relinked or given fee data)"
    )]
    UnitChanged(InventoryItemId),
    /// The link the confirmation wrote is gone or different.
    #[error("the link of inventory item {0} was removed or changed since")]
    LinkChanged(InventoryItemId),
    /// An order is no longer Completed.
    #[error("order {0} is no longer Completed")]
    OrderReopened(String),
    /// A write of the undo found its row changed after the checks.
    #[error("the confirmation changed while it was being undone; try again")]
    ChangedDuringUndo,
}

super::sentence_schema!(
    UndoBlocker,
    "What keeps the batch from being undone, in words"
);

impl serde::Serialize for UndoBlocker {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What blocks the undo of a batch (empty: nothing).
pub fn undo_blockers(
    undone: bool,
    archive_location: &str,
    units: &[UnitUndoFacts],
    orders: &[OrderUndoFacts],
) -> Vec<UndoBlocker> {
    if undone {
        return vec![UndoBlocker::Undone];
    }
    let mut blockers = Vec::new();
    // Fee data is kept beside the unit, not on it: without this an undo
    // would leave Amazon's fees on a unit back on the shelf.
    let mut with_fees: Vec<InventoryItemId> = units
        .iter()
        .filter(|u| u.has_fees)
        .map(|u| u.unit)
        .collect();
    with_fees.sort_unstable();
    with_fees.dedup();
    for id in with_fees {
        blockers.push(UndoBlocker::HasFees(id));
    }
    for u in units {
        if !unit_unchanged(u, archive_location) {
            blockers.push(UndoBlocker::UnitChanged(u.unit));
        }
        if u.link_created && !u.link_present {
            blockers.push(UndoBlocker::LinkChanged(u.unit));
        }
    }
    for o in orders {
        if o.workflow_status != Some(WorkflowStatus::Completed) {
            blockers.push(UndoBlocker::OrderReopened(o.platform_order_id.clone()));
        }
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn item(id: i64) -> OrderItemId {
        OrderItemId::new(id).unwrap()
    }

    fn unit(id: i64) -> InventoryItemId {
        InventoryItemId::new(id).unwrap()
    }

    fn choice(item_id: i64, units: &[i64]) -> LineChoice {
        LineChoice {
            item_id: item(item_id),
            units: units.iter().copied().map(unit).collect(),
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
        let err = check_request(&twice_line)
            .expect_err("line twice")
            .to_string();
        assert!(err.contains("O1") && err.contains("line 7"), "{err}");
        let twice_unit = [order("O1", vec![choice(7, &[1, 1])])];
        let err = check_request(&twice_unit)
            .expect_err("unit twice")
            .to_string();
        assert!(err.contains("O1") && err.contains("line 7") && err.contains("item 1"));
        let across = [
            order("O1", vec![choice(7, &[1])]),
            order("O2", vec![choice(8, &[1])]),
        ];
        let err = check_request(&across)
            .expect_err("unit in two orders")
            .to_string();
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
            id: item(id),
            title: Some(format!("Line {id}")),
            quantity,
        }
    }

    #[test]
    fn chosen_units_fill_free_indexes_sorted_by_unit() {
        let lines = [line(1, 2), line(2, 1)];
        let slots = assign(
            &lines,
            &[(item(1), 0, unit(50))],
            &[choice(1, &[40]), choice(2, &[])],
            "O",
        )
        .expect("assigned");
        assert_eq!(
            slots,
            [
                Slot {
                    order_item_id: item(1),
                    unit_index: 1,
                    unit: unit(40),
                    link_created: true
                },
                Slot {
                    order_item_id: item(1),
                    unit_index: 0,
                    unit: unit(50),
                    link_created: false
                },
            ]
        );
        let said: Vec<String> = warnings(&lines, &slots)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(said, ["\"Line 2\": 1 of 1 units not linked — skipped"]);
        let words = |choices: &[LineChoice], existing: &[(i64, i64, i64)]| {
            let existing: Vec<_> = existing
                .iter()
                .map(|&(line, index, u)| (item(line), index, unit(u)))
                .collect();
            assign(&lines, &existing, choices, "O")
                .expect_err("refused")
                .to_string()
        };
        let err = words(&[choice(2, &[3, 4])], &[]);
        assert!(err.contains("Too many units"), "{err}");
        let err = words(&[choice(1, &[50])], &[(1, 0, 50)]);
        assert!(err.contains("chosen twice"), "{err}");
        let err = words(&[choice(3, &[1])], &[]);
        assert!(err.contains("not part of order O"), "{err}");
        let err = words(&[], &[]);
        assert!(err.contains("No linked items"), "{err}");
    }

    #[test]
    fn unsellable_units_say_why() {
        assert_eq!(unsellable(unit(1), InventoryStatus::Listed), None);
        assert_eq!(unsellable(unit(1), InventoryStatus::Backlog), None);
        assert!(
            unsellable(unit(1), InventoryStatus::Sold)
                .is_some_and(|m| m.to_string().contains("already sold"))
        );
        assert!(
            unsellable(unit(1), InventoryStatus::Returned)
                .is_some_and(|m| m.to_string().contains("is RETURNED"))
        );
    }

    #[test]
    fn undo_blockers_name_every_dependency() {
        let at = datetime!(2026-01-05 10:00 UTC);
        let sold = |id: i64| UnitUndoFacts {
            unit: unit(id),
            link_created: true,
            confirmed_updated_at: at,
            now: Some((InventoryStatus::Sold, at, Some("SOLD-1".into()))),
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
            [UndoBlocker::Undone]
        );
        let mut moved = sold(2);
        moved.now = Some((InventoryStatus::Sold, at, Some("RETURNS".into())));
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
        let got: Vec<String> = undo_blockers(
            false,
            "SOLD-1",
            &[sold(1), moved, unlinked, fees, gone],
            &[done, reopened],
        )
        .iter()
        .map(ToString::to_string)
        .collect();
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
