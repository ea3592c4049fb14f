//! Logging setup.

use tracing_subscriber::EnvFilter;

/// Installs a global subscriber writing human-readable lines to stderr.
/// Safe to call twice (tests): the second call does nothing.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
