//! Orders v0: `getOrders`, `getOrder`, `getOrderItems`.

use serde_json::{Map, Value, json};

use super::orders::{Dialect, find_order, search_page};
use super::{ApiFailure, Call, format_time, money_v0, with_next};
use crate::seller::{OrderStatus, SimOrder};
use crate::server::{Operation, SimState};

const V0: Dialect = Dialect {
    op: Operation::GetOrdersV0,
    page_size: "MaxResultsPerPage",
    token: "NextToken",
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
pub(crate) fn get_orders(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    if call.query.list("MarketplaceIds").is_empty() {
        return Err(ApiFailure::invalid(
            "Missing required parameter MarketplaceIds",
        ));
    }
    let page = search_page(s, &call.query, &V0, order_json)?;
    let mut payload = json!({ "Orders": page.orders });
    with_next(&mut payload, "NextToken", page.next);
    if let Some((name, before)) = page.before {
        payload[name] = json!(before);
    }
    Ok(json!({ "payload": payload }))
}

/// `GET /orders/v0/orders/{orderId}`
pub(crate) fn get_order(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    Ok(json!({ "payload": order_json(&find_order(s, &call.id)?) }))
}

/// `GET /orders/v0/orders/{orderId}/orderItems`
pub(crate) fn get_order_items(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let order = find_order(s, &call.id)?;
    let all = || {
        order
            .lines
            .iter()
            .map(|l| l.order_item_id.clone())
            .collect()
    };
    let token = call.query.get("NextToken");
    let (ids, next) = s.page(Operation::GetOrderItemsV0, token, 100, all)?;
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
                item["ItemPrice"] = money_v0(l.item_total_pence(), order.currency());
                item["ShippingPrice"] = money_v0(l.shipping_pence, order.currency());
                item["ItemTax"] = money_v0(0, order.currency());
                item["PromotionDiscount"] = money_v0(0, order.currency());
            }
            item
        })
        .collect();
    let mut payload = json!({"AmazonOrderId": order.order_id, "OrderItems": items});
    with_next(&mut payload, "NextToken", next);
    Ok(json!({ "payload": payload }))
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
    put("SalesChannel", json!(o.marketplace().name));
    put("ShipServiceLevel", json!("Std UK Dom_1"));
    if let Some(total) = o.total_pence() {
        put("OrderTotal", money_v0(total, o.currency()));
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
