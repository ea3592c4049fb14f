//! The confirm page and API over HTTP, and their empty state.

use super::seed;
use crate::helpers::{TestApp, get_json, send_json, send_text};

#[tokio::test]
async fn confirm_api_and_empty_state() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let (status, page) =
        send_text(owner.get(format!("{}/orders/amazon/confirm", app.address))).await;
    assert_eq!(status, 200);
    assert!(page.contains("No orders to confirm"));
    seed(&app.db).await;
    let c = get_json(&owner, format!("{}/api/orders/confirm", app.address)).await;
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
    let undo = format!("{}/api/orders/confirm/batches/{batch}/undo", app.address);
    let (status, _) = send_json(owner.post(&undo)).await;
    assert_eq!(status, 200);
    let (again, _) = send_json(owner.post(&undo)).await;
    assert_eq!(again, 409, "an undone batch cannot be undone twice");
}
