//! Orders v0: `getOrders`, `getOrder`, `getOrderItems`.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::orders::{Dialect, OrderSearch, find_order};
use super::{ApiFailure, Query, format_time, money_v0};
use crate::seller::{OrderStatus, SimOrder};
use crate::server::{SimOp, SimState};

const V0: Dialect = Dialect {
    created_after: "CreatedAfter",
    created_before: "CreatedBefore",
    updated_after: "LastUpdatedAfter",
    updated_before: "LastUpdatedBefore",
    statuses: "OrderStatuses",
    status_name: OrderStatus::v0_name,
    channels: "FulfillmentChannels",
    channel_values: ["MFN", "AFN"],
    channel_name: crate::Fulfillment::channel,
    marketplaces: "MarketplaceIds",
};

/// `GET /orders/v0/orders`
pub(crate) async fn get_orders(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Query::parse(raw.as_deref());
    state
        .respond(SimOp::GetOrdersV0, &headers, |s| orders_page(s, &q))
        .await
}

fn orders_page(s: &SimState, q: &Query) -> Result<Value, ApiFailure> {
    if q.list("MarketplaceIds").is_empty() {
        return Err(ApiFailure::invalid(
            "Missing required parameter MarketplaceIds",
        ));
    }
    let page_size = q.page_size("MaxResultsPerPage")?;
    let token = q.get("NextToken");
    let search = match token {
        None => Some(OrderSearch::parse(q, &V0)?),
        Some(_) => None,
    };
    let (ids, next) = s.page(SimOp::GetOrdersV0, token, page_size, || {
        search
            .as_ref()
            .map(|f| f.ids(&s.seller(), &V0))
            .unwrap_or_default()
    })?;
    let seller = s.seller();
    let orders: Vec<Value> = ids
        .iter()
        .filter_map(|id| seller.order(id))
        .map(order_json)
        .collect();
    let mut payload = json!({ "Orders": orders });
    if let Some(next) = next {
        payload["NextToken"] = json!(next);
    }
    if let Some(f) = &search {
        let name = if f.by_created {
            "CreatedBefore"
        } else {
            "LastUpdatedBefore"
        };
        payload[name] = json!(format_time(f.before));
    }
    Ok(json!({ "payload": payload }))
}

/// `GET /orders/v0/orders/{orderId}`
pub(crate) async fn get_order(
    State(state): State<Arc<SimState>>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    state
        .respond(SimOp::GetOrderV0, &headers, |s| {
            Ok(json!({ "payload": order_json(&find_order(s, &order_id)?) }))
        })
        .await
}

/// `GET /orders/v0/orders/{orderId}/orderItems`
pub(crate) async fn get_order_items(
    State(state): State<Arc<SimState>>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Query::parse(raw.as_deref());
    state
        .respond(SimOp::GetOrderItemsV0, &headers, |s| {
            let order = find_order(s, &order_id)?;
            let all = || {
                order
                    .lines
                    .iter()
                    .map(|l| l.order_item_id.clone())
                    .collect()
            };
            let (ids, next) = s.page(SimOp::GetOrderItemsV0, q.get("NextToken"), 100, all)?;
            let items: Vec<Value> = order
                .lines
                .iter()
                .filter(|l| ids.contains(&l.order_item_id))
                .map(|l| {
                    let mut item = json!({
                        // The model requires ASIN; lines without one carry "".
                        "ASIN": l.asin.clone().unwrap_or_default(),
                        "SellerSKU": l.sku,
                        "OrderItemId": l.order_item_id,
                        "Title": l.title,
                        "QuantityOrdered": l.quantity,
                        "QuantityShipped": l.quantity_shipped,
                        "ProductInfo": {"NumberOfItems": "1"},
                        "IsGift": "false",
                        "ConditionId": l.condition,
                        "ConditionSubtypeId": if l.condition == "New" { "New" } else { "Good" },
                        "IsTransparency": false,
                        "SerialNumberRequired": false,
                    });
                    if order.status.has_prices() {
                        item["ItemPrice"] = money_v0(l.item_total_pence());
                        item["ShippingPrice"] = money_v0(l.shipping_pence);
                        item["ItemTax"] = money_v0(0);
                        item["PromotionDiscount"] = money_v0(0);
                    }
                    item
                })
                .collect();
            let mut payload = json!({"AmazonOrderId": order.order_id, "OrderItems": items});
            if let Some(next) = next {
                payload["NextToken"] = json!(next);
            }
            Ok(json!({ "payload": payload }))
        })
        .await
}

fn order_json(o: &SimOrder) -> Value {
    let mut order = Map::new();
    let mut put = |k: &str, v: Value| {
        order.insert(k.to_owned(), v);
    };
    put("AmazonOrderId", json!(o.order_id));
    put("PurchaseDate", json!(format_time(o.created)));
    put("LastUpdateDate", json!(format_time(o.last_updated)));
    put("OrderStatus", json!(o.status.v0_name()));
    put("FulfillmentChannel", json!(o.fulfillment.channel()));
    put("SalesChannel", json!("Amazon.co.uk"));
    put("ShipServiceLevel", json!("Std UK Dom_1"));
    if let Some(total) = o.total_pence() {
        put("OrderTotal", money_v0(total));
    }
    put("NumberOfItemsShipped", json!(o.units_shipped()));
    put("NumberOfItemsUnshipped", json!(o.units_unshipped()));
    put("PaymentMethod", json!("Other"));
    put("PaymentMethodDetails", json!(["Standard"]));
    put("MarketplaceId", json!(o.marketplace_id));
    put("ShipmentServiceLevelCategory", json!("Standard"));
    put("OrderType", json!("StandardOrder"));
    put(
        "EarliestShipDate",
        json!(format_time(o.created + time::Duration::hours(4))),
    );
    put(
        "LatestShipDate",
        json!(format_time(o.created + time::Duration::days(2))),
    );
    put("IsBusinessOrder", json!(false));
    put("IsPrime", json!(o.is_prime));
    put("IsPremiumOrder", json!(false));
    put("IsGlobalExpressEnabled", json!(false));
    put("IsReplacementOrder", json!(false));
    put("IsSoldByAB", json!(false));
    put("IsISPU", json!(false));
    put("IsAccessPointOrder", json!(false));
    put("HasRegulatedItems", json!(false));
    Value::Object(order)
}
