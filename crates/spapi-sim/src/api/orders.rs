//! Orders 2026-01-01 (`searchOrders`, `getOrder`) and the order search
//! both Orders APIs share.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{ApiFailure, Call, Query, format_time, is_order_id, money_2026, window};
use crate::seller::{OrderStatus, Seller, SimOrder};
use crate::server::{Operation, SimState};

/// Parameter names and value spellings of one Orders API version.
pub(crate) struct Dialect {
    /// The listing operation.
    pub(crate) op: Operation,
    pub(crate) page_size: &'static str,
    pub(crate) token: &'static str,
    pub(crate) created_after: &'static str,
    pub(crate) created_before: &'static str,
    pub(crate) updated_after: &'static str,
    pub(crate) updated_before: &'static str,
    pub(crate) statuses: &'static str,
    pub(crate) status_name: fn(OrderStatus) -> &'static str,
    pub(crate) channels: &'static str,
    pub(crate) channel_values: [&'static str; 2],
    pub(crate) channel_name: fn(crate::Fulfillment) -> &'static str,
    pub(crate) marketplaces: &'static str,
}

const V2026: Dialect = Dialect {
    op: Operation::SearchOrders,
    page_size: "maxResultsPerPage",
    token: "paginationToken",
    created_after: "createdAfter",
    created_before: "createdBefore",
    updated_after: "lastUpdatedAfter",
    updated_before: "lastUpdatedBefore",
    statuses: "fulfillmentStatuses",
    status_name: OrderStatus::v2026_name,
    channels: "fulfilledBy",
    channel_values: ["MERCHANT", "AMAZON"],
    channel_name: crate::Fulfillment::fulfilled_by,
    marketplaces: "marketplaceIds",
};

/// A validated order search: exactly one of created/updated windows.
pub(crate) struct OrderSearch {
    pub(crate) by_created: bool,
    pub(crate) after: OffsetDateTime,
    pub(crate) before: OffsetDateTime,
    statuses: Vec<String>,
    channels: Vec<String>,
    marketplaces: Vec<String>,
}

impl OrderSearch {
    pub(crate) fn parse(q: &Query, d: &Dialect) -> Result<Self, ApiFailure> {
        let created_after = q.time(d.created_after)?;
        let created_before = q.time(d.created_before)?;
        let updated_after = q.time(d.updated_after)?;
        let updated_before = q.time(d.updated_before)?;
        let by_created = match (created_after.is_some(), updated_after.is_some()) {
            (true, false) if updated_before.is_none() => true,
            (false, true) if created_before.is_none() => false,
            _ => {
                return Err(ApiFailure::invalid(format!(
                    "Exactly one of {} and {} must be specified, without the other's Before parameter",
                    d.created_after, d.updated_after
                )));
            }
        };
        let (after, before) = if by_created {
            window(
                d.created_after,
                created_after,
                d.created_before,
                created_before,
            )?
        } else {
            window(
                d.updated_after,
                updated_after,
                d.updated_before,
                updated_before,
            )?
        };
        let all_statuses: Vec<&str> = OrderStatus::ALL
            .iter()
            .map(|s| (d.status_name)(*s))
            .collect();
        Ok(OrderSearch {
            by_created,
            after,
            before,
            statuses: q.enum_list(d.statuses, &all_statuses)?,
            channels: q.enum_list(d.channels, &d.channel_values)?,
            marketplaces: q.list(d.marketplaces),
        })
    }

    /// Ids of matching orders, in time order.
    pub(crate) fn ids(&self, seller: &Seller, d: &Dialect) -> Vec<String> {
        let key = |o: &SimOrder| {
            if self.by_created {
                o.created
            } else {
                o.last_updated
            }
        };
        let mut found: Vec<&SimOrder> = seller
            .orders
            .iter()
            .filter(|o| (self.after..=self.before).contains(&key(o)))
            .filter(|o| {
                self.statuses.is_empty()
                    || self.statuses.iter().any(|s| s == (d.status_name)(o.status))
            })
            .filter(|o| {
                self.channels.is_empty()
                    || self
                        .channels
                        .iter()
                        .any(|c| c == (d.channel_name)(o.fulfillment))
            })
            .filter(|o| {
                self.marketplaces.is_empty() || self.marketplaces.contains(&o.marketplace_id)
            })
            .collect();
        found.sort_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then_with(|| a.order_id.cmp(&b.order_id))
        });
        found.into_iter().map(|o| o.order_id.clone()).collect()
    }
}

