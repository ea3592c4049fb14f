//! Inventory: queries on both backends, the JSON API and the pages.

use brickdesk::db::inventory::{InventoryQuery, NewUnit, SortBy};
use brickdesk::db::{self, Db};
use brickdesk::domain::{Condition, InventoryStatus};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::builders::TestUnit;
use crate::helpers::{
    TestApp, assert_escaped, error_message, get_json, get_text, on_both_backends, send_json,
};

fn unit(
    set: &str,
    name: &str,
    location: Option<&str>,
    status: InventoryStatus,
    day: u8,
) -> NewUnit {
    // Every other unit has no asking price, so sorting by price meets NULLs.
    let price = day.is_multiple_of(2).then(|| 5000 + i64::from(day));
    TestUnit::of(set)
        .named(name)
        .status(status)
        .location(location)
        .priced(Some(1000), price)
        .sku(&format!("SKU-{set}-{day}"))
        .added(datetime!(2026-01-01 0:00 UTC) + time::Duration::days(i64::from(day)))
        .build()
}

async fn seed(db: &Db) {
    let units = [
        unit(
            "75192",
            "Millennium Falcon",
            Some("A-10"),
            InventoryStatus::Listed,
            3,
        ),
        unit(
            "75192",
            "Millennium Falcon",
            Some("A-2"),
            InventoryStatus::Backlog,
            1,
        ),
        unit("10294", "Titanic", Some("B-03"), InventoryStatus::Listed, 2),
        unit(
            "40220",
            "London Bus 50%_off",
            None,
            InventoryStatus::Sold,
            4,
        ),
        unit(
            "21330",
            "Home Alone – Ünïcode",
            Some("S12"),
            InventoryStatus::Listed,
            5,
        ),
        unit(
            "21318",
            "Tree House",
            Some("S2"),
            InventoryStatus::NotYetReceived,
            6,
        ),
    ];
    let mut tx = db.begin().await.expect("begin");
    for u in &units {
        db::inventory::insert(&mut tx, u).await.expect("insert");
    }
    tx.commit().await.expect("commit");
}

async fn sets(db: &Db, q: InventoryQuery) -> Vec<String> {
    let (rows, _) = db::inventory::list(db, &q).await.expect("list");
    rows.into_iter()
        .map(|r| {
            format!(
                "{} {}",
                r.details.set_number,
                r.details.storage_location.unwrap_or_default()
            )
        })
        .collect()
}

async fn status_of(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.expect("get").status().as_u16()
}

fn search(text: &str) -> InventoryQuery {
    InventoryQuery {
        search: Some(text.into()),
        ..InventoryQuery::default()
    }
}

async fn search_and_filters(db: &Db) {
    seed(db).await;
    assert_eq!(
        sets(db, search("falcon")).await,
        ["75192 A-2", "75192 A-10"],
        "case-insensitive, FIFO order"
    );
    assert_eq!(
        sets(db, search("b-0")).await,
        ["10294 B-03"],
        "matches location"
    );
    assert_eq!(
        sets(db, search("sku-21330")).await,
        ["21330 S12"],
        "matches SKU"
    );
    assert_eq!(
        sets(db, search("50%_")).await,
        ["40220 "],
        "% and _ are literal"
    );
    assert!(sets(db, search("5_%")).await.is_empty());
    assert!(
        sets(db, search("'; DROP TABLE inventory_items; --"))
            .await
            .is_empty()
    );
    assert_eq!(sets(db, search("Ünïcode")).await, ["21330 S12"]);
    let listed = InventoryQuery {
        status: Some(InventoryStatus::Listed),
        ..InventoryQuery::default()
    };
    assert_eq!(sets(db, listed).await.len(), 3);
    let at = InventoryQuery {
        location: Some("S12".into()),
        ..InventoryQuery::default()
    };
    assert_eq!(sets(db, at).await, ["21330 S12"]);
    let used = InventoryQuery {
        condition: Some(Condition::Used),
        ..InventoryQuery::default()
    };
    assert!(sets(db, used).await.is_empty());
}

async fn natural_location_sort(db: &Db) {
    seed(db).await;
    let q = InventoryQuery {
        sort: SortBy::Location,
        ..InventoryQuery::default()
    };
    assert_eq!(
        sets(db, q).await,
        [
            "75192 A-2",
            "75192 A-10",
            "10294 B-03",
            "21318 S2",
            "21330 S12",
            "40220 "
        ]
    );
    let q = InventoryQuery {
        sort: SortBy::Location,
        descending: true,
        ..InventoryQuery::default()
    };
    assert_eq!(
        sets(db, q).await.last().map(String::as_str),
        Some("40220 "),
        "no location stays last"
    );
    assert_eq!(
        db::inventory::locations(db).await.expect("locations"),
        ["A-2", "A-10", "B-03", "S2", "S12"]
    );
}

