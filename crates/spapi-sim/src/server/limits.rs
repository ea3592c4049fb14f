//! Amazon's published usage plans (the client's `Operation::default_plan`)
//! as token buckets, one per operation, time-scaled.

use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use spapi::{Operation, UsagePlan};

use crate::SimClock;

type Limiter = RateLimiter<NotKeyed, InMemoryState, SimClock, NoOpMiddleware<std::time::Instant>>;

struct Bucket {
    limiter: Limiter,
    header: String,
}

/// The buckets. Rates are multiplied by the time scale, and the
/// `x-amzn-RateLimit-Limit` header states the rate actually applied.
pub(crate) struct Limits(HashMap<Operation, Bucket>);

impl Limits {
    /// Buckets on `clock` (the simulator's, so tests can move it by hand).
    pub(crate) fn new(time_scale: f64, clock: &SimClock) -> Self {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        let buckets = Operation::ALL
            .into_iter()
            .map(|op| {
                let UsagePlan { rate, burst } = op.default_plan();
                let rate = rate * scale;
                let period = Duration::from_secs_f64(1.0 / rate).max(Duration::from_nanos(1));
                let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
                let quota = Quota::with_period(period)
                    .map_or(Quota::per_second(burst), |q| q.allow_burst(burst));
                let header = ((rate * 1e6).round() / 1e6).to_string();
                (
                    op,
                    Bucket {
                        limiter: RateLimiter::direct_with_clock(quota, clock.clone()),
                        header,
                    },
                )
            })
            .collect();
        Limits(buckets)
    }

    /// Takes a token; false means 429.
    pub(crate) fn check(&self, op: Operation) -> bool {
        self.0.get(&op).is_some_and(|b| b.limiter.check().is_ok())
    }

    /// The `x-amzn-RateLimit-Limit` value.
    pub(crate) fn header(&self, op: Operation) -> &str {
        self.0.get(&op).map_or("0", |b| b.header.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_and_header_shows_scaled_rate() {
        let clock = SimClock::manual();
        let limits = Limits::new(100.0, &clock);
        for _ in 0..30 {
            assert!(limits.check(Operation::GetOrderItemsV0));
        }
        assert!(!limits.check(Operation::GetOrderItemsV0));
        assert_eq!(limits.header(Operation::GetOrderItemsV0), "50");
        assert_eq!(
            Limits::new(1.0, &clock).header(Operation::SearchOrders),
            "0.0056"
        );
        // 50 a second: the next token is back 20 ms after the burst, not before.
        clock.advance(Duration::from_millis(19));
        assert!(
            !limits.check(Operation::GetOrderItemsV0),
            "no token after 19 ms"
        );
        clock.advance(Duration::from_millis(1));
        assert!(
            limits.check(Operation::GetOrderItemsV0),
            "one token back after 1/50 s"
        );
        assert!(!limits.check(Operation::GetOrderItemsV0), "and only one");
        assert!(
            limits.check(Operation::GetOrder),
            "each operation has its own"
        );
    }
}
