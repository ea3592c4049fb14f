//! `/api/orders/amazon/{order_id}/shipments`: queue a package of an order
//! the seller ships (carrier, tracking number, ship date, lines) for the
//! ship job to confirm to Amazon, and list the order's packages with where
//! each is (pending, sent, refused with Amazon's words).

mod bulk;
mod dialog;
mod import;
mod import_page;

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;

use super::auth::CurrentUser;
use super::error::ErrorBody;
use super::extract::{Path, form_value};
use super::json::ApiJson;
use super::routes::{Access, Routes};
use super::{AppError, AppState};
use crate::amazon::ship::spawn_send_pending;
use crate::db::orders::{Order, OrderLine, find_order, lines_for_orders};
use crate::db::shipments::{self, ShipmentRow};
use crate::domain::shipment::{
    self, NewShipment, PackageItem, ShipmentError, ShipmentInput, ShipmentState, ShippableOrder,
};
use crate::domain::{OrderId, Platform, ShipmentId, UserId};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get(
            "/api/orders/amazon/{order_id}/shipments",
            Access::User,
            list,
        )
        .post(
            "/api/orders/amazon/{order_id}/shipments",
            Access::User,
            create,
        )
        .post("/api/shipments/import", Access::User, import::import)
        .get("/orders/amazon/tracking", Access::User, import_page::show)
        .post(
            "/orders/amazon/tracking/preview",
            Access::User,
            import_page::preview,
        )
        .post(
            "/orders/amazon/tracking/send",
            Access::User,
            import_page::send,
        )
        .get("/orders/amazon/ship-bulk", Access::User, bulk::show)
        .post("/orders/amazon/ship-bulk", Access::User, bulk::submit)
        .get("/orders/amazon/{order_id}/ship", Access::User, dialog::show)
        .post(
            "/orders/amazon/{order_id}/ship",
            Access::User,
            dialog::submit,
        )
}

/// The shipment operations.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, import::import))]
pub struct ShipmentsApi;

/// A package in JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentJson {
    id: ShipmentId,
    /// The package's number within its order (1, 2, …).
    package_number: i64,
    /// What Amazon knows it by (`packageReferenceId`): the id.
    package_reference_id: i64,
    carrier_code: String,
    carrier_name: Option<String>,
    shipping_method: Option<String>,
    tracking_number: String,
    #[serde(with = "time::serde::rfc3339")]
    ship_date: OffsetDateTime,
    items: Vec<PackageItem>,
    state: ShipmentState,
    attempts: i64,
    /// Amazon's words when it refused the package.
    message: Option<String>,
    /// What the seller can do about a refused package.
    #[schema(value_type = Option<String>)]
    what_to_do: Option<&'static str>,
    #[serde(with = "time::serde::rfc3339::option")]
    sent_at: Option<OffsetDateTime>,
}

impl ShipmentJson {
    fn new(row: ShipmentRow) -> Result<ShipmentJson, AppError> {
        let items = row.items().map_err(|e| AppError::Internal(e.into()))?;
        Ok(ShipmentJson {
            id: row.id,
            package_number: row.package_ref,
            package_reference_id: row.id.get(),
            carrier_code: row.carrier_code,
            carrier_name: row.carrier_name,
            shipping_method: row.shipping_method,
            tracking_number: row.tracking_number,
            ship_date: row.ship_date,
            items,
            what_to_do: (row.state == ShipmentState::Refused).then_some(
                "Check the order in Seller Central; correct the package there or queue it again with the right details.",
            ),
            state: row.state,
            attempts: row.attempts,
            message: row.message,
            sent_at: row.sent_at,
        })
    }
}

