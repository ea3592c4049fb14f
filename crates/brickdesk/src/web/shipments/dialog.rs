//! The [Mark Shipped] dialog of an order (row menu of `/orders/amazon`):
//! carrier, service, tracking number, ship date and the units of each line
//! still to ship, with the order's packages so far and where each is.

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use time_tz::PrimitiveDateTimeExt;

use super::{OrderShipping, amazon_order, queue_shipment};
use crate::db::orders::Order;
use crate::domain::shipment::{CARRIERS, Carrier, PackageItem, ShipmentInput};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Form, Path, Query, form_date};
use crate::web::html;
use crate::web::orders::pages::safe_return;
use crate::web::{AppError, AppState, PageError};

/// A line with units left to ship.
struct LineView {
    item_id: String,
    title: String,
    sku: String,
    left: i64,
}

/// A package so far.
struct PackageView {
    number: i64,
    carrier: String,
    tracking_number: String,
    state: &'static str,
    message: Option<String>,
}

/// What was typed, to show again after a refusal.
#[derive(Default)]
struct Typed {
    carrier_code: String,
    carrier_name: String,
    shipping_method: String,
    tracking_number: String,
    ship_date: String,
}

#[derive(Template)]
#[template(path = "dialog_ship.html")]
struct ShipDialog {
    order_id: String,
    return_to: String,
    carriers: &'static [Carrier],
    lines: Vec<LineView>,
    packages: Vec<PackageView>,
    typed: Typed,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReturnTo {
    return_to: String,
}

async fn render(
    state: &AppState,
    order: &Order,
    return_to: &str,
    typed: Typed,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let shipping = OrderShipping::load(state, order).await?;
    let facts = shipping.shippable(order)?;
    let lines = facts
        .left
        .iter()
        .filter(|(_, left)| *left > 0)
        .filter_map(|(item, left)| {
            let line = shipping
                .lines
                .iter()
                .find(|l| &l.reported.platform_item_id == item)?;
            Some(LineView {
                item_id: item.clone(),
                title: line
                    .reported
                    .title
                    .clone()
                    .unwrap_or_else(|| "Unknown item".into()),
                sku: line.reported.sku.clone().unwrap_or_default(),
                left: *left,
            })
        })
        .collect();
    let packages = shipping
        .packages
        .into_iter()
        .map(|p| PackageView {
            number: p.package_ref,
            carrier: p.carrier_name.unwrap_or(p.carrier_code),
            tracking_number: p.tracking_number,
            state: p.state.as_str(),
            message: p.message,
        })
        .collect();
    let today = state.today().to_string();
    let typed = Typed {
        ship_date: if typed.ship_date.is_empty() {
            today
        } else {
            typed.ship_date
        },
        ..typed
    };
    let page = ShipDialog {
        order_id: order.reported.platform_order_id.clone(),
        return_to: safe_return(return_to),
        carriers: &CARRIERS,
        lines,
        packages,
        typed,
        error,
    };
    html(status, &page)
}

/// `GET /orders/amazon/{order_id}/ship`.
pub async fn show(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, PageError> {
    let order = amazon_order(&state, &order_id).await?;
    render(
        &state,
        &order,
        &q.return_to,
        Typed::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The ship date typed (`YYYY-MM-DD` in the seller's time zone): now for
/// today, else noon of that day.
fn ship_date(text: &str, state: &AppState) -> Result<Option<OffsetDateTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = form_date("ship_date", text)?;
    if day == state.today() {
        return Ok(Some(OffsetDateTime::now_utc()));
    }
    let noon = day.with_time(time::macros::time!(12:00));
    Ok(Some(
        noon.assume_timezone(state.time_zone())
            .take_first()
            .unwrap_or_else(|| noon.assume_utc()),
    ))
}

/// `POST /orders/amazon/{order_id}/ship`: queues the package, back to the
/// orders page; the dialog again with the reason when refused.
pub async fn submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(order_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let order = amazon_order(&state, &order_id).await?;
    let field = |name: &str| super::form_field(&pairs, name);
    let typed = Typed {
        carrier_code: field("carrier_code"),
        carrier_name: field("carrier_name"),
        shipping_method: field("shipping_method"),
        tracking_number: field("tracking_number"),
        ship_date: field("ship_date"),
    };
    let return_to = field("return_to");
    let mut items = Vec::new();
    let mut error = None;
    for (name, value) in &pairs {
        let Some(item) = name.strip_prefix("qty_") else {
            continue;
        };
        match value.trim().parse::<i64>() {
            Ok(0) => {}
            Ok(quantity) => items.push(PackageItem {
                order_item_id: item.to_owned(),
                quantity,
            }),
            Err(_) => error = Some(format!("items: '{value}' is not a number of units")),
        }
    }
    if items.is_empty() && error.is_none() {
        error = Some("items: choose at least one unit to ship".to_owned());
    }
    let queued = match (error, ship_date(&typed.ship_date, &state)) {
        (Some(why), _) | (None, Err(why)) => Err(why),
        (None, Ok(ship_date)) => {
            let input = ShipmentInput {
                carrier_code: typed.carrier_code.clone(),
                carrier_name: Some(typed.carrier_name.clone()),
                shipping_method: Some(typed.shipping_method.clone()),
                tracking_number: typed.tracking_number.clone(),
                ship_date,
                items: Some(items),
            };
            match queue_shipment(&state, &order, input, user.id).await {
                Ok(_) => Ok(()),
                Err(AppError::BadRequest(why)) => Err(why),
                Err(other) => return Err(other.into()),
            }
        }
    };
    match queued {
        Ok(()) => {
            let to = safe_return(&return_to);
            let sep = if to.contains('?') { '&' } else { '?' };
            let to = format!("{to}{sep}shipped={}", order.reported.platform_order_id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(why) => {
            let status = StatusCode::BAD_REQUEST;
            render(&state, &order, &return_to, typed, Some(why), status).await
        }
    }
}
