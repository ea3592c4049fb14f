//! Picking list and Confirm Orders Processed: the plan, the PDF read back
//! with pdftotext, confirmation with per-order failures, undo, and the
//! race of 200 concurrent confirm requests (in `fulfil/race.rs`).

mod confirm_api;
mod fba;
mod pdf;
mod race;
mod review;
mod ui;

use brickdesk::db::inventory::NewUnit;
use brickdesk::db::links::LinkMethod;
use brickdesk::db::orders::{NewOrder, ReportedLine};
use brickdesk::db::{self, Db};
use brickdesk::domain::{
    Condition, InventoryItemId, InventoryStatus, MatchStatus, OrderId, OrderItemId, Platform,
    UiStatus,
};
use brickdesk::fulfil::confirm::{self, ConfirmRequest, LineChoice, OrderChoice};
use brickdesk::fulfil::{picklist, undo};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::helpers::{all_units, on_both_backends, orders_query};

/// A title with everything Typst or HTML could misread.
pub const NASTY: &str = "LEGO #exit() [x] $y$ <script>alert(1)</script> @ref // *b* _i_";

pub const ASIN_A: &str = "B000000AAA";
pub const ASIN_B: &str = "B000000BBB";

/// Ids of the fixture's records.
pub struct Fixture {
    /// u1..u7 (index 0 = u1).
    pub units: Vec<i64>,
    /// Line ids by name.
    pub l2: i64,
    pub l3: i64,
}

/// Adds an order with its lines; returns the line ids.
pub async fn add_order(db: &Db, order: NewOrder, lines: &[ReportedLine]) -> Vec<i64> {
    let mut tx = db.begin().await.expect("begin");
    let id = db::orders::upsert_order(&mut tx, &order)
        .await
        .expect("order");
    let mut ids = Vec::new();
    for l in lines {
        ids.push(
            db::orders::upsert_item(&mut tx, id, l)
                .await
                .expect("line")
                .get(),
        );
    }
    db::orders::refresh_order(&mut tx, id)
        .await
        .expect("refresh");
    tx.commit().await.expect("commit");
    ids
}

pub async fn add_mapping(db: &Db, asin: &str, set: &str) {
    let mut tx = db.begin().await.expect("begin");
    db::mappings::upsert(&mut tx, asin, set, Condition::New)
        .await
        .expect("mapping");
    tx.commit().await.expect("commit");
}

pub async fn add_unit(db: &Db, unit: NewUnit) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = db::inventory::insert(&mut tx, &unit)
        .await
        .expect("unit")
        .get();
    tx.commit().await.expect("commit");
    id
}

