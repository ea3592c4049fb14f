//! Demo mode: the demo seller lives in the built-in simulator, the
//! database is filled by a real first sync from it, and every Amazon
//! feature then has real work: sync finds the same orders, Fetch Missing
//! Items fills the orders stored without lines, Reconcile Fees finds the
//! sold units' fee events, and the simulator keeps trading as its clock
//! runs.

use std::path::Path;
use std::time::Duration;

use brickdesk::Application;
use brickdesk::auth::Role;
use brickdesk::cli::args::{Cli, Command};
use brickdesk::config::DemoMode;
use brickdesk::db::inventory::InventoryQuery;
use brickdesk::db::orders::OrderListQuery;
use brickdesk::db::{self, Db};
use brickdesk::demo;
use brickdesk::domain::Platform;
use serde_json::Value;
use spapi_sim::SimClock;
use tokio_util::sync::CancellationToken;

use crate::helpers::{PASSWORD, TestApp, cookie_client, sqlite};

/// Sends `request`; its status and JSON body.
async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

async fn sync(address: &str, client: &reqwest::Client) -> Value {
    let (status, body) = call(client.post(format!("{address}/api/integrations/amazon/sync"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "done", "{body}");
    body
}

/// Every Amazon order (id, status, workflow, total, lines) and every unit
/// (SKU, set, condition, status, cost, price) as stored, in a stable order.
async fn snapshot(db: &Db) -> (Vec<String>, Vec<String>) {
    let mut orders = Vec::new();
    loop {
        let q = OrderListQuery {
            platform: Some(Platform::Amazon),
            status: None,
            matching: None,
            channel: None,
            marketplace: None,
            search: None,
            offset: orders.len() as u64,
            limit: 100,
        };
        let (page, _) = db::orders::list_orders(db, &q).await.expect("orders");
        if page.is_empty() {
            break;
        }
        for o in page {
            let lines: Vec<String> = o
                .lines
                .iter()
                .map(|l| {
                    format!(
                        "{} {:?} x{} {:?} {}",
                        l.reported.platform_item_id,
                        l.reported.asin,
                        l.reported.quantity,
                        l.reported.unit_price.map(|m| m.minor),
                        l.match_status.as_str()
                    )
                })
                .collect();
            orders.push(format!(
                "{} {} {:?} {:?} [{}]",
                o.reported.platform_order_id,
                o.ui_status,
                o.reported.total.map(|m| m.minor),
                o.items_fetched_at.is_some(),
                lines.join(", ")
            ));
        }
    }
    orders.sort();
    let (units, _) = db::inventory::list(db, &InventoryQuery::default())
        .await
        .expect("units");
    let mut units: Vec<String> = units
        .iter()
        .map(|u| {
            format!(
                "{:?} {} {} {} {:?} {:?}",
                u.details.sku,
                u.details.set_number,
                u.details.condition,
                u.details.status,
                u.details.cost_minor,
                u.details.listing_price_minor
            )
        })
        .collect();
    units.sort();
    (orders, units)
}

#[tokio::test]
async fn a_demo_start_is_a_real_first_sync_and_every_amazon_feature_has_work() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let a = &app.address;
    assert_eq!(
        db::orders::count(&app.db, Platform::Amazon).await.unwrap(),
        demo::DEMO_AMAZON_ORDERS as i64,
        "every order of the simulator was synced"
    );
    let missing = db::orders::count_missing_items(&app.db, Platform::Amazon)
        .await
        .unwrap();
    assert_eq!(missing, demo::MISSING_ITEMS as i64);

    // [Sync Orders] finds the same orders.
    let again = sync(a, &owner).await;
    assert_eq!(
        (again["new"].as_i64(), again["failed"].as_i64()),
        (Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(
        db::orders::count(&app.db, Platform::Amazon).await.unwrap(),
        demo::DEMO_AMAZON_ORDERS as i64
    );

    // [Fetch Missing Items] fills every order stored without lines.
    let (status, started) = call(owner.post(format!("{a}/api/orders/backfill"))).await;
    assert_eq!(status, 201, "{started}");
    let done = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let (_, p) = call(owner.get(format!("{a}/api/orders/backfill"))).await;
            if p["isRunning"] == false && p["jobId"] == started["jobId"] {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the backfill ends");
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        (done["success"].as_i64(), done["failed"].as_i64()),
        (Some(missing), Some(0)),
        "{done}"
    );
    assert_eq!(
        db::orders::count_missing_items(&app.db, Platform::Amazon)
            .await
            .unwrap(),
        0
    );

    // [Reconcile Fees] finds the sold units' fee events.
    let (status, run) = call(owner.post(format!("{a}/api/admin/reconcile-amazon-fees"))).await;
    assert_eq!(status, 200, "{run}");
    let updated = run["updated"].as_i64().unwrap_or(0);
    assert!(updated > 0, "{run}");
    assert_eq!(
        run["message"]
            .as_str()
            .map(|m| m.starts_with(&format!("Updated {updated} items"))),
        Some(true),
        "{run}"
    );
    assert!(run["fetch_error"].is_null(), "{run}");
    assert_eq!(run["skipped"].as_array().map(Vec::len), Some(0), "{run}");
    assert_eq!(run["unreadable_events"].as_i64(), Some(0), "{run}");
}

#[tokio::test]
async fn two_demo_starts_hold_the_same_orders_and_units() {
    let first = TestApp::builder().demo(DemoMode::On).spawn().await;
    let second = TestApp::builder().demo(DemoMode::On).spawn().await;
    let (orders, units) = snapshot(&first.db).await;
    assert_eq!(orders.len(), demo::DEMO_AMAZON_ORDERS);
    assert!(units.len() > 200, "{} units", units.len());
    assert_eq!((orders, units), snapshot(&second.db).await);
}

/// A demo app on a database of the test's, whose simulator clock the
/// test holds, with an owner's client.
struct DemoApp {
    address: String,
    clock: SimClock,
    owner: reqwest::Client,
    stop: CancellationToken,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl DemoApp {
    /// Builds the app in demo mode on `url` (what `brickdesk serve --demo
    /// on` does) and signs the owner in, creating the owner the first time.
    async fn start(url: &str, data_dir: &Path) -> DemoApp {
        let cli = Cli::parse_args_with_default(
            [
                "brickdesk",
                "--data-dir",
                &data_dir.display().to_string(),
                "--database-url",
                url,
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--demo",
                "on",
            ]
            .into_iter()
            .map(Into::into)
            .collect(),
        );
        let Some(Command::Serve(serve)) = cli.command else {
            panic!("parsed as serve");
        };
        let config = serve.resolve(&cli.global).expect("config");
        let app = Application::build(config).await.expect("build app");
        let clock = app
            .demo_sim()
            .expect("demo simulator")
            .config()
            .clock
            .clone();
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let stop = CancellationToken::new();
        let serving = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));
        if db::users::count(&db).await.expect("users") == 0 {
            let hash = brickdesk::auth::password::hash(PASSWORD).expect("hash");
            let mut tx = db.begin().await.expect("begin");
            db::users::create(&mut tx, "owner", &hash, Role::Owner)
                .await
                .expect("owner");
            tx.commit().await.expect("commit");
        }
        let owner = cookie_client();
        let resp = owner
            .post(format!("{address}/login"))
            .form(&[("username", "owner"), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303, "owner sign-in redirects");
        DemoApp {
            address,
            clock,
            owner,
            stop,
            serving,
        }
    }

    async fn stop(self) {
        self.stop.cancel();
        self.serving.await.expect("app task").expect("served");
    }
}

#[tokio::test]
async fn the_demo_seller_keeps_trading_as_the_simulator_clock_runs() {
    let t = sqlite().await;
    let dir = tempfile::tempdir().expect("data dir");
    let app = DemoApp::start(&t.url, dir.path()).await;
    let quiet = sync(&app.address, &app.owner).await;
    assert_eq!(
        (quiet["new"].as_i64(), quiet["updated"].as_i64()),
        (Some(0), Some(0)),
        "{quiet}"
    );
    app.clock.advance(Duration::from_secs(4 * 60));
    let later = sync(&app.address, &app.owner).await;
    let changed = later["new"].as_i64().unwrap_or(0) + later["updated"].as_i64().unwrap_or(0);
    assert!(
        changed >= 1,
        "a sync a few minutes later brings an order: {later}"
    );
    assert_eq!(later["failed"].as_i64(), Some(0), "{later}");
    app.stop().await;
}

#[tokio::test]
async fn a_restarted_demo_simulates_the_seller_it_synced() {
    let t = sqlite().await;
    let dir = tempfile::tempdir().expect("data dir");
    let first = DemoApp::start(&t.url, dir.path()).await;
    let filled = snapshot(&t.db).await;
    first.stop().await;
    let second = DemoApp::start(&t.url, dir.path()).await;
    assert_eq!(snapshot(&t.db).await, filled, "the demo is filled once");
    let again = sync(&second.address, &second.owner).await;
    assert_eq!(
        (again["new"].as_i64(), again["updated"].as_i64()),
        (Some(0), Some(0)),
        "{again}"
    );
    second.stop().await;
}

#[tokio::test]
async fn the_dashboard_is_the_sellers_morning_view() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let html = owner
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("html");
    // Amazon ships the FBA ones among the 15 Paid orders: the seller ships the rest.
    let paid = crate::helpers::get_json(
        &owner,
        format!(
            "{}/api/orders/amazon?status=Paid&page_size=100",
            app.address
        ),
    )
    .await;
    let paid = paid["orders"].as_array().expect("orders");
    let to_ship = paid
        .iter()
        .filter(|o| o["fulfillment_channel"] != "AFN")
        .count();
    assert!(
        paid.len() == 15 && (1..15).contains(&to_ship),
        "the demo's Paid orders are partly FBA: {to_ship} of {}",
        paid.len()
    );
    let to_ship = format!("{to_ship}</span>");
    for (id, text, link) in [
        ("to-pick", to_ship.as_str(), "/orders/amazon?status=Paid"),
        ("missing-items", "15</span>", "/orders#amazon-card"),
        (
            "unmatched",
            "orders with unmatched lines",
            "/orders/amazon?match=unmatched",
        ),
        (
            "missing-fees",
            "sold items missing fee data",
            "/orders#amazon-card",
        ),
    ] {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}"));
        let task = &html[start..start + html[start..].find("</li>").expect("end")];
        assert!(task.contains(text) && task.contains(link), "{id}: {task}");
    }
    assert!(html.contains("Amazon orders last synced"), "{html}");
}

/// No error banner, and no "failed" count other than zero, on the page.
async fn assert_no_failure_on_screen(b: &crate::browser::Browser, step: &str) {
    let html = b.client.source().await.expect("source");
    assert!(!html.contains("banner error"), "{step}: an error is shown");
    for shown in html
        .match_indices("failed")
        .map(|(i, _)| &html[i.saturating_sub(40)..i])
    {
        assert!(
            !shown.chars().any(|c| c.is_ascii_digit() && c != '0'),
            "{step}: a failure count is shown: {shown}"
        );
    }
}

#[tokio::test]
async fn browser_the_demo_journey_runs_without_a_failure() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    app.add_user("anna", Role::Owner).await;
    let Some(b) = crate::browser::Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    let go = |path: &str| format!("{}{path}", app.address);

    // Fetch Missing Items: the 15 orders stored without lines.
    b.client.goto(&go("/orders")).await.expect("orders");
    b.find("#fetch-missing").await.click().await.expect("fetch");
    b.wait_for_text("data-field=\"success\">15<").await;
    b.wait_for_text("Finished").await;
    assert_no_failure_on_screen(&b, "backfill").await;

    // Reconcile Fees: the sold units' fee events.
    b.client.goto(&go("/orders")).await.expect("orders");
    b.find("#reconcile-fees button")
        .await
        .click()
        .await
        .expect("fees");
    b.wait_for_text("id=\"fees-result\"").await;
    let result = b.find("#fees-result").await.text().await.expect("text");
    assert!(
        result.starts_with("Updated ") && !result.starts_with("Updated 0 "),
        "{result}"
    );
    assert_no_failure_on_screen(&b, "fees").await;

    // Sync Orders finds the same seller: nothing new, nothing failed.
    b.client
        .goto(&go("/orders/amazon"))
        .await
        .expect("amazon orders");
    b.find("#sync-orders").await.click().await.expect("sync");
    b.wait_for_text("Sync finished: 0 new").await;
    assert_no_failure_on_screen(&b, "sync").await;

    // Confirm one order processed.
    b.client.goto(&go("/orders")).await.expect("orders");
    b.find("#confirm-orders")
        .await
        .click()
        .await
        .expect("confirm dialog");
    b.wait_for_text("Progress: 1 of").await;
    b.find("dialog[open] fieldset:not([hidden]) [data-approve]")
        .await
        .click()
        .await
        .expect("approve");
    b.find("#confirm-approved")
        .await
        .click()
        .await
        .expect("confirm");
    b.wait_for_text("Confirmed 1 order;").await;
    assert_no_failure_on_screen(&b, "confirm").await;
}
