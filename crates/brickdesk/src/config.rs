//! Command-line flags (each also an environment variable) and the
//! resolved configuration the application is built from.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version `--version` prints: the package version and the git commit
/// the binary was built from (`0.1.0 (7ebb91d)`; "unknown" when built
/// outside a git checkout), recorded by the build script.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("BRICKDESK_GIT_COMMIT"),
    ")"
);

/// Brickdesk: orders, inventory and Amazon fees for a LEGO reseller.
#[derive(Debug, Parser)]
#[command(name = "brickdesk", version = VERSION, about)]
pub struct Cli {
    /// Options every command shares.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder for the SQLite database and the secret key file.
    #[arg(
        long,
        global = true,
        env = "BRICKDESK_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,
    /// `sqlite://path` or `postgres://user@host/db`; `DATABASE_URL` is also
    /// read. Default: SQLite at DATA_DIR/brickdesk.db.
    #[arg(long, global = true, env = "BRICKDESK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Log filter, e.g. `info` or `brickdesk=debug,tower_http=debug`.
    #[arg(long, global = true, env = "BRICKDESK_LOG", default_value = "info")]
    pub log: String,
    /// Key (64 hex digits) that encrypts stored Amazon credentials. Without
    /// it, a key file `secret.key` (mode 0600) in the data folder is used,
    /// created on first start. Keep it out of the database and its backups.
    #[arg(
        long,
        global = true,
        env = "BRICKDESK_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Run the SP-API simulator standalone.
    Sim(SimArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import and export inventory units as CSV.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// Amazon fees: fetch financial events, reconcile them onto sold units.
    #[command(subcommand)]
    Fees(crate::cli::fees::FeesCommand),
    /// Time parts of the app on generated data.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Sync Amazon orders now (incremental), with a progress bar.
    Sync(crate::cli::jobs::SyncArgs),
    /// Fetch the lines of Amazon orders that are missing them.
    Backfill(crate::cli::jobs::BackfillArgs),
}

/// `brickdesk inventory …`
#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Import units from a CSV file: all rows or none; duplicates (same
    /// SKU or external id) are skipped.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Check the file and show what would be created; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export units as CSV (all of them, or those matching the filters).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Substring of set number, name, SKU or location.
        #[arg(long)]
        search: Option<String>,
        /// Only this status (e.g. LISTED, "NOT YET RECEIVED").
        #[arg(long)]
        status: Option<String>,
        /// Only this condition (New or Used).
        #[arg(long)]
        condition: Option<String>,
        /// Only this exact storage location.
        #[arg(long)]
        location: Option<String>,
        /// created_at (default), set_number, location or listing_price.
        #[arg(long)]
        sort: Option<String>,
        /// Sort newest/highest first.
        #[arg(long)]
        descending: bool,
    },
}

/// `brickdesk bench …`
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
    OrdersList(crate::cli::bench_orders::OrdersListArgs),
    /// Time to build the Amazon picking list (data and PDF) for N Paid
    /// orders (SQLite; PostgreSQL too with `--database-url postgres://…`).
    Picklist {
        /// Paid orders to seed.
        #[arg(long, env = "BRICKDESK_BENCH_ORDERS", default_value_t = 1_000)]
        orders: usize,
    },
    /// Time to confirm N orders processed in one request (SQLite;
    /// PostgreSQL too with `--database-url postgres://…`).
    Confirm {
        /// Paid orders to seed and confirm.
        #[arg(long, env = "BRICKDESK_BENCH_ORDERS", default_value_t = 500)]
        orders: usize,
    },
    /// Backfill of 10,000 orders against a time-scaled simulator: simulated
    /// time, achieved ÷ permitted call rate, 429s.
    Backfill(crate::cli::bench_backfill::BackfillBenchArgs),
    /// Seed sold Amazon units with their financial events and time the fee
    /// preview, the first reconciliation run and a second (no-op) run
    /// (SQLite; PostgreSQL too with `--database-url postgres://…`).
    Fees {
        /// Sold units to seed.
        #[arg(long, default_value_t = 10_000)]
        units: usize,
    },
    /// Time from nothing to the setup link of a demo start (fresh data
    /// folder each run: migrations, simulator, first sync, demo data) and
    /// the resident memory right after and once idle.
    DemoStart(crate::cli::bench_demo::DemoStartArgs),
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

/// `brickdesk user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// Username.
        name: String,
        /// `owner` or `staff`.
        #[arg(long, default_value = "staff")]
        role: String,
        /// Read the password from standard input (required: passwords are
        /// never taken from the command line, where `ps` would show them).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// `brickdesk token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once.
    Create {
        /// A name saying what the token is for.
        name: String,
        /// The user the token acts as (default: the only owner).
        #[arg(long)]
        user: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// Token id as `token list` shows it.
        id: i64,
    },
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BRICKDESK_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The seller's time zone (IANA name); archive locations use it.
    #[arg(long, env = "BRICKDESK_TIME_ZONE", default_value = "Europe/London")]
    pub time_zone: String,
    /// Demo data: `auto` seeds it into an empty database when no Amazon
    /// credentials are configured; `on` always runs in demo mode; `off` never.
    #[arg(long, env = "BRICKDESK_DEMO", value_enum, default_value_t = DemoMode::Auto)]
    pub demo: DemoMode,
    /// SP-API base URL instead of the region's host (e.g. a `brickdesk sim`).
    #[arg(long, env = "BRICKDESK_AMAZON_API_URL")]
    pub amazon_api_url: Option<String>,
    /// LWA token URL instead of Amazon's.
    #[arg(long, env = "BRICKDESK_AMAZON_LWA_URL")]
    pub amazon_lwa_url: Option<String>,
    /// Missing orders above which Fetch Missing Items reads Amazon's
    /// all-orders report instead of asking order by order (default 50).
    #[arg(long, env = "BRICKDESK_BACKFILL_REPORT_THRESHOLD")]
    pub backfill_report_threshold: Option<u64>,
}

