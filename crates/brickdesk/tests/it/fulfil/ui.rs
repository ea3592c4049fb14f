//! In a real browser: open Confirm Orders Processed from /orders, approve
//! one order, skip one, pick the unit of an unmatched line through the
//! in-dialog inventory search and approve that order, change the archive
//! location, confirm; then the units are SOLD there and the orders are
//! Completed. The Pick List opens in a new tab.

use std::time::Duration;

use brickdesk::auth::Role;
use brickdesk::db;
use brickdesk::domain::{InventoryItemId, Platform, UiStatus};
use time::macros::datetime;

use super::{ASIN_A, add_mapping, add_order, add_unit};
use crate::browser::Browser;
use crate::builders::{TestLine, TestOrder, TestUnit};
use crate::helpers::TestApp;

/// Opens Confirm Orders Processed from `/orders`.
async fn open_confirm_dialog(b: &Browser, app: &TestApp) {
    b.client
        .goto(&format!("{}/orders", app.address))
        .await
        .expect("orders");
    b.find("#confirm-orders")
        .await
        .click()
        .await
        .expect("open dialog");
}

#[tokio::test]
async fn confirm_dialog_approve_skip_archive_and_pick_list_tab() {
    let app = TestApp::builder().spawn().await;
    let [u1, u2, u3] = two_falcon_orders_and_an_unmatched_one(&app).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    approve_skip_search_and_confirm(&b, &app, u3).await;
    assert_approved_units_sold_and_skipped_kept(&app, u1, u2, u3).await;
    assert_pages_show_the_sale(&b, &app, u1).await;
    assert_pick_list_opens_in_a_new_tab(&b, &app).await;
}

/// Owner "anna"; O1 and O2 each want a Falcon (u1 in A-1, u2 in A-2), O3's
/// line is unmatched; u3 is of a set no line names. Returns u1, u2, u3.
async fn two_falcon_orders_and_an_unmatched_one(app: &TestApp) -> [i64; 3] {
    app.add_user("anna", Role::Owner).await;
    add_mapping(&app.db, ASIN_A, "75192").await;
    let u1 = add_unit(
        &app.db,
        TestUnit::of("75192")
            .location(Some("A-1"))
            .added(datetime!(2026-01-01 0:00 UTC))
            .build(),
    )
    .await;
    let u2 = add_unit(
        &app.db,
        TestUnit::of("75192")
            .location(Some("A-2"))
            .added(datetime!(2026-01-02 0:00 UTC))
            .build(),
    )
    .await;
    add_order(
        &app.db,
        TestOrder::paid("203-1111111-1111111")
            .placed(datetime!(2026-01-10 0:00 UTC))
            .build(),
        &[TestLine::new("A", 1)
            .asin(Some(ASIN_A))
            .title("Falcon one")
            .build()],
    )
    .await;
    add_order(
        &app.db,
        TestOrder::paid("203-2222222-2222222")
            .placed(datetime!(2026-01-11 0:00 UTC))
            .build(),
        &[TestLine::new("B", 1)
            .asin(Some(ASIN_A))
            .title("Falcon two")
            .build()],
    )
    .await;
    // An unmatched line (its ASIN maps to no set) and a unit of a set that
    // no line names: only a search finds it.
    let u3 = add_unit(
        &app.db,
        TestUnit::of("10307")
            .location(Some("C-7"))
            .added(datetime!(2026-01-03 0:00 UTC))
            .build(),
    )
    .await;
    add_order(
        &app.db,
        TestOrder::paid("203-3333333-3333333")
            .placed(datetime!(2026-01-12 0:00 UTC))
            .build(),
        &[TestLine::new("C", 1)
            .asin(Some("B000000CCC"))
            .title("Eiffel Tower")
            .build()],
    )
    .await;
    [u1, u2, u3]
}

