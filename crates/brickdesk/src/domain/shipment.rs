//! Telling Amazon an order has shipped: the carriers a seller picks from,
//! and the checks a shipment passes before it is queued (so nothing that
//! Amazon would refuse for a reason Brickdesk can see is ever queued).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{FulfillmentChannel, UiStatus};

/// A carrier: Amazon's carrier code and the name people know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Carrier {
    /// Amazon's `carrierCode`.
    pub code: &'static str,
    /// Shown in lists.
    pub name: &'static str,
}

const fn c(code: &'static str, name: &'static str) -> Carrier {
    Carrier { code, name }
}

/// The usual UK and EU carriers, with Amazon's codes; `Other` takes a name.
pub const CARRIERS: [Carrier; 21] = [
    c("Royal Mail", "Royal Mail"),
    c("Parcelforce", "Parcelforce Worldwide"),
    c("Evri", "Evri"),
    c("DPD", "DPD"),
    c("Yodel", "Yodel"),
    c("DHL", "DHL"),
    c("UPS", "UPS"),
    c("FedEx", "FedEx"),
    c("Amazon Shipping", "Amazon Shipping"),
    c("Deutsche Post", "Deutsche Post"),
    c("Hermes", "Hermes (DE)"),
    c("GLS", "GLS"),
    c("PostNL", "PostNL"),
    c("Colissimo", "Colissimo"),
    c("Chronopost", "Chronopost"),
    c("Poste Italiane", "Poste Italiane"),
    c("Correos", "Correos"),
    c("SEUR", "SEUR"),
    c("InPost", "InPost"),
    c("PostNord", "PostNord"),
    c("Other", "Other (name it)"),
];

/// Units of one line in a package, by the platform's line id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PackageItem {
    /// Amazon's `OrderItemId`.
    pub order_item_id: String,
    /// Units.
    pub quantity: i64,
}

/// A shipment as a person or a file gives it (every field as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ShipmentInput {
    /// Amazon's carrier code (see [`CARRIERS`]).
    pub carrier_code: String,
    /// The carrier's name, when the code is `Other`.
    pub carrier_name: Option<String>,
    /// The carrier's service, e.g. "Tracked 48".
    pub shipping_method: Option<String>,
    /// The tracking number.
    pub tracking_number: String,
    /// When it shipped (default: now).
    #[serde(with = "time::serde::rfc3339::option")]
    pub ship_date: Option<OffsetDateTime>,
    /// Lines and units (default: every unit not yet shipped).
    pub items: Option<Vec<PackageItem>>,
}

/// A shipment that passed every check, ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    /// Amazon's carrier code.
    pub carrier_code: String,
    /// The carrier's name (code `Other`).
    pub carrier_name: Option<String>,
    /// The carrier's service.
    pub shipping_method: Option<String>,
    /// The tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub ship_date: OffsetDateTime,
    /// Lines and units, none empty.
    pub items: Vec<PackageItem>,
}

/// What the checks need to know about the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippableOrder {
    /// Its status.
    pub ui_status: UiStatus,
    /// Who ships it.
    pub channel: Option<FulfillmentChannel>,
    /// When it was placed.
    pub placed: Option<OffsetDateTime>,
    /// Units left to ship per line (ordered less those already queued or
    /// sent), by `OrderItemId`, in line order.
    pub left: Vec<(String, i64)>,
}

/// Why a shipment was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipmentError {
    /// Not a carrier code of [`CARRIERS`].
    #[error("carrier_code: '{0}' is not a carrier code (e.g. Royal Mail, DPD, Evri or Other)")]
    UnknownCarrier(String),
    /// Code `Other` without a name.
    #[error("carrier_name: name the carrier when the code is Other")]
    CarrierNameMissing,
    /// Blank tracking number.
    #[error("tracking_number: the tracking number must not be empty")]
    TrackingMissing,
    /// Too long or with control characters.
    #[error("tracking_number: at most 64 characters, letters, digits, spaces and - only")]
    TrackingUnreadable,
    /// Later than now.
    #[error("ship_date: the ship date must not be in the future")]
    ShipDateFuture,
    /// Before the order was placed.
    #[error("ship_date: the ship date must not be before the order was placed")]
    ShipDateBeforeOrder,
    /// A line the order does not have.
    #[error("items: the order has no line {0}")]
    UnknownItem(String),
    /// More units than are left to ship.
    #[error("items: {quantity} of line {item} is more than the {left} left to ship")]
    TooMany {
        /// The line.
        item: String,
        /// Asked.
        quantity: i64,
        /// Left.
        left: i64,
    },
    /// Nothing to ship.
    #[error("items: nothing is left to ship in this order")]
    NothingToShip,
    /// Amazon ships it, or it cannot ship.
    #[error("order: {0}")]
    NotShippable(&'static str),
}

