//! Order sync and backfill over HTTP: `POST /api/integrations/amazon/sync`
//! and [Sync Orders]; `GET`/`POST`/`DELETE /api/orders/backfill`, its
//! server-sent-events stream, and the [Fetch Missing Items] / [Stop
//! Backfill] forms of `/orders`.

mod view;

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures::{Stream, StreamExt};
use serde::Deserialize;

pub use view::{BackfillProgress, BackfillView, SyncResult, SyncView};

use super::error::ErrorBody;
use super::routes::{Access, Routes};
use super::{AppError, AppState, PageError};
use crate::amazon::backfill::{BackfillJob, BackfillMode, BackfillParams};
use crate::amazon::sync::{OrdersApi, SyncJob, SyncParams};
use crate::db::jobs::JobRow;
use crate::db::orders::count_missing_items;
use crate::domain::Platform;
use crate::jobs::{Job, StartError, Started};

/// How long a sync request waits for the sync to finish before answering
/// with the running job (the page then shows it running).
const SYNC_WAIT: Duration = Duration::from_secs(20);

/// How long a stop request waits for the backfill to let go.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .post("/api/integrations/amazon/sync", Access::User, api_sync)
        .get(
            "/api/integrations/amazon/sync",
            Access::User,
            api_sync_status,
        )
        .post("/orders/amazon/sync", Access::User, form_sync)
        .get("/api/orders/backfill", Access::User, api_backfill_progress)
        .post("/api/orders/backfill", Access::User, api_backfill_start)
        .add(
            axum::http::Method::DELETE,
            "/api/orders/backfill",
            Access::User,
            api_backfill_stop,
        )
        .get("/api/orders/backfill/events", Access::User, backfill_events)
        .post("/orders/backfill", Access::User, form_backfill_start)
        .post("/orders/backfill/stop", Access::User, form_backfill_stop)
}

/// The sync and backfill operations.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_sync,
    api_sync_status,
    api_backfill_progress,
    api_backfill_start,
    api_backfill_stop,
    backfill_events
))]
pub struct AmazonJobsApi;

/// One event of the backfill's event stream (for the document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ProgressEvent {
    /// Always `progress`.
    #[schema(pattern = "^progress$")]
    event: String,
    /// The backfill's progress (a `BackfillProgress`) as JSON.
    data: String,
}

/// A JSON body that may be left out or `null` (then every option has its
/// default).
fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    let text = body.trim_ascii();
    if text.is_empty() || text == b"null" {
        return Ok(T::default());
    }
    super::extract::json_body(text)
}

/// The answer to a failed start (every cause is the server's fault).
pub(crate) fn start_error(e: StartError) -> AppError {
    match e {
        StartError::Db(e) => e.into(),
        other => AppError::Internal(other.into()),
    }
}

/// Body of `POST /api/integrations/amazon/sync` (all optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SyncRequest {
    /// `2026-01-01` (default) or `v0`.
    #[schema(pattern = "^(2026-01-01|v0)$")]
    pub api: Option<String>,
    /// Days the first sync covers (default 90).
    #[schema(minimum = 1, maximum = 3650)]
    pub window_days: Option<i64>,
    /// Answer at once with the running job instead of waiting.
    pub no_wait: bool,
}

fn sync_params(req: &SyncRequest) -> Result<SyncParams, AppError> {
    let mut params = SyncParams::default();
    if let Some(api) = &req.api {
        params.api = OrdersApi::parse(api).ok_or_else(|| {
            AppError::BadRequest(format!("api must be 2026-01-01 or v0, not {api:?}"))
        })?;
    }
    if let Some(days) = req.window_days {
        if !(1..=3650).contains(&days) {
            return Err(AppError::BadRequest(
                "windowDays must be between 1 and 3650".into(),
            ));
        }
        params.window_days = days;
    }
    Ok(params)
}

