//! The SQL of backups: a consistent copy of a live SQLite database, and
//! what a database file is found to hold before it is restored.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Db, DbError, SQLITE_MIGRATIONS};

/// Writes a copy of the SQLite database to `path` with `VACUUM INTO`: one
/// read transaction, so the copy is the database at one moment while
/// other connections go on writing. `path` must not exist.
pub async fn sqlite_copy_to(db: &Db, path: &Path) -> Result<(), DbError> {
    let Db::Sqlite(pool) = db else {
        return Err(DbError::BadUrl(
            "a copy by VACUUM INTO is for SQLite databases".into(),
        ));
    };
    let target = path
        .to_str()
        .ok_or_else(|| DbError::DataDir(format!("{} is not UTF-8", path.display())))?;
    // A file name is no bind parameter here; quoting it as a literal is
    // SQLite's own rule for strings.
    let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
    Ok(())
}

/// What a SQLite file holds, read without writing to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFindings {
    /// `PRAGMA integrity_check`'s complaints (none: the file is sound).
    pub problems: Vec<String>,
    /// The newest migration applied to it (`None`: not a Brickdesk
    /// database, it has no migration table).
    pub migration: Option<i64>,
}

/// Opens `path` read-only and checks it. An unreadable file (not a
/// database, truncated, encrypted) is an error.
pub async fn inspect_sqlite_file(path: &Path) -> Result<FileFindings, DbError> {
    let url = format!("sqlite://{}", path.display());
    let mut conn = SqliteConnectOptions::from_str(&url)
        .map_err(|e| DbError::BadUrl(format!("{url}: {e}")))?
        .read_only(true)
        .create_if_missing(false)
        .connect()
        .await
        .map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
    let result = async {
        let problems: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await?;
        let problems: Vec<String> = problems
            .into_iter()
            .map(|(p,)| p)
            .filter(|p| p != "ok")
            .collect();
        let has_table: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut conn)
        .await?;
        let migration = match has_table {
            Some(_) => {
                let (newest,): (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                        .fetch_one(&mut conn)
                        .await?;
                newest
            }
            None => None,
        };
        Ok::<_, sqlx::Error>(FileFindings {
            problems,
            migration,
        })
    }
    .await;
    conn.close().await.ok();
    Ok(result?)
}

/// The newest SQLite migration this build carries.
pub fn newest_sqlite_migration() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}
