//! What the demo adds around the simulator's orders, derived from them
//! and the seed (no I/O): which orders arrive headers only, the ASIN
//! mappings, the units on the shelves, the units sold for the orders the
//! seller confirmed processed, and the eBay and Bricqer orders.

use std::collections::HashSet;

use spapi_sim::catalogue::{CATALOGUE, CatalogueEntry, by_asin};
use spapi_sim::{OrderStatus, SimOrder};
use time::{Duration, OffsetDateTime};

use crate::db::inventory::{NewUnit, UnitDetails};
use crate::db::orders::{NewOrder, ReportedLine, ReportedOrder};
use crate::domain::{Condition, Currency, InventoryStatus, Money, Platform, UiStatus};

/// An order of another platform with its lines.
pub type ImportedOrder = (NewOrder, Vec<ReportedLine>);

/// Everything the demo writes beside the synced orders.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    /// ASIN mappings: (asin, set number, condition).
    pub mappings: Vec<(String, String, Condition)>,
    /// Units on the shelves (not sold).
    pub stock: Vec<NewUnit>,
    /// Shipped Amazon orders the seller confirmed processed.
    pub confirmed: Vec<ConfirmedOrder>,
    /// eBay and Bricqer orders.
    pub imported: Vec<ImportedOrder>,
}

/// A confirmed order and the units it sold.
#[derive(Debug, Clone)]
pub struct ConfirmedOrder {
    /// Amazon order id.
    pub order_id: String,
    /// When the seller confirmed it.
    pub confirmed_at: OffsetDateTime,
    /// Its lines with an ASIN, each with one unit per unit ordered.
    pub lines: Vec<SoldLine>,
}

