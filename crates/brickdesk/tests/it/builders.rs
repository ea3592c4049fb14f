//! Builders for test records: say what matters to the test, default the rest.

use brickdesk::db::inventory::{NewUnit, UnitDetails};
use brickdesk::db::orders::{NewOrder, ReportedLine, ReportedOrder};
use brickdesk::domain::{
    Condition, Currency, FulfillmentChannel, InventoryStatus, Money, Platform,
};
use time::OffsetDateTime;

/// A unit of a set: new, listed, unlocated, cost 100.00 and price 200.00 GBP.
pub struct TestUnit(NewUnit);

impl TestUnit {
    /// A unit of `set`, named "Set {set}".
    pub fn of(set: &str) -> Self {
        TestUnit(NewUnit {
            details: UnitDetails {
                cost_minor: Some(10_000),
                listing_price_minor: Some(20_000),
                ..UnitDetails::listed(set, format!("Set {set}"))
            },
            created_at: None,
        })
    }

    /// In this condition.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.0.details.condition = condition;
        self
    }

    /// With this status.
    pub fn status(mut self, status: InventoryStatus) -> Self {
        self.0.details.status = status;
        self
    }

    /// Stored at `location` (or nowhere).
    pub fn location(mut self, location: Option<&str>) -> Self {
        self.0.details.storage_location = location.map(str::to_owned);
        self
    }

    /// Named `name` instead of "Set {set}".
    pub fn named(mut self, name: &str) -> Self {
        self.0.details.item_name = name.to_owned();
        self
    }

    /// Bought for `cost` and asking `price`, in minor units.
    pub fn priced(mut self, cost: Option<i64>, price: Option<i64>) -> Self {
        self.0.details.cost_minor = cost;
        self.0.details.listing_price_minor = price;
        self
    }

    /// With this seller SKU.
    pub fn sku(mut self, sku: &str) -> Self {
        self.0.details.sku = Some(sku.to_owned());
        self
    }

    /// Added at `at` (drives FIFO).
    pub fn added(mut self, at: OffsetDateTime) -> Self {
        self.0.created_at = Some(at);
        self
    }

    /// The record to insert.
    pub fn build(self) -> NewUnit {
        self.0
    }
}

/// An Amazon MFN order by "Buyer", total 599.99 GBP, lines fetched.
pub struct TestOrder(NewOrder);

impl TestOrder {
    /// A paid order (Amazon "Unshipped") with this id.
    pub fn paid(id: &str) -> Self {
        Self::with_status(id, "Unshipped")
    }

    /// An order with this id and platform status.
    pub fn with_status(id: &str, status: &str) -> Self {
        TestOrder(NewOrder {
            reported: ReportedOrder {
                platform: Platform::Amazon,
                platform_order_id: id.to_owned(),
                order_date: None,
                last_updated_at: None,
                buyer_name: Some("Buyer".into()),
                buyer_email: None,
                platform_status: status.to_owned(),
                total: Some(Money::from_minor(59_999, Currency::GBP)),
                fulfillment_channel: Some(FulfillmentChannel::Mfn),
                marketplace_id: None,
            },
            items_fetched: true,
        })
    }

    /// Bought by `buyer` (or an unnamed buyer).
    pub fn buyer(mut self, buyer: Option<&str>) -> Self {
        self.0.reported.buyer_name = buyer.map(str::to_owned);
        self
    }

    /// Totalling `minor` GBP (or no total, as Amazon's Pending orders).
    pub fn total(mut self, minor: Option<i64>) -> Self {
        self.0.reported.total = minor.map(|m| Money::from_minor(m, Currency::GBP));
        self
    }

    /// In this marketplace.
    pub fn marketplace(mut self, id: &str) -> Self {
        self.0.reported.marketplace_id = Some(id.to_owned());
        self
    }

    /// Fulfilled by Amazon (FBA): Amazon ships it, the seller does not.
    pub fn fba(mut self) -> Self {
        self.0.reported.fulfillment_channel = Some(FulfillmentChannel::Afn);
        self
    }

    /// Synced without its lines (Orders v0 gives none), so a backfill
    /// fetches them.
    pub fn missing_lines(mut self) -> Self {
        self.0.items_fetched = false;
        self
    }

    /// Placed at `at`.
    pub fn placed(mut self, at: OffsetDateTime) -> Self {
        self.0.reported.order_date = Some(at);
        self
    }

    /// The record to insert.
    pub fn build(self) -> NewOrder {
        self.0
    }
}

/// An order line: one "New" unit at 599.99 GBP, no ASIN, untitled.
pub struct TestLine(ReportedLine);

impl TestLine {
    /// `quantity` units under the platform line id `id`.
    pub fn new(id: &str, quantity: i64) -> Self {
        TestLine(ReportedLine {
            platform_item_id: id.to_owned(),
            asin: None,
            sku: None,
            title: None,
            quantity,
            unit_price: Some(Money::from_minor(59_999, Currency::GBP)),
            line_price: Some(Money::from_minor(59_999 * quantity, Currency::GBP)),
            condition: Some("New".into()),
        })
    }

    /// With this ASIN (or none).
    pub fn asin(mut self, asin: Option<&str>) -> Self {
        self.0.asin = asin.map(str::to_owned);
        self
    }

    /// With this seller SKU.
    pub fn sku(mut self, sku: &str) -> Self {
        self.0.sku = Some(sku.to_owned());
        self
    }

    /// At `minor` GBP a unit (or no price); the line price follows.
    pub fn unit_price(mut self, minor: Option<i64>) -> Self {
        let quantity = self.0.quantity;
        self.0.unit_price = minor.map(|m| Money::from_minor(m, Currency::GBP));
        self.0.line_price = minor.map(|m| Money::from_minor(m * quantity, Currency::GBP));
        self
    }

    /// Titled `title`.
    pub fn title(mut self, title: &str) -> Self {
        self.0.title = Some(title.to_owned());
        self
    }

    /// The record to insert.
    pub fn build(self) -> ReportedLine {
        self.0
    }
}
