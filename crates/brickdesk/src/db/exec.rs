//! Running sea-query statements on whichever backend a [`Db`] or [`Tx`]
//! holds. Each statement is rendered for the backend's dialect and its
//! values are bound as parameters, never spliced into the SQL text; the
//! one exception is integers, in statements wrapped in [`IntegersInlined`].

use sea_query::{
    PostgresQueryBuilder, QueryBuilder, SelectStatement, SqliteQueryBuilder, Value, Values,
};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{
    AssertSqlSafe, Database, Executor, FromRow, IntoArguments, Postgres, Sqlite, Transaction,
};

use super::{Db, DbError};

/// A row type readable from both backends.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// Implements `sqlx::FromRow` for both backends' rows with one body (given
/// the row's name and the body): the body is type-checked against each
/// backend's decoders, so no impl restates them as `where` bounds.
macro_rules! from_row {
    ($ty:ty, |$row:ident| $body:expr) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $ty {
            fn from_row($row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                $body
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $ty {
            fn from_row($row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                $body
            }
        }
    };
}
pub(crate) use from_row;

/// An open transaction on either backend. Dropping it without
/// [`Tx::commit`] rolls back.
#[derive(Debug)]
pub enum Tx {
    /// SQLite transaction (begun IMMEDIATE, so it holds the write lock).
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// Reads through the pool or inside an open transaction, so a read-only
/// preview and the transaction that writes share their queries.
pub enum Conn<'a> {
    /// The pool.
    Db(&'a Db),
    /// An open transaction.
    Tx(&'a mut Tx),
}

impl Conn<'_> {
    /// Runs a query and reads every row.
    pub(crate) async fn all<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>, DbError> {
        match self {
            Conn::Db(db) => db.all(stmt).await,
            Conn::Tx(tx) => tx.all(stmt).await,
        }
    }

    /// Runs a query that must return one row.
    pub(crate) async fn one<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<T, DbError> {
        match self {
            Conn::Db(db) => db.one(stmt).await,
            Conn::Tx(tx) => tx.one(stmt).await,
        }
    }
}

/// A SELECT whose values, when every one is an integer, are written into
/// its SQL text instead of being bound. SQLite (built with STAT4, on an
/// analysed database) prepares a statement again on every run when a bound
/// value is a LIMIT or OFFSET or is compared with an indexed column; with
/// the numbers in the text, a statement seen before is prepared once.
/// Any other value keeps the whole statement bound.
pub(crate) struct IntegersInlined<'a>(pub &'a SelectStatement);

impl SqlxBinder for IntegersInlined<'_> {
    fn build_sqlx<T: QueryBuilder>(&self, query_builder: T) -> (String, SqlxValues) {
        let (sql, values) = self.0.build_any(&query_builder);
        let integers = values.0.iter().all(|v| {
            matches!(
                v,
                Value::TinyInt(Some(_))
                    | Value::SmallInt(Some(_))
                    | Value::Int(Some(_))
                    | Value::BigInt(Some(_))
                    | Value::TinyUnsigned(Some(_))
                    | Value::SmallUnsigned(Some(_))
                    | Value::Unsigned(Some(_))
                    | Value::BigUnsigned(Some(_))
            )
        });
        if integers && !values.0.is_empty() {
            (
                self.0.to_string(query_builder),
                SqlxValues(Values(Vec::new())),
            )
        } else {
            (sql, SqlxValues(values))
        }
    }
}

fn render(stmt: &impl SqlxBinder, backend: super::Backend) -> (String, SqlxValues) {
    match backend {
        super::Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
        super::Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
    }
}

async fn all_on<'e, DB, E, T>(
    exec: E,
    sql: String,
    values: SqlxValues,
    kept: Kept,
) -> Result<Vec<T>, DbError>
where
    DB: Database + sqlx::database::HasStatementCache,
    E: Executor<'e, Database = DB>,
    SqlxValues: IntoArguments<DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    Ok(sqlx::query_as_with::<DB, T, _>(AssertSqlSafe(sql), values)
        .persistent(kept == Kept::Prepared)
        .fetch_all(exec)
        .await?)
}

/// Whether a statement is kept prepared on its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    /// Prepared once per connection (the default).
    Prepared,
    /// Planned with its values on every run.
    PlannedEachRun,
}

async fn optional_on<'e, DB, E, T>(
    exec: E,
    sql: String,
    values: SqlxValues,
) -> Result<Option<T>, DbError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    SqlxValues: IntoArguments<DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    Ok(sqlx::query_as_with::<DB, T, _>(AssertSqlSafe(sql), values)
        .fetch_optional(exec)
        .await?)
}

