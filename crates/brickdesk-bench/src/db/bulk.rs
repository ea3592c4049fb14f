//! Loading many orders at once, of the app's own `NewOrder` and
//! `ReportedLine`: `COPY` on PostgreSQL, multi-row inserts in the caller's
//! transaction on SQLite. Each row arrives with its match status and
//! counts, so no whole-table refresh follows.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::{Context, bail};
use sea_query::{Expr, ExprTrait, Iden, IntoIden, Query, Value};

use brickdesk::db::orders::{
    ITEM_COLUMNS_WRITTEN, NewOrder, ORDER_COLUMNS_WRITTEN, ReportedLine, item_values, order_values,
};
use brickdesk::db::schema::{OrderItems, Orders};
use brickdesk::db::{Db, DbError, Tx, now};
use brickdesk::domain::{MatchStatus, MatchSummary, OrderId, Platform, WorkflowStatus};

/// Rows per INSERT statement on SQLite (well under its parameter limit).
const BATCH: usize = 500;

/// Bytes of COPY data sent to PostgreSQL at a time.
const COPY_CHUNK: usize = 1 << 20;

/// An order to load: as a platform reports it, plus what Brickdesk
/// itself stores (the workflow status, the search text, the match counts).
#[derive(Debug, Clone)]
pub struct BulkOrder {
    /// The order.
    pub order: NewOrder,
    /// Workflow status.
    pub workflow_status: Option<WorkflowStatus>,
    /// Search text (see `db::orders::order_search_text`).
    pub search_text: String,
    /// Its lines' match statuses, counted.
    pub matching: MatchSummary,
}

/// A line to load, with its order's row id (from [`order_ids`]) and its
/// match status (no unit is linked yet).
#[derive(Debug, Clone)]
pub struct BulkLine {
    /// The order.
    pub order: OrderId,
    /// The line.
    pub line: ReportedLine,
    /// Its match status.
    pub status: MatchStatus,
}

/// Inserts orders with their workflow status, search text and match counts.
pub async fn insert_orders(tx: &mut Tx, orders: &[BulkOrder]) -> anyhow::Result<()> {
    let at = now();
    let columns = ORDER_COLUMNS_WRITTEN.into_iter().chain([
        Orders::WorkflowStatus,
        Orders::SearchText,
        Orders::LinesTotal,
        Orders::LinesUnmatched,
        Orders::LinesNoAsin,
        Orders::LinesLinked,
    ]);
    let rows = orders.iter().map(|o| {
        let ours = [
            o.workflow_status.map(WorkflowStatus::as_str).into(),
            o.search_text.clone().into(),
            o.matching.total.into(),
            o.matching.unmatched.into(),
            o.matching.no_asin.into(),
            o.matching.linked.into(),
        ];
        order_values(&o.order, at).into_iter().chain(ours)
    });
    insert_rows(tx, Orders::Table, columns, rows).await
}

/// Row ids of a platform's orders by platform order id.
pub async fn order_ids(
    tx: &mut Tx,
    platform: Platform,
) -> Result<HashMap<String, OrderId>, DbError> {
    let stmt = Query::select()
        .columns([Orders::PlatformOrderId, Orders::Id])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(platform.as_str()))
        .to_owned();
    let rows: Vec<(String, OrderId)> = tx.all(&stmt).await?;
    Ok(rows.into_iter().collect())
}

/// Inserts lines with their match status.
pub async fn insert_lines(tx: &mut Tx, lines: &[BulkLine]) -> anyhow::Result<()> {
    let at = now();
    let columns = ITEM_COLUMNS_WRITTEN
        .into_iter()
        .chain([OrderItems::MatchStatus]);
    let rows = lines.iter().map(|l| {
        item_values(l.order, &l.line, at)
            .into_iter()
            .chain([l.status.into()])
    });
    insert_rows(tx, OrderItems::Table, columns, rows).await
}

/// Writes `rows` (values in the order of `columns`) into `table`.
async fn insert_rows<C, R>(
    tx: &mut Tx,
    table: impl Iden + Copy + 'static,
    columns: impl IntoIterator<Item = C>,
    rows: impl Iterator<Item = R>,
) -> anyhow::Result<()>
where
    C: Iden + Copy + 'static,
    R: IntoIterator<Item = Expr>,
{
    let columns: Vec<C> = columns.into_iter().collect();
    match tx {
        Tx::Postgres(pg) => {
            let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            let sql = format!(
                "COPY {} ({}) FROM STDIN",
                table.to_string(),
                names.join(", ")
            );
            let mut copy = pg.copy_in_raw(&sql).await?;
            let mut buf = String::with_capacity(COPY_CHUNK + 4_096);
            for row in rows {
                for (i, value) in row.into_iter().enumerate() {
                    if i > 0 {
                        buf.push('\t');
                    }
                    copy_text(&mut buf, &value)?;
                }
                buf.push('\n');
                if buf.len() >= COPY_CHUNK {
                    copy.send(buf.as_bytes()).await?;
                    buf.clear();
                }
            }
            copy.send(buf.as_bytes()).await?;
            copy.finish().await?;
        }
        Tx::Sqlite(_) => {
            let mut rows = rows.peekable();
            while rows.peek().is_some() {
                let mut stmt = Query::insert();
                stmt.into_table(table.into_iden())
                    .columns(columns.iter().copied());
                for row in rows.by_ref().take(BATCH) {
                    stmt.values_panic(row);
                }
                tx.execute(&stmt).await?;
            }
        }
    }
    Ok(())
}