/// Options of `sim`.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, env = "BRICKDESK_SIM_ADDR", default_value = "127.0.0.1:3100")]
    pub addr: SocketAddr,
    /// Orders of the simulated seller.
    #[arg(long, env = "BRICKDESK_SIM_ORDERS", default_value_t = 300)]
    pub orders: usize,
    /// Seed of the simulated seller.
    #[arg(long, env = "BRICKDESK_SIM_SEED", default_value_t = 42)]
    pub seed: u64,
    /// How much faster simulated time runs (rates and waits scale together).
    #[arg(long, env = "BRICKDESK_SIM_TIME_SCALE", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Faults to inject, e.g. `429:0.1,500:0.05,drop:0.02,slow:0.05@2s,expired#3`.
    #[arg(long, env = "BRICKDESK_SIM_FAULTS", default_value = "")]
    pub faults: String,
    /// Enable the test-only `/_sim/…` control endpoints.
    #[arg(long, env = "BRICKDESK_SIM_CONTROL")]
    pub control: bool,
}

/// Whether the app runs with demo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoMode {
    /// Demo when the database is empty and Amazon is not configured.
    Auto,
    /// Always demo mode.
    On,
    /// Never demo mode.
    Off,
}

/// Everything the application needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL (resolved; never empty).
    pub database_url: String,
    /// Data folder.
    pub data_dir: PathBuf,
    /// Listen address (port 0 picks a free port, as tests do).
    pub addr: SocketAddr,
    /// IANA time zone name, validated.
    pub time_zone: String,
    /// Demo data choice.
    pub demo: DemoMode,
    /// Encryption key for stored secrets (hex), if given.
    pub secret_key: Option<String>,
    /// SP-API base URL override.
    pub amazon_api_url: Option<String>,
    /// LWA token URL override.
    pub amazon_lwa_url: Option<String>,
    /// Backfill report threshold override (`None`: 50).
    pub backfill_report_threshold: Option<u64>,
}

/// A configuration value was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unknown time zone name.
    #[error("unknown time zone '{0}' (use an IANA name such as Europe/London)")]
    TimeZone(String),
}

impl GlobalArgs {
    /// The database URL: the flag, else `DATABASE_URL`, else SQLite in the
    /// data folder.
    pub fn resolved_database_url(&self) -> String {
        self.database_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| {
                std::env::var("DATABASE_URL")
                    .ok()
                    .filter(|u| !u.trim().is_empty())
            })
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("brickdesk.db").display()))
    }
}

impl Config {
    /// Builds the configuration of `serve` from parsed flags.
    pub fn from_args(global: &GlobalArgs, serve: &ServeArgs) -> Result<Config, ConfigError> {
        if crate::domain::location::time_zone(&serve.time_zone).is_none() {
            return Err(ConfigError::TimeZone(serve.time_zone.clone()));
        }
        Ok(Config {
            database_url: global.resolved_database_url(),
            data_dir: global.data_dir.clone(),
            addr: serve.addr,
            time_zone: serve.time_zone.clone(),
            demo: serve.demo,
            secret_key: global.secret_key.clone(),
            amazon_api_url: serve.amazon_api_url.clone(),
            amazon_lwa_url: serve.amazon_lwa_url.clone(),
            backfill_report_threshold: serve.backfill_report_threshold,
        })
    }
}

impl Cli {
    /// Parses the process arguments; without a subcommand they are read
    /// as `serve`'s, so `brickdesk --addr …` equals `brickdesk serve --addr …`.
    pub fn parse_with_default() -> Cli {
        Self::parse_args_with_default(std::env::args_os().collect())
    }

    /// [`Cli::parse_with_default`] over given arguments (program name first).
    pub fn parse_args_with_default(args: Vec<std::ffi::OsString>) -> Cli {
        let first = Cli::try_parse_from(&args);
        if let Ok(cli) = &first
            && cli.command.is_some()
        {
            return first.unwrap_or_else(|e| e.exit());
        }
        if let Err(e) = &first
            && matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            )
        {
            e.exit();
        }
        // Global options are accepted after the subcommand too.
        let mut as_serve = args.clone();
        as_serve.insert(1.min(as_serve.len()), "serve".into());
        match Cli::try_parse_from(as_serve) {
            Ok(cli) => cli,
            Err(serve_err) => first.map_or_else(|e| e.exit(), |_| serve_err.exit()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::parse_args_with_default(args.iter().map(std::ffi::OsString::from).collect())
    }

    #[test]
    fn serve_is_the_default_with_or_without_its_flags() {
        for args in [
            &["brickdesk"][..],
            &["brickdesk", "--addr", "127.0.0.1:4000"],
            &["brickdesk", "--data-dir", "/tmp/x", "--demo", "off"],
        ] {
            assert!(
                matches!(parse(args).command, Some(Command::Serve(_))),
                "{args:?}"
            );
        }
        let Some(Command::Serve(serve)) = parse(&["brickdesk", "--addr", "127.0.0.1:4000"]).command
        else {
            panic!("serve");
        };
        assert_eq!(serve.addr.port(), 4000);
        let cli = parse(&["brickdesk", "--data-dir", "/tmp/x", "migrate"]);
        assert!(matches!(cli.command, Some(Command::Migrate)));
        assert_eq!(cli.global.data_dir, std::path::PathBuf::from("/tmp/x"));
    }
}
