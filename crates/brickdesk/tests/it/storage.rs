//! The storage suite: every check runs on SQLite and on PostgreSQL.

use brickdesk::db::inventory::NewUnit;
use brickdesk::db::links::LinkMethod;
use brickdesk::db::orders::{NewOrder, ReportedLine};
use brickdesk::db::{self, Db, DbError};
use brickdesk::demo;
use brickdesk::domain::status::{PLATFORM_STATUSES, ui_status};
use brickdesk::domain::{Currency, InventoryStatus, Money, Platform, UiStatus, WorkflowStatus};
use time::macros::datetime;

use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::helpers::on_both_backends;

fn order(id: &str, status: &str, total: Option<i64>) -> NewOrder {
    TestOrder::with_status(id, status)
        .placed(datetime!(2026-01-18 10:30:15.123456 UTC))
        .buyer(None)
        .total(total)
        .marketplace("A1F83G8C2ARO7P")
        .build()
}

fn line(id: &str, quantity: i64, unit: Option<i64>) -> ReportedLine {
    TestLine::new(id, quantity)
        .asin(Some("B07JPLG4BS"))
        .sku("AMZ-75192-N")
        .title("LEGO Star Wars \"Falcon\" <b>'%_ – Ünïcode</b>")
        .unit_price(unit)
        .build()
}

fn unit(set: &str) -> NewUnit {
    TestUnit::of(set)
        .named("Millennium Falcon")
        .location(Some("A-01"))
        .priced(Some(45_000), Some(59_999))
        .build()
}

on_both_backends! {
    upserting_an_order_twice_keeps_one_row => upsert_order_is_idempotent;
    sync_never_erases_workflow_status_or_known_total => upsert_keeps_workflow_and_total;
    lines_are_updated_in_place => upsert_item_in_place;
    ui_status_column_follows_the_domain_rule => ui_status_column_agrees;
    a_unit_can_be_linked_only_once => link_unique_per_unit;
    an_uncommitted_transaction_leaves_nothing => rollback_leaves_nothing;
    demo_fill_syncs_the_simulator_and_completes => demo_seed_is_complete;
    a_session_expires_exactly_at_its_expiry => session_expiry_boundary;
}

/// The expiry rule takes "now" as an argument, so its boundary is checked
/// at fixed instants rather than by waiting.
async fn session_expiry_boundary(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let user = db::users::create(
        &mut tx,
        "anna",
        "not-a-real-hash",
        brickdesk::auth::Role::Staff,
    )
    .await
    .expect("user");
    let at = datetime!(2026-03-29 00:30:00 UTC);
    let idle = time::Duration::days(7);
    db::users::create_session_at(&mut tx, "digest-1", user, at, idle)
        .await
        .expect("session");
    tx.commit().await.expect("commit");
    let expires = at + idle;
    let live = |now| async move {
        db::users::session_user(db, "digest-1", now)
            .await
            .expect("read session")
            .is_some()
    };
    assert!(live(at).await, "fresh");
    assert!(
        live(expires - time::Duration::seconds(1)).await,
        "a second before expiry"
    );
    assert!(!live(expires).await, "expired at its expiry");
    assert!(!live(expires + time::Duration::seconds(1)).await);
}

async fn upsert_order_is_idempotent(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let a = db::orders::upsert_order(
        &mut tx,
        &order("203-1234567-1234567", "Unshipped", Some(3250)),
    )
    .await
    .expect("insert");
    let b = db::orders::upsert_order(
        &mut tx,
        &order("203-1234567-1234567", "Shipped", Some(3250)),
    )
    .await
    .expect("upsert");
    tx.commit().await.expect("commit");
    assert_eq!(a, b);
    assert_eq!(
        db::orders::count(db, Platform::Amazon)
            .await
            .expect("count"),
        1
    );
    let row = db::orders::find_order(db, Platform::Amazon, "203-1234567-1234567")
        .await
        .expect("find")
        .expect("order exists");
    assert_eq!(row.reported.platform_status, "Shipped");
    assert_eq!(row.ui_status, UiStatus::Shipped);
    // Stored to the second, identical on both backends.
    assert_eq!(
        row.reported.order_date,
        Some(datetime!(2026-01-18 10:30:15 UTC))
    );
}

async fn upsert_keeps_workflow_and_total(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let id = db::orders::upsert_order(
        &mut tx,
        &order("203-0000001-0000001", "Shipped", Some(6500)),
    )
    .await
    .expect("insert");
    db::orders::set_workflow_status(&mut tx, id, Some(WorkflowStatus::Completed))
        .await
        .expect("complete");
    // A later sync reports the order again, without a total.
    db::orders::upsert_order(&mut tx, &order("203-0000001-0000001", "Shipped", None))
        .await
        .expect("resync");
    tx.commit().await.expect("commit");
    let row = db::orders::find_order(db, Platform::Amazon, "203-0000001-0000001")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(row.workflow_status, Some(WorkflowStatus::Completed));
    assert_eq!(row.ui_status, UiStatus::Completed);
    assert_eq!(
        row.reported.total,
        Some(Money::from_minor(6500, Currency::GBP))
    );
}

