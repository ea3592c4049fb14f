//! Mark several orders shipped at once (from Confirm Orders Processed):
//! one carrier, service and ship date, a tracking number per order, every
//! unit left of each. Every order is checked first; one refusal queues
//! nothing and shows each order's reason.

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::{QUEUEING, check_package, queue_packages};
use crate::db::orders::{Order, find_order};
use crate::domain::shipment::{CARRIERS, Carrier, NewShipment, ShipmentInput};
use crate::domain::{FulfillmentChannel, Platform};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Form, Query};
use crate::web::html;
use crate::web::{AppState, PageError};

/// Most orders one form takes.
const MOST: usize = 200;

/// One order of the form.
struct Row {
    order_id: String,
    /// Amazon ships it: nothing to mark.
    fba: bool,
    tracking_number: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "ship_bulk.html")]
struct BulkPage {
    carriers: &'static [Carrier],
    carrier_code: String,
    shipping_method: String,
    rows: Vec<Row>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BulkQuery {
    /// Order ids, comma-separated.
    orders: String,
}

async fn orders(state: &AppState, ids: &[String]) -> Result<Vec<Order>, PageError> {
    let mut found = Vec::new();
    for id in ids.iter().take(MOST) {
        if let Some(order) = find_order(&state.db, Platform::Amazon, id).await? {
            found.push(order);
        }
    }
    Ok(found)
}

fn row(order: &Order, tracking_number: String, error: Option<String>) -> Row {
    Row {
        order_id: order.reported.platform_order_id.clone(),
        fba: !FulfillmentChannel::seller_ships(order.reported.fulfillment_channel),
        tracking_number,
        error,
    }
}

/// `GET /orders/amazon/ship-bulk?orders=…`.
pub async fn show(
    State(state): State<AppState>,
    Query(q): Query<BulkQuery>,
) -> Result<Response, PageError> {
    let ids: Vec<String> = q.orders.split(',').map(|s| s.trim().to_owned()).collect();
    let rows = orders(&state, &ids)
        .await?
        .iter()
        .map(|o| row(o, String::new(), None))
        .collect();
    let page = BulkPage {
        carriers: &CARRIERS,
        carrier_code: String::new(),
        shipping_method: String::new(),
        rows,
        error: None,
    };
    html(StatusCode::OK, &page)
}

/// `POST /orders/amazon/ship-bulk`: `order` per order, `tracking-{order}`,
/// `carrier_code`, `shipping_method`.
pub async fn submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| super::form_field(&pairs, name);
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let (carrier_code, shipping_method) = (field("carrier_code"), field("shipping_method"));
    let now = OffsetDateTime::now_utc();
    let _queueing = QUEUEING.lock().await;
    let mut rows = Vec::new();
    let mut packages: Vec<(crate::domain::OrderId, NewShipment)> = Vec::new();
    for order in orders(&state, &ids).await? {
        let tracking = field(&format!("tracking-{}", order.reported.platform_order_id));
        if tracking.is_empty()
            || !FulfillmentChannel::seller_ships(order.reported.fulfillment_channel)
        {
            rows.push(row(&order, tracking, None));
            continue;
        }
        let input = ShipmentInput {
            carrier_code: carrier_code.clone(),
            carrier_name: None,
            shipping_method: Some(shipping_method.clone()),
            tracking_number: tracking.clone(),
            ship_date: None,
            items: None,
        };
        match check_package(&state, &order, input, now).await? {
            Ok(package) => {
                packages.push((order.id, package));
                rows.push(row(&order, tracking, None));
            }
            Err(e) => rows.push(row(&order, tracking, Some(e.to_string()))),
        }
    }
    let refused = rows.iter().filter(|r| r.error.is_some()).count();
    if refused > 0 || packages.is_empty() {
        let error = if refused > 0 {
            format!("{refused} orders cannot be marked shipped as they are: nothing was queued")
        } else {
            "Type the tracking number of at least one order.".to_owned()
        };
        let page = BulkPage {
            carriers: &CARRIERS,
            carrier_code,
            shipping_method,
            rows,
            error: Some(error),
        };
        return html(StatusCode::BAD_REQUEST, &page);
    }
    queue_packages(&state, &packages, user.id).await?;
    let shipped = format!("{} orders", packages.len());
    let to = format!(
        "/orders/amazon?shipped={}",
        url::form_urlencoded::byte_serialize(shipped.as_bytes()).collect::<String>()
    );
    Ok(Redirect::to(&to).into_response())
}