/// The secondary indexes of some tables (and on PostgreSQL their foreign
/// keys), dropped for a bulk load: rows go in faster without them, and
/// [`Dropped::rebuild`] builds each index in one pass and checks each key
/// with one query. Indexes behind a key or UNIQUE constraint stay.
#[must_use = "the dropped indexes must be built again"]
pub struct Dropped(Vec<Restore>);

/// A statement that puts back what was dropped from `table`.
struct Restore {
    table: String,
    sql: String,
}

/// Drops the secondary indexes of `tables`, and on PostgreSQL their
/// foreign keys, keeping their definitions as the catalogue states them.
/// PostgreSQL checks a foreign key once per loaded row, SQLite inside its
/// own process at little cost: its keys stay.
pub async fn drop_indexes(tx: &mut Tx, tables: &[&str]) -> anyhow::Result<Dropped> {
    let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let mut keys_back = Vec::new();
    if let Tx::Postgres(pg) = tx {
        let keys: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY($1)",
        )
        .bind(&tables)
        .fetch_all(&mut **pg)
        .await?;
        for (table, name, definition) in keys {
            let name = identifier(&name);
            raw(tx, &format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await?;
            let sql = format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}");
            keys_back.push(Restore { table, sql });
        }
    }
    let indexes: Vec<(String, String, String)> = match tx {
        Tx::Postgres(pg) => {
            sqlx::query_as(
                "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                     WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)",
            )
            .bind(&tables)
            .fetch_all(&mut **pg)
            .await?
        }
        Tx::Sqlite(lite) => {
            // Indexes SQLite made for a constraint have no SQL of their own.
            sqlx::query_as(
                "SELECT tbl_name, name, sql FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name IN (SELECT value FROM json_each(?1)) \
                 AND sql IS NOT NULL",
            )
            .bind(serde_json::to_string(&tables)?)
            .fetch_all(&mut **lite)
            .await?
        }
    };
    let mut restores = Vec::new();
    for (table, name, sql) in indexes {
        raw(tx, &format!("DROP INDEX {}", identifier(&name))).await?;
        restores.push(Restore { table, sql });
    }
    // A key is checked once the indexes that serve its query are built.
    restores.extend(keys_back);
    Ok(Dropped(restores))
}

/// A name from the catalogue, quoted as one identifier.
fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Dropped {
    /// Takes out what was dropped from `table`, to rebuild apart (on
    /// another connection, once the table's rows are committed).
    pub fn take(&mut self, table: &str) -> Dropped {
        let (taken, kept) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|r| r.table == table);
        self.0 = kept;
        Dropped(taken)
    }

    /// Builds the dropped indexes again and adds the dropped keys back.
    pub async fn rebuild(self, tx: &mut Tx) -> anyhow::Result<()> {
        if let Tx::Postgres(_) = tx {
            // PostgreSQL builds no index on a table with deferred trigger
            // events pending (the orders version's): they run now.
            raw(tx, "SET CONSTRAINTS ALL IMMEDIATE").await?;
            // Index builds sort in memory up to this much.
            raw(tx, "SET LOCAL maintenance_work_mem = '512MB'").await?;
        }
        for restore in self.0 {
            raw(tx, &restore.sql).await?;
        }
        Ok(())
    }
}

/// SQLite's search index of orders (`orders_search`), paused for a bulk
/// load: its per-row insert trigger is dropped, and [`PausedSearch::resume`]
/// indexes the orders loaded meanwhile in one statement and puts the
/// trigger back. A trigger-fed FTS5 index takes several times longer per
/// row than one `INSERT … SELECT`. PostgreSQL's search index is an index,
/// dropped with the others.
#[must_use = "the search index must be resumed"]
pub struct PausedSearch(Option<(String, i64)>);

/// Pauses the search index's trigger (SQLite; nothing on PostgreSQL).
pub async fn pause_search(tx: &mut Tx) -> anyhow::Result<PausedSearch> {
    let Tx::Sqlite(lite) = tx else {
        return Ok(PausedSearch(None));
    };
    let (trigger,): (String,) = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'orders_search_insert'",
    )
    .fetch_one(&mut **lite)
    .await
    .context("the search index's insert trigger")?;
    let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM orders")
        .fetch_one(&mut **lite)
        .await?;
    raw(tx, "DROP TRIGGER orders_search_insert").await?;
    Ok(PausedSearch(Some((trigger, last))))
}

