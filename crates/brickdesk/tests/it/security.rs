//! Accounts, sessions, tokens, CSRF, roles and escaping, over real HTTP.

use brickdesk::auth::{Role, token};
use brickdesk::config::DemoMode;
use brickdesk::db;
use brickdesk::web::route_table;
use brickdesk::web::routes::{Access, RouteInfo};
use reqwest::Method;
use time::Duration;

use crate::helpers::{PASSWORD, TestApp, assert_escaped, cookie_client, get_text, send_text};

/// Calls a route of the table with its method, path parameters filled in.
async fn call(client: &reqwest::Client, app: &TestApp, route: &RouteInfo) -> reqwest::Response {
    let method = Method::from_bytes(route.method.as_str().as_bytes()).expect("method");
    client
        .request(method, format!("{}{}", app.address, concrete(route.path)))
        .send()
        .await
        .expect("request")
}

fn concrete(path: &str) -> String {
    // Path parameters get a plausible value.
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "1" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_protected_route_refuses_an_anonymous_caller() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let table = route_table();
    let protected: Vec<_> = table
        .iter()
        .filter(|r| r.access != Access::Public)
        .collect();
    assert!(
        protected.len() >= 4,
        "the table lists the app's routes: {table:?}"
    );
    for route in protected {
        let resp = call(&app.client, &app, route).await;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.expect("body");
        if route.path.starts_with("/api/") {
            assert_eq!(status, 401, "{} {}", route.method, route.path);
            assert!(body.contains("\"unauthorized\""), "{body}");
        } else {
            assert_eq!(
                status, 303,
                "{} {} should redirect",
                route.method, route.path
            );
            assert!(
                location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?next=")),
                "{location:?}"
            );
        }
        // Nothing of the seller's data leaks into a refusal.
        for secret in ["Amazon orders", "203-", "Millennium", "A-01"] {
            assert!(
                !body.contains(secret),
                "{} {} leaked {secret}: {body}",
                route.method,
                route.path
            );
        }
    }
}

