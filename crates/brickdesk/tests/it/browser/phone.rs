//! Every page and dialog fits a phone (390 × 844) and a desktop (1280 ×
//! 900): nothing scrolls sideways. On the phone the navigation is a menu
//! that opens without JavaScript and whose links work.

use brickdesk::auth::Role;
use brickdesk::config::DemoMode;
use brickdesk::web::route_table;
use brickdesk::web::routes::Access;
use serde_json::{Value, json};

use super::Browser;
use crate::helpers::{PASSWORD, TestApp};

const SIZES: [(u32, u32); 2] = [(390, 844), (1280, 900)];

/// How far the page reaches past the window sideways (0: it fits), what
/// an open dialog reaches past it, the window's width and the smallest
/// font of a visible input (phones zoom into inputs under 16 px).
const MEASURE: &str = "const root = document.documentElement; \
    const d = document.querySelector('dialog[open]'); \
    const fonts = [...document.querySelectorAll('input, select, textarea')] \
        .filter(e => e.offsetParent !== null) \
        .map(e => parseFloat(getComputedStyle(e).fontSize)); \
    return [Math.max(0, root.scrollWidth - root.clientWidth), \
            d ? Math.max(0, d.scrollWidth - d.clientWidth, \
                         Math.ceil(d.getBoundingClientRect().right) - root.clientWidth) : 0, \
            window.innerWidth, Math.min(99, ...fonts)];";

/// Asserts that what the browser shows fits its window of `width`, and
/// on a phone that no input makes it zoom.
async fn assert_fits(b: &Browser, what: &str, width: u32) {
    let m = b.client.execute(MEASURE, vec![]).await.expect("measure");
    assert_eq!(m[2], json!(width), "{what}: the window is {width} px wide");
    assert_eq!(
        (&m[0], &m[1]),
        (&json!(0), &json!(0)),
        "{what} at {width} px scrolls sideways by [page, dialog] px"
    );
    if width < 700 {
        let smallest = m[3].as_f64().expect("font size");
        assert!(smallest >= 16.0, "{what}: an input's font is {smallest} px");
    }
}

/// Asserts that every visible element `css` matches is at least 44 × 44
/// px, a fingertip's size.
async fn assert_touch_size(b: &Browser, css: &str) {
    let script = "return [...document.querySelectorAll(arguments[0])] \
        .filter(e => e.offsetParent !== null) \
        .map(e => { const r = e.getBoundingClientRect(); \
                    return [Math.floor(r.width), Math.floor(r.height)]; });";
    let sizes = b
        .client
        .execute(script, vec![json!(css)])
        .await
        .expect("sizes");
    let sizes = sizes.as_array().expect("sizes");
    assert!(!sizes.is_empty(), "{css} shows");
    for size in sizes {
        assert!(
            size[0].as_i64() >= Some(44) && size[1].as_i64() >= Some(44),
            "{css} is {size} px"
        );
    }
}

async fn resize(b: &Browser, (width, height): (u32, u32)) {
    b.client
        .set_window_size(width, height)
        .await
        .expect("window size");
}

/// Ids the pages with path parameters are shown with: a unit, an order
/// with unmatched lines, one of its lines and a confirmation batch.
struct Ids {
    unit: i64,
    order: String,
    line: i64,
    batch: i64,
}

async fn get_json(api: &reqwest::Client, url: String) -> Value {
    let response = api.get(url).send().await.expect("get");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Confirms the first order the confirm dialog offers with its
/// recommended units, so a confirmation batch exists to review.
async fn confirm_one_order(app: &TestApp, api: &reqwest::Client) -> i64 {
    let offered = get_json(api, format!("{}/api/orders/confirm", app.address)).await;
    let order = offered["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| {
            o["lines"].as_array().expect("lines").iter().all(|l| {
                l["units"]
                    .as_array()
                    .expect("units")
                    .iter()
                    .all(|s| s["unit"].is_object())
            })
        })
        .expect("the demo offers an order whose every unit is recommended");
    let lines: Vec<Value> = order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let units: Vec<&Value> = l["units"]
                .as_array()
                .expect("units")
                .iter()
                .map(|s| &s["unit"]["id"])
                .collect();
            json!({"item_id": l["id"], "units": units})
        })
        .collect();
    let response = api
        .post(format!("{}/api/orders/confirm", app.address))
        .json(&json!({"archive_location": "SOLD-2026-12",
                      "orders": [{"order_id": order["order_id"], "lines": lines}]}))
        .send()
        .await
        .expect("confirm");
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let batches = get_json(api, format!("{}/api/orders/confirm/batches", app.address)).await;
    batches[0]["id"].as_i64().expect("a batch")
}

