//! Marking several orders shipped at once: one refused order queues
//! nothing and names its reason; then the orders with a tracking number
//! are queued (a blank one is skipped) and reach Amazon.

use serde_json::json;

use crate::helpers::send_text;
use crate::promises::api_get;

#[tokio::test]
async fn orders_are_marked_shipped_together_or_not_at_all() {
    let (sim, app, token, ids) = super::seller_to_ship(30).await;
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    let (status, page) = send_text(
        app.client
            .get(format!(
                "{}/orders/amazon/ship-bulk?orders={a},{b},{c}",
                app.address
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200);
    for id in [a, b, c] {
        assert!(page.contains(&format!("name=\"tracking-{id}\"")), "{page}");
    }
    let post = |c_tracking: &'static str| {
        let form = vec![
            ("carrier_code".to_owned(), "Royal Mail".to_owned()),
            ("order".to_owned(), a.clone()),
            (format!("tracking-{a}"), "RM1GB".to_owned()),
            ("order".to_owned(), b.clone()),
            (format!("tracking-{b}"), "  ".to_owned()),
            ("order".to_owned(), c.clone()),
            (format!("tracking-{c}"), c_tracking.to_owned()),
        ];
        app.client
            .post(format!("{}/orders/amazon/ship-bulk", app.address))
            .bearer_auth(&token)
            .form(&form)
    };
    let (status, refused) = send_text(post("RM/3")).await;
    assert_eq!(status, 400);
    assert!(
        refused.contains("1 orders cannot be marked shipped as they are: nothing was queued")
            && refused.contains("tracking_number: at most 64 characters"),
        "{refused}"
    );
    let shipments_of = |id: &str| format!("/api/orders/amazon/{id}/shipments");
    assert_eq!(api_get(&app, &token, &shipments_of(a)).await, json!([]));

    let done = post("RM3GB").send().await.expect("post");
    assert_eq!(done.status(), 303);
    let to = done.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(to, "/orders/amazon?shipped=2+orders");
    assert_eq!(
        api_get(&app, &token, &shipments_of(b)).await,
        json!([]),
        "blank: skipped"
    );
    let got = super::received(&sim, 2).await;
    let mut want = vec![a.clone(), c.clone()];
    want.sort();
    assert_eq!(got, want);
    sim.shutdown().await.expect("stop");
}
