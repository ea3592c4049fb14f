//! `/api/inventory` JSON handlers.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::{ListParams, UnitJson};
use crate::db;
use crate::domain::InventoryItemId;
use crate::inventory::{self, UnitInput, UnitPatch};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Path, Query};
use crate::web::json::ApiJson;
use crate::web::{AppError, AppState};

/// One page of units.
#[derive(Serialize)]
pub struct UnitPage {
    items: Vec<UnitJson>,
    total: i64,
    page: u64,
    page_size: u64,
}

fn parse_id(raw: &str) -> Result<InventoryItemId, AppError> {
    InventoryItemId::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))
}

#[tracing::instrument(skip_all)]
pub async fn list_units(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<UnitPage>, AppError> {
    let (query, page) = params.to_query(50).map_err(AppError::BadRequest)?;
    let (rows, total) = db::inventory::list(&state.db, &query).await?;
    Ok(Json(UnitPage {
        items: rows.into_iter().map(UnitJson::from).collect(),
        total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[tracing::instrument(skip_all)]
pub async fn get_unit(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<UnitJson>, AppError> {
    let id = parse_id(&raw)?;
    let row = inventory::require(&state.db, id).await?;
    let fees = crate::web::fees::unit_fees_json(&state.db, &row).await?;
    let mut unit = UnitJson::from(row);
    unit.fees = fees;
    Ok(Json(unit))
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn create_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<(StatusCode, Json<UnitJson>), AppError> {
    let id = inventory::create(&state.db, &input, Some(user.id)).await?;
    let row = inventory::require(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn patch_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<UnitPatch>,
) -> Result<Json<UnitJson>, AppError> {
    let id = parse_id(&raw)?;
    let row = inventory::update(&state.db, id, patch, Some(user.id)).await?;
    Ok(Json(row.into()))
}