async fn demo_ids(app: &TestApp, api: &reqwest::Client) -> Ids {
    let units = get_json(api, format!("{}/api/inventory?page_size=1", app.address)).await;
    let unmatched = get_json(
        api,
        format!(
            "{}/api/orders/amazon?match=unmatched&page_size=1",
            app.address
        ),
    )
    .await;
    let order = &unmatched["orders"][0];
    let line = order["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["match_status"] == "unmatched")
        .expect("an unmatched line");
    Ids {
        unit: units["items"][0]["id"].as_i64().expect("a unit"),
        order: order["platform_order_id"]
            .as_str()
            .expect("order")
            .to_owned(),
        line: line["id"].as_i64().expect("line id"),
        batch: confirm_one_order(app, api).await,
    }
}

/// The route table's pages, path parameters filled in; not the JSON API,
/// the static files, health checks or downloads.
fn page_urls(ids: &Ids) -> Vec<String> {
    let pages: Vec<String> = route_table()
        .into_iter()
        .filter(|r| r.method == "GET" && r.access != Access::Public)
        .map(|r| r.path)
        .filter(|p| !p.starts_with("/api/") && !p.starts_with("/static/") && !p.ends_with(".csv"))
        .map(|p| match p {
            "/inventory/{id}" => format!("/inventory/{}", ids.unit),
            "/inventory/{id}/edit" => format!("/inventory/{}/edit", ids.unit),
            "/orders/amazon/{order_id}/unmatched" => {
                format!("/orders/amazon/{}/unmatched", ids.order)
            }
            "/orders/amazon/{order_id}/ship" => format!("/orders/amazon/{}/ship", ids.order),
            "/orders/amazon/confirmations/{id}" => {
                format!("/orders/amazon/confirmations/{}", ids.batch)
            }
            "/orders/amazon/match" => {
                format!(
                    "/orders/amazon/match?item={}&return_to=/orders/amazon",
                    ids.line
                )
            }
            other => {
                assert!(!other.contains('{'), "a value for {other}");
                other.to_owned()
            }
        })
        .collect();
    assert!(pages.len() >= 15, "the route table's pages: {pages:?}");
    pages
}

#[tokio::test]
async fn every_page_and_dialog_fits_a_phone_and_a_desktop() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    app.add_user("anna", Role::Owner).await;
    let (api, _) = app.sign_in("anna", PASSWORD).await;
    let ids = demo_ids(&app, &api).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    // Signed out: the sign-in and set-up pages.
    for size in SIZES {
        resize(&b, size).await;
        for page in ["/login", "/setup"] {
            b.open(&app, page).await;
            assert_fits(&b, page, size.0).await;
        }
    }
    b.sign_in(&app, "anna").await;
    let mut pages = page_urls(&ids);
    // Error pages: an unknown unit and an unknown address.
    pages.extend(["/inventory/999999".to_owned(), "/no-such-page".to_owned()]);
    for size in SIZES {
        resize(&b, size).await;
        for page in &pages {
            b.open(&app, page).await;
            assert_fits(&b, page, size.0).await;
        }
        // The dialogs, opened as a user opens them.
        b.open(&app, "/orders/amazon?match=unmatched").await;
        let phone = size.0 < 700;
        if phone {
            assert_touch_size(&b, "#orders-table details.menu > summary").await;
        }
        b.click("a[data-badge=unmatched]").await;
        b.find("dialog[open] a.item-card.clickable").await;
        assert_fits(&b, "the Unmatched Items dialog", size.0).await;
        if phone {
            assert_touch_size(&b, "dialog[open] a.item-card.clickable").await;
        }
        b.click("dialog[open] a.item-card.clickable").await;
        b.wait_for_text("Create ASIN Mapping").await;
        assert_fits(&b, "the ASIN matcher dialog", size.0).await;
        if phone {
            assert_touch_size(&b, "dialog[open] button.primary").await;
        }
        b.open(&app, "/orders").await;
        b.click("#confirm-orders").await;
        b.find("dialog[open] fieldset:not([hidden]) .decision button")
            .await;
        assert_fits(&b, "the Confirm Orders Processed dialog", size.0).await;
        if phone {
            assert_touch_size(&b, "dialog[open] fieldset:not([hidden]) .decision button").await;
            assert_touch_size(&b, "dialog[open] [data-next]").await;
        }
    }
}

