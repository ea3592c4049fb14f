//! Hostile and careless input over real HTTP: numbers out of range,
//! control characters, malformed requests, and the headers every response
//! carries. Each answer must be a clear 4xx in the app's error format,
//! never a panic or a 500.

use brickdesk::config::DemoMode;
use brickdesk::web::defences::{CONTENT_SECURITY_POLICY, SECURITY_HEADERS};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, postgres, sqlite};
use crate::promises::owner_with_token;

/// An API token of a new owner.
async fn api_token(app: &TestApp) -> String {
    owner_with_token(&app.db, "robot").await.1
}

/// Sends `req` and returns its status and JSON error body, checking the
/// body is the documented error shape.
async fn json_error(req: reqwest::RequestBuilder) -> (u16, String, String) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("body");
    assert!(
        content_type.starts_with("application/json"),
        "{status} answered {content_type}: {text}"
    );
    let body: Value = serde_json::from_str(&text).expect("error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !code.is_empty() && !message.is_empty(),
        "error shape: {text}"
    );
    (status, code, message)
}

async fn numbers_out_of_range_are_refused(t: TestDb) {
    let app = TestApp::builder().demo(DemoMode::On).on(t).spawn().await;
    let token = api_token(&app).await;
    let get = |path: &str| {
        app.client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&token)
    };
    for path in [
        "/api/inventory?page=1000000000000000000",
        "/api/orders/amazon?page=1000000000000000000",
        "/api/orders/amazon?page=18446744073709551616",
        "/api/orders/amazon?page_size=1000000000000000000",
        "/api/inventory?page=-1",
        "/api/inventory/99999999999999999999999",
        "/api/inventory/abc",
        "/api/orders/confirm/batches/abc",
        "/api/orders/confirm/batches/99999999999999999999999",
    ] {
        let (status, code, message) = json_error(get(path)).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "bad_request"),
            "{path}: {message}"
        );
    }
    // Within range but beyond the data: an empty page, not an error.
    let resp = get("/api/orders/amazon?page=1000000")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    let page: Value = resp.json().await.expect("json");
    assert_eq!(page["orders"].as_array().map(Vec::len), Some(0), "{page}");
    assert!(page["total"].as_i64().unwrap_or_default() > 0, "{page}");

    // A page shows its last page instead.
    let owner = app.owner().await;
    for path in [
        "/orders/amazon?page=1000000000000000000",
        "/inventory?page=1000000000000000000",
        "/orders?page=999999",
    ] {
        let resp = owner
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.expect("html");
        assert!(html.contains("<tbody"), "{path} shows its table");
        assert!(!html.contains("Next"), "{path} is the last page");
    }
}

#[tokio::test]
async fn numbers_out_of_range_are_refused_sqlite() {
    numbers_out_of_range_are_refused(sqlite().await).await;
}

#[tokio::test]
async fn numbers_out_of_range_are_refused_postgres() {
    if let Some(t) = postgres().await {
        numbers_out_of_range_are_refused(t).await;
    }
}

