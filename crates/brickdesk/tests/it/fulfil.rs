//! Picking list and Confirm Orders Processed: the plan, the PDF read back
//! with pdftotext, confirmation with per-order failures, undo, and the
//! race of 200 concurrent confirm requests (in `fulfil/race.rs`).

mod race;
mod review;
mod ui;

use brickdesk::config::DemoMode;
use brickdesk::db::inventory::{InventoryQuery, NewUnit};
use brickdesk::db::links::LinkMethod;
use brickdesk::db::orders::{NewOrder, NewOrderItem, OrderListQuery};
use brickdesk::db::{self, Db};
use brickdesk::domain::{
    Condition, Currency, InventoryItemId, InventoryStatus, MatchStatus, Money, OrderId,
    OrderItemId, Platform, UiStatus,
};
use brickdesk::fulfil::confirm::{self, ConfirmRequest, LineChoice, OrderChoice};
use brickdesk::fulfil::{picklist, undo};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::helpers::{on_both_backends, spawn_app};

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

pub fn new_unit(
    set: &str,
    condition: Condition,
    status: InventoryStatus,
    location: Option<&str>,
    at: OffsetDateTime,
) -> NewUnit {
    NewUnit {
        set_number: set.to_owned(),
        item_name: format!("Set {set}"),
        condition,
        status,
        storage_location: location.map(str::to_owned),
        cost_minor: Some(10_000),
        listing_price_minor: Some(20_000),
        currency: Currency::GBP,
        sku: None,
        external_id: None,
        purchase_date: None,
        notes: None,
        created_at: Some(at),
    }
}

pub fn new_order(id: &str, status: &str, at: OffsetDateTime) -> NewOrder {
    NewOrder {
        platform: Platform::Amazon,
        platform_order_id: id.to_owned(),
        order_date: Some(at),
        last_updated_at: None,
        buyer_name: Some("Buyer".into()),
        buyer_email: None,
        platform_status: status.to_owned(),
        total: Some(Money::from_minor(59_999, Currency::GBP)),
        fulfillment_channel: Some("MFN".into()),
        marketplace_id: None,
        items_fetched: true,
    }
}

pub fn new_line(id: &str, asin: Option<&str>, quantity: i64, title: &str) -> NewOrderItem {
    NewOrderItem {
        platform_item_id: id.to_owned(),
        asin: asin.map(str::to_owned),
        sku: None,
        title: Some(title.to_owned()),
        quantity,
        unit_price: Some(Money::from_minor(59_999, Currency::GBP)),
        line_price: Some(Money::from_minor(59_999 * quantity, Currency::GBP)),
        condition: Some("New".into()),
    }
}

