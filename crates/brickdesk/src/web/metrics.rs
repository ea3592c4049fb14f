//! `GET /metrics` in Prometheus' text format, for a signed-in user, an
//! API token or an address of `--metrics-allow` (nothing is public). Requests
//! and SP-API calls are recorded as they happen through the `metrics`
//! facade; what the database knows (jobs, orders missing items, units
//! missing fees, the last sync, the pool) is read at each scrape.

use std::sync::OnceLock;
use std::time::Instant;

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::auth::CurrentUser;
use super::routes::{Access, Routes};
use super::{AppError, AppState};
use crate::db;
use crate::domain::{JobKind, JobState, Platform};

/// Routes of this module.
pub fn router() -> Routes {
    // Public to the route guard: the handler lets in users, tokens and
    // the allowed addresses.
    Routes::default().get("/metrics", Access::Public, scrape)
}

/// Latency buckets (seconds) of requests and rate-limiter waits.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

/// The process's recorder, installed on first use. A process has one:
/// the `metrics` facade records into a global.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "another metrics recorder is installed: /metrics shows only what it can"
            );
        }
        handle
    })
}

/// Installs the recorder, so calls made before the first scrape count.
pub fn install() {
    handle();
}

/// Counts each request and times it, by route pattern (never the raw
/// path: ids would make a series per order), method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("brickdesk_http_requests_total",
        "route" => route.clone(), "method" => method.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("brickdesk_http_request_duration_seconds",
        "route" => route, "method" => method)
    .record(started.elapsed().as_secs_f64());
    response
}

#[tracing::instrument(skip_all)]
async fn scrape(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    user: Option<Extension<CurrentUser>>,
) -> Result<Response, AppError> {
    if user.is_none() && !state.config.metrics_allow.allows(peer.ip()) {
        return Err(AppError::Unauthorized);
    }
    let db = &state.db;
    for (kind, job_state, runs) in db::jobs::count_by_kind_and_state(db).await? {
        metrics::gauge!("brickdesk_job_runs", "kind" => kind.as_str(), "outcome" => job_state.as_str())
            .set(runs as f64);
    }
    let missing_items = db::orders::count_missing_items(db, Platform::Amazon).await?;
    metrics::gauge!("brickdesk_orders_missing_items").set(missing_items as f64);
    let missing_fees = db::fees::count_missing(db).await?;
    metrics::gauge!("brickdesk_units_missing_fees").set(missing_fees as f64);
    let last_sync = db::jobs::latest_in(db, JobKind::Sync, &[JobState::Done]).await?;
    if let Some(at) = last_sync.and_then(|job| job.finished_at) {
        metrics::gauge!("brickdesk_last_sync_success_timestamp_seconds")
            .set(at.unix_timestamp() as f64);
    }
    let (open, idle) = db.pool_use();
    metrics::gauge!("brickdesk_db_pool_connections", "state" => "open").set(f64::from(open));
    metrics::gauge!("brickdesk_db_pool_connections", "state" => "idle").set(idle as f64);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response())
}