/// Paid orders O1–O4, a Shipped O5 and a Pending O6; units in A-10, no
/// location, A-2, S12 (linked to O1), B-3, plus a sold and a used unit.
async fn seed(db: &Db) -> Fixture {
    use InventoryStatus::{Backlog, Sold};
    add_mapping(db, ASIN_A, "75192").await;
    add_mapping(db, ASIN_B, "10294").await;
    let d = |day: u8| {
        datetime!(2026-01-01 0:00 UTC)
            .replace_day(day)
            .expect("day")
    };
    let mut units = Vec::new();
    for u in [
        TestUnit::of("75192")
            .location(Some("A-10"))
            .added(d(1))
            .build(),
        TestUnit::of("75192").added(d(2)).build(),
        TestUnit::of("75192")
            .status(Backlog)
            .location(Some("A-2"))
            .added(d(3))
            .build(),
        TestUnit::of("75192")
            .location(Some("S12"))
            .added(d(4))
            .build(),
        TestUnit::of("10294")
            .location(Some("B-3"))
            .added(d(1))
            .build(),
        TestUnit::of("75192")
            .status(Sold)
            .location(Some("A-1"))
            .added(d(1) - time::Duration::days(30))
            .build(),
        TestUnit::of("75192")
            .condition(Condition::Used)
            .location(Some("A-1"))
            .added(d(1) - time::Duration::days(30))
            .build(),
    ] {
        units.push(add_unit(db, u).await);
    }
    let l1 = add_order(
        db,
        TestOrder::paid("203-0000001-0000001").placed(d(10)).build(),
        &[TestLine::new("L1", 2)
            .asin(Some(ASIN_A))
            .title(NASTY)
            .build()],
    )
    .await[0];
    let o2 = add_order(
        db,
        TestOrder::paid("203-0000002-0000002").placed(d(11)).build(),
        &[
            TestLine::new("L2", 1)
                .asin(Some(ASIN_A))
                .title("Falcon")
                .build(),
            TestLine::new("L3", 1)
                .asin(Some(ASIN_B))
                .title("Eiffel Tower")
                .build(),
        ],
    )
    .await;
    add_order(
        db,
        TestOrder::paid("203-0000003-0000003").placed(d(12)).build(),
        &[
            TestLine::new("L4", 1).title("No asin thing").build(),
            TestLine::new("L5", 1)
                .asin(Some("B000000CCC"))
                .title("Unmapped thing")
                .build(),
        ],
    )
    .await;
    add_order(
        db,
        TestOrder::paid("203-0000004-0000004").placed(d(13)).build(),
        &[TestLine::new("L6", 2)
            .asin(Some(ASIN_A))
            .title("Falcon again")
            .build()],
    )
    .await;
    add_order(
        db,
        TestOrder::with_status("203-0000005-0000005", "Shipped")
            .placed(d(9))
            .build(),
        &[TestLine::new("L7", 1)
            .asin(Some(ASIN_A))
            .title("Shipped falcon")
            .build()],
    )
    .await;
    add_order(
        db,
        TestOrder::with_status("203-0000006-0000006", "Pending")
            .placed(d(8))
            .build(),
        &[TestLine::new("L8", 1)
            .asin(Some(ASIN_A))
            .title("Pending falcon")
            .build()],
    )
    .await;
    // u4 (S12) is linked to unit 0 of L1 already.
    let mut tx = db.begin().await.expect("begin");
    db::links::insert(
        &mut tx,
        OrderItemId::new(l1).expect("id"),
        0,
        InventoryItemId::new(units[3]).expect("id"),
        LinkMethod::AsinMatcher,
        None,
    )
    .await
    .expect("link");
    db::orders::refresh_match_counts(&mut tx, db::orders::Refresh::All)
        .await
        .expect("refresh");
    tx.commit().await.expect("commit");
    Fixture {
        units,
        l2: o2[0],
        l3: o2[1],
    }
}

/// Everything the business tables hold, as text.
pub async fn snapshot(db: &Db) -> String {
    let units = all_units(db).await;
    let (orders, _) = db::orders::list_orders(db, &orders_query(None, 10_000))
        .await
        .expect("orders");
    let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let lines = db::orders::lines_for_orders(db, &ids).await.expect("lines");
    let links = db::orders::links_for_items(db, &lines.iter().map(|l| l.id).collect::<Vec<_>>())
        .await
        .expect("links");
    format!("{units:#?}\n{orders:#?}\n{lines:#?}\n{links:#?}")
}

/// An order's stored line counts and its lines' stored status and link
/// count equal what its links say now.
async fn assert_match_state_is_current(db: &Db, platform_order_id: &str) {
    let order = db::orders::find_order(db, Platform::Amazon, platform_order_id)
        .await
        .expect("order")
        .expect("exists");
    let lines = db::orders::lines_for_orders(db, &[order.id])
        .await
        .expect("lines");
    let links = db::orders::links_for_items(db, &lines.iter().map(|l| l.id).collect::<Vec<_>>())
        .await
        .expect("links");
    let mut linked_lines = 0;
    for l in &lines {
        let linked = links.iter().filter(|k| k.order_item_id == l.id).count() as i64;
        assert_eq!(l.link_count, linked, "line {}", l.reported.platform_item_id);
        let full = l.reported.quantity > 0 && linked >= l.reported.quantity;
        assert_eq!(
            l.match_status == MatchStatus::Linked,
            full,
            "line {}",
            l.reported.platform_item_id
        );
        linked_lines += i64::from(full);
    }
    assert!(linked_lines > 0, "{platform_order_id} has a linked line");
    assert_eq!(
        (order.lines_total, order.lines_linked),
        (lines.len() as i64, linked_lines),
        "{platform_order_id}"
    );
}

fn tz() -> &'static time_tz::Tz {
    brickdesk::domain::location::time_zone("Europe/London").expect("tz")
}

