//! Amazon's orders and lines (either Orders API) as Brickdesk stores
//! them: statuses normalised, money in exact minor units.

use spapi::reports::flat_file::AllOrdersRow;
use spapi::{orders, orders_v0};

use crate::db::orders::{NewOrder, ReportedLine, ReportedOrder};
use crate::domain::money::Currency;
use crate::domain::status::normalise_amazon_status;
use crate::domain::sync::provisional_item_id;
use crate::domain::{FulfillmentChannel, Money, Platform};

/// An Amazon value Brickdesk cannot store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {order_id}: {reason}")]
pub struct ConvertError {
    /// The order.
    pub order_id: String,
    /// What is wrong.
    pub reason: String,
}

fn money(order_id: &str, m: &spapi::Money) -> Result<Money, ConvertError> {
    let err = |reason: String| ConvertError {
        order_id: order_id.to_owned(),
        reason,
    };
    let currency = Currency::parse(&m.currency_code).map_err(|e| err(e.to_string()))?;
    let minor = m
        .amount
        .to_minor_units(currency.decimal_places())
        .ok_or_else(|| err(format!("amount {} is not exact", m.amount.as_str())))?;
    Ok(Money::from_minor(minor, currency))
}

fn opt_money(order_id: &str, m: Option<&spapi::Money>) -> Result<Option<Money>, ConvertError> {
    m.map(|m| money(order_id, m)).transpose()
}

