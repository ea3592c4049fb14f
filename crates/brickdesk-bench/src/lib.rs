//! Brickdesk's benchmark programs (the `brickdesk-bench` binary) and the
//! generated data they seed. Programs, not tests: the figures depend on
//! the machine. They live in their own crate so the shipped app carries
//! none of them; the app's tests borrow the large generated seller
//! ([`orders_list::seed`]).

pub mod backfill;
pub mod csv_import;
pub mod db;
pub mod demo_start;
pub mod fees;
pub mod figures;
pub mod fulfil;
pub mod orders_list;
pub mod process;
pub mod reports;
pub mod scheduled_sync;
pub mod ship;
pub mod spapi_rate;

use clap::{Parser, Subcommand};

use brickdesk::cli::args::GlobalArgs;
use db::scratch::History;

/// Time parts of Brickdesk on generated data.
#[derive(Debug, Parser)]
#[command(name = "brickdesk-bench", version = brickdesk::config::VERSION, about)]
pub struct Cli {
    /// Options every benchmark shares (those of `brickdesk`).
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The benchmark to run.
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Parse and import a generated CSV into a fresh temporary SQLite
    /// database, and into a scratch PostgreSQL database when
    /// `--database-url postgres://…` is given.
    CsvImport {
        /// Rows in the generated file.
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
    },
    /// Seed 100,000 orders / 250,000 lines and measure `/api/orders/amazon`
    /// and the status summary over HTTP (SQLite; PostgreSQL too with
    /// `--database-url postgres://…`).
    OrdersList(orders_list::OrdersListArgs),
    /// Time to build the Amazon picking list (data and PDF) for N Paid
    /// orders (SQLite; PostgreSQL too with `--database-url postgres://…`).
    Picklist {
        /// Paid orders to seed.
        #[arg(long, env = "BRICKDESK_BENCH_ORDERS", default_value_t = 1_000)]
        orders: usize,
        /// Past orders seeded first.
        #[command(flatten)]
        history: History,
    },
    /// Time to confirm N orders processed in one request (SQLite;
    /// PostgreSQL too with `--database-url postgres://…`).
    Confirm {
        /// Paid orders to seed and confirm.
        #[arg(long, env = "BRICKDESK_BENCH_ORDERS", default_value_t = 500)]
        orders: usize,
        /// Past orders seeded first.
        #[command(flatten)]
        history: History,
    },
    /// Backfill of 10,000 orders against a time-scaled simulator: simulated
    /// time, achieved ÷ permitted call rate, 429s (SQLite; report mode on
    /// PostgreSQL too with `--database-url postgres://…`).
    Backfill(backfill::BackfillBenchArgs),
    /// Seed sold Amazon units with their financial events and time the fee
    /// preview, the first reconciliation run and a second (no-op) run
    /// (SQLite; PostgreSQL too with `--database-url postgres://…`).
    Fees {
        /// Sold units to seed.
        #[arg(long, default_value_t = 10_000)]
        units: usize,
        /// Past orders seeded first.
        #[command(flatten)]
        history: History,
    },
    /// Seed sold Amazon units with their fee events (three years, two
    /// currencies), reconcile them and time the profit report (JSON, page,
    /// CSV) and the stock view over HTTP (SQLite; PostgreSQL too with
    /// `--database-url postgres://…`).
    Reports(reports::ReportsArgs),
    /// Time from nothing to the setup link of a demo start (fresh data
    /// folder each run: migrations, simulator, first sync, demo data) and
    /// the resident memory right after and once idle.
    DemoStart(demo_start::DemoStartArgs),
    /// The first scheduled sync of 10,000 orders over three marketplaces
    /// (UK, DE, SE) against a time-scaled simulator: simulated minutes,
    /// calls, 429s.
    ScheduledSync(scheduled_sync::ScheduledSyncArgs),
    /// N shipment confirmations sent by the ship job against a
    /// time-scaled simulator: achieved ÷ permitted rate, 429s.
    Ship(ship::ShipBenchArgs),
    /// Achieved ÷ permitted call rate of getOrderItems against the
    /// simulator under a time-scaled usage plan.
    SpapiRate {
        /// Calls to make.
        #[arg(long, default_value_t = 200)]
        calls: usize,
        /// Simulated-time factor (rates scale with it).
        #[arg(long, default_value_t = 100.0)]
        time_scale: f64,
    },
}

/// The `--database-url` when it names a PostgreSQL server: the benchmarks
/// that take one run there too, in a scratch database.
fn postgres_url(global: &GlobalArgs) -> Option<String> {
    global
        .database_url
        .clone()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// Runs the benchmark `cli` names.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    match cli.command {
        BenchCommand::CsvImport { rows } => csv_import::run(postgres_url(global), rows).await,
        BenchCommand::OrdersList(args) => {
            let url = global.resolved_database_url();
            let postgres = url.starts_with("postgres").then_some(url.as_str());
            orders_list::run(&args, postgres).await
        }
        BenchCommand::Picklist { orders, history } => {
            let measure = fulfil::Measure::Picklist;
            fulfil::run(postgres_url(global), measure, orders, history).await
        }
        BenchCommand::Confirm { orders, history } => {
            let measure = fulfil::Measure::Confirm;
            fulfil::run(postgres_url(global), measure, orders, history).await
        }
        BenchCommand::Backfill(args) => backfill::run(&args, postgres_url(global).as_deref()).await,
        BenchCommand::Fees { units, history } => {
            fees::run(postgres_url(global), units, history).await
        }
        BenchCommand::Reports(args) => reports::run(postgres_url(global), args).await,
        BenchCommand::DemoStart(args) => demo_start::run(&args).await,
        BenchCommand::ScheduledSync(args) => {
            scheduled_sync::run(&args, postgres_url(global).as_deref()).await
        }
        BenchCommand::Ship(args) => ship::run(&args).await,
        BenchCommand::SpapiRate { calls, time_scale } => {
            let report = spapi_rate::bench_rate(calls, time_scale).await?;
            println!("{report}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Clap's own checks of every benchmark's options: two options of one
    /// command sharing an id only fail when that command is parsed.
    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
