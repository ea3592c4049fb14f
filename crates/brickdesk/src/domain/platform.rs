//! Sales platforms.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