pub(crate) async fn amazon_order(state: &AppState, order_id: &str) -> Result<Order, AppError> {
    find_order(&state.db, Platform::Amazon, order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no Amazon order {order_id}")))
}

/// The packages of an Amazon order, oldest first, each with its state at
/// Amazon.
#[utoipa::path(
    get,
    path = "/api/orders/amazon/{order_id}/shipments",
    tag = "shipments",
    params(("order_id" = String, Path, description = "Amazon's order id, e.g. `203-1234567-1234567`")),
    responses(
        (status = 200, description = "The packages", body = Vec<ShipmentJson>),
        (status = 404, description = "No such Amazon order", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
) -> Result<Json<Vec<ShipmentJson>>, AppError> {
    let order = amazon_order(&state, &order_id).await?;
    let rows = shipments::for_order(&state.db, order.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(ShipmentJson::new)
            .collect::<Result<_, _>>()?,
    ))
}

/// An order's lines and its packages so far, read once.
pub(crate) struct OrderShipping {
    /// The lines.
    pub(crate) lines: Vec<OrderLine>,
    /// The packages, oldest first.
    pub(crate) packages: Vec<ShipmentRow>,
}

impl OrderShipping {
    /// Reads them for `order`.
    pub(crate) async fn load(state: &AppState, order: &Order) -> Result<OrderShipping, AppError> {
        Ok(OrderShipping {
            lines: lines_for_orders(&state.db, &[order.id]).await?,
            packages: shipments::for_order(&state.db, order.id).await?,
        })
    }

    /// What is left to ship of each line of `order`: ordered, less what
    /// packages queued or sent (not refused) carry.
    pub(crate) fn shippable(&self, order: &Order) -> Result<ShippableOrder, AppError> {
        let mut queued: HashMap<&str, i64> = HashMap::new();
        let mut items = Vec::new();
        for row in self
            .packages
            .iter()
            .filter(|r| r.state != ShipmentState::Refused)
        {
            items.extend(row.items().map_err(|e| AppError::Internal(e.into()))?);
        }
        for item in &items {
            *queued.entry(item.order_item_id.as_str()).or_default() += item.quantity;
        }
        let left = self
            .lines
            .iter()
            .map(|l| {
                let done = queued
                    .get(l.reported.platform_item_id.as_str())
                    .copied()
                    .unwrap_or(0);
                (
                    l.reported.platform_item_id.clone(),
                    (l.reported.quantity - done).max(0),
                )
            })
            .collect();
        Ok(ShippableOrder {
            ui_status: order.ui_status,
            channel: order.reported.fulfillment_channel,
            placed: order.reported.order_date,
            left,
        })
    }
}

/// Checks `input` for `order` at `now` against what is left to ship: the
/// package, or why not (naming the field).
pub(crate) async fn check_package(
    state: &AppState,
    order: &Order,
    input: ShipmentInput,
    now: OffsetDateTime,
) -> Result<Result<NewShipment, ShipmentError>, AppError> {
    let facts = OrderShipping::load(state, order).await?.shippable(order)?;
    Ok(shipment::check(input, &facts, now))
}

/// Queues checked `packages` (of their orders) in one transaction and
/// starts the sender (or makes it look again) in the background; their ids.
pub(crate) async fn queue_packages(
    state: &AppState,
    packages: &[(OrderId, NewShipment)],
    by: UserId,
) -> Result<Vec<ShipmentId>, AppError> {
    let mut tx = state.db.begin().await?;
    let mut ids = Vec::with_capacity(packages.len());
    for (order, package) in packages {
        let id = shipments::queue(&mut tx, *order, package, Some(by)).await?;
        tracing::info!(order = %order, shipment = %id, "shipment queued");
        ids.push(id);
    }
    tx.commit().await?;
    if !ids.is_empty() {
        spawn_send_pending(&state.jobs);
    }
    Ok(ids)
}

/// The trimmed value of the form field `name` (empty when absent).
pub(crate) fn form_field(pairs: &[(String, String)], name: &str) -> String {
    form_value(pairs, name).unwrap_or_default().to_owned()
}

/// Held from reading what is left to ship to queueing, so two packages
/// queued at once in this process cannot both take the same units.
pub(crate) static QUEUEING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Checks `input` for `order` and queues it; the sender starts (or is
/// made to look again) in the background. The package's id, or why it was
/// refused (a 400 naming the field).
pub(crate) async fn queue_shipment(
    state: &AppState,
    order: &Order,
    input: ShipmentInput,
    by: UserId,
) -> Result<ShipmentId, AppError> {
    let _queueing = QUEUEING.lock().await;
    let package = check_package(state, order, input, OffsetDateTime::now_utc())
        .await?
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let ids = queue_packages(state, &[(order.id, package)], by).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no package queued")))
}

/// Queues a package of an Amazon order for confirming its shipment to
/// Amazon (carrier, tracking number, ship date and the units in it); it
/// is sent in the background.
#[utoipa::path(
    post,
    path = "/api/orders/amazon/{order_id}/shipments",
    tag = "shipments",
    params(("order_id" = String, Path, description = "Amazon's order id, e.g. `203-1234567-1234567`")),
    request_body = ShipmentInput,
    responses(
        (status = 202, description = "Queued", body = ShipmentJson),
        (status = 400, description = "The package is not valid for the order", body = ErrorBody),
        (status = 404, description = "No such Amazon order", body = ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(order_id): Path<String>,
    ApiJson(input): ApiJson<ShipmentInput>,
) -> Result<Response, AppError> {
    let order = amazon_order(&state, &order_id).await?;
    let id = queue_shipment(&state, &order, input, user.id).await?;
    let row = shipments::for_order(&state.db, order.id)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("shipment {id} vanished")))?;
    Ok((StatusCode::ACCEPTED, Json(ShipmentJson::new(row)?)).into_response())
}