impl PausedSearch {
    /// Indexes the orders loaded since the pause and restores the trigger.
    pub async fn resume(self, tx: &mut Tx) -> anyhow::Result<()> {
        let Some((trigger, last)) = self.0 else {
            return Ok(());
        };
        // FTS5 writes its terms out each time they fill this much memory
        // (1 MiB by default, put back below); fewer, larger writes merge
        // less.
        raw(
            tx,
            "INSERT INTO orders_search (orders_search, rank) VALUES ('hashsize', 268435456)",
        )
        .await?;
        raw(
            tx,
            &format!(
                "INSERT INTO orders_search (rowid, search_text) \
                 SELECT id, search_text FROM orders WHERE id > {last}"
            ),
        )
        .await?;
        raw(
            tx,
            "INSERT INTO orders_search (orders_search, rank) VALUES ('hashsize', 1048576)",
        )
        .await?;
        raw(tx, &trigger).await
    }
}

/// Runs one statement of catalogue text or fixed text.
async fn raw(tx: &mut Tx, sql: &str) -> anyhow::Result<()> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match tx {
        Tx::Postgres(pg) => sqlx::query(sql).execute(&mut **pg).await.map(drop)?,
        Tx::Sqlite(lite) => sqlx::query(sql).execute(&mut **lite).await.map(drop)?,
    }
    Ok(())
}

/// Appends `value` in COPY's text format: `\N` for NULL, backslash
/// escapes for the characters that separate fields and rows.
fn copy_text(buf: &mut String, value: &Expr) -> anyhow::Result<()> {
    let Expr::Value(value) = value else {
        bail!("COPY takes plain values, not {value:?}");
    };
    if !value.is_some() {
        buf.push_str("\\N");
        return Ok(());
    }
    match value {
        Value::Bool(Some(b)) => buf.push(if *b { 't' } else { 'f' }),
        Value::Int(Some(n)) => write!(buf, "{n}")?,
        Value::BigInt(Some(n)) => write!(buf, "{n}")?,
        Value::String(Some(s)) => {
            for c in s.chars() {
                match c {
                    '\\' => buf.push_str("\\\\"),
                    '\t' => buf.push_str("\\t"),
                    '\n' => buf.push_str("\\n"),
                    '\r' => buf.push_str("\\r"),
                    c => buf.push(c),
                }
            }
        }
        Value::TimeDateTimeWithTimeZone(Some(t)) => buf.push_str(
            &t.format(&time::format_description::well_known::Rfc3339)
                .context("a time for COPY")?,
        ),
        other => bail!("no COPY text for {other:?}"),
    }
    Ok(())
}

/// Changes one order as a sync would (its `updated_at`), which raises the
/// orders version: listings kept until then are built again.
pub async fn touch_orders(db: &Db) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Orders::Table)
        .value(Orders::UpdatedAt, now())
        .and_where(Expr::cust("id = (SELECT MIN(id) FROM orders)"))
        .to_owned();
    db.execute(&stmt).await.map(drop)
}

#[cfg(test)]
mod tests {
    use brickdesk::db::Db;

    use crate::db::scratch::{Scratch, temp_dir};
    use crate::orders_list::{Mix, seed};

    /// What a bulk load drops and puts back: the indexes, keys and
    /// triggers of the orders' tables, as the catalogue states them.
    async fn schema(db: &Db) -> Vec<String> {
        match db {
            Db::Sqlite(pool) => sqlx::query_scalar(
                "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master \
                 WHERE tbl_name IN ('orders', 'order_items', 'orders_search') ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .expect("catalogue"),
            Db::Postgres(pool) => sqlx::query_scalar(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN ('orders', 'order_items') \
                 UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE conrelid IN ('orders'::regclass, 'order_items'::regclass) ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .expect("catalogue"),
        }
    }

    /// Two loads (a history, then a benchmark's own orders) leave the
    /// schema as migrated and the search finding each order once.
    async fn two_loads_leave_the_schema_whole(db: &Db) {
        let migrated = schema(db).await;
        seed(db, 30, 75, Mix::Past).await.expect("history");
        seed(db, 30, 75, Mix::Live).await.expect("orders");
        assert_eq!(
            schema(db).await,
            migrated,
            "every index, key and trigger back"
        );
        let found: i64 = match db {
            Db::Sqlite(pool) => {
                // Compares the index with the orders it was built from.
                sqlx::query(
                    "INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)",
                )
                .execute(pool)
                .await
                .expect("the search index matches the orders");
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM orders_search WHERE orders_search MATCH '\"-0000007-\"'",
                )
                .fetch_one(pool)
                .await
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM orders WHERE search_text LIKE '%-0000007-%'",
                )
                .fetch_one(pool)
                .await
            }
        }
        .expect("search");
        assert_eq!(found, 2, "order 7 of each load, once each");
    }

    #[tokio::test]
    async fn seeding_leaves_sqlite_whole() {
        let dir = temp_dir("seed-search").expect("temp dir");
        let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display()))
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        two_loads_leave_the_schema_whole(&db).await;
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn seeding_leaves_postgres_whole() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        let scratch = Scratch::create(&url).await.expect("scratch database");
        two_loads_leave_the_schema_whole(&scratch.db).await;
        scratch.drop_now().await.expect("drop scratch");
    }
}
