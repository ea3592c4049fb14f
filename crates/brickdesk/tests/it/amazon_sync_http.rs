//! Sync and backfill through the app's HTTP API, against a simulator of
//! the test's own (its counters are the evidence), and in a real browser
//! against the demo's built-in simulator.

use std::time::Duration;

use brickdesk::auth::Role;
use spapi_sim::RunningSim;

use crate::amazon_sync::{SAFETY_NET, item_calls};
use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp};
use crate::promises::{SECRET_KEY, store_sim_credentials};

/// Sends `request`; its status and JSON body.
async fn call(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

/// Headers of the simulator's orders (v0 has no lines), so a backfill has
/// every order to fetch.
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

/// The app (not in demo mode) with `sim` as its Amazon, and an owner's
/// client.
async fn app_on(sim: &RunningSim) -> (TestApp, reqwest::Client) {
    let app = TestApp::builder()
        .amazon_sim(sim)
        .configure(|c| c.secret_key = Some(SECRET_KEY.into()))
        .spawn()
        .await;
    let owner = app.add_user("owner", Role::Owner).await;
    store_sim_credentials(&app.db, owner).await;
    let (client, resp) = app.sign_in("owner", PASSWORD).await;
    assert_eq!(resp.status(), 303, "owner sign-in redirects");
    (app, client)
}

/// `GET /api/orders/backfill` until `done` says so (a safety net, not a
/// deadline); the last answer.
async fn backfill_until(
    app: &TestApp,
    client: &reqwest::Client,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let poll = async {
        loop {
            let (status, p) =
                call(client.get(format!("{}/api/orders/backfill", app.address))).await;
            assert_eq!(status, 200, "{p}");
            if done(&p) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, poll)
        .await
        .expect("the backfill reached the state awaited")
}

#[tokio::test]
async fn sync_api_reports_counts_and_backfill_api_starts_and_stops() {
    // getOrderItems at 0.5/s × 0.1: after the client's burst of 29 the
    // next call is due about 20 s later, so the job is certainly still
    // running for the second start and waiting when the stop lands.
    let sim = crate::amazon_sync::sim(45, 0.1, "").await;
    let (app, client) = app_on(&sim).await;
    let first = v0_sync(&app, &client).await;
    assert_eq!(first["state"], "done", "{first}");
    let synced = first["new"].as_i64().unwrap();
    assert!(synced > 29, "more orders than the burst: {first}");
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
    assert_eq!(missing, synced, "{idle}");
    assert_eq!(idle["isRunning"], false);

    let (status, started) = call(
        client
            .post(format!("{}/api/orders/backfill", app.address))
            .json(&serde_json::json!({"mode": "per_order"})),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["isRunning"], true);
    backfill_until(&app, &client, |p| p["total"].as_i64() == Some(missing)).await;
    // A second start returns the running job.
    let (status, again) = call(client.post(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 200);
    assert_eq!(again["jobId"], started["jobId"]);

    // The burst is spent and stored, and the next call is not due for
    // about 20 s: the job is in its rate-limit wait.
    let waiting = backfill_until(&app, &client, |p| p["processed"].as_i64() == Some(29)).await;
    assert_eq!(waiting["state"], "running", "{waiting}");
    assert_eq!(item_calls(&sim), 29);
    let (status, stopped) =
        call(client.delete(format!("{}/api/orders/backfill", app.address))).await;
    assert_eq!(status, 200, "{stopped}");
    let p = backfill_until(&app, &client, |p| p["isRunning"] == false).await;
    assert_eq!(p["state"], "stopped", "{p}");
    assert_eq!(p["processed"].as_i64(), Some(29), "{p}");
    assert_eq!(item_calls(&sim), 29, "no getOrderItems call after the stop");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn browser_starts_a_backfill_sees_it_move_and_stops_it() {
    // Fewer orders than the report threshold, so one call per order: the
    // burst of 29, then one every 2 s, so the job is still running (for
    // half a minute) when the test has seen it move.
    let sim = crate::amazon_sync::sim(45, 1.0, "").await;
    let (app, client) = app_on(&sim).await;
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
    let moved = async {
        while processed().await <= first + 1 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, moved)
        .await
        .unwrap_or_else(|_| panic!("progress did not move from {first}"));
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
    sim.shutdown().await.unwrap();
}
