//! Running the fees job over HTTP: `POST /api/admin/reconcile-amazon-fees`
//! starts it (or joins the one running) and waits a bounded time; `GET
//! /api/admin/reconcile-amazon-fees/jobs/{id}` follows it; the Amazon
//! card's [Reconcile Fees] form comes back to `/orders?fees_job=<id>`,
//! whose banner is built from that job's stored counts.

use std::time::Duration;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::auth::CurrentUser;
use super::super::{AppError, AppState, PageError};
use crate::amazon::fees::{
    self, FeesJob, FeesParams, FeesPhase, FeesStatus, ReconcileOutcome, SyncProgress,
};
use crate::auth::Role;
use crate::db;
use crate::db::jobs::JobRow;
use crate::domain::{JobId, JobState};
use crate::jobs::Job;
use crate::web::amazon_jobs::start_error;
use crate::web::error::ErrorBody;
use crate::web::extract::Path;

/// How long a run request waits for the job before answering with its
/// state (202) for the client to follow.
const RUN_WAIT: Duration = Duration::from_secs(25);

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn status_url(id: JobId) -> String {
    format!("/api/admin/reconcile-amazon-fees/jobs/{id}")
}

/// A fees job as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeesJobJson {
    job_id: JobId,
    /// `running`, `rate_limited`, `stopping`, `done`, `stopped`, `failed`
    /// or `interrupted`.
    state: JobState,
    is_running: bool,
    /// `fetching`, `reconciling` or `done`.
    phase: FeesPhase,
    fetch: SyncProgress,
    /// Events posted before this have been fetched.
    fetched_up_to: Option<String>,
    fetch_error: Option<String>,
    errors: Vec<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
    /// The reconciliation's counts, once done.
    result: Option<ReconcileOutcome>,
    /// Where to follow the job.
    status_url: String,
}

impl From<&FeesStatus> for FeesJobJson {
    fn from(job: &FeesStatus) -> Self {
        FeesJobJson {
            job_id: job.id,
            state: job.state,
            is_running: job.is_running,
            phase: job.phase,
            fetch: job.fetch.clone(),
            fetched_up_to: job.fetched_up_to.map(rfc3339),
            fetch_error: job.fetch_error.clone(),
            errors: job.errors.clone(),
            started_at: job.started_at.map(rfc3339),
            finished_at: job.finished_at.map(rfc3339),
            result: job.outcome(),
            status_url: status_url(job.id),
        }
    }
}

/// A finished run as `POST` answers it: the counts as before, with the job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RunJson {
    job_id: JobId,
    status_url: String,
    #[serde(flatten)]
    outcome: ReconcileOutcome,
}

fn status_of(row: &JobRow) -> Result<FeesStatus, AppError> {
    FeesStatus::from_row(row).map_err(|e| AppError::Internal(e.into()))
}

