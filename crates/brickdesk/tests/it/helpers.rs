//! Fresh databases and a running app for each test.

use std::sync::atomic::{AtomicU64, Ordering};

use brickdesk::Application;
use brickdesk::amazon::credentials::{Credentials, Region};
use brickdesk::config::{Config, DemoMode};
use brickdesk::db::Db;
use brickdesk::db::inventory::{InventoryQuery, InventoryRow};
use brickdesk::db::orders::OrderListQuery;
use brickdesk::domain::Platform;
use serde_json::Value;

/// A database that lives as long as the value (temp dir or scratch PG db).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop the scratch PostgreSQL database. Drop cannot await, so a
        // short-lived thread with its own runtime does it; FORCE ends the
        // test's own connections still open.
        if let Some((admin_url, name)) = self.pg_admin.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(Db::Postgres(pool)) = Db::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A fresh, migrated SQLite database in its own temp folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&url).await.expect("connect sqlite");
    db.migrate().await.expect("migrate sqlite");
    TestDb {
        db,
        url,
        _dir: Some(dir),
        pg_admin: None,
    }
}

/// Whether this is a CI run (`CI` set, and not to "false"): there the
/// optional parts must be installed and nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// A part of the tests that needs something outside Rust.
#[derive(Clone, Copy, Debug)]
pub enum Optional {
    /// A PostgreSQL server named by `TEST_DATABASE_URL`.
    Postgres,
    /// Chromium and chromedriver.
    Browser,
    /// `pdftotext` from poppler-utils.
    Pdftotext,
}

impl Optional {
    /// What is skipped, and how to run it.
    fn what_and_how(self) -> (&'static str, &'static str) {
        match self {
            Optional::Postgres => (
                "the PostgreSQL half of the storage tests",
                "set TEST_DATABASE_URL=postgres://USER@127.0.0.1:5432/postgres \
                 (a user who may create databases) to run it",
            ),
            Optional::Browser => (
                "the browser tests",
                "install Chromium and chromedriver (or set CHROMIUM and CHROMEDRIVER \
                 to their paths) to run them",
            ),
            Optional::Pdftotext => (
                "the picking-list PDF text test",
                "install poppler-utils (pdftotext) to run it",
            ),
        }
    }

    /// Skips a test whose optional part is missing: one line on stderr the
    /// first time in this process, nothing for the next tests. In CI it
    /// fails the test instead.
    pub fn skip(self, why: &str) {
        let (what, how) = self.what_and_how();
        if in_ci() {
            panic!("{what} may not be skipped in CI: {why}");
        }
        static SAID: [std::sync::Once; 3] = [const { std::sync::Once::new() }; 3];
        SAID[self as usize].call_once(|| {
            use std::io::Write as _;
            // Straight to stderr: the test harness keeps what `eprintln!`
            // prints to itself unless the test fails.
            let _ = writeln!(std::io::stderr(), "skipped {what}: {why}; {how}");
        });
    }
}

/// The PostgreSQL server to test against. In CI it must be set: a run whose
/// PostgreSQL half silently skipped would be a lie.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            Optional::Postgres.skip("TEST_DATABASE_URL is not set");
            None
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated PostgreSQL database, or `None` when no server is
/// configured (only outside CI).
pub async fn postgres() -> Option<TestDb> {
    let admin_url = postgres_url()?;
    let name = format!(
        "bd_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let admin = Db::connect(&admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    let Db::Postgres(pool) = &admin else {
        panic!("TEST_DATABASE_URL must be a postgres:// URL")
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(pool)
        .await
        .expect("create scratch database");
    admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL parses");
    url.set_path(&name);
    let db = Db::connect(url.as_str())
        .await
        .expect("connect scratch database");
    db.migrate().await.expect("migrate postgres");
    Some(TestDb {
        db,
        url: url.to_string(),
        _dir: None,
        pg_admin: Some((admin_url, name)),
    })
}

/// Runs raw SQL on whichever engine `db` is: what another program sharing
/// the database, or a test's own sabotage, would do.
pub async fn raw(db: &Db, sql: &str) {
    try_raw(db, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// [`raw`], for a statement the database may refuse.
pub async fn try_raw(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    let text = || sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(pool) => sqlx::query(text()).execute(pool).await.map(drop),
        Db::Postgres(pool) => sqlx::query(text()).execute(pool).await.map(drop),
    }
}

/// The number a raw `SELECT COUNT(*) …` answers.
pub async fn raw_count(db: &Db, sql: &str) -> i64 {
    let text = || sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(text()).fetch_one(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar(text()).fetch_one(pool).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs a storage check on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident => $check:ident;)+) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let t = $crate::helpers::sqlite().await;
                    super::$check(&t.db).await;
                }

                #[tokio::test]
                async fn postgres() {
                    // Without TEST_DATABASE_URL, `postgres()` said so once.
                    if let Some(t) = $crate::helpers::postgres().await {
                        super::$check(&t.db).await;
                    }
                }
            }
        )+
    };
}
pub(crate) use on_both_backends;

