//! `brickdesk-bench reports`: the profit report over HTTP on a seller
//! with many sold units (fee events reconciled, spread over three years,
//! in two currencies): the 12-month report as JSON, the page with its
//! charts, a three-year report and the CSV export. A program, not a test:
//! the figures depend on the machine.

use std::time::Instant;

use anyhow::bail;
use clap::Args;

use brickdesk::amazon::fees;
use brickdesk::db::Db;
use brickdesk::domain::Currency;

use crate::db::scratch::{History, on_sqlite_then_postgres};
use crate::fees::{Spread, seed};
use crate::orders_list::{Served, scenario};

/// Options of `brickdesk-bench reports`.
#[derive(Debug, Clone, Args)]
pub struct ReportsArgs {
    /// Sold units to seed.
    #[arg(long, default_value_t = 100_000)]
    pub units: usize,
    /// Requests per timed scenario.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
}

/// Three years of hours.
const THREE_YEARS: usize = 3 * 365 * 24;

async fn measure(label: &str, db: &Db, args: &ReportsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    seed(
        db,
        args.units,
        Spread {
            hours: THREE_YEARS,
            currencies: &[Currency::GBP, Currency::EUR],
        },
    )
    .await?;
    let run = fees::run(db, None).await?;
    db.analyze().await?;
    println!(
        "{label}: seeded {} sold units over three years in GBP and EUR, fees reconciled ({}), in {:.1} s",
        args.units,
        run.message,
        started.elapsed().as_secs_f64()
    );
    let served = Served::start(db).await?;
    let (base, client) = (&served.base, &served.client);
    let report = client
        .get(format!("{base}/api/reports/profit?range=last-12-months"))
        .send()
        .await?
        .error_for_status()?
        .json::<serde_json::Value>()
        .await?;
    let units: i64 = report["currencies"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["totals"]["units"].as_i64())
                .sum()
        })
        .unwrap_or(0);
    if units == 0 {
        bail!("{label}: the 12-month report counted no unit: {report}");
    }
    println!("  the 12-month report covers {units} units");
    let n = args.requests;
    for (name, path) in [
        (
            "report JSON, last 12 months",
            "/api/reports/profit?range=last-12-months",
        ),
        (
            "report JSON, 3 years by month",
            "/api/reports/profit?range=custom&from=2023-12-01&to=2026-12-31&group=month",
        ),
        (
            "report page, last 12 months",
            "/reports/profit?range=last-12-months",
        ),
        (
            "report page, last month by day",
            "/reports/profit?range=last-month",
        ),
    ] {
        let urls: Vec<String> = (0..n).map(|_| format!("{base}{path}")).collect();
        scenario(client, name, &urls).await?;
    }
    let csv: Vec<String> = (0..n.min(10))
        .map(|_| format!("{base}/reports/profit/units.csv?range=last-12-months"))
        .collect();
    scenario(client, "CSV export, last 12 months", &csv).await?;
    let stock: Vec<String> = (0..n).map(|_| format!("{base}/inventory/stock")).collect();
    scenario(client, "stock view", &stock).await?;
    served.guard.stop().await;
    Ok(())
}

/// Runs the benchmark on a temporary SQLite file, and on a scratch
/// database on the PostgreSQL server of `postgres_url` when given.
pub async fn run(postgres_url: Option<String>, args: ReportsArgs) -> anyhow::Result<()> {
    let history = History::default();
    on_sqlite_then_postgres("reports", postgres_url.as_deref(), history, |label, db| {
        let args = args.clone();
        async move { measure(label, &db, &args).await }
    })
    .await
}
