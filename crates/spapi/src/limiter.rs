//! One token bucket per operation, seeded from Amazon's published usage
//! plans and adjusted from the `x-amzn-RateLimit-Limit` header.
//!
//! Callers wait for a token before each request; waits are reservations
//! (the bucket may go negative), so concurrent callers queue fairly and
//! nobody spins. The state is readable so the app can show an ETA.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Error;

/// The SP-API operations this client calls; each has its own bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Orders 2026-01-01 `searchOrders`.
    SearchOrders,
    /// Orders 2026-01-01 `getOrder`.
    GetOrder,
    /// Orders v0 `getOrders`.
    GetOrdersV0,
    /// Orders v0 `getOrder`.
    GetOrderV0,
    /// Orders v0 `getOrderItems`.
    GetOrderItemsV0,
    /// Finances v0 `listFinancialEvents`.
    ListFinancialEvents,
    /// Finances v0 `listFinancialEventsByOrderId`.
    ListFinancialEventsByOrderId,
    /// Finances 2024-06-19 `listTransactions`.
    ListTransactions,
    /// Reports 2021-06-30 `createReport`.
    CreateReport,
    /// Reports 2021-06-30 `getReport`.
    GetReport,
    /// Reports 2021-06-30 `getReportDocument`.
    GetReportDocument,
    /// Orders v0 `confirmShipment`.
    ConfirmShipment,
}

/// A usage plan: sustained rate and burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsagePlan {
    /// Requests per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: u32,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 12] = [
        Operation::SearchOrders,
        Operation::GetOrder,
        Operation::GetOrdersV0,
        Operation::GetOrderV0,
        Operation::GetOrderItemsV0,
        Operation::ListFinancialEvents,
        Operation::ListFinancialEventsByOrderId,
        Operation::ListTransactions,
        Operation::CreateReport,
        Operation::GetReport,
        Operation::GetReportDocument,
        Operation::ConfirmShipment,
    ];

    /// Amazon's operation id, e.g. `getOrderItems`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SearchOrders => "searchOrders",
            Operation::GetOrder => "getOrder",
            Operation::GetOrdersV0 => "getOrders",
            Operation::GetOrderV0 => "getOrder (v0)",
            Operation::GetOrderItemsV0 => "getOrderItems",
            Operation::ListFinancialEvents => "listFinancialEvents",
            Operation::ListFinancialEventsByOrderId => "listFinancialEventsByOrderId",
            Operation::ListTransactions => "listTransactions",
            Operation::CreateReport => "createReport",
            Operation::GetReport => "getReport",
            Operation::GetReportDocument => "getReportDocument",
            Operation::ConfirmShipment => "confirmShipment",
        }
    }

    /// The default usage plan Amazon publishes for the operation.
    pub fn default_plan(self) -> UsagePlan {
        let (rate, burst) = match self {
            Operation::SearchOrders => (0.0056, 20),
            Operation::GetOrdersV0 => (0.0167, 20),
            Operation::GetOrder | Operation::GetOrderV0 | Operation::GetOrderItemsV0 => (0.5, 30),
            Operation::ListFinancialEvents | Operation::ListFinancialEventsByOrderId => (0.5, 30),
            Operation::ListTransactions => (0.5, 10),
            Operation::CreateReport | Operation::GetReportDocument => (0.0167, 15),
            Operation::GetReport => (2.0, 15),
            Operation::ConfirmShipment => (2.0, 10),
        };
        UsagePlan { rate, burst }
    }
}

/// A snapshot of one operation's bucket, for ETAs and "resume in N seconds".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterState {
    /// The operation.
    pub operation: Operation,
    /// Current sustained rate (requests per second).
    pub rate: f64,
    /// Amazon's bucket size (the client keeps one token in reserve).
    pub burst: u32,
    /// Tokens available now; negative when callers are queued.
    pub tokens: f64,
    /// How long until the next request would be permitted (zero if now).
    pub wait: Duration,
    /// True while backing off after a 429.
    pub throttled: bool,
}

impl LimiterState {
    /// When the next request would be permitted, as wall-clock time (for
    /// "resume in N seconds" and a backfill's `rateLimitedUntil`).
    pub fn resume_at(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + self.wait
    }

