//! The orders listing over HTTP on SQLite and PostgreSQL (until now only
//! SQLite served it in a test), and `/orders/ebay` with the demo's eBay
//! orders ("`/orders`, `/orders/ebay` list all platforms").

use std::collections::BTreeSet;

use brickdesk::config::DemoMode;
use brickdesk::db::{self, Db};
use brickdesk::domain::Platform;

use super::{api_get, on_both_databases, token_for};
use crate::helpers::{TestApp, TestDb, orders_query, send_text};

/// Platform order ids of `platform` as storage lists them (newest first).
async fn stored_ids(db: &Db, platform: Platform) -> Vec<String> {
    let q = orders_query(Some(platform), 10_000);
    let (orders, _) = db::orders::list_orders(db, &q).await.expect("orders");
    orders
        .iter()
        .map(|o| o.reported.platform_order_id.clone())
        .collect()
}

/// The `data-order-id`s of the rows of an orders page, in page order.
fn row_ids(html: &str) -> Vec<String> {
    html.split(r#"<tr data-order-id=""#)
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("id ends")].to_owned())
        .collect()
}

async fn amazon_orders_list_over_http(t: TestDb) {
    let app = TestApp::builder().demo(DemoMode::On).on(t).spawn().await;
    let token = token_for(&app, "owner").await;
    let summary = api_get(&app, &token, "/api/orders/amazon/status-summary").await;
    assert_eq!(summary["all"], 300, "{summary}");
    let by_status: i64 = ["Pending", "Paid", "Shipped", "Completed", "Cancelled"]
        .iter()
        .map(|s| summary[s].as_i64().expect("count"))
        .sum();
    assert_eq!(by_status, 300, "every order has one status: {summary}");

    // Three pages of 100 give every Amazon order once, in storage's order.
    let mut listed = Vec::new();
    for page in 1..=3 {
        let body = api_get(
            &app,
            &token,
            &format!("/api/orders/amazon?page={page}&page_size=100"),
        )
        .await;
        assert_eq!((&body["total"], &body["page"]), (&300.into(), &page.into()));
        let orders = body["orders"].as_array().expect("orders");
        assert_eq!(orders.len(), 100, "page {page}");
        listed.extend(
            orders
                .iter()
                .map(|o| o["platform_order_id"].as_str().expect("id").to_owned()),
        );
    }
    assert_eq!(listed, stored_ids(&app.db, Platform::Amazon).await);

    // A status filter keeps its orders only, as many as the summary says.
    let paid = api_get(&app, &token, "/api/orders/amazon?status=Paid&page_size=100").await;
    let orders = paid["orders"].as_array().expect("orders");
    assert!(!orders.is_empty(), "the demo has Paid orders");
    assert_eq!(paid["total"], summary["Paid"]);
    assert_eq!(orders.len() as i64, summary["Paid"].as_i64().expect("n"));
    assert!(orders.iter().all(|o| o["ui_status"] == "Paid"), "{paid}");

    // The page shows the newest orders first, as the API does.
    let (status, html) = send_text(
        app.client
            .get(format!("{}/orders/amazon", app.address))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200);
    let rows = row_ids(&html);
    assert!(!rows.is_empty(), "the page lists orders");
    assert_eq!(rows, listed[..rows.len()], "page one, newest first");
}

async fn ebay_page_lists_the_ebay_orders(t: TestDb) {
    let app = TestApp::builder().demo(DemoMode::On).on(t).spawn().await;
    let token = token_for(&app, "owner").await;
    let ebay = stored_ids(&app.db, Platform::Ebay).await;
    assert_eq!(ebay.len(), 20, "the demo's eBay orders");
    let amazon: BTreeSet<String> = stored_ids(&app.db, Platform::Amazon)
        .await
        .into_iter()
        .collect();
    assert!(!amazon.is_empty());

    let (status, html) = send_text(
        app.client
            .get(format!("{}/orders/ebay?page_size=100", app.address))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>eBay Orders</h1>"), "the page is eBay's");
    assert!(!html.contains("No orders match these filters."));
    let rows = row_ids(&html);
    assert_eq!(rows, ebay, "every eBay order, newest first, and no other");
    assert!(
        !rows.iter().any(|id| amazon.contains(id)),
        "no Amazon order on the eBay page"
    );
    // The platform select says eBay, and `/orders` shows eBay orders too.
    assert!(html.contains(r#"<option value="ebay" selected>eBay</option>"#));
    let (status, all) = send_text(
        app.client
            .get(format!(
                "{}/orders?platform=ebay&page_size=100",
                app.address
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(row_ids(&all), ebay);
}

on_both_databases! {
    amazon_orders_listing_over_http => amazon_orders_list_over_http;
    ebay_orders_page => ebay_page_lists_the_ebay_orders;
}