async fn control_characters_are_refused(t: TestDb) {
    let app = TestApp::builder().demo(DemoMode::On).on(t).spawn().await;
    let token = api_token(&app).await;
    let url = |path: &str| format!("{}{path}", app.address);
    for (path, field) in [
        ("/api/orders/amazon?search=falcon%00", "search"),
        ("/api/inventory?search=%00", "search"),
        ("/api/inventory?location=A%0A01", "location"),
        (
            "/api/orders/amazon/203-0000000-0000000%00/unmatched",
            "order_id",
        ),
    ] {
        let (status, _, message) = json_error(app.client.get(url(path)).bearer_auth(&token)).await;
        assert_eq!(status, 400, "{path}: {message}");
        assert!(message.starts_with(field), "{path}: {message}");
    }
    let unit = |name: &str, notes: &str| {
        json!({"set_number": "75192-1", "item_name": name, "condition": "New",
               "status": "BACKLOG", "notes": notes})
    };
    let post = |body: Value| {
        app.client
            .post(url("/api/inventory"))
            .bearer_auth(&token)
            .json(&body)
    };
    let (status, _, message) = json_error(post(unit("Falcon\u{0}", ""))).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.starts_with("item_name contains"), "{message}");
    let (status, _, message) = json_error(post(unit("Falcon", "a\u{1b}b"))).await;
    assert!(status == 400 && message.starts_with("notes"), "{message}");
    // A multi-line field keeps its line breaks and tabs.
    let resp = post(unit("Falcon", "box dented\r\n\tcorner"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 201);

    // A page's filter gets an HTML 400 naming the field, not a 500.
    let owner = app.owner().await;
    let resp = owner
        .get(url("/orders/amazon?search=%00"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.expect("html").contains("search contains"));
}

#[tokio::test]
async fn control_characters_are_refused_sqlite() {
    control_characters_are_refused(sqlite().await).await;
}

#[tokio::test]
async fn control_characters_are_refused_postgres() {
    if let Some(t) = postgres().await {
        control_characters_are_refused(t).await;
    }
}

#[tokio::test]
async fn every_api_error_is_the_json_error_body() {
    let app = TestApp::builder().spawn().await;
    let token = api_token(&app).await;
    let url = |path: &str| format!("{}{path}", app.address);
    let cases = [
        (app.client.get(url("/api/no-such-thing")), 404, "not_found"),
        (
            app.client.put(url("/api/inventory")),
            405,
            "method_not_allowed",
        ),
        (
            app.client
                .post(url("/api/inventory"))
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "bad_request",
        ),
        (
            app.client.post(url("/api/inventory")).body("set_number=1"),
            415,
            "unsupported_media_type",
        ),
        (
            app.client
                .post(url("/api/inventory"))
                .json(&json!({"set_number": 7})),
            400,
            "bad_request",
        ),
        (
            app.client
                .post(url("/api/orders/confirm"))
                .json(&json!({"orders": "none"})),
            400,
            "bad_request",
        ),
        (
            app.client
                .delete(url("/api/amazon/asin-mappings"))
                .query(&[("nothing", "here")]),
            400,
            "bad_request",
        ),
    ];
    for (req, status, code) in cases {
        let (got, got_code, message) = json_error(req.bearer_auth(&token)).await;
        assert_eq!((got, got_code.as_str()), (status, code), "{message}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    for path in [
        "/login",
        "/",
        "/orders/amazon",
        "/static/app.js",
        "/api/orders/amazon",
        "/api/no-such-thing",
        "/no-such-page",
        "/healthz",
        "/api/picking-list/amazon",
    ] {
        let resp = owner
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("get");
        let headers = resp.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        let pdf = headers
            .get("content-type")
            .is_some_and(|ct| ct.as_bytes().starts_with(b"application/pdf"));
        if !pdf {
            assert_eq!(csp, CONTENT_SECURITY_POLICY, "{path}");
        }
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(
                headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{path}: {name}"
            );
        }
    }
}

/// Every query parameter of the JSON API's GET routes, with the routes
/// that read it.
const QUERY_PARAMETERS: &[(&str, &[&str])] = &[
    (
        "/api/orders/amazon",
        &["search", "status", "match", "platform", "page", "page_size"],
    ),
    (
        "/api/inventory",
        &[
            "search",
            "status",
            "condition",
            "location",
            "sort",
            "dir",
            "page",
            "page_size",
        ],
    ),
    ("/api/picking-list/amazon", &["format"]),
    ("/api/amazon/asin-mappings", &["asin"]),
];

/// Path parameters of the JSON API's GET routes (`{}` is replaced).
const PATH_PARAMETERS: &[&str] = &[
    "/api/inventory/{}",
    "/api/orders/amazon/{}/unmatched",
    "/api/orders/confirm/batches/{}",
];

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "[0-9]{17,40}",
        "-?[0-9]{1,3}(\\.[0-9]+)?(e[0-9]{1,3})?",
        "[\\x00-\\x1f%'\"\\\\;*?_]{1,6}",
        Just(String::new()),
    ]
}

#[test]
fn no_query_or_path_value_makes_the_api_fail() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (app, token) = rt.block_on(async {
        let app = TestApp::builder().demo(DemoMode::On).spawn().await;
        let token = api_token(&app).await;
        (app, token)
    });
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let routes = QUERY_PARAMETERS
        .iter()
        .flat_map(|(path, params)| params.iter().map(move |p| (*path, Some(*p))))
        .chain(PATH_PARAMETERS.iter().map(|p| (*p, None)))
        .collect::<Vec<_>>();
    let strategy = (proptest::sample::select(routes), hostile_value());
    runner
        .run(&strategy, |((path, param), value)| {
            let (status, body) = rt.block_on(async {
                let req = match param {
                    Some(name) => app
                        .client
                        .get(format!("{}{path}", app.address))
                        .query(&[(name, value.as_str())]),
                    None => {
                        let segment: String =
                            url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                        let segment = if segment.is_empty() {
                            "x".into()
                        } else {
                            segment
                        };
                        app.client
                            .get(format!("{}{}", app.address, path.replace("{}", &segment)))
                    }
                };
                let resp = req.bearer_auth(&token).send().await.expect("request");
                let status = resp.status().as_u16();
                (status, resp.text().await.unwrap_or_default())
            });
            prop_assert!(
                status < 500,
                "{path} {param:?}={value:?} answered {status}: {body}"
            );
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