#[tokio::test]
async fn public_routes_are_only_sign_in_setup_health_assets_and_the_api_document() {
    for route in route_table()
        .into_iter()
        .filter(|r| r.access == Access::Public)
    {
        // /metrics checks for a user, a token or an allowed address itself
        // (tests/it/metrics.rs); the OpenAPI document holds no data.
        assert!(
            [
                "/login",
                "/setup",
                "/healthz",
                "/metrics",
                "/api/openapi.json",
            ]
            .contains(&route.path)
                || route.path.starts_with("/static/"),
            "unexpected public route {} {}",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn wrong_password_is_refused_and_audited() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    let (client, resp) = app.sign_in("anna", "not the password").await;
    assert_eq!(resp.status(), 401);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("Wrong username or password.")
    );
    assert_eq!(
        client.get(&app.address).send().await.expect("get").status(),
        303,
        "no session"
    );
    let (_, unknown) = app.sign_in("nobody", PASSWORD).await;
    assert_eq!(unknown.status(), 401, "unknown user looks the same");
    let audit = db::audit::latest(&app.db, 10).await.expect("audit");
    assert!(
        audit
            .iter()
            .filter(|a| a.action == "sign_in_failed")
            .count()
            >= 2
    );
}

#[tokio::test]
async fn sign_in_works_and_is_audited_and_sign_out_ends_the_session() {
    let app = TestApp::builder().spawn().await;
    let id = app.add_user("anna", Role::Owner).await;
    let (client, resp) = app.sign_in("anna", PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        client.get(&app.address).send().await.expect("get").status(),
        200
    );
    let audit = db::audit::for_entity(&app.db, "user", &id.to_string())
        .await
        .expect("audit");
    assert!(audit.iter().any(|a| a.action == "sign_in"));
    let out = client
        .post(format!("{}/logout", app.address))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert_eq!(
        client.get(&app.address).send().await.expect("get").status(),
        303,
        "signed out"
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = TestApp::builder().spawn().await;
    let id = app.add_user("anna", Role::Owner).await;
    let secret = token::new_secret();
    let mut tx = app.db.begin().await.expect("begin");
    db::users::create_session(&mut tx, &token::digest(&secret), id, Duration::seconds(-1))
        .await
        .expect("session");
    tx.commit().await.expect("commit");
    let resp = app
        .client
        .get(&app.address)
        .header("cookie", format!("bd_session={secret}"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 303, "expired session means signed out");
}

async fn token_for(app: &TestApp, name: &str) -> (i64, String) {
    let user = app.add_user(name, Role::Owner).await;
    let secret = token::new_api_token();
    let mut tx = app.db.begin().await.expect("begin");
    let id = db::users::create_token(&mut tx, "ci", &token::digest(&secret), user)
        .await
        .expect("token");
    tx.commit().await.expect("commit");
    (id, secret)
}

#[tokio::test]
async fn api_tokens_work_until_revoked() {
    let app = TestApp::builder().spawn().await;
    let (id, secret) = token_for(&app, "robot").await;
    let get = || app.client.get(&app.address).bearer_auth(&secret).send();
    assert_eq!(get().await.expect("get").status(), 200);
    let mut tx = app.db.begin().await.expect("begin");
    assert!(db::users::revoke_token(&mut tx, id).await.expect("revoke"));
    tx.commit().await.expect("commit");
    // A token verified a moment ago is trusted for a short while without
    // asking the database; after that the revocation holds.
    tokio::time::sleep(brickdesk::web::auth::TOKEN_TRUST + std::time::Duration::from_millis(100))
        .await;
    let resp = get().await.expect("get");
    assert_eq!(resp.status(), 401, "revoked token refused");
    let bogus = app
        .client
        .get(&app.address)
        .bearer_auth("bd_nope")
        .send()
        .await
        .expect("get");
    assert_eq!(bogus.status(), 401);
}

#[tokio::test]
async fn cross_site_posts_with_a_cookie_are_refused() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let logout = format!("{}/logout", app.address);
    let evil = owner
        .post(&logout)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(evil.status(), 403);
    let evil = owner
        .post(&logout)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("post");
    assert_eq!(evil.status(), 403);
    assert_eq!(
        owner.get(&app.address).send().await.expect("get").status(),
        200,
        "still signed in"
    );
    let host = app.address.trim_start_matches("http://").to_owned();
    let same = owner
        .post(&logout)
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .expect("post");
    assert_eq!(same.status(), 303);
    // Login CSRF: a cross-site form post to /login is refused too.
    let forged = cookie_client()
        .post(format!("{}/login", app.address))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", "owner"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn staff_cannot_reach_owner_routes() {
    let app = TestApp::builder().spawn().await;
    app.add_user("sam", Role::Staff).await;
    let (staff, _) = app.sign_in("sam", PASSWORD).await;
    assert_eq!(
        staff.get(&app.address).send().await.expect("get").status(),
        200
    );
    for route in route_table()
        .into_iter()
        .filter(|r| r.access == Access::Owner)
    {
        let resp = call(&staff, &app, &route).await;
        assert_eq!(resp.status(), 403, "{} {}", route.method, route.path);
    }
}

/// Saves Amazon credentials (EU, the UK marketplace) through the settings
/// form as `owner`; the answer's status.
async fn save_amazon_settings(
    owner: &reqwest::Client,
    app: &TestApp,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> u16 {
    let form = [
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("refresh_token", refresh_token),
        ("region", "eu"),
        ("marketplace_ids", "A1F83G8C2ARO7P"),
    ];
    let (status, _) = send_text(
        owner
            .post(format!("{}/settings/amazon", app.address))
            .form(&form),
    )
    .await;
    status
}

#[tokio::test]
async fn amazon_secrets_are_encrypted_at_rest_and_never_shown_again() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let client_secret = "amzn1.oa2-cs.v1.SUPERSECRETCLIENTVALUE1234";
    let refresh = "Atzr|IwEBIREFRESHTOKENVALUEXYZ9876";
    let saved = save_amazon_settings(
        &owner,
        &app,
        "amzn1.application-oa2-client.abc",
        client_secret,
        refresh,
    )
    .await;
    assert_eq!(saved, 303);
    let html = get_text(&owner, format!("{}/settings/amazon", app.address)).await;
    assert!(
        html.contains("••••1234") && html.contains("••••9876"),
        "masked hints shown"
    );
    assert!(
        !html.contains(client_secret) && !html.contains(refresh),
        "secrets never shown again"
    );
    let mut raw = std::fs::read(app.database_path()).expect("db file");
    raw.extend(std::fs::read(app.database_path().with_extension("db-wal")).unwrap_or_default());
    let haystack = String::from_utf8_lossy(&raw);
    assert!(
        !haystack.contains("SUPERSECRET") && !haystack.contains("REFRESHTOKEN"),
        "plain text in the database"
    );
    assert!(
        haystack.contains("amzn1.application-oa2-client.abc"),
        "the file was read (client id is not secret)"
    );
    let audit = db::audit::latest(&app.db, 5).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|a| a.action == "credentials_update" && !a.details_json.contains("SUPERSECRET"))
    );
}

