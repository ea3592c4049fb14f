//! Every command-line flag of `brickdesk` (each also an environment
//! variable where it configures the app), and their resolution into the
//! typed [`Config`] of `serve`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::amazon::backfill::{self, BackfillMode};
use crate::amazon::sync::OrdersApi;
use crate::auth::Role;
use crate::config::{AllowList, BackupSchedule, Config, ConfigError, DemoMode, TimeZone, VERSION};
use crate::telemetry::LogFormat;

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
    /// `text` for people, `json` (one object a line) for log collectors.
    #[arg(
        long,
        global = true,
        env = "BRICKDESK_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
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
    /// Print the JSON API's OpenAPI 3.1 document (as served at
    /// `/api/openapi.json`), for client generators.
    Openapi,
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
    Fees(FeesCommand),
    /// Sync Amazon orders now (incremental), with a progress bar.
    Sync(SyncArgs),
    /// Fetch the lines of Amazon orders that are missing them.
    Backfill(BackfillArgs),
    /// Connect Amazon from the command line, or check the connection.
    #[command(subcommand)]
    Amazon(AmazonCommand),
    /// Write a consistent copy of the SQLite database while the server
    /// runs (on PostgreSQL: print the pg_dump command to use).
    Backup(BackupArgs),
    /// Replace the SQLite database of a stopped data folder with a backup
    /// (checked first; the database replaced is kept beside it).
    Restore(RestoreArgs),
    /// Ask a running server's `/healthz`; exit 0 when healthy (for
    /// container health checks, which have no curl).
    Healthcheck(HealthcheckArgs),
}

/// Options of `healthcheck`.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The health URL to ask.
    #[arg(
        long,
        env = "BRICKDESK_HEALTH_URL",
        default_value = "http://127.0.0.1:3000/healthz"
    )]
    pub url: String,
}

/// Options of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub file: PathBuf,
}

/// `brickdesk amazon …`: set up a server without a browser.
#[derive(Debug, Subcommand)]
pub enum AmazonCommand {
    /// Store the seller's Amazon credentials, then check them. The client
    /// secret and refresh token are read from BRICKDESK_AMAZON_CLIENT_SECRET
    /// and BRICKDESK_AMAZON_REFRESH_TOKEN, else asked for on standard input
    /// (never from arguments, which other users of the machine can see).
    Connect(ConnectArgs),
    /// Check the stored credentials: get an access token and search orders.
    Test(AmazonArgs),
}

/// Options of `amazon connect`.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// SP-API region: `eu`, `na` or `fe`.
    #[arg(long, default_value = "eu", value_parser = region)]
    pub region: spapi::Region,
    /// Marketplace ids to sync, comma-separated (e.g. A1F83G8C2ARO7P for
    /// the UK, A1PA6795UKMFR9 for Germany).
    #[arg(long, value_delimiter = ',', required = true)]
    pub marketplaces: Vec<String>,
    /// The LWA app's client id.
    #[arg(long)]
    pub client_id: String,
    /// Where Amazon is.
    #[command(flatten)]
    pub amazon: AmazonArgs,
}

fn region(text: &str) -> Result<spapi::Region, String> {
    spapi::Region::from_code(text).ok_or_else(|| format!("{text:?} is not a region: eu, na or fe"))
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BRICKDESK_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The seller's time zone (IANA name); archive locations use it.
    #[arg(long, env = "BRICKDESK_TIME_ZONE", default_value = TimeZone::DEFAULT_NAME)]
    pub time_zone: String,
    /// Demo data: `auto` seeds it into an empty database when no Amazon
    /// credentials are configured; `on` always runs in demo mode; `off` never.
    #[arg(long, env = "BRICKDESK_DEMO", value_enum, default_value_t = DemoMode::Auto)]
    pub demo: DemoMode,
    /// Where Amazon is.
    #[command(flatten)]
    pub amazon: AmazonArgs,
    /// Missing orders above which Fetch Missing Items reads Amazon's
    /// all-orders report instead of asking order by order (default 50).
    #[arg(long, env = "BRICKDESK_BACKFILL_REPORT_THRESHOLD")]
    pub backfill_report_threshold: Option<u64>,
    /// How often to sync Amazon orders by themselves (`30s`, `15m`, `1h`,
    /// or `off`); runs only while Amazon is connected or in demo mode.
    /// Orders that came without lines are backfilled after each sync.
    #[arg(long, env = "BRICKDESK_SYNC_EVERY", default_value = "15m")]
    pub sync_every: String,
    /// How often to fetch and reconcile Amazon's fees by themselves.
    #[arg(long, env = "BRICKDESK_FEES_EVERY", default_value = "24h")]
    pub fees_every: String,
    /// How often to back up the SQLite database into DATA_DIR/backups
    /// (`24h`, or `off`); a backup is taken at start when the newest is
    /// older than that.
    #[arg(long, env = "BRICKDESK_BACKUP_EVERY", default_value = "off")]
    pub backup_every: String,
    /// Scheduled backups to keep (the oldest are deleted).
    #[arg(long, env = "BRICKDESK_BACKUP_KEEP", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,
    /// Addresses or networks that may read /metrics without a token
    /// (`127.0.0.1,10.0.0.0/8`; behind a reverse proxy, the proxy's).
    #[arg(long, env = "BRICKDESK_METRICS_ALLOW", default_value = "")]
    pub metrics_allow: String,
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
    /// Marketplace ids the seller sells on, comma-separated (UK and EU
    /// ones), each order in its marketplace's currency; default the UK.
    #[arg(long, env = "BRICKDESK_SIM_MARKETPLACES", default_value = spapi_sim::DEMO_MARKETPLACE_ID)]
    pub marketplaces: String,
}