async fn pages_and_price_sort(db: &Db) {
    seed(db).await;
    let q = InventoryQuery {
        sort: SortBy::ListingPrice,
        limit: Some(2),
        offset: 2,
        ..InventoryQuery::default()
    };
    let (rows, total) = db::inventory::list(db, &q).await.expect("list");
    assert_eq!(total, 6);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].details.listing_price_minor, Some(5006));
    assert_eq!(rows[1].details.listing_price_minor, None, "unpriced last");
}

on_both_backends! {
    inventory_search_and_filters => search_and_filters;
    inventory_locations_sort_naturally => natural_location_sort;
    inventory_pages_and_price_sort => pages_and_price_sort;
}

#[tokio::test]
async fn api_creates_validates_and_patches_units() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let api = format!("{}/api/inventory", app.address);
    let (status, body) = send_json(
        owner
            .post(&api)
            .json(&json!({ "set_number": "", "condition": "Mint", "status": "LISTED" })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["fields"]["set_number"].is_string()
            && body["error"]["fields"]["condition"].is_string(),
        "{body}"
    );
    let (unknown, _) = send_json(
        owner
            .post(&api)
            .json(&json!({ "set_number": "1", "bogus": 1 })),
    )
    .await;
    assert_eq!(unknown, 400, "unknown fields are refused");

    let (status, unit) = send_json(owner.post(&api).json(
        &json!({ "set_number": "75192", "item_name": "Millennium Falcon", "condition": "New", "status": "LISTED",
                 "storage_location": "A-01", "cost": "449.50", "listing_price": "£599.99" }),
    ))
    .await;
    assert_eq!(status, 201);
    assert_eq!(unit["listing_price_minor"], 59999);
    let id = unit["id"].as_i64().expect("id");
    let patch = |body: Value| send_json(owner.patch(format!("{api}/{id}")).json(&body));

    let (_, patched) = patch(json!({ "storage_location": "B-03", "notes": "box dented" })).await;
    assert_eq!(patched["storage_location"], "B-03");
    assert_eq!(patched["cost_minor"], 44950, "fields not sent stay");

    let (sold, _) = patch(json!({ "sold_price": "10.00" })).await;
    assert_eq!(sold, 409, "sold fields are not hand-editable");
    let (to_sold, msg) = patch(json!({ "status": "SOLD" })).await;
    assert_eq!(to_sold, 409);
    assert!(error_message(&msg).contains("confirming an order"), "{msg}");

    let listed = get_json(&owner, format!("{api}?search=falcon&status=LISTED")).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(status_of(&owner, format!("{api}?page_size=101")).await, 400);
    assert_eq!(status_of(&owner, format!("{api}?status=GONE")).await, 400);
    assert_eq!(status_of(&owner, format!("{api}/999999")).await, 404);
    assert_eq!(status_of(&owner, format!("{api}/abc")).await, 400);

    let history = db::audit::for_entity(&app.db, "inventory_item", &id.to_string())
        .await
        .expect("audit");
    let actions: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["inventory_create", "inventory_update"]);
    assert!(
        history[1].details_json.contains("A-01"),
        "previous location kept"
    );
}

#[tokio::test]
async fn pages_show_field_errors_history_and_escape_text() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let bad = owner
        .post(format!("{}/inventory", app.address))
        .form(&[
            ("set_number", ""),
            ("item_name", "X"),
            ("condition", "New"),
            ("status", "LISTED"),
            ("cost", "12.345"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 400);
    let html = bad.text().await.expect("body");
    assert!(
        html.contains("is required") && html.contains("more than 2 decimal places"),
        "{html}"
    );

    let xss = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let made = owner
        .post(format!("{}/inventory", app.address))
        .form(&[
            ("set_number", "10294"),
            ("item_name", xss),
            ("condition", "New"),
            ("status", "BACKLOG"),
            ("storage_location", xss),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(made.status(), 303);
    let location = made
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    for path in [location.as_str(), "/inventory", "/inventory?search=10294"] {
        let page = get_text(&owner, format!("{}{path}", app.address)).await;
        assert_escaped(&page, "<script>alert(1)", path);
    }
    let detail = get_text(&owner, format!("{}{location}", app.address)).await;
    assert!(detail.contains("Added as"), "history lists the creation");
}
