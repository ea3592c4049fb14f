//! Amazon's SP-API regions and their hosts.

use crate::client::{EU_ENDPOINT, FE_ENDPOINT, NA_ENDPOINT};

/// An SP-API region. The UK marketplace is in [`Region::Eu`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Europe (UK, DE, FR, IT, ES, …): `sellingpartnerapi-eu.amazon.com`.
    Eu,
    /// North America: `sellingpartnerapi-na.amazon.com`.
    Na,
    /// Far East: `sellingpartnerapi-fe.amazon.com`.
    Fe,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 3] = [Region::Eu, Region::Na, Region::Fe];

    /// Production API base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            Region::Eu => EU_ENDPOINT,
            Region::Na => NA_ENDPOINT,
            Region::Fe => FE_ENDPOINT,
        }
    }

    /// Amazon's static sandbox base URL (answers the models'
    /// `x-amzn-api-sandbox` examples only).
    pub fn sandbox_endpoint(self) -> &'static str {
        match self {
            Region::Eu => "https://sandbox.sellingpartnerapi-eu.amazon.com",
            Region::Na => "https://sandbox.sellingpartnerapi-na.amazon.com",
            Region::Fe => "https://sandbox.sellingpartnerapi-fe.amazon.com",
        }
    }

    /// `eu`, `na` or `fe`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Na => "na",
            Region::Fe => "fe",
        }
    }

    /// The region for `eu`, `na` or `fe` (any case).
    pub fn from_code(code: &str) -> Option<Region> {
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_hosts_match() {
        for region in Region::ALL {
            assert_eq!(
                Region::from_code(&region.code().to_uppercase()),
                Some(region)
            );
            assert!(region.endpoint().contains(&format!("-{}.", region.code())));
            assert!(region.sandbox_endpoint().starts_with("https://sandbox."));
        }
        assert_eq!(Region::from_code("uk"), None);
    }
}
