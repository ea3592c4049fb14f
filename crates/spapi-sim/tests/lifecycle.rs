//! Starting and stopping the simulator as `brickdesk sim` does.

use spapi_sim::{SimConfig, SimServer};
use std::time::Duration;

#[tokio::test]
async fn serve_forever_stops_gracefully_through_its_shutdown_token() {
    let sim = SimServer::spawn(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = sim.local_addr();
    assert_eq!(sim.base_url(), format!("http://{addr}"));
    assert_eq!(sim.lwa_token_url(), format!("http://{addr}/auth/o2/token"));
    assert_eq!(sim.orders_snapshot().len(), 120, "default demo seller");
    let stop = sim.shutdown_token();
    let serving = tokio::spawn(sim.serve_forever());
    let answer = reqwest::get(format!("http://{addr}/orders/v0/orders"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 403, "serving, and asking for a token");
    stop.cancel();
    // A safety net against a hang, not a measure of speed.
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("http://{addr}/orders/v0/orders"))
            .await
            .is_err(),
        "stopped"
    );
}

#[tokio::test]
async fn a_seeded_seller_is_the_same_in_every_simulator() {
    let anchor = Some(time::OffsetDateTime::now_utc());
    let config = SimConfig {
        seed: 9,
        orders: 40,
        anchor,
        ..SimConfig::default()
    };
    let a = SimServer::spawn(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b = SimServer::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(a.orders_snapshot(), b.orders_snapshot());
    assert_eq!(a.financial_events_snapshot(), b.financial_events_snapshot());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
