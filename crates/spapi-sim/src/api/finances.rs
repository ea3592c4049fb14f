//! Finances v0: `listFinancialEvents`, `listFinancialEventsByOrderId`.

use serde_json::{Value, json};
use time::Duration;

use super::{ApiFailure, Call, format_time, is_order_id, number, window, with_next};
use crate::seller::{Component, EventKind, FinancialEvent, SimOrder};
use crate::server::{Operation, SimState};

/// Amazon refuses wider `PostedAfter`..`PostedBefore` windows.
const MAX_WINDOW: Duration = Duration::days(180);

/// `GET /finances/v0/financialEvents`
pub(crate) fn list_financial_events(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let q = &call.query;
    let page_size = q.page_size("MaxResultsPerPage")?;
    let token = q.get("NextToken");
    let range = match token {
        Some(_) => None,
        None => {
            let after = q.time("PostedAfter")?;
            let before = q.time("PostedBefore")?;
            if before.is_some() && after.is_none() {
                return Err(ApiFailure::invalid("PostedBefore requires PostedAfter"));
            }
            let (after, before) = window("PostedAfter", after, "PostedBefore", before)?;
            if before - after > MAX_WINDOW {
                return Err(ApiFailure::invalid(
                    "PostedAfter and PostedBefore must be at most 180 days apart",
                ));
            }
            Some((after, before))
        }
    };
    let all = || {
        let (after, before) = range.unwrap_or((
            time::OffsetDateTime::UNIX_EPOCH,
            time::OffsetDateTime::UNIX_EPOCH,
        ));
        let seller = s.seller();
        seller
            .events
            .iter()
            .filter(|e| e.posted >= after && e.posted < before)
            .map(|e| e.transaction_id.clone())
            .collect()
    };
    let (ids, next) = s.page(Operation::ListFinancialEvents, token, page_size, all)?;
    Ok(payload(s, &ids, next))
}

/// `GET /finances/v0/orders/{orderId}/financialEvents`
pub(crate) fn list_financial_events_by_order_id(
    s: &SimState,
    call: &Call,
) -> Result<Value, ApiFailure> {
    let order_id = &call.id;
    if !is_order_id(order_id) {
        return Err(ApiFailure::invalid(format!(
            "Invalid order id {order_id:?}"
        )));
    }
    let page_size = call.query.page_size("MaxResultsPerPage")?;
    let all = || {
        let seller = s.seller();
        seller
            .events
            .iter()
            .filter(|e| &e.order_id == order_id)
            .map(|e| e.transaction_id.clone())
            .collect()
    };
    let token = call.query.get("NextToken");
    let (ids, next) = s.page(
        Operation::ListFinancialEventsByOrderId,
        token,
        page_size,
        all,
    )?;
    Ok(payload(s, &ids, next))
}

fn payload(s: &SimState, ids: &[String], next: Option<String>) -> Value {
    let seller = s.seller();
    let events: Vec<&FinancialEvent> = ids
        .iter()
        .filter_map(|id| seller.events.iter().find(|e| &e.transaction_id == id))
        .collect();
    let of_kind = |kind| {
        events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| event_json(e, seller.order(&e.order_id)))
            .collect::<Vec<_>>()
    };
    let mut payload = json!({
        "FinancialEvents": {
            "ShipmentEventList": of_kind(EventKind::Shipment),
            "RefundEventList": of_kind(EventKind::Refund),
        }
    });
    with_next(&mut payload, "NextToken", next);
    json!({ "payload": payload })
}

fn amount(pence: i64, currency: &str) -> Value {
    json!({"CurrencyCode": currency, "CurrencyAmount": number(pence)})
}

fn charges(list: &[Component], currency: &str) -> Value {
    list.iter()
        .map(|c| json!({"ChargeType": c.kind, "ChargeAmount": amount(c.pence, currency)}))
        .collect()
}

fn fees(list: &[Component], currency: &str) -> Value {
    list.iter()
        .map(|c| json!({"FeeType": c.kind, "FeeAmount": amount(c.pence, currency)}))
        .collect()
}

fn event_json(e: &FinancialEvent, order: Option<&SimOrder>) -> Value {
    let currency = order.map_or("GBP", SimOrder::currency);
    let refund = e.kind == EventKind::Refund;
    let items: Vec<Value> = e
        .items
        .iter()
        .map(|i| {
            let mut item = json!({"SellerSKU": i.sku, "OrderItemId": i.order_item_id, "QuantityShipped": i.quantity});
            if refund {
                item["OrderAdjustmentItemId"] = json!(i.adjustment_id.clone().unwrap_or_default());
                item["ItemChargeAdjustmentList"] = charges(&i.charges, currency);
                item["ItemFeeAdjustmentList"] = fees(&i.fees, currency);
            } else {
                item["ItemChargeList"] = charges(&i.charges, currency);
                item["ItemFeeList"] = fees(&i.fees, currency);
            }
            item
        })
        .collect();
    let list = if refund {
        "ShipmentItemAdjustmentList"
    } else {
        "ShipmentItemList"
    };
    json!({
        "AmazonOrderId": e.order_id,
        "MarketplaceName": order.map_or("Amazon.co.uk", |o| o.marketplace().name),
        "PostedDate": format_time(e.posted),
        list: items,
    })
}
