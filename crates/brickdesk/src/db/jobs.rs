//! Durable jobs and sync watermarks. Every write that changes a running
//! job is fenced by its owner (`WHERE id = ? AND owner = ?`), so a process
//! that lost a job (declared dead, taken over) can no longer write to it.

use sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use time::OffsetDateTime;

use super::schema::Jobs;
use super::{Db, DbError, Tx, now};
use crate::domain::{JobId, JobKind, JobState};

/// One job as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    /// Row id.
    pub id: JobId,
    /// What the job does.
    pub kind: JobKind,
    /// Where it is in its life.
    pub state: JobState,
    /// Its counters and position.
    #[sqlx(flatten)]
    pub progress: JobProgress,
    /// The parameters the job was started with (JSON).
    pub params_json: String,
    /// The process holding the job.
    pub owner: Option<String>,
    /// While rate limited: when work resumes.
    pub rate_limited_until: Option<OffsetDateTime>,
    /// When it started.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub finished_at: Option<OffsetDateTime>,
    /// Last sign of life of its owner.
    pub heartbeat_at: Option<OffsetDateTime>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

const COLUMNS: [Jobs; 18] = [
    Jobs::Id,
    Jobs::Kind,
    Jobs::State,
    Jobs::Total,
    Jobs::Processed,
    Jobs::Success,
    Jobs::Failed,
    Jobs::CurrentOrderId,
    Jobs::ErrorsJson,
    Jobs::Cursor,
    Jobs::ParamsJson,
    Jobs::DetailJson,
    Jobs::Owner,
    Jobs::RateLimitedUntil,
    Jobs::StartedAt,
    Jobs::FinishedAt,
    Jobs::HeartbeatAt,
    Jobs::CreatedAt,
];

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Jobs::Table)
        .to_owned()
}

fn live() -> SimpleExpr {
    Expr::col(Jobs::State).is_in(JobState::LIVE)
}

/// Inserts a running job owned by `owner`. Fails with
/// [`DbError::Conflict`] when a live job of the kind exists.
pub async fn insert_running(
    db: &Db,
    kind: JobKind,
    params_json: &str,
    owner: &str,
) -> Result<JobRow, DbError> {
    let at = now();
    let stmt = Query::insert()
        .into_table(Jobs::Table)
        .columns([
            Jobs::Kind,
            Jobs::State,
            Jobs::ParamsJson,
            Jobs::Owner,
            Jobs::StartedAt,
            Jobs::HeartbeatAt,
            Jobs::CreatedAt,
        ])
        .values_panic([
            kind.into(),
            JobState::Running.into(),
            params_json.into(),
            owner.into(),
            at.into(),
            at.into(),
            at.into(),
        ])
        .returning(Query::returning().columns(COLUMNS))
        .to_owned();
    db.one(&stmt).await
}

/// The live job of a kind, if any.
pub async fn live_job(db: &Db, kind: JobKind) -> Result<Option<JobRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col(Jobs::Kind).eq(kind))
        .and_where(live())
        .to_owned();
    db.optional(&stmt).await
}

/// The newest job of a kind (live or not).
pub async fn latest(db: &Db, kind: JobKind) -> Result<Option<JobRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col(Jobs::Kind).eq(kind))
        .order_by(Jobs::Id, Order::Desc)
        .limit(1)
        .to_owned();
    db.optional(&stmt).await
}

/// The newest job of a kind in one of `states`.
pub async fn latest_in(
    db: &Db,
    kind: JobKind,
    states: &[JobState],
) -> Result<Option<JobRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col(Jobs::Kind).eq(kind))
        .and_where(Expr::col(Jobs::State).is_in(states.iter().copied()))
        .order_by(Jobs::Id, Order::Desc)
        .limit(1)
        .to_owned();
    db.optional(&stmt).await
}

