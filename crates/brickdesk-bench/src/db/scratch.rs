//! Throw-away PostgreSQL databases, for benchmarks that must not touch the
//! database they are pointed at.

use std::path::PathBuf;

use anyhow::{Context, bail};
use brickdesk::db::Db;

/// A scratch database created on a PostgreSQL server; [`Scratch::drop_now`]
/// removes it.
#[derive(Debug)]
pub struct Scratch {
    /// The migrated scratch database.
    pub db: Db,
    admin: Db,
    name: String,
}

impl Scratch {
    /// Creates and migrates `bd_scratch_<pid>_<nanos>` on the server of
    /// `admin_url` (a `postgres://` URL whose user may create databases).
    pub async fn create(admin_url: &str) -> anyhow::Result<Scratch> {
        let admin = Db::connect(admin_url).await?;
        let Db::Postgres(pool) = &admin else {
            bail!("a scratch database needs a postgres:// URL");
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        // Only digits and letters: safe to splice into the statement.
        let name = format!("bd_scratch_{}_{nanos}", std::process::id());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool)
            .await?;
        let mut url = url::Url::parse(admin_url).context("the database URL")?;
        url.set_path(&name);
        let db = Db::connect(url.as_str()).await?;
        db.migrate().await?;
        Ok(Scratch { db, admin, name })
    }

    /// Closes the scratch database and drops it.
    pub async fn drop_now(self) -> anyhow::Result<()> {
        self.db.close().await;
        if let Db::Postgres(pool) = &self.admin {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
        self.admin.close().await;
        Ok(())
    }
}

/// A new folder under the system's temporary folder, named after `label`,
/// for a benchmark's SQLite file.
pub fn temp_dir(label: &str) -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "brickdesk-bench-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Runs `measure` on a migrated SQLite file in a temporary folder (removed
/// afterwards), then on a scratch database on the PostgreSQL server of
/// `postgres_url` when given.
pub async fn on_sqlite_then_postgres<F, Fut>(
    label: &str,
    postgres_url: Option<&str>,
    measure: F,
) -> anyhow::Result<()>
where
    F: Fn(&'static str, Db) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let dir = temp_dir(label)?;
    let result = async {
        let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
        db.migrate().await?;
        crate::figures::measuring_on("SQLite");
        let r = measure("SQLite", db.clone()).await;
        db.close().await;
        r
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    match postgres_url {
        Some(url) => {
            let scratch = Scratch::create(url).await?;
            crate::figures::measuring_on("PostgreSQL");
            let r = measure("PostgreSQL", scratch.db.clone()).await;
            scratch.drop_now().await?;
            r?;
            crate::figures::print_ratios();
        }
        None => println!("PostgreSQL: skipped (give --database-url postgres://… to include it)"),
    }
    Ok(())
}