/// Checks `input` for `order` at `now`: the shipment to queue, or the
/// first problem, named by field.
pub fn check(
    input: ShipmentInput,
    order: &ShippableOrder,
    now: OffsetDateTime,
) -> Result<NewShipment, ShipmentError> {
    if !FulfillmentChannel::seller_ships(order.channel) {
        return Err(ShipmentError::NotShippable(
            "Amazon ships FBA orders: it confirms them itself",
        ));
    }
    match order.ui_status {
        UiStatus::Paid | UiStatus::Shipped | UiStatus::Completed => {}
        UiStatus::Pending => {
            return Err(ShipmentError::NotShippable(
                "the order is pending: Amazon has not taken payment yet",
            ));
        }
        UiStatus::Cancelled => return Err(ShipmentError::NotShippable("the order is cancelled")),
    }
    let code = input.carrier_code.trim();
    let carrier = CARRIERS
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
        .ok_or_else(|| ShipmentError::UnknownCarrier(code.to_owned()))?;
    let carrier_name = input
        .carrier_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if carrier.code == "Other" && carrier_name.is_none() {
        return Err(ShipmentError::CarrierNameMissing);
    }
    let tracking = input.tracking_number.trim();
    if tracking.is_empty() {
        return Err(ShipmentError::TrackingMissing);
    }
    let readable = |c: char| c.is_ascii_alphanumeric() || c == ' ' || c == '-';
    if tracking.len() > 64 || !tracking.chars().all(readable) {
        return Err(ShipmentError::TrackingUnreadable);
    }
    let mut ship_date = input.ship_date.unwrap_or(now);
    if ship_date > now {
        return Err(ShipmentError::ShipDateFuture);
    }
    if let Some(placed) = order.placed
        && ship_date < placed
    {
        // A day without its time (read as noon) that is the day of the
        // order: it shipped after the order was placed.
        if ship_date.date() != placed.date() {
            return Err(ShipmentError::ShipDateBeforeOrder);
        }
        ship_date = placed.min(now);
    }
    let left: HashMap<&str, i64> = order.left.iter().map(|(i, n)| (i.as_str(), *n)).collect();
    let items = match input.items {
        None => order
            .left
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(item, n)| PackageItem {
                order_item_id: item.clone(),
                quantity: *n,
            })
            .collect(),
        Some(items) => {
            let mut asked: HashMap<String, i64> = HashMap::new();
            let mut checked = Vec::with_capacity(items.len());
            for item in items {
                let id = item.order_item_id.trim().to_owned();
                let Some(&left) = left.get(id.as_str()) else {
                    return Err(ShipmentError::UnknownItem(id));
                };
                let total = asked.entry(id.clone()).or_default();
                *total = total.saturating_add(item.quantity);
                if item.quantity < 1 || *total > left {
                    return Err(ShipmentError::TooMany {
                        item: id,
                        quantity: *total,
                        left,
                    });
                }
                checked.push(PackageItem {
                    order_item_id: id,
                    quantity: item.quantity,
                });
            }
            checked
        }
    };
    if items.is_empty() {
        return Err(ShipmentError::NothingToShip);
    }
    Ok(NewShipment {
        carrier_code: carrier.code.to_owned(),
        carrier_name: carrier_name.filter(|_| carrier.code == "Other"),
        shipping_method: input
            .shipping_method
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty()),
        tracking_number: tracking.to_owned(),
        ship_date,
        items,
    })
}

/// Where a queued package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShipmentState {
    /// Waiting to be sent.
    Pending,
    /// Amazon has it.
    Sent,
    /// Amazon refused it (its message says why).
    Refused,
}

