//! Tracking numbers from a postage tool's CSV export: the preview names
//! each row's order or what is wrong with it and queues nothing; a send
//! with a bad row queues nothing; sending the good rows queues exactly
//! those, and they reach Amazon.

use serde_json::{Value, json};

use crate::helpers::{TestApp, hidden_value, multipart_body, send_json, send_text};
use crate::promises::api_get;

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
    let (sim, app, token, ids) = super::seller_to_ship(40).await;
    let (a, b) = (ids[0].clone(), ids[1].clone());
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
    assert_eq!(super::received(&sim, 1).await, std::slice::from_ref(&a));
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