/// A line of a confirmed order and the units sold for it.
#[derive(Debug, Clone)]
pub struct SoldLine {
    /// Amazon's OrderItemId.
    pub order_item_id: String,
    /// Price of one unit.
    pub unit_price: Money,
    /// The units, in unit-index order.
    pub units: Vec<NewUnit>,
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

/// Where the demo's units at Amazon's warehouse are.
const FBA_LOCATION: &str = "FBA-UK";

const LOCATIONS: &[&str] = &[
    "A-01", "A-02", "A-03", "A-04", "A-05", "A-06", "A-07", "A-08", "A-09", "A-10", "A-11", "A-12",
    "B-01", "B-02", "B-03", "B-04", "B-05", "B-06", "B-07", "B-08", "S1", "S2", "S3", "S5", "S8",
    "S12", "S15", "S20",
];

/// The `count` most recently updated orders, which the demo's first sync
/// stores headers only, and the last update time of the newest other
/// order (where the sync with lines stops). `None` when there are not
/// more than `count` orders.
pub fn headers_only(
    orders: &[SimOrder],
    count: usize,
) -> Option<(HashSet<String>, OffsetDateTime)> {
    let mut by_update: Vec<&SimOrder> = orders.iter().collect();
    by_update.sort_by_key(|o| std::cmp::Reverse(o.last_updated));
    let until = by_update.get(count)?.last_updated;
    let ids = by_update[..count]
        .iter()
        .filter(|o| o.last_updated > until)
        .map(|o| o.order_id.clone())
        .collect();
    Some((ids, until))
}

/// The Shipped orders the seller confirmed processed: all but the newest
/// `unconfirmed` by purchase date, oldest first.
pub fn confirmed_orders(orders: &[SimOrder], unconfirmed: usize) -> Vec<&SimOrder> {
    let mut shipped: Vec<&SimOrder> = orders
        .iter()
        .filter(|o| o.status == OrderStatus::Shipped)
        .collect();
    shipped.sort_by_key(|o| o.created);
    let keep = shipped.len().saturating_sub(unconfirmed);
    shipped.truncate(keep);
    shipped
}

/// Plans the demo around `orders` (the simulator's, as the first sync
/// finds them), with dates relative to `now` (the simulator's anchor).
/// `confirmed` and `missing` name the confirmed orders and those stored
/// without lines.
pub fn plan(
    seed: u64,
    orders: &[SimOrder],
    confirmed: &[&SimOrder],
    missing: &HashSet<String>,
    now: OffsetDateTime,
) -> DemoPlan {
    let mut rng = Rng(seed);
    let mut mapped: Vec<bool> = CATALOGUE.iter().map(|_| rng.chance(75)).collect();
    let confirmed_ids: HashSet<&str> = confirmed.iter().map(|o| o.order_id.as_str()).collect();
    let open: Vec<&SimOrder> = orders
        .iter()
        .filter(|o| !confirmed_ids.contains(o.order_id.as_str()) && !missing.contains(&o.order_id))
        .collect();
    let index = |asin: &str| CATALOGUE.iter().position(|e| e.asin == asin);
    // The orders the seller sees with lines and still has to handle show
    // the journey's ASIN matcher example unmatched, or at least one
    // unmatched line, whatever the seed.
    let unmapped_open = open
        .iter()
        .flat_map(|o| o.lines.iter().filter_map(|l| l.asin.as_deref()))
        .any(|a| index(a).is_some_and(|i| !mapped[i]));
    let to_unmap = matcher_example(&open).or_else(|| {
        (!unmapped_open)
            .then(|| {
                open.iter()
                    .flat_map(|o| &o.lines)
                    .find_map(|l| l.asin.as_deref())
            })
            .flatten()
    });
    if let Some(i) = to_unmap.and_then(index) {
        mapped[i] = false;
    }
    let mappings = CATALOGUE
        .iter()
        .zip(&mapped)
        .filter(|(_, m)| **m)
        .map(|(e, _)| (e.asin.to_owned(), e.set_number.to_owned(), Condition::New))
        .collect();
    let stock = CATALOGUE
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            let count = 2 + rng.below(8) as usize;
            let mut units: Vec<NewUnit> = (0..count)
                .map(|n| stock_unit(&mut rng, e, i, n, now))
                .collect();
            // Every set has two units to choose from on the shelves.
            let mut sellable = units
                .iter()
                .filter(|u| u.details.status.is_sellable())
                .count();
            for (n, unit) in units.iter_mut().enumerate() {
                if sellable >= 2 {
                    break;
                }
                if !unit.details.status.is_sellable() {
                    unit.details.status = InventoryStatus::Listed;
                    unit.details.storage_location =
                        Some(LOCATIONS[(i + n) % LOCATIONS.len()].to_owned());
                    sellable += 1;
                }
            }
            // A third of the sets also have a unit at Amazon's warehouse,
            // for the FBA orders to take.
            if i % 3 == 0
                && sellable >= 3
                && let Some(unit) = units
                    .iter_mut()
                    .rev()
                    .find(|u| u.details.status.is_sellable())
            {
                unit.details.storage_location = Some(FBA_LOCATION.to_owned());
            }
            units
        })
        .collect();
    let mut sold_count = 0;
    let confirmed = confirmed
        .iter()
        .map(|o| confirmed_order(&mut rng, o, &mut sold_count, now))
        .collect();
    let mut imported = imported_orders(&mut rng, now, Platform::Ebay, 20);
    imported.extend(imported_orders(&mut rng, now, Platform::Bricqer, 10));
    DemoPlan {
        mappings,
        stock,
        confirmed,
        imported,
    }
}

/// The ASIN of the journey's matcher example among `open` orders: a Paid
/// order of one single-unit line whose ASIN another of them shares.
fn matcher_example<'o>(open: &[&'o SimOrder]) -> Option<&'o str> {
    open.iter()
        .filter(|o| {
            matches!(
                o.status,
                OrderStatus::Unshipped | OrderStatus::PartiallyShipped
            ) && o.lines.len() == 1
                && o.lines[0].quantity == 1
        })
        .filter_map(|o| o.lines[0].asin.as_deref())
        .find(|asin| {
            open.iter()
                .filter(|x| x.lines.iter().any(|l| l.asin.as_deref() == Some(*asin)))
                .count()
                >= 2
        })
}

fn stock_unit(
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
    // Listing prices end in 99p, as sellers price.
    let listing = (e.price_pence * (95 + rng.below(15) as i64) / 100) / 100 * 100 + 99;
    NewUnit {
        details: UnitDetails {
            set_number: e.set_number.to_owned(),
            item_name: e.name.to_owned(),
            condition,
            status,
            storage_location,
            cost_minor: Some(cost(rng, e)),
            listing_price_minor: Some(listing),
            currency: Currency::GBP,
            sku: Some(format!("BD-{}-{:03}", e.set_number, set_index * 100 + n)),
            external_id: None,
            purchase_date: Some((created_at - Duration::days(rng.below(10) as i64)).date()),
            notes: None,
        },
        created_at: Some(created_at),
    }
}