/// The fees job `id`, when it is one.
async fn load(state: &AppState, id: JobId) -> Result<Option<FeesStatus>, AppError> {
    match state.jobs.get(id).await {
        Ok(row) if row.kind == FeesJob::KIND => status_of(&row).map(Some),
        Ok(_) | Err(db::DbError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Starts the fees job for `user` (or joins the live one) and waits up to
/// [`RUN_WAIT`] for it. A joined job that only fetched is followed by a
/// run of our own, so the caller always gets a reconciliation.
async fn start_and_wait(state: &AppState, user: &CurrentUser) -> Result<FeesStatus, AppError> {
    let params = FeesParams {
        user_id: Some(user.id),
        fetch_only: false,
    };
    let deadline = tokio::time::Instant::now() + RUN_WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let row = state
            .jobs
            .start_and_wait::<FeesJob>(params, left)
            .await
            .map_err(start_error)?;
        let job = status_of(&row)?;
        let fetched_only = job.state == JobState::Done && job.report.is_none();
        if !fetched_only || tokio::time::Instant::now() >= deadline {
            return Ok(job);
        }
    }
}

fn ended_early(job: &FeesStatus) -> AppError {
    AppError::Unavailable(match job.state {
        JobState::Failed => "The fee reconciliation failed before it finished.".to_owned(),
        JobState::Done => "The fees were fetched but not reconciled yet; run it again.".to_owned(),
        JobState::Interrupted => {
            "The fee reconciliation was interrupted; it resumes by itself shortly.".to_owned()
        }
        _ => "The fee reconciliation was stopped before it finished; run it again.".to_owned(),
    })
}

/// `POST /api/admin/reconcile-amazon-fees`: the counts (200) when the job
/// finishes within [`RUN_WAIT`], else the job's state (202) to follow.
#[utoipa::path(
    post,
    path = "/api/admin/reconcile-amazon-fees",
    tag = "fees",
    responses(
        (status = 200, description = "The run finished: its counts", body = RunJson),
        (status = 202, description = "The run goes on: follow `status_url`", body = FeesJobJson),
        (status = 409, description = "A run is going already", body = ErrorBody),
        (status = 503, description = "Amazon or the database is not reachable", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn reconcile_fees(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, AppError> {
    let job = start_and_wait(&state, &user).await?;
    // An interrupted job is resumed by the jobs supervisor: follow it too.
    if job.is_running || job.state == JobState::Interrupted {
        return Ok((StatusCode::ACCEPTED, Json(FeesJobJson::from(&job))).into_response());
    }
    let outcome = job.outcome().ok_or_else(|| ended_early(&job))?;
    let body = RunJson {
        job_id: job.id,
        status_url: status_url(job.id),
        outcome,
    };
    Ok(Json(body).into_response())
}

/// A fees run's state and progress.
#[utoipa::path(
    get,
    path = "/api/admin/reconcile-amazon-fees/jobs/{id}",
    tag = "fees",
    params(("id" = JobId, Path, description = "The run's job id")),
    responses(
        (status = 200, description = "The run", body = FeesJobJson),
        (status = 400, description = "The id is not valid", body = ErrorBody),
        (status = 404, description = "No such fees run", body = ErrorBody),
    )
)]
pub async fn job_status(
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> Result<Json<FeesJobJson>, AppError> {
    let job = load(&state, id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such fees job".into()))?;
    Ok(Json(FeesJobJson::from(&job)))
}

/// `POST /orders/reconcile-fees`: back to `/orders`, whose card shows the
/// job's result (or that it is still running).
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn reconcile_fees_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, PageError> {
    let job = start_and_wait(&state, &user).await?;
    Ok(Redirect::to(&format!("/orders?fees_job={}#amazon-card", job.id)).into_response())
}

/// The fee part of the Amazon card on `/orders`.
#[derive(Debug, Clone)]
pub struct FeeCard {
    /// Sold Amazon units with no reconciled sale event.
    pub missing: i64,
    /// "Fee events fetched up to …" or that none were fetched yet.
    pub fetched_up_to: String,
    /// The result of the job named in the address, built from its counts.
    pub message: Option<String>,
    /// What went wrong with that job, in fixed words.
    pub problem: Option<String>,
    /// The live fees job.
    pub running: Option<RunningView>,
    /// Whether the user may run it (owners only).
    pub allowed: bool,
}

/// A live fees job on the card.
#[derive(Debug, Clone)]
pub struct RunningView {
    /// The job's id, for following it.
    pub job_id: JobId,
    /// What it is doing, e.g. "Fetching fee events: window 1 of 2, …".
    pub text: String,
}

fn running_text(job: &FeesStatus) -> String {
    let f = &job.fetch;
    match job.phase {
        FeesPhase::Fetching => format!(
            "Fetching fee events: window {} of {}, {} page{}, {} new event{}…",
            (f.windows_done + 1).min(f.windows_total.max(1)),
            f.windows_total.max(1),
            f.pages,
            if f.pages == 1 { "" } else { "s" },
            f.events_new,
            if f.events_new == 1 { "" } else { "s" },
        ),
        _ => "Reconciling fees onto sold items…".to_owned(),
    }
}

/// The card's figures for `user`, with the result of job `shown` (from
/// `?fees_job=`) when it is a fees job.
pub async fn card(
    state: &AppState,
    user: &CurrentUser,
    shown: Option<i64>,
) -> Result<FeeCard, AppError> {
    let running = match db::jobs::live_job(&state.db, FeesJob::KIND).await? {
        Some(row) => {
            let job = status_of(&row)?;
            Some(RunningView {
                job_id: job.id,
                text: running_text(&job),
            })
        }
        None => None,
    };
    let shown = match shown.and_then(|id| JobId::new(id).ok()) {
        Some(id) => load(state, id).await?,
        None => None,
    };
    let (mut message, mut problem) = (None, None);
    if let Some(job) = shown.filter(|j| !j.is_running) {
        match &job.report {
            Some(r) => {
                message = Some(fees::message(
                    r.updated,
                    r.not_posted,
                    r.skipped.len(),
                    r.unreadable_events,
                ));
                problem = job
                    .fetch_error
                    .as_ref()
                    .map(|why| format!("New fees could not be fetched: {why}"));
            }
            None => problem = Some(ended_early(&job).to_string()),
        }
    }
    Ok(FeeCard {
        missing: db::fees::count_missing(&state.db).await?,
        fetched_up_to: fees::fetched_up_to_text(fees::watermark(&state.db).await?),
        message,
        problem,
        running,
        allowed: user.role == Role::Owner,
    })
}
