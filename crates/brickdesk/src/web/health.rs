//! `GET /healthz`: the process is up, the database answers and can write.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::routes::{Access, Routes};
use super::{AppError, AppState};
use crate::db::WriteHealth;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default().get("/healthz", Access::Public, check_health)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// 200 when the database answers and can write; 503 with
/// `{"status": "degraded", "database": "read-only" | "disk-full"}` when it
/// answers but cannot write.
#[tracing::instrument(skip_all)]
async fn check_health(State(state): State<AppState>) -> Result<Response, AppError> {
    state
        .db
        .ping()
        .await
        .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
    let writes = state
        .db
        .write_health()
        .await
        .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
    let (status, word) = match writes {
        WriteHealth::Writable => (StatusCode::OK, "ok"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "degraded"),
    };
    let body = Health {
        status: word,
        database: writes.as_str(),
    };
    Ok((status, Json(body)).into_response())
}