    /// Estimated time to make `calls` more requests of this operation.
    pub fn eta(&self, calls: u64) -> Duration {
        let needed = calls as f64 - self.tokens.max(0.0) + self.tokens.min(0.0).abs();
        if needed <= 0.0 || self.rate <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(needed / self.rate).max(self.wait)
    }
}

#[derive(Debug)]
struct Bucket {
    plan: UsagePlan,
    tokens: f64,
    updated: Instant,
    throttled_until: Option<Instant>,
}

impl Bucket {
    /// One token below Amazon's burst: a request that reaches Amazon a
    /// little earlier than the one before it (network jitter) still finds
    /// a token there.
    fn capacity(&self) -> f64 {
        f64::from(self.plan.burst.saturating_sub(1).max(1))
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.plan.rate).min(self.capacity());
        self.updated = now;
    }

    fn wait_for(&self, tokens_needed: f64, now: Instant) -> Duration {
        let deficit = tokens_needed - self.tokens;
        let refill = if deficit <= 0.0 || self.plan.rate <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(deficit / self.plan.rate)
        };
        let penalty = self
            .throttled_until
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
        refill.max(penalty)
    }
}

/// The per-operation buckets of one client.
#[derive(Debug)]
pub(crate) struct Limiters {
    buckets: Mutex<HashMap<Operation, Bucket>>,
    /// Fraction of the advertised rate actually used, so clock skew and
    /// network jitter never push a request ahead of Amazon's own bucket.
    safety: f64,
}

impl Limiters {
    pub(crate) fn new(scale: f64) -> Self {
        let now = Instant::now();
        let buckets = Operation::ALL
            .into_iter()
            .map(|op| {
                let mut plan = op.default_plan();
                plan.rate *= scale;
                (
                    op,
                    Bucket {
                        plan,
                        tokens: f64::from(plan.burst.saturating_sub(1).max(1)),
                        updated: now,
                        throttled_until: None,
                    },
                )
            })
            .collect();
        Limiters {
            buckets: Mutex::new(buckets),
            safety: 0.98,
        }
    }

    fn with<R>(&self, op: Operation, f: impl FnOnce(&mut Bucket, Instant) -> R) -> R {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.get_mut(&op).expect("every operation has a bucket");
        let now = Instant::now();
        bucket.refill(now);
        f(bucket, now)
    }

    /// Waits until a request of `op` is permitted, reserving its token.
    pub(crate) async fn acquire(
        &self,
        op: Operation,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        let wait = self.with(op, |b, now| {
            let wait = b.wait_for(1.0, now);
            b.tokens -= 1.0;
            wait
        });
        if wait.is_zero() {
            return Ok(());
        }
        tracing::debug!(
            operation = op.name(),
            wait_ms = wait.as_millis() as u64,
            "waiting for rate limit"
        );
        let result = crate::client::sleep(wait, cancel).await;
        if result.is_err() {
            self.with(op, |b, _| b.tokens += 1.0);
        }
        result
    }

    /// Applies the rate Amazon says it applied (`x-amzn-RateLimit-Limit`).
    pub(crate) fn set_rate(&self, op: Operation, advertised: f64) {
        if !(advertised.is_finite() && advertised > 0.0) {
            return;
        }
        let rate = advertised * self.safety;
        self.with(op, |b, _| {
            if (b.plan.rate - rate).abs() > f64::EPSILON * rate {
                tracing::debug!(
                    operation = op.name(),
                    rate,
                    "rate limit adjusted from header"
                );
                b.plan.rate = rate;
            }
        });
    }

    /// After a 429: empty the bucket and hold requests for one token's
    /// time plus `jitter`, so the retry does not arrive early again.
    pub(crate) fn throttled(&self, op: Operation, jitter: Duration) {
        self.with(op, |b, now| {
            b.tokens = b.tokens.min(0.0);
            let interval = if b.plan.rate > 0.0 {
                Duration::from_secs_f64(1.0 / b.plan.rate)
            } else {
                jitter
            };
            b.throttled_until = Some(now + interval + jitter);
        });
    }

