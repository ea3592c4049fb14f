//! The demo seller: the journey's 300 orders, deterministic for a seed
//! (ids, lines and amounts; times relative to the anchor).
//!
//! - 20 open orders (4 Pending, 1 PendingAvailability, 13 Unshipped, 2
//!   PartiallyShipped): the newest, placed over the last day, each updated
//!   within minutes of being placed and at least 20 minutes before the
//!   anchor, so the newest by placing are the newest by update.
//! - 276 Shipped: [`SHIPPED_UNCONFIRMED`] placed 3 to 13 days ago, the
//!   rest 14 to 85 days ago (inside a first sync's 90 days), each of those
//!   with at least one catalogue line; their fee events (and a few
//!   refunds) were posted over a day ago.
//! - 4 Cancelled (3 Canceled, 1 Unfulfillable).
//! - Whatever the seed: a line without ASIN and a multi-unit line among
//!   the older open orders, and the journey's ASIN matcher example (a Paid
//!   order of one single-unit line whose listing the newest shipped order
//!   also sold).
//!
//! While the simulator's clock runs, [`super::Activity`] adds a new order
//! or moves an open one on every few minutes.

use rand::Rng;
use rand::seq::SliceRandom;
use time::{Duration, OffsetDateTime};

use super::generate::{Gen, touch_refunded};
use super::{OrderStatus, Seller, SimOrder};
use crate::catalogue::CATALOGUE;

/// Orders of the demo seller.
pub const ORDERS: usize = 300;

/// Open orders (Pending or Paid): the newest of the demo.
pub const OPEN: usize = 20;

/// The newest Shipped orders: placed after every other shipped one.
pub const SHIPPED_UNCONFIRMED: usize = 30;

const OPEN_MIX: [(OrderStatus, usize); 4] = [
    (OrderStatus::Pending, 4),
    (OrderStatus::PendingAvailability, 1),
    (OrderStatus::Unshipped, 13),
    (OrderStatus::PartiallyShipped, 2),
];

const CANCELLED_MIX: [(OrderStatus, usize); 2] =
    [(OrderStatus::Canceled, 3), (OrderStatus::Unfulfillable, 1)];

const CANCELLED: usize = 4;

const SHIPPED: usize = ORDERS - OPEN - CANCELLED;

/// The open order (counted newest first) that is the journey's ASIN
/// matcher example: Paid, one single-unit line, its listing also sold in
/// the newest shipped order.
const SHARED_LISTING: usize = OPEN - 3;

/// Generates the demo seller for `seed` with its history up to `anchor`.
pub fn generate(seed: u64, anchor: OffsetDateTime) -> Seller {
    // Shipments and their fee events end a day before the anchor, so no
    // older order is updated after the open ones.
    let mut g = Gen::new(seed, anchor - Duration::days(1));
    let mut seller = Seller::default();
    let mut open: Vec<OrderStatus> = expand(&OPEN_MIX);
    open.shuffle(&mut g.rng);
    if let Some(paid) = open.iter().position(|s| *s == OrderStatus::Unshipped) {
        open.swap(paid, SHARED_LISTING);
    }
    let mut shared = None;
    let mut at = anchor - Duration::minutes(g.rng.random_range(30..40));
    for (i, status) in open.into_iter().enumerate() {
        // The two oldest open orders show a line without ASIN and a
        // multi-unit line whatever the seed.
        let (mut order, _) = g.order(at, status, i == OPEN - 1, i == OPEN - 2);
        if i == SHARED_LISTING {
            let entry = &CATALOGUE[g.rng.random_range(0..CATALOGUE.len())];
            let mut line = g.listing_line(entry);
            line.quantity = 1;
            line.shipping_pence = order.lines[0].shipping_pence;
            order.lines = vec![line];
            shared = Some(entry);
        }
        order.last_updated = at + Duration::minutes(g.rng.random_range(0..10));
        seller.orders.push(order);
        at -= Duration::minutes(g.rng.random_range(30..60));
    }
    let recent = spread(
        &mut g,
        anchor - Duration::days(13),
        anchor - Duration::days(3),
        SHIPPED_UNCONFIRMED,
    );
    let older = spread(
        &mut g,
        anchor - Duration::days(85),
        anchor - Duration::days(14),
        SHIPPED - SHIPPED_UNCONFIRMED,
    );
    for (i, created) in recent.into_iter().rev().enumerate() {
        let (mut order, shipped_at) = g.order(created, OrderStatus::Shipped, i == 5, i == 11);
        if i == 0
            && let Some(entry) = shared
        {
            let mut line = g.listing_line(entry);
            line.quantity_shipped = line.quantity;
            line.shipping_pence = order.lines[0].shipping_pence;
            order.lines[0] = line;
        }
        shipped(&mut g, &mut seller, order, shipped_at);
    }
    for created in older {
        let (mut order, shipped_at) = g.order(created, OrderStatus::Shipped, false, false);
        if order.lines.iter().all(|l| l.asin.is_none()) {
            // A confirmed order had at least one line to link.
            let mut line = g.catalogue_line();
            line.quantity_shipped = line.quantity;
            line.shipping_pence = order.lines[0].shipping_pence;
            order.lines[0] = line;
        }
        shipped(&mut g, &mut seller, order, shipped_at);
    }
    let cancelled = spread(
        &mut g,
        anchor - Duration::days(40),
        anchor - Duration::days(3),
        CANCELLED,
    );
    for (created, status) in cancelled.into_iter().zip(expand(&CANCELLED_MIX)) {
        let (order, _) = g.order(created, status, false, false);
        seller.orders.push(order);
    }
    seller.orders.sort_by_key(|o| o.created);
    g.ensure_a_refund(&mut seller);
    touch_refunded(&mut seller);
    seller
}

