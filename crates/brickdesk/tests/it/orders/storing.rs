//! Storing orders' lines: many lines upserted at once, and a backfill's
//! claim of the orders still missing theirs.

use brickdesk::db::orders::sync::claim_missing_items;
use brickdesk::db::{self, Db};
use brickdesk::domain::Platform;

use crate::builders::{TestLine, TestOrder};
use crate::helpers::on_both_backends;

/// Lines upserted together land as one by one would: a line named twice
/// ends as named last (keeping a price the last naming lacks), and a real
/// id takes over its provisional line in place.
async fn many_lines_upsert_as_one_by_one(db: &Db) {
    let mut tx = db.begin().await.expect("tx");
    let a = db::orders::upsert_order(&mut tx, &TestOrder::paid("203-0000001-0000001").build())
        .await
        .expect("order a");
    let b = db::orders::upsert_order(&mut tx, &TestOrder::paid("203-0000002-0000002").build())
        .await
        .expect("order b");
    let provisional = TestLine::new("report:SKU-9", 1).sku("SKU-9").build();
    let kept = db::orders::upsert_item(&mut tx, a, &provisional)
        .await
        .expect("provisional line");
    let first = TestLine::new("L1", 1)
        .title("first")
        .unit_price(Some(100))
        .build();
    let again = TestLine::new("L1", 1)
        .title("second")
        .unit_price(None)
        .build();
    let other = TestLine::new("L1", 2).title("b").build();
    let real = TestLine::new("R9", 1).sku("SKU-9").title("real").build();
    db::orders::upsert_items(
        &mut tx,
        &[(a, &first), (a, &again), (b, &other), (a, &real)],
    )
    .await
    .expect("upsert");
    db::orders::upsert_items(&mut tx, &[])
        .await
        .expect("nothing");
    tx.commit().await.expect("commit");

    let lines = db::orders::lines_for_orders(db, &[a, b])
        .await
        .expect("lines");
    let seen: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.order_id,
                l.reported.platform_item_id.as_str(),
                l.reported.title.as_deref(),
                l.reported.unit_price.map(|m| m.minor),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (a, "R9", Some("real"), Some(59_999)),
            (a, "L1", Some("second"), Some(100)),
            (b, "L1", Some("b"), Some(59_999)),
        ]
    );
    assert_eq!(lines[0].id, kept, "the provisional row took the real id");
}

/// A backfill claims only the orders still missing their lines and, on
/// PostgreSQL, keeps a sync from writing them until it has stored its
/// own; storing them marks them fetched, so they are not claimed again.
async fn a_claim_takes_missing_orders_until_stored(db: &Db) {
    let mut tx = db.begin().await.expect("tx");
    let missing = |id: &str| TestOrder::paid(id).missing_lines().build();
    let a = db::orders::upsert_order(&mut tx, &missing("203-0000001-0000001"))
        .await
        .expect("order a");
    let b = db::orders::upsert_order(&mut tx, &missing("203-0000002-0000002"))
        .await
        .expect("order b");
    let fetched =
        db::orders::upsert_order(&mut tx, &TestOrder::paid("203-0000003-0000003").build())
            .await
            .expect("order c");
    tx.commit().await.expect("commit");

    let all = [a, b, fetched];
    let mut tx = db.begin().await.expect("tx");
    let claimed = claim_missing_items(&mut tx, &all).await.expect("claim");
    assert_eq!(claimed, [a, b]);
    if let Db::Postgres(pool) = db {
        let mut sync = pool.begin().await.expect("second transaction");
        sqlx::query("SET LOCAL lock_timeout = '100ms'")
            .execute(&mut *sync)
            .await
            .expect("lock timeout");
        let err = sqlx::query("UPDATE orders SET notes = 'sync' WHERE id = $1")
            .bind(a.get())
            .execute(&mut *sync)
            .await
            .expect_err("a claimed order is locked");
        let code = err.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("55P03"), "lock not available: {err}");
    }
    let line = TestLine::new("report:SKU-1", 1).sku("SKU-1").build();
    db::orders::upsert_items(&mut tx, &[(a, &line)])
        .await
        .expect("lines");
    db::orders::refresh_fetched_orders(&mut tx, &[a])
        .await
        .expect("store");
    tx.commit().await.expect("commit");

    let mut tx = db.begin().await.expect("tx");
    let claimed = claim_missing_items(&mut tx, &all).await.expect("claim");
    assert_eq!(claimed, [b], "a stored order is not claimed again");
    drop(tx);
    let stored = db::orders::find_order(db, Platform::Amazon, "203-0000001-0000001")
        .await
        .expect("read")
        .expect("order a");
    assert!(stored.items_fetched_at.is_some());
    assert_eq!(stored.lines_total, 1, "counted in the same write");
}

on_both_backends! {
    upserting_many_lines => many_lines_upsert_as_one_by_one;
    claiming_missing_lines => a_claim_takes_missing_orders_until_stored;
}
