//! Usage plans as token buckets, one per operation, time-scaled.

use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::SimClock;

type Limiter = RateLimiter<NotKeyed, InMemoryState, SimClock, NoOpMiddleware<std::time::Instant>>;

/// The operations the simulator serves (LWA excluded: not rate limited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SimOp {
    SearchOrders,
    GetOrder,
    GetOrdersV0,
    GetOrderV0,
    GetOrderItemsV0,
    ListFinancialEvents,
    ListFinancialEventsByOrderId,
    ListTransactions,
    CreateReport,
    GetReport,
    GetReportDocument,
    ConfirmShipment,
}

impl SimOp {
    const ALL: [SimOp; 12] = [
        SimOp::SearchOrders,
        SimOp::GetOrder,
        SimOp::GetOrdersV0,
        SimOp::GetOrderV0,
        SimOp::GetOrderItemsV0,
        SimOp::ListFinancialEvents,
        SimOp::ListFinancialEventsByOrderId,
        SimOp::ListTransactions,
        SimOp::CreateReport,
        SimOp::GetReport,
        SimOp::GetReportDocument,
        SimOp::ConfirmShipment,
    ];

    /// Amazon's operation id (v0 getOrder is told apart for the stats).
    pub(crate) fn name(self) -> &'static str {
        match self {
            SimOp::SearchOrders => "searchOrders",
            SimOp::GetOrder => "getOrder",
            SimOp::GetOrdersV0 => "getOrders",
            SimOp::GetOrderV0 => "getOrderV0",
            SimOp::GetOrderItemsV0 => "getOrderItems",
            SimOp::ListFinancialEvents => "listFinancialEvents",
            SimOp::ListFinancialEventsByOrderId => "listFinancialEventsByOrderId",
            SimOp::ListTransactions => "listTransactions",
            SimOp::CreateReport => "createReport",
            SimOp::GetReport => "getReport",
            SimOp::GetReportDocument => "getReportDocument",
            SimOp::ConfirmShipment => "confirmShipment",
        }
    }

    /// Published default usage plan: (requests per second, burst).
    fn plan(self) -> (f64, u32) {
        match self {
            SimOp::SearchOrders => (0.0056, 20),
            SimOp::GetOrdersV0 => (0.0167, 20),
            SimOp::GetOrder | SimOp::GetOrderV0 | SimOp::GetOrderItemsV0 => (0.5, 30),
            SimOp::ListFinancialEvents | SimOp::ListFinancialEventsByOrderId => (0.5, 30),
            SimOp::ListTransactions => (0.5, 10),
            SimOp::CreateReport | SimOp::GetReportDocument => (0.0167, 15),
            SimOp::GetReport => (2.0, 15),
            SimOp::ConfirmShipment => (2.0, 10),
        }
    }
}

struct Bucket {
    limiter: Limiter,
    header: String,
}

/// The buckets. Rates are multiplied by the time scale, and the
/// `x-amzn-RateLimit-Limit` header states the rate actually applied.
pub(crate) struct Limits(HashMap<SimOp, Bucket>);

impl Limits {
    /// Buckets on `clock` (the simulator's, so tests can move it by hand).
    pub(crate) fn new(time_scale: f64, clock: &SimClock) -> Self {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        let buckets = SimOp::ALL
            .into_iter()
            .map(|op| {
                let (rate, burst) = op.plan();
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
    pub(crate) fn check(&self, op: SimOp) -> bool {
        self.0.get(&op).is_some_and(|b| b.limiter.check().is_ok())
    }

    /// The `x-amzn-RateLimit-Limit` value.
    pub(crate) fn header(&self, op: SimOp) -> &str {
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
            assert!(limits.check(SimOp::GetOrderItemsV0));
        }
        assert!(!limits.check(SimOp::GetOrderItemsV0));
        assert_eq!(limits.header(SimOp::GetOrderItemsV0), "50");
        assert_eq!(
            Limits::new(1.0, &clock).header(SimOp::SearchOrders),
            "0.0056"
        );
        // 50 a second: the next token is back 20 ms after the burst, not before.
        clock.advance(Duration::from_millis(19));
        assert!(
            !limits.check(SimOp::GetOrderItemsV0),
            "no token after 19 ms"
        );
        clock.advance(Duration::from_millis(1));
        assert!(
            limits.check(SimOp::GetOrderItemsV0),
            "one token back after 1/50 s"
        );
        assert!(!limits.check(SimOp::GetOrderItemsV0), "and only one");
        assert!(limits.check(SimOp::GetOrder), "each operation has its own");
    }
}