/// How many jobs there are of each kind in each state.
pub async fn count_by_kind_and_state(db: &Db) -> Result<Vec<(JobKind, JobState, i64)>, DbError> {
    let stmt = Query::select()
        .column(Jobs::Kind)
        .column(Jobs::State)
        .expr(Expr::cust("COUNT(*)"))
        .from(Jobs::Table)
        .group_by_col(Jobs::Kind)
        .group_by_col(Jobs::State)
        .to_owned();
    db.all(&stmt).await
}

/// One job by id.
pub async fn get(db: &Db, id: JobId) -> Result<Option<JobRow>, DbError> {
    db.optional(&select().and_where(Expr::col(Jobs::Id).eq(id)).to_owned())
        .await
}

/// Every live or interrupted job (for the supervisor).
pub async fn unfinished(db: &Db) -> Result<Vec<JobRow>, DbError> {
    let stmt = select()
        .and_where(
            Expr::col(Jobs::State)
                .is_in(JobState::LIVE)
                .or(Expr::col(Jobs::State).eq(JobState::Interrupted)),
        )
        .order_by(Jobs::Id, Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// The counters and position of a job, as its runner reports them.
#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct JobProgress {
    /// Units in total.
    pub total: i64,
    /// Units done.
    pub processed: i64,
    /// Units that succeeded.
    pub success: i64,
    /// Units that failed.
    pub failed: i64,
    /// The unit being worked on.
    pub current_order_id: Option<String>,
    /// JSON array of recent errors.
    pub errors_json: String,
    /// Where to resume.
    pub cursor: Option<String>,
    /// The kind's own details (JSON; see `JobRow::detail`).
    pub detail_json: String,
}

fn progress_update(id: JobId, owner: &str, p: &JobProgress) -> sea_query::UpdateStatement {
    Query::update()
        .table(Jobs::Table)
        .value(Jobs::Total, p.total)
        .value(Jobs::Processed, p.processed)
        .value(Jobs::Success, p.success)
        .value(Jobs::Failed, p.failed)
        .value(Jobs::CurrentOrderId, p.current_order_id.clone())
        .value(Jobs::ErrorsJson, p.errors_json.clone())
        .value(Jobs::Cursor, p.cursor.clone())
        .value(Jobs::DetailJson, p.detail_json.clone())
        .value(Jobs::HeartbeatAt, now())
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::Owner).eq(owner))
        .and_where(live())
        .returning_col(Jobs::State)
        .to_owned()
}

/// Writes progress inside `tx` (with the work it describes, so both are
/// stored or neither). Returns the job's state, or `None` when `owner`
/// no longer holds the job.
pub async fn write_progress_in(
    tx: &mut Tx,
    id: JobId,
    owner: &str,
    p: &JobProgress,
) -> Result<Option<JobState>, DbError> {
    Ok(tx
        .optional::<(JobState,)>(&progress_update(id, owner, p))
        .await?
        .map(|(s,)| s))
}

/// Writes progress on its own; see [`write_progress_in`].
pub async fn write_progress(
    db: &Db,
    id: JobId,
    owner: &str,
    p: &JobProgress,
) -> Result<Option<JobState>, DbError> {
    Ok(db
        .optional::<(JobState,)>(&progress_update(id, owner, p))
        .await?
        .map(|(s,)| s))
}

/// Records a sign of life; returns the state, or `None` when `owner` no
/// longer holds the job.
pub async fn heartbeat(db: &Db, id: JobId, owner: &str) -> Result<Option<JobState>, DbError> {
    let stmt = Query::update()
        .table(Jobs::Table)
        .value(Jobs::HeartbeatAt, now())
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::Owner).eq(owner))
        .and_where(live())
        .returning_col(Jobs::State)
        .to_owned();
    Ok(db.optional::<(JobState,)>(&stmt).await?.map(|(s,)| s))
}

