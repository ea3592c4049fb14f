//! Amazon ships FBA (AFN) orders from its own warehouses: they are never on
//! the picking list nor counted as orders to ship, and never take a unit
//! from the seller's shelves there, yet Confirm Orders Processed offers
//! them like any other (their units are sold), and the orders table and
//! API say which they are. An FBA line takes units at Amazon's
//! warehouses (locations starting with the FBA prefix, a setting) first.

use brickdesk::auth::Role;
use brickdesk::db::orders::OrderListQuery;
use brickdesk::db::{self, Db};
use brickdesk::domain::{FulfillmentChannel, Platform, UiStatus};
use brickdesk::fulfil::confirm::ELIGIBLE;
use brickdesk::fulfil::{Scope, load_plan, picklist};
use time::OffsetDateTime;
use time::macros::datetime;

use super::{ASIN_A, add_mapping, add_order, add_unit, tz};
use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::helpers::{PASSWORD, TestApp, get_json, get_text, on_both_backends, orders_query};

const FBA: &str = "203-0000001-0000001";
const OWN: &str = "203-0000002-0000002";

/// A Paid FBA order, older, and a Paid order the seller ships, each of one
/// unit of set 75192; two such units on the shelf. Returns the units,
/// oldest first.
async fn an_fba_and_an_own_order(db: &Db) -> [i64; 2] {
    add_mapping(db, ASIN_A, "75192").await;
    let oldest = add_unit(
        db,
        TestUnit::of("75192")
            .added(datetime!(2025-01-01 0:00 UTC))
            .build(),
    )
    .await;
    let newer = add_unit(
        db,
        TestUnit::of("75192")
            .added(datetime!(2025-02-01 0:00 UTC))
            .build(),
    )
    .await;
    for (order, at) in [
        (TestOrder::paid(FBA).fba(), datetime!(2026-01-01 0:00 UTC)),
        (TestOrder::paid(OWN), datetime!(2026-01-02 0:00 UTC)),
    ] {
        let line = TestLine::new(&format!("L-{at}"), 1)
            .asin(Some(ASIN_A))
            .build();
        add_order(db, order.placed(at).build(), &[line]).await;
    }
    [oldest, newer]
}

async fn fba_orders_are_amazons_to_ship(db: &Db) {
    let [oldest, _] = an_fba_and_an_own_order(db).await;

    let list = picklist::build(db, tz(), OffsetDateTime::now_utc())
        .await
        .expect("picking list");
    let rows: Vec<(&str, Vec<i64>)> = list
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .map(|r| {
            (
                r.order_id.as_str(),
                r.unit_ids.iter().map(|u| u.get()).collect(),
            )
        })
        .collect();
    // The FBA order is older, yet the seller's own order gets the oldest unit.
    assert_eq!(rows, [(OWN, vec![oldest])]);
    assert_eq!((list.orders, list.unmatched.len()), (1, 0));
    assert_eq!(db::fulfilment::count_to_ship(db).await.expect("count"), 1);

    let offered = load_plan(db, &ELIGIBLE, Scope::All).await.expect("plan");
    let ids: Vec<&str> = offered
        .orders
        .iter()
        .map(|o| o.order.reported.platform_order_id.as_str())
        .collect();
    assert_eq!(ids, [FBA, OWN], "both are confirmed processed");

    for (channel, expected) in [
        (Some(FulfillmentChannel::Afn), vec![FBA]),
        (Some(FulfillmentChannel::Mfn), vec![OWN]),
        (None, vec![OWN, FBA]),
    ] {
        let q = OrderListQuery {
            channel,
            ..orders_query(Some(Platform::Amazon), 50)
        };
        let (listed, total) = db::orders::list_orders(db, &q).await.expect("list");
        let ids: Vec<&str> = listed
            .iter()
            .map(|o| o.reported.platform_order_id.as_str())
            .collect();
        assert_eq!(
            (ids, total.count),
            (expected.clone(), expected.len() as i64),
            "{channel:?}"
        );
    }
    assert!(
        offered
            .orders
            .iter()
            .all(|o| o.order.ui_status == UiStatus::Paid)
    );
}

/// The recommended unit of each order's one line, by order id.
async fn recommended(db: &Db) -> Vec<(String, Option<i64>)> {
    let plan = load_plan(db, &ELIGIBLE, Scope::All).await.expect("plan");
    plan.orders
        .iter()
        .map(|o| {
            let unit = o.lines[0].fills[0].unit().map(|u| u.get());
            (o.order.reported.platform_order_id.clone(), unit)
        })
        .collect()
}

