//! Client ↔ simulator tests over real HTTP on 127.0.0.1.

use spapi::{Client, ClientConfig};
use spapi_sim::{RunningSim, SimConfig, SimServer};
use std::time::Duration;
use time::OffsetDateTime;

mod auth_and_validation;
mod faults;
mod pagination;
mod rate;
mod reports;
mod shipments;

/// A simulator with `config` and a client for it with fast retries.
async fn start(config: SimConfig) -> (RunningSim, Client) {
    let sim = SimServer::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new(client_config(&sim)).unwrap();
    (sim, client)
}

fn client_config(sim: &RunningSim) -> ClientConfig {
    let mut config = ClientConfig::new(
        sim.base_url(),
        sim.lwa_token_url(),
        spapi_sim::DEMO_CLIENT_ID,
        spapi_sim::DEMO_CLIENT_SECRET,
        spapi_sim::DEMO_REFRESH_TOKEN,
        spapi_sim::DEMO_MARKETPLACE_ID,
    );
    config.retry_min_delay = Duration::from_millis(10);
    config.retry_max_delay = Duration::from_millis(100);
    config.rate_scale = sim.config().time_scale;
    config
}

/// Fast simulated time so the slow plans (searchOrders: one call per
/// 180 s) do not stall the tests.
fn fast(orders: usize) -> SimConfig {
    scaled(orders, 1000.0)
}

/// A seller of `orders` orders on a simulator running `time_scale` times
/// faster than real time.
fn scaled(orders: usize, time_scale: f64) -> SimConfig {
    SimConfig {
        orders,
        time_scale,
        ..SimConfig::default()
    }
}

/// The ids of the simulator's orders, oldest first.
fn order_ids(sim: &RunningSim) -> Vec<String> {
    sim.orders_snapshot()
        .into_iter()
        .map(|o| o.order_id)
        .collect()
}

/// Sends `request` and decodes its JSON answer.
async fn json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

fn long_ago() -> OffsetDateTime {
    OffsetDateTime::now_utc() - time::Duration::days(3650)
}
