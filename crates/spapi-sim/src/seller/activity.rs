//! What the demo seller does while the demo runs: every [`INTERVAL`] of
//! the simulator's clock one order arrives or the oldest open order moves
//! on (Pending → Unshipped → Shipped), the same for a seed and anchor.

use rand::Rng;
use time::{Duration, OffsetDateTime};

use super::generate::Gen;
use super::{OrderStatus, Seller};

/// Time between two changes.
pub const INTERVAL: Duration = Duration::minutes(3);

/// A change is dated this long before it shows in searches, as Amazon's
/// index lags behind LastUpdateDate. The next sync after a change shows
/// finds it when the lag is over a client's "Before" bound (2 min and a
/// few seconds before now) even in the first seconds of the anchor's
/// minute, and within the previous sync's bound less its 5-minute overlap.
pub const LAG: Duration = Duration::minutes(6);

/// The schedule of changes and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    seed: u64,
    anchor: OffsetDateTime,
    done: u32,
}

impl Activity {
    /// The changes of the seller of `seed`, due from `anchor` on.
    pub fn new(seed: u64, anchor: OffsetDateTime) -> Activity {
        Activity {
            seed,
            anchor,
            done: 0,
        }
    }

    /// When the next change shows.
    pub fn next_due(&self) -> OffsetDateTime {
        self.anchor + INTERVAL * (self.done + 1)
    }

    /// Applies every change due by `now`; returns how many there were.
    pub fn catch_up(&mut self, seller: &mut Seller, now: OffsetDateTime) -> usize {
        let mut applied = 0;
        while self.next_due() <= now {
            let stamp = self.next_due() - LAG;
            self.done += 1;
            self.apply(seller, stamp);
            applied += 1;
        }
        applied
    }

    /// Change number `done`, dated `stamp`: odd ones are new orders, even
    /// ones move the oldest open order on (a new order when none is open).
    fn apply(&self, seller: &mut Seller, stamp: OffsetDateTime) {
        let mut g = Gen::new(
            self.seed ^ u64::from(self.done).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            stamp,
        );
        let oldest_open = seller
            .orders
            .iter_mut()
            .filter(|o| next_status(o.status).is_some())
            .min_by_key(|o| o.created);
        if self.done.is_multiple_of(2)
            && let Some(order) = oldest_open
            && let Some(next) = next_status(order.status)
        {
            order.status = next;
            if next == OrderStatus::Shipped {
                for line in &mut order.lines {
                    line.quantity_shipped = line.quantity;
                }
            }
            order.last_updated = stamp;
            return;
        }
        let status = if g.rng.random_bool(0.3) {
            OrderStatus::Pending
        } else {
            OrderStatus::Unshipped
        };
        let created = stamp - Duration::minutes(g.rng.random_range(0..3));
        let (mut order, _) = g.order(created, status, false, false);
        // Ids are drawn at random; one the seller has already is drawn again.
        while seller.order(&order.order_id).is_some() {
            order.order_id = g.order_id();
        }
        order.last_updated = stamp;
        seller.orders.push(order);
    }
}

/// The status an open order moves on to; `None` for one that is done.
fn next_status(status: OrderStatus) -> Option<OrderStatus> {
    match status {
        OrderStatus::Pending | OrderStatus::PendingAvailability => Some(OrderStatus::Unshipped),
        OrderStatus::Unshipped | OrderStatus::PartiallyShipped => Some(OrderStatus::Shipped),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seller::demo;
    use time::macros::datetime;

    const ANCHOR: OffsetDateTime = datetime!(2026-01-18 12:00 UTC);

    #[test]
    fn nothing_happens_before_the_first_interval() {
        let mut seller = demo::generate(1, ANCHOR);
        let before = seller.clone();
        let mut activity = Activity::new(1, ANCHOR);
        assert_eq!(
            activity.catch_up(&mut seller, ANCHOR + INTERVAL - Duration::SECOND),
            0
        );
        assert_eq!(seller, before);
    }

    #[test]
    fn a_new_order_then_a_status_change_each_dated_lag_before_it_shows() {
        let mut seller = demo::generate(1, ANCHOR);
        let before = seller.clone();
        let mut activity = Activity::new(1, ANCHOR);
        assert_eq!(activity.catch_up(&mut seller, ANCHOR + INTERVAL), 1);
        assert_eq!(seller.orders.len(), before.orders.len() + 1);
        let new = seller.orders.last().expect("new order");
        assert_eq!(new.last_updated, ANCHOR + INTERVAL - LAG);
        assert!(before.order(&new.order_id).is_none());
        assert!(new.lines.iter().all(|l| {
            before
                .orders
                .iter()
                .flat_map(|o| &o.lines)
                .all(|b| b.order_item_id != l.order_item_id)
        }));
        assert_eq!(activity.catch_up(&mut seller, ANCHOR + INTERVAL * 2), 1);
        let moved: Vec<_> = seller
            .orders
            .iter()
            .filter(|o| {
                before
                    .order(&o.order_id)
                    .is_some_and(|b| b.status != o.status)
            })
            .collect();
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].last_updated, ANCHOR + INTERVAL * 2 - LAG);
    }

    #[test]
    fn the_same_schedule_every_time() {
        let run = || {
            let mut seller = demo::generate(3, ANCHOR);
            let mut activity = Activity::new(3, ANCHOR);
            activity.catch_up(&mut seller, ANCHOR + Duration::hours(2));
            seller
        };
        let seller = run();
        assert_eq!(seller, run());
        assert_eq!(
            seller.orders.len(),
            demo::ORDERS + 20,
            "one new order every other step"
        );
    }
}
