//! Amazon orders: match counts in SQL against the domain rule, filters,
//! search, status summary, and ASIN mapping with linking, over storage and
//! the JSON API.

mod storing;

use std::collections::{HashMap, HashSet};

use brickdesk::amazon::matching::{self, MappingRequest, MappingTarget, MatchError};
use brickdesk::config::DemoMode;
use brickdesk::db::orders::OrderListQuery;
use brickdesk::db::{self, Db};
use brickdesk::demo;
use brickdesk::domain::matching::{MatchSummary, line_match_status};
use brickdesk::domain::{
    Condition, MatchFilter, MatchStatus, OrderId, OrderItemId, Platform, UiStatus,
};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_escaped, error_message, get_json, on_both_backends, send_json, send_text,
};

fn query(
    matching: Option<MatchFilter>,
    status: Option<UiStatus>,
    search: Option<&str>,
) -> OrderListQuery {
    OrderListQuery {
        platform: Some(Platform::Amazon),
        status,
        matching,
        channel: None,
        marketplace: None,
        search: search.map(str::to_owned),
        offset: 0,
        limit: 100,
    }
}

/// Every Amazon order's summary, computed from scratch with the domain rules.
async fn reference_summaries(db: &Db) -> HashMap<String, MatchSummary> {
    let mappings: HashSet<String> = db::mappings::list(db)
        .await
        .expect("mappings")
        .into_iter()
        .map(|m| m.asin)
        .collect();
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let q = OrderListQuery {
            offset,
            ..query(None, None, None)
        };
        let (orders, total) = db::orders::list_orders(db, &q).await.expect("orders");
        let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
        let lines = db::orders::lines_for_orders(db, &ids).await.expect("lines");
        // The listing gives each order its own lines, in line order.
        let embedded: Vec<_> = orders.iter().flat_map(|o| o.lines.clone()).collect();
        let mut by_row = lines.clone();
        by_row.sort_by_key(|l| (ids.iter().position(|&id| id == l.order_id), l.id));
        assert_eq!(embedded, by_row);
        let links =
            db::orders::links_for_items(db, &lines.iter().map(|l| l.id).collect::<Vec<_>>())
                .await
                .expect("links");
        for o in &orders {
            // The listing's order is the order read alone.
            let alone = db::orders::find_order(db, Platform::Amazon, &o.reported.platform_order_id)
                .await
                .expect("order");
            assert_eq!(alone.as_ref(), Some(&o.order));
            let statuses = lines.iter().filter(|l| l.order_id == o.id).map(|l| {
                let linked = links.iter().filter(|k| k.order_item_id == l.id).count() as i64;
                let mapped = l
                    .reported
                    .asin
                    .as_ref()
                    .is_some_and(|a| mappings.contains(a));
                let reference = line_match_status(
                    l.reported.asin.as_deref(),
                    mapped,
                    l.reported.quantity,
                    linked,
                );
                assert_eq!(
                    l.link_count, linked,
                    "links of line {}",
                    l.reported.platform_item_id
                );
                assert_eq!(
                    reference, l.match_status,
                    "line {} of {}",
                    l.reported.platform_item_id, o.reported.platform_order_id
                );
                reference
            });
            out.insert(
                o.reported.platform_order_id.clone(),
                MatchSummary::from_lines(statuses),
            );
        }
        offset += 100;
        if offset as i64 >= total.count {
            return out;
        }
    }
}

