//! Confirm Orders Processed over HTTP, on SQLite and PostgreSQL: an order
//! naming a unit that is already SOLD fails with "Inventory item N already
//! sold — …" while the other orders of the same request are confirmed
//! ("Failures are listed per order"), and the batch undoes over HTTP.

use brickdesk::db::{self, Db};
use brickdesk::domain::{InventoryItemId, Platform, UiStatus};
use serde_json::{Value, json};
use time::macros::datetime;

use super::{on_both_databases, token_for};
use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::fulfil::{ASIN_A, add_mapping, add_order, add_unit};
use crate::helpers::{TestApp, TestDb, send_json};

const ARCHIVE: &str = "SOLD-2026-02";

/// Paid order `n`'s id.
fn order_id(n: usize) -> String {
    format!("203-100000{n}-000000{n}")
}

/// One order of a confirm body: `line` filled with `unit`.
fn choice(n: usize, line: i64, unit: i64) -> Value {
    json!({"order_id": order_id(n), "lines": [{"item_id": line, "units": [unit]}]})
}

async fn confirm(app: &TestApp, token: &str, orders: Vec<Value>) -> Value {
    let (status, body) = send_json(
        app.client
            .post(format!("{}/api/orders/confirm", app.address))
            .bearer_auth(token)
            .json(&json!({"archive_location": ARCHIVE, "orders": orders})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Sorted ids of the confirmed orders of an answer.
fn confirmed(out: &Value) -> Vec<String> {
    let mut ids: Vec<String> = out["confirmed"]
        .as_array()
        .expect("confirmed")
        .iter()
        .map(|c| c["order_id"].as_str().expect("order id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn unit(db: &Db, id: i64) -> db::inventory::InventoryRow {
    db::inventory::get(db, InventoryItemId::new(id).expect("id"))
        .await
        .expect("get")
        .expect("unit")
}

async fn ui_status(db: &Db, n: usize) -> UiStatus {
    db::orders::find_order(db, Platform::Amazon, &order_id(n))
        .await
        .expect("find")
        .expect("order")
        .ui_status
}

async fn links_of_line(db: &Db, line: i64) -> usize {
    db::orders::links_for_items(
        db,
        &[brickdesk::domain::OrderItemId::new(line).expect("line id")],
    )
    .await
    .expect("links")
    .len()
}

async fn already_sold_fails_that_order_only(t: TestDb) {
    let app = TestApp::builder().on(t).spawn().await;
    let db = &app.db;
    let token = token_for(&app, "owner").await;
    add_mapping(db, ASIN_A, "75192").await;
    let at = datetime!(2026-01-05 09:00 UTC);
    let mut units = Vec::new();
    for shelf in ["A-1", "A-2", "A-3"] {
        units.push(
            add_unit(
                db,
                TestUnit::of("75192")
                    .location(Some(shelf))
                    .added(at)
                    .build(),
            )
            .await,
        );
    }
    // Lines of orders 1..=4 (index 0 = order 1), each one Paid unit.
    let mut lines = Vec::new();
    for n in 1..=4 {
        let order = TestOrder::paid(&order_id(n))
            .placed(at + time::Duration::days(n as i64))
            .build();
        let line = add_order(
            db,
            order,
            &[TestLine::new("L", 1)
                .asin(Some(ASIN_A))
                .title("Falcon")
                .build()],
        )
        .await;
        lines.push(line[0]);
    }

    // Order 1 takes the first unit: it is SOLD from now on.
    let first = confirm(&app, &token, vec![choice(1, lines[0], units[0])]).await;
    assert_eq!(confirmed(&first), [order_id(1)], "{first}");
    assert_eq!(unit(db, units[0]).await.details.status.as_str(), "SOLD");

    // Order 2 names that unit; orders 3 and 4 name free ones.
    let out = confirm(
        &app,
        &token,
        vec![
            choice(2, lines[1], units[0]),
            choice(3, lines[2], units[1]),
            choice(4, lines[3], units[2]),
        ],
    )
    .await;
    let failed = out["failed"].as_array().expect("failed");
    assert_eq!(
        failed,
        &[json!({
            "order_id": order_id(2),
            "message": format!(
                "Inventory item {} already sold — this item has been linked to another order",
                units[0]
            ),
        })],
        "{out}"
    );
    assert_eq!(confirmed(&out), [order_id(3), order_id(4)], "{out}");

    // The failed order and the sold unit are untouched; the others done.
    assert_eq!(ui_status(db, 2).await, UiStatus::Paid);
    assert_eq!(links_of_line(db, lines[1]).await, 0);
    let sold = unit(db, units[0]).await;
    assert!(
        sold.sold_order_ref
            .as_deref()
            .is_some_and(|r| r.contains(&order_id(1))),
        "still sold to order 1: {sold:?}"
    );
    for (n, u) in [(3, units[1]), (4, units[2])] {
        assert_eq!(ui_status(db, n).await, UiStatus::Completed);
        let row = unit(db, u).await;
        assert_eq!(
            (
                row.details.status.as_str(),
                row.details.storage_location.as_deref()
            ),
            ("SOLD", Some(ARCHIVE))
        );
    }

    // The batch undoes over HTTP: orders 3 and 4 reopen, units go back.
    let batch = out["batch_id"]
        .as_i64()
        .expect("a batch for orders 3 and 4");
    let (status, body) = send_json(
        app.client
            .post(format!(
                "{}/api/orders/confirm/batches/{batch}/undo",
                app.address
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for (n, u, shelf) in [(3, units[1], "A-2"), (4, units[2], "A-3")] {
        assert_eq!(ui_status(db, n).await, UiStatus::Paid);
        let row = unit(db, u).await;
        assert_eq!(
            (
                row.details.status.as_str(),
                row.details.storage_location.as_deref()
            ),
            ("LISTED", Some(shelf))
        );
        assert_eq!(links_of_line(db, lines[n - 1]).await, 0);
    }
    assert_eq!(unit(db, units[0]).await, sold, "order 1's sale stays");
}

on_both_databases! {
    already_sold_over_http => already_sold_fails_that_order_only;
}
