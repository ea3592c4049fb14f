//! `brickdesk-bench orders-list`: seeds a large seller (default 100,000
//! orders, 250,000 lines), serves it with the real app on loopback and
//! measures `/api/orders/amazon` and the status summary over HTTP. A
//! program, not a test: the figures depend on the machine.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use spapi_sim::catalogue::CATALOGUE;
use time::OffsetDateTime;

use brickdesk::Application;
use brickdesk::auth::{Role, password, token};
use brickdesk::config::{Config, DemoMode};
use brickdesk::db::orders::{NewOrder, ReportedLine, ReportedOrder, order_search_text};
use brickdesk::db::{self, Backend, Db};
use brickdesk::domain::matching::line_match_status;
use brickdesk::domain::{Condition, Currency, MatchSummary, Money, Platform, WorkflowStatus};

use crate::db::bulk::{self, BulkLine, BulkOrder};
use crate::db::scratch::Scratch;
use crate::process::{ProcessCpu, mb, resident_kib};

/// Sizes of the benchmark.
#[derive(Debug, Clone, clap::Args)]
pub struct OrdersListArgs {
    /// Orders to seed.
    #[arg(long, default_value_t = 100_000)]
    pub orders: usize,
    /// Lines to seed (spread over the orders).
    #[arg(long, default_value_t = 250_000)]
    pub lines: usize,
    /// Requests per latency scenario.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Concurrent clients of the throughput run.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Requests of the throughput run.
    #[arg(long, default_value_t = 3_000)]
    pub throughput_requests: usize,
    /// Seconds to wait after the throughput run before reading the
    /// resident memory again.
    #[arg(long, default_value_t = 30)]
    pub settle_seconds: u64,
}

