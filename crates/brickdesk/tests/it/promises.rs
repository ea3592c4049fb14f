//! Promises the README makes that had no test of their own (issue 26):
//! CSV import all-or-nothing at the write, job resume by heartbeat, the
//! rate-limit banner's data, "already sold" per order, the same-origin
//! rule's bearer exemption and the `Secure` cookie, the HTTP-level tests
//! on PostgreSQL (the crash test runs there too, in `crash.rs`),
//! `/orders/ebay` and a multi-page picking list. Each asserts what happened (counts, states, order of events),
//! never how long it took.

mod already_sold;
mod csv_all_or_nothing;
mod job_heartbeat;
mod listing;
mod picklist_pages;
mod rate_limit_banner;
mod same_origin;

use brickdesk::amazon::credentials;
use brickdesk::auth::secrets::SecretBox;
use brickdesk::auth::{Role, password, token};
use brickdesk::config::Config;
use brickdesk::db::{self, Db};
use brickdesk::domain::UserId;
use sea_query::{Expr, Func, Query};
use serde_json::Value;
use spapi_sim::RunningSim;

use crate::helpers::{PASSWORD, TestApp, TestDb, send_json, sim_credentials};

/// The key the stored Amazon credentials of these tests are sealed with.
pub const SECRET_KEY: &str = "7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f";

/// Runs `$check(TestDb)` on a fresh SQLite database and, when
/// `TEST_DATABASE_URL` is set, on a fresh PostgreSQL one (the check
/// decides what to start on it: storage calls or the whole app).
macro_rules! on_both_databases {
    ($($name:ident => $check:ident;)+) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$check($crate::helpers::sqlite().await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    // Without TEST_DATABASE_URL, `postgres()` said so once
                    // (and in CI it fails instead).
                    if let Some(t) = $crate::helpers::postgres().await {
                        super::$check(t).await;
                    }
                }
            }
        )+
    };
}
pub(crate) use on_both_databases;

/// Creates an owner `name` straight in `db` and an API token of theirs;
/// returns the owner and the token's secret.
pub async fn owner_with_token(db: &Db, name: &str) -> (UserId, String) {
    let hash = password::hash(PASSWORD).expect("hash");
    let secret = token::new_api_token();
    let mut tx = db.begin().await.expect("begin");
    let user = db::users::create(&mut tx, name, &hash, Role::Owner)
        .await
        .expect("create owner");
    db::users::create_token(&mut tx, "promises", &token::digest(&secret), user)
        .await
        .expect("create token");
    tx.commit().await.expect("commit");
    (user, secret)
}

/// Stores the simulator's demo seller as `owner`'s Amazon credentials,
/// sealed with [`SECRET_KEY`].
pub async fn store_sim_credentials(db: &Db, owner: UserId) {
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets = SecretBox::load_or_create(Some(SECRET_KEY), dir.path()).expect("secrets");
    credentials::save(db, &secrets, &sim_credentials(), Some(owner))
        .await
        .expect("save credentials");
}

/// The app on `t`, not in demo mode, with `sim` as its Amazon: an owner
/// whose stored credentials reach it (stored before the app starts, so
/// its first supervisor pass can already call Amazon). The app and the
/// owner's bearer token.
pub async fn app_on_sim(t: TestDb, sim: &RunningSim) -> (TestApp, String) {
    app_on_sim_configured(t, sim, |_| {}).await
}

/// [`app_on_sim`], its configuration adjusted by `adjust`.
pub async fn app_on_sim_configured(
    t: TestDb,
    sim: &RunningSim,
    adjust: impl FnOnce(&mut Config) + 'static,
) -> (TestApp, String) {
    let (owner, token) = owner_with_token(&t.db, "owner").await;
    store_sim_credentials(&t.db, owner).await;
    let app = TestApp::builder()
        .on(t)
        .amazon_sim(sim)
        .configure(|c| {
            c.secret_key = Some(SECRET_KEY.into());
            adjust(c);
        })
        .spawn()
        .await;
    (app, token)
}

/// A bearer token of a new owner `name` of `app`.
pub async fn token_for(app: &TestApp, name: &str) -> String {
    owner_with_token(&app.db, name).await.1
}

/// `GET path` with `token`, which must answer 200; the JSON body.
pub async fn api_get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = send_json(
        app.client
            .get(format!("{}{path}", app.address))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Rows in `table` (a sea-query table name of `db::schema`).
pub async fn rows_in(db: &Db, table: impl sea_query::IntoIden) -> i64 {
    let (n,): (i64,) = db
        .one(
            &Query::select()
                .expr(Func::count(Expr::col(sea_query::Asterisk)))
                .from(table)
                .to_owned(),
        )
        .await
        .expect("count rows");
    n
}

/// The API's error body: `{"error": {"code", "message"}}`; the code.
pub fn error_code(body: &Value) -> &str {
    let code = body["error"]["code"].as_str();
    assert!(
        code.is_some() && body["error"]["message"].is_string(),
        "an API error body: {body}"
    );
    code.unwrap_or_default()
}
