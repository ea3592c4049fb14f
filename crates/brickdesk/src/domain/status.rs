//! Order statuses. Amazon's own status and Brickdesk's workflow status are
//! kept apart; the status a person sees is derived from both, never stored.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The five statuses shown in the UI (cards, badges, filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum UiStatus {
    /// Placed, not yet paid or confirmed.
    Pending,
    /// Paid, waiting to be shipped.
    Paid,
    /// Dispatched.
    Shipped,
    /// Confirmed processed by the seller in Brickdesk.
    Completed,
    /// Cancelled or unfulfillable.
    Cancelled,
}

impl UiStatus {
    /// Every status in the order the summary cards show them.
    pub const ALL: [UiStatus; 5] = [
        UiStatus::Pending,
        UiStatus::Paid,
        UiStatus::Shipped,
        UiStatus::Completed,
        UiStatus::Cancelled,
    ];

    /// The label, also the value stored in the derived `ui_status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            UiStatus::Pending => "Pending",
            UiStatus::Paid => "Paid",
            UiStatus::Shipped => "Shipped",
            UiStatus::Completed => "Completed",
            UiStatus::Cancelled => "Cancelled",
        }
    }

    /// Parses a filter value (case-insensitive).
    pub fn parse(text: &str) -> Option<UiStatus> {
        UiStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Badge colour: Pending yellow, Paid purple, Shipped blue, Completed
    /// green, Cancelled red.
    pub fn colour(self) -> &'static str {
        match self {
            UiStatus::Pending => "yellow",
            UiStatus::Paid => "purple",
            UiStatus::Shipped => "blue",
            UiStatus::Completed => "green",
            UiStatus::Cancelled => "red",
        }
    }
}

impl fmt::Display for UiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status only Brickdesk sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum WorkflowStatus {
    /// The seller confirmed the order processed (units sold and archived).
    Completed,
}

impl WorkflowStatus {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Completed => "Completed",
        }
    }

    /// Parses a stored value.
    pub fn parse(text: &str) -> Option<WorkflowStatus> {
        (text == "Completed").then_some(WorkflowStatus::Completed)
    }
}

/// Every platform status Brickdesk stores, with the UI status it shows as.
/// Amazon statuses are stored in Orders v0 spelling; the 2026-01-01 API's
/// spellings are normalised by [`normalise_amazon_status`] before storage.
/// Imported eBay and Bricqer orders carry the plain names at the end.
/// The `ui_status` column in both migrations encodes this same table; a
/// storage test checks the two agree for every row.
pub const PLATFORM_STATUSES: &[(&str, UiStatus)] = &[
    ("PendingAvailability", UiStatus::Pending),
    ("Pending", UiStatus::Pending),
    ("InvoiceUnconfirmed", UiStatus::Pending),
    ("Unshipped", UiStatus::Paid),
    ("PartiallyShipped", UiStatus::Paid),
    ("Shipped", UiStatus::Shipped),
    ("Canceled", UiStatus::Cancelled),
    ("Unfulfillable", UiStatus::Cancelled),
    ("Paid", UiStatus::Paid),
    ("Completed", UiStatus::Completed),
    ("Cancelled", UiStatus::Cancelled),
];

/// The UI status of an order: a workflow Completed wins, otherwise the
/// platform status decides. An unknown platform status shows as Pending,
/// which asks for attention rather than hiding the order.
pub fn ui_status(platform_status: &str, workflow: Option<WorkflowStatus>) -> UiStatus {
    if workflow == Some(WorkflowStatus::Completed) {
        return UiStatus::Completed;
    }
    PLATFORM_STATUSES
        .iter()
        .find(|(s, _)| *s == platform_status)
        .map_or(UiStatus::Pending, |(_, ui)| *ui)
}

/// An Amazon status Brickdesk does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Amazon order status '{0}'")]
pub struct UnknownStatus(pub String);

/// Maps an Amazon status from either Orders API to the stored spelling:
/// v0 `Unshipped` stays as is; 2026-01-01 `PARTIALLY_SHIPPED` becomes
/// `PartiallyShipped`, `CANCELLED` becomes `Canceled`.
pub fn normalise_amazon_status(text: &str) -> Result<&'static str, UnknownStatus> {
    const AMAZON: [(&str, &str); 8] = [
        ("PendingAvailability", "PENDING_AVAILABILITY"),
        ("Pending", "PENDING"),
        ("InvoiceUnconfirmed", "INVOICE_UNCONFIRMED"),
        ("Unshipped", "UNSHIPPED"),
        ("PartiallyShipped", "PARTIALLY_SHIPPED"),
        ("Shipped", "SHIPPED"),
        ("Canceled", "CANCELLED"),
        ("Unfulfillable", "UNFULFILLABLE"),
    ];
    AMAZON
        .iter()
        .find(|(v0, v2026)| *v0 == text || *v2026 == text)
        .map(|(v0, _)| *v0)
        .ok_or_else(|| UnknownStatus(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_mapping() {
        let cases: [(UiStatus, &[&str]); 4] = [
            (
                UiStatus::Pending,
                &["Pending", "PendingAvailability", "InvoiceUnconfirmed"],
            ),
            (UiStatus::Paid, &["Unshipped", "PartiallyShipped"]),
            (UiStatus::Shipped, &["Shipped"]),
            (UiStatus::Cancelled, &["Canceled", "Unfulfillable"]),
        ];
        for (ui, platforms) in cases {
            for platform in platforms {
                assert_eq!(ui_status(platform, None), ui, "{platform}");
            }
        }
    }

    #[test]
    fn workflow_completed_wins_over_every_platform_status() {
        for (platform, _) in PLATFORM_STATUSES {
            assert_eq!(
                ui_status(platform, Some(WorkflowStatus::Completed)),
                UiStatus::Completed
            );
        }
    }

    #[test]
    fn unknown_platform_status_needs_attention() {
        assert_eq!(ui_status("SomethingNew", None), UiStatus::Pending);
    }

    #[test]
    fn both_amazon_spellings_normalise() {
        assert_eq!(normalise_amazon_status("CANCELLED"), Ok("Canceled"));
        assert_eq!(normalise_amazon_status("Canceled"), Ok("Canceled"));
        assert_eq!(
            normalise_amazon_status("PARTIALLY_SHIPPED"),
            Ok("PartiallyShipped")
        );
        assert_eq!(
            normalise_amazon_status("PENDING_AVAILABILITY"),
            Ok("PendingAvailability")
        );
        assert!(normalise_amazon_status("Delivered").is_err());
    }

    #[test]
    fn filters_parse_case_insensitively() {
        assert_eq!(UiStatus::parse("paid"), Some(UiStatus::Paid));
        assert_eq!(UiStatus::parse("Nope"), None);
    }
}
