//! The real `brickdesk` binary is killed with SIGKILL at random points
//! of a per-order backfill, ten times, and restarted each time; the job
//! resumes by itself from its cursor. At the end the database equals the
//! simulator's truth (no missing and no duplicated lines) and the job
//! finished having counted every order exactly once. On SQLite and on
//! PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use brickdesk::amazon::sync::SyncJob;
use brickdesk::db::Db;
use brickdesk::domain::JobState;
use rand::Rng;
use serde_json::{Value, json};

use crate::amazon_sync::{jobs_for, sim, stored_lines, stored_orders, sync_params, truth_via};
use crate::helpers::{TestDb, postgres, sqlite};
use crate::promises::{SECRET_KEY, owner_with_token, store_sim_credentials};

const KILLS: usize = 10;
/// Catches a hang (a server that never starts, a job that never ends).
const SAFETY_NET: Duration = Duration::from_secs(180);

/// The server process, restarted after each kill.
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
        let ready = async {
            loop {
                if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                    && r.status().is_success()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(SAFETY_NET, ready)
            .await
            .expect("brickdesk started");
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

async fn progress(http: &reqwest::Client, base: &str, token: &str) -> Option<Value> {
    let r = http
        .get(format!("{base}/api/orders/backfill"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    r.json().await.ok()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Syncs `orders` headers without lines into `t`, serves it with the real
/// binary, starts a per-order backfill and kills the server ten times;
/// `time_scale` keeps the backfill long enough for the kills.
async fn sigkill_during_backfill(t: &TestDb, orders: usize, time_scale: f64) {
    let sim = sim(orders, time_scale, "").await;
    let dir = tempfile::tempdir().expect("data dir");
    let (owner, token) = owner_with_token(&t.db, "owner").await;
    store_sim_credentials(&t.db, owner).await;
    // The orders' headers without lines (a v0 sync: getOrders has none).
    let jobs = jobs_for(&t.db, &sim);
    let started = jobs
        .start::<SyncJob>(sync_params("v0"))
        .await
        .expect("start sync");
    let synced = jobs.wait(started.job().id).await.expect("sync ends");
    assert_eq!(synced.state, JobState::Done, "{synced:?}");
    let (heads, lines) = truth_via(&sim, false);
    assert_eq!(stored_orders(&t.db).await, heads);
    let n = heads.len();
    assert!(n > orders * 9 / 10, "{n}");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let args = [
        "serve",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--demo",
        "off",
        "--database-url",
        &t.url,
        "--data-dir",
        &dir.path().display().to_string(),
        "--secret-key",
        SECRET_KEY,
        "--amazon-api-url",
        &sim.base_url(),
        "--amazon-lwa-url",
        &sim.lwa_token_url(),
    ];
    let mut server = Server {
        args: args.into_iter().map(str::to_owned).collect(),
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
        .json(&json!({"mode": "per_order"}))
        .send()
        .await
        .expect("start backfill");
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);

    let mut rng = rand::rng();
    let mut kills = 0;
    let mut seen_processed = Vec::new();
    while kills < KILLS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..1000))).await;
        let p = progress(&http, &base, &token).await;
        if p.as_ref().is_some_and(|p| p["state"] == "done") {
            break;
        }
        server.kill();
        kills += 1;
        seen_processed.push(p.and_then(|p| p["processed"].as_i64()).unwrap_or(0));
        server.start();
        server.wait_ready(&http).await;
    }
    assert_eq!(
        kills, KILLS,
        "the backfill ended before {KILLS} kills (processed when killed: {seen_processed:?})"
    );
    assert!(
        seen_processed.iter().any(|&p| p > 0 && p < n as i64),
        "at least one kill landed mid-job: {seen_processed:?}"
    );

    let finish = async {
        loop {
            if let Some(p) = progress(&http, &base, &token)
                .await
                .filter(|p| p["state"] == "done")
            {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let done = tokio::time::timeout(SAFETY_NET, finish)
        .await
        .expect("the backfill finished after the kills");
    server.kill();

    for (field, want) in [
        ("total", n),
        ("processed", n),
        ("success", n),
        ("failed", 0),
        ("ordersNeedingBackfill", 0),
    ] {
        assert_eq!(done[field], want, "{field}: {done}");
    }
    let db = Db::connect(&t.url).await.expect("reconnect");
    assert_eq!(stored_orders(&db).await, heads);
    assert_eq!(
        stored_lines(&db).await,
        lines,
        "no missing and no duplicated lines"
    );
    db.close().await;
    sim.shutdown().await.expect("simulator stops");
}

#[tokio::test]
async fn sigkill_during_backfill_loses_and_duplicates_nothing() {
    // getOrderItems at 0.5/s × 300 = 150 orders a second: the backfill
    // takes about 15 s of work, spread over the kills.
    sigkill_during_backfill(&sqlite().await, 2_000, 300.0).await;
}

#[tokio::test]
async fn sigkill_during_a_postgres_backfill_loses_and_duplicates_nothing() {
    if let Some(t) = postgres().await {
        // 75 orders a second: about 13 s of work, spread over the kills.
        sigkill_during_backfill(&t, 1_000, 150.0).await;
    }
}
