//! "State-changing requests made with a cookie must be same-origin …;
//! bearer-token calls are exempt", and "Session cookies are … Secure
//! behind HTTPS (`X-Forwarded-Proto: https`)".

use brickdesk::auth::Role;
use brickdesk::db::schema::InventoryItems;
use serde_json::{Value, json};

use super::{error_code, rows_in, token_for};
use crate::helpers::{PASSWORD, TestApp, cookie_client, send_json};

/// What a cross-site page would send along: each header set on its own.
const CROSS_SITE: [(&str, &str); 2] = [
    ("origin", "https://evil.example"),
    ("sec-fetch-site", "cross-site"),
];

fn new_unit(n: usize) -> Value {
    json!({
        "set_number": format!("{}", 10_000 + n),
        "item_name": "Cross-site test unit",
        "condition": "New",
        "status": "BACKLOG",
    })
}

/// `POST /api/inventory` from `client` with one cross-site header.
fn cross_site_post(
    app: &TestApp,
    client: &reqwest::Client,
    header: (&str, &str),
    n: usize,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/api/inventory", app.address))
        .header(header.0, header.1)
        .json(&new_unit(n))
}

#[tokio::test]
async fn a_bearer_token_may_post_cross_site_and_a_cookie_may_not() {
    let app = TestApp::builder().spawn().await;
    let token = token_for(&app, "robot").await;
    let cookie = app.owner().await;
    let mut created = 0;
    for (n, header) in CROSS_SITE.into_iter().enumerate() {
        let (status, body) = send_json(cross_site_post(&app, &cookie, header, n)).await;
        assert_eq!(status, 403, "{header:?} with a cookie: {body}");
        assert_eq!(error_code(&body), "forbidden");
        assert_eq!(
            rows_in(&app.db, InventoryItems::Table).await,
            created,
            "refused before any write"
        );

        let (status, body) =
            send_json(cross_site_post(&app, &app.client, header, n).bearer_auth(&token)).await;
        assert_eq!(status, 201, "{header:?} with a bearer token: {body}");
        created += 1;
        assert_eq!(rows_in(&app.db, InventoryItems::Table).await, created);
    }
    // The same cookie, same-origin, is allowed: the refusals above were
    // the cross-site rule, not the session.
    let (status, body) = send_json(
        cookie
            .post(format!("{}/api/inventory", app.address))
            .header("sec-fetch-site", "same-origin")
            .json(&new_unit(9)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// The `Set-Cookie` of a sign-in, with extra request headers.
async fn session_cookie(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let mut req = cookie_client()
        .post(format!("{}/login", app.address))
        .form(&[("username", "anna"), ("password", PASSWORD), ("next", "/")]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("sign in");
    assert_eq!(resp.status(), 303, "signed in");
    let cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("bd_session="))
        .map(str::to_owned)
        .collect();
    assert_eq!(cookies.len(), 1, "one session cookie: {cookies:?}");
    cookies[0].clone()
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_https_only() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Staff).await;
    let behind_https = attributes(&session_cookie(&app, &[("x-forwarded-proto", "https")]).await);
    let plain = attributes(&session_cookie(&app, &[]).await);
    let forwarded_http = attributes(&session_cookie(&app, &[("x-forwarded-proto", "http")]).await);
    for attrs in [&behind_https, &plain, &forwarded_http] {
        assert!(
            attrs.contains(&"httponly".to_owned()) && attrs.contains(&"samesite=lax".to_owned()),
            "{attrs:?}"
        );
    }
    assert!(
        behind_https.contains(&"secure".to_owned()),
        "{behind_https:?}"
    );
    assert!(!plain.contains(&"secure".to_owned()), "{plain:?}");
    assert!(
        !forwarded_http.contains(&"secure".to_owned()),
        "{forwarded_http:?}"
    );
}