/// Where Amazon is (credentials come from the database).
#[derive(Debug, Clone, Args)]
pub struct AmazonArgs {
    /// SP-API base URL instead of the region's host (e.g. a `brickdesk sim`).
    #[arg(long, env = "BRICKDESK_AMAZON_API_URL")]
    pub amazon_api_url: Option<String>,
    /// LWA token URL instead of Amazon's.
    #[arg(long, env = "BRICKDESK_AMAZON_LWA_URL")]
    pub amazon_lwa_url: Option<String>,
}

/// Options of `sync`.
#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Orders API: `2026-01-01` (searchOrders, lines inline) or `v0` (getOrders).
    #[arg(long, env = "BRICKDESK_SYNC_API", default_value = "2026-01-01", value_parser = orders_api)]
    pub api: OrdersApi,
    /// Days the first sync covers.
    #[arg(long, env = "BRICKDESK_SYNC_WINDOW_DAYS", default_value_t = 90)]
    pub window_days: i64,
    /// Where Amazon is.
    #[command(flatten)]
    pub amazon: AmazonArgs,
}

/// Options of `backfill`.
#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Per-order API: `v0` (getOrderItems) or `2026-01-01` (getOrder).
    #[arg(long, env = "BRICKDESK_BACKFILL_API", default_value = "v0", value_parser = orders_api)]
    pub api: OrdersApi,
    /// `auto` (the all-orders report when more than the threshold of
    /// orders are missing), `report` or `per-order`.
    #[arg(
        long,
        env = "BRICKDESK_BACKFILL_MODE",
        value_enum,
        ignore_case = true,
        default_value_t = BackfillMode::Auto
    )]
    pub mode: BackfillMode,
    /// Missing orders above which `auto` reads the report.
    #[arg(long, env = "BRICKDESK_BACKFILL_REPORT_THRESHOLD", default_value_t = backfill::DEFAULT_REPORT_THRESHOLD)]
    pub report_threshold: u64,
    /// Where Amazon is.
    #[command(flatten)]
    pub amazon: AmazonArgs,
}

fn orders_api(text: &str) -> Result<OrdersApi, String> {
    OrdersApi::parse(text).ok_or_else(|| format!("must be 2026-01-01 or v0, not {text:?}"))
}

/// `brickdesk fees …`
#[derive(Debug, Clone, Subcommand)]
pub enum FeesCommand {
    /// Fetch Amazon's financial events posted since the last sync, then
    /// reconcile them (the fees job; Ctrl-C stops, an interrupted job
    /// resumes).
    Sync(FeesSyncArgs),
    /// Share the stored events across sold units (`--dry-run`: show what
    /// would change, write nothing).
    Reconcile {
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Options of `fees sync`.
#[derive(Debug, Clone, Args)]
pub struct FeesSyncArgs {
    /// Fetch only; reconcile later with `brickdesk fees reconcile`.
    #[arg(long)]
    pub fetch_only: bool,
    /// Where Amazon is.
    #[command(flatten)]
    pub amazon: AmazonArgs,
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

/// `brickdesk user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// Username.
        name: String,
        /// `owner` or `staff`.
        #[arg(long, default_value = "staff", value_parser = role)]
        role: Role,
        /// Read the password from standard input (required: passwords are
        /// never taken from the command line, where `ps` would show them).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("unknown role '{text}' (owner or staff)"))
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

impl ServeArgs {
    /// The configuration of `serve`: these flags and the shared ones,
    /// checked and typed.
    pub fn resolve(&self, global: &GlobalArgs) -> Result<Config, ConfigError> {
        Ok(Config {
            database_url: global.resolved_database_url(),
            data_dir: global.data_dir.clone(),
            addr: self.addr,
            time_zone: TimeZone::from_name(&self.time_zone)?,
            demo: self.demo,
            secret_key: global.secret_key.clone(),
            amazon_api_url: self.amazon.amazon_api_url.clone(),
            amazon_lwa_url: self.amazon.amazon_lwa_url.clone(),
            backfill_report_threshold: self.backfill_report_threshold,
            sync_every: every("sync-every", &self.sync_every)?,
            fees_every: every("fees-every", &self.fees_every)?,
            backups: every("backup-every", &self.backup_every)?.map(|every| BackupSchedule {
                every,
                keep: self.backup_keep as usize,
            }),
            metrics_allow: AllowList::parse(&self.metrics_allow)?,
        })
    }
}

fn every(flag: &'static str, text: &str) -> Result<Option<std::time::Duration>, ConfigError> {
    crate::domain::schedule::parse_every(text).map_err(|error| ConfigError::Every { flag, error })
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
mod tests;