/// Starts a sync (or joins the live one); with `wait`, waits up to
/// [`SYNC_WAIT`] for it. Returns the job as it then is.
async fn start_sync(state: &AppState, params: SyncParams, wait: bool) -> Result<JobRow, AppError> {
    let job = if wait {
        state
            .jobs
            .start_and_wait::<SyncJob>(params, SYNC_WAIT)
            .await
    } else {
        state
            .jobs
            .start::<SyncJob>(params)
            .await
            .map(|s| s.job().clone())
    };
    job.map_err(start_error)
}

/// Syncs Amazon orders now (or joins the sync running), waiting up to 20
/// seconds for it to finish unless `noWait`.
#[utoipa::path(
    post,
    path = "/api/integrations/amazon/sync",
    tag = "amazon",
    request_body(content = Option<SyncRequest>, description = "Options; the body may be left out"),
    responses(
        (status = 200, description = "The sync finished", body = SyncResult),
        (status = 202, description = "The sync goes on: poll `GET` on this path", body = SyncResult),
        (status = 400, description = "The body is not valid", body = ErrorBody),
    )
)]
async fn api_sync(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let req: SyncRequest = optional_json(&body)?;
    let params = sync_params(&req)?;
    let job = start_sync(&state, params, !req.no_wait).await?;
    let result = SyncResult::load(&state.db, Some(job), state.config.sync_every.is_some()).await?;
    let status = if result.is_running {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(result)).into_response())
}

/// The latest sync: its state, counts and errors, and when the next
/// automatic one runs.
#[utoipa::path(
    get,
    path = "/api/integrations/amazon/sync",
    tag = "amazon",
    responses(
        (status = 200, description = "The latest sync", body = SyncResult),
    )
)]
async fn api_sync_status(State(state): State<AppState>) -> Result<Json<SyncResult>, AppError> {
    let job = state.jobs.latest(SyncJob::KIND).await?;
    Ok(Json(
        SyncResult::load(&state.db, job, state.config.sync_every.is_some()).await?,
    ))
}

async fn form_sync(State(state): State<AppState>) -> Result<Redirect, PageError> {
    start_sync(&state, SyncParams::default(), true).await?;
    Ok(Redirect::to("/orders/amazon#sync-status"))
}

/// The backfill's progress as the API and the page show it.
pub async fn backfill_progress(state: &AppState) -> Result<BackfillProgress, AppError> {
    let job = state.jobs.latest(BackfillJob::KIND).await?;
    let missing = count_missing_items(&state.db, Platform::Amazon).await?;
    BackfillProgress::new(job.as_ref(), missing)
}

/// The progress card of `/orders`.
pub async fn backfill_view(state: &AppState) -> Result<BackfillView, AppError> {
    Ok(BackfillView::from(&backfill_progress(state).await?))
}

/// The sync lines of `/orders/amazon`.
pub async fn sync_view(state: &AppState) -> Result<SyncView, AppError> {
    let job = state.jobs.latest(SyncJob::KIND).await?;
    let result = SyncResult::load(&state.db, job, state.config.sync_every.is_some()).await?;
    Ok(SyncView::new(&result, time::OffsetDateTime::now_utc()))
}

/// How many orders miss their lines, and the backfill fetching them.
#[utoipa::path(
    get,
    path = "/api/orders/backfill",
    tag = "amazon",
    responses(
        (status = 200, description = "The progress", body = BackfillProgress),
    )
)]
async fn api_backfill_progress(
    State(state): State<AppState>,
) -> Result<Json<BackfillProgress>, AppError> {
    Ok(Json(backfill_progress(&state).await?))
}

/// Body of `POST /api/orders/backfill` (all optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct BackfillRequest {
    /// `v0` (`getOrderItems`, default) or `2026-01-01` (`getOrder`).
    #[schema(pattern = "^(2026-01-01|v0)$")]
    pub api: Option<String>,
    /// `auto` (default: the all-orders report when more than the
    /// configured threshold of orders are missing), `report` or
    /// `per_order`.
    #[schema(pattern = "^(auto|report|per_order)$")]
    pub mode: Option<String>,
}

