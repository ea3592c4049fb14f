//! Recovery from every injected fault, with exact data.

use futures::TryStreamExt;
use spapi::orders::SearchOrders;
use spapi::{Error, Operation};
use spapi_sim::{Fault, FaultSpec, SimConfig};
use std::time::Duration;

use super::{client_config, fast, long_ago, order_ids, start};

/// Lists every order through searchOrders (page size 10) and checks the
/// ids against the truth, with `spec` injected.
async fn survives(spec: &str) -> spapi_sim::SimStats {
    let (sim, client) = start(SimConfig {
        faults: FaultSpec::parse(spec).unwrap(),
        ..fast(45)
    })
    .await;
    let mut query = SearchOrders::created_after(long_ago());
    query.max_results_per_page = Some(10);
    let orders: Vec<_> = client.search_orders(query).try_collect().await.unwrap();
    let got: Vec<_> = orders.iter().map(|o| o.order_id.clone()).collect();
    let want = order_ids(&sim);
    assert_eq!(got, want, "faults: {spec}");
    let items = client.get_order_items(&want[0]).await.unwrap();
    assert_eq!(items.len(), sim.orders_snapshot()[0].lines.len());
    let stats = sim.stats();
    sim.shutdown().await.unwrap();
    stats
}

/// One test a spec: every order comes back exactly, and the simulator
/// injected that many faults.
macro_rules! recovers {
    ($($test:ident: $spec:literal injects $faults:literal;)*) => {$(
        #[tokio::test]
        async fn $test() {
            assert_eq!(survives($spec).await.faults_injected, $faults);
        }
    )*};
}

recovers! {
    recovers_from_429: "429#2,429#3" injects 2;
    recovers_from_500_and_503: "500#1,503#3,500#4" injects 3;
    recovers_from_dropped_connections: "drop#2,drop#5" injects 2;
    recovers_from_malformed_json: "malformed#1,malformed#4" injects 2;
}

#[tokio::test]
async fn refreshes_an_expired_token_once_and_retries() {
    let stats = survives("expired#3").await;
    assert_eq!(stats.faults_injected, 1);
    assert_eq!(stats.tokens_issued, 2, "one refresh after the 403");
}

#[tokio::test]
async fn slow_responses_are_awaited_or_timed_out_and_retried() {
    let stats = survives("slow@300ms#2").await;
    assert_eq!(stats.faults_injected, 1);
    // A response slower than the request timeout is retried.
    let (sim, client) = start(SimConfig {
        faults: FaultSpec::parse("slow@3s#1").unwrap(),
        ..fast(5)
    })
    .await;
    let mut config = client_config(&sim);
    config.request_timeout = Duration::from_secs(1);
    let impatient = spapi::Client::new(config).unwrap();
    drop(client);
    let id = sim.orders_snapshot()[0].order_id.clone();
    let order = impatient.get_order(&id).await.unwrap();
    assert_eq!(order.order_id, id);
    // Awaited, the slow answer would have been the only call. Counted, not
    // timed: on a busy machine a retry may itself time out once more.
    let stats = sim.stats();
    assert_eq!(stats.faults_injected, 1);
    assert!(stats.by_operation["getOrder"] >= 2, "{stats:?}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn random_faults_at_high_rates_still_give_exact_data() {
    let stats =
        survives("429:0.1,500:0.1,503:0.05,drop:0.1,malformed:0.1,expired:0.05,slow@20ms:0.1")
            .await;
    assert!(stats.faults_injected > 0);
}

#[tokio::test]
async fn gives_up_after_the_retry_caps_with_amazons_error() {
    let spec = FaultSpec {
        random: vec![(Fault::InternalError, 1.0)],
        scheduled: vec![],
    };
    let (sim, _) = start(SimConfig {
        faults: spec,
        ..fast(3)
    })
    .await;
    let id = sim.orders_snapshot()[0].order_id.clone();
    let mut config = client_config(&sim);
    config.max_retries = 2;
    let client = spapi::Client::new(config).unwrap();
    let err = client.get_order(&id).await.unwrap_err();
    let Error::Server(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((api.status, api.code.as_str()), (500, "InternalFailure"));
    assert!(api.request_id.as_deref().is_some_and(|id| id.len() == 36));
    assert_eq!(sim.stats().requests, 3, "first try + 2 retries");

    sim.set_faults(FaultSpec {
        random: vec![(Fault::TooManyRequests, 1.0)],
        scheduled: vec![],
    });
    let mut config = client_config(&sim);
    config.max_throttle_retries = 1;
    // The published 0.5/s: the back-off after a 429 lasts 2 s or more, so
    // the check below cannot find it over (at ×1000 it would be 2 ms).
    config.rate_scale = 1.0;
    let client = spapi::Client::new(config).unwrap();
    let err = client.get_order(&id).await.unwrap_err();
    assert!(
        matches!(&err, Error::QuotaExceeded(api) if api.code == "QuotaExceeded"),
        "{err:?}"
    );
    assert_eq!(sim.stats().requests, 5, "then first try + 1 retry");
    assert!(
        !client.limiter_state(Operation::GetOrder).wait.is_zero(),
        "backing off after 429"
    );
    sim.shutdown().await.unwrap();
}
