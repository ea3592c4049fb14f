//! The simulated seller's truth: orders with their lines, and the
//! financial events Amazon posts for them. Money is in minor units
//! (pence, cents, öre) of the order's marketplace's currency.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod activity;
pub mod demo;
mod generate;

pub use activity::Activity;
pub use generate::{generate, generate_in};

use crate::SellerProfile;

/// The seller of `profile` for `seed` with its history up to `anchor`
/// (`count` orders when generated), and the changes due after the anchor
/// (the demo's only).
pub fn for_profile(
    profile: SellerProfile,
    seed: u64,
    count: usize,
    anchor: OffsetDateTime,
    marketplaces: &[String],
) -> (Seller, Option<Activity>) {
    match profile {
        SellerProfile::Generated => (generate_in(seed, count, anchor, marketplaces), None),
        SellerProfile::Demo => (
            demo::generate(seed, anchor),
            Some(Activity::new(seed, anchor)),
        ),
    }
}

/// An Amazon order status (Orders v0 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Pre-order, payment not authorised.
    PendingAvailability,
    /// Placed, payment not authorised.
    Pending,
    /// Paid, nothing shipped.
    Unshipped,
    /// Some units shipped.
    PartiallyShipped,
    /// Everything shipped.
    Shipped,
    /// Shipped, invoice not confirmed.
    InvoiceUnconfirmed,
    /// Cancelled.
    Canceled,
    /// Cannot be fulfilled.
    Unfulfillable,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::PendingAvailability,
        OrderStatus::Pending,
        OrderStatus::Unshipped,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::InvoiceUnconfirmed,
        OrderStatus::Canceled,
        OrderStatus::Unfulfillable,
    ];

    /// The Orders v0 `OrderStatus` value.
    pub fn v0_name(self) -> &'static str {
        match self {
            OrderStatus::PendingAvailability => "PendingAvailability",
            OrderStatus::Pending => "Pending",
            OrderStatus::Unshipped => "Unshipped",
            OrderStatus::PartiallyShipped => "PartiallyShipped",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::InvoiceUnconfirmed => "InvoiceUnconfirmed",
            OrderStatus::Canceled => "Canceled",
            OrderStatus::Unfulfillable => "Unfulfillable",
        }
    }

    /// The Orders 2026-01-01 `fulfillmentStatus` value.
    pub fn v2026_name(self) -> &'static str {
        match self {
            OrderStatus::PendingAvailability => "PENDING_AVAILABILITY",
            OrderStatus::Pending => "PENDING",
            OrderStatus::Unshipped => "UNSHIPPED",
            OrderStatus::PartiallyShipped => "PARTIALLY_SHIPPED",
            OrderStatus::Shipped | OrderStatus::InvoiceUnconfirmed => "SHIPPED",
            OrderStatus::Canceled => "CANCELLED",
            OrderStatus::Unfulfillable => "UNFULFILLABLE",
        }
    }

    /// Amazon shows no prices on orders in these statuses.
    pub fn has_prices(self) -> bool {
        !matches!(
            self,
            OrderStatus::PendingAvailability | OrderStatus::Pending | OrderStatus::Canceled
        )
    }
}

/// Who ships the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fulfillment {
    /// Fulfilled by Amazon (`AFN`).
    Amazon,
    /// Fulfilled by the merchant (`MFN`).
    Merchant,
}

impl Fulfillment {
    /// `AFN` or `MFN` (Orders v0).
    pub fn channel(self) -> &'static str {
        match self {
            Fulfillment::Amazon => "AFN",
            Fulfillment::Merchant => "MFN",
        }
    }

    /// `AMAZON` or `MERCHANT` (Orders 2026-01-01).
    pub fn fulfilled_by(self) -> &'static str {
        match self {
            Fulfillment::Amazon => "AMAZON",
            Fulfillment::Merchant => "MERCHANT",
        }
    }
}

/// One order of the simulated seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimOrder {
    /// e.g. `203-1234567-1234567`.
    pub order_id: String,
    /// When placed.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// When last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub last_updated: OffsetDateTime,
    /// Status.
    pub status: OrderStatus,
    /// FBA or FBM.
    pub fulfillment: Fulfillment,
    /// Buyer's name.
    pub buyer_name: String,
    /// Anonymised buyer e-mail.
    pub buyer_email: String,
    /// Prime order.
    pub is_prime: bool,
    /// Marketplace id.
    pub marketplace_id: String,
    /// The lines.
    pub lines: Vec<SimLine>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLine {
    /// Amazon's line id (14 digits).
    pub order_item_id: String,
    /// ASIN; `None` for listings without one.
    pub asin: Option<String>,
    /// Seller SKU.
    pub sku: String,
    /// Listing title.
    pub title: String,
    /// Units ordered.
    pub quantity: u32,
    /// Units shipped.
    pub quantity_shipped: u32,
    /// Price of one unit, pence.
    pub unit_price_pence: i64,
    /// Shipping charged for the line, pence.
    pub shipping_pence: i64,
    /// `New` or `Used`.
    pub condition: String,
}

