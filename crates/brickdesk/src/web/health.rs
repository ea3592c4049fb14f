//! `GET /healthz`: the process is up and the database answers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{AppError, AppState};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(check_health))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

#[tracing::instrument(skip_all)]
async fn check_health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state
        .db
        .ping()
        .await
        .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
    Ok(Json(Health {
        status: "ok",
        database: "ok",
    }))
}
