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
use brickdesk::domain::{JobState, UserId};
use rand::Rng;
use serde_json::{Value, json};
use spapi_sim::RunningSim;

use crate::amazon_sync::{jobs_for, sim, stored_lines, stored_orders, sync_params, truth_via};
use crate::helpers::{TestDb, postgres, sqlite};
use crate::promises::{SECRET_KEY, owner_with_token, store_sim_credentials};

const KILLS: usize = 10;
/// Catches a hang (a server that never starts, a job that never ends).
const SAFETY_NET: Duration = Duration::from_secs(180);

/// The server process, restarted after each kill.
pub struct Server {
    args: Vec<String>,
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// The real binary serving `t` from `data_dir` with `sim` as its
    /// Amazon, on a free port, no schedule (not started yet).
    pub fn on(t: &TestDb, data_dir: &std::path::Path, sim: &spapi_sim::RunningSim) -> Server {
        let port = free_port();
        let args = [
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--demo",
            "off",
            "--sync-every",
            "off",
            "--fees-every",
            "off",
            "--database-url",
            &t.url,
            "--data-dir",
            &data_dir.display().to_string(),
            "--secret-key",
            SECRET_KEY,
            "--amazon-api-url",
            &sim.base_url(),
            "--amazon-lwa-url",
            &sim.lwa_token_url(),
        ];
        Server {
            args: args.into_iter().map(str::to_owned).collect(),
            child: None,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Starts the process.
    pub fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_brickdesk"))
            .args(&self.args)
            .env("BRICKDESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start brickdesk");
        self.child = Some(child);
    }

    /// Waits until `/healthz` answers.
    pub async fn wait_ready(&self, http: &reqwest::Client) {
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

    /// Sends SIGTERM and waits up to `patience` for the process to exit
    /// by itself; its exit status, or `None` (then it is killed).
    pub async fn terminate(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(sent.success());
        let started = std::time::Instant::now();
        while started.elapsed() < patience {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        None
    }

    /// Kills the process (SIGKILL).
    pub fn kill(&mut self) {
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

/// An owner with an API token and the simulator's credentials in `t`,
/// and a sync of the simulator's orders through `api` (`v0`: headers
/// without lines) done before any server starts; the owner and token.
async fn owner_after_sync(t: &TestDb, sim: &RunningSim, api: &str) -> (UserId, String) {
    let (owner, token) = owner_with_token(&t.db, "owner").await;
    store_sim_credentials(&t.db, owner).await;
    let jobs = jobs_for(&t.db, sim);
    let started = jobs
        .start::<SyncJob>(sync_params(api))
        .await
        .expect("start sync");
    let synced = jobs.wait(started.job().id).await.expect("sync ends");
    assert_eq!(synced.state, JobState::Done, "{synced:?}");
    (owner, token)
}

/// Syncs `orders` headers without lines into `t`, serves it with the real
/// binary, starts a per-order backfill and kills the server ten times;
/// `time_scale` keeps the backfill long enough for the kills.
async fn sigkill_during_backfill(t: &TestDb, orders: usize, time_scale: f64) {
    let sim = sim(orders, time_scale, "").await;
    let dir = tempfile::tempdir().expect("data dir");
    // The orders' headers without lines (a v0 sync: getOrders has none).
    let (_, token) = owner_after_sync(t, &sim, "v0").await;
    let (heads, lines) = truth_via(&sim, false);
    assert_eq!(stored_orders(&t.db).await, heads);
    let n = heads.len();
    assert!(n > orders * 9 / 10, "{n}");

    let mut server = Server::on(t, dir.path(), &sim);
    let base = server.base.clone();
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

/// Queues a package for each of `orders` orders, serves the database with
/// the real binary and kills it five times while the ship job sends them:
/// Amazon (the simulator's own record) receives every package exactly
/// once, and every package ends sent.
async fn sigkill_while_sending_shipments(t: &TestDb, orders: usize, time_scale: f64) {
    use brickdesk::db::shipments;
    use brickdesk::domain::Platform;
    use brickdesk::domain::shipment::{NewShipment, PackageItem};
    let sim = sim(orders, time_scale, "").await;
    // Every order one the seller ships and has not shipped yet.
    sim.update_seller(brickdesk_bench::ship::all_to_ship);
    let dir = tempfile::tempdir().expect("data dir");
    let (owner, token) = owner_after_sync(t, &sim, "2026-01-01").await;
    let stored = stored_orders(&t.db).await;
    let ids: Vec<String> = sim
        .orders_snapshot()
        .into_iter()
        .map(|o| o.order_id)
        .filter(|id| stored.iter().any(|(s, _)| s == id))
        .collect();
    assert!(ids.len() > orders * 9 / 10, "{} orders stored", ids.len());
    // Every order but the last queued before the server starts.
    let (last, queued_now) = ids.split_last().expect("orders");
    let mut tx = t.db.begin().await.expect("begin");
    for id in queued_now {
        let order = brickdesk::db::orders::find_order(&t.db, Platform::Amazon, id)
            .await
            .expect("read")
            .expect("stored");
        let lines = brickdesk::db::orders::lines_for_orders(&t.db, &[order.id])
            .await
            .expect("lines");
        let package = NewShipment {
            carrier_code: "Royal Mail".into(),
            carrier_name: None,
            shipping_method: None,
            tracking_number: format!("RM{}GB", order.id),
            ship_date: time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
            items: lines
                .into_iter()
                .map(|l| PackageItem {
                    order_item_id: l.reported.platform_item_id,
                    quantity: l.reported.quantity,
                })
                .collect(),
        };
        shipments::queue(&mut tx, order.id, &package, Some(owner))
            .await
            .expect("queue");
    }
    tx.commit().await.expect("commit");

    let mut server = Server::on(t, dir.path(), &sim);
    let base = server.base.clone();
    let http = reqwest::Client::new();
    server.start();
    server.wait_ready(&http).await;
    // The last order's package through the API starts the sender.
    let resp = http
        .post(format!("{base}/api/orders/amazon/{last}/shipments"))
        .bearer_auth(&token)
        .json(&json!({"carrier_code": "DPD", "tracking_number": "DPD 1"}))
        .send()
        .await
        .expect("queue through the API");
    assert_eq!(resp.status(), 202, "{:?}", resp.text().await);

    let received = || sim.update_seller(|s| s.shipments.len());
    let mut rng = rand::rng();
    let mut seen = Vec::new();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..600))).await;
        server.kill();
        seen.push(received());
        server.start();
        server.wait_ready(&http).await;
    }
    assert!(
        seen.iter().any(|&n| n > 0 && n < ids.len()),
        "at least one kill landed mid-sending: {seen:?} of {}",
        ids.len()
    );
    let db = Db::connect(&t.url).await.expect("reconnect");
    let all_sent = async {
        loop {
            if shipments::count_pending(&db).await.expect("count") == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, all_sent)
        .await
        .expect("every package sent after the kills");
    server.kill();
    let mut got: Vec<String> =
        sim.update_seller(|s| s.shipments.iter().map(|p| p.order_id.clone()).collect());
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want, "each order's package received exactly once");
    db.close().await;
    sim.shutdown().await.expect("simulator stops");
}

#[tokio::test]
async fn sigkill_while_sending_shipments_sends_each_once() {
    // confirmShipment at 2/s × 40 = 80 packages a second: about 3 s of work.
    sigkill_while_sending_shipments(&sqlite().await, 250, 40.0).await;
}

#[tokio::test]
async fn sigkill_while_sending_postgres_shipments_sends_each_once() {
    if let Some(t) = postgres().await {
        sigkill_while_sending_shipments(&t, 250, 40.0).await;
    }
}