impl SimLine {
    /// Line total (unit price × quantity), pence.
    pub fn item_total_pence(&self) -> i64 {
        self.unit_price_pence * i64::from(self.quantity)
    }
}

impl SimOrder {
    /// The marketplace it was placed on (the UK for an id not known).
    pub fn marketplace(&self) -> &'static spapi::marketplace::Marketplace {
        spapi::marketplace::marketplace(&self.marketplace_id)
            .unwrap_or(&spapi::marketplace::MARKETPLACES[0])
    }

    /// The currency of its prices and of its financial events.
    pub fn currency(&self) -> &'static str {
        self.marketplace().currency
    }

    /// Order total in pence, `None` while Amazon shows no prices.
    pub fn total_pence(&self) -> Option<i64> {
        self.status.has_prices().then(|| {
            self.lines
                .iter()
                .map(|l| l.item_total_pence() + l.shipping_pence)
                .sum()
        })
    }

    /// Units shipped.
    pub fn units_shipped(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity_shipped).sum()
    }

    /// Units not shipped (zero for cancelled orders).
    pub fn units_unshipped(&self) -> u32 {
        if self.status == OrderStatus::Canceled {
            return 0;
        }
        self.lines
            .iter()
            .map(|l| l.quantity - l.quantity_shipped)
            .sum()
    }
}

/// Kind of a financial event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// Sale posted after shipping (`ShipmentEventList`).
    Shipment,
    /// Refund (`RefundEventList`).
    Refund,
}

/// A financial event of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinancialEvent {
    /// Transaction id (Finances 2024-06-19 `transactionId`).
    pub transaction_id: String,
    /// Shipment or refund.
    pub kind: EventKind,
    /// The order.
    pub order_id: String,
    /// When Amazon posted it.
    #[serde(with = "time::serde::rfc3339")]
    pub posted: OffsetDateTime,
    /// Per-line amounts.
    pub items: Vec<EventItem>,
}

/// One line of a financial event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventItem {
    /// The order line.
    pub order_item_id: String,
    /// Seller SKU.
    pub sku: String,
    /// Units.
    pub quantity: u32,
    /// Refund line id (refunds only).
    pub adjustment_id: Option<String>,
    /// Charges (`Principal`, `ShippingCharge`, `Tax`), pence, signed.
    pub charges: Vec<Component>,
    /// Fees (`Commission`, `FBAPerUnitFulfillmentFee`, `RefundCommission`,
    /// `DigitalServicesFee`), pence, signed (negative = charged).
    pub fees: Vec<Component>,
}

/// One typed amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Amazon's charge or fee type.
    pub kind: String,
    /// Signed amount in pence.
    pub pence: i64,
}

impl FinancialEvent {
    /// Sum of all charges and fees, pence.
    pub fn total_pence(&self) -> i64 {
        self.items
            .iter()
            .flat_map(|i| i.charges.iter().chain(&i.fees))
            .map(|c| c.pence)
            .sum()
    }
}

/// Everything the simulated seller has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    /// Orders, oldest first.
    pub orders: Vec<SimOrder>,
    /// Financial events, in posting order.
    pub events: Vec<FinancialEvent>,
    /// Packages the seller confirmed shipped (`confirmShipment`), in the
    /// order received.
    #[serde(default)]
    pub shipments: Vec<SimShipment>,
}

/// One package confirmed shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimShipment {
    /// The order.
    pub order_id: String,
    /// The seller's number for the package, unique within the order.
    pub package_reference_id: String,
    /// Amazon's carrier code (or `Other`).
    pub carrier_code: String,
    /// The tracking number.
    pub tracking_number: String,
    /// When it shipped.
    #[serde(with = "time::serde::rfc3339")]
    pub ship_date: OffsetDateTime,
    /// (order item id, units) shipped in it.
    pub items: Vec<(String, u32)>,
}

impl Seller {
    /// The order with this id.
    pub fn order(&self, order_id: &str) -> Option<&SimOrder> {
        self.orders.iter().find(|o| o.order_id == order_id)
    }

    /// Adds an order, or replaces the one with the same id.
    pub fn upsert_order(&mut self, order: SimOrder) {
        match self
            .orders
            .iter_mut()
            .find(|o| o.order_id == order.order_id)
        {
            Some(existing) => *existing = order,
            None => self.orders.push(order),
        }
    }

    /// The currency of the order `order_id` (GBP for one not held).
    pub fn currency_of(&self, order_id: &str) -> &'static str {
        self.order(order_id).map_or("GBP", SimOrder::currency)
    }

    /// Adds an event, keeping posting order.
    pub fn add_event(&mut self, event: FinancialEvent) {
        let at = self.events.partition_point(|e| e.posted <= event.posted);
        self.events.insert(at, event);
    }
}

/// `1234` → `"12.34"`, `-5` → `"-0.05"`.
pub fn pence_text(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_pence() {
        assert_eq!(pence_text(1234), "12.34");
        assert_eq!(pence_text(-5), "-0.05");
        assert_eq!(pence_text(0), "0.00");
        assert_eq!(pence_text(-100), "-1.00");
    }
}
