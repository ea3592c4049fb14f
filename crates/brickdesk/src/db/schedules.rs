//! When scheduled jobs next run (`schedules`). A run is claimed by moving
//! `next_at` forward while it is due, in one conditional UPDATE: of the
//! processes sharing the database, exactly one sees its update land.

use sea_query::{Expr, ExprTrait, OnConflict, Query};
use time::OffsetDateTime;

use super::schema::Schedules;
use super::{Db, DbError, stored_time};
use crate::domain::{JobId, JobKind};

/// The schedule of one job kind as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ScheduleRow {
    /// The kind it starts.
    pub kind: JobKind,
    /// When the next run is due.
    pub next_at: OffsetDateTime,
    /// The process that claimed the last run.
    pub claimed_by: Option<String>,
    /// When it claimed it.
    pub claimed_at: Option<OffsetDateTime>,
    /// The job the last run started or joined.
    pub job_id: Option<JobId>,
    /// Scheduled runs that failed in a row (0 after a success).
    pub failures: i64,
}

const COLUMNS: [Schedules; 6] = [
    Schedules::Kind,
    Schedules::NextAt,
    Schedules::ClaimedBy,
    Schedules::ClaimedAt,
    Schedules::JobId,
    Schedules::Failures,
];

/// The schedule of `kind`, if one was ever set up.
pub async fn get(db: &Db, kind: JobKind) -> Result<Option<ScheduleRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Schedules::Table)
        .and_where(Expr::col(Schedules::Kind).eq(kind))
        .to_owned();
    db.optional(&stmt).await
}

/// Sets up the schedule of `kind` with its first run due at `first_at`;
/// a schedule already there (another process's, or an earlier start's)
/// is left as it is.
pub async fn ensure(db: &Db, kind: JobKind, first_at: OffsetDateTime) -> Result<(), DbError> {
    let stmt = Query::insert()
        .into_table(Schedules::Table)
        .columns([Schedules::Kind, Schedules::NextAt])
        .values_panic([kind.into(), stored_time(first_at).into()])
        .on_conflict(OnConflict::column(Schedules::Kind).do_nothing().to_owned())
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Claims the run of `kind` due at `now` for `owner`, moving the next one
/// to `next_at`. True for the one claimer that wins; false when the run
/// is not due (or another process claimed it first).
pub async fn claim(
    db: &Db,
    kind: JobKind,
    now: OffsetDateTime,
    next_at: OffsetDateTime,
    owner: &str,
) -> Result<bool, DbError> {
    let now = stored_time(now);
    let stmt = Query::update()
        .table(Schedules::Table)
        .value(Schedules::NextAt, stored_time(next_at))
        .value(Schedules::ClaimedBy, owner)
        .value(Schedules::ClaimedAt, now)
        .and_where(Expr::col(Schedules::Kind).eq(kind))
        .and_where(Expr::col(Schedules::NextAt).lte(now))
        .to_owned();
    Ok(db.execute(&stmt).await? == 1)
}

/// How a claimed run ended, as its claimer records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The job finished: the failure count starts again.
    Succeeded,
    /// The job failed: one more failure in a row, and the next run is
    /// due no later than `retry_at`.
    Failed {
        /// When to try again.
        retry_at: OffsetDateTime,
    },
    /// The job was stopped or interrupted: the count stays.
    Neither,
}

/// Records the job a run of `kind` claimed by `owner` started or joined,
/// and how it ended. A run claimed since by another process is left alone.
pub async fn record(
    db: &Db,
    kind: JobKind,
    owner: &str,
    job: JobId,
    outcome: Outcome,
) -> Result<(), DbError> {
    let mut stmt = Query::update();
    stmt.table(Schedules::Table)
        .value(Schedules::JobId, job)
        .and_where(Expr::col(Schedules::Kind).eq(kind))
        .and_where(Expr::col(Schedules::ClaimedBy).eq(owner));
    match outcome {
        Outcome::Succeeded => {
            stmt.value(Schedules::Failures, 0i64);
        }
        Outcome::Failed { retry_at } => {
            let retry_at = stored_time(retry_at);
            stmt.value(Schedules::Failures, Expr::col(Schedules::Failures).add(1))
                .value(
                    Schedules::NextAt,
                    Expr::case(Expr::col(Schedules::NextAt).gt(retry_at), retry_at)
                        .finally(Expr::col(Schedules::NextAt)),
                );
        }
        Outcome::Neither => {}
    }
    db.execute(&stmt).await?;
    Ok(())
}