/// One page of an order search.
pub(crate) struct SearchPage {
    /// The page's orders, rendered.
    pub(crate) orders: Vec<Value>,
    /// The next page's token.
    pub(crate) next: Option<String>,
    /// On the first page, the effective "Before": its parameter name and value.
    pub(crate) before: Option<(&'static str, String)>,
}

/// A page of the search `q` asks for, or of the cursor it names.
pub(crate) fn search_page(
    s: &SimState,
    q: &Query,
    d: &Dialect,
    render: impl Fn(&SimOrder) -> Value,
) -> Result<SearchPage, ApiFailure> {
    let page_size = q.page_size(d.page_size)?;
    let token = q.get(d.token);
    let search = match token {
        None => Some(OrderSearch::parse(q, d)?),
        Some(_) => None,
    };
    let (ids, next) = s.page(d.op, token, page_size, || {
        search
            .as_ref()
            .map(|f| f.ids(&s.seller(), d))
            .unwrap_or_default()
    })?;
    let seller = s.seller();
    let orders = ids
        .iter()
        .filter_map(|id| seller.order(id))
        .map(render)
        .collect();
    let before = search.map(|f| {
        let name = if f.by_created {
            d.created_before
        } else {
            d.updated_before
        };
        (name, format_time(f.before))
    });
    Ok(SearchPage {
        orders,
        next,
        before,
    })
}

/// `GET /orders/2026-01-01/orders`
pub(crate) fn search_orders(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let included = call.query.list("includedData");
    let page = search_page(s, &call.query, &V2026, |o| order_json(o, &included))?;
    let mut body = json!({ "orders": page.orders });
    if let Some(next) = page.next {
        body["pagination"] = json!({ "nextToken": next });
    }
    if let Some((name, before)) = page.before {
        body[name] = json!(before);
    }
    Ok(body)
}

/// `GET /orders/2026-01-01/orders/{orderId}`
pub(crate) fn get_order(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let order = find_order(s, &call.id)?;
    let included = call.query.list("includedData");
    Ok(json!({ "order": order_json(&order, &included) }))
}

/// The order, or Amazon's 400 (malformed id) / 404 (unknown id).
pub(crate) fn find_order(s: &SimState, order_id: &str) -> Result<SimOrder, ApiFailure> {
    if !is_order_id(order_id) {
        return Err(ApiFailure::invalid(format!(
            "Invalid order id {order_id:?}"
        )));
    }
    s.seller()
        .order(order_id)
        .cloned()
        .ok_or_else(|| ApiFailure::not_found(format!("Order {order_id} not found")))
}

fn order_json(o: &SimOrder, included: &[String]) -> Value {
    let has = |name: &str| included.iter().any(|i| i == name);
    let priced = o.status.has_prices();
    let mut order = Map::new();
    order.insert("orderId".into(), json!(o.order_id));
    order.insert("createdTime".into(), json!(format_time(o.created)));
    order.insert("lastUpdatedTime".into(), json!(format_time(o.last_updated)));
    if o.is_prime {
        order.insert("programs".into(), json!(["PRIME"]));
    }
    order.insert(
        "salesChannel".into(),
        json!({"channelName": "AMAZON", "marketplaceId": o.marketplace_id, "marketplaceName": o.marketplace().name}),
    );
    if has("BUYER") {
        order.insert(
            "buyer".into(),
            json!({"buyerName": o.buyer_name, "buyerEmail": o.buyer_email}),
        );
    }
    if let (true, Some(total)) = (has("PROCEEDS"), o.total_pence()) {
        order.insert(
            "proceeds".into(),
            json!({"grandTotal": money_2026(total, o.currency())}),
        );
    }
    if has("FULFILLMENT") {
        order.insert(
            "fulfillment".into(),
            json!({
                "fulfillmentStatus": o.status.v2026_name(),
                "fulfilledBy": o.fulfillment.fulfilled_by(),
                "fulfillmentServiceLevel": "STANDARD",
            }),
        );
    }
    let items: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let mut product = Map::new();
            if let Some(asin) = &l.asin {
                product.insert("asin".into(), json!(asin));
            }
            product.insert("title".into(), json!(l.title));
            product.insert("sellerSku".into(), json!(l.sku));
            product.insert(
                "condition".into(),
                json!({"conditionType": l.condition.to_uppercase(), "conditionSubtype": if l.condition == "New" { "NEW" } else { "GOOD" }}),
            );
            if priced {
                product.insert("price".into(), json!({"unitPrice": money_2026(l.unit_price_pence, o.currency())}));
            }
            let mut item = json!({
                "orderItemId": l.order_item_id,
                "quantityOrdered": l.quantity,
                "measurement": {"unit": "COUNT", "value": l.quantity},
                "product": product,
            });
            if priced && has("PROCEEDS") {
                let mut breakdowns = vec![json!({"type": "ITEM", "subtotal": money_2026(l.item_total_pence(), o.currency())})];
                if l.shipping_pence > 0 {
                    breakdowns.push(json!({"type": "SHIPPING", "subtotal": money_2026(l.shipping_pence, o.currency())}));
                }
                item["proceeds"] = json!({
                    "proceedsTotal": money_2026(l.item_total_pence() + l.shipping_pence, o.currency()),
                    "breakdowns": breakdowns,
                });
            }
            if has("FULFILLMENT") {
                let unfulfilled = if o.status == OrderStatus::Canceled { 0 } else { l.quantity - l.quantity_shipped };
                item["fulfillment"] = json!({"quantityFulfilled": l.quantity_shipped, "quantityUnfulfilled": unfulfilled});
            }
            item
        })
        .collect();
    order.insert("orderItems".into(), Value::Array(items));
    Value::Object(order)
}
