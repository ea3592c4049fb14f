//! Tracking numbers from a postage tool's CSV export: the preview names
//! each row's order or what is wrong with it and queues nothing; a send
//! with a bad row queues nothing; sending the good rows queues exactly
//! those, and they reach Amazon.

use serde_json::{Value, json};

use crate::amazon_sync::{SAFETY_NET, sim_config, spawn_sim};
use crate::helpers::{TestApp, hidden_value, multipart_body, send_json, send_text, sqlite};
use crate::promises::{api_get, app_on_sim};

async fn import(app: &TestApp, token: &str, mode: &str, csv: &str) -> (u16, Value) {
    send_json(
        app.client
            .post(format!("{}/api/shipments/import?mode={mode}", app.address))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_owned()),
    )
    .await
}

#[tokio::test]
async fn a_tracking_export_is_previewed_then_its_good_rows_sent() {
    let sim = spawn_sim(sim_config(40, 400.0, "")).await;
    sim.update_seller(brickdesk_bench::ship::all_to_ship);
    let orders = sim.orders_snapshot();
    let (a, b) = (orders[0].order_id.clone(), orders[1].order_id.clone());
    let (app, token) = app_on_sim(sqlite().await, &sim).await;
    let (status, synced) = send_json(
        app.client
            .post(format!("{}/api/integrations/amazon/sync", app.address))
            .bearer_auth(&token)
            .json(&json!({"windowDays": 3650})),
    )
    .await;
    assert_eq!(status, 200, "{synced}");
    let when = (time::OffsetDateTime::now_utc() - time::Duration::minutes(2))
        .format(time::macros::format_description!(
            "[day]/[month]/[year] [hour]:[minute]"
        ))
        .expect("format");
    let csv = format!(
        "Order reference,Tracking number,Shipping service,Despatch date\n\
         {a},AB123456785GB,Royal Mail Tracked 48,{when}\n\
         203-0000000-0000000,CD1,Tracked 24,{when}\n\
         {b},,Tracked 24,{when}\n\
         {a},EF1,Tracked 24,{when}\n"
    );
    let (status, preview) = import(&app, &token, "preview", &csv).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (preview["good"].clone(), preview["bad"].clone()),
        (json!(1), json!(3))
    );
    let errors: Vec<&str> = preview["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["error"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        errors,
        [
            "ok",
            "no Amazon order 203-0000000-0000000",
            "no tracking number",
            &format!("order {a} is in the file twice")
        ]
    );
    assert_eq!(preview["rows"][0]["carrier_code"], "Royal Mail");
    let shipments = format!("/api/orders/amazon/{a}/shipments");
    assert_eq!(
        api_get(&app, &token, &shipments).await,
        json!([]),
        "a preview queues nothing"
    );

    let (status, refused) = import(&app, &token, "send", &csv).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["queued"], 0);
    assert_eq!(
        api_get(&app, &token, &shipments).await,
        json!([]),
        "nothing sent"
    );

    // The page: upload, preview, then send the good rows.
    let boundary = "----brickdeskTracking";
    let preview = send_text(
        app.client
            .post(format!("{}/orders/amazon/tracking/preview", app.address))
            .bearer_auth(&token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart_body(
                boundary,
                "click-and-drop.csv",
                csv.as_bytes(),
            )),
    )
    .await;
    assert_eq!(preview.0, 200, "{}", preview.1);
    assert!(
        preview.1.contains("1 rows can be sent, 3 have errors")
            && preview.1.contains("Send the 1 good rows, leave 3 out")
            && preview.1.contains("no Amazon order 203-0000000-0000000"),
        "{}",
        preview.1
    );
    assert_eq!(
        api_get(&app, &token, &shipments).await,
        json!([]),
        "a preview queues nothing"
    );
    let sent = send_text(
        app.client
            .post(format!("{}/orders/amazon/tracking/send", app.address))
            .bearer_auth(&token)
            .form(&[
                ("file_b64", hidden_value(&preview.1, "file_b64")),
                ("mode", "send_good"),
            ]),
    )
    .await;
    assert_eq!(sent.0, 200, "{}", sent.1);
    assert!(
        sent.1
            .contains("1 shipments queued for Amazon, 3 rows left out"),
        "{}",
        sent.1
    );
    let arrived = async {
        loop {
            if sim.update_seller(|s| s.shipments.len()) == 1 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, arrived)
        .await
        .expect("Amazon got it");
    let received = sim.update_seller(|s| s.shipments[0].clone());
    assert_eq!(
        (
            received.order_id.as_str(),
            received.tracking_number.as_str()
        ),
        (a.as_str(), "AB123456785GB")
    );
    sim.shutdown().await.expect("stop");
}