async fn picking_list_plan(db: &Db) {
    let f = seed(db).await;
    let before = snapshot(db).await;
    let list = picklist::build(db, tz(), OffsetDateTime::now_utc())
        .await
        .expect("list");
    assert_eq!(
        snapshot(db).await,
        before,
        "building the list writes nothing"
    );
    assert_eq!(list.orders, 4, "the four Paid orders");
    assert_eq!(list.units, 8);
    assert_eq!(list.units_to_pick, 5);
    let labels: Vec<&str> = list.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, ["A-2", "A-10", "B-3", "S12", "No location"]);
    let unit_of = |label: &str| -> Vec<(i64, &'static str)> {
        let g = list
            .groups
            .iter()
            .find(|g| g.label == label)
            .expect("group");
        g.rows
            .iter()
            .flat_map(|r| r.unit_ids.iter().map(move |u| (u.get(), r.source.as_str())))
            .collect()
    };
    let u = &f.units;
    assert_eq!(
        unit_of("A-10"),
        [(u[0], "recommended")],
        "oldest unit to the oldest order"
    );
    assert_eq!(unit_of("S12"), [(u[3], "linked")]);
    assert_eq!(unit_of("No location"), [(u[1], "recommended")]);
    assert_eq!(unit_of("A-2"), [(u[2], "recommended")]);
    assert_eq!(unit_of("B-3"), [(u[4], "recommended")]);
    let reasons: Vec<(&str, i64)> = list
        .unmatched
        .iter()
        .map(|r| (r.order_id.as_str(), r.quantity))
        .collect();
    assert_eq!(
        reasons,
        [
            ("203-0000003-0000003", 1),
            ("203-0000003-0000003", 1),
            ("203-0000004-0000004", 1)
        ],
        "no ASIN, unmapped, and out of stock"
    );
    let pdf = picklist::to_pdf(&list).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
}

/// O1 with its recommendation, O2 with u3 and u5 chosen.
fn o1_o2_request(f: &Fixture, archive_location: &str) -> ConfirmRequest {
    ConfirmRequest {
        archive_location: archive_location.into(),
        orders: vec![
            OrderChoice {
                order_id: "203-0000001-0000001".into(),
                lines: None,
            },
            OrderChoice {
                order_id: "203-0000002-0000002".into(),
                lines: Some(vec![
                    LineChoice {
                        item_id: OrderItemId::new(f.l2).expect("id"),
                        units: vec![InventoryItemId::new(f.units[2]).expect("id")],
                    },
                    LineChoice {
                        item_id: OrderItemId::new(f.l3).expect("id"),
                        units: vec![InventoryItemId::new(f.units[4]).expect("id")],
                    },
                ]),
            },
        ],
    }
}

async fn confirm_then_undo_restores_everything(db: &Db) {
    let f = seed(db).await;
    let before = snapshot(db).await;
    let (req, out) = confirm_sells_o1_and_o2_and_fails_o3(db, &f).await;
    undo_restores_the_state_once(db, out, &before).await;
    a_moved_or_fee_reconciled_unit_blocks_undo(db, &f, &req.orders[0]).await;
}

/// Confirms O1, O2 and the unmatched O3: O1 and O2 sell their units into
/// SOLD-TEST, O3 fails alone, and confirming O1 again fails per order.
async fn confirm_sells_o1_and_o2_and_fails_o3(
    db: &Db,
    f: &Fixture,
) -> (ConfirmRequest, confirm::ConfirmOutcome) {
    let mut req = o1_o2_request(f, "SOLD-TEST");
    req.orders.push(OrderChoice {
        order_id: "203-0000003-0000003".into(),
        lines: None,
    });
    let out = confirm::confirm(db, &req, None).await.expect("confirm");
    let ok: Vec<&str> = out.confirmed.iter().map(|c| c.order_id.as_str()).collect();
    assert_eq!(ok, ["203-0000001-0000001", "203-0000002-0000002"]);
    assert_eq!(out.failed.len(), 1);
    assert!(
        out.failed[0]
            .message
            .to_string()
            .contains("No linked items"),
        "{}",
        out.failed[0].message
    );
    let mut sold: Vec<i64> = out.confirmed[0].units.iter().map(|u| u.get()).collect();
    sold.sort_unstable();
    assert_eq!(
        sold,
        [f.units[0], f.units[3]],
        "the linked unit and the recommendation"
    );
    for id in [f.units[0], f.units[2], f.units[3], f.units[4]] {
        let u = db::inventory::get(db, InventoryItemId::new(id).expect("id"))
            .await
            .expect("get")
            .expect("unit");
        assert_eq!(u.details.status.as_str(), "SOLD");
        assert_eq!(u.details.storage_location.as_deref(), Some("SOLD-TEST"));
        assert_eq!(u.sold_price_minor, Some(59_999));
        assert!(u.sold_at.is_some() && u.sold_order_ref.is_some());
    }
    let o1 = db::orders::find_order(db, Platform::Amazon, "203-0000001-0000001")
        .await
        .expect("o")
        .expect("o1");
    assert_eq!(o1.ui_status, UiStatus::Completed);
    let o3 = db::orders::find_order(db, Platform::Amazon, "203-0000003-0000003")
        .await
        .expect("o")
        .expect("o3");
    assert_eq!(
        o3.ui_status,
        UiStatus::Paid,
        "the failed order is untouched"
    );
    for id in ["203-0000001-0000001", "203-0000002-0000002"] {
        assert_match_state_is_current(db, id).await;
    }
    // Confirming O1 again fails per order.
    let again = confirm::confirm(
        db,
        &ConfirmRequest {
            archive_location: "X".into(),
            orders: vec![req.orders[0].clone()],
        },
        None,
    )
    .await
    .expect("confirm");
    assert!(again.confirmed.is_empty() && again.batch_id.is_none());
    assert!(
        again.failed[0].message.to_string().contains("Completed"),
        "{}",
        again.failed[0].message
    );

    (req, out)
}

