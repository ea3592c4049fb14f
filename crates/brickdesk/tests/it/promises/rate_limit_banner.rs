//! "On a 429 the job shows '⚠️ Rate limit reached … resume in N seconds'",
//! and the progress carries `rateLimitedUntil` and
//! `estimatedSecondsRemaining`. A simulator of the test's own answers the
//! backfill's eleventh call with a 429; at its time scale of 0.05 the
//! client then holds back for about 40 s, long enough to read the JSON
//! and the page, and the test stops the job there.

use std::time::Duration;

use serde_json::{Value, json};
use spapi_sim::FaultSpec;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::app_on_sim;
use crate::amazon_sync::{SAFETY_NET, item_calls};
use crate::helpers::{TestApp, send_json, send_text, sqlite};

/// Orders whose lines the backfill fetches: fewer than the report
/// threshold, so one getOrderItems call per order.
const ORDERS: usize = 45;
/// getOrderItems calls answered before the injected 429.
const ANSWERED: u64 = 10;

/// The owner's request to `path` of `app`.
fn request(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
}

async fn progress(app: &TestApp, token: &str) -> Value {
    let (status, p) = send_json(request(
        app,
        token,
        reqwest::Method::GET,
        "/api/orders/backfill",
    ))
    .await;
    assert_eq!(status, 200, "{p}");
    p
}

async fn progress_until(app: &TestApp, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let poll = async {
        loop {
            let p = progress(app, token).await;
            if done(&p) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, poll)
        .await
        .expect("the backfill reached the awaited state")
}

/// The text of the rate-limit banner on `/orders`, tags removed, or
/// `None` while it is hidden.
async fn banner(app: &TestApp, token: &str) -> Option<String> {
    let (status, html) = send_text(request(app, token, reqwest::Method::GET, "/orders")).await;
    assert_eq!(status, 200);
    let start = html
        .find(r#"id="backfill-rate-limited""#)
        .expect("the banner is on the page, shown or hidden");
    let open_end = start + html[start..].find('>').expect("the tag ends");
    if html[start..open_end].contains("hidden") {
        return None;
    }
    let inner = &html[open_end + 1..];
    let inner = &inner[..inner.find("</div>").expect("the banner ends")];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// N of "resume in N seconds".
fn resume_seconds(text: &str) -> i64 {
    let rest = text
        .split_once("resume in ")
        .unwrap_or_else(|| panic!("'resume in' in {text:?}"))
        .1;
    let (n, after) = rest.split_once(' ').expect("a number, then a word");
    assert!(after.starts_with("seconds"), "{text:?}");
    n.parse()
        .unwrap_or_else(|_| panic!("a whole number of seconds in {text:?}"))
}

fn time_of(p: &Value, field: &str) -> OffsetDateTime {
    let text = p[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is set: {p}"));
    OffsetDateTime::parse(text, &Rfc3339).expect("RFC 3339")
}

#[tokio::test]
async fn a_429_shows_when_fetching_resumes_and_the_banner_says_so() {
    let sim = crate::amazon_sync::sim(ORDERS, 0.05, "").await;
    let (app, token) = app_on_sim(sqlite().await, &sim).await;
    let post = |path: &str| request(&app, &token, reqwest::Method::POST, path);
    let (status, synced) = send_json(
        post("/api/integrations/amazon/sync").json(&json!({"api": "v0", "windowDays": 3650})),
    )
    .await;
    assert_eq!(
        (status, &synced["state"]),
        (200, &json!("done")),
        "{synced}"
    );
    let idle = progress(&app, &token).await;
    let missing = idle["ordersNeedingBackfill"].as_i64().expect("missing");
    assert!(missing > ANSWERED as i64 + 1, "{idle}");
    assert_eq!(
        (
            &idle["rateLimitedUntil"],
            &idle["estimatedSecondsRemaining"]
        ),
        (&Value::Null, &Value::Null),
        "{idle}"
    );
    assert_eq!(banner(&app, &token).await, None, "no banner before a 429");
    assert_eq!(item_calls(&sim), 0, "a v0 sync fetches no lines");

    // Request numbers count from here: the 11th getOrderItems is refused.
    sim.set_faults(FaultSpec::parse(&format!("429#{}", ANSWERED + 1)).expect("fault spec"));
    let (status, started) =
        send_json(post("/api/orders/backfill").json(&json!({"mode": "per_order"}))).await;
    assert_eq!(status, 201, "{started}");

    let limited = progress_until(&app, &token, |p| p["state"] == "rate_limited").await;
    assert_eq!(limited["isRunning"], true, "{limited}");
    assert_eq!(
        limited["processed"], ANSWERED,
        "the orders before the 429 are stored"
    );
    assert_eq!(item_calls(&sim), ANSWERED + 1);
    assert_eq!(sim.stats().faults_injected, 1);
    let until = time_of(&limited, "rateLimitedUntil");
    let started_at = time_of(&limited, "startedAt");
    assert!(until > started_at, "{limited}");
    let eta = limited["estimatedSecondsRemaining"]
        .as_i64()
        .unwrap_or_else(|| panic!("an estimate once orders are done: {limited}"));
    assert!(
        eta > 0,
        "{missing} orders less {ANSWERED} remain: {limited}"
    );

    let text = banner(&app, &token)
        .await
        .expect("the banner shows while the job waits");
    assert!(text.contains("⚠️ Rate limit reached"), "{text:?}");
    let n = resume_seconds(&text);
    let longest = (until - started_at).as_seconds_f64().ceil() as i64;
    assert!(
        (1..=longest).contains(&n),
        "resume in {n} s, and the wait ends {longest} s after the start: {text:?}"
    );

    // Stopped during the wait: no further call, and no banner.
    let (status, stopped) = send_json(request(
        &app,
        &token,
        reqwest::Method::DELETE,
        "/api/orders/backfill",
    ))
    .await;
    assert_eq!(status, 200, "{stopped}");
    let end = progress_until(&app, &token, |p| p["isRunning"] == false).await;
    assert_eq!(end["state"], "stopped", "{end}");
    assert_eq!(
        (&end["rateLimitedUntil"], &end["estimatedSecondsRemaining"]),
        (&Value::Null, &Value::Null),
        "{end}"
    );
    assert_eq!(item_calls(&sim), ANSWERED + 1, "no call made while waiting");
    assert_eq!(banner(&app, &token).await, None, "no banner once stopped");
    sim.shutdown().await.expect("simulator stops");
}
