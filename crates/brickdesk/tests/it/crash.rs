//! The real `brickdesk` binary is killed with SIGKILL at random points
//! during a backfill of 2,000 orders, at least ten times, and restarted
//! each time; the job resumes by itself from its cursor. At the end the
//! database equals the simulator's truth (no missing and no duplicated
//! lines) and the job finished having counted every order exactly once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use brickdesk::amazon::credentials::{self, Credentials, Region};
use brickdesk::amazon::sync;
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::Db;
use rand::Rng;

use crate::amazon_sync::{jobs_for, sim, stored_lines, stored_orders, truth_via};

const ORDERS: usize = 2_000;
const KILLS: usize = 10;
const SECRET_KEY: &str = "4f1c2a9e8b7d6c5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877";

struct Server {
    args: Vec<String>,
    child: Option<Child>,
    base: String,
}

impl Server {
    fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_brickdesk"))
            .args(&self.args)
            .env("BRICKDESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start brickdesk");
        self.child = Some(child);
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("brickdesk did not start");
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // std's kill is SIGKILL on Unix: no shutdown code runs.
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn progress(http: &reqwest::Client, base: &str, token: &str) -> Option<serde_json::Value> {
    let r = http
        .get(format!("{base}/api/orders/backfill"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    r.json().await.ok()
}

#[tokio::test]
async fn sigkill_during_backfill_loses_and_duplicates_nothing() {
    // getOrderItems at 0.5/s × 300 = 150 orders a second: the backfill
    // takes about 15 s of work, spread over the kills.
    let sim = sim(ORDERS, 300.0, "").await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("brickdesk.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();

    // The seller's account, an API token, and 2,000 orders without lines
    // (a v0 sync: getOrders has no lines).
    let token = brickdesk::auth::token::new_api_token();
    let mut tx = db.begin().await.unwrap();
    let hash = brickdesk::auth::password::hash("correct horse battery").unwrap();
    let owner = brickdesk::db::users::create(&mut tx, "owner", &hash, brickdesk::auth::Role::Owner)
        .await
        .unwrap();
    brickdesk::db::users::create_token(
        &mut tx,
        "crash test",
        &brickdesk::auth::token::digest(&token),
        owner,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let secrets = SecretBox::load_or_create(Some(SECRET_KEY), dir.path()).unwrap();
    let creds = Credentials {
        client_id: spapi_sim::DEMO_CLIENT_ID.into(),
        client_secret: spapi_sim::DEMO_CLIENT_SECRET.into(),
        refresh_token: spapi_sim::DEMO_REFRESH_TOKEN.into(),
        region: Region::Eu,
        marketplace_id: spapi_sim::DEMO_MARKETPLACE_ID.into(),
    };
    credentials::save(&db, &secrets, &creds, owner)
        .await
        .unwrap();
    let jobs = jobs_for(&db, &sim);
    let started = jobs
        .start(
            sync::KIND,
            serde_json::json!({"api": "v0", "windowDays": 3650}),
        )
        .await
        .unwrap();
    let synced = jobs.wait(started.job().id).await.unwrap();
    assert_eq!(synced.state, "done");
    let (heads, lines) = truth_via(&sim, false);
    assert_eq!(stored_orders(&db).await, heads);
    let n = heads.len();
    assert!(n > ORDERS * 9 / 10, "{n}");
    db.close().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server {
        args: vec![
            "serve".into(),
            "--addr".into(),
            format!("127.0.0.1:{port}"),
            "--demo".into(),
            "off".into(),
            "--database-url".into(),
            url.clone(),
            "--data-dir".into(),
            dir.path().display().to_string(),
            "--secret-key".into(),
            SECRET_KEY.into(),
            "--amazon-api-url".into(),
            sim.base_url(),
            "--amazon-lwa-url".into(),
            sim.lwa_token_url(),
        ],
        child: None,
        base: base.clone(),
    };
    let http = reqwest::Client::new();
    server.start();
    server.wait_ready(&http).await;
    let resp = http
        .post(format!("{base}/api/orders/backfill"))
        .bearer_auth(&token)
        // One call per order keeps the backfill long enough for ten kills.
        .json(&serde_json::json!({"mode": "per_order"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);

    let mut rng = rand::rng();
    let mut kills = 0;
    let mut last_processed = 0;
    while kills < KILLS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..1200))).await;
        let p = progress(&http, &base, &token).await;
        if p.as_ref().is_some_and(|p| p["state"] == "done") {
            break;
        }
        server.kill();
        kills += 1;
        server.start();
        server.wait_ready(&http).await;
        if let Some(p) = p {
            last_processed = p["processed"].as_i64().unwrap_or(0);
        }
    }
    assert_eq!(
        kills, KILLS,
        "the backfill ended before {KILLS} kills (at {last_processed})"
    );

    let deadline = Instant::now() + Duration::from_secs(180);
    let done = loop {
        let p = progress(&http, &base, &token).await;
        if let Some(p) = p.filter(|p| p["state"] == "done") {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "backfill did not finish after the kills"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    server.kill();

    assert_eq!(done["total"], ORDERS, "{done}");
    assert_eq!(
        done["processed"], ORDERS,
        "every order counted once: {done}"
    );
    assert_eq!(done["success"], ORDERS, "{done}");
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(done["ordersNeedingBackfill"], 0, "{done}");
    let db = Db::connect(&url).await.unwrap();
    assert_eq!(stored_orders(&db).await, heads);
    assert_eq!(
        stored_lines(&db).await,
        lines,
        "no missing and no duplicated lines"
    );
    db.close().await;
    sim.shutdown().await.unwrap();
}