async fn counts_follow_the_domain_rule(db: &Db) {
    demo::seed(db, demo::DEMO_SEED).await.expect("seed");
    let reference = reference_summaries(db).await;
    assert_eq!(reference.len(), 300);
    // Past the last page no row carries the total: it is counted apart.
    let beyond = OrderListQuery {
        offset: 10_000,
        ..query(None, None, None)
    };
    let (empty, total) = db::orders::list_orders(db, &beyond).await.expect("list");
    assert!(empty.is_empty());
    assert_eq!((total.count, total.more), (300, false));
    for filter in [
        MatchFilter::Matched,
        MatchFilter::Unmatched,
        MatchFilter::NoAsin,
    ] {
        let (_, total) = db::orders::list_orders(db, &query(Some(filter), None, None))
            .await
            .expect("list");
        let expected = reference.values().filter(|s| filter.accepts(s)).count() as i64;
        assert_eq!(total.count, expected, "{filter:?}");
        assert!(expected > 0, "the demo has {filter:?} orders");
    }
    let (page, _) = db::orders::list_orders(db, &query(None, None, None))
        .await
        .expect("list");
    for o in page {
        let r = reference[&o.reported.platform_order_id];
        assert_eq!(
            (
                o.lines_total,
                o.lines_unmatched,
                o.lines_no_asin,
                o.lines_linked
            ),
            (r.total, r.unmatched, r.no_asin, r.linked)
        );
    }
    let summary = db::orders::status_summary(db, Platform::Amazon)
        .await
        .expect("summary");
    for (status, count) in summary.counts {
        let (_, total) = db::orders::list_orders(db, &query(None, Some(status), None))
            .await
            .expect("list");
        assert_eq!(total.count, count, "{status}");
    }
}

async fn a_mapping_matches_every_line_with_its_asin(db: &Db) {
    demo::seed(db, demo::DEMO_SEED).await.expect("seed");
    let (unmatched, _) =
        db::orders::list_orders(db, &query(Some(MatchFilter::Unmatched), None, None))
            .await
            .expect("list");
    let lines =
        db::orders::lines_for_orders(db, &unmatched.iter().map(|o| o.id).collect::<Vec<_>>())
            .await
            .expect("lines");
    let asin = lines
        .iter()
        .find(|l| l.match_status == MatchStatus::Unmatched)
        .and_then(|l| l.reported.asin.clone())
        .expect("an unmatched ASIN");
    let orders_with_asin: HashSet<OrderId> = lines
        .iter()
        .filter(|l| l.reported.asin.as_deref() == Some(&asin))
        .map(|l| l.order_id)
        .collect();
    let req = MappingRequest {
        asin: asin.clone(),
        target: MappingTarget::Set {
            set_number: "99999".into(),
            condition: Condition::New,
        },
        order_item: None,
        replace: false,
    };
    matching::create_mapping(db, req.clone(), None)
        .await
        .expect("map");
    let after =
        db::orders::lines_for_orders(db, &orders_with_asin.iter().copied().collect::<Vec<_>>())
            .await
            .expect("lines");
    assert!(
        after
            .iter()
            .filter(|l| l.reported.asin.as_deref() == Some(&asin))
            .all(|l| l.match_status == MatchStatus::Matched)
    );
    reference_summaries(db).await;
    let other = MappingRequest {
        target: MappingTarget::Set {
            set_number: "11111".into(),
            condition: Condition::Used,
        },
        ..req
    };
    assert!(matches!(
        matching::create_mapping(db, other.clone(), None).await,
        Err(MatchError::ExistingMapping { .. })
    ));
    matching::create_mapping(
        db,
        MappingRequest {
            replace: true,
            ..other
        },
        None,
    )
    .await
    .expect("replace");
    assert_eq!(
        db::mappings::get(db, &asin)
            .await
            .expect("get")
            .map(|m| m.set_number)
            .as_deref(),
        Some("11111")
    );
    assert!(
        matching::delete_mapping(db, &asin, None)
            .await
            .expect("delete")
    );
    reference_summaries(db).await;
}

