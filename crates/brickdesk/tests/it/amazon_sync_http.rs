//! Sync and backfill through the app's HTTP API and in a real browser,
//! against the demo's built-in simulator.

use std::time::Duration;

use brickdesk::auth::Role;
use brickdesk::config::DemoMode;

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Sends `request`; its status and JSON body.
async fn call(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

/// Headers of the demo simulator's orders (v0 has no lines), so a
/// backfill has a few hundred orders to fetch.
async fn v0_sync(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let (status, body) = call(
        client
            .post(format!("{}/api/integrations/amazon/sync", app.address))
            .json(&serde_json::json!({"api": "v0", "windowDays": 3650})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn sync_api_reports_counts_and_backfill_api_starts_and_stops() {
    let app = spawn_app(DemoMode::On).await;
    let client = app.owner().await;
    let first = v0_sync(&app, &client).await;
    assert_eq!(first["state"], "done", "{first}");
    assert!(first["new"].as_i64().unwrap() > 100, "{first}");
    assert!(first["lastSuccessfulSyncAt"].is_string(), "{first}");
    let second = v0_sync(&app, &client).await;
    assert_eq!(
        (second["new"].as_i64(), second["updated"].as_i64()),
        (Some(0), Some(0)),
        "{second}"
    );

    let page = client
        .get(format!("{}/orders/amazon", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sync finished: 0 new, 0 updated"),
        "sync result on the page"
    );
    assert!(!page.contains(r#"id="sync-orders" disabled"#));

    let (status, idle) = call(client.get(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 200);
    let missing = idle["ordersNeedingBackfill"].as_i64().unwrap();
    assert!(missing > 100, "{idle}");
    assert_eq!(idle["isRunning"], false);

    let (status, started) = call(client.post(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["isRunning"], true);
    let mut total = started["total"].as_i64();
    for _ in 0..50 {
        if total == Some(missing) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (_, p) = call(client.get(format!("{}/api/orders/backfill", app.address))).await;
        total = p["total"].as_i64();
    }
    assert_eq!(
        total,
        Some(missing),
        "the job counts the orders missing lines"
    );
    // A second start returns the running job.
    let (status, again) = call(client.post(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 200);
    assert_eq!(again["jobId"], started["jobId"]);

    let (status, stopped) =
        call(client.delete(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 200, "{stopped}");
    let mut state = stopped["state"].as_str().unwrap().to_owned();
    for _ in 0..20 {
        if state == "stopped" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, p) = call(client.get(format!("{}/api/orders/backfill", app.address))).await;
        state = p["state"].as_str().unwrap().to_owned();
    }
    assert_eq!(state, "stopped", "stopped within a second");
}

#[tokio::test]
async fn browser_starts_a_backfill_sees_it_move_and_stops_it() {
    // Per-order pace: the report would fill the demo's orders in a blink.
    let app = spawn_app_with(DemoMode::On, |c| {
        c.backfill_report_threshold = Some(1_000_000)
    })
    .await;
    let client = app.owner().await;
    v0_sync(&app, &client).await;
    app.add_user("anna", Role::Staff).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    b.client
        .goto(&format!("{}/orders", app.address))
        .await
        .expect("open /orders");
    b.find("#fetch-missing")
        .await
        .click()
        .await
        .expect("click Fetch Missing Items");
    b.wait_for_text("Fetching items:").await;
    let processed = || async {
        b.find("#backfill [data-field=processed]")
            .await
            .text()
            .await
            .unwrap()
            .parse::<i64>()
            .unwrap_or(0)
    };
    // The bar moves: the count rises twice while the page stays put.
    let first = processed().await;
    let mut seen = first;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = processed().await;
        if now > seen {
            seen = now;
        }
        if seen > first + 1 {
            break;
        }
    }
    assert!(seen > first + 1, "progress did not move ({first} → {seen})");
    let bar = b
        .client
        .execute(
            "return document.getElementById('backfill-bar').value",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        bar.as_f64().is_some_and(|v| v > 0.0),
        "the bar shows progress: {bar}"
    );
    b.find("#stop-backfill")
        .await
        .click()
        .await
        .expect("click Stop Backfill");
    b.wait_for_text(">Stopped<").await;
    let (_, p) = call(client.get(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(p["state"], "stopped", "{p}");
    assert!(
        p["processed"].as_i64().unwrap() < p["total"].as_i64().unwrap(),
        "{p}"
    );
    // A reload shows the last known state.
    b.client.refresh().await.unwrap();
    b.wait_for_text(">Stopped<").await;
}