    pub(crate) fn state(&self, op: Operation) -> LimiterState {
        self.with(op, |b, now| {
            let throttled = b.throttled_until.is_some_and(|t| t > now);
            LimiterState {
                operation: op,
                rate: b.plan.rate,
                burst: b.plan.burst,
                tokens: b.tokens,
                wait: b.wait_for(1.0, now),
                throttled,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `n` tokens of `op`, waiting as the limiter says.
    async fn take(limiters: &Limiters, op: Operation, n: usize, cancel: &CancellationToken) {
        for _ in 0..n {
            limiters.acquire(op, cancel).await.unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_steady_rate() {
        let limiters = Limiters::new(1.0);
        let cancel = CancellationToken::new();
        let start = Instant::now();
        take(&limiters, Operation::GetOrderItemsV0, 29, &cancel).await;
        assert_eq!(
            Instant::now(),
            start,
            "burst less the reserve token is immediate"
        );
        take(&limiters, Operation::GetOrderItemsV0, 1, &cancel).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        let state = limiters.state(Operation::GetOrderItemsV0);
        assert_eq!(state.wait, Duration::from_secs(2));
        assert_eq!(state.eta(5), Duration::from_secs(10));
    }

    /// Instants (since `start`) at which `callers` tasks, each making
    /// `calls` acquires of `op`, were let through, in order.
    async fn grants(
        limiters: &std::sync::Arc<Limiters>,
        op: Operation,
        callers: usize,
        calls: usize,
    ) -> Vec<Duration> {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..callers {
            let limiters = std::sync::Arc::clone(limiters);
            tasks.push(tokio::spawn(async move {
                let cancel = CancellationToken::new();
                let mut at = Vec::new();
                for _ in 0..calls {
                    limiters.acquire(op, &cancel).await.unwrap();
                    at.push(Instant::now() - start);
                }
                at
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all.sort();
        all
    }

    /// Within a millisecond (tokio's timer resolution) of `want`.
    fn near(got: Duration, want: Duration) -> bool {
        got.abs_diff(want) <= Duration::from_millis(1)
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_get_exactly_the_sustained_rate() {
        // getOrderItems ×40 = 20/s: 29 calls at once, then one per 50 ms,
        // whoever asks; the 80th at 51 × 50 ms, neither earlier nor later.
        let limiters = std::sync::Arc::new(Limiters::new(40.0));
        let at = grants(&limiters, Operation::GetOrderItemsV0, 4, 20).await;
        assert_eq!(at.len(), 80);
        assert!(at[..29].iter().all(|t| t.is_zero()), "{at:?}");
        for (i, t) in at.iter().enumerate().skip(29) {
            let want = Duration::from_millis(50) * (i as u32 - 28);
            assert!(near(*t, want), "call {}: {t:?}, want {want:?}", i + 1);
        }
        assert!(near(at[79], Duration::from_millis(2550)));
        let left = limiters.state(Operation::GetOrderItemsV0).tokens;
        assert!(left.abs() < 1e-9, "no reservation left over: {left}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_header_rate_paces_the_calls_after_the_burst() {
        // Seeded at 0.5/s the 11 calls after the burst would take 22 s;
        // at the advertised 25/s (less the safety margin: 24.5/s) 0.449 s.
        let limiters = std::sync::Arc::new(Limiters::new(1.0));
        limiters.set_rate(Operation::GetOrderItemsV0, 25.0);
        let at = grants(&limiters, Operation::GetOrderItemsV0, 1, 40).await;
        let want = Duration::from_secs_f64(11.0 / 24.5);
        assert!(near(at[39], want), "{:?}, want {want:?}", at[39]);
    }

    #[tokio::test(start_paused = true)]
    async fn header_rate_and_throttle_penalty_apply() {
        let limiters = Limiters::new(1.0);
        limiters.set_rate(Operation::GetReport, 10.0);
        assert!((limiters.state(Operation::GetReport).rate - 9.8).abs() < 1e-9);
        limiters.throttled(Operation::GetReport, Duration::from_millis(50));
        let state = limiters.state(Operation::GetReport);
        assert!(state.throttled);
        assert!(state.wait >= Duration::from_millis(150), "{:?}", state.wait);
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_wait_returns_its_token() {
        let limiters = Limiters::new(1.0);
        let cancel = CancellationToken::new();
        take(&limiters, Operation::SearchOrders, 19, &cancel).await;
        cancel.cancel();
        let err = limiters
            .acquire(Operation::SearchOrders, &cancel)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Cancelled));
        assert!(limiters.state(Operation::SearchOrders).tokens > -0.5);
    }
}