async fn start_backfill(state: &AppState, req: &BackfillRequest) -> Result<Started, AppError> {
    let mut params = BackfillParams::default();
    if let Some(api) = &req.api {
        params.api = OrdersApi::parse(api).ok_or_else(|| {
            AppError::BadRequest(format!("api must be v0 or 2026-01-01, not {api:?}"))
        })?;
    }
    if let Some(mode) = &req.mode {
        params.mode = BackfillMode::parse(mode).ok_or_else(|| {
            AppError::BadRequest(format!(
                "mode must be auto, report or per_order, not {mode:?}"
            ))
        })?;
    }
    state
        .jobs
        .start::<BackfillJob>(params)
        .await
        .map_err(start_error)
}

/// Starts fetching the lines of the orders that miss them (or joins the
/// backfill running).
#[utoipa::path(
    post,
    path = "/api/orders/backfill",
    tag = "amazon",
    request_body(content = Option<BackfillRequest>, description = "Options; the body may be left out"),
    responses(
        (status = 201, description = "Started", body = BackfillProgress),
        (status = 200, description = "One was running already", body = BackfillProgress),
        (status = 400, description = "The body is not valid", body = ErrorBody),
    )
)]
async fn api_backfill_start(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let req: BackfillRequest = optional_json(&body)?;
    let started = start_backfill(&state, &req).await?;
    let status = match started {
        Started::New(_) => StatusCode::CREATED,
        Started::AlreadyRunning(_) => StatusCode::OK,
    };
    Ok((status, Json(backfill_progress(&state).await?)).into_response())
}

/// Stops the backfill; lines fetched so far stay.
#[utoipa::path(
    delete,
    path = "/api/orders/backfill",
    tag = "amazon",
    responses(
        (status = 200, description = "The progress once stopped", body = BackfillProgress),
    )
)]
async fn api_backfill_stop(
    State(state): State<AppState>,
) -> Result<Json<BackfillProgress>, AppError> {
    // Answer with the settled state, so the page never shows a "stopping"
    // answer after the stream's "stopped".
    state
        .jobs
        .stop_and_settle(BackfillJob::KIND, STOP_WAIT)
        .await?;
    Ok(Json(backfill_progress(&state).await?))
}

async fn form_backfill_start(State(state): State<AppState>) -> Result<Redirect, PageError> {
    start_backfill(&state, &BackfillRequest::default()).await?;
    Ok(Redirect::to("/orders#backfill"))
}

async fn form_backfill_stop(State(state): State<AppState>) -> Result<Redirect, PageError> {
    state.jobs.stop(BackfillJob::KIND).await?;
    Ok(Redirect::to("/orders#backfill"))
}

/// Server-sent events: one `progress` event with the backfill's progress
/// JSON whenever it changes (written by this process, or seen on a poll
/// of the database when another process runs it), and a keep-alive.
#[utoipa::path(
    get,
    path = "/api/orders/backfill/events",
    tag = "amazon",
    responses(
        (status = 200, description = "A stream of `progress` events", content_type = "text/event-stream", body = ProgressEvent),
    )
)]
async fn backfill_events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = state.jobs.subscribe();
    let state_shutdown = state.shutting_down.clone();
    let stream = futures::stream::unfold(
        (state, changes, None::<String>),
        |(state, mut changes, last)| async move {
            loop {
                if last.is_some() {
                    let _ = tokio::time::timeout(Duration::from_secs(1), changes.changed()).await;
                }
                let text = match backfill_progress(&state).await {
                    Ok(p) => serde_json::to_string(&p).unwrap_or_default(),
                    Err(e) => {
                        tracing::warn!(error = %e, "backfill progress for the event stream");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if last.as_deref() != Some(text.as_str()) {
                    let event = Event::default().event("progress").data(text.clone());
                    return Some((Ok(event), (state, changes, Some(text))));
                }
            }
        },
    );
    // A graceful shutdown waits for every response to end; this one would not.
    let stream = stream.take_until(state_shutdown.cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default())
}
