//! Orders v0 `confirmShipment`: the request checked against the model's
//! `ConfirmShipmentRequest`, then the order's lines shipped and its status
//! moved on (`Shipped`, or `PartiallyShipped` while some units are left).

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{ApiFailure, Call, is_order_id, parse_time};
use crate::Fulfillment;
use crate::seller::{OrderStatus, SimShipment};
use crate::server::SimState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmShipmentRequest {
    marketplace_id: Option<String>,
    package_detail: Option<PackageDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageDetail {
    package_reference_id: Option<String>,
    carrier_code: Option<String>,
    carrier_name: Option<String>,
    shipping_method: Option<String>,
    tracking_number: Option<String>,
    ship_date: Option<String>,
    order_items: Option<Vec<ShipmentItem>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShipmentItem {
    order_item_id: Option<String>,
    quantity: Option<i64>,
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, ApiFailure> {
    value.ok_or_else(|| ApiFailure::invalid(format!("Missing required field {name}")))
}

fn filled(value: Option<String>, name: &str) -> Result<String, ApiFailure> {
    let text = required(value, name)?;
    if text.trim().is_empty() {
        return Err(ApiFailure::invalid(format!("{name} must not be empty")));
    }
    Ok(text)
}

/// `POST /orders/v0/orders/{orderId}/shipmentConfirmation`: `Null` for
/// Amazon's 204.
pub(crate) fn confirm_shipment(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    if !is_order_id(&call.id) {
        return Err(ApiFailure::invalid(format!(
            "Invalid order id {:?}",
            call.id
        )));
    }
    let request: ConfirmShipmentRequest = serde_json::from_slice(&call.body)
        .map_err(|e| ApiFailure::invalid(format!("Invalid request body: {e}")))?;
    let marketplace = filled(request.marketplace_id, "marketplaceId")?;
    let package = required(request.package_detail, "packageDetail")?;
    let reference = filled(
        package.package_reference_id,
        "packageDetail.packageReferenceId",
    )?;
    if !reference.bytes().all(|b| b.is_ascii_digit()) || reference.bytes().all(|b| b == b'0') {
        return Err(ApiFailure::invalid(format!(
            "packageReferenceId {reference:?} must be a positive number"
        )));
    }
    let carrier_code = filled(package.carrier_code, "packageDetail.carrierCode")?;
    if carrier_code == "Other" {
        filled(package.carrier_name, "packageDetail.carrierName")?;
    }
    let tracking_number = filled(package.tracking_number, "packageDetail.trackingNumber")?;
    let ship_date = filled(package.ship_date, "packageDetail.shipDate")?;
    let ship_date = parse_time(&ship_date).ok_or_else(|| {
        ApiFailure::invalid(format!(
            "shipDate {ship_date:?} is not an ISO 8601 date-time"
        ))
    })?;
    let now = OffsetDateTime::now_utc();
    if ship_date > now {
        return Err(ApiFailure::invalid("shipDate must not be in the future"));
    }
    let items = required(package.order_items, "packageDetail.orderItems")?;
    if items.is_empty() {
        return Err(ApiFailure::invalid("orderItems must not be empty"));
    }
    let _ = package.shipping_method;

    let mut seller = s.seller_mut();
    if seller
        .shipments
        .iter()
        .any(|p| p.order_id == call.id && p.package_reference_id == reference)
    {
        return Err(ApiFailure::invalid(format!(
            "PackageReferenceId {reference} has already been confirmed for order {}",
            call.id
        )));
    }
    let order = seller
        .orders
        .iter_mut()
        .find(|o| o.order_id == call.id)
        .ok_or_else(|| ApiFailure::not_found(format!("Order {} not found", call.id)))?;
    if order.marketplace_id != marketplace {
        return Err(ApiFailure::invalid(format!(
            "Order {} is not in marketplace {marketplace}",
            call.id
        )));
    }
    if order.fulfillment == Fulfillment::Amazon {
        return Err(ApiFailure::invalid(
            "The order is fulfilled by Amazon: it cannot be confirmed by the seller",
        ));
    }
    match order.status {
        OrderStatus::Canceled => return Err(ApiFailure::invalid("The order is cancelled")),
        OrderStatus::Pending | OrderStatus::PendingAvailability => {
            return Err(ApiFailure::invalid(
                "The order is pending: it cannot ship yet",
            ));
        }
        _ => {}
    }
    if ship_date < order.created {
        return Err(ApiFailure::invalid(
            "shipDate must not be before the purchase date",
        ));
    }
    // Checked in full before anything changes: a refused request ships nothing.
    let mut shipping: Vec<(usize, u32)> = Vec::new();
    for item in items {
        let id = filled(item.order_item_id, "orderItems.orderItemId")?;
        let quantity = required(item.quantity, "orderItems.quantity")?;
        let index = order
            .lines
            .iter()
            .position(|l| l.order_item_id == id)
            .ok_or_else(|| ApiFailure::invalid(format!("Unknown orderItemId {id}")))?;
        let line = &order.lines[index];
        let already: u32 = shipping
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, q)| q)
            .sum();
        let left = line.quantity - line.quantity_shipped - already;
        let quantity = u32::try_from(quantity)
            .ok()
            .filter(|q| (1..=left).contains(q))
            .ok_or_else(|| {
                ApiFailure::invalid(format!(
                    "quantity {quantity} of orderItemId {id} is not between 1 and the {left} left to ship"
                ))
            })?;
        shipping.push((index, quantity));
    }
    for &(index, quantity) in &shipping {
        order.lines[index].quantity_shipped += quantity;
    }
    order.status = if order.lines.iter().all(|l| l.quantity_shipped >= l.quantity) {
        OrderStatus::Shipped
    } else {
        OrderStatus::PartiallyShipped
    };
    order.last_updated = now;
    let shipment = SimShipment {
        order_id: call.id.clone(),
        package_reference_id: reference,
        carrier_code,
        tracking_number,
        ship_date,
        items: shipping
            .iter()
            .map(|&(i, q)| (order.lines[i].order_item_id.clone(), q))
            .collect(),
    };
    seller.shipments.push(shipment);
    Ok(Value::Null)
}
