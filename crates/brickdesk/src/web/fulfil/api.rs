//! JSON API of the picking list and Confirm Orders Processed.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::default_archive;
use crate::domain::fulfilment::Fill;
use crate::domain::{BatchId, Currency, InventoryItemId, MatchStatus, OrderItemId, UiStatus};
use crate::fulfil::confirm::{self, ConfirmOutcome, ConfirmRequest, LineChoice, OrderChoice};
use crate::fulfil::undo::{self, BatchReview};
use crate::fulfil::{FillSource, Scope, load_plan, picklist};
use crate::web::auth::CurrentUser;
use crate::web::error::ErrorBody;
use crate::web::extract::{Path, Query};
use crate::web::inventory::UnitJson;
use crate::web::json::ApiJson;
use crate::web::{AppError, AppState};

/// `?format=json` or the PDF.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `pdf` (the default) or `json`.
    #[param(pattern = "^(pdf|json)?$")]
    format: String,
}

/// The picking list of the Paid Amazon orders the seller ships: which
/// unit to take from which shelf, in walking order. A PDF to print, or
/// the same as JSON.
#[utoipa::path(
    get,
    path = "/api/picking-list/amazon",
    tag = "fulfilment",
    params(FormatParam),
    responses(
        (status = 200, description = "The list", content(
            (picklist::PickList = "application/json"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 400, description = "`format` is not `json` or `pdf`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn picking_list(
    State(state): State<AppState>,
    Query(q): Query<FormatParam>,
) -> Result<Response, AppError> {
    let list = picklist::build(&state.db, state.time_zone(), OffsetDateTime::now_utc()).await?;
    match q.format.as_str() {
        "json" => Ok(Json(list).into_response()),
        "" | "pdf" => {
            let pdf = tokio::task::spawn_blocking(move || picklist::to_pdf(&list))
                .await
                .map_err(|e| AppError::Internal(e.into()))??;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/pdf"),
                    (
                        header::CONTENT_DISPOSITION,
                        "inline; filename=\"amazon-picking-list.pdf\"",
                    ),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                pdf,
            )
                .into_response())
        }
        other => Err(AppError::BadRequest(format!(
            "format must be json or pdf, not '{other}'"
        ))),
    }
}

/// How one unit of a line is filled.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SlotJson {
    unit_index: usize,
    source: FillSource,
    unit: Option<UnitJson>,
    message: Option<&'static str>,
}

/// A line of a candidate order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LineJson {
    id: OrderItemId,
    title: Option<String>,
    asin: Option<String>,
    sku: Option<String>,
    quantity: i64,
    unit_price_minor: Option<i64>,
    currency: Option<Currency>,
    match_status: MatchStatus,
    units: Vec<SlotJson>,
    /// Other sellable units of the mapped set and condition, oldest first.
    candidates: Vec<UnitJson>,
}

/// A candidate order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateJson {
    order_id: String,
    buyer_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    order_date: Option<OffsetDateTime>,
    ui_status: UiStatus,
    total_minor: Option<i64>,
    currency: Option<Currency>,
    lines: Vec<LineJson>,
}

/// The confirm dialog's data.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidatesJson {
    archive_location: String,
    orders: Vec<CandidateJson>,
}