fn expand(mix: &[(OrderStatus, usize)]) -> Vec<OrderStatus> {
    mix.iter()
        .flat_map(|&(status, n)| std::iter::repeat_n(status, n))
        .collect()
}

/// `n` times between `from` and `to`, oldest first, whole minutes.
fn spread(g: &mut Gen, from: OffsetDateTime, to: OffsetDateTime, n: usize) -> Vec<OffsetDateTime> {
    let minutes = (to - from).whole_minutes().max(1);
    let mut out: Vec<OffsetDateTime> = (0..n)
        .map(|_| from + Duration::minutes(g.rng.random_range(0..minutes)))
        .collect();
    out.sort();
    out
}

fn shipped(g: &mut Gen, seller: &mut Seller, order: SimOrder, shipped_at: Option<OffsetDateTime>) {
    if let Some(at) = shipped_at {
        g.events_for(seller, &order, at);
    }
    seller.orders.push(order);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seller::EventKind;
    use std::collections::HashSet;
    use time::macros::datetime;

    const ANCHOR: OffsetDateTime = datetime!(2026-01-18 12:00 UTC);

    fn count(seller: &Seller, statuses: &[OrderStatus]) -> usize {
        seller
            .orders
            .iter()
            .filter(|o| statuses.contains(&o.status))
            .count()
    }

    #[test]
    fn same_seed_same_seller() {
        assert_eq!(generate(7, ANCHOR), generate(7, ANCHOR));
        assert_ne!(generate(7, ANCHOR), generate(8, ANCHOR));
    }

    #[test]
    fn shaped_like_the_journey() {
        let seller = generate(20_260_118, ANCHOR);
        assert_eq!(seller.orders.len(), ORDERS);
        let ids: HashSet<_> = seller.orders.iter().map(|o| &o.order_id).collect();
        assert_eq!(ids.len(), ORDERS);
        use OrderStatus as S;
        assert_eq!(count(&seller, &[S::Pending, S::PendingAvailability]), 5);
        assert_eq!(count(&seller, &[S::Unshipped, S::PartiallyShipped]), 15);
        assert_eq!(count(&seller, &[S::Shipped]), 276);
        assert_eq!(count(&seller, &[S::Canceled, S::Unfulfillable]), 4);
        assert_eq!(count(&seller, &[S::InvoiceUnconfirmed]), 0);
        let lines = || seller.orders.iter().flat_map(|o| &o.lines);
        assert!(lines().any(|l| l.asin.is_none()));
        assert!(lines().any(|l| l.quantity > 1));
        assert!(seller.events.iter().any(|e| e.kind == EventKind::Refund));
        let example = seller
            .orders
            .iter()
            .find(|o| o.status == S::Unshipped && o.lines.len() == 1 && o.lines[0].quantity == 1)
            .expect("a Paid order of one single-unit line");
        assert!(
            seller
                .orders
                .iter()
                .filter(|o| o.order_id != example.order_id && o.status == S::Shipped)
                .any(|o| o.lines.iter().any(|l| l.asin == example.lines[0].asin)),
            "a shipped order sold the same listing"
        );
        let mut shipped: Vec<_> = seller
            .orders
            .iter()
            .filter(|o| o.status == S::Shipped)
            .collect();
        shipped.sort_by_key(|o| o.created);
        shipped.truncate(shipped.len() - SHIPPED_UNCONFIRMED);
        assert!(
            shipped
                .iter()
                .all(|o| o.lines.iter().any(|l| l.asin.is_some())),
            "every shipped order but the newest has a line to link"
        );
    }

    #[test]
    fn the_open_orders_are_the_newest_by_update_and_all_in_the_first_sync() {
        let seller = generate(20_260_118, ANCHOR);
        let mut by_update: Vec<&SimOrder> = seller.orders.iter().collect();
        by_update.sort_by_key(|o| std::cmp::Reverse(o.last_updated));
        let open = [
            OrderStatus::Pending,
            OrderStatus::PendingAvailability,
            OrderStatus::Unshipped,
            OrderStatus::PartiallyShipped,
        ];
        assert!(by_update[..OPEN].iter().all(|o| open.contains(&o.status)));
        assert!(
            by_update[..OPEN]
                .windows(2)
                .all(|w| w[0].last_updated > w[1].last_updated),
            "no two open orders share an update time"
        );
        assert!(by_update[0].last_updated <= ANCHOR - Duration::minutes(20));
        for o in &seller.orders {
            assert!(o.created >= ANCHOR - Duration::days(86), "{}", o.order_id);
            assert!(o.last_updated >= o.created);
        }
        assert!(
            seller
                .events
                .iter()
                .all(|e| e.posted < ANCHOR - Duration::days(1))
        );
    }
}