async fn search_is_literal_and_safe(db: &Db) {
    demo::seed(db, demo::DEMO_SEED).await.expect("seed");
    let (some, _) = db::orders::list_orders(db, &query(None, None, None))
        .await
        .expect("list");
    let id = &some[0].reported.platform_order_id;
    let (found, total) = db::orders::list_orders(db, &query(None, None, Some(&id[4..])))
        .await
        .expect("by id");
    assert_eq!(
        (total.count, found[0].reported.platform_order_id.as_str()),
        (1, id.as_str())
    );
    let (_, falcons) = db::orders::list_orders(db, &query(None, None, Some("MILLENNIUM falcon")))
        .await
        .expect("title");
    assert!(falcons.count > 0);
    let (_, quoted) = db::orders::list_orders(db, &query(None, None, Some("Skywalker's")))
        .await
        .expect("quote");
    assert!(
        quoted.count > 0,
        "a quote in the search matches a quote in a title"
    );
    for weird in [
        "%",
        "_",
        "\"",
        "%_%",
        "\\",
        "Ünïcode 🧱",
        "'; DROP TABLE orders; --",
        "75192%",
    ] {
        let (_, n) = db::orders::list_orders(db, &query(None, None, Some(weird)))
            .await
            .expect("weird search never errors");
        assert_eq!(n.count, 0, "{weird:?} matches literally");
    }
    assert_eq!(
        db::orders::count(db, Platform::Amazon)
            .await
            .expect("count"),
        300,
        "nothing dropped"
    );
}

on_both_backends! {
    match_counts_follow_the_domain_rule => counts_follow_the_domain_rule;
    mapping_an_asin_matches_every_line => a_mapping_matches_every_line_with_its_asin;
    order_search_is_literal_and_safe => search_is_literal_and_safe;
}

