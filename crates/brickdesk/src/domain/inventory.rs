//! Inventory vocabulary: one row is one physical unit.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Lifecycle of a physical unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InventoryStatus {
    /// Bought, not yet in hand.
    #[serde(rename = "NOT YET RECEIVED")]
    NotYetReceived,
    /// In stock, not listed.
    #[serde(rename = "BACKLOG")]
    Backlog,
    /// In stock and listed for sale.
    #[serde(rename = "LISTED")]
    Listed,
    /// Sold and confirmed.
    #[serde(rename = "SOLD")]
    Sold,
    /// Came back from a buyer.
    #[serde(rename = "RETURNED")]
    Returned,
}

impl InventoryStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [InventoryStatus; 5] = [
        InventoryStatus::NotYetReceived,
        InventoryStatus::Backlog,
        InventoryStatus::Listed,
        InventoryStatus::Sold,
        InventoryStatus::Returned,
    ];

    /// Stored and displayed value.
    pub fn as_str(self) -> &'static str {
        match self {
            InventoryStatus::NotYetReceived => "NOT YET RECEIVED",
            InventoryStatus::Backlog => "BACKLOG",
            InventoryStatus::Listed => "LISTED",
            InventoryStatus::Sold => "SOLD",
            InventoryStatus::Returned => "RETURNED",
        }
    }

    /// Parses a stored or typed value (case and `_`/space insensitive).
    pub fn parse(text: &str) -> Option<InventoryStatus> {
        let norm = text.trim().replace('_', " ").to_ascii_uppercase();
        InventoryStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == norm)
    }

    /// Whether a unit in this status may fill an order (FIFO candidates).
    pub fn is_sellable(self) -> bool {
        matches!(self, InventoryStatus::Backlog | InventoryStatus::Listed)
    }
}

impl fmt::Display for InventoryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Condition of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Condition {
    /// New, sealed.
    New,
    /// Used or opened.
    Used,
}

impl Condition {
    /// Stored and displayed value.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::New => "New",
            Condition::Used => "Used",
        }
    }

    /// Parses `New`/`Used`, and Amazon's condition ids (`New`, `Used`,
    /// `UsedLikeNew`, `NewItem`…) by their leading word.
    pub fn parse(text: &str) -> Option<Condition> {
        let t = text.trim().to_ascii_lowercase();
        if t.starts_with("new") {
            Some(Condition::New)
        } else if t.starts_with("used") || t.starts_with("collectible") {
            Some(Condition::Used)
        } else {
            None
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_sellability() {
        for s in InventoryStatus::ALL {
            assert_eq!(InventoryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            InventoryStatus::parse("not_yet_received"),
            Some(InventoryStatus::NotYetReceived)
        );
        assert_eq!(InventoryStatus::parse("gone"), None);
        let sellable: Vec<_> = InventoryStatus::ALL
            .into_iter()
            .filter(|s| s.is_sellable())
            .collect();
        assert_eq!(
            sellable,
            [InventoryStatus::Backlog, InventoryStatus::Listed]
        );
    }

    #[test]
    fn conditions() {
        assert_eq!(Condition::parse("New"), Some(Condition::New));
        assert_eq!(Condition::parse("UsedLikeNew"), Some(Condition::Used));
        assert_eq!(Condition::parse("refurb"), None);
    }
}
