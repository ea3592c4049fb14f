//! Deterministic generation of the demo seller (no I/O).

use spapi_sim::catalogue::{CATALOGUE, CatalogueEntry};
use time::{Duration, OffsetDateTime};

use crate::db::inventory::NewUnit;
use crate::db::orders::{NewOrder, NewOrderItem};
use crate::domain::{Condition, Currency, InventoryStatus, Money, Platform, WorkflowStatus};

/// An order with its lines and, for confirmed ones, its workflow status.
pub type DemoOrder = (NewOrder, Vec<NewOrderItem>, Option<WorkflowStatus>);

/// Everything the demo seller holds.
#[derive(Debug, Clone)]
pub struct DemoData {
    /// Inventory units.
    pub units: Vec<NewUnit>,
    /// ASIN mappings: (asin, set number, condition).
    pub mappings: Vec<(String, String, Condition)>,
    /// Orders of every platform.
    pub orders: Vec<DemoOrder>,
}

/// SplitMix64: tiny, fast and fixed forever, so a seed always gives the
/// same demo (library RNGs may change their streams between versions).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const LOCATIONS: &[&str] = &[
    "A-01", "A-02", "A-03", "A-04", "A-05", "A-06", "A-07", "A-08", "A-09", "A-10", "A-11", "A-12",
    "B-01", "B-02", "B-03", "B-04", "B-05", "B-06", "B-07", "B-08", "S1", "S2", "S3", "S5", "S8",
    "S12", "S15", "S20",
];

/// Amazon statuses of the demo, with how many orders each: the journey's
/// proportions (5 Pending, 15 Paid, 30 Shipped, 246 Completed, 4 Cancelled).
const AMAZON_MIX: &[(&str, Option<WorkflowStatus>, usize)] = &[
    ("Pending", None, 4),
    ("PendingAvailability", None, 1),
    ("Unshipped", None, 13),
    ("PartiallyShipped", None, 2),
    ("Shipped", None, 30),
    ("Shipped", Some(WorkflowStatus::Completed), 246),
    ("Canceled", None, 3),
    ("Unfulfillable", None, 1),
];

/// Orders whose lines were never fetched ("missing item details").
const MISSING_ITEMS: usize = 15;

/// Generates the demo seller for `seed`, with dates relative to `now`.
pub fn generate(seed: u64, now: OffsetDateTime) -> DemoData {
    let mut rng = Rng(seed);
    let mapped: Vec<bool> = CATALOGUE.iter().map(|_| rng.chance(75)).collect();
    let mappings = CATALOGUE
        .iter()
        .zip(&mapped)
        .filter(|(_, m)| **m)
        .map(|(e, _)| (e.asin.to_owned(), e.set_number.to_owned(), Condition::New))
        .collect();
    let units = CATALOGUE
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            let count = 2 + rng.below(8) as usize;
            (0..count)
                .map(|n| demo_unit(&mut rng, e, i, n, now))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut orders = amazon_orders(&mut rng, now);
    orders.extend(imported_orders(&mut rng, now, Platform::Ebay, 20));
    orders.extend(imported_orders(&mut rng, now, Platform::Bricqer, 10));
    DemoData {
        units,
        mappings,
        orders,
    }
}

fn demo_unit(
    rng: &mut Rng,
    e: &CatalogueEntry,
    set_index: usize,
    n: usize,
    now: OffsetDateTime,
) -> NewUnit {
    let condition = if rng.chance(85) {
        Condition::New
    } else {
        Condition::Used
    };
    let status = match rng.below(10) {
        0 => InventoryStatus::NotYetReceived,
        1..=3 => InventoryStatus::Backlog,
        _ => InventoryStatus::Listed,
    };
    let created_at = now
        - Duration::days(30 + rng.below(470) as i64)
        - Duration::minutes(rng.below(1440) as i64);
    let storage_location = (status != InventoryStatus::NotYetReceived)
        .then(|| LOCATIONS[rng.below(LOCATIONS.len() as u64) as usize].to_owned());
    let cost = e.price_pence * (55 + rng.below(25) as i64) / 100;
    // Listing prices end in 99p, as sellers price.
    let listing = (e.price_pence * (95 + rng.below(15) as i64) / 100) / 100 * 100 + 99;
    NewUnit {
        set_number: e.set_number.to_owned(),
        item_name: e.name.to_owned(),
        condition,
        status,
        storage_location,
        cost_minor: Some(cost),
        listing_price_minor: Some(listing),
        currency: Currency::GBP,
        sku: Some(format!("BD-{}-{:03}", e.set_number, set_index * 100 + n)),
        external_id: None,
        purchase_date: Some((created_at - Duration::days(rng.below(10) as i64)).date()),
        notes: None,
        created_at: Some(created_at),
    }
}

