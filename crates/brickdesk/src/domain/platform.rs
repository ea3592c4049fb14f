//! Sales platforms.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Amazon (synced through SP-API).
    Amazon,
    /// eBay (imported).
    Ebay,
    /// Bricqer (imported).
    Bricqer,
}

impl Platform {
    /// Every platform, in the order the platform cards show them.
    pub const ALL: [Platform; 3] = [Platform::Amazon, Platform::Ebay, Platform::Bricqer];

    /// Stored value and URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Amazon => "amazon",
            Platform::Ebay => "ebay",
            Platform::Bricqer => "bricqer",
        }
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Amazon => "Amazon",
            Platform::Ebay => "eBay",
            Platform::Bricqer => "Bricqer",
        }
    }

    /// Parses a stored value or URL segment.
    pub fn parse(text: &str) -> Option<Platform> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// What the Buyer column says for an order: the buyer's name only when
/// the seller chose to show names, else "Amazon Customer" as Amazon itself
/// shows it (or "—" for other platforms).
pub fn buyer_label(platform: Platform, name: Option<&str>, show_names: bool) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) if show_names => name.to_owned(),
        _ if platform == Platform::Amazon => "Amazon Customer".to_owned(),
        _ => "—".to_owned(),
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buyer_names_only_when_the_seller_shows_them() {
        let label = |p, n, show| buyer_label(p, n, show);
        assert_eq!(
            label(Platform::Amazon, Some("Isla Brown"), false),
            "Amazon Customer"
        );
        assert_eq!(
            label(Platform::Amazon, Some("Isla Brown"), true),
            "Isla Brown"
        );
        assert_eq!(label(Platform::Amazon, Some("  "), true), "Amazon Customer");
        assert_eq!(label(Platform::Ebay, Some("brick_fan"), false), "—");
        assert_eq!(label(Platform::Ebay, None, true), "—");
    }
}

/// Who ships an Amazon order: Amazon from its warehouses (FBA, `AFN`) or
/// the seller (`MFN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum FulfillmentChannel {
    /// Fulfilled by Amazon: never picked, but its units are still sold.
    #[serde(rename = "AFN")]
    Afn,
    /// Fulfilled by the merchant: picked, packed and shipped by the seller.
    #[serde(rename = "MFN")]
    Mfn,
}

impl FulfillmentChannel {
    /// Amazon's code, also the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentChannel::Afn => "AFN",
            FulfillmentChannel::Mfn => "MFN",
        }
    }

    /// The channel of Amazon's code.
    pub fn parse(text: &str) -> Option<FulfillmentChannel> {
        match text.trim() {
            "AFN" => Some(FulfillmentChannel::Afn),
            "MFN" => Some(FulfillmentChannel::Mfn),
            _ => None,
        }
    }

    /// Whether the seller ships an order of `channel` (one Amazon did not
    /// name is the seller's: Brickdesk never hides work it cannot place).
    pub fn seller_ships(channel: Option<FulfillmentChannel>) -> bool {
        channel != Some(FulfillmentChannel::Afn)
    }
}
