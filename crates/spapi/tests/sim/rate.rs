//! Calls at the published (time-scaled) rate: no 429s, no spinning, and
//! cancellation during a rate-limit wait.

use spapi::orders_v0::GetOrders;
use spapi::{Error, Operation};
use spapi_sim::SimConfig;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::{long_ago, start};

#[tokio::test]
async fn concurrent_calls_at_the_published_rate_get_no_429() {
    // getOrderItems: 0.5/s, burst 30; scaled ×40 → 20/s.
    let (sim, client) = start(SimConfig {
        orders: 40,
        time_scale: 40.0,
        ..SimConfig::default()
    })
    .await;
    let ids: Vec<String> = sim
        .orders_snapshot()
        .into_iter()
        .map(|o| o.order_id)
        .collect();
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
    // 30 from the burst, 50 more at 20/s: at least 2.5 s; not much more.
    assert!(elapsed >= Duration::from_millis(2400), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(4000), "{elapsed:?}");
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
    let (sim, _) = start(SimConfig {
        orders: 5,
        time_scale: 50.0,
        ..SimConfig::default()
    })
    .await;
    let client = {
        let mut config = super::client_config(&sim);
        config.rate_scale = 1.0;
        spapi::Client::new(config).unwrap()
    };
    assert_eq!(client.limiter_state(Operation::GetOrderItemsV0).rate, 0.5);
    let id = sim.orders_snapshot()[0].order_id.clone();
    let started = Instant::now();
    for _ in 0..40 {
        client.get_order_items(&id).await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.stats().throttled, 0);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn cancellation_during_a_rate_limit_wait_returns_within_one_second() {
    // Real time: getOrders allows a burst of 20 calls, then one per 60 s.
    let (sim, client) = start(SimConfig {
        orders: 3,
        time_scale: 1.0,
        ..SimConfig::default()
    })
    .await;
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
    assert!(
        state.wait > Duration::from_secs(50),
        "resume in {:?}",
        state.wait
    );
    assert!(state.eta(2) > Duration::from_secs(110));
    let cancel = CancellationToken::new();
    let waiting = client.with_cancellation(cancel.clone());
    let call = tokio::spawn(async move {
        waiting
            .get_orders_page(&GetOrders::created_after(long_ago()), None)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(1), call)
        .await
        .expect("returned within 1 s")
        .unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(cancelled_at.elapsed() < Duration::from_secs(1));
    assert_eq!(
        sim.stats().by_operation["getOrders"],
        made,
        "the cancelled call never reached Amazon"
    );
    sim.shutdown().await.unwrap();
}