fn amazon_order_id(rng: &mut Rng) -> String {
    format!(
        "{}-{}-{}",
        ["202", "203", "204", "026"][rng.below(4) as usize],
        rng.digits(7),
        rng.digits(7)
    )
}

fn amazon_orders(rng: &mut Rng, now: OffsetDateTime) -> Vec<DemoOrder> {
    let mut out = Vec::new();
    let mut missing_left = MISSING_ITEMS;
    for &(status, workflow, count) in AMAZON_MIX {
        for k in 0..count {
            // Open orders are recent; confirmed ones spread over four months.
            let age_hours = match (status, workflow) {
                ("Pending" | "PendingAvailability", _) => rng.below(30),
                ("Unshipped" | "PartiallyShipped", _) => 6 + rng.below(72),
                ("Shipped", None) => 24 + rng.below(14 * 24),
                _ => 48 + rng.below(120 * 24),
            };
            let order_date =
                now - Duration::hours(age_hours as i64) - Duration::minutes(rng.below(60) as i64);
            let priced = !status.starts_with("Pending");
            // Orders missing their lines are old shipped ones, as after a
            // sync that only fetched headers.
            let missing = workflow.is_some() && missing_left > 0 && k % 16 == 3;
            if missing {
                missing_left -= 1;
            }
            let items = if missing {
                Vec::new()
            } else {
                amazon_lines(rng, priced)
            };
            let total = priced.then(|| {
                let sum = items
                    .iter()
                    .filter_map(|i| i.line_price.map(|m| m.minor))
                    .sum::<i64>();
                Money::from_minor(
                    if missing {
                        2999 + rng.below(40_000) as i64
                    } else {
                        sum
                    },
                    Currency::GBP,
                )
            });
            let order = NewOrder {
                platform: Platform::Amazon,
                platform_order_id: amazon_order_id(rng),
                order_date: Some(order_date),
                last_updated_at: Some(order_date + Duration::hours(2)),
                buyer_name: None,
                buyer_email: None,
                platform_status: status.to_owned(),
                total,
                fulfillment_channel: Some(if rng.chance(30) { "AFN" } else { "MFN" }.to_owned()),
                marketplace_id: Some("A1F83G8C2ARO7P".to_owned()),
                items_fetched: !missing,
            };
            out.push((order, items, workflow));
        }
    }
    out
}

fn amazon_lines(rng: &mut Rng, priced: bool) -> Vec<NewOrderItem> {
    let count = match rng.below(100) {
        0..=69 => 1,
        70..=91 => 2,
        _ => 3,
    };
    (0..count)
        .map(|_| {
            let e = &CATALOGUE[rng.below(CATALOGUE.len() as u64) as usize];
            let no_asin = rng.chance(4);
            let quantity = if rng.chance(10) {
                2 + rng.below(2) as i64
            } else {
                1
            };
            let unit = e.price_pence - (rng.below(4) as i64) * 500;
            NewOrderItem {
                platform_item_id: rng.digits(14),
                asin: (!no_asin).then(|| e.asin.to_owned()),
                sku: Some(format!("AMZ-{}-N", e.set_number)),
                title: Some(if no_asin {
                    "Unknown Item".to_owned()
                } else {
                    e.amazon_title()
                }),
                quantity,
                unit_price: priced.then(|| Money::from_minor(unit, Currency::GBP)),
                line_price: priced.then(|| Money::from_minor(unit * quantity, Currency::GBP)),
                condition: Some("New".to_owned()),
            }
        })
        .collect()
}