#[tokio::test]
async fn first_run_setup_link_creates_the_owner_once() {
    let app = TestApp::builder().spawn().await;
    let link = app
        .setup_link
        .clone()
        .expect("a database without users gets a setup link");
    let token = link
        .split("token=")
        .nth(1)
        .expect("token in link")
        .to_owned();
    let anon = cookie_client();
    assert_eq!(
        anon.get(format!("{}/setup?token=wrong", app.address))
            .send()
            .await
            .expect("get")
            .status(),
        403
    );
    assert_eq!(
        anon.get(format!("{}/setup?token={token}", app.address))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    let weak = anon
        .post(format!("{}/setup", app.address))
        .form(&[
            ("token", token.as_str()),
            ("username", "boss"),
            ("password", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(weak.status(), 400);
    let form = [
        ("token", token.as_str()),
        ("username", "boss"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let made = anon
        .post(format!("{}/setup", app.address))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(made.status(), 303);
    assert_eq!(
        anon.get(&app.address).send().await.expect("get").status(),
        200,
        "signed in as the new owner"
    );
    let again = cookie_client()
        .post(format!("{}/setup", app.address))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(again.status(), 403, "the link works once");
    assert_eq!(db::users::count(&app.db).await.expect("count"), 1);
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    for _ in 0..5 {
        let (_, resp) = app.sign_in("anna", "wrong password!").await;
        assert_eq!(resp.status(), 401);
    }
    let (_, resp) = app.sign_in("anna", PASSWORD).await;
    assert_eq!(resp.status(), 429, "even the right password waits");
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("Too many failed sign-ins")
    );
}

#[tokio::test]
async fn reflected_text_is_escaped() {
    let app = TestApp::builder().spawn().await;
    app.add_user("anna", Role::Owner).await;
    let xss = "\"><img src=x onerror=alert(1)><script>alert(2)</script>";
    let (_, page) = send_text(
        app.client
            .get(format!("{}/login", app.address))
            .query(&[("next", xss)]),
    )
    .await;
    assert!(
        !page.contains("<script>alert(2)") && !page.contains("<img src=x"),
        "{page}"
    );
    let (_, resp) = app.sign_in(xss, "whatever password").await;
    let body = resp.text().await.expect("body");
    assert!(!body.contains("<script>alert(2)") && !body.contains("<img src=x"));
    let owner = app.owner().await;
    assert_eq!(save_amazon_settings(&owner, &app, xss, "x", "y").await, 303);
    let html = get_text(&owner, format!("{}/settings/amazon", app.address)).await;
    assert_escaped(&html, "<script>alert(2)", "the Amazon settings form");
}
