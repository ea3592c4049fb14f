//! `GET /healthz`: the process is up and the database answers.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::routes::{Access, Routes};
use super::{AppError, AppState};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default().get("/healthz", Access::Public, check_health)
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