/// Switches a running job between `running` and `rate_limited` (with the
/// time work resumes). A stop request wins: `stopping` is kept.
pub async fn set_rate_limited(
    db: &Db,
    id: JobId,
    owner: &str,
    until: Option<OffsetDateTime>,
) -> Result<Option<JobState>, DbError> {
    let state = if until.is_some() {
        JobState::RateLimited
    } else {
        JobState::Running
    };
    let stmt = Query::update()
        .table(Jobs::Table)
        .value(Jobs::State, state)
        .value(Jobs::RateLimitedUntil, until.map(super::stored_time))
        .value(Jobs::HeartbeatAt, now())
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::Owner).eq(owner))
        .and_where(Expr::col(Jobs::State).is_in([JobState::Running, JobState::RateLimited]))
        .returning_col(Jobs::State)
        .to_owned();
    Ok(db.optional::<(JobState,)>(&stmt).await?.map(|(s,)| s))
}

/// Asks the live job of `kind` to stop (its owner sees `stopping` within
/// a heartbeat), and ends an interrupted one so it is not resumed.
/// Returns the job it applied to.
pub async fn request_stop(db: &Db, kind: JobKind) -> Result<Option<JobRow>, DbError> {
    let mut tx = db.begin().await?;
    tx.execute(
        &Query::update()
            .table(Jobs::Table)
            .value(Jobs::State, JobState::Stopping)
            .and_where(Expr::col(Jobs::Kind).eq(kind))
            .and_where(Expr::col(Jobs::State).is_in([
                JobState::Queued,
                JobState::Running,
                JobState::RateLimited,
            ]))
            .to_owned(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(Jobs::Table)
            .value(Jobs::State, JobState::Stopped)
            .value(Jobs::FinishedAt, now())
            .and_where(Expr::col(Jobs::Kind).eq(kind))
            .and_where(Expr::col(Jobs::State).eq(JobState::Interrupted))
            .to_owned(),
    )
    .await?;
    tx.commit().await?;
    latest(db, kind).await
}

/// Ends a job held by `owner` in `state` (done, stopped or failed).
pub async fn finish(
    db: &Db,
    id: JobId,
    owner: &str,
    state: JobState,
    p: &JobProgress,
) -> Result<bool, DbError> {
    let ended = JobProgress {
        current_order_id: None,
        ..p.clone()
    };
    let mut stmt = progress_update(id, owner, &ended);
    stmt.value(Jobs::State, state)
        .value(Jobs::FinishedAt, now())
        .value(Jobs::RateLimitedUntil, None::<OffsetDateTime>);
    Ok(db.optional::<(JobState,)>(&stmt).await?.is_some())
}

/// Marks a live job interrupted if it is still held by `owner` (whose
/// process is gone). Returns whether it did.
pub async fn mark_interrupted(db: &Db, id: JobId, owner: Option<&str>) -> Result<bool, DbError> {
    let mut stmt = Query::update();
    // A job its user had asked to stop ends stopped: it is not resumed.
    stmt.table(Jobs::Table)
        .value(
            Jobs::State,
            Expr::case(
                Expr::col(Jobs::State).eq(JobState::Stopping),
                Expr::val(JobState::Stopped),
            )
            .finally(Expr::val(JobState::Interrupted)),
        )
        .value(Jobs::RateLimitedUntil, None::<OffsetDateTime>)
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(live());
    match owner {
        Some(o) => stmt.and_where(Expr::col(Jobs::Owner).eq(o)),
        None => stmt.and_where(Expr::col(Jobs::Owner).is_null()),
    };
    Ok(db.execute(&stmt).await? == 1)
}

/// Takes over an interrupted job for `owner`: only one process wins. A
/// conflict (another live job of its kind) leaves it interrupted.
pub async fn claim(db: &Db, id: JobId, owner: &str) -> Result<Option<JobRow>, DbError> {
    let stmt = Query::update()
        .table(Jobs::Table)
        .value(Jobs::State, JobState::Running)
        .value(Jobs::Owner, owner)
        .value(Jobs::HeartbeatAt, now())
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::State).eq(JobState::Interrupted))
        .returning(Query::returning().columns(COLUMNS))
        .to_owned();
    match db.optional(&stmt).await {
        Err(DbError::Conflict { .. }) => Ok(None),
        other => other,
    }
}
