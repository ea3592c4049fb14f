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
use crate::web::error::ErrorBody;
use crate::web::extract::{Path, Query};
use crate::web::json::ApiJson;
use crate::web::{AppError, AppState};

/// One page of units.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitPage {
    items: Vec<UnitJson>,
    total: i64,
    page: u64,
    page_size: u64,
}

fn parse_id(raw: &str) -> Result<InventoryItemId, AppError> {
    InventoryItemId::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// One page of units, filtered and sorted.
#[utoipa::path(
    get,
    path = "/api/inventory",
    tag = "inventory",
    params(ListParams),
    responses(
        (status = 200, description = "The page", body = UnitPage),
        (status = 400, description = "A parameter is not valid", body = ErrorBody),
    )
)]
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

/// One unit, with its reconciled Amazon fees once it is sold.
#[utoipa::path(
    get,
    path = "/api/inventory/{id}",
    tag = "inventory",
    params(("id" = InventoryItemId, Path, description = "The unit's id")),
    responses(
        (status = 200, description = "The unit", body = UnitJson),
        (status = 400, description = "The id is not valid", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    )
)]
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

/// Adds a unit. Money is written as a decimal (`599.99`), dates as
/// `2026-01-31`; a unit cannot start as SOLD.
#[utoipa::path(
    post,
    path = "/api/inventory",
    tag = "inventory",
    request_body = UnitInput,
    responses(
        (status = 201, description = "The unit as stored", body = UnitJson),
        (status = 400, description = "Some fields are not valid (see `fields`), or the body is not JSON", body = ErrorBody),
        (status = 409, description = "The SKU or external id is taken, or the status is SOLD", body = ErrorBody),
    )
)]
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

/// Changes some fields of a unit; fields left out keep their value. A
/// unit becomes SOLD only by confirming its order, and a SOLD unit's sale
/// fields cannot be changed.
#[utoipa::path(
    patch,
    path = "/api/inventory/{id}",
    tag = "inventory",
    params(("id" = InventoryItemId, Path, description = "The unit's id")),
    request_body = UnitPatch,
    responses(
        (status = 200, description = "The unit as stored", body = UnitJson),
        (status = 400, description = "Some fields are not valid (see `fields`), or the body is not JSON", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 409, description = "The SKU or external id is taken, or the change would touch a sale", body = ErrorBody),
    )
)]
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
