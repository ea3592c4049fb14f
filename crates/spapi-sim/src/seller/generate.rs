//! The deterministic demo seller: the same seed, order count and anchor
//! always give the same orders and events.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use time::{Duration, OffsetDateTime};

use super::{
    Component, EventItem, EventKind, FinancialEvent, Fulfillment, OrderStatus, Seller, SimLine,
    SimOrder,
};
use crate::catalogue::{CATALOGUE, CatalogueEntry};
use crate::config::{DEMO_MARKETPLACE_ID, local_price};
use spapi::marketplace::Marketplace;

/// Listings with no ASIN (custom bundles): SKU, title, price in pence.
const NO_ASIN_LISTINGS: [(&str, &str, i64); 3] = [
    (
        "BULK-1KG-MIXED",
        "LEGO Bulk 1kg Mixed Bricks and Pieces – Cleaned, £20 Value",
        1999,
    ),
    (
        "MINIFIG-LOT-10",
        "LEGO Minifigures Job Lot x10 Assorted",
        2499,
    ),
    (
        "INSTR-BUNDLE-5",
        "LEGO Instruction Booklets Bundle of 5",
        899,
    ),
];

const BUYERS: [&str; 16] = [
    "Oliver Smith",
    "Amelia Jones",
    "Harry Taylor",
    "Isla Brown",
    "George Williams",
    "Ava Wilson",
    "Noah Davies",
    "Mia Evans",
    "Jack Thomas",
    "Freya Roberts",
    "Leo Johnson",
    "Grace Walker",
    "Arthur Wright",
    "Lily Hughes",
    "Oscar Green",
    "Sophie Hall",
];

/// The generator the sellers share: a seeded RNG, the ids drawn so far
/// (kept unique) and the time the seller's history runs up to.
pub(super) struct Gen {
    pub(super) rng: StdRng,
    ids: HashSet<String>,
    anchor: OffsetDateTime,
    /// The marketplaces orders are placed on (the UK's by default).
    markets: Vec<&'static Marketplace>,
}

/// Generates `count` orders placed before `anchor` on the UK marketplace,
/// with their events.
pub fn generate(seed: u64, count: usize, anchor: OffsetDateTime) -> Seller {
    generate_in(seed, count, anchor, &[DEMO_MARKETPLACE_ID.to_owned()])
}

/// [`generate`] on the marketplaces `marketplaces` (ids; the first gets
/// about half the orders, the others share the rest). With one, the
/// seller is the same as [`generate`]'s.
pub fn generate_in(
    seed: u64,
    count: usize,
    anchor: OffsetDateTime,
    marketplaces: &[String],
) -> Seller {
    let mut g = Gen::new(seed, anchor);
    let markets: Vec<_> = marketplaces
        .iter()
        .filter_map(|id| spapi::marketplace::marketplace(id))
        .filter(|m| local_price(0, m.currency).is_some())
        .collect();
    if !markets.is_empty() {
        g.markets = markets;
    }
    let mut created = Vec::with_capacity(count);
    let mut at = anchor - Duration::minutes(15);
    for _ in 0..count {
        created.push(at);
        at -= Duration::minutes(g.rng.random_range(20..480));
    }
    created.reverse();
    let mut statuses: Vec<OrderStatus> = created
        .iter()
        .map(|&c| g.status_for_age(anchor - c))
        .collect();
    if count >= OrderStatus::ALL.len() {
        let mut every = OrderStatus::ALL;
        every.shuffle(&mut g.rng);
        let newest = count - every.len();
        statuses[newest..].copy_from_slice(&every);
    }
    let mut seller = Seller::default();
    for (i, (&created, &status)) in created.iter().zip(&statuses).enumerate() {
        let no_asin = count >= 3 && i == count / 3;
        let multi = count >= 3 && i == 2 * count / 3;
        let (order, shipped_at) = g.order(created, status, no_asin, multi);
        if let Some(shipped_at) = shipped_at {
            g.events_for(&mut seller, &order, shipped_at);
        }
        seller.orders.push(order);
    }
    if count >= 20 {
        g.ensure_a_refund(&mut seller);
    }
    touch_refunded(&mut seller);
    seller
}

/// Moves each refunded order's last update to its refund.
pub(super) fn touch_refunded(seller: &mut Seller) {
    for event in seller.events.iter().filter(|e| e.kind == EventKind::Refund) {
        if let Some(order) = seller
            .orders
            .iter_mut()
            .find(|o| o.order_id == event.order_id)
        {
            order.last_updated = order.last_updated.max(event.posted);
        }
    }
}