/// What a unit cost: 55–80 % of the set's usual price.
fn cost(rng: &mut Rng, e: &CatalogueEntry) -> i64 {
    e.price_pence * (55 + rng.below(25) as i64) / 100
}

/// The units a confirmed order sold: bought months before the order,
/// listed on a shelf until sold. Lines without ASIN were not linked.
fn confirmed_order(
    rng: &mut Rng,
    order: &SimOrder,
    sold_count: &mut usize,
    now: OffsetDateTime,
) -> ConfirmedOrder {
    let lines = order
        .lines
        .iter()
        .filter_map(|l| {
            let e = by_asin(l.asin.as_deref()?)?;
            let condition = Condition::parse(&l.condition).unwrap_or(Condition::New);
            let units = (0..l.quantity)
                .map(|_| {
                    *sold_count += 1;
                    let created_at = order.created
                        - Duration::days(20 + rng.below(300) as i64)
                        - Duration::minutes(rng.below(1440) as i64);
                    NewUnit {
                        details: UnitDetails {
                            set_number: e.set_number.to_owned(),
                            item_name: e.name.to_owned(),
                            condition,
                            status: InventoryStatus::Listed,
                            storage_location: Some(
                                LOCATIONS[rng.below(LOCATIONS.len() as u64) as usize].to_owned(),
                            ),
                            cost_minor: Some(cost(rng, e)),
                            listing_price_minor: Some(l.unit_price_pence),
                            currency: Currency::GBP,
                            sku: Some(format!("BD-{}-S{:04}", e.set_number, *sold_count)),
                            external_id: None,
                            purchase_date: Some(created_at.date()),
                            notes: None,
                        },
                        created_at: Some(created_at),
                    }
                })
                .collect();
            Some(SoldLine {
                order_item_id: l.order_item_id.clone(),
                unit_price: Money::from_minor(l.unit_price_pence, Currency::GBP),
                units,
            })
        })
        .collect();
    ConfirmedOrder {
        order_id: order.order_id.clone(),
        // Confirmed the day after it was placed, once it had shipped.
        confirmed_at: (order.created + Duration::days(1)).min(now),
        lines,
    }
}