#[tracing::instrument(skip_all)]
/// The Paid orders that can be confirmed processed, each line with the
/// units that would fill it (linked, else FIFO).
#[utoipa::path(
    get,
    path = "/api/orders/confirm",
    tag = "fulfilment",
    responses(
        (status = 200, description = "The candidates", body = CandidatesJson),
    )
)]
pub async fn candidates(State(state): State<AppState>) -> Result<Json<CandidatesJson>, AppError> {
    let plan = load_plan(&state.db, &confirm::ELIGIBLE, Scope::All).await?;
    let orders = plan
        .orders
        .iter()
        .map(|o| CandidateJson {
            order_id: o.order.reported.platform_order_id.clone(),
            buyer_name: o.order.reported.buyer_name.clone(),
            order_date: o.order.reported.order_date,
            ui_status: o.order.ui_status,
            total_minor: o.order.reported.total.map(|m| m.minor),
            currency: o.order.reported.total.map(|m| m.currency),
            lines: o
                .lines
                .iter()
                .map(|l| LineJson {
                    id: l.line.id,
                    title: l.line.reported.title.clone(),
                    asin: l.line.reported.asin.clone(),
                    sku: l.line.reported.sku.clone(),
                    quantity: l.line.reported.quantity,
                    unit_price_minor: l.line.reported.unit_price.map(|m| m.minor),
                    currency: l.line.reported.currency(),
                    match_status: l.line.match_status,
                    units: l
                        .fills
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let message = match f {
                                Fill::Unfilled(why) => Some(why.message()),
                                Fill::Linked(_) | Fill::Recommended(_) => None,
                            };
                            SlotJson {
                                unit_index: i,
                                source: FillSource::of(f),
                                unit: f
                                    .unit()
                                    .and_then(|u| plan.units.get(&u))
                                    .map(UnitJson::from),
                                message,
                            }
                        })
                        .collect(),
                    candidates: plan.candidates(l).map(UnitJson::from).collect(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(CandidatesJson {
        archive_location: default_archive(&state),
        orders,
    }))
}

/// `POST /api/orders/confirm` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConfirmBody {
    /// Defaults to `SOLD-YYYY-MM` of now in the seller's time zone.
    archive_location: Option<String>,
    orders: Vec<OrderBody>,
}

/// An approved order.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrderBody {
    order_id: String,
    /// Omit to use the linked units plus the FIFO recommendations.
    lines: Option<Vec<LineBody>>,
}

/// Units chosen for a line.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LineBody {
    item_id: OrderItemId,
    units: Vec<InventoryItemId>,
}

/// Confirms orders processed: each unit is sold and moved to the archive
/// location, each order becomes Completed, all in one batch that can be
/// undone.
#[utoipa::path(
    post,
    path = "/api/orders/confirm",
    tag = "fulfilment",
    request_body = ConfirmBody,
    responses(
        (status = 200, description = "What was confirmed and what was skipped", body = ConfirmOutcome),
        (status = 400, description = "The body is not valid", body = ErrorBody),
        (status = 409, description = "The data changed meanwhile", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn confirm(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Json<ConfirmOutcome>, AppError> {
    let req = ConfirmRequest {
        archive_location: body
            .archive_location
            .unwrap_or_else(|| default_archive(&state)),
        orders: body
            .orders
            .into_iter()
            .map(|o| OrderChoice {
                order_id: o.order_id,
                lines: o.lines.map(|ls| {
                    ls.into_iter()
                        .map(|l| LineChoice {
                            item_id: l.item_id,
                            units: l.units,
                        })
                        .collect()
                }),
            })
            .collect(),
    };
    Ok(Json(
        confirm::confirm(&state.db, &req, Some(user.id)).await?,
    ))
}

/// A batch in the list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchJson {
    id: BatchId,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    archive_location: String,
    orders: i64,
    units: i64,
    undone: bool,
}

/// The latest 100 confirmation batches, newest first.
#[utoipa::path(
    get,
    path = "/api/orders/confirm/batches",
    tag = "fulfilment",
    responses(
        (status = 200, description = "The batches", body = Vec<BatchJson>),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn batches(State(state): State<AppState>) -> Result<Json<Vec<BatchJson>>, AppError> {
    let rows = undo::latest(&state.db, 100).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BatchJson {
                id: b.id,
                created_at: b.created_at,
                archive_location: b.archive_location,
                orders: b.orders,
                units: b.units,
                undone: b.undone_at.is_some(),
            })
            .collect(),
    ))
}

/// One batch: its orders and units, and what keeps it from being undone.
#[utoipa::path(
    get,
    path = "/api/orders/confirm/batches/{id}",
    tag = "fulfilment",
    params(("id" = BatchId, Path, description = "The batch's id")),
    responses(
        (status = 200, description = "The batch", body = BatchReview),
        (status = 400, description = "The id is not valid", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<BatchId>,
) -> Result<Json<BatchReview>, AppError> {
    Ok(Json(undo::review(&state.db, id).await?))
}

/// Undoes a batch: its units and orders go back to how they were.
#[utoipa::path(
    post,
    path = "/api/orders/confirm/batches/{id}/undo",
    tag = "fulfilment",
    params(("id" = BatchId, Path, description = "The batch's id")),
    responses(
        (status = 200, description = "The batch, undone", body = BatchReview),
        (status = 400, description = "The id is not valid", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
        (status = 409, description = "Something keeps it from being undone (see the message)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn undo(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<BatchId>,
) -> Result<Json<BatchReview>, AppError> {
    Ok(Json(undo::undo(&state.db, id, Some(user.id)).await?))
}
