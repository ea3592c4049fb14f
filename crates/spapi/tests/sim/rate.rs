//! Calls at the published (time-scaled) rate: no 429s, no spinning, and
//! cancellation during a rate-limit wait.
//!
//! These talk to a real server, so they assert counts, 429s and limiter
//! state, never how fast the wall clock went: the exact pacing is tested
//! on tokio's paused clock in `spapi::limiter`, and the achieved rate is
//! measured by `brickdesk-bench spapi-rate`.

use spapi::orders_v0::GetOrders;
use spapi::{Error, Operation};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::{long_ago, order_ids, scaled, start};

/// Catches a hang; never a measure of speed.
const SAFETY_NET: Duration = Duration::from_secs(60);

#[tokio::test]
async fn concurrent_calls_at_the_published_rate_get_no_429() {
    // getOrderItems: 0.5/s, burst 30; scaled ×40 → 20/s.
    let (sim, client) = start(scaled(40, 40.0)).await;
    let ids = order_ids(&sim);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let client = client.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                client
                    .get_order_items(&ids[(worker * 20 + i) % ids.len()])
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let stats = sim.stats();
    assert_eq!(stats.by_operation["getOrderItems"], 80);
    assert_eq!(
        stats.throttled, 0,
        "no request may reach Amazon's bucket early"
    );
    // 29 from the burst, 51 more at no more than 20/s: never faster than
    // 2.55 s (sleeps do not end early, so this bound cannot flake).
    assert!(elapsed >= Duration::from_millis(2500), "{elapsed:?}");
    let state = client.limiter_state(Operation::GetOrderItemsV0);
    assert!(
        (state.rate - 20.0 * 0.98).abs() < 1e-9,
        "rate taken from x-amzn-RateLimit-Limit: {}",
        state.rate
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn header_rate_replaces_the_seeded_plan() {
    // The client is NOT told about the time scale: it starts at the
    // published 0.5/s and must learn 25/s from the header.
    let (sim, _) = start(scaled(5, 50.0)).await;
    let client = {
        let mut config = super::client_config(&sim);
        config.rate_scale = 1.0;
        spapi::Client::new(config).unwrap()
    };
    assert_eq!(client.limiter_state(Operation::GetOrderItemsV0).rate, 0.5);
    let id = sim.orders_snapshot()[0].order_id.clone();
    client.get_order_items(&id).await.unwrap();
    let learned = client.limiter_state(Operation::GetOrderItemsV0).rate;
    assert!((learned - 25.0 * 0.98).abs() < 1e-9, "{learned}");
    for _ in 1..40 {
        client.get_order_items(&id).await.unwrap();
    }
    let stats = sim.stats();
    assert_eq!(stats.by_operation["getOrderItems"], 40);
    assert_eq!(stats.throttled, 0);
    // The limiter paces by the learned rate: ten more calls are due within
    // half a second (the seeded plan would say 20 s). Rate arithmetic,
    // not a stopwatch.
    let eta = client.limiter_state(Operation::GetOrderItemsV0).eta(10);
    assert!(eta < Duration::from_secs(1), "{eta:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn cancellation_during_a_rate_limit_wait_ends_it_without_a_call() {
    // Real time: getOrders allows a burst of 20 calls, then one per 60 s.
    let (sim, client) = start(scaled(3, 1.0)).await;
    let query = GetOrders::created_after(long_ago());
    let mut made = 0;
    while client.limiter_state(Operation::GetOrdersV0).wait.is_zero() {
        client.get_orders_page(&query, None).await.unwrap();
        made += 1;
    }
    assert_eq!(
        made, 19,
        "Amazon's burst of 20, less the one token the client keeps in reserve"
    );
    let state = client.limiter_state(Operation::GetOrdersV0);
    // About 61 s less the time the burst took.
    assert!(
        state.wait > Duration::from_secs(30),
        "resume in {:?}",
        state.wait
    );
    let interval = (state.eta(2) - state.wait).as_secs_f64();
    assert!(
        (interval - 1.0 / state.rate).abs() < 1e-6,
        "the second call waits one interval more: {interval}"
    );
    let cancel = CancellationToken::new();
    let waiting = client.with_cancellation(cancel.clone());
    let call = tokio::spawn(async move {
        waiting
            .get_orders_page(&GetOrders::created_after(long_ago()), None)
            .await
    });
    // The call has reserved its token and waits for it: only then cancel.
    let reserved = async {
        while client.limiter_state(Operation::GetOrdersV0).tokens > -0.5 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, reserved)
        .await
        .expect("the call reserves a token");
    cancel.cancel();
    // The wait has most of a minute to go; only a hang reaches the net.
    let result = tokio::time::timeout(SAFETY_NET, call)
        .await
        .expect("the cancelled call returns")
        .unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert_eq!(
        sim.stats().by_operation["getOrders"],
        made,
        "the cancelled call never reached Amazon"
    );
    let tokens = client.limiter_state(Operation::GetOrdersV0).tokens;
    assert!(tokens > -0.5, "the reserved token is given back: {tokens}");
    sim.shutdown().await.unwrap();
}