/// Adds an order with its lines; returns the line ids.
pub async fn add_order(db: &Db, order: NewOrder, lines: &[NewOrderItem]) -> Vec<i64> {
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
    use InventoryStatus::{Backlog, Listed, Sold};
    add_mapping(db, ASIN_A, "75192").await;
    add_mapping(db, ASIN_B, "10294").await;
    let d = |day: u8| {
        datetime!(2026-01-01 0:00 UTC)
            .replace_day(day)
            .expect("day")
    };
    let mut units = Vec::new();
    for u in [
        new_unit("75192", Condition::New, Listed, Some("A-10"), d(1)),
        new_unit("75192", Condition::New, Listed, None, d(2)),
        new_unit("75192", Condition::New, Backlog, Some("A-2"), d(3)),
        new_unit("75192", Condition::New, Listed, Some("S12"), d(4)),
        new_unit("10294", Condition::New, Listed, Some("B-3"), d(1)),
        new_unit(
            "75192",
            Condition::New,
            Sold,
            Some("A-1"),
            d(1) - time::Duration::days(30),
        ),
        new_unit(
            "75192",
            Condition::Used,
            Listed,
            Some("A-1"),
            d(1) - time::Duration::days(30),
        ),
    ] {
        units.push(add_unit(db, u).await);
    }
    let l1 = add_order(
        db,
        new_order("203-0000001-0000001", "Unshipped", d(10)),
        &[new_line("L1", Some(ASIN_A), 2, NASTY)],
    )
    .await[0];
    let o2 = add_order(
        db,
        new_order("203-0000002-0000002", "Unshipped", d(11)),
        &[
            new_line("L2", Some(ASIN_A), 1, "Falcon"),
            new_line("L3", Some(ASIN_B), 1, "Eiffel Tower"),
        ],
    )
    .await;
    add_order(
        db,
        new_order("203-0000003-0000003", "Unshipped", d(12)),
        &[
            new_line("L4", None, 1, "No asin thing"),
            new_line("L5", Some("B000000CCC"), 1, "Unmapped thing"),
        ],
    )
    .await;
    add_order(
        db,
        new_order("203-0000004-0000004", "Unshipped", d(13)),
        &[new_line("L6", Some(ASIN_A), 2, "Falcon again")],
    )
    .await;
    add_order(
        db,
        new_order("203-0000005-0000005", "Shipped", d(9)),
        &[new_line("L7", Some(ASIN_A), 1, "Shipped falcon")],
    )
    .await;
    add_order(
        db,
        new_order("203-0000006-0000006", "Pending", d(8)),
        &[new_line("L8", Some(ASIN_A), 1, "Pending falcon")],
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
    let (units, _) = db::inventory::list(
        db,
        &InventoryQuery {
            limit: None,
            ..InventoryQuery::default()
        },
    )
    .await
    .expect("units");
    let q = OrderListQuery {
        platform: None,
        status: None,
        matching: None,
        search: None,
        offset: 0,
        limit: 10_000,
    };
    let (orders, _) = db::orders::list_orders(db, &q).await.expect("orders");
    let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let lines = db::orders::lines_for_orders(db, &ids).await.expect("lines");
    let links =
        db::orders::links_for_items(db, &lines.iter().map(|l| l.id.get()).collect::<Vec<_>>())
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
    let links =
        db::orders::links_for_items(db, &lines.iter().map(|l| l.id.get()).collect::<Vec<_>>())
            .await
            .expect("links");
    let mut linked_lines = 0;
    for l in &lines {
        let linked = links.iter().filter(|k| k.order_item_id == l.id).count() as i64;
        assert_eq!(l.link_count, linked, "line {}", l.platform_item_id);
        let full = l.quantity > 0 && linked >= l.quantity;
        assert_eq!(
            l.match_status == MatchStatus::Linked,
            full,
            "line {}",
            l.platform_item_id
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
            .flat_map(|r| r.unit_ids.iter().map(move |u| (*u, r.source.as_str())))
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
                        item_id: f.l2,
                        units: vec![f.units[2]],
                    },
                    LineChoice {
                        item_id: f.l3,
                        units: vec![f.units[4]],
                    },
                ]),
            },
        ],
    }
}