/// Approves O1, skips O2, finds u3 by search for O3, then confirms with
/// the archive location SOLD-BROWSER.
async fn approve_skip_search_and_confirm(b: &Browser, app: &TestApp, u3: i64) {
    open_confirm_dialog(b, app).await;
    b.find("dialog#bd-dialog[open] form[data-wizard]").await;
    b.wait_for_text("Progress: 1 of 3 orders").await;
    b.wait_for_text("(oldest, recommended)").await;
    b.find("fieldset[data-order='203-1111111-1111111'] [data-approve]")
        .await
        .click()
        .await
        .expect("approve");
    b.wait_for_text("Progress: 2 of 3 orders (1 approved, 0 skipped)")
        .await;
    // Skip is already the default, yet pressing it records it and moves on.
    b.find("fieldset[data-order='203-2222222-2222222'] [data-skip]")
        .await
        .click()
        .await
        .expect("skip");
    b.wait_for_text("Progress: 3 of 3 orders (1 approved, 1 skipped)")
        .await;
    // The search starts from the line's title, finds nothing sellable,
    // then the set number typed in finds the unit.
    let third = "fieldset[data-order='203-3333333-3333333']";
    b.wait_for_text("No sellable unit matches").await;
    let search = b
        .find(&format!("{third} input[data-unit-search-input]"))
        .await;
    search.clear().await.expect("clear search");
    search.send_keys("10307").await.expect("type search");
    b.find(&format!(
        "{third} .unit-search-results input[type=radio][value='{u3}']"
    ))
    .await
    .click()
    .await
    .expect("pick the unit");
    b.find(&format!("{third} [data-approve]"))
        .await
        .click()
        .await
        .expect("approve the third");
    b.wait_for_text("Progress: 3 of 3 orders (2 approved, 1 skipped)")
        .await;
    let archive = b.find("#archive-location").await;
    archive.clear().await.expect("clear");
    archive.send_keys("SOLD-BROWSER").await.expect("type");
    b.find("#confirm-approved")
        .await
        .click()
        .await
        .expect("confirm");
    b.wait_for_text("Confirmed 2 orders").await;
    b.find("dialog#bd-dialog[open] .banner.success").await;
}

/// The approved orders' units are sold into the archive; the skipped
/// order and its unit are untouched.
async fn assert_approved_units_sold_and_skipped_kept(app: &TestApp, u1: i64, u2: i64, u3: i64) {
    let unit = db::inventory::get(&app.db, InventoryItemId::new(u1).expect("id"))
        .await
        .expect("get")
        .expect("u1");
    assert_eq!(
        (
            unit.details.status.as_str(),
            unit.details.storage_location.as_deref()
        ),
        ("SOLD", Some("SOLD-BROWSER"))
    );
    let other = db::inventory::get(&app.db, InventoryItemId::new(u2).expect("id"))
        .await
        .expect("get")
        .expect("u2");
    assert_eq!(
        other.details.status.as_str(),
        "LISTED",
        "the skipped order's unit stays"
    );
    let done = db::orders::find_order(&app.db, Platform::Amazon, "203-1111111-1111111")
        .await
        .expect("o")
        .expect("o");
    let skipped = db::orders::find_order(&app.db, Platform::Amazon, "203-2222222-2222222")
        .await
        .expect("o")
        .expect("o");
    assert_eq!(
        (done.ui_status, skipped.ui_status),
        (UiStatus::Completed, UiStatus::Paid)
    );
    let searched = db::inventory::get(&app.db, InventoryItemId::new(u3).expect("id"))
        .await
        .expect("get")
        .expect("u3");
    assert_eq!(
        (
            searched.details.status.as_str(),
            searched.details.storage_location.as_deref(),
            searched.sold_order_ref.as_deref()
        ),
        ("SOLD", Some("SOLD-BROWSER"), Some("203-3333333-3333333")),
        "the unit picked in the search is sold for the unmatched line"
    );
    let third = db::orders::find_order(&app.db, Platform::Amazon, "203-3333333-3333333")
        .await
        .expect("o")
        .expect("o");
    assert_eq!(third.ui_status, UiStatus::Completed);
}

