//! 200 concurrent confirm requests over HTTP competing for five units, on
//! SQLite and on PostgreSQL: every unit is linked at most once, to an order
//! that was completed, and every request gets success or a clear per-order
//! failure.

use std::collections::HashMap;

use brickdesk::db::{self};
use brickdesk::domain::{OrderId, Platform, UiStatus};
use futures::future::join_all;
use serde_json::{Value, json};
use time::macros::datetime;

use super::{ASIN_A, add_mapping, add_order, add_unit};
use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::helpers::{TestApp, TestDb, all_units, orders_query};

const ORDERS: usize = 10;
const UNITS: usize = 5;
const REQUESTS: usize = 200;

/// Failures a request may report; anything else is a defect.
const CLEAR: [&str; 6] = [
    "No linked items",
    "already sold",
    "only Paid or Shipped",
    "confirmed by another request",
    "linked to another order a moment ago",
    "linked or confirmed by another request",
];

async fn race(t: TestDb) {
    let app: TestApp = TestApp::builder().on(t).spawn().await;
    let owner = app.owner().await;
    let (units, lines) = falcons_and_paid_orders(&app).await;
    let answers = confirm_all_at_once(&app, &owner, &units, &lines).await;
    let confirmed = confirmed_once_each_or_failed_clearly(&answers);
    // Every unit sold at most once, to an order that is Completed.
    let mut owner_of: HashMap<i64, &str> = HashMap::new();
    for (order, sold) in &confirmed {
        for u in sold {
            assert!(owner_of.insert(*u, order).is_none(), "unit {u} sold twice");
        }
    }
    let rows = all_units(&app.db).await;
    for r in &rows {
        match owner_of.get(&r.id.get()) {
            Some(order) => {
                assert_eq!(r.details.status.as_str(), "SOLD");
                assert_eq!(r.sold_order_ref.as_deref(), Some(*order));
                assert_eq!(r.details.storage_location.as_deref(), Some("SOLD-RACE"));
            }
            None => assert_eq!(
                r.details.status.as_str(),
                "LISTED",
                "unit {} untouched",
                r.id
            ),
        }
    }
    let q = orders_query(Some(Platform::Amazon), 100);
    let (orders, _) = db::orders::list_orders(&app.db, &q).await.expect("orders");
    let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let links = db::orders::links_for_items(
        &app.db,
        &db::orders::lines_for_orders(&app.db, &ids)
            .await
            .expect("lines")
            .iter()
            .map(|l| l.id)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("links");
    assert_eq!(links.len(), owner_of.len(), "one link per sold unit");
    for o in &orders {
        let done = confirmed.contains_key(&o.reported.platform_order_id);
        assert_eq!(
            o.ui_status == UiStatus::Completed,
            done,
            "{}",
            o.reported.platform_order_id
        );
    }
}

/// `UNITS` Falcons in A-1 and `ORDERS` paid orders of one Falcon each;
/// returns the unit ids and each order's id with its line id.
async fn falcons_and_paid_orders(app: &TestApp) -> (Vec<i64>, Vec<(String, i64)>) {
    add_mapping(&app.db, ASIN_A, "75192").await;
    let mut units = Vec::new();
    for i in 0..UNITS {
        let at = datetime!(2026-01-01 0:00 UTC) + time::Duration::hours(i as i64);
        units.push(
            add_unit(
                &app.db,
                TestUnit::of("75192")
                    .location(Some("A-1"))
                    .added(at)
                    .build(),
            )
            .await,
        );
    }
    let mut lines = Vec::new();
    for i in 0..ORDERS {
        let at = datetime!(2026-01-10 0:00 UTC) + time::Duration::hours(i as i64);
        let id = format!("203-{:07}-0000000", i + 1);
        let l = add_order(
            &app.db,
            TestOrder::paid(&id).placed(at).build(),
            &[TestLine::new("L", 1)
                .asin(Some(ASIN_A))
                .title("Falcon")
                .build()],
        )
        .await;
        lines.push((id, l[0]));
    }
    (units, lines)
}

/// Sends `REQUESTS` confirm requests at once; each answer's status, body
/// and the number of orders it carried.
async fn confirm_all_at_once(
    app: &TestApp,
    owner: &reqwest::Client,
    units: &[i64],
    lines: &[(String, i64)],
) -> Vec<(reqwest::StatusCode, Value, usize)> {
    let requests = (0..REQUESTS).map(|i| {
        // Some take the recommendation, the others name a unit; every
        // fourth request carries three orders naming different units, which
        // PostgreSQL confirms at the same time.
        let orders: Vec<Value> = if i % 4 == 3 {
            (0..3)
                .map(|k| {
                    let (order_id, line) = &lines[(i + k) % ORDERS];
                    let unit = units[(i / ORDERS + i + k) % UNITS];
                    json!({ "order_id": order_id, "lines": [{ "item_id": line, "units": [unit] }] })
                })
                .collect()
        } else {
            let (order_id, line) = &lines[i % ORDERS];
            vec![if i % 3 == 0 {
                json!({ "order_id": order_id })
            } else {
                json!({ "order_id": order_id, "lines": [{ "item_id": line, "units": [units[(i / ORDERS + i) % UNITS]] }] })
            }]
        };
        let sent = orders.len();
        let body = json!({ "archive_location": "SOLD-RACE", "orders": orders });
        let client = owner.clone();
        let url = format!("{}/api/orders/confirm", app.address);
        async move {
            let resp = client.post(url).json(&body).send().await.expect("request");
            let status = resp.status();
            let body: Value = resp.json().await.expect("json answer");
            (status, body, sent)
        }
    });
    join_all(requests).await
}

/// Every answer is a 200 answering each order it carried, no order is
/// confirmed twice and failures say why; the units sold, by order.
fn confirmed_once_each_or_failed_clearly(
    answers: &[(reqwest::StatusCode, Value, usize)],
) -> HashMap<String, Vec<i64>> {
    let mut confirmed: HashMap<String, Vec<i64>> = HashMap::new();
    for (status, body, sent) in answers {
        assert_eq!(status.as_u16(), 200, "{body}");
        for c in body["confirmed"].as_array().expect("confirmed") {
            let id = c["order_id"].as_str().expect("id").to_owned();
            let sold: Vec<i64> = c["units"]
                .as_array()
                .expect("units")
                .iter()
                .map(|u| u.as_i64().expect("unit"))
                .collect();
            assert!(
                confirmed.insert(id.clone(), sold).is_none(),
                "order {id} confirmed twice"
            );
        }
        for f in body["failed"].as_array().expect("failed") {
            let msg = f["message"].as_str().expect("message");
            assert!(
                CLEAR.iter().any(|c| msg.contains(c)),
                "unclear failure: {msg}"
            );
        }
        let n = body["confirmed"].as_array().map_or(0, Vec::len)
            + body["failed"].as_array().map_or(0, Vec::len);
        assert_eq!(n, *sent, "one answer per order: {body}");
    }
    assert!(
        !confirmed.is_empty() && confirmed.len() <= UNITS,
        "{confirmed:?}"
    );
    confirmed
}

#[tokio::test]
async fn concurrent_confirms_sqlite() {
    race(crate::helpers::sqlite().await).await;
}

#[tokio::test]
async fn concurrent_confirms_postgres() {
    match crate::helpers::postgres().await {
        Some(t) => race(t).await,
        None => eprintln!("TEST_DATABASE_URL not set: PostgreSQL half skipped"),
    }
}