async fn confirm_then_undo_restores_everything(db: &Db) {
    let f = seed(db).await;
    let before = snapshot(db).await;
    let mut req = o1_o2_request(&f, "SOLD-TEST");
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
    let mut sold = out.confirmed[0].units.clone();
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
        assert_eq!(u.status.as_str(), "SOLD");
        assert_eq!(u.storage_location.as_deref(), Some("SOLD-TEST"));
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

    let batch = out.batch_id.expect("batch");
    let review = undo::review(db, batch).await.expect("review");
    assert!(review.blockers.is_empty(), "{:?}", review.blockers);
    assert_eq!(review.units.len(), 4);
    undo::undo(db, batch, None).await.expect("undo");
    assert_eq!(
        snapshot(db).await,
        before,
        "undo restores the state before the confirmation"
    );
    let twice = undo::undo(db, batch, None).await;
    assert!(matches!(twice, Err(undo::UndoError::Blocked(_))));

    // A unit moved after a confirmation blocks its undo, and nothing changes.
    let out = confirm::confirm(
        db,
        &ConfirmRequest {
            archive_location: "SOLD-TEST".into(),
            orders: vec![req.orders[0].clone()],
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
    let edit = new_unit(
        &row.set_number,
        Condition::New,
        InventoryStatus::Sold,
        Some("RETURNS"),
        row.created_at,
    );
    let mut tx = db.begin().await.expect("begin");
    db::inventory::update(
        &mut tx,
        InventoryItemId::new(moved).expect("id"),
        &NewUnit {
            item_name: row.item_name.clone(),
            ..edit
        },
    )
    .await
    .expect("edit");
    tx.commit().await.expect("commit");
    // Fees reconciled onto a unit of the batch block its undo too.
    let mut tx = db.begin().await.expect("begin");
    let summary = brickdesk::domain::fees::FeeSummary::from_entries(&[]);
    let write = db::fees::UnitFeesWrite {
        unit_id: moved,
        currency: "GBP",
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

#[tokio::test]
async fn picking_list_pdf_reads_back_with_pdftotext() {
    if let Err(e) = std::process::Command::new("pdftotext").arg("-v").output() {
        crate::helpers::Optional::Pdftotext.skip(&format!("cannot run pdftotext ({e})"));
        return;
    }
    let app = spawn_app(DemoMode::Off).await;
    let owner = app.owner().await;
    let f = seed(&app.db).await;
    let before = snapshot(&app.db).await;
    let resp = owner
        .get(format!("{}/api/picking-list/amazon", app.address))
        .send()
        .await
        .expect("pdf");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("inline")
    );
    let pdf = resp.bytes().await.expect("body");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("pick.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("utf-8"), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext reads the PDF");
    // Columns are laid out with runs of spaces: compare with single spaces.
    let text = String::from_utf8(out.stdout)
        .expect("utf-8")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{text}"))
    };
    assert!(
        text.contains("Amazon Picking List")
            && text.contains("Orders: 4")
            && text.contains("Units: 8")
    );
    assert!(text.contains("Page 1 / 1"), "page numbers:\n{text}");
    // Groups in natural order, no location last, then the unmatched lines.
    let order = [
        at("A-2 ("),
        at("A-10 ("),
        at("B-3 ("),
        at("S12 ("),
        at("No location ("),
        text.rfind("Unmatched").expect("Unmatched section"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "group order {order:?}:\n{text}"
    );
    for id in [
        "203-0000001-0000001",
        "203-0000002-0000002",
        "203-0000003-0000003",
        "203-0000004-0000004",
    ] {
        at(id);
    }
    assert!(
        !text.contains("203-0000005-0000005") && !text.contains("203-0000006-0000006"),
        "only Paid orders"
    );
    // Every unit to pick: one tick row per location row, with the set numbers.
    assert_eq!(text.matches("75192").count(), 4, "{text}");
    assert_eq!(text.matches("10294").count(), 1, "{text}");
    // The title is printed literally, not run as Typst markup.
    assert!(
        text.contains("#exit()") && text.contains("$y$") && text.contains("<script>"),
        "{text}"
    );
    let _ = f;
    assert_eq!(snapshot(&app.db).await, before, "the PDF writes nothing");

    let json: serde_json::Value = owner
        .get(format!(
            "{}/api/picking-list/amazon?format=json",
            app.address
        ))
        .send()
        .await
        .expect("json")
        .json()
        .await
        .expect("json body");
    assert_eq!(json["orders"], 4);
    assert_eq!(json["groups"][0]["label"], "A-2");
}

#[tokio::test]
async fn confirm_api_and_empty_state() {
    let app = spawn_app(DemoMode::Off).await;
    let owner = app.owner().await;
    let page = owner
        .get(format!("{}/orders/amazon/confirm", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("No orders to confirm")
    );
    seed(&app.db).await;
    let c: serde_json::Value = owner
        .get(format!("{}/api/orders/confirm", app.address))
        .send()
        .await
        .expect("candidates")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = c["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["order_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 5, "Paid and Shipped orders: {ids:?}");
    assert_eq!(ids[0], "203-0000005-0000005", "oldest first");
    assert!(
        c["archive_location"]
            .as_str()
            .expect("archive")
            .starts_with("SOLD-")
    );
    assert_eq!(
        c["orders"][0]["lines"][0]["units"][0]["source"],
        "recommended"
    );
    let resp = owner
        .post(format!("{}/api/orders/confirm", app.address))
        .json(&serde_json::json!({ "archive_location": "SOLD-2026-01", "orders": [{ "order_id": "203-0000005-0000005" }, { "order_id": "203-9999999-9999999" }] }))
        .send()
        .await
        .expect("confirm");
    assert_eq!(resp.status(), 200);
    let out: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(out["confirmed"][0]["order_id"], "203-0000005-0000005");
    assert!(
        out["failed"][0]["message"]
            .as_str()
            .expect("msg")
            .contains("not found")
    );
    let batch = out["batch_id"].as_i64().expect("batch");
    let undo = owner
        .post(format!(
            "{}/api/orders/confirm/batches/{batch}/undo",
            app.address
        ))
        .send()
        .await
        .expect("undo");
    assert_eq!(undo.status(), 200);
    let again = owner
        .post(format!(
            "{}/api/orders/confirm/batches/{batch}/undo",
            app.address
        ))
        .send()
        .await
        .expect("undo");
    assert_eq!(
        again.status(),
        409,
        "an undone batch cannot be undone twice"
    );
}