/// Undoing the confirmation restores `before`; a second undo is refused.
async fn undo_restores_the_state_once(db: &Db, out: confirm::ConfirmOutcome, before: &str) {
    let batch = out.batch_id.expect("batch");
    let review = undo::review(db, batch).await.expect("review");
    assert!(review.blockers.is_empty(), "{:?}", review.blockers);
    assert_eq!(review.units.len(), 4);
    undo::undo(db, batch, None).await.expect("undo");
    assert_eq!(
        snapshot(db).await,
        *before,
        "undo restores the state before the confirmation"
    );
    let twice = undo::undo(db, batch, None).await;
    assert!(matches!(twice, Err(undo::UndoError::Blocked(_))));
}

/// A unit moved after a confirmation, or with Amazon fees reconciled onto
/// it, blocks the undo of its batch, and the blocked undo changes nothing.
async fn a_moved_or_fee_reconciled_unit_blocks_undo(db: &Db, f: &Fixture, o1: &OrderChoice) {
    let out = confirm::confirm(
        db,
        &ConfirmRequest {
            archive_location: "SOLD-TEST".into(),
            orders: vec![o1.clone()],
        },
        None,
    )
    .await
    .expect("confirm");
    let batch = out.batch_id.expect("batch");
    let moved = f.units[0];
    let row = db::inventory::get(db, InventoryItemId::new(moved).expect("id"))
        .await
        .expect("get")
        .expect("unit");
    let edit = TestUnit::of(&row.details.set_number)
        .named(&row.details.item_name)
        .status(InventoryStatus::Sold)
        .location(Some("RETURNS"))
        .added(row.created_at)
        .build();
    let mut tx = db.begin().await.expect("begin");
    db::inventory::update(
        &mut tx,
        InventoryItemId::new(moved).expect("id"),
        &edit.details,
    )
    .await
    .expect("edit");
    tx.commit().await.expect("commit");
    // Fees reconciled onto a unit of the batch block its undo too.
    let mut tx = db.begin().await.expect("begin");
    let summary = brickdesk::domain::fees::FeeSummary::from_entries(&[]);
    let write = db::fees::UnitFeesWrite {
        unit_id: brickdesk::domain::InventoryItemId::new(moved).expect("unit id"),
        currency: brickdesk::domain::Currency::GBP,
        summary: &summary,
        entries: &[],
    };
    db::fees::replace_unit_fees(&mut tx, &[write])
        .await
        .expect("fees");
    tx.commit().await.expect("commit");
    let frozen = snapshot(db).await;
    match undo::undo(db, batch, None).await {
        Err(undo::UndoError::Blocked(why)) => {
            assert!(
                why.iter()
                    .any(|w| w.to_string().contains(&moved.to_string())),
                "{why:?}"
            );
            assert!(
                why.iter()
                    .any(|w| w.to_string().contains("Amazon fees reconciled")),
                "{why:?}"
            );
        }
        other => panic!("expected a blocked undo, got {other:?}"),
    }
    assert_eq!(snapshot(db).await, frozen, "a blocked undo changes nothing");
}

on_both_backends! {
    picking_list_is_grouped_and_read_only => picking_list_plan;
    confirm_and_undo => confirm_then_undo_restores_everything;
}