fn imported_orders(
    rng: &mut Rng,
    now: OffsetDateTime,
    platform: Platform,
    count: usize,
) -> Vec<DemoOrder> {
    (0..count)
        .map(|k| {
            let status =
                ["Paid", "Shipped", "Completed", "Completed", "Cancelled"][rng.below(5) as usize];
            let e = &CATALOGUE[rng.below(CATALOGUE.len() as u64) as usize];
            let price = Money::from_minor(e.price_pence, Currency::GBP);
            let id = match platform {
                Platform::Ebay => format!("{}-{}-{}", rng.digits(2), rng.digits(5), rng.digits(5)),
                _ => format!("BQ-{}", 10_001 + k),
            };
            let order = NewOrder {
                platform,
                platform_order_id: id,
                order_date: Some(now - Duration::hours(rng.below(60 * 24) as i64)),
                last_updated_at: None,
                buyer_name: Some(
                    ["J. Smith", "A. Patel", "M. Jones", "K. Nowak"][rng.below(4) as usize]
                        .to_owned(),
                ),
                buyer_email: None,
                platform_status: status.to_owned(),
                total: Some(price),
                fulfillment_channel: None,
                marketplace_id: None,
                items_fetched: true,
            };
            let item = NewOrderItem {
                platform_item_id: format!("{}-1", k + 1),
                asin: None,
                sku: Some(format!("BD-{}", e.set_number)),
                title: Some(format!("LEGO {} {}", e.set_number, e.name)),
                quantity: 1,
                unit_price: Some(price),
                line_price: Some(price),
                condition: Some("New".to_owned()),
            };
            (order, vec![item], None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::ui_status;
    use std::collections::{HashMap, HashSet};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-18 12:00 UTC);

    #[test]
    fn same_seed_same_data() {
        let (a, b) = (generate(7, NOW), generate(7, NOW));
        let ids = |d: &DemoData| {
            d.orders
                .iter()
                .map(|o| o.0.platform_order_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&generate(8, NOW)));
    }

    #[test]
    fn shaped_like_the_journey() {
        let d = generate(super::super::DEMO_SEED, NOW);
        let amazon: Vec<_> = d
            .orders
            .iter()
            .filter(|o| o.0.platform == Platform::Amazon)
            .collect();
        assert_eq!(amazon.len(), 300);
        let mut by_ui: HashMap<&str, usize> = HashMap::new();
        for (o, _, wf) in &amazon {
            *by_ui
                .entry(ui_status(&o.platform_status, *wf).as_str())
                .or_default() += 1;
        }
        assert_eq!(by_ui.get("Pending"), Some(&5));
        assert_eq!(by_ui.get("Paid"), Some(&15));
        assert_eq!(by_ui.get("Shipped"), Some(&30));
        assert_eq!(by_ui.get("Completed"), Some(&246));
        assert_eq!(by_ui.get("Cancelled"), Some(&4));
        let ids: HashSet<_> = amazon.iter().map(|o| &o.0.platform_order_id).collect();
        assert_eq!(ids.len(), 300, "order ids are unique");
        let lines: Vec<_> = amazon.iter().flat_map(|o| &o.1).collect();
        assert!(
            lines.iter().any(|l| l.asin.is_none()),
            "some lines have no ASIN"
        );
        assert!(
            lines.iter().any(|l| l.quantity > 1),
            "some lines are multi-quantity"
        );
        let mapped: HashSet<_> = d.mappings.iter().map(|m| m.0.as_str()).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.asin.as_deref().is_some_and(|a| !mapped.contains(a))),
            "some unmatched"
        );
        assert_eq!(
            amazon.iter().filter(|o| !o.0.items_fetched).count(),
            MISSING_ITEMS
        );
        assert!(
            amazon
                .iter()
                .filter(|o| o.0.platform_status == "Pending")
                .all(|o| o.0.total.is_none())
        );
        assert!(
            d.units.len() >= 200,
            "a few hundred units, got {}",
            d.units.len()
        );
    }
}