async fn execute_on<'e, DB, E>(exec: E, sql: String, values: SqlxValues) -> Result<u64, DbError>
where
    DB: Database,
    DB::QueryResult: RowsAffected,
    E: Executor<'e, Database = DB>,
    SqlxValues: IntoArguments<DB>,
{
    let done = sqlx::query_with::<DB, _>(AssertSqlSafe(sql), values)
        .execute(exec)
        .await?;
    Ok(done.rows_affected())
}

/// Both backends' query results report changed rows, but through no common
/// sqlx trait.
trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

macro_rules! on_backend {
    ($self:expr, $exec:ident => $call:expr) => {
        match $self {
            Db::Sqlite($exec) => $call,
            Db::Postgres($exec) => $call,
        }
    };
}

macro_rules! on_tx {
    ($self:expr, $exec:ident => $call:expr) => {
        match $self {
            Tx::Sqlite(tx) => {
                let $exec = &mut **tx;
                $call
            }
            Tx::Postgres(tx) => {
                let $exec = &mut **tx;
                $call
            }
        }
    };
}

impl Db {
    /// Runs a query and reads every row.
    pub async fn all<T: Row>(&self, stmt: &impl SqlxBinder) -> Result<Vec<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_backend!(self, pool => all_on(pool, sql, values, Kept::Prepared).await)
    }

    /// Runs a query whose best plan depends on its values, planned with
    /// them on every run: a kept statement may settle on PostgreSQL's
    /// generic plan, which cannot tell a rare pattern from a common one.
    pub async fn all_planned_each_run<T: Row>(
        &self,
        stmt: &impl SqlxBinder,
    ) -> Result<Vec<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_backend!(self, pool => all_on(pool, sql, values, Kept::PlannedEachRun).await)
    }

    /// Runs a query and reads at most one row.
    pub async fn optional<T: Row>(&self, stmt: &impl SqlxBinder) -> Result<Option<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_backend!(self, pool => optional_on(pool, sql, values).await)
    }

    /// Runs a query that must return one row.
    pub async fn one<T: Row>(&self, stmt: &impl SqlxBinder) -> Result<T, DbError> {
        self.optional(stmt).await?.ok_or(DbError::NotFound("row"))
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> Result<u64, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_backend!(self, pool => execute_on(pool, sql, values).await)
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which
    /// takes the write lock up front instead of failing with "database is
    /// locked" when a reader later tries to upgrade.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Begins a write transaction whose commit returns before its WAL
    /// record is on disk (PostgreSQL `synchronous_commit = off`, for this
    /// transaction only, set in the same round trip as `BEGIN`). The caller
    /// must end its work with a synchronous commit on the same server, such
    /// as [`super::confirmations::seal_batch`]: that one waits for the WAL up
    /// to itself, so every earlier commit is durable before anything is
    /// reported. Until then a crash of the server could lose such commits
    /// whole, never a part of one. On SQLite (WAL, `synchronous=NORMAL`)
    /// commits are never synced one by one anyway: this is [`Db::begin`].
    pub async fn begin_deferred(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(_) => self.begin().await?,
            Db::Postgres(pool) => Tx::Postgres(
                pool.begin_with("BEGIN; SET LOCAL synchronous_commit = off")
                    .await?,
            ),
        })
    }
}

impl Tx {
    pub(crate) fn backend(&self) -> super::Backend {
        match self {
            Tx::Sqlite(_) => super::Backend::Sqlite,
            Tx::Postgres(_) => super::Backend::Postgres,
        }
    }

    /// Runs a query and reads every row.
    pub async fn all<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_tx!(self, conn => all_on(conn, sql, values, Kept::Prepared).await)
    }

    /// [`Db::all_planned_each_run`] in the transaction.
    pub async fn all_planned_each_run<T: Row>(
        &mut self,
        stmt: &impl SqlxBinder,
    ) -> Result<Vec<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_tx!(self, conn => all_on(conn, sql, values, Kept::PlannedEachRun).await)
    }

    /// Runs a query and reads at most one row.
    pub async fn optional<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_tx!(self, conn => optional_on(conn, sql, values).await)
    }

    /// Runs a query that must return one row.
    pub async fn one<T: Row>(&mut self, stmt: &impl SqlxBinder) -> Result<T, DbError> {
        self.optional(stmt).await?.ok_or(DbError::NotFound("row"))
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64, DbError> {
        let (sql, values) = render(stmt, self.backend());
        on_tx!(self, conn => execute_on(conn, sql, values).await)
    }

    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