/// `NEW` / `New` → `New`; `USED` → `Used`.
fn condition(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn status(order_id: &str, text: &str) -> Result<String, ConvertError> {
    normalise_amazon_status(text)
        .map(str::to_owned)
        .map_err(|e| ConvertError {
            order_id: order_id.to_owned(),
            reason: e.to_string(),
        })
}

/// An Orders 2026-01-01 order with its lines (which come inline, so the
/// order needs no backfill).
pub fn from_v2026(o: &orders::Order) -> Result<(NewOrder, Vec<ReportedLine>), ConvertError> {
    let id = o.order_id.as_str();
    let fulfillment = o.fulfillment.as_ref();
    let platform_status = status(
        id,
        fulfillment.map_or("PENDING", |f| f.fulfillment_status.as_str()),
    )?;
    let total = opt_money(id, o.proceeds.as_ref().and_then(|p| p.grand_total.as_ref()))?;
    let order = NewOrder {
        reported: ReportedOrder {
            platform: Platform::Amazon,
            platform_order_id: o.order_id.clone(),
            order_date: Some(o.created_time),
            last_updated_at: Some(o.last_updated_time),
            buyer_name: o.buyer.as_ref().and_then(|b| b.buyer_name.clone()),
            buyer_email: o.buyer.as_ref().and_then(|b| b.buyer_email.clone()),
            platform_status,
            total,
            fulfillment_channel: fulfillment
                .and_then(|f| f.fulfilled_by.as_deref())
                .map(|by| {
                    if by == "AMAZON" {
                        FulfillmentChannel::Afn
                    } else {
                        FulfillmentChannel::Mfn
                    }
                }),
            marketplace_id: o.sales_channel.marketplace_id.clone(),
        },
        items_fetched: true,
    };
    let items = o
        .order_items
        .iter()
        .map(|i| {
            let unit = opt_money(
                id,
                i.product.price.as_ref().and_then(|p| p.unit_price.as_ref()),
            )?;
            Ok(ReportedLine {
                platform_item_id: i.order_item_id.clone(),
                asin: i.product.asin.clone().filter(|a| !a.trim().is_empty()),
                sku: i.product.seller_sku.clone(),
                title: i.product.title.clone(),
                quantity: i64::from(i.quantity_ordered),
                unit_price: unit,
                line_price: unit.map(|u| {
                    Money::from_minor(u.minor * i64::from(i.quantity_ordered), u.currency)
                }),
                condition: i
                    .product
                    .condition
                    .as_ref()
                    .and_then(|c| c.condition_type.as_deref())
                    .map(condition),
            })
        })
        .collect::<Result<Vec<_>, ConvertError>>()?;
    Ok((order, items))
}

/// An Orders v0 order (no lines: they need `getOrderItems`).
pub fn from_v0(o: &orders_v0::Order) -> Result<NewOrder, ConvertError> {
    let id = o.amazon_order_id.as_str();
    Ok(NewOrder {
        reported: ReportedOrder {
            platform: Platform::Amazon,
            platform_order_id: o.amazon_order_id.clone(),
            order_date: Some(o.purchase_date),
            last_updated_at: Some(o.last_update_date),
            buyer_name: None,
            buyer_email: None,
            platform_status: status(id, &o.order_status)?,
            total: opt_money(id, o.order_total.as_ref())?,
            fulfillment_channel: o
                .fulfillment_channel
                .as_deref()
                .and_then(FulfillmentChannel::parse),
            marketplace_id: o.marketplace_id.clone(),
        },
        items_fetched: false,
    })
}

/// Orders v0 lines. `ItemPrice` is the LINE total; the unit price is
/// derived only when it divides exactly.
pub fn items_from_v0(
    order_id: &str,
    items: &[orders_v0::OrderItem],
) -> Result<Vec<ReportedLine>, ConvertError> {
    items
        .iter()
        .map(|i| {
            let line = opt_money(order_id, i.item_price.as_ref())?;
            let qty = i64::from(i.quantity_ordered);
            let unit = line
                .filter(|l| qty > 0 && l.minor % qty == 0)
                .map(|l| Money::from_minor(l.minor / qty, l.currency));
            Ok(ReportedLine {
                platform_item_id: i.order_item_id.clone(),
                asin: i.asin().map(str::to_owned),
                sku: i.seller_sku.clone(),
                title: i.title.clone(),
                quantity: qty,
                unit_price: unit,
                line_price: line,
                condition: i.condition_id.as_deref().map(condition),
            })
        })
        .collect()
}

/// The lines of one order read from the all-orders report, with
/// provisional line ids (the report has no OrderItemId; see
/// [`provisional_item_id`]). `Err` says why the order needs a per-order
/// fetch instead: a line without a SKU, a SKU on two lines (the
/// provisional id would not be unique), or an amount that is not exact.
pub fn items_from_report(
    order_id: &str,
    rows: &[&AllOrdersRow],
) -> Result<Vec<ReportedLine>, ConvertError> {
    let err = |reason: String| ConvertError {
        order_id: order_id.to_owned(),
        reason,
    };
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .map(|r| {
            let sku = r.sku.trim();
            if sku.is_empty() {
                return Err(err("a report line has no SKU".into()));
            }
            if !seen.insert(sku) {
                return Err(err(format!("SKU {sku} is on two report lines")));
            }
            let line = match (&r.item_price, &r.currency) {
                (Some(amount), Some(code)) => Some(money(
                    order_id,
                    &spapi::Money {
                        currency_code: code.clone(),
                        amount: amount.clone(),
                    },
                )?),
                _ => None,
            };
            let qty = i64::from(r.quantity);
            let unit = line
                .filter(|l| qty > 0 && l.minor % qty == 0)
                .map(|l| Money::from_minor(l.minor / qty, l.currency));
            Ok(ReportedLine {
                platform_item_id: provisional_item_id(sku),
                asin: r.asin.clone().filter(|a| !a.trim().is_empty()),
                sku: Some(sku.to_owned()),
                title: Some(r.product_name.clone()).filter(|t| !t.is_empty()),
                quantity: qty,
                unit_price: unit,
                line_price: line,
                // The report has no condition; a later sync fills it in.
                condition: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_the_same_from_both_apis() {
        assert_eq!(condition("NEW"), "New");
        assert_eq!(condition("New"), "New");
        assert_eq!(condition("used"), "Used");
        assert_eq!(condition(""), "");
    }

    #[test]
    fn v0_line_total_gives_unit_price_only_when_exact() {
        let item: orders_v0::OrderItem = serde_json::from_value(serde_json::json!({
            "ASIN": "", "OrderItemId": "1", "QuantityOrdered": 3, "SellerSKU": "S",
            "ItemPrice": {"CurrencyCode": "GBP", "Amount": "10.00"}, "ConditionId": "New"
        }))
        .unwrap();
        let lines = items_from_v0("o", &[item]).unwrap();
        assert_eq!(lines[0].line_price.map(|m| m.minor), Some(1000));
        assert_eq!(lines[0].unit_price, None, "1000 / 3 is not exact");
        assert_eq!(lines[0].asin, None, "an empty ASIN is no ASIN");
        assert_eq!(lines[0].condition.as_deref(), Some("New"));
    }

    #[test]
    fn v2026_status_and_money_are_normalised() {
        let order: orders::Order = serde_json::from_value(serde_json::json!({
            "orderId": "203-1", "createdTime": "2026-01-01T10:00:00Z",
            "lastUpdatedTime": "2026-01-02T10:00:00Z",
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1F83G8C2ARO7P"},
            "fulfillment": {"fulfillmentStatus": "CANCELLED", "fulfilledBy": "AMAZON"},
            "proceeds": {"grandTotal": {"currencyCode": "GBP", "amount": "12.5"}},
            "orderItems": [{"orderItemId": "9", "quantityOrdered": 2,
                "product": {"asin": "B0", "price": {"unitPrice": {"currencyCode": "GBP", "amount": "6.25"}},
                            "condition": {"conditionType": "NEW"}}}]
        }))
        .unwrap();
        let (o, items) = from_v2026(&order).unwrap();
        assert_eq!(o.reported.platform_status, "Canceled");
        assert_eq!(o.reported.total.map(|m| m.minor), Some(1250));
        assert_eq!(
            o.reported.fulfillment_channel,
            Some(FulfillmentChannel::Afn)
        );
        assert!(o.items_fetched);
        assert_eq!(items[0].unit_price.map(|m| m.minor), Some(625));
        assert_eq!(items[0].line_price.map(|m| m.minor), Some(1250));
    }

    fn report_row(sku: &str, quantity: u32, price: Option<&str>) -> AllOrdersRow {
        AllOrdersRow {
            amazon_order_id: "202-1".into(),
            purchase_date: time::macros::datetime!(2026-01-01 10:00 UTC),
            last_updated_date: time::macros::datetime!(2026-01-02 10:00 UTC),
            order_status: "Shipped".into(),
            fulfillment_channel: "Merchant".into(),
            product_name: "LEGO Star Wars".into(),
            sku: sku.into(),
            asin: Some("B000000001".into()),
            item_status: "Shipped".into(),
            quantity,
            currency: price.map(|_| "GBP".into()),
            item_price: price.map(|p| spapi::Decimal::parse(p).unwrap()),
            item_tax: None,
            shipping_price: None,
            item_promotion_discount: None,
        }
    }

    #[test]
    fn report_lines_get_provisional_ids_and_exact_unit_prices() {
        let a = report_row("A-1", 2, Some("59.98"));
        let b = report_row("B-1", 3, Some("10.00"));
        let pending = report_row("C-1", 1, None);
        let lines = items_from_report("202-1", &[&a, &b, &pending]).unwrap();
        assert_eq!(lines[0].platform_item_id, "report:A-1");
        assert_eq!(lines[0].line_price.map(|m| m.minor), Some(5998));
        assert_eq!(lines[0].unit_price.map(|m| m.minor), Some(2999));
        assert_eq!(lines[1].unit_price, None, "1000 / 3 is not exact");
        assert_eq!((lines[2].line_price, lines[2].unit_price), (None, None));
    }

    #[test]
    fn report_lines_that_cannot_be_keyed_need_a_per_order_fetch() {
        let a = report_row("A-1", 1, Some("1.00"));
        let again = report_row("A-1", 1, Some("2.00"));
        let blank = report_row(" ", 1, Some("1.00"));
        assert!(items_from_report("202-1", &[&a, &again]).is_err());
        assert!(items_from_report("202-1", &[&blank]).is_err());
        let inexact = report_row("A-1", 1, Some("1.005"));
        assert!(items_from_report("202-1", &[&inexact]).is_err());
    }
}
