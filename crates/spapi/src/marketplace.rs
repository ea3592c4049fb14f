//! Amazon's marketplaces: ids, the region whose endpoint serves them,
//! their currency and their Seller Central host, as Amazon's SP-API
//! documentation lists them ("Marketplace IDs").

use crate::Region;

/// One Amazon marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    /// Amazon's id, e.g. `A1F83G8C2ARO7P`.
    pub id: &'static str,
    /// Country code as Amazon writes it (`UK`, `DE`, …).
    pub country: &'static str,
    /// Its name, e.g. `Amazon.co.uk`.
    pub name: &'static str,
    /// ISO 4217 code of its currency.
    pub currency: &'static str,
    /// The region whose endpoint serves it.
    pub region: Region,
    /// Seller Central's host for its orders.
    pub seller_central: &'static str,
}

const fn m(
    id: &'static str,
    country: &'static str,
    name: &'static str,
    currency: &'static str,
    region: Region,
    seller_central: &'static str,
) -> Marketplace {
    Marketplace {
        id,
        country,
        name,
        currency,
        region,
        seller_central,
    }
}

/// Every marketplace Brickdesk knows, by region, the region's usual
/// first.
pub const MARKETPLACES: [Marketplace; 19] = [
    m(
        "A1F83G8C2ARO7P",
        "UK",
        "Amazon.co.uk",
        "GBP",
        Region::Eu,
        "sellercentral.amazon.co.uk",
    ),
    m(
        "A1PA6795UKMFR9",
        "DE",
        "Amazon.de",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.de",
    ),
    m(
        "A13V1IB3VIYZZH",
        "FR",
        "Amazon.fr",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.fr",
    ),
    m(
        "APJ6JRA9NG5V4",
        "IT",
        "Amazon.it",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.it",
    ),
    m(
        "A1RKKUPIHCS9HS",
        "ES",
        "Amazon.es",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.es",
    ),
    m(
        "A1805IZSGTT6HS",
        "NL",
        "Amazon.nl",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.nl",
    ),
    m(
        "A2NODRKZP88ZB9",
        "SE",
        "Amazon.se",
        "SEK",
        Region::Eu,
        "sellercentral.amazon.se",
    ),
    m(
        "A1C3SOZRARQ6R3",
        "PL",
        "Amazon.pl",
        "PLN",
        Region::Eu,
        "sellercentral.amazon.pl",
    ),
    m(
        "AMEN7PMS3EDWL",
        "BE",
        "Amazon.com.be",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.com.be",
    ),
    m(
        "A28R8C7NBKEWEA",
        "IE",
        "Amazon.ie",
        "EUR",
        Region::Eu,
        "sellercentral.amazon.ie",
    ),
    m(
        "ATVPDKIKX0DER",
        "US",
        "Amazon.com",
        "USD",
        Region::Na,
        "sellercentral.amazon.com",
    ),
    m(
        "A2EUQ1WTGCTBG2",
        "CA",
        "Amazon.ca",
        "CAD",
        Region::Na,
        "sellercentral.amazon.ca",
    ),
    m(
        "A1AM78C64UM0Y8",
        "MX",
        "Amazon.com.mx",
        "MXN",
        Region::Na,
        "sellercentral.amazon.com.mx",
    ),
    m(
        "A2Q3Y263D00KWC",
        "BR",
        "Amazon.com.br",
        "BRL",
        Region::Na,
        "sellercentral.amazon.com.br",
    ),
    m(
        "A1VC38T7YXB528",
        "JP",
        "Amazon.co.jp",
        "JPY",
        Region::Fe,
        "sellercentral.amazon.co.jp",
    ),
    m(
        "A39IBJ37TRP1C6",
        "AU",
        "Amazon.com.au",
        "AUD",
        Region::Fe,
        "sellercentral.amazon.com.au",
    ),
    m(
        "A19VAU5U5O7RUS",
        "SG",
        "Amazon.sg",
        "SGD",
        Region::Fe,
        "sellercentral.amazon.sg",
    ),
    m(
        "A21TJRUUN4KGV",
        "IN",
        "Amazon.in",
        "INR",
        Region::Eu,
        "sellercentral.amazon.in",
    ),
    m(
        "A17E79C6D8DWNP",
        "SA",
        "Amazon.sa",
        "SAR",
        Region::Eu,
        "sellercentral.amazon.sa",
    ),
];

/// The marketplace with Amazon's id `id`.
pub fn marketplace(id: &str) -> Option<&'static Marketplace> {
    MARKETPLACES.iter().find(|m| m.id == id.trim())
}

/// The marketplaces the endpoint of `region` serves.
pub fn in_region(region: Region) -> impl Iterator<Item = &'static Marketplace> {
    MARKETPLACES.iter().filter(move |m| m.region == region)
}

impl Marketplace {
    /// Seller Central's page of one of its orders.
    pub fn order_url(&self, order_id: &str) -> String {
        format!("https://{}/orders-v3/order/{order_id}", self.seller_central)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        for (i, a) in MARKETPLACES.iter().enumerate() {
            assert!(
                MARKETPLACES[i + 1..]
                    .iter()
                    .all(|b| b.id != a.id && b.country != a.country),
                "{a:?}"
            );
            assert_eq!(marketplace(a.id), Some(a));
        }
        assert_eq!(
            marketplace(crate::MARKETPLACE_UK).map(|m| m.currency),
            Some("GBP")
        );
        assert_eq!(marketplace("NOPE"), None);
        let eu: Vec<&str> = in_region(Region::Eu).map(|m| m.country).take(10).collect();
        assert_eq!(
            eu,
            ["UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "IE"]
        );
        assert_eq!(
            marketplace("A1PA6795UKMFR9").map(|m| m.order_url("302-1-2")),
            Some("https://sellercentral.amazon.de/orders-v3/order/302-1-2".to_owned())
        );
    }
}
