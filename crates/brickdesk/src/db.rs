//! Storage: one set of queries (built with sea-query) that runs on SQLite
//! or PostgreSQL, chosen by the database URL. All SQL lives under `db/`.

pub mod audit;
pub mod backup;
pub mod confirmations;
pub mod cursors;
mod error;
mod exec;
pub mod fees;
pub mod fulfilment;
pub mod inventory;
pub mod inventory_import;
pub mod jobs;
pub mod links;
pub mod mappings;
pub mod orders;
pub mod reports;
pub mod schedules;
pub mod schema;
pub mod settings;
pub mod shipments;
mod types;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use time::{OffsetDateTime, UtcOffset};

pub use error::{Clash, DbError};
pub(crate) use exec::from_row;
pub use exec::{Conn, Tx};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection pool to the application database.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

/// A PostgreSQL connection idle longer than this is pinged before use.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). For SQLite the
    /// file and its folder are created if missing; WAL, foreign keys and a
    /// busy timeout are always on.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| DbError::BadUrl(format!("{}: {e}", redact(url))))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                // A ping before every use is a round trip per query; a
                // connection busy a moment ago is alive, so only one idle
                // for a while is checked (sqlx's documented pattern).
                .test_before_acquire(false)
                .after_release(|conn, _| Box::pin(release_outside_transaction(conn)))
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > PING_IF_IDLE_FOR {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options)
                .await
                .map_err(|e| DbError::Connect(format!("{}: {e}", redact(url))))?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::BadUrl(format!(
                "'{}' is neither a sqlite: nor a postgres:// URL",
                redact(url)
            )))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Db, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::BadUrl(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = options.get_filename();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            ensure_writable_dir(dir)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            // A SQLite connection is an open file, not a link that can drop:
            // sqlx's ping before each use would only add a hop to the
            // connection's thread on every query.
            .test_before_acquire(false)
            // A connection idle this long is closed, giving back its page cache.
            .idle_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(release_outside_transaction(conn)))
            .connect_with(options)
            .await
            .map_err(|e| DbError::Connect(format!("{url}: {e}")))?;
        Ok(Db::Sqlite(pool))
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let result = match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| DbError::Migrate(e.to_string()))
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        let one: (i64,) = match self {
            Db::Sqlite(pool) => sqlx::query_as("SELECT 1").fetch_one(pool).await?,
            Db::Postgres(pool) => sqlx::query_as("SELECT 1::BIGINT").fetch_one(pool).await?,
        };
        if one.0 == 1 {
            Ok(())
        } else {
            Err(DbError::Connect("ping answered wrongly".into()))
        }
    }

    /// Whether the database can take writes: a PostgreSQL server in
    /// read-only mode, or a SQLite file on a read-only or (nearly) full
    /// filesystem, cannot. Reads only; nothing is written to find out.
    pub async fn write_health(&self) -> Result<WriteHealth, DbError> {
        match self {
            Db::Sqlite(pool) => Ok(sqlite_file_health(pool.connect_options().get_filename())),
            Db::Postgres(pool) => {
                let (read_only,): (bool,) = sqlx::query_as(
                    "SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery()",
                )
                .fetch_one(pool)
                .await?;
                Ok(if read_only {
                    WriteHealth::ReadOnly
                } else {
                    WriteHealth::Writable
                })
            }
        }
    }

    /// Refreshes the query planner's statistics (after a bulk load; a live
    /// PostgreSQL does this by autovacuum, SQLite by `PRAGMA optimize`).
    /// On PostgreSQL it also vacuums, which marks the freshly loaded pages
    /// all-visible so deep pages can be read from indexes alone.
    pub async fn analyze(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(drop)?,
            Db::Postgres(pool) => sqlx::query("VACUUM ANALYZE")
                .execute(pool)
                .await
                .map(drop)?,
        }
        Ok(())
    }

    /// The file of a `sqlite:` URL (`None`: not a SQLite URL).
    pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        let options = SqliteConnectOptions::from_str(url).ok()?;
        url.starts_with("sqlite:")
            .then(|| options.get_filename().to_path_buf())
    }

    /// Connections open in the pool, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Closes every connection (lets SQLite checkpoint its WAL).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Whether the database can take writes, as `/healthz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteHealth {
    /// Writes can go ahead.
    Writable,
    /// The database or its filesystem is read-only.
    ReadOnly,
    /// The filesystem holding the database is (nearly) full.
    DiskFull,
}

impl WriteHealth {
    /// The word for it in `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteHealth::Writable => "ok",
            WriteHealth::ReadOnly => "read-only",
            WriteHealth::DiskFull => "disk-full",
        }
    }
}

/// Below this much free space a SQLite database may fail its next commit
/// (WAL growth, checkpoints), so health reports the disk full.
const MIN_FREE_BYTES: u64 = 1 << 20;

#[cfg(unix)]
fn sqlite_file_health(file: &Path) -> WriteHealth {
    use rustix::fs::StatVfsMountFlags;
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match rustix::fs::statvfs(dir) {
        Ok(fs) if fs.f_flag.contains(StatVfsMountFlags::RDONLY) => WriteHealth::ReadOnly,
        Ok(fs) if fs.f_bavail.saturating_mul(fs.f_frsize) < MIN_FREE_BYTES => WriteHealth::DiskFull,
        _ => WriteHealth::Writable,
    }
}

#[cfg(not(unix))]
fn sqlite_file_health(_file: &Path) -> WriteHealth {
    WriteHealth::Writable
}

/// Whether a connection handed back to the pool may be reused: only when
/// no transaction is left open on it. A transaction the engine ended by
/// itself (SQLite rolls back when a COMMIT fails on a full disk) makes the
/// driver's ROLLBACK fail and leaves it counting one open transaction,
/// which would refuse every later BEGIN on that connection; it is closed.
async fn release_outside_transaction<C: sqlx::Connection>(
    conn: &mut C,
) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped transaction's ROLLBACK is queued; the ping runs after it.
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

fn ensure_writable_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| DbError::DataDir(format!("cannot create {}: {e}", dir.display())))?;
    let probe = dir.join(".brickdesk-write-test");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| DbError::DataDir(format!("{} is not writable: {e}", dir.display())))
}

/// Hides the password of a URL before it goes into a message or log.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// A timestamp as stored: UTC, whole seconds. SQLite keeps timestamps as
/// RFC 3339 text whose fraction has a variable length, which would break
/// text ordering within a second; whole seconds keep order and equality
/// identical on both backends.
pub fn stored_time(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// The current time as stored.
pub fn now() -> OffsetDateTime {
    stored_time(OffsetDateTime::now_utc())
}

/// A LIKE pattern matching `text` anywhere, lower-cased, with `\`, `%`
/// and `_` escaped (use with `ESCAPE` backslash) so they match themselves.
pub(crate) fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::like_contains;

    #[test]
    fn like_patterns_are_literal() {
        assert_eq!(like_contains("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_contains("FALCON"), "%falcon%");
    }
}