/// The app running on 127.0.0.1 with a random port.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// A client without a session (no cookies kept, no redirects followed).
    pub client: reqwest::Client,
    pub setup_link: Option<String>,
    _data_dir: tempfile::TempDir,
    db_owner: TestDb,
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// A client that keeps cookies and does not follow redirects.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    /// The URL of the app's database.
    pub fn database_url(&self) -> &str {
        &self.db_owner.url
    }

    /// The database file of the app (SQLite).
    pub fn database_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.db_owner.url.trim_start_matches("sqlite://"))
    }

    /// Adds a user straight into the database.
    pub async fn add_user(
        &self,
        name: &str,
        role: brickdesk::auth::Role,
    ) -> brickdesk::domain::UserId {
        let hash = brickdesk::auth::password::hash(PASSWORD).expect("hash");
        let mut tx = self.db.begin().await.expect("begin");
        let id = brickdesk::db::users::create(&mut tx, name, &hash, role)
            .await
            .expect("create user");
        tx.commit().await.expect("commit");
        id
    }

    /// Signs in through the login form; returns a client holding the session.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
    ) -> (reqwest::Client, reqwest::Response) {
        let client = cookie_client();
        let resp = client
            .post(format!("{}/login", self.address))
            .form(&[("username", name), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("login request");
        (client, resp)
    }

    /// A signed-in owner's client (creating the owner first).
    pub async fn owner(&self) -> reqwest::Client {
        self.add_user("owner", brickdesk::auth::Role::Owner).await;
        let (client, resp) = self.sign_in("owner", PASSWORD).await;
        assert_eq!(resp.status(), 303, "owner sign-in redirects");
        client
    }
}

/// How a [`TestApp`] is started: demo mode, database and configuration.
/// Defaults: demo off, a fresh SQLite database, the stock configuration.
#[must_use = "call .spawn().await to start the app"]
pub struct TestAppBuilder {
    demo: DemoMode,
    db: Option<TestDb>,
    configure: Box<dyn FnOnce(&mut Config)>,
    amazon: Option<(String, String)>,
}

impl TestApp {
    /// Starts describing an app to spawn.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            demo: DemoMode::Off,
            db: None,
            configure: Box::new(|_| {}),
            amazon: None,
        }
    }
}

impl TestAppBuilder {
    /// Runs the app in `demo` mode.
    pub fn demo(mut self, demo: DemoMode) -> Self {
        self.demo = demo;
        self
    }

    /// Runs the app on `t` (SQLite or PostgreSQL) instead of a fresh SQLite.
    pub fn on(mut self, t: TestDb) -> Self {
        self.db = Some(t);
        self
    }

    /// Adjusts the configuration before the app is built (e.g. to point it
    /// at a simulator of the test's own).
    pub fn configure(mut self, adjust: impl FnOnce(&mut Config) + 'static) -> Self {
        self.configure = Box::new(adjust);
        self
    }

    /// Points the app's Amazon SP-API and login endpoints at `sim`.
    pub fn amazon_sim(mut self, sim: &spapi_sim::RunningSim) -> Self {
        self.amazon = Some((sim.base_url(), sim.lwa_token_url()));
        self
    }