async fn fba_lines_take_units_at_amazon_first(db: &Db) {
    let [on_shelf, newer] = an_fba_and_an_own_order(db).await;
    let at_amazon = add_unit(
        db,
        TestUnit::of("75192")
            .location(Some("fba-uk"))
            .added(datetime!(2025-03-01 0:00 UTC))
            .build(),
    )
    .await;
    // The FBA order is older and FIFO would give it the shelf's oldest unit;
    // it takes the one at Amazon, and the seller's order the shelf's oldest.
    assert_eq!(
        recommended(db).await,
        [(FBA.into(), Some(at_amazon)), (OWN.into(), Some(on_shelf))]
    );
    let plan = load_plan(db, &ELIGIBLE, Scope::All).await.expect("plan");
    let offered: Vec<i64> = plan
        .candidates(&plan.orders[0].lines[0])
        .map(|u| u.id.get())
        .collect();
    assert_eq!(
        offered[0], at_amazon,
        "the dialog offers Amazon's unit first"
    );
    assert_eq!(offered.len(), 3);

    // Under another prefix nothing is at Amazon: plain FIFO, oldest order first.
    let mut tx = db.begin().await.expect("begin");
    let amz = brickdesk::domain::location::FbaPrefix::parse("AMZ").expect("prefix");
    db::settings::set_fba_prefix(&mut tx, &amz)
        .await
        .expect("set");
    tx.commit().await.expect("commit");
    assert_eq!(
        recommended(db).await,
        [(FBA.into(), Some(on_shelf)), (OWN.into(), Some(newer))]
    );
}

on_both_backends! {
    fba_orders_are_not_picked => fba_orders_are_amazons_to_ship;
    fba_lines_take_units_at_amazon_first => fba_lines_take_units_at_amazon_first;
}

#[tokio::test]
async fn the_fba_location_prefix_is_a_setting() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let url = format!("{}/settings/fba", app.address);
    let bad = owner
        .post(&url)
        .form(&[("fba_prefix", "FBA UK")])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 400);
    let html = bad.text().await.expect("body");
    assert!(
        html.contains("The FBA location prefix is 1 to 20 letters"),
        "{html}"
    );
    let saved = owner
        .post(&url)
        .form(&[("fba_prefix", " AMZ ")])
        .send()
        .await
        .expect("post");
    assert_eq!(saved.status(), 303);
    assert_eq!(
        db::settings::fba_prefix(&app.db)
            .await
            .expect("read")
            .as_str(),
        "AMZ"
    );
    let page = get_text(&owner, format!("{}/settings/amazon?saved=fba", app.address)).await;
    assert!(
        page.contains("FBA location prefix saved.")
            && page.contains(r#"name="fba_prefix" value="AMZ""#),
        "{page}"
    );
}

#[tokio::test]
async fn the_orders_table_and_api_mark_fba_orders() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    an_fba_and_an_own_order(&app.db).await;
    let (owner, _) = app.sign_in("anna", PASSWORD).await;
    let page = get_json(&owner, format!("{}/api/orders/amazon", app.address)).await;
    let channels: Vec<(&str, &str)> = page["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            (
                o["platform_order_id"].as_str().unwrap_or_default(),
                o["fulfillment_channel"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(channels, [(OWN, "MFN"), (FBA, "AFN")]);
    for (filter, expected) in [("AFN", FBA), ("mfn", OWN)] {
        let url = format!("{}/api/orders/amazon?channel={filter}", app.address);
        let only = get_json(&owner, url).await;
        assert_eq!(only["total"], 1, "{filter}: {only}");
        assert_eq!(only["orders"][0]["platform_order_id"], expected, "{filter}");
    }
    let bad = owner
        .get(format!("{}/api/orders/amazon?channel=ship", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(bad.status(), 400);
    let fba_page = get_text(&owner, format!("{}/orders/amazon?channel=AFN", app.address)).await;
    assert!(
        fba_page.contains(FBA) && !fba_page.contains(OWN),
        "the page filters too"
    );
    let html = get_text(&owner, format!("{}/orders/amazon", app.address)).await;
    let row_of = |id: &str| {
        let start = html.find(&format!("data-order-id=\"{id}\"")).expect("row");
        let end = html[start..].find("</tr>").expect("row end") + start;
        html[start..end].to_owned()
    };
    assert!(row_of(FBA).contains("data-badge=\"fba\""));
    assert!(!row_of(OWN).contains("data-badge=\"fba\""));
    let home = get_text(&owner, format!("{}/", app.address)).await;
    assert!(
        home.contains(
            r#"id="to-pick">
    <span class="task-count">1</span>"#
        ),
        "the dashboard counts one order to pick and ship"
    );
}
