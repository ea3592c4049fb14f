//! Throw-away PostgreSQL databases, for benchmarks that must not touch the
//! database they are pointed at.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use brickdesk::db::Db;

use crate::orders_list::{self, Mix};

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

/// The orders a long-running seller has behind it, seeded before a
/// benchmark's own data.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct History {
    /// Orders done with (shipped or cancelled, 2.5 lines each) to seed
    /// first: `--history 1000000` times the operation at a seller of a
    /// million orders.
    #[arg(long = "history", default_value_t = 0)]
    pub past_orders: usize,
}

impl History {
    /// Writes the history into `db`, if any.
    pub async fn seed(self, label: &str, db: &Db) -> anyhow::Result<()> {
        if self.past_orders == 0 {
            return Ok(());
        }
        let started = Instant::now();
        let lines = self.past_orders * 5 / 2;
        orders_list::seed(db, self.past_orders, lines, Mix::Past).await?;
        println!(
            "{label}: {} orders of history seeded in {:.1} s",
            self.past_orders,
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// Runs `measure` on a migrated SQLite file in a temporary folder (removed
/// afterwards) that holds `history` first.
pub async fn on_sqlite<F, Fut, T>(label: &str, history: History, measure: F) -> anyhow::Result<T>
where
    F: FnOnce(&'static str, Db) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let dir = temp_dir(label)?;
    let result = async {
        let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
        db.migrate().await?;
        history.seed("SQLite", &db).await?;
        crate::figures::measuring_on("SQLite");
        let r = measure("SQLite", db.clone()).await;
        db.close().await;
        r
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs `measure` as [`on_sqlite`] does, then on a scratch database on the
/// PostgreSQL server of `postgres_url` when given; each database holds
/// `history` first.
pub async fn on_sqlite_then_postgres<F, Fut>(
    label: &str,
    postgres_url: Option<&str>,
    history: History,
    measure: F,
) -> anyhow::Result<()>
where
    F: Fn(&'static str, Db) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    on_sqlite(label, history, &measure).await?;
    match postgres_url {
        Some(url) => {
            let scratch = Scratch::create(url).await?;
            let r = async {
                history.seed("PostgreSQL", &scratch.db).await?;
                crate::figures::measuring_on("PostgreSQL");
                measure("PostgreSQL", scratch.db.clone()).await
            }
            .await;
            scratch.drop_now().await?;
            r?;
            crate::figures::print_ratios();
        }
        None => println!("PostgreSQL: skipped (give --database-url postgres://… to include it)"),
    }
    Ok(())
}
