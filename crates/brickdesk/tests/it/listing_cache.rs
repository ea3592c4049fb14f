//! The Amazon orders listing is kept in memory while the orders version
//! holds, and is never older than the database: a change written by
//! another connection, as another process sharing the database would
//! write it, shows in the very next response, also when many requests
//! share one read of the orders version.

use std::sync::{Arc, Mutex};

use brickdesk::config::DemoMode;
use brickdesk::db::{self, Db};
use brickdesk::web::orders::cache::ListingCache;
use serde_json::Value;

use crate::helpers::{TestApp, TestDb, postgres, raw, sqlite};

async fn listing(app: &TestApp, owner: &reqwest::Client) -> Value {
    let url = format!("{}/api/orders/amazon?page_size=100", app.address);
    let response = owner.get(url).send().await.expect("get");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// The first order of `page` with a linked line, and that line's id.
fn linked_line(page: &Value) -> (usize, usize, i64) {
    let orders = page["orders"].as_array().expect("orders");
    for (o, order) in orders.iter().enumerate() {
        for (l, item) in order["items"].as_array().expect("items").iter().enumerate() {
            if item["amazon_link_method"].is_string() {
                return (o, l, item["id"].as_i64().expect("line id"));
            }
        }
    }
    panic!("the demo's first 100 orders have a linked line");
}

async fn changes_elsewhere_show_at_once(t: TestDb) {
    let app = TestApp::builder().demo(DemoMode::On).on(t).spawn().await;
    let owner = app.owner().await;
    let elsewhere = Db::connect(app.database_url())
        .await
        .expect("a second pool on the app's database");
    let before = listing(&app, &owner).await;
    assert_eq!(listing(&app, &owner).await, before, "the same page twice");
    let (o, l, line) = linked_line(&before);
    let order_id = before["orders"][o]["id"].as_i64().expect("order id");
    let listing_after = |sql: String| {
        let (app, owner, elsewhere) = (&app, &owner, &elsewhere);
        async move {
            raw(elsewhere, &sql).await;
            listing(app, owner).await["orders"][o].clone()
        }
    };

    let order = listing_after(format!(
        "UPDATE orders SET notes = 'noted elsewhere' WHERE id = {order_id}"
    ))
    .await;
    assert_eq!(order["notes"], "noted elsewhere");

    let order = listing_after(format!(
        "UPDATE order_items SET title = 'Retitled elsewhere' WHERE id = {line}"
    ))
    .await;
    assert_eq!(order["items"][l]["item_name"], "Retitled elsewhere");

    let order = listing_after(format!(
        "UPDATE order_item_links SET link_method = 'manual' WHERE order_item_id = {line}"
    ))
    .await;
    assert_eq!(order["items"][l]["amazon_link_method"], "manual");

    let order = listing_after(format!(
        "DELETE FROM order_item_links WHERE order_item_id = {line}"
    ))
    .await;
    assert_eq!(
        order["items"][l]["linked_inventory_item_ids"],
        Value::Array(Vec::new())
    );
    assert_eq!(order["items"][l]["amazon_link_method"], Value::Null);
    elsewhere.close().await;
}

#[tokio::test]
async fn sqlite_listing_follows_changes_made_elsewhere() {
    changes_elsewhere_show_at_once(sqlite().await).await;
}

#[tokio::test]
async fn postgres_listing_follows_changes_made_elsewhere() {
    if let Some(t) = postgres().await {
        changes_elsewhere_show_at_once(t).await;
    }
}

/// Requests asking for the orders version at once share reads, yet each
/// gets a version at least as new as every change committed before it
/// asked, while another connection keeps committing changes.
async fn shared_version_reads_are_never_stale(t: TestDb) {
    let cache = Arc::new(ListingCache::default());
    let committed = Arc::new(Mutex::new(
        db::orders::orders_version(&t.db).await.expect("version"),
    ));
    let writer = {
        let (db, committed) = (t.db.clone(), committed.clone());
        tokio::spawn(async move {
            for _ in 0..200 {
                raw(&db, "UPDATE orders_version SET version = version + 1").await;
                let now = db::orders::orders_version(&db).await.expect("version");
                *committed.lock().expect("lock") = now;
                tokio::task::yield_now().await;
            }
        })
    };
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let (db, cache, committed) = (t.db.clone(), cache.clone(), committed.clone());
            tokio::spawn(async move {
                for _ in 0..100 {
                    let floor = *committed.lock().expect("lock");
                    let seen = cache.version(&db).await.expect("version");
                    assert!(seen >= floor, "{seen:?} is older than {floor:?}");
                }
            })
        })
        .collect();
    for reader in readers {
        reader.await.expect("reader");
    }
    writer.await.expect("writer");
    let last = *committed.lock().expect("lock");
    assert_eq!(cache.version(&t.db).await.expect("version"), last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_shared_version_reads_are_never_stale() {
    shared_version_reads_are_never_stale(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_shared_version_reads_are_never_stale() {
    if let Some(t) = postgres().await {
        shared_version_reads_are_never_stale(t).await;
    }
}