#[tokio::test]
async fn api_lists_filters_and_summarises() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let get = |path: String| {
        let owner = owner.clone();
        let url = format!("{}{path}", app.address);
        async move { owner.get(url).send().await.expect("get") }
    };
    let summary: Value = get("/api/orders/amazon/status-summary".into())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(summary["all"], 300);
    assert_eq!(summary["Paid"], 15);
    let paid: Value = get("/api/orders/amazon?status=Paid&page_size=100".into())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(paid["total"], 15);
    let orders = paid["orders"].as_array().expect("orders");
    assert!(orders.iter().all(|o| o["ui_status"] == "Paid"));
    let first = &orders[0];
    for key in [
        "id",
        "platform_order_id",
        "order_date",
        "buyer_name",
        "status",
        "internal_status",
        "ui_status",
        "total",
        "currency",
        "items",
        "match_summary",
    ] {
        assert!(first.get(key).is_some(), "AmazonOrder has {key}: {first}");
    }
    assert!(first["match_summary"]["all_matched"].is_boolean());
    let unmatched: Value = get("/api/orders/amazon?match=unmatched&page_size=100".into())
        .await
        .json()
        .await
        .expect("json");
    assert!(
        unmatched["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .all(|o| o["match_summary"]["unmatched"].as_i64() > Some(0))
    );
    assert_eq!(
        get("/api/orders/amazon?page_size=101".into())
            .await
            .status(),
        400
    );
    assert_eq!(
        get("/api/orders/amazon?status=Lost".into()).await.status(),
        400
    );
    assert_eq!(
        get("/api/orders/amazon?match=maybe".into()).await.status(),
        400
    );
    assert_eq!(
        get("/api/orders/amazon?search=%25_%27%22".into())
            .await
            .status(),
        200
    );
    assert_eq!(
        get("/api/orders/amazon/111-0000000-0000000/unmatched".into())
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn api_maps_an_asin_and_links_the_chosen_unit() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let list = get_json(
        &owner,
        format!(
            "{}/api/orders/amazon?match=unmatched&page_size=100",
            app.address
        ),
    )
    .await;
    let order = &list["orders"][0];
    let order_id = order["platform_order_id"].as_str().expect("id").to_owned();
    let unmatched = get_json(
        &owner,
        format!("{}/api/orders/amazon/{order_id}/unmatched", app.address),
    )
    .await;
    let line = unmatched["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["can_link"] == true)
        .expect("linkable line")
        .clone();
    assert_eq!(line["message"], "Click to link to inventory");
    let asin = line["asin"].as_str().expect("asin").to_owned();
    let set = spapi_sim::catalogue::by_asin(&asin)
        .expect("catalogue ASIN")
        .set_number;
    let candidates = get_json(
        &owner,
        format!(
            "{}/api/inventory?search={set}&status=LISTED&sort=created_at&dir=desc",
            app.address
        ),
    )
    .await;
    // The newest unit, deliberately not the FIFO one: the chosen unit is linked.
    let chosen = candidates["items"][0]["id"]
        .as_i64()
        .expect("a unit of the set");
    let mappings = format!("{}/api/amazon/asin-mappings", app.address);
    let map = |body: &Value| send_text(owner.post(&mappings).json(body));
    let body = json!({ "asin": asin, "inventory_item_id": chosen, "order_item_id": line["id"] });
    let (made, text) = map(&body).await;
    assert_eq!(made, 201, "{text:?}");
    let item = OrderItemId::new(line["id"].as_i64().expect("line id")).expect("id");
    assert_eq!(
        db::links::units_of(&app.db, item).await.expect("links"),
        [(
            0,
            brickdesk::domain::InventoryItemId::new(chosen).expect("id")
        )]
    );
    let (again, _) = map(&body).await;
    assert_eq!(again, 409, "a unit is linked once");
    let conflict = json!({ "asin": asin, "set_number": "10000", "condition": "Used" });
    let (refused, msg) = send_json(owner.post(&mappings).json(&conflict)).await;
    assert_eq!(refused, 409);
    let message = error_message(&msg);
    assert!(
        message.contains("already maps to set") && message.contains("Replace"),
        "{msg}"
    );
    let unmap = format!("{mappings}?asin={asin}");
    let (deleted, _) = send_text(owner.delete(&unmap)).await;
    assert_eq!(deleted, 204);
    let (gone, _) = send_text(owner.delete(&unmap)).await;
    assert_eq!(gone, 404);
}

#[tokio::test]
async fn titles_from_amazon_render_escaped_on_the_orders_pages() {
    use brickdesk::db::orders::{NewOrder, ReportedLine};
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let xss = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let mut tx = app.db.begin().await.expect("begin");
    let order = NewOrder {
        reported: db::orders::ReportedOrder {
            platform: Platform::Amazon,
            platform_order_id: "203-7777777-7777777".into(),
            order_date: Some(time::OffsetDateTime::now_utc()),
            last_updated_at: None,
            buyer_name: Some(xss.into()),
            buyer_email: None,
            platform_status: "Unshipped".into(),
            total: None,
            fulfillment_channel: None,
            marketplace_id: None,
        },
        items_fetched: true,
    };
    let id = db::orders::upsert_order(&mut tx, &order)
        .await
        .expect("order");
    let line = ReportedLine {
        platform_item_id: "1".into(),
        asin: Some("B0XSSXSS01".into()),
        sku: Some(xss.into()),
        title: Some(xss.into()),
        quantity: 1,
        unit_price: None,
        line_price: None,
        condition: None,
    };
    let item = db::orders::upsert_item(&mut tx, id, &line)
        .await
        .expect("line");
    db::orders::refresh_order(&mut tx, id)
        .await
        .expect("refresh");
    tx.commit().await.expect("commit");
    for path in [
        "/orders/amazon".to_owned(),
        "/orders".to_owned(),
        "/orders/amazon/203-7777777-7777777/unmatched".to_owned(),
        format!("/orders/amazon/match?item={}", item.get()),
    ] {
        let (status, html) = send_text(owner.get(format!("{}{path}", app.address))).await;
        assert_eq!(status, 200, "{path}");
        assert_escaped(&html, "<script>alert(1)", &path);
    }
}
