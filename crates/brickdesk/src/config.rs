//! The resolved configuration the application is built from: typed values,
//! checked once at start. The command-line flags that produce it are in
//! [`crate::cli::args`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::ValueEnum;
use time_tz::Tz;

/// The version `--version` prints: the package version and the git commit
/// the binary was built from (`0.1.0 (7ebb91d)`; "unknown" when built
/// outside a git checkout), recorded by the build script.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("BRICKDESK_GIT_COMMIT"),
    ")"
);

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

/// The seller's time zone: an IANA zone, looked up once when the
/// configuration is read. The default is Europe/London.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(&'static Tz);

impl TimeZone {
    /// The name of the default zone, as the `--time-zone` flag shows it.
    pub const DEFAULT_NAME: &'static str = "Europe/London";

    /// Looks up an IANA name such as `Europe/London`.
    pub fn from_name(name: &str) -> Result<TimeZone, ConfigError> {
        crate::domain::location::time_zone(name)
            .map(TimeZone)
            .ok_or_else(|| ConfigError::TimeZone(name.to_owned()))
    }

    /// The zone, for converting times.
    pub fn tz(self) -> &'static Tz {
        self.0
    }

    /// Its IANA name.
    pub fn name(self) -> &'static str {
        time_tz::TimeZone::name(self.0)
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(time_tz::timezones::db::europe::LONDON)
    }
}

// The zone's own Debug lists its every transition; its name says enough.
impl std::fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TimeZone").field(&self.name()).finish()
    }
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
    /// The seller's time zone.
    pub time_zone: TimeZone,
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
    /// How often order sync runs by itself (`None`: never).
    pub sync_every: Option<std::time::Duration>,
    /// How often the fees job runs by itself (`None`: never).
    pub fees_every: Option<std::time::Duration>,
    /// Scheduled backups of a SQLite database (`None`: none).
    pub backups: Option<BackupSchedule>,
    /// Addresses that may read `/metrics` without a token.
    pub metrics_allow: AllowList,
}

/// Addresses and networks (`10.0.0.0/8`, `::1`), e.g. the scrapers that
/// may read metrics without a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<(IpAddr, u8)>);

impl AllowList {
    /// Reads a comma-separated list; empty allows nobody.
    pub fn parse(text: &str) -> Result<AllowList, ConfigError> {
        let entry = |item: &str| -> Option<(IpAddr, u8)> {
            let (addr, prefix) = match item.split_once('/') {
                Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
                None => {
                    let addr = item.parse::<IpAddr>().ok()?;
                    (addr, if addr.is_ipv4() { 32 } else { 128 })
                }
            };
            let max = if addr.is_ipv4() { 32 } else { 128 };
            (prefix <= max).then_some((addr, prefix))
        };
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| entry(item).ok_or_else(|| ConfigError::AllowList(item.to_owned())))
            .collect::<Result<_, _>>()
            .map(AllowList)
    }

    /// Whether `ip` is one of the addresses or in one of the networks.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, prefix)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix == 0 || (u32::from(net) ^ u32::from(ip)) >> (32 - u32::from(prefix)) == 0
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix == 0 || (u128::from(net) ^ u128::from(ip)) >> (128 - u32::from(prefix)) == 0
            }
            _ => false,
        })
    }
}

/// `--backup-every` and `--backup-keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSchedule {
    /// Time between two backups.
    pub every: std::time::Duration,
    /// Backups kept.
    pub keep: usize,
}

impl Config {
    /// One process on a loopback port the system picks, every option at
    /// its default (as tests and benchmarks start the app).
    pub fn on_loopback(database_url: String, data_dir: PathBuf) -> Config {
        Config {
            database_url,
            data_dir,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            time_zone: TimeZone::default(),
            demo: DemoMode::Auto,
            secret_key: None,
            amazon_api_url: None,
            amazon_lwa_url: None,
            backfill_report_threshold: None,
            sync_every: None,
            fees_every: None,
            backups: None,
            metrics_allow: AllowList::default(),
        }
    }
}

/// A configuration value was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An allow-list entry that is neither an address nor a network.
    #[error("--metrics-allow: '{0}' is not an address or a network such as 10.0.0.0/8")]
    AllowList(String),
    /// Unknown time zone name.
    #[error("unknown time zone '{0}' (use an IANA name such as Europe/London)")]
    TimeZone(String),
    /// An interval flag that does not read.
    #[error("--{flag}: {error}")]
    Every {
        /// The flag.
        flag: &'static str,
        /// Why.
        error: crate::domain::schedule::EveryError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_take_addresses_and_networks() {
        let list = AllowList::parse(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8,").expect("parses");
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        for yes in ["127.0.0.1", "10.1.2.3", "::ffff:10.9.9.9", "fd12::1"] {
            assert!(list.allows(ip(yes)), "{yes}");
        }
        for no in ["127.0.0.2", "11.0.0.1", "::1", "fe80::1"] {
            assert!(!list.allows(ip(no)), "{no}");
        }
        assert!(
            !AllowList::default().allows(ip("127.0.0.1")),
            "empty allows nobody"
        );
        assert!(
            AllowList::parse("0.0.0.0/0")
                .expect("all")
                .allows(ip("8.8.8.8"))
        );
        for bad in ["localhost", "10.0.0.0/33", "::/129", "1.2.3"] {
            let err = AllowList::parse(bad).expect_err(bad);
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn time_zones_are_looked_up_once_by_name() {
        let london = TimeZone::from_name(TimeZone::DEFAULT_NAME).expect("London");
        assert_eq!(london, TimeZone::default());
        assert_eq!(london.name(), "Europe/London");
        assert_eq!(format!("{london:?}"), r#"TimeZone("Europe/London")"#);
        assert_eq!(
            TimeZone::from_name("Asia/Tokyo").map(TimeZone::name).ok(),
            Some("Asia/Tokyo")
        );
        let err = TimeZone::from_name("Mars/Olympus").expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)"
        );
    }
}
