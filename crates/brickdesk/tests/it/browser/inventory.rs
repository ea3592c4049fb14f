//! The inventory pages in a real browser.

use brickdesk::auth::Role;
use brickdesk::db;
use brickdesk::db::inventory::InventoryQuery;

use super::Browser;
use crate::helpers::TestApp;

#[tokio::test]
async fn add_a_unit_through_the_form_and_find_it_by_search() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;

    b.client
        .goto(&format!("{}/inventory/new", app.address))
        .await
        .expect("open form");
    b.find("input[name=set_number]")
        .await
        .send_keys("75192")
        .await
        .expect("type");
    b.find("input[name=item_name]")
        .await
        .send_keys("Millennium Falcon UCS")
        .await
        .expect("type");
    b.find("select[name=status]")
        .await
        .select_by_value("LISTED")
        .await
        .expect("status");
    b.find("input[name=storage_location]")
        .await
        .send_keys("A-07")
        .await
        .expect("type");
    b.find("input[name=listing_price]")
        .await
        .send_keys("599.99")
        .await
        .expect("type");
    b.find("#unit-form button[type=submit]")
        .await
        .click()
        .await
        .expect("save");
    b.wait_for_text("History").await;
    b.wait_for_text("£599.99").await;

    // Another unit, which the search must leave out.
    let other = brickdesk::inventory::UnitInput {
        set_number: "10294".into(),
        item_name: "Titanic".into(),
        condition: "New".into(),
        status: "LISTED".into(),
        ..Default::default()
    };
    brickdesk::inventory::create(&app.db, &other, None)
        .await
        .expect("second unit");

    b.client
        .goto(&format!("{}/inventory", app.address))
        .await
        .expect("open list");
    b.wait_for_text("Titanic").await;
    // Typing alone searches (300 ms debounce), no button press.
    b.find("input[name=search]")
        .await
        .send_keys("falcon ucs")
        .await
        .expect("type search");
    let mut searched = false;
    for _ in 0..50 {
        let url = b.client.current_url().await.expect("url");
        if url.query().is_some_and(|q| q.contains("search=falcon+ucs")) {
            searched = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(searched, "the debounced search never submitted");
    let rows = b
        .find("#inventory-table tbody")
        .await
        .text()
        .await
        .expect("table text");
    assert!(
        rows.contains("Millennium Falcon UCS") && rows.contains("A-07"),
        "{rows}"
    );
    assert!(
        !rows.contains("Titanic"),
        "search filters the table: {rows}"
    );

    let q = InventoryQuery {
        search: Some("falcon ucs".into()),
        ..InventoryQuery::default()
    };
    let (found, total) = db::inventory::list(&app.db, &q).await.expect("list");
    assert_eq!(total, 1);
    assert_eq!(found[0].details.status.as_str(), "LISTED");
    assert_eq!(found[0].details.listing_price_minor, Some(59_999));
    b.client.clone().close().await.expect("close browser");
}