async fn upsert_item_in_place(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let order_id =
        db::orders::upsert_order(&mut tx, &order("203-0000002-0000002", "Pending", None))
            .await
            .expect("order");
    let first =
        db::orders::upsert_item(&mut tx, order_id, &line("11111111111111", 2, Some(59_999)))
            .await
            .expect("line");
    let second = db::orders::upsert_item(&mut tx, order_id, &line("11111111111111", 3, None))
        .await
        .expect("line again");
    tx.commit().await.expect("commit");
    assert_eq!(first, second, "same OrderItemId, same row");
    let items = db::orders::lines_for_orders(db, &[order_id])
        .await
        .expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reported.quantity, 3);
    assert_eq!(
        items[0].reported.unit_price.map(|m| m.minor),
        Some(59_999),
        "a missing price keeps the known one"
    );
    assert_eq!(
        items[0].reported.title.as_deref(),
        Some("LEGO Star Wars \"Falcon\" <b>'%_ – Ünïcode</b>"),
        "text is stored literally"
    );
}

async fn ui_status_column_agrees(db: &Db) {
    let mut statuses: Vec<&str> = PLATFORM_STATUSES.iter().map(|(s, _)| *s).collect();
    statuses.push("SomethingNew");
    let mut tx = db.begin().await.expect("begin");
    let mut expected = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        for completed in [false, true] {
            let id = format!("203-{:07}-{:07}", i, usize::from(completed));
            let order_id = db::orders::upsert_order(&mut tx, &order(&id, status, Some(100)))
                .await
                .expect("insert");
            let workflow = completed.then_some(WorkflowStatus::Completed);
            if let Some(w) = workflow {
                db::orders::set_workflow_status(&mut tx, order_id, Some(w))
                    .await
                    .expect("wf");
            }
            expected.push((id, ui_status(status, workflow)));
        }
    }
    tx.commit().await.expect("commit");
    for (id, ui) in &expected {
        let row = db::orders::find_order(db, Platform::Amazon, id)
            .await
            .expect("find")
            .expect("row");
        assert_eq!(
            row.ui_status, *ui,
            "order {id} ({})",
            row.reported.platform_status
        );
    }
    let summary = db::orders::status_summary(db, Platform::Amazon)
        .await
        .expect("summary");
    assert_eq!(summary.all, expected.len() as i64);
    for (status, count) in summary.counts {
        let want = expected.iter().filter(|(_, ui)| *ui == status).count() as i64;
        assert_eq!(count, want, "{status}");
    }
    assert!(UiStatus::ALL.len() == 5);
}

async fn link_unique_per_unit(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    let o = db::orders::upsert_order(&mut tx, &order("203-0000003-0000003", "Unshipped", Some(1)))
        .await
        .expect("order");
    let item = db::orders::upsert_item(&mut tx, o, &line("22222222222222", 2, Some(1)))
        .await
        .expect("line");
    let u = db::inventory::insert(&mut tx, &unit("75192"))
        .await
        .expect("unit");
    db::links::insert(&mut tx, item, 0, u, LinkMethod::AsinMatcher, None)
        .await
        .expect("first link");
    tx.commit().await.expect("commit");

    let mut tx = db.begin().await.expect("begin");
    let again = db::links::insert(&mut tx, item, 1, u, LinkMethod::Confirm, None).await;
    assert!(
        matches!(again, Err(DbError::Conflict { .. })),
        "second link refused: {again:?}"
    );
    drop(tx);
    let links = db::links::units_of(db, item).await.expect("links");
    assert_eq!(links, [(0, u)]);
}

async fn rollback_leaves_nothing(db: &Db) {
    let mut tx = db.begin().await.expect("begin");
    db::orders::upsert_order(&mut tx, &order("203-0000004-0000004", "Pending", None))
        .await
        .expect("order");
    db::inventory::insert(&mut tx, &unit("10294"))
        .await
        .expect("unit");
    drop(tx);
    assert_eq!(db::orders::count_all(db).await.expect("count"), 0);
    assert_eq!(db::inventory::count(db, None).await.expect("count"), 0);
}

async fn demo_seed_is_complete(db: &Db) {
    assert!(demo::database_is_empty(db).await.expect("empty"));
    let seeded = demo::seed(db, demo::DEMO_SEED).await.expect("seed");
    assert!(!demo::database_is_empty(db).await.expect("not empty"));
    assert!(demo::is_demo_database(db).await.expect("marker"));
    assert!(!demo::needs_filling(db).await.expect("complete"));
    assert_eq!(seeded.amazon_orders, demo::DEMO_AMAZON_ORDERS as i64);
    assert_eq!(seeded.missing_items, demo::MISSING_ITEMS as i64);
    assert_eq!(
        db::orders::count_all(db).await.expect("orders") as usize,
        demo::DEMO_AMAZON_ORDERS + seeded.other_orders
    );
    assert_eq!(
        db::inventory::count(db, None).await.expect("units") as usize,
        seeded.units
    );
    assert_eq!(
        db::inventory::count(db, Some(InventoryStatus::Sold))
            .await
            .expect("sold") as usize,
        seeded.sold_units
    );
    assert!(seeded.sold_units > 0 && seeded.units > seeded.sold_units);
    assert_eq!(
        db::mappings::count(db).await.expect("maps") as usize,
        seeded.mappings
    );
    let summary = db::orders::status_summary(db, Platform::Amazon)
        .await
        .expect("summary");
    assert_eq!(summary.all, 300);
    let count = |status| {
        summary
            .counts
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, n)| *n)
    };
    assert_eq!(count(UiStatus::Paid), Some(15));
    assert_eq!(count(UiStatus::Completed), Some(246));
}