fn imported_orders(
    rng: &mut Rng,
    now: OffsetDateTime,
    platform: Platform,
    count: usize,
) -> Vec<ImportedOrder> {
    (0..count)
        .map(|k| {
            let status = [
                UiStatus::Paid,
                UiStatus::Shipped,
                UiStatus::Completed,
                UiStatus::Completed,
                UiStatus::Cancelled,
            ][rng.below(5) as usize];
            let e = &CATALOGUE[rng.below(CATALOGUE.len() as u64) as usize];
            let price = Money::from_minor(e.price_pence, Currency::GBP);
            let id = match platform {
                Platform::Ebay => format!("{}-{}-{}", rng.digits(2), rng.digits(5), rng.digits(5)),
                _ => format!("BQ-{}", 10_001 + k),
            };
            let order = NewOrder {
                reported: ReportedOrder {
                    platform,
                    platform_order_id: id,
                    order_date: Some(now - Duration::hours(rng.below(60 * 24) as i64)),
                    last_updated_at: None,
                    buyer_name: Some(
                        ["J. Smith", "A. Patel", "M. Jones", "K. Nowak"][rng.below(4) as usize]
                            .to_owned(),
                    ),
                    buyer_email: None,
                    platform_status: status.as_str().to_owned(),
                    total: Some(price),
                    fulfillment_channel: None,
                    marketplace_id: None,
                },
                items_fetched: true,
            };
            let item = ReportedLine {
                platform_item_id: format!("{}-1", k + 1),
                asin: None,
                sku: Some(format!("BD-{}", e.set_number)),
                title: Some(format!("LEGO {} {}", e.set_number, e.name)),
                quantity: 1,
                unit_price: Some(price),
                line_price: Some(price),
                condition: Some("New".to_owned()),
            };
            (order, vec![item])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spapi_sim::seller::demo;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-18 12:00 UTC);

    fn demo_plan(seed: u64) -> (Vec<SimOrder>, DemoPlan, HashSet<String>) {
        let orders = demo::generate(seed, NOW).orders;
        let (missing, _) = headers_only(&orders, 15).expect("enough orders");
        let confirmed = confirmed_orders(&orders, demo::SHIPPED_UNCONFIRMED);
        let plan = plan(seed, &orders, &confirmed, &missing, NOW);
        (orders, plan, missing)
    }

    #[test]
    fn the_newest_orders_arrive_headers_only_and_are_open() {
        let orders = demo::generate(super::super::DEMO_SEED, NOW).orders;
        let (missing, until) = headers_only(&orders, 15).expect("enough orders");
        assert_eq!(missing.len(), 15);
        for o in &orders {
            assert_eq!(missing.contains(&o.order_id), o.last_updated > until);
        }
        assert!(
            orders
                .iter()
                .filter(|o| missing.contains(&o.order_id))
                .all(|o| matches!(
                    o.status,
                    OrderStatus::Pending
                        | OrderStatus::PendingAvailability
                        | OrderStatus::Unshipped
                        | OrderStatus::PartiallyShipped
                )),
            "the orders missing their lines are Pending or Paid"
        );
    }

    #[test]
    fn same_seed_same_plan() {
        let skus = |p: &DemoPlan| {
            p.stock
                .iter()
                .chain(
                    p.confirmed
                        .iter()
                        .flat_map(|c| c.lines.iter().flat_map(|l| &l.units)),
                )
                .map(|u| (u.details.sku.clone(), u.details.cost_minor))
                .collect::<Vec<_>>()
        };
        assert_eq!(skus(&demo_plan(7).1), skus(&demo_plan(7).1));
    }

    #[test]
    fn confirmed_orders_sell_one_unit_per_unit_ordered() {
        let (orders, plan, missing) = demo_plan(super::super::DEMO_SEED);
        assert_eq!(plan.confirmed.len(), 246);
        for c in &plan.confirmed {
            assert!(!missing.contains(&c.order_id));
            let order = orders
                .iter()
                .find(|o| o.order_id == c.order_id)
                .expect("order");
            assert!(!c.lines.is_empty(), "{} has a line to link", c.order_id);
            for l in &c.lines {
                let line = order
                    .lines
                    .iter()
                    .find(|x| x.order_item_id == l.order_item_id)
                    .expect("line");
                assert_eq!(l.units.len(), line.quantity as usize);
                assert!(l.units.iter().all(|u| u.created_at < Some(order.created)));
            }
        }
        let skus: HashSet<_> = plan
            .stock
            .iter()
            .chain(
                plan.confirmed
                    .iter()
                    .flat_map(|c| c.lines.iter().flat_map(|l| &l.units)),
            )
            .map(|u| u.details.sku.clone())
            .collect();
        let units = plan.stock.len()
            + plan
                .confirmed
                .iter()
                .flat_map(|c| &c.lines)
                .map(|l| l.units.len())
                .sum::<usize>();
        assert_eq!(skus.len(), units, "SKUs are unique");
        assert!(
            plan.stock.len() >= 200,
            "{} units on shelves",
            plan.stock.len()
        );
    }

    #[test]
    fn some_open_lines_are_unmatched() {
        let (orders, plan, missing) = demo_plan(super::super::DEMO_SEED);
        let confirmed: HashSet<_> = plan.confirmed.iter().map(|c| &c.order_id).collect();
        let mapped: HashSet<_> = plan.mappings.iter().map(|m| m.0.as_str()).collect();
        let open_lines: Vec<_> = orders
            .iter()
            .filter(|o| !confirmed.contains(&o.order_id) && !missing.contains(&o.order_id))
            .flat_map(|o| &o.lines)
            .collect();
        assert!(
            open_lines
                .iter()
                .any(|l| l.asin.as_deref().is_some_and(|a| !mapped.contains(a)))
        );
        assert!(open_lines.iter().any(|l| l.asin.is_none()));
        let open: Vec<&SimOrder> = orders
            .iter()
            .filter(|o| !confirmed.contains(&o.order_id) && !missing.contains(&o.order_id))
            .collect();
        let example = matcher_example(&open).expect("the matcher example");
        assert!(!mapped.contains(example), "{example} is unmatched");
        let set = by_asin(example).expect("catalogue").set_number;
        assert!(
            plan.stock
                .iter()
                .filter(|u| u.details.set_number == set && u.details.status.is_sellable())
                .count()
                >= 2
        );
        assert!(open_lines.iter().any(|l| l.quantity > 1));
    }
}
