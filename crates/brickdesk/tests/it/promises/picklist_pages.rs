//! The picking list is "Page n / N" over several pages: enough Paid
//! orders for three A4 pages, read back with pdftotext (pages split by
//! form feeds), and the JSON of the same list names every order.

use std::collections::BTreeSet;

use serde_json::Value;
use time::macros::datetime;

use super::token_for;
use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::fulfil::{ASIN_A, add_mapping, add_order, add_unit};
use crate::helpers::{Optional, TestApp, send_json};

/// Paid orders of one unit each: with the location rows, three pages.
const ORDERS: usize = 110;
/// Storage locations the units are spread over (one group row each).
const SHELVES: usize = 12;
const PAGES: usize = 3;

fn order_id(n: usize) -> String {
    format!("203-{n:07}-0000000")
}

/// `ORDERS` Paid orders and as many units of their set, spread over
/// `SHELVES` locations.
async fn seed(app: &TestApp) {
    let db = &app.db;
    add_mapping(db, ASIN_A, "75192").await;
    let at = datetime!(2026-01-01 08:00 UTC);
    for n in 0..ORDERS {
        let shelf = format!("A-{}", n % SHELVES + 1);
        add_unit(
            db,
            TestUnit::of("75192")
                .location(Some(&shelf))
                .added(at)
                .build(),
        )
        .await;
        let placed = at + time::Duration::minutes(n as i64);
        add_order(
            db,
            TestOrder::paid(&order_id(n)).placed(placed).build(),
            &[TestLine::new("L", 1)
                .asin(Some(ASIN_A))
                .title("Millennium Falcon")
                .build()],
        )
        .await;
    }
}

/// The PDF's text, page by page.
fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("pick.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("utf-8"), "-"])
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext reads the PDF");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    // pdftotext ends every page with a form feed.
    let mut pages: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    if pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    pages
}

#[tokio::test]
async fn a_long_picking_list_numbers_its_pages() {
    if let Err(e) = std::process::Command::new("pdftotext").arg("-v").output() {
        Optional::Pdftotext.skip(&format!("cannot run pdftotext ({e})"));
        return;
    }
    let app = TestApp::builder().spawn().await;
    let token = token_for(&app, "owner").await;
    seed(&app).await;

    let resp = app
        .client
        .get(format!("{}/api/picking-list/amazon", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("pdf");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pages = pdf_pages(&resp.bytes().await.expect("body"));
    assert_eq!(pages.len(), PAGES, "{pages:#?}");
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("Page {} / {PAGES}", i + 1);
        assert_eq!(
            page.matches(&footer).count(),
            1,
            "{footer} on page {}",
            i + 1
        );
        assert_eq!(page.matches("Page ").count(), 1, "one footer: {page}");
    }
    // Every order is on the list once, whichever page it fell on.
    let all = pages.join(" ");
    let ids: Vec<String> = (0..ORDERS).map(order_id).collect();
    assert!(!ids.is_empty());
    for id in &ids {
        assert_eq!(all.matches(id.as_str()).count(), 1, "{id}");
    }
    assert!(
        pages[1..].iter().all(|p| p.contains("Location")),
        "the table header repeats on every page"
    );

    let (status, json) = send_json(
        app.client
            .get(format!(
                "{}/api/picking-list/amazon?format=json",
                app.address
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["orders"], ORDERS);
    assert_eq!(json["units_to_pick"], ORDERS);
    let groups = json["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), SHELVES);
    let listed: BTreeSet<&str> = groups
        .iter()
        .flat_map(|g| g["rows"].as_array().expect("rows").iter())
        .map(|r: &Value| r["order_id"].as_str().expect("order id"))
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect());
}
