//! `/api/orders/amazon…` and `/api/amazon/asin-mappings`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::OrderParams;
use super::view::{self, OrderJson};
use crate::amazon::matching::{self, MappingOutcome, MappingRequest, MappingTarget};
use crate::db::{self, mappings::MappingRow};
use crate::domain::{Condition, InventoryItemId, MatchStatus, OrderItemId, Platform};
use crate::web::auth::CurrentUser;
use crate::web::error::ErrorBody;
use crate::web::extract::{Path, Query};
use crate::web::json::ApiJson;
use crate::web::{AppError, AppState};

/// A page of Amazon orders.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    orders: Vec<OrderJson>,
    total: i64,
    /// Counting stopped early: more orders than `total` match.
    total_is_lower_bound: bool,
    page: u64,
    page_size: u64,
}

/// One page of Amazon orders, newest first, with their lines and linked
/// units.
#[utoipa::path(
    get,
    path = "/api/orders/amazon",
    tag = "orders",
    params(OrderParams),
    responses(
        (status = 200, description = "The page", body = OrderPage),
        (status = 400, description = "A parameter is not valid", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn list_amazon_orders(
    State(state): State<AppState>,
    Query(params): Query<OrderParams>,
) -> Result<Response, AppError> {
    let (query, page) = params
        .to_query(Some(Platform::Amazon))
        .map_err(AppError::BadRequest)?;
    // Read before the page, so the page is at least as new as the version.
    let version = state.listings.version(&state.db).await?;
    let body = match state.listings.get(version, &query) {
        Some(body) => body,
        None => {
            let marks = state.listings.marks(&state.db, version, &query).await?;
            let (orders, total) = view::load(&state.db, &query, marks.as_deref()).await?;
            let body = Bytes::from(
                serde_json::to_vec(&OrderPage {
                    orders: orders.into_iter().map(OrderJson::from).collect(),
                    total: total.count,
                    total_is_lower_bound: total.more,
                    page: page.page,
                    page_size: page.page_size,
                })
                .map_err(|e| AppError::Internal(e.into()))?,
            );
            state.listings.put(version, query, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Counts per UI status.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusSummaryJson {
    all: i64,
    #[serde(rename = "Pending")]
    pending: i64,
    #[serde(rename = "Paid")]
    paid: i64,
    #[serde(rename = "Shipped")]
    shipped: i64,
    #[serde(rename = "Completed")]
    completed: i64,
    #[serde(rename = "Cancelled")]
    cancelled: i64,
}

/// How many Amazon orders there are in each status.
#[utoipa::path(
    get,
    path = "/api/orders/amazon/status-summary",
    tag = "orders",
    responses(
        (status = 200, description = "The counts", body = StatusSummaryJson),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn status_summary(
    State(state): State<AppState>,
) -> Result<Json<StatusSummaryJson>, AppError> {
    let s = db::orders::status_summary(&state.db, Platform::Amazon).await?;
    let n = |i: usize| s.counts.get(i).map_or(0, |(_, c)| *c);
    Ok(Json(StatusSummaryJson {
        all: s.all,
        pending: n(0),
        paid: n(1),
        shipped: n(2),
        completed: n(3),
        cancelled: n(4),
    }))
}

/// Lines of an order that need linking.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnmatchedJson {
    order_id: String,
    items: Vec<UnmatchedItem>,
}

/// One line that needs linking.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnmatchedItem {
    id: OrderItemId,
    item_name: Option<String>,
    asin: Option<String>,
    quantity: i64,
    match_status: MatchStatus,
    can_link: bool,
    #[schema(value_type = String)]
    message: &'static str,
}

/// The message the Unmatched Items dialog shows for a line.
pub fn unmatched_message(has_asin: bool) -> &'static str {
    if has_asin {
        "Click to link to inventory"
    } else {
        "No ASIN on Amazon order - cannot link to inventory"
    }
}

/// The lines of an Amazon order that are not linked to units: unmapped
/// ASINs (which can be linked) and lines without an ASIN (which cannot).
#[utoipa::path(
    get,
    path = "/api/orders/amazon/{order_id}/unmatched",
    tag = "orders",
    params(("order_id" = String, Path, description = "Amazon's order id, e.g. `203-1234567-1234567`")),
    responses(
        (status = 200, description = "The lines", body = UnmatchedJson),
        (status = 404, description = "No such Amazon order", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn unmatched_lines(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
) -> Result<Json<UnmatchedJson>, AppError> {
    let (order, lines) = view::unmatched_lines(&state.db, &order_id).await?;
    let items = lines
        .into_iter()
        .map(|l| {
            let can_link = l.match_status == MatchStatus::Unmatched;
            UnmatchedItem {
                id: l.id,
                item_name: l.reported.title,
                asin: l.reported.asin,
                quantity: l.reported.quantity,
                match_status: l.match_status,
                can_link,
                message: unmatched_message(can_link),
            }
        })
        .collect();
    Ok(Json(UnmatchedJson {
        order_id: order.reported.platform_order_id,
        items,
    }))
}

/// A mapping in JSON.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MappingJson {
    asin: String,
    set_number: String,
    condition: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: time::OffsetDateTime,
}

impl From<MappingRow> for MappingJson {
    fn from(m: MappingRow) -> Self {
        MappingJson {
            asin: m.asin,
            set_number: m.set_number,
            condition: m.condition.to_string(),
            created_at: m.created_at,
        }
    }
}

/// Every ASIN mapping: which set and condition an ASIN sells.
#[utoipa::path(
    get,
    path = "/api/amazon/asin-mappings",
    tag = "mappings",
    responses(
        (status = 200, description = "The mappings", body = Vec<MappingJson>),
    )
)]
pub async fn list_mappings(
    State(state): State<AppState>,
) -> Result<Json<Vec<MappingJson>>, AppError> {
    Ok(Json(
        db::mappings::list(&state.db)
            .await?
            .into_iter()
            .map(MappingJson::from)
            .collect(),
    ))
}

/// Body of `POST /api/amazon/asin-mappings`: either a unit to map from (and
/// link to `order_item_id`), or a set number and condition.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingBody {
    /// The ASIN to map.
    asin: String,
    /// A unit whose set and condition the ASIN maps to.
    #[serde(default)]
    #[schema(minimum = 1)]
    inventory_item_id: Option<i64>,
    /// With `inventory_item_id`: the order line to link that unit to.
    #[serde(default)]
    #[schema(minimum = 1)]
    order_item_id: Option<i64>,
    /// Instead of a unit: the set number the ASIN maps to.
    #[serde(default)]
    set_number: Option<String>,
    /// With `set_number`: `New` (the default) or `Used`.
    #[serde(default)]
    condition: Option<String>,
    /// Replace a mapping the ASIN has already.
    #[serde(default)]
    replace: bool,
}

impl MappingBody {
    /// The service request this body asks for.
    pub fn into_request(self) -> Result<MappingRequest, AppError> {
        let target = match (self.inventory_item_id, self.set_number) {
            (Some(unit), None) => MappingTarget::Unit(
                InventoryItemId::new(unit).map_err(|e| AppError::BadRequest(e.to_string()))?,
            ),
            (None, Some(set_number)) => {
                let condition = self
                    .condition
                    .as_deref()
                    .map_or(Some(Condition::New), Condition::parse);
                let condition = condition
                    .ok_or_else(|| AppError::BadRequest("condition must be New or Used".into()))?;
                MappingTarget::Set {
                    set_number,
                    condition,
                }
            }
            _ => {
                return Err(AppError::BadRequest(
                    "send either inventory_item_id or set_number (and condition)".into(),
                ));
            }
        };
        let order_item = self
            .order_item_id
            .map(OrderItemId::new)
            .transpose()
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(MappingRequest {
            asin: self.asin,
            target,
            order_item,
            replace: self.replace,
        })
    }
}

/// Maps an ASIN to a set and condition, from a unit (optionally linking it
/// to an order line) or from a set number.
#[utoipa::path(
    post,
    path = "/api/amazon/asin-mappings",
    tag = "mappings",
    request_body = MappingBody,
    responses(
        (status = 201, description = "What was mapped and linked", body = MappingOutcome),
        (status = 400, description = "The body is not valid", body = ErrorBody),
        (status = 404, description = "No such unit or order line", body = ErrorBody),
        (status = 409, description = "The ASIN is mapped already (send `replace`), or the unit is not available", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn create_mapping(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiJson(body): ApiJson<MappingBody>,
) -> Result<(StatusCode, Json<MappingOutcome>), AppError> {
    let outcome = matching::create_mapping(&state.db, body.into_request()?, Some(user.id)).await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

/// `?asin=…`
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsinQuery {
    /// The ASIN whose mapping goes.
    asin: String,
}

/// Removes an ASIN's mapping; links already made stay.
#[utoipa::path(
    delete,
    path = "/api/amazon/asin-mappings",
    tag = "mappings",
    params(AsinQuery),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "The `asin` parameter is missing", body = ErrorBody),
        (status = 404, description = "The ASIN has no mapping", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn delete_mapping(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<AsinQuery>,
) -> Result<StatusCode, AppError> {
    if matching::delete_mapping(&state.db, &q.asin, Some(user.id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!(
            "no mapping for ASIN {}",
            q.asin.trim()
        )))
    }
}
