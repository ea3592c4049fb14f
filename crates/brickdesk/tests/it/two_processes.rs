//! Two `brickdesk` processes serving one PostgreSQL database (as behind a
//! load balancer), against the simulator: sync, backfill and confirm
//! asked of both at the same moment. The orders and lines equal the
//! simulator's (nothing lost, nothing twice), and every order is
//! confirmed by exactly one of them, each unit sold once.

use std::collections::BTreeSet;

use brickdesk::db::inventory::NewUnit;
use brickdesk::db::{self, Db};
use brickdesk::domain::{Condition, InventoryStatus};
use serde_json::{Value, json};

use crate::amazon_sync::{sim, stored_lines, stored_orders, truth_via};
use crate::crash::Server;
use crate::helpers::{TestDb, postgres};
use crate::promises::{owner_with_token, store_sim_credentials};

async fn call(req: reqwest::RequestBuilder, token: &str) -> (u16, Value) {
    let resp = req.bearer_auth(token).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Maps every ASIN of the stored lines to a set of its own and shelves
/// enough New units of it for every line.
async fn stock_every_line(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let mut mapped = BTreeSet::new();
    for (_, _, asin, _, quantity, _) in stored_lines(db).await {
        let Some(asin) = asin else { continue };
        let set = format!("S{asin}");
        if mapped.insert(asin.clone()) {
            db::mappings::upsert(&mut tx, &asin, &set, Condition::New)
                .await
                .expect("mapping");
        }
        for _ in 0..quantity {
            db::inventory::insert(&mut tx, &NewUnit::listed(set.clone(), "Set"))
                .await
                .expect("unit");
        }
    }
    tx.commit().await.expect("commit");
}

async fn both_processes_at_once(t: &TestDb) {
    let sim = sim(120, 200.0, "").await;
    let (owner, token) = owner_with_token(&t.db, "owner").await;
    store_sim_credentials(&t.db, owner).await;
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let mut servers: Vec<Server> = dirs.iter().map(|d| Server::on(t, d.path(), &sim)).collect();
    let http = reqwest::Client::new();
    for s in &mut servers {
        s.start();
    }
    for s in &servers {
        s.wait_ready(&http).await;
    }
    let (a, b) = (servers[0].base.clone(), servers[1].base.clone());

    // Sync (v0: headers only) from both at once.
    let sync = |base: &str| {
        call(
            http.post(format!("{base}/api/integrations/amazon/sync"))
                .json(&json!({"api": "v0", "windowDays": 3650})),
            &token,
        )
    };
    let ((sa, ra), (sb, rb)) = tokio::join!(sync(&a), sync(&b));
    assert!(sa == 200 || sb == 200, "{sa} {ra} / {sb} {rb}");
    let (heads, lines) = truth_via(&sim, false);
    assert_eq!(stored_orders(&t.db).await, heads);

    // Backfill from both at once: one job, every order's lines once.
    let backfill = |base: &str| {
        call(
            http.post(format!("{base}/api/orders/backfill"))
                .json(&json!({"mode": "per_order"})),
            &token,
        )
    };
    let ((sa, ra), (sb, rb)) = tokio::join!(backfill(&a), backfill(&b));
    assert!(sa == 201 || sb == 201, "{sa} {ra} / {sb} {rb}");
    let done = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        loop {
            let (_, p) = call(http.get(format!("{b}/api/orders/backfill")), &token).await;
            if p["state"] == "done" && p["isRunning"] == false {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the backfill ends");
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(
        stored_lines(&t.db).await,
        lines,
        "no missing and no duplicated lines"
    );

    // Confirm the same orders from both at once.
    stock_every_line(&t.db).await;
    let (_, offered) = call(http.get(format!("{a}/api/orders/confirm")), &token).await;
    let ids: Vec<String> = offered["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() >= 10, "{offered}");
    let body = json!({
        "archive_location": "SOLD-TWO",
        "orders": ids.iter().map(|id| json!({"order_id": id})).collect::<Vec<_>>(),
    });
    let confirm = |base: &str| {
        call(
            http.post(format!("{base}/api/orders/confirm")).json(&body),
            &token,
        )
    };
    let ((sa, ra), (sb, rb)) = tokio::join!(confirm(&a), confirm(&b));
    assert_eq!((sa, sb), (200, 200), "{ra} / {rb}");
    let confirmed = |r: &Value| -> BTreeSet<String> {
        r["confirmed"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (by_a, by_b) = (confirmed(&ra), confirmed(&rb));
    assert!(
        by_a.is_disjoint(&by_b),
        "an order confirmed twice: {by_a:?} / {by_b:?}"
    );
    // An order neither confirmed was refused by both for a reason of its
    // own (a line without a mapping), never for the other's confirmation.
    let refused = |r: &Value, id: &str| -> Option<String> {
        r["failed"]
            .as_array()?
            .iter()
            .find(|f| f["order_id"] == id)?["message"]
            .as_str()
            .map(str::to_owned)
    };
    for id in &ids {
        if by_a.contains(id) || by_b.contains(id) {
            continue;
        }
        let (why_a, why_b) = (refused(&ra, id), refused(&rb, id));
        assert!(
            why_a.is_some()
                && why_a == why_b
                && !why_a.iter().any(|w| w.contains("another request")),
            "{id}: {why_a:?} / {why_b:?}"
        );
    }
    assert!(by_a.len() + by_b.len() >= 10, "{ra} / {rb}");
    let mut units = confirmed_units(&ra);
    units.extend(confirmed_units(&rb));
    let distinct: BTreeSet<i64> = units.iter().copied().collect();
    assert_eq!(distinct.len(), units.len(), "a unit sold twice: {units:?}");
    assert_eq!(
        db::inventory::count(&t.db, Some(InventoryStatus::Sold))
            .await
            .expect("count"),
        units.len() as i64,
        "every unit sold once"
    );
    sim.shutdown().await.expect("simulator stops");
}

/// The units a confirm response says it sold.
fn confirmed_units(r: &Value) -> Vec<i64> {
    r["confirmed"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["units"].as_array().cloned().unwrap_or_default())
        .filter_map(|u| u.as_i64())
        .collect()
}

#[tokio::test]
async fn two_processes_on_one_postgres_database_do_each_thing_once() {
    if let Some(t) = postgres().await {
        both_processes_at_once(&t).await;
    }
}
