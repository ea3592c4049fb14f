//! Shipment confirmations through the outbox, against the simulator under
//! 20% injected faults, on SQLite and PostgreSQL: bad input is refused by
//! field before anything is queued; a partial and a full shipment reach
//! Amazon exactly once each (the simulator's own record of packages); a
//! later sync shows the orders Shipped; nothing more can be queued for a
//! shipped order.

mod bulk;
mod import;

use serde_json::{Value, json};
use spapi_sim::{Fulfillment, OrderStatus, SimConfig};

use crate::amazon_sync::{SAFETY_NET, TWENTY_PERCENT_FAULTS, sim_config, spawn_sim};
use crate::helpers::{TestApp, TestDb, error_message, send_json};
use crate::promises::{api_get, app_on_sim, on_both_databases};

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    send_json(
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

/// Syncs every order of the app's simulator, which must succeed.
async fn sync_all(app: &TestApp, token: &str) {
    let body = json!({"windowDays": 3650});
    let (status, synced) = post(app, token, "/api/integrations/amazon/sync", &body).await;
    assert_eq!(
        (status, &synced["state"]),
        (200, &json!("done")),
        "{synced}"
    );
}

/// A simulated seller of `orders` orders, every one to ship, synced into
/// a fresh app on SQLite: the simulator, the app, an owner's token and
/// the ids of the orders the app lists, newest first.
pub async fn seller_to_ship(
    orders: usize,
) -> (
    spapi_sim::RunningSim,
    crate::helpers::TestApp,
    String,
    Vec<String>,
) {
    let sim = spawn_sim(sim_config(orders, 400.0, "")).await;
    sim.update_seller(brickdesk_bench::ship::all_to_ship);
    let (app, token) = app_on_sim(crate::helpers::sqlite().await, &sim).await;
    sync_all(&app, &token).await;
    let listed = api_get(&app, &token, "/api/orders/amazon?page_size=10").await;
    let ids = listed["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["platform_order_id"].as_str().expect("id").to_owned())
        .collect();
    (sim, app, token, ids)
}

/// Waits (up to the safety net) until the simulator holds `n` packages;
/// their order ids, sorted.
pub async fn received(sim: &spapi_sim::RunningSim, n: usize) -> Vec<String> {
    let arrived = async {
        loop {
            if sim.update_seller(|s| s.shipments.len()) >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, arrived)
        .await
        .expect("Amazon received the packages");
    let mut ids: Vec<String> =
        sim.update_seller(|s| s.shipments.iter().map(|p| p.order_id.clone()).collect());
    ids.sort();
    ids
}

fn shipments_of(order: &str) -> String {
    format!("/api/orders/amazon/{order}/shipments")
}

async fn shipped_once_each(t: TestDb) {
    let sim = spawn_sim(SimConfig {
        ..sim_config(60, 400.0, TWENTY_PERCENT_FAULTS)
    })
    .await;
    // Two orders the seller ships; the first has two units of one line.
    let (a, b, fba) = sim.update_seller(|s| {
        let mut mine = s.orders.iter_mut().filter(|o| {
            o.status == OrderStatus::Unshipped && o.fulfillment == Fulfillment::Merchant
        });
        let a = mine.next().expect("an order");
        a.lines.truncate(1);
        a.lines[0].quantity = 2;
        let a = a.clone();
        let b = mine.next().expect("another").clone();
        let fba = s
            .orders
            .iter()
            .find(|o| o.fulfillment == Fulfillment::Amazon && o.status.has_prices())
            .expect("an FBA order")
            .clone();
        (a, b, fba)
    });
    let (app, token) = app_on_sim(t, &sim).await;
    sync_all(&app, &token).await;
    let line = a.lines[0].order_item_id.as_str();
    let royal = |extra: Value| {
        let mut body = json!({"carrier_code": "Royal Mail", "tracking_number": "RM123456785GB"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };

    // Refused by field, nothing queued.
    let future = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    for (order, body, field) in [
        (
            &a.order_id,
            royal(json!({"carrier_code": "Pigeon"})),
            "carrier_code",
        ),
        (
            &a.order_id,
            royal(json!({"tracking_number": " "})),
            "tracking_number",
        ),
        (
            &a.order_id,
            royal(json!({"ship_date": future})),
            "ship_date",
        ),
        (
            &a.order_id,
            royal(json!({"items": [{"order_item_id": line, "quantity": 3}]})),
            "items: 3 of line",
        ),
        (
            &a.order_id,
            royal(json!({"carrier_code": "Other"})),
            "carrier_name",
        ),
        (
            &fba.order_id,
            royal(json!({})),
            "order: Amazon ships FBA orders",
        ),
    ] {
        let (status, body) = post(&app, &token, &shipments_of(order), &body).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert!(error_message(&body).starts_with(field), "{field}: {body}");
    }
    let (status, _) = post(
        &app,
        &token,
        &shipments_of("203-0000000-0000000"),
        &royal(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    for order in [&a.order_id, &fba.order_id] {
        assert_eq!(api_get(&app, &token, &shipments_of(order)).await, json!([]));
    }

    // One unit of A, all of B, then A's other unit.
    let one =
        json!({"items": [{"order_item_id": line, "quantity": 1}], "shipping_method": "Tracked 48"});
    for (order, body) in [
        (&a.order_id, royal(one.clone())),
        (&b.order_id, royal(json!({}))),
        (&a.order_id, royal(one)),
    ] {
        let (status, queued) = post(&app, &token, &shipments_of(order), &body).await;
        assert_eq!(status, 202, "{queued}");
    }
    let sent = async {
        loop {
            let a_rows = api_get(&app, &token, &shipments_of(&a.order_id)).await;
            let b_rows = api_get(&app, &token, &shipments_of(&b.order_id)).await;
            let states: Vec<Value> = [a_rows.as_array(), b_rows.as_array()]
                .into_iter()
                .flatten()
                .flatten()
                .map(|r| r["state"].clone())
                .collect();
            if states.len() == 3 && states.iter().all(|s| s != "pending") {
                return (a_rows, b_rows);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let Ok((a_rows, b_rows)) = tokio::time::timeout(SAFETY_NET, sent).await else {
        let job = app.db.clone();
        let latest = brickdesk::db::jobs::latest(&job, brickdesk::domain::JobKind::Ship).await;
        let a_rows = api_get(&app, &token, &shipments_of(&a.order_id)).await;
        let b_rows = api_get(&app, &token, &shipments_of(&b.order_id)).await;
        panic!(
            "not every package sent: {latest:?}\n{a_rows}\n{b_rows}\n{:?}",
            sim.stats()
        );
    };
    assert_eq!(a_rows[0]["state"], "sent", "{a_rows}");
    assert_eq!(a_rows[1]["state"], "sent", "{a_rows}");
    assert_eq!(b_rows[0]["state"], "sent", "{b_rows}");
    assert_eq!(
        (
            a_rows[0]["package_number"].clone(),
            a_rows[1]["package_number"].clone()
        ),
        (json!(1), json!(2))
    );

    // Amazon received each package once, by its reference.
    let received: Vec<(String, String)> = sim.update_seller(|s| {
        s.shipments
            .iter()
            .map(|p| (p.order_id.clone(), p.package_reference_id.clone()))
            .collect()
    });
    let reference = |row: &Value| row["package_reference_id"].to_string();
    let mut expected = vec![
        (a.order_id.clone(), reference(&a_rows[0])),
        (a.order_id.clone(), reference(&a_rows[1])),
        (b.order_id.clone(), reference(&b_rows[0])),
    ];
    let mut got = received.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "received {received:?}");

    // Nothing is left to ship of A.
    let (status, body) = post(&app, &token, &shipments_of(&a.order_id), &royal(json!({}))).await;
    assert_eq!(status, 400);
    assert!(
        error_message(&body).contains("nothing is left to ship"),
        "{body}"
    );

    // A later sync (once Amazon's two-minute window has passed) shows both Shipped.
    sim.update_seller(|s| {
        for o in s
            .orders
            .iter_mut()
            .filter(|o| o.order_id == a.order_id || o.order_id == b.order_id)
        {
            o.last_updated -= time::Duration::minutes(5);
        }
    });
    let (status, synced) = post(&app, &token, "/api/integrations/amazon/sync", &json!({})).await;
    assert_eq!(status, 200, "{synced}");
    for order in [&a.order_id, &b.order_id] {
        let page = api_get(&app, &token, &format!("/api/orders/amazon?search={order}")).await;
        assert_eq!(page["orders"][0]["ui_status"], "Shipped", "{order}: {page}");
    }
    sim.shutdown().await.expect("stop");
}

on_both_databases! {
    shipments_reach_amazon_once_each => shipped_once_each;
}