impl ShipmentState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentState::Pending => "pending",
            ShipmentState::Sent => "sent",
            ShipmentState::Refused => "refused",
        }
    }

    /// The state a stored text stands for.
    pub fn parse(text: &str) -> Option<ShipmentState> {
        [
            ShipmentState::Pending,
            ShipmentState::Sent,
            ShipmentState::Refused,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    fn order() -> ShippableOrder {
        ShippableOrder {
            ui_status: UiStatus::Paid,
            channel: Some(FulfillmentChannel::Mfn),
            placed: Some(datetime!(2026-12-05 09:00 UTC)),
            left: vec![("L1".into(), 2), ("L2".into(), 0), ("L3".into(), 1)],
        }
    }

    fn input() -> ShipmentInput {
        ShipmentInput {
            carrier_code: "royal mail".into(),
            tracking_number: " RM123456785GB ".into(),
            ..ShipmentInput::default()
        }
    }

    #[test]
    fn a_shipment_defaults_to_every_unit_left_and_now() {
        let s = check(input(), &order(), NOW).expect("valid");
        assert_eq!(s.carrier_code, "Royal Mail");
        assert_eq!(s.tracking_number, "RM123456785GB");
        assert_eq!(s.ship_date, NOW);
        let items: Vec<(&str, i64)> = s
            .items
            .iter()
            .map(|i| (i.order_item_id.as_str(), i.quantity))
            .collect();
        assert_eq!(items, [("L1", 2), ("L3", 1)]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let with = |f: fn(&mut ShipmentInput)| {
            let mut i = input();
            f(&mut i);
            check(i, &order(), NOW).map(|_| ())
        };
        use ShipmentError as E;
        assert_eq!(
            with(|i| i.carrier_code = "Pigeon".into()),
            Err(E::UnknownCarrier("Pigeon".into()))
        );
        assert_eq!(
            with(|i| i.carrier_code = "Other".into()),
            Err(E::CarrierNameMissing)
        );
        assert_eq!(
            with(|i| {
                i.carrier_code = "Other".into();
                i.carrier_name = Some("Bike courier".into());
            }),
            Ok(())
        );
        assert_eq!(
            with(|i| i.tracking_number = "  ".into()),
            Err(E::TrackingMissing)
        );
        assert_eq!(
            with(|i| i.tracking_number = "RM1/2".into()),
            Err(E::TrackingUnreadable)
        );
        assert_eq!(
            with(|i| i.ship_date = Some(datetime!(2026-12-06 13:00 UTC))),
            Err(E::ShipDateFuture)
        );
        assert_eq!(
            with(|i| i.ship_date = Some(datetime!(2026-12-01 0:00 UTC))),
            Err(E::ShipDateBeforeOrder)
        );
        // The order's own day, read as noon before it was placed: placed.
        let mut same_day = order();
        same_day.placed = Some(datetime!(2026-12-05 15:00 UTC));
        let mut i = input();
        i.ship_date = Some(datetime!(2026-12-05 12:00 UTC));
        let s = check(i, &same_day, NOW).expect("same day");
        assert_eq!(s.ship_date, datetime!(2026-12-05 15:00 UTC));
        let items = |list: &[(&str, i64)]| {
            Some(
                list.iter()
                    .map(|(id, q)| PackageItem {
                        order_item_id: (*id).into(),
                        quantity: *q,
                    })
                    .collect(),
            )
        };
        let mut i = input();
        i.items = items(&[("L9", 1)]);
        assert_eq!(check(i, &order(), NOW), Err(E::UnknownItem("L9".into())));
        let mut i = input();
        i.items = items(&[("L1", 1), ("L1", 2)]);
        assert_eq!(
            check(i, &order(), NOW),
            Err(E::TooMany {
                item: "L1".into(),
                quantity: 3,
                left: 2
            })
        );
        let mut i = input();
        i.items = items(&[("L3", 0)]);
        assert!(matches!(check(i, &order(), NOW), Err(E::TooMany { .. })));
        let mut i = input();
        i.items = items(&[("L1", 1), ("L1", i64::MAX)]);
        assert!(matches!(check(i, &order(), NOW), Err(E::TooMany { .. })));
        let mut i = input();
        i.items = items(&[(" L1 ", 1)]);
        let s = check(i, &order(), NOW).expect("trimmed");
        assert_eq!(s.items[0].order_item_id, "L1");
        let done = ShippableOrder {
            left: vec![("L1".into(), 0)],
            ..order()
        };
        assert_eq!(check(input(), &done, NOW), Err(E::NothingToShip));
        for (status, channel) in [
            (UiStatus::Paid, Some(FulfillmentChannel::Afn)),
            (UiStatus::Pending, None),
            (UiStatus::Cancelled, None),
        ] {
            let o = ShippableOrder {
                ui_status: status,
                channel,
                ..order()
            };
            assert!(matches!(check(input(), &o, NOW), Err(E::NotShippable(_))));
        }
        assert_eq!(
            E::TooMany {
                item: "L1".into(),
                quantity: 3,
                left: 2
            }
            .to_string(),
            "items: 3 of line L1 is more than the 2 left to ship"
        );
    }
}
