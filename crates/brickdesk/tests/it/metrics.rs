//! `GET /metrics` of the real binary after a sync against the simulator:
//! not public, and its SP-API call counts are the simulator's own count
//! of the calls it received (a process has one metrics recorder, so the
//! server runs apart from the other tests' apps).

use std::collections::BTreeMap;

use brickdesk::config::AllowList;
use serde_json::json;

use crate::amazon_sync::sim;
use crate::crash::Server;
use crate::helpers::{TestApp, sqlite};
use crate::promises::{owner_with_token, store_sim_credentials};

/// The value of a label in a Prometheus sample line.
fn label<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    line[start..].split('"').next()
}

/// Sample lines of `metric` (no `_bucket` or other suffixed series).
fn samples<'a>(text: &'a str, metric: &str) -> Vec<(&'a str, f64)> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
        .filter_map(|l| {
            let value = l.rsplit(' ').next()?.parse().ok()?;
            Some((l, value))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_spapi_calls_the_simulator_received() {
    let t = sqlite().await;
    let sim = sim(40, 400.0, "").await;
    let (owner, token) = owner_with_token(&t.db, "owner").await;
    store_sim_credentials(&t.db, owner).await;
    let dir = tempfile::tempdir().expect("data dir");
    let mut server = Server::on(&t, dir.path(), &sim);
    let http = reqwest::Client::new();
    server.start();
    server.wait_ready(&http).await;
    let base = server.base.clone();

    let anonymous = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(anonymous.status(), 401, "metrics are not public");
    let synced = http
        .post(format!("{base}/api/integrations/amazon/sync"))
        .bearer_auth(&token)
        .json(&json!({"api": "v0", "windowDays": 3650}))
        .send()
        .await
        .expect("sync");
    assert_eq!(synced.status(), 200, "{:?}", synced.text().await);
    let scraped = http
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("scrape");
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/plain"))
    );
    let text = scraped.text().await.expect("body");
    server.kill();

    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for (line, value) in samples(&text, "brickdesk_spapi_calls_total") {
        let operation = label(line, "operation").expect("an operation label");
        *counted.entry(operation.to_owned()).or_default() += value as u64;
    }
    let received = sim.stats().by_operation;
    assert!(!received.is_empty(), "the sync called Amazon");
    assert_eq!(
        counted, received,
        "every call counted once, by operation\n{text}"
    );

    let sync_requests: f64 = samples(&text, "brickdesk_http_requests_total")
        .into_iter()
        .filter(|(l, _)| {
            label(l, "route") == Some("/api/integrations/amazon/sync")
                && label(l, "method") == Some("POST")
                && label(l, "status") == Some("200")
        })
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        sync_requests, 1.0,
        "requests by route pattern and status\n{text}"
    );
    let sync_runs: Vec<f64> = samples(&text, "brickdesk_job_runs")
        .into_iter()
        .filter(|(l, _)| label(l, "kind") == Some("sync") && label(l, "outcome") == Some("done"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(sync_runs, [1.0], "job runs by kind and outcome\n{text}");
    for series in [
        "brickdesk_http_request_duration_seconds_bucket",
        "brickdesk_spapi_limiter_wait_seconds_bucket",
        "brickdesk_last_sync_success_timestamp_seconds",
        "brickdesk_orders_missing_items",
        "brickdesk_units_missing_fees",
        "brickdesk_db_pool_connections",
    ] {
        assert!(text.contains(series), "{series} is exported\n{text}");
    }
}

#[tokio::test]
async fn allowed_addresses_scrape_without_a_token() {
    let scrape = |app: &TestApp| app.client.get(format!("{}/metrics", app.address)).send();
    let closed = TestApp::builder().spawn().await;
    assert_eq!(scrape(&closed).await.expect("scrape").status(), 401);
    let elsewhere = TestApp::builder()
        .configure(|c| c.metrics_allow = AllowList::parse("10.0.0.0/8").expect("list"))
        .spawn()
        .await;
    assert_eq!(scrape(&elsewhere).await.expect("scrape").status(), 401);
    let local = TestApp::builder()
        .configure(|c| c.metrics_allow = AllowList::parse("127.0.0.1").expect("list"))
        .spawn()
        .await;
    let resp = scrape(&local).await.expect("scrape");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("brickdesk_orders_missing_items")
    );
}
