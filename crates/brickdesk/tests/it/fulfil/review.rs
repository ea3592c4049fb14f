//! The review of a confirmation batch lists exactly what its undo enforces,
//! reads without taking a write lock, and a confirm body naming a line or a
//! unit twice is refused up front with the order and line named.

use std::time::Duration;

use brickdesk::db::{self, Db};
use brickdesk::domain::{BatchId, InventoryItemId, InventoryStatus};
use brickdesk::fulfil::confirm;
use brickdesk::fulfil::undo;
use serde_json::json;

use super::{o1_o2_request, seed, snapshot};
use crate::builders::TestUnit;
use crate::helpers::{TestApp, on_both_backends};

/// Confirms O1 (recommended) and O2 (chosen units); returns the batch.
async fn confirm_two(db: &Db, f: &super::Fixture) -> BatchId {
    let req = o1_o2_request(f, "SOLD-REVIEW");
    let out = confirm::confirm(db, &req, None).await.expect("confirm");
    assert_eq!(out.confirmed.len(), 2, "{:?}", out.failed);
    out.batch_id.expect("batch")
}

async fn review_lists_what_the_undo_enforces(db: &Db) {
    let f = seed(db).await;
    let batch = confirm_two(db, &f).await;
    assert_eq!(undo::review(db, batch).await.expect("review").blockers, []);
    // Three kinds of dependency: a unit moved, a link removed, fees.
    let moved = f.units[2];
    let row = db::inventory::get(db, InventoryItemId::new(moved).expect("id"))
        .await
        .expect("get")
        .expect("unit");
    let mut tx = db.begin().await.expect("begin");
    db::inventory::update(
        &mut tx,
        InventoryItemId::new(moved).expect("id"),
        &TestUnit::of(&row.details.set_number)
            .named(&row.details.item_name)
            .status(InventoryStatus::Sold)
            .location(Some("RETURNS"))
            .added(row.created_at)
            .build()
            .details,
    )
    .await
    .expect("edit");
    assert!(
        db::confirmations::delete_link(
            &mut tx,
            brickdesk::domain::OrderItemId::new(f.l3).expect("line id"),
            brickdesk::domain::InventoryItemId::new(f.units[4]).expect("unit id"),
        )
        .await
        .expect("unlink")
    );
    let summary = brickdesk::domain::fees::FeeSummary::from_entries(&[]);
    db::fees::replace_unit_fees(
        &mut tx,
        &[db::fees::UnitFeesWrite {
            unit_id: brickdesk::domain::InventoryItemId::new(f.units[0]).expect("unit id"),
            currency: brickdesk::domain::Currency::GBP,
            summary: &summary,
            entries: &[],
        }],
    )
    .await
    .expect("fees");
    tx.commit().await.expect("commit");

    let before = snapshot(db).await;
    let review = undo::review(db, batch).await.expect("review");
    assert_eq!(snapshot(db).await, before, "the review writes nothing");
    let enforced = match undo::undo(db, batch, None).await {
        Err(undo::UndoError::Blocked(why)) => why,
        other => panic!("expected a blocked undo, got {other:?}"),
    };
    assert_eq!(snapshot(db).await, before, "a blocked undo changes nothing");
    assert_eq!(
        review.blockers, enforced,
        "the review lists what the undo enforces"
    );
    for needle in [
        format!("inventory item {} has Amazon fees", f.units[0]),
        format!("inventory item {moved} changed"),
        format!("the link of inventory item {} was removed", f.units[4]),
    ] {
        assert!(
            enforced.iter().any(|w| w.to_string().contains(&needle)),
            "{needle:?} in {enforced:?}"
        );
    }

    // A GET takes no write lock: with another transaction holding the
    // write lock (SQLite) and every order row (PostgreSQL), it still
    // answers. The timeout only stops a hang from blocking the suite.
    let mut held = db.begin().await.expect("begin");
    db::orders::refresh_match_counts(&mut held, db::orders::Refresh::All)
        .await
        .expect("lock the orders");
    let review = tokio::time::timeout(Duration::from_secs(60), undo::review(db, batch))
        .await
        .expect("the review waited for a write lock")
        .expect("review");
    assert_eq!(review.blockers, enforced);
    drop(held);
}

on_both_backends! {
    review_blockers_equal_undo_blockers => review_lists_what_the_undo_enforces;
}

#[tokio::test]
async fn confirm_body_with_a_line_or_unit_twice_is_refused_up_front() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let f = seed(&app.db).await;
    let before = snapshot(&app.db).await;
    let order = "203-0000002-0000002";
    let url = format!("{}/api/orders/confirm", app.address);
    let bodies = [
        (
            json!([{ "item_id": f.l2, "units": [f.units[2]] }, { "item_id": f.l2, "units": [f.units[0]] }]),
            format!("line {} is listed twice", f.l2),
        ),
        (
            json!([{ "item_id": f.l2, "units": [f.units[2]] }, { "item_id": f.l3, "units": [f.units[2]] }]),
            format!(
                "line {}: inventory item {} is already chosen for order {order}, line {}",
                f.l3, f.units[2], f.l2
            ),
        ),
    ];
    for (lines, expected) in bodies {
        let resp = owner
            .post(&url)
            .json(&json!({ "archive_location": "SOLD-X", "orders": [{ "order_id": order, "lines": lines }] }))
            .send()
            .await
            .expect("confirm");
        assert_eq!(resp.status(), 400);
        let body: serde_json::Value = resp.json().await.expect("json");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains(order) && message.contains(&expected),
            "{expected:?} in {message:?}"
        );
        assert!(!message.contains("Retry"), "{message}");
    }
    assert_eq!(
        snapshot(&app.db).await,
        before,
        "a refused request changes nothing"
    );
}

/// On PostgreSQL each order commits without waiting for the disk, and the
/// batch waits once at the end. The relaxed setting must stay inside those
/// transactions: afterwards every pooled connection commits synchronously.
#[tokio::test]
async fn deferred_durability_stays_inside_the_order_transactions() {
    let Some(t) = crate::helpers::postgres().await else {
        eprintln!("TEST_DATABASE_URL not set: skipped");
        return;
    };
    let f = seed(&t.db).await;
    let batch = confirm_two(&t.db, &f).await;
    assert!(
        db::confirmations::batch(&t.db, batch)
            .await
            .expect("batch")
            .is_some()
    );
    let Db::Postgres(pool) = &t.db else {
        panic!("a PostgreSQL pool")
    };
    // Holding every open connection at once visits each of them.
    let mut conns = Vec::new();
    for _ in 0..pool.size() {
        conns.push(pool.acquire().await.expect("connection"));
    }
    for conn in &mut conns {
        let (setting,): (String,) = sqlx::query_as("SHOW synchronous_commit")
            .fetch_one(&mut **conn)
            .await
            .expect("show");
        assert_eq!(setting, "on");
    }
}
