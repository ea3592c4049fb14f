//! [Mark Shipped] from the row menu of `/orders/amazon`, in a real
//! browser against the demo's built-in simulator: the dialog refuses a
//! blank tracking number in its own words, queues the package, the page
//! says so, and Amazon (the simulator) takes it; the dialog then shows the
//! package sent and nothing left to ship.

use std::time::Duration;

use brickdesk::auth::Role;
use brickdesk::config::DemoMode;
use brickdesk::db;
use brickdesk::domain::shipment::ShipmentState;
use brickdesk::domain::{FulfillmentChannel, Platform, UiStatus};

use super::Browser;
use crate::helpers::{TestApp, orders_query};

#[tokio::test]
async fn mark_an_order_shipped_from_the_row_menu() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    app.add_user("anna", Role::Owner).await;
    let q = db::orders::OrderListQuery {
        status: Some(UiStatus::Paid),
        channel: Some(FulfillmentChannel::Mfn),
        ..orders_query(Some(Platform::Amazon), 100)
    };
    let (paid, _) = db::orders::list_orders(&app.db, &q).await.expect("orders");
    let order = paid
        .iter()
        .find(|o| o.lines_total > 0)
        .expect("the demo has a Paid order the seller ships, with its lines")
        .clone();
    let id = order.reported.platform_order_id.clone();

    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    b.open(&app, &format!("/orders/amazon?search={id}")).await;
    let row = format!("tr[data-order-id='{id}']");
    b.click(&format!("{row} details.menu summary")).await;
    b.click(&format!("{row} a[data-action=mark-shipped]")).await;
    b.find("dialog#bd-dialog[open] #ship-form").await;
    b.find("dialog select[name=carrier_code]")
        .await
        .select_by_value("DPD")
        .await
        .expect("carrier");
    // Spaces only: the browser lets it through, Brickdesk says why not.
    b.find("dialog input[name=tracking_number]")
        .await
        .send_keys("   ")
        .await
        .expect("type");
    b.click("dialog #ship-form button[type=submit]").await;
    b.wait_for_text("tracking_number: the tracking number must not be empty")
        .await;
    assert!(
        db::shipments::for_order(&app.db, order.id)
            .await
            .expect("read")
            .is_empty(),
        "nothing queued"
    );
    // The refusal is the dialog's page, with what was typed kept.
    let carrier = b.find("#ship-form select[name=carrier_code]").await;
    assert_eq!(
        carrier.prop("value").await.expect("value").as_deref(),
        Some("DPD")
    );
    let tracking = b.find("#ship-form input[name=tracking_number]").await;
    tracking.clear().await.expect("clear");
    tracking.send_keys("15501234567890").await.expect("type");
    b.click("#ship-form button[type=submit]").await;
    b.wait_for_text(&format!("Shipment of {id} queued")).await;

    // Amazon receives it; the package ends sent.
    let received = async {
        loop {
            let rows = db::shipments::for_order(&app.db, order.id)
                .await
                .expect("read");
            if rows.iter().all(|r| r.state == ShipmentState::Sent) && !rows.is_empty() {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let rows = tokio::time::timeout(Duration::from_secs(30), received)
        .await
        .expect("the package was sent");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].carrier_code, "DPD");

    b.open(&app, &format!("/orders/amazon/{id}/ship")).await;
    b.find("[data-package-state=sent]").await;
    b.wait_for_text("Every unit of this order is in a package")
        .await;
}
