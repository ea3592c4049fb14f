//! Throw-away PostgreSQL databases, for benchmarks that must not touch the
//! database they are pointed at.

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
