//! LWA errors, token checks, and Amazon's input validation.

use spapi::finances::ListFinancialEvents;
use spapi::orders_v0::GetOrders;
use spapi::{Client, Error};
use spapi_sim::{SimClock, SimConfig};
use time::{Duration, OffsetDateTime};

use super::{client_config, fast, json, long_ago, start};

#[tokio::test]
async fn lwa_rejects_bad_credentials_with_its_error_codes() {
    let (sim, _) = start(fast(2)).await;
    let mut config = client_config(&sim);
    config.refresh_token = "Atzr|wrong".into();
    let err = Client::new(config.clone())
        .unwrap()
        .check_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(e) if e.code == "invalid_grant"),
        "{err:?}"
    );
    config.client_secret = "wrong".into();
    let err = Client::new(config)
        .unwrap()
        .get_order("203-1234567-1234567")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(e) if e.code == "invalid_client" && e.status == 401),
        "{err:?}"
    );
    assert_eq!(sim.stats().requests, 0);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn api_requires_a_valid_access_token_and_ignores_host_and_unknown_params() {
    let (sim, client) = start(fast(2)).await;
    client.check_credentials().await.unwrap();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/orders/v0/orders?MarketplaceIds=A1F83G8C2ARO7P&CreatedAfter=2020-01-01T00:00:00Z",
        sim.base_url()
    );
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().contains_key("x-amzn-requestid"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "Unauthorized");

    let grant = serde_json::json!({
        "grant_type": "refresh_token",
        "refresh_token": spapi_sim::DEMO_REFRESH_TOKEN,
        "client_id": spapi_sim::DEMO_CLIENT_ID,
        "client_secret": spapi_sim::DEMO_CLIENT_SECRET,
    });
    let token: serde_json::Value = json(http.post(sim.lwa_token_url()).json(&grant)).await;
    assert_eq!(token["expires_in"], 3600);
    let response = http
        .get(format!("{url}&SomethingNew=1"))
        .header("host", "sellingpartnerapi-eu.amazon.com")
        .header(
            "x-amz-access-token",
            token["access_token"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-amzn-ratelimit-limit"], "16.7");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["payload"]["Orders"].as_array().unwrap().len(), 2);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_inputs_come_back_as_invalid_input_and_not_found() {
    let (sim, client) = start(fast(2)).await;
    let mut both = GetOrders::created_after(long_ago());
    both.last_updated_after = Some(long_ago());
    let err = client.get_orders_page(&both, None).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.code == "InvalidInput" && e.status == 400),
        "{err:?}"
    );

    let mut big = GetOrders::created_after(long_ago());
    big.max_results_per_page = Some(101);
    assert!(matches!(
        client.get_orders_page(&big, None).await,
        Err(Error::InvalidInput(_))
    ));

    let mut bad_status = GetOrders::created_after(long_ago());
    bad_status.order_statuses = vec!["Lost".into()];
    assert!(matches!(
        client.get_orders_page(&bad_status, None).await,
        Err(Error::InvalidInput(_))
    ));

    let now = OffsetDateTime::now_utc();
    let wide = ListFinancialEvents {
        posted_after: now - Duration::days(200),
        posted_before: Some(now),
        max_results_per_page: None,
    };
    let err = client
        .list_financial_events_page(&wide, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.message.contains("180 days")),
        "{err:?}"
    );

    // "Before" later than two minutes ago is clamped by the client, so Amazon accepts it.
    let mut recent = GetOrders::created_after(now - Duration::days(1));
    recent.created_before = Some(now);
    let page = client.get_orders_page(&recent, None).await.unwrap();
    let before = time::OffsetDateTime::parse(
        page.created_before.as_deref().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(before <= OffsetDateTime::now_utc() - Duration::minutes(2));

    let err = client.get_order("203-0000000-0000000").await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(e) if e.request_id.is_some()),
        "{err:?}"
    );
    assert!(matches!(
        client.get_order_v0("not-an-order").await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        client
            .get_order_items_page("203-0000000-0000000", Some("bogus+/=".into()))
            .await,
        Err(Error::NotFound(_))
    ));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn control_endpoints_are_off_unless_enabled_and_change_the_seller() {
    let (sim, client) = start(fast(3)).await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{}/_sim/orders", sim.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sim.shutdown().await.unwrap();

    let (sim, _) = start(SimConfig {
        control_enabled: true,
        ..fast(3)
    })
    .await;
    let client = {
        drop(client);
        Client::new(client_config(&sim)).unwrap()
    };
    let mut order = sim.orders_snapshot()[0].clone();
    order.order_id = "206-7654321-7654321".into();
    order.status = spapi_sim::OrderStatus::Unshipped;
    let response = http
        .post(format!("{}/_sim/orders", sim.base_url()))
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let fetched = client.get_order(&order.order_id).await.unwrap();
    assert_eq!(fetched.fulfillment.unwrap().fulfillment_status, "UNSHIPPED");
    let listed: Vec<spapi_sim::SimOrder> =
        json(http.get(format!("{}/_sim/orders", sim.base_url()))).await;
    assert_eq!(listed.len(), 4);
    let response = http
        .post(format!("{}/_sim/faults", sim.base_url()))
        .body("500#1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    client.get_order(&order.order_id).await.unwrap();
    assert_eq!(sim.stats().faults_injected, 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_amazon_is_a_transport_error_after_the_retries() {
    let (sim, _) = start(fast(1)).await;
    let mut config = client_config(&sim);
    sim.shutdown().await.unwrap();
    config.max_retries = 2;
    let client = Client::new(config).unwrap();
    let call = client.get_order("203-1234567-1234567");
    // Only a client that never stops retrying reaches this net.
    let err = tokio::time::timeout(std::time::Duration::from_secs(60), call)
        .await
        .expect("the retries end")
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn the_access_token_is_cached_while_valid() {
    // The client refreshes a 3600 s token after 3540 s, far beyond this test.
    let (sim, client) = start(fast(2)).await;
    let id = sim.orders_snapshot()[0].order_id.clone();
    for _ in 0..3 {
        client.get_order(&id).await.unwrap();
    }
    let stats = sim.stats();
    assert_eq!(stats.tokens_issued, 1, "cached while valid");
    assert_eq!(stats.by_operation["getOrder"], 3);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_access_token_is_refreshed_before_it_expires() {
    // The client refreshes a 1 s token 0.9 s after asking for it (its own
    // clock, real time); the simulator expires it when the test says so.
    let clock = SimClock::manual();
    let config = SimConfig {
        token_lifetime: std::time::Duration::from_secs(1),
        clock: clock.clone(),
        ..fast(2)
    };
    let (sim, client) = start(config).await;
    let id = sim.orders_snapshot()[0].order_id.clone();
    client.get_order(&id).await.unwrap();
    assert_eq!(sim.stats().tokens_issued, 1);
    // Sleeps never end early: past this the client must refresh.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    clock.advance(std::time::Duration::from_secs(1));
    client.get_order(&id).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.tokens_issued, 2, "refreshed");
    assert_eq!(
        stats.unauthorized, 0,
        "never sent the token the simulator had expired"
    );
    sim.shutdown().await.unwrap();
}