/// The unit page and the orders page show the sale.
async fn assert_pages_show_the_sale(b: &Browser, app: &TestApp, u1: i64) {
    b.client
        .goto(&format!("{}/inventory/{u1}", app.address))
        .await
        .expect("unit page");
    b.wait_for_text("SOLD-BROWSER").await;
    b.client
        .goto(&format!("{}/orders/amazon?search=203-1111111", app.address))
        .await
        .expect("orders page");
    b.find("[data-ui-status='Completed']").await;
}

/// The pick list opens in a new tab.
async fn assert_pick_list_opens_in_a_new_tab(b: &Browser, app: &TestApp) {
    b.client
        .goto(&format!("{}/orders", app.address))
        .await
        .expect("orders");
    let before = b.client.windows().await.expect("windows").len();
    b.find("#pick-list").await.click().await.expect("pick list");
    let mut windows = Vec::new();
    // Up to 30 s, a safety net for a busy machine; the tab usually opens at once.
    for _ in 0..300 {
        windows = b.client.windows().await.expect("windows");
        if windows.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(windows.len(), before + 1, "a new tab opened");
    let tab = windows.last().cloned().expect("tab");
    b.client.switch_to_window(tab).await.expect("switch");
    let url = b.client.current_url().await.expect("url");
    assert!(url.path().ends_with("/api/picking-list/amazon"), "{url}");
}

/// How far the open dialog's content, and the dialog itself, reach past
/// its box and the window (0 when it fits).
const OVERFLOW: &str = "const d = document.querySelector('dialog[open]'); \
    return [Math.max(0, d.scrollWidth - d.clientWidth), \
            Math.max(0, Math.ceil(d.getBoundingClientRect().right) - window.innerWidth)];";

#[tokio::test]
async fn confirm_dialog_loads_orders_by_page_and_fits_a_phone() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    add_mapping(&app.db, ASIN_A, "75192").await;
    for n in 0..25i64 {
        add_order(
            &app.db,
            TestOrder::paid(&format!("203-{:07}-{:07}", 1_000_000 + n, n))
                .placed(datetime!(2026-01-10 0:00 UTC) + time::Duration::hours(n))
                .build(),
            &[TestLine::new(&format!("L{n}"), 1)
                .asin(Some(ASIN_A))
                .title(
                    "LEGO Star Wars Millennium Falcon Ultimate Collector Series with a long title",
                )
                .build()],
        )
        .await;
    }
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    for (width, height) in [(1280, 900), (390, 844)] {
        b.client
            .set_window_size(width, height)
            .await
            .expect("window size");
        open_confirm_dialog(&b, &app).await;
        b.wait_for_text("Progress: 1 of 25 orders (0 approved, 0 skipped)")
            .await;
        let overflow = b.client.execute(OVERFLOW, vec![]).await.expect("measure");
        assert_eq!(overflow, serde_json::json!([0, 0]), "at {width} px");
    }
    // One page is loaded at first; skipping through loads the next ones.
    let loaded = "return document.querySelectorAll('dialog[open] [data-step]').length;";
    let first = b.client.execute(loaded, vec![]).await.expect("count");
    assert_eq!(first, serde_json::json!(10));
    for n in 1..=12 {
        b.find("dialog[open] fieldset:not([hidden]) [data-skip]")
            .await
            .click()
            .await
            .expect("skip");
        b.wait_for_text(&format!(
            "Progress: {} of 25 orders (0 approved, {n} skipped)",
            n + 1
        ))
        .await;
    }
    let now = b.client.execute(loaded, vec![]).await.expect("count");
    assert!(
        now.as_u64().is_some_and(|n| (20..=25).contains(&n)),
        "{now}"
    );
}
