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

/// The secondary indexes of some tables, dropped for a bulk load: rows go
/// in faster without them, and each is built again in one pass by
/// [`Dropped::rebuild`]. Indexes behind a constraint (keys, UNIQUE) stay.
#[must_use = "the dropped indexes must be built again"]
pub struct Dropped(Vec<String>);

/// Drops the secondary indexes of `tables`, keeping their definitions as
/// the database's catalogue states them.
pub async fn drop_indexes(tx: &mut Tx, tables: &[&str]) -> anyhow::Result<Dropped> {
    let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let indexes: Vec<(String, String)> = match tx {
        Tx::Postgres(pg) => {
            sqlx::query_as(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                     WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)",
            )
            .bind(&tables)
            .fetch_all(&mut **pg)
            .await?
        }
        Tx::Sqlite(lite) => {
            let mut found = Vec::new();
            for table in &tables {
                // Indexes SQLite made for a constraint have no SQL of their own.
                found.extend(
                    sqlx::query_as::<_, (String, String)>(
                        "SELECT name, sql FROM sqlite_master \
                         WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
                    )
                    .bind(table)
                    .fetch_all(&mut **lite)
                    .await?,
                );
            }
            found
        }
    };
    for (name, _) in &indexes {
        // The name comes from the catalogue; quoted, it is one identifier.
        raw(tx, &format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).await?;
    }
    Ok(Dropped(indexes.into_iter().map(|(_, sql)| sql).collect()))
}

impl Dropped {
    /// Builds the dropped indexes again.
    pub async fn rebuild(self, tx: &mut Tx) -> anyhow::Result<()> {
        if let Tx::Postgres(_) = tx {
            // PostgreSQL builds no index on a table with deferred trigger
            // events pending (the orders version's): they run now.
            raw(tx, "SET CONSTRAINTS ALL IMMEDIATE").await?;
            // Index builds sort in memory up to this much.
            raw(tx, "SET LOCAL maintenance_work_mem = '512MB'").await?;
        }
        for sql in self.0 {
            raw(tx, &sql).await?;
        }
        Ok(())
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