impl Gen {
    /// A generator for `seed` whose history ends at `anchor`.
    pub(super) fn new(seed: u64, anchor: OffsetDateTime) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
            ids: HashSet::new(),
            anchor,
            markets: vec![&spapi::marketplace::MARKETPLACES[0]],
        }
    }

    /// Refunds the first shipment when chance gave no refund.
    pub(super) fn ensure_a_refund(&mut self, seller: &mut Seller) {
        if seller.events.iter().any(|e| e.kind == EventKind::Refund) {
            return;
        }
        let first = seller
            .events
            .iter()
            .find(|e| e.kind == EventKind::Shipment)
            .cloned();
        if let Some(shipment) = first {
            let refund = self.refund(&shipment, shipment.posted + Duration::days(5));
            seller.add_event(refund);
        }
    }

    fn status_for_age(&mut self, age: Duration) -> OrderStatus {
        let roll = self.rng.random_range(0..100);
        if age < Duration::days(1) {
            match roll {
                0..20 => OrderStatus::Pending,
                20..70 => OrderStatus::Unshipped,
                70..80 => OrderStatus::PartiallyShipped,
                80..85 => OrderStatus::PendingAvailability,
                _ => OrderStatus::Shipped,
            }
        } else {
            match roll {
                0..78 => OrderStatus::Shipped,
                78..87 => OrderStatus::Canceled,
                87..92 => OrderStatus::InvoiceUnconfirmed,
                92..95 => OrderStatus::Unfulfillable,
                _ => OrderStatus::Unshipped,
            }
        }
    }

    fn unique(&mut self, make: impl Fn(&mut StdRng) -> String) -> String {
        loop {
            let id = make(&mut self.rng);
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn digits(&mut self, n: usize) -> String {
        self.unique(|rng| {
            (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect()
        })
    }

    /// A new Amazon-shaped order id, e.g. `203-1234567-1234567`.
    pub(super) fn order_id(&mut self) -> String {
        self.unique(|rng| {
            format!(
                "{}-{:07}-{:07}",
                rng.random_range(202..=206),
                rng.random_range(0..10_000_000),
                rng.random_range(0..10_000_000)
            )
        })
    }

    /// An order placed at `created` in `status`, and when it shipped.
    pub(super) fn order(
        &mut self,
        created: OffsetDateTime,
        status: OrderStatus,
        force_no_asin: bool,
        force_multi: bool,
    ) -> (SimOrder, Option<OffsetDateTime>) {
        let order_id = self.order_id();
        let fulfillment = if !force_no_asin && self.rng.random_bool(0.35) {
            Fulfillment::Amazon
        } else {
            Fulfillment::Merchant
        };
        let line_count = match self.rng.random_range(0..100) {
            0..70 => 1,
            70..92 => 2,
            _ => 3,
        };
        let mut lines: Vec<SimLine> = (0..line_count).map(|_| self.line(fulfillment)).collect();
        if force_no_asin {
            lines[0] = self.no_asin_line();
        }
        if force_multi {
            lines[0].quantity = 3;
        }
        if status == OrderStatus::PartiallyShipped && lines.len() == 1 && lines[0].quantity == 1 {
            lines[0].quantity = 2;
        }
        if fulfillment == Fulfillment::Merchant {
            let goods: i64 = lines.iter().map(SimLine::item_total_pence).sum();
            lines[0].shipping_pence = if goods < 5000 { 399 } else { 0 };
        }
        // One marketplace draws nothing: a UK seller stays as it was.
        let market = match self.markets.len() {
            0 | 1 => self.markets.first().copied(),
            n if self.rng.random_bool(0.5) => {
                self.markets.get(self.rng.random_range(1..n)).copied()
            }
            _ => self.markets.first().copied(),
        }
        .unwrap_or(&spapi::marketplace::MARKETPLACES[0]);
        for line in &mut lines {
            let local = |pence| local_price(pence, market.currency).unwrap_or(pence);
            line.unit_price_pence = local(line.unit_price_pence);
            line.shipping_pence = if line.shipping_pence > 0 {
                local(line.shipping_pence)
            } else {
                0
            };
        }
        let shipped = matches!(
            status,
            OrderStatus::Shipped | OrderStatus::InvoiceUnconfirmed | OrderStatus::PartiallyShipped
        );
        let latest = self.anchor - Duration::minutes(5);
        let shipped_at = shipped
            .then(|| (created + Duration::minutes(self.rng.random_range(120..2160))).min(latest));
        for (i, line) in lines.iter_mut().enumerate() {
            line.quantity_shipped = match status {
                OrderStatus::Shipped | OrderStatus::InvoiceUnconfirmed => line.quantity,
                OrderStatus::PartiallyShipped if i == 0 => line
                    .quantity
                    .div_ceil(2)
                    .min(line.quantity - u32::from(line_count == 1)),
                _ => 0,
            };
        }
        let last_updated = match (status, shipped_at) {
            (_, Some(at)) => at + Duration::minutes(self.rng.random_range(0..30)),
            (OrderStatus::Canceled | OrderStatus::Unfulfillable, _) => {
                created + Duration::minutes(self.rng.random_range(30..720))
            }
            _ => created + Duration::minutes(self.rng.random_range(0..10)),
        }
        .min(latest)
        .max(created);
        let buyer_name = BUYERS[self.rng.random_range(0..BUYERS.len())].to_owned();
        let mailbox: String = (0..16)
            .map(|_| char::from(b'a' + self.rng.random_range(0..26u8)))
            .collect();
        let order = SimOrder {
            order_id,
            created,
            last_updated,
            status,
            fulfillment,
            buyer_name,
            buyer_email: format!("{mailbox}@marketplace.{}", market.name.to_ascii_lowercase()),
            is_prime: fulfillment == Fulfillment::Amazon,
            marketplace_id: market.id.to_owned(),
            lines,
        };
        (order, shipped_at)
    }

    /// A line of a new order: now and then (merchant orders only) a
    /// listing without ASIN, else a catalogue listing.
    pub(super) fn line(&mut self, fulfillment: Fulfillment) -> SimLine {
        if fulfillment == Fulfillment::Merchant && self.rng.random_bool(0.06) {
            return self.no_asin_line();
        }
        self.catalogue_line()
    }

    /// A line of a catalogue listing (with ASIN), new or used.
    pub(super) fn catalogue_line(&mut self) -> SimLine {
        let entry: &CatalogueEntry = &CATALOGUE[self.rng.random_range(0..CATALOGUE.len())];
        self.listing_line(entry)
    }

    /// A line of `entry`'s listing, new or used.
    pub(super) fn listing_line(&mut self, entry: &CatalogueEntry) -> SimLine {
        let used = self.rng.random_bool(0.15);
        let factor = if used {
            0.7
        } else {
            self.rng.random_range(0.9..1.05)
        };
        let unit = (((entry.price_pence as f64 * factor) / 100.0).round() as i64 * 100 - 1).max(99);
        let quantity = if self.rng.random_bool(0.85) {
            1
        } else {
            self.rng.random_range(2..=3)
        };
        SimLine {
            order_item_id: self.digits(14),
            asin: Some(entry.asin.to_owned()),
            sku: format!(
                "{}-{}-{:02}",
                entry.set_number,
                if used { "U" } else { "N" },
                self.rng.random_range(1..20)
            ),
            title: entry.amazon_title(),
            quantity,
            quantity_shipped: 0,
            unit_price_pence: unit,
            shipping_pence: 0,
            condition: if used { "Used" } else { "New" }.to_owned(),
        }
    }

    fn no_asin_line(&mut self) -> SimLine {
        let (sku, title, price) =
            NO_ASIN_LISTINGS[self.rng.random_range(0..NO_ASIN_LISTINGS.len())];
        SimLine {
            order_item_id: self.digits(14),
            asin: None,
            sku: sku.to_owned(),
            title: title.to_owned(),
            quantity: 1,
            quantity_shipped: 0,
            unit_price_pence: price,
            shipping_pence: 0,
            condition: "Used".to_owned(),
        }
    }

    fn transaction_id(&mut self) -> String {
        let hex: String = (0..32)
            .map(|_| char::from_digit(self.rng.random_range(0..16), 16).unwrap_or('0'))
            .collect();
        self.unique(|_| format!("amzn1.transaction.{hex}"))
    }

    /// The shipment event (and now and then a refund) of `order`, posted
    /// a few days after `shipped_at` if that is before the anchor.
    pub(super) fn events_for(
        &mut self,
        seller: &mut Seller,
        order: &SimOrder,
        shipped_at: OffsetDateTime,
    ) {
        let posted = shipped_at + Duration::hours(self.rng.random_range(24..96));
        let visible_before = self.anchor - Duration::minutes(3);
        if posted >= visible_before {
            return;
        }
        let items = order
            .lines
            .iter()
            .filter(|l| l.quantity_shipped > 0)
            .map(|l| {
                let principal = l.unit_price_pence * i64::from(l.quantity_shipped);
                let commission = -((principal + l.shipping_pence) * 153)
                    .div_euclid(1000)
                    .max(25);
                let mut charges = vec![Component {
                    kind: "Principal".into(),
                    pence: principal,
                }];
                if l.shipping_pence > 0 {
                    charges.push(Component {
                        kind: "ShippingCharge".into(),
                        pence: l.shipping_pence,
                    });
                }
                let mut fees = vec![Component {
                    kind: "Commission".into(),
                    pence: commission,
                }];
                if order.fulfillment == Fulfillment::Amazon {
                    let per_unit = match l.unit_price_pence {
                        ..2000 => 230,
                        2000..10000 => 350,
                        _ => 520,
                    };
                    fees.push(Component {
                        kind: "FBAPerUnitFulfillmentFee".into(),
                        pence: -per_unit * i64::from(l.quantity_shipped),
                    });
                }
                fees.push(Component {
                    kind: "DigitalServicesFee".into(),
                    pence: commission / 50,
                });
                EventItem {
                    order_item_id: l.order_item_id.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity_shipped,
                    adjustment_id: None,
                    charges,
                    fees,
                }
            })
            .collect();
        let shipment = FinancialEvent {
            transaction_id: self.transaction_id(),
            kind: EventKind::Shipment,
            order_id: order.order_id.clone(),
            posted,
            items,
        };
        if self.rng.random_bool(0.07) {
            let refund_at = posted + Duration::hours(self.rng.random_range(72..360));
            if refund_at < visible_before {
                let refund = self.refund(&shipment, refund_at);
                seller.add_event(refund);
            }
        }
        seller.add_event(shipment);
    }

    /// Refunds the first line of `shipment` in full.
    fn refund(&mut self, shipment: &FinancialEvent, posted: OffsetDateTime) -> FinancialEvent {
        let line = &shipment.items[0];
        let charges = line
            .charges
            .iter()
            .map(|c| Component {
                kind: c.kind.clone(),
                pence: -c.pence,
            })
            .collect();
        let commission = line
            .fees
            .iter()
            .find(|f| f.kind == "Commission")
            .map_or(0, |f| f.pence);
        let fees = vec![
            Component {
                kind: "Commission".into(),
                pence: -commission,
            },
            Component {
                kind: "RefundCommission".into(),
                pence: (commission / 5).max(-500),
            },
        ];
        let item = EventItem {
            order_item_id: line.order_item_id.clone(),
            sku: line.sku.clone(),
            quantity: line.quantity,
            adjustment_id: Some(self.digits(14)),
            charges,
            fees,
        };
        FinancialEvent {
            transaction_id: self.transaction_id(),
            kind: EventKind::Refund,
            order_id: shipment.order_id.clone(),
            posted,
            items: vec![item],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ANCHOR: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn same_seed_same_seller_and_different_seed_differs() {
        assert_eq!(generate(7, 60, ANCHOR), generate(7, 60, ANCHOR));
        assert_ne!(generate(7, 60, ANCHOR), generate(8, 60, ANCHOR));
    }

    #[test]
    fn covers_every_case_the_app_must_handle() {
        let seller = generate(42, 120, ANCHOR);
        assert_eq!(seller.orders.len(), 120);
        for status in OrderStatus::ALL {
            assert!(
                seller.orders.iter().any(|o| o.status == status),
                "{status:?}"
            );
        }
        let lines = || seller.orders.iter().flat_map(|o| &o.lines);
        assert!(lines().any(|l| l.asin.is_none()));
        assert!(lines().any(|l| l.quantity > 1));
        assert!(
            seller
                .orders
                .iter()
                .any(|o| o.fulfillment == Fulfillment::Amazon)
        );
        assert!(
            seller
                .orders
                .iter()
                .any(|o| o.fulfillment == Fulfillment::Merchant)
        );
        assert!(seller.events.iter().any(|e| e.kind == EventKind::Refund));
        let shipped_without_events = seller
            .orders
            .iter()
            .filter(|o| o.status == OrderStatus::Shipped)
            .filter(|o| !seller.events.iter().any(|e| e.order_id == o.order_id))
            .count();
        assert!(shipped_without_events > 0);
        for o in &seller.orders {
            assert!(o.created < ANCHOR - Duration::minutes(10) && o.last_updated >= o.created);
            assert!(o.last_updated < ANCHOR);
        }
        for e in &seller.events {
            let order = seller.order(&e.order_id).unwrap();
            assert!(
                e.posted > order.created + Duration::days(1),
                "posted days after the order"
            );
            assert!(e.posted < ANCHOR);
        }
        assert!(seller.events.windows(2).all(|w| w[0].posted <= w[1].posted));
    }

    #[test]
    fn tiny_sellers_are_fine() {
        assert_eq!(generate(1, 0, ANCHOR), Seller::default());
        for count in 1..10 {
            let seller = generate(1, count, ANCHOR);
            assert_eq!(seller.orders.len(), count);
            assert!(seller.orders.iter().all(|o| !o.lines.is_empty()));
        }
    }

    #[test]
    fn ids_are_unique_and_amazon_shaped() {
        let seller = generate(3, 300, ANCHOR);
        let ids: HashSet<_> = seller.orders.iter().map(|o| &o.order_id).collect();
        assert_eq!(ids.len(), 300);
        for o in &seller.orders {
            let parts: Vec<_> = o.order_id.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [3, 7, 7]);
            for l in &o.lines {
                assert_eq!(l.order_item_id.len(), 14);
            }
        }
    }
}