/// The demo app, and a browser of phone size signed in to it (`None`
/// without a browser, outside CI).
async fn demo_on_a_phone() -> Option<(TestApp, Browser)> {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    app.add_user("anna", Role::Owner).await;
    let b = Browser::start().await?;
    b.sign_in(&app, "anna").await;
    resize(&b, SIZES[0]).await;
    Some((app, b))
}

#[tokio::test]
async fn the_phone_navigation_is_a_menu_whose_links_work() {
    let Some((app, b)) = demo_on_a_phone().await else {
        return;
    };
    for (label, path) in [
        ("Inventory", "/inventory"),
        ("Picking List", "/orders/amazon/picking-list"),
        ("Settings", "/settings/amazon"),
        ("Orders", "/orders"),
    ] {
        let menu = b.find(".nav-menu > summary").await;
        assert!(
            menu.is_displayed().await.expect("shown"),
            "the menu button shows"
        );
        let link = format!(".nav-menu a[href='{path}']");
        assert!(
            !b.find(&link).await.is_displayed().await.expect("hidden"),
            "{label} waits in the closed menu"
        );
        menu.click().await.expect("open the menu");
        b.click(&link).await;
        let url = b.client.current_url().await.expect("url");
        assert_eq!(url.path(), path, "{label}");
    }
    let menu = b.find(".nav-menu > summary").await;
    menu.click().await.expect("open the menu");
    b.click(".nav-menu .logout button").await;
    b.find("form[action='/login']").await;
    // On a desktop the links show in the bar and the menu button does not.
    resize(&b, SIZES[1]).await;
    b.sign_in(&app, "anna").await;
    assert!(
        !b.find(".nav-menu")
            .await
            .is_displayed()
            .await
            .expect("hidden")
    );
    assert!(
        b.find(".nav-wide a[href='/inventory']")
            .await
            .is_displayed()
            .await
            .expect("shown")
    );
}

#[tokio::test]
async fn the_picking_list_page_keeps_its_ticks_in_the_browser() {
    let Some((app, b)) = demo_on_a_phone().await else {
        return;
    };
    let page = "/orders/amazon/picking-list";
    b.open(&app, page).await;
    let ticks = "return [...document.querySelectorAll('input[data-pick]')].map(b => b.checked);";
    let before = b.client.execute(ticks, vec![]).await.expect("ticks");
    let rows = before.as_array().expect("ticks").len();
    assert!(
        rows >= 2,
        "the demo's Paid orders have units to pick: {before}"
    );
    assert_eq!(before, json!(vec![false; rows]));
    assert_touch_size(&b, "label.pick-row").await;
    let orders_version = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            brickdesk::db::orders::orders_version(&db)
                .await
                .expect("version")
        }
    };
    let version = orders_version(&app).await;
    b.click("input[data-pick]").await;
    // Ticked rows survive a reload: they are kept in the browser.
    b.open(&app, page).await;
    let mut ticked = vec![false; rows];
    ticked[0] = true;
    assert_eq!(
        b.client.execute(ticks, vec![]).await.expect("ticks"),
        json!(ticked)
    );
    assert_eq!(orders_version(&app).await, version, "ticking wrote nothing");
    b.click("[data-pick-clear]").await;
    b.open(&app, page).await;
    assert_eq!(
        b.client.execute(ticks, vec![]).await.expect("ticks"),
        json!(vec![false; rows])
    );
}
