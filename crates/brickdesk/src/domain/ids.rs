//! Typed ids, so an order id can never be passed where a unit id is meant.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A non-positive or unparsable id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid id")]
pub struct BadId(pub String);

/// The schema of every id: a positive 64-bit integer.
fn positive_id() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(1))
        .into()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        /// Read as a positive integer: anything else is refused by name.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = i64::deserialize(d)?;
                Self::new(raw).map_err(|_| {
                    serde::de::Error::custom(format!("{raw} is not an id (ids are positive)"))
                })
            }
        }

        impl $name {
            /// Wraps a database id (always positive).
            pub fn new(raw: i64) -> Result<Self, BadId> {
                if raw > 0 { Ok(Self(raw)) } else { Err(BadId(raw.to_string())) }
            }

            /// Parses an id from a path segment or form field.
            pub fn parse(text: &str) -> Result<Self, BadId> {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| Self::new(n).ok())
                    .ok_or_else(|| BadId(text.to_owned()))
            }

            /// The raw value, for binding as a query parameter.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                positive_id()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// Id of a row in `orders`.
    OrderId
);
id_type!(
    /// Id of a row in `order_items`.
    OrderItemId
);
id_type!(
    /// Id of a row in `inventory_items` (one physical unit).
    InventoryItemId
);
id_type!(
    /// Id of a row in `users`.
    UserId
);
id_type!(
    /// Id of a row in `jobs`.
    JobId
);
id_type!(
    /// Id of a row in `confirmation_batches` (one Confirm Orders Processed
    /// request).
    BatchId
);
id_type!(
    /// Id of a row in `financial_events` (one line of an Amazon event).
    FeeEventId
);
id_type!(
    /// Id of a row in `api_tokens`.
    TokenId
);
id_type!(
    /// Id of a row in `shipments` (one package to confirm to Amazon).
    ShipmentId
);

/// An Amazon order id such as `203-1234567-1234567`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AmazonOrderId(String);

impl AmazonOrderId {
    /// Accepts three dash-separated groups of 3, 7 and 7 digits.
    pub fn parse(text: &str) -> Result<Self, BadId> {
        let t = text.trim();
        let groups: Vec<&str> = t.split('-').collect();
        let shape_ok = groups.len() == 3
            && groups
                .iter()
                .zip([3, 7, 7])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_digit()));
        if shape_ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(BadId(text.to_owned()))
        }
    }

    /// The id as Amazon writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The order's page in the Seller Central of its marketplace (the
    /// UK's when the marketplace is not known).
    pub fn seller_central_url(&self, marketplace_id: Option<&str>) -> String {
        marketplace_id
            .and_then(spapi::marketplace::marketplace)
            .unwrap_or(&spapi::marketplace::MARKETPLACES[0])
            .order_url(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids() {
        assert_eq!(OrderId::parse("42").map(OrderId::get), Ok(42));
        assert!(OrderId::parse("0").is_err());
        assert!(OrderId::parse("-3").is_err());
        assert!(OrderId::parse("4x").is_err());
        assert!(InventoryItemId::new(0).is_err());
    }

    #[test]
    fn json_ids_are_positive_integers() {
        let read = |text: &str| serde_json::from_str::<BatchId>(text).map_err(|e| e.to_string());
        assert_eq!(read("7"), Ok(BatchId(7)));
        assert!(read("0").is_err_and(|e| e.contains("0 is not an id")));
        assert!(read("-2").is_err_and(|e| e.contains("-2 is not an id")));
        assert!(read("\"7\"").is_err());
        assert_eq!(
            serde_json::to_string(&BatchId(7)).ok().as_deref(),
            Some("7")
        );
    }

    #[test]
    fn amazon_order_ids() {
        let id = AmazonOrderId::parse("203-1234567-1234567").expect("an order id");
        for (marketplace, host) in [
            (None, "amazon.co.uk"),
            (Some("A1F83G8C2ARO7P"), "amazon.co.uk"),
            (Some("A1PA6795UKMFR9"), "amazon.de"),
            (Some("A2NODRKZP88ZB9"), "amazon.se"),
            (Some("UNKNOWN"), "amazon.co.uk"),
        ] {
            assert_eq!(
                id.seller_central_url(marketplace),
                format!("https://sellercentral.{host}/orders-v3/order/203-1234567-1234567")
            );
        }
        for bad in [
            "203-1234567-123456",
            "2031234567-1234567",
            "abc-1234567-1234567",
            "",
        ] {
            assert!(AmazonOrderId::parse(bad).is_err(), "{bad}");
        }
    }
}