    /// Builds the app and serves it on a random port of 127.0.0.1.
    pub async fn spawn(self) -> TestApp {
        let t = match self.db {
            Some(t) => t,
            None => sqlite().await,
        };
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut config = Config::on_loopback(t.url.clone(), data_dir.path().to_path_buf());
        config.demo = self.demo;
        if let Some((api, lwa)) = self.amazon {
            config.amazon_api_url = Some(api);
            config.amazon_lwa_url = Some(lwa);
        }
        (self.configure)(&mut config);
        let app = Application::build(config).await.expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let setup_link = app.setup_link().map(str::to_owned);
        tokio::spawn(app.run_until(std::future::pending()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestApp {
            address,
            db,
            client,
            setup_link,
            _data_dir: data_dir,
            db_owner: t,
        }
    }
}

/// Sends `request`; its status and JSON body (`Null` when not JSON).
pub async fn send_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Sends `request`; its status and body text.
pub async fn send_text(request: reqwest::RequestBuilder) -> (u16, String) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

/// The JSON body `client` gets from `url`. The status is left to the
/// callers that care: the body must parse either way.
pub async fn get_json(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> Value {
    let resp = client.get(url).send().await.expect("get");
    resp.json().await.expect("json")
}

/// The body text `client` gets from `url`, whatever the status.
pub async fn get_text(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    let resp = client.get(url).send().await.expect("get");
    resp.text().await.expect("body")
}

/// The message of the API's error body `{"error": {"code", "message"}}`.
pub fn error_message(body: &Value) -> &str {
    body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("an API error body with a message: {body}"))
}

/// Asserts that `html` shows a planted `<script>` as text and carries
/// neither `script` (its opening, e.g. `<script>alert(1)`) nor the planted
/// `<img src=x` as markup; `page` names the page in a failure.
pub fn assert_escaped(html: &str, script: &str, page: &str) {
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "{page}: the text is shown"
    );
    assert!(
        !html.contains(script) && !html.contains("<img src=x"),
        "{page}: the text is escaped"
    );
}

/// The Amazon credentials of the simulator's demo seller.
pub fn sim_credentials() -> Credentials {
    Credentials {
        client_id: spapi_sim::DEMO_CLIENT_ID.into(),
        client_secret: spapi_sim::DEMO_CLIENT_SECRET.into(),
        refresh_token: spapi_sim::DEMO_REFRESH_TOKEN.into(),
        region: Region::Eu,
        marketplace_ids: vec![spapi_sim::DEMO_MARKETPLACE_ID.into()],
    }
}

/// Every unit, as the inventory listing gives them.
pub async fn all_units(db: &Db) -> Vec<InventoryRow> {
    let q = InventoryQuery {
        limit: None,
        ..InventoryQuery::default()
    };
    brickdesk::db::inventory::list(db, &q)
        .await
        .expect("units")
        .0
}

/// The first `limit` orders of `platform` (`None`: every platform),
/// unfiltered, in listing order.
pub fn orders_query(platform: Option<Platform>, limit: u64) -> OrderListQuery {
    OrderListQuery {
        platform,
        status: None,
        matching: None,
        channel: None,
        marketplace: None,
        search: None,
        offset: 0,
        limit,
    }
}

/// Runs the `brickdesk` binary with `args` on the data folder `data_dir`
/// (its default SQLite database and key file), with `env` set and `stdin`
/// on its standard input; its output. The database, key and log settings
/// of the test's own environment are left out.
pub async fn run_cli(
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brickdesk"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("BRICKDESK_DATABASE_URL")
        .env_remove("BRICKDESK_SECRET_KEY")
        .env_remove("BRICKDESK_AMAZON_CLIENT_SECRET")
        .env_remove("BRICKDESK_AMAZON_REFRESH_TOKEN")
        .env("BRICKDESK_LOG", "off")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = stdin.to_owned();
    // The simulator answers on this runtime while the command runs.
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("run brickdesk");
        if let Some(mut pipe) = child.stdin.take() {
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        child.wait_with_output().expect("brickdesk output")
    })
    .await
    .expect("join")
}

/// Saves the simulator's demo credentials through `/settings/amazon` as
/// `owner` of `app`, to sync `marketplaces`; the form must redirect.
pub async fn connect_in_settings(app: &TestApp, owner: &reqwest::Client, marketplaces: &[&str]) {
    let mut form = vec![
        ("client_id", spapi_sim::DEMO_CLIENT_ID),
        ("client_secret", spapi_sim::DEMO_CLIENT_SECRET),
        ("refresh_token", spapi_sim::DEMO_REFRESH_TOKEN),
        ("region", "eu"),
    ];
    form.extend(marketplaces.iter().map(|m| ("marketplace_ids", *m)));
    let resp = owner
        .post(format!("{}/settings/amazon", app.address))
        .form(&form)
        .send()
        .await
        .expect("save credentials");
    assert_eq!(resp.status(), 303, "credentials saved");
}

/// A `multipart/form-data` body with `content` as the file field `file`
/// named `filename`, parts separated by `boundary`.
pub fn multipart_body(boundary: &str, filename: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// The value of the hidden field `name` in `html`.
pub fn hidden_value<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .expect("field present");
    let end = html[start..].find('"').expect("value ends") + start;
    &html[start..end]
}