/// Amazon status, workflow status and share in percent of each kind of order.
type StatusMix = [(&'static str, Option<WorkflowStatus>, u64)];

const STATUSES: &StatusMix = &[
    ("Pending", None, 2),
    ("Unshipped", None, 5),
    ("Shipped", None, 10),
    ("Shipped", Some(WorkflowStatus::Completed), 80),
    ("Canceled", None, 2),
    ("PartiallyShipped", None, 1),
];

/// A seller's past: every order done with, none left to pick or confirm.
const PAST: &StatusMix = &[
    ("Shipped", Some(WorkflowStatus::Completed), 97),
    ("Canceled", None, 3),
];

/// Which orders [`seed`] writes.
#[derive(Debug, Clone, Copy)]
pub enum Mix {
    /// Orders in every state, as the listing benchmark serves them.
    Live,
    /// Orders done with (ids of their own), ahead of another benchmark's data.
    Past,
}

impl Mix {
    fn statuses(self) -> &'static StatusMix {
        match self {
            Mix::Live => STATUSES,
            Mix::Past => PAST,
        }
    }

    /// First part of the order ids, so two mixes never share an id.
    fn prefix(self) -> usize {
        match self {
            Mix::Live => 200,
            Mix::Past => 400,
        }
    }
}

fn gbp(pence: i64) -> Money {
    Money::from_minor(pence, Currency::GBP)
}

fn status_for(i: usize, mix: Mix) -> (&'static str, Option<WorkflowStatus>) {
    let mut r = (i as u64).wrapping_mul(2_654_435_761) % 100;
    for &(status, workflow, share) in mix.statuses() {
        if r < share {
            return (status, workflow);
        }
        r -= share;
    }
    ("Shipped", Some(WorkflowStatus::Completed))
}

/// A generated line: ASIN, SKU, title, quantity, unit price in pence.
type LineSpec = (Option<String>, Option<String>, Option<String>, i64, i64);

/// Seeds `orders` Amazon orders of `mix` and `lines` lines in one
/// transaction, and prints how long each step took.
pub async fn seed(db: &Db, orders: usize, lines: usize, mix: Mix) -> anyhow::Result<()> {
    let mut step = Instant::now();
    let mut took = |what: &str| {
        println!("  {what:<34} {:>7.1} s", step.elapsed().as_secs_f64());
        step = Instant::now();
    };
    let start = OffsetDateTime::now_utc();
    let per_order = lines / orders.max(1);
    let extra = lines % orders.max(1);
    // Three catalogue ASINs in four are mapped, so every filter has rows.
    let mapped: Vec<_> = CATALOGUE
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 0)
        .map(|(_, e)| e)
        .collect();
    let is_mapped: HashSet<&str> = mapped.iter().map(|e| e.asin).collect();
    let status_of = |line: &LineSpec| {
        let asin = line.0.as_deref();
        line_match_status(asin, asin.is_some_and(|a| is_mapped.contains(a)), line.3, 0)
    };
    let mut bulk_orders = Vec::with_capacity(orders);
    let mut line_specs: Vec<(String, Vec<LineSpec>)> = Vec::with_capacity(orders);
    for i in 0..orders {
        let id = format!(
            "{:03}-{:07}-{:07}",
            mix.prefix() + i % 5,
            i,
            (i * 7_919) % 10_000_000
        );
        let count = per_order + usize::from(i < extra);
        let specs: Vec<_> = (0..count)
            .map(|k| {
                let e = &CATALOGUE[(i * 7 + k * 13) % CATALOGUE.len()];
                let no_asin = (i + k) % 29 == 0;
                let asin = (!no_asin).then(|| e.asin.to_owned());
                let title = if no_asin {
                    "Unknown Item".to_owned()
                } else {
                    e.amazon_title()
                };
                (
                    asin,
                    Some(format!("AMZ-{}-N", e.set_number)),
                    Some(title),
                    1 + i64::from(k == 0 && i % 10 == 0),
                    e.price_pence,
                )
            })
            .collect();
        let search_lines: Vec<_> = specs
            .iter()
            .map(|(a, s, t, _, _)| (a.clone(), s.clone(), t.clone()))
            .collect();
        let (status, workflow) = status_for(i, mix);
        bulk_orders.push(BulkOrder {
            order: NewOrder {
                reported: ReportedOrder {
                    platform: Platform::Amazon,
                    platform_order_id: id.clone(),
                    order_date: Some(start - time::Duration::minutes(i as i64)),
                    last_updated_at: None,
                    buyer_name: None,
                    buyer_email: None,
                    platform_status: status.to_owned(),
                    total: Some(gbp(specs.iter().map(|s| s.3 * s.4).sum())),
                    fulfillment_channel: None,
                    marketplace_id: None,
                },
                items_fetched: true,
            },
            workflow_status: workflow,
            search_text: order_search_text(&id, &search_lines),
            matching: MatchSummary::from_lines(specs.iter().map(status_of)),
        });
        line_specs.push((id, specs));
    }
    took("seeding: orders generated");
    let mut tx = db.begin().await?;
    let mut indexes = bulk::drop_indexes(&mut tx, &["orders", "order_items"]).await?;
    let search = bulk::pause_search(&mut tx).await?;
    bulk::insert_orders(&mut tx, &bulk_orders).await?;
    took("seeding: orders written");
    // On PostgreSQL the orders are committed first, and their indexes (the
    // trigram index is the load's longest step) are built on a second
    // connection while the lines load.
    let orders_indexes = match db.backend() {
        Backend::Postgres => {
            tx.commit().await?;
            tx = db.begin().await?;
            Some(indexes.take("orders"))
        }
        Backend::Sqlite => None,
    };
    let build_orders_indexes = async {
        if let Some(dropped) = orders_indexes {
            let mut apart = db.begin().await?;
            dropped.rebuild(&mut apart).await?;
            apart.commit().await?;
        }
        anyhow::Ok(())
    };
    let load_lines = async {
        let ids = bulk::order_ids(&mut tx, Platform::Amazon).await?;
        let mut bulk_lines = Vec::with_capacity(lines);
        for (order, specs) in line_specs {
            let order_id = *ids.get(&order).context("seeded order id")?;
            for (k, spec) in specs.into_iter().enumerate() {
                let status = status_of(&spec);
                let (asin, sku, title, quantity, price) = spec;
                bulk_lines.push(BulkLine {
                    order: order_id,
                    line: ReportedLine {
                        platform_item_id: format!("{order_id:09}{k:03}"),
                        asin,
                        sku,
                        title,
                        quantity,
                        unit_price: Some(gbp(price)),
                        line_price: Some(gbp(price * quantity)),
                        condition: Some("New".into()),
                    },
                    status,
                });
            }
        }
        bulk::insert_lines(&mut tx, &bulk_lines).await?;
        took("seeding: lines written");
        indexes.rebuild(&mut tx).await?;
        search.resume(&mut tx).await?;
        for e in mapped {
            db::mappings::upsert(&mut tx, e.asin, e.set_number, Condition::New).await?;
        }
        tx.commit().await?;
        anyhow::Ok(())
    };
    tokio::try_join!(build_orders_indexes, load_lines)?;
    took("seeding: indexes built, committed");
    // A live database has planner statistics; a fresh bulk load has none.
    db.analyze().await?;
    took("seeding: analysed");
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Requests `urls` one after another (after a few warm-up requests) and
/// prints the latencies.
pub async fn scenario(client: &reqwest::Client, name: &str, urls: &[String]) -> anyhow::Result<()> {
    // One warm-up pass so the first figures do not measure cold caches.
    for url in urls.iter().take(5) {
        client.get(url).send().await?.error_for_status()?;
    }
    let mut took = Vec::with_capacity(urls.len());
    for url in urls {
        let started = Instant::now();
        let resp = client.get(url).send().await?;
        let status = resp.status();
        let _ = resp.bytes().await?;
        took.push(started.elapsed());
        if !status.is_success() {
            bail!("{name}: {url} answered {status}");
        }
    }
    took.sort();
    crate::figures::record_ms(&format!("{name}, p99"), percentile(&took, 0.99));
    println!(
        "  {name:<34} n={:<5} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        took.len(),
        ms(percentile(&took, 0.50)),
        ms(percentile(&took, 0.99)),
        ms(percentile(&took, 1.0))
    );
    Ok(())
}

/// Requests `urls`, each once, from `concurrency` clients at once.
async fn throughput(
    client: &reqwest::Client,
    name: &str,
    urls: Vec<String>,
    concurrency: usize,
) -> anyhow::Result<()> {
    let total = urls.len();
    let urls = Arc::new(urls);
    let next = Arc::new(AtomicUsize::new(0));
    let peak_rss = Arc::new(AtomicUsize::new(resident_kib().unwrap_or(0)));
    let sampler = {
        let peak = peak_rss.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(resident_kib().unwrap_or(0), Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    let cpu_before = ProcessCpu::read();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(url) = urls.get(next.fetch_add(1, Ordering::Relaxed)) {
                client
                    .get(url)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
            }
            Ok::<(), reqwest::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    sampler.abort();
    peak_rss.fetch_max(resident_kib().unwrap_or(0), Ordering::Relaxed);
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / secs;
    crate::figures::record(name, rate, "req/s", crate::figures::Better::Higher);
    println!("  {name:<34} {total} requests, {concurrency} clients: {rate:.0} requests/s");
    if let (Some(before), Some(after)) = (cpu_before, ProcessCpu::read()) {
        // CPU per request (server and client together) does not depend on
        // what else the machine is doing, unlike requests per second.
        #[allow(clippy::cast_precision_loss)]
        let per = |v: f64| v / total as f64 * 1000.0;
        #[allow(clippy::cast_precision_loss)]
        let switches = (after.switches - before.switches) as f64 / total as f64;
        println!(
            "  {:<34} {:.3} ms CPU per request (server + client): {:.3} user, {:.3} system; {switches:.1} context switches",
            "",
            per(after.user + after.system - before.user - before.system),
            per(after.user - before.user),
            per(after.system - before.system),
        );
    }
    println!(
        "  {:<34} {:.1} MB peak resident during the run",
        "memory",
        mb(peak_rss.load(Ordering::Relaxed))
    );
    Ok(())
}

/// Serves `db` with the real app and runs every scenario against it.
/// The app serving a seeded database on loopback, and a client holding
/// an owner's API token.
pub struct Served {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Sends the token with every request.
    pub client: reqwest::Client,
    /// Stops the app.
    pub guard: ServeGuard,
}

/// The running app of a [`Served`].
pub struct ServeGuard {
    data_dir: std::path::PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    /// Builds the app on `db` (schedules off, a temporary data folder) and
    /// an owner with an API token.
    pub async fn start(db: &Db) -> anyhow::Result<Served> {
        let data_dir = std::env::temp_dir().join(format!("brickdesk-bench-{}", std::process::id()));
        let mut config = Config::on_loopback(String::new(), data_dir.clone());
        config.demo = DemoMode::Off;
        config.secret_key = Some("00".repeat(32));
        let secret = token::new_api_token();
        let mut tx = db.begin().await?;
        let user = db::users::create(
            &mut tx,
            "bench",
            &password::hash("benchmark-password")?,
            Role::Owner,
        )
        .await?;
        db::users::create_token(&mut tx, "bench", &token::digest(&secret), user).await?;
        tx.commit().await?;
        let app = Application::build_with_db(config, db.clone()).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {secret}").parse()?,
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Served {
            base,
            client,
            guard: ServeGuard {
                data_dir,
                stop,
                server,
            },
        })
    }
}

impl ServeGuard {
    /// Stops the app (its jobs too, before the database closes) and
    /// removes its data folder.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Times the listing on `db`, seeded by [`seed`].
pub async fn measure(label: &str, db: Db, args: &OrdersListArgs) -> anyhow::Result<()> {
    let Served {
        base,
        client,
        guard,
    } = Served::start(&db).await?;
    println!(
        "  {:<34} {:.1} MB resident before the first request",
        "memory",
        mb(resident_kib().unwrap_or(0))
    );
    let n = args.requests;
    let pages = (args.orders / 50).max(1);
    let list =
        |q: &str, page: usize| format!("{base}/api/orders/amazon?page_size=50&page={page}{q}");
    println!(
        "{label}: {} orders, {} lines, over HTTP on loopback",
        args.orders, args.lines
    );
    let first_ten: Vec<_> = (0..n).map(|i| list("", 1 + i % 10)).collect();
    scenario(&client, "list, first 10 pages", &first_ten).await?;
    let any: Vec<_> = (0..n).map(|i| list("", 1 + (i * 7_919) % pages)).collect();
    scenario(&client, "list, any page", &any).await?;
    let last: Vec<_> = (0..n.min(50)).map(|_| list("", pages)).collect();
    scenario(&client, "list, last page", &last).await?;
    for (name, q) in [
        ("list, status=Shipped, pages 1-10", "&status=Shipped"),
        ("list, match=unmatched, pages 1-10", "&match=unmatched"),
        ("list, match=no_asin, pages 1-10", "&match=no_asin"),
        ("list, search 'falcon', pages 1-10", "&search=falcon"),
        ("list, search order id", "&search=0012345"),
        ("list, search without hits", "&search=zzzz-no-such"),
    ] {
        let urls: Vec<_> = (0..n).map(|i| list(q, 1 + i % 10)).collect();
        scenario(&client, name, &urls).await?;
    }
    let summary: Vec<_> = (0..n)
        .map(|_| format!("{base}/api/orders/amazon/status-summary"))
        .collect();
    scenario(&client, "status-summary", &summary).await?;
    let page_one = client.get(list("", 1)).send().await?.error_for_status()?;
    println!(
        "  {:<34} {} bytes of JSON per response",
        "list page 1, response size",
        page_one.bytes().await?.len()
    );
    throughput(
        &client,
        "list page 1, throughput",
        vec![list("", 1); args.throughput_requests],
        args.concurrency,
    )
    .await?;
    // A change to the orders: from here every page is built, none kept.
    bulk::touch_orders(&db).await?;
    let every_page = (0..args.throughput_requests.min(pages))
        .map(|i| list("", 1 + i))
        .collect();
    throughput(
        &client,
        "list every page once, throughput",
        every_page,
        args.concurrency,
    )
    .await?;
    // The load has stopped: its clients and their connections are gone.
    drop(client);
    tokio::time::sleep(std::time::Duration::from_secs(args.settle_seconds)).await;
    println!(
        "  {:<34} {:.1} MB resident {} s after the run",
        "memory",
        mb(resident_kib().unwrap_or(0)),
        args.settle_seconds
    );
    guard.stop().await;
    Ok(())
}

/// Runs the benchmark on a fresh SQLite file, then on PostgreSQL when
/// `postgres_url` is given (a scratch database there, dropped afterwards).
pub async fn run(args: &OrdersListArgs, postgres_url: Option<&str>) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("brickdesk-bench-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let sqlite = Db::connect(&url).await?;
    sqlite.migrate().await?;
    let started = Instant::now();
    seed(&sqlite, args.orders, args.lines, Mix::Live).await?;
    println!("SQLite: seeded in {:.1} s", started.elapsed().as_secs_f64());
    crate::figures::measuring_on("SQLite");
    let result = measure("SQLite", sqlite, args).await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    if let Some(url) = postgres_url {
        let scratch = Scratch::create(url).await?;
        let started = Instant::now();
        seed(&scratch.db, args.orders, args.lines, Mix::Live).await?;
        println!(
            "PostgreSQL: seeded in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        crate::figures::measuring_on("PostgreSQL");
        let result = measure("PostgreSQL", scratch.db.clone(), args).await;
        scratch.drop_now().await?;
        result?;
        crate::figures::print_ratios();
    }
    Ok(())
}
