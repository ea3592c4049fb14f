//! The confirm page and API over HTTP, and their empty state.

use super::seed;
use crate::helpers::TestApp;

#[tokio::test]
async fn confirm_api_and_empty_state() {
    let app = TestApp::builder().spawn().await;
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
