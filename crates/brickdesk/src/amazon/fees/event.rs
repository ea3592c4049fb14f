//! Finances v0 events: the rows Brickdesk stores for each event line
//! (keyed by Amazon's identifiers) and, read back from the stored raw
//! JSON, the amounts of one line. Reading is lenient where Amazon's model
//! is optional (a missing list is an empty list) and strict about money
//! (an amount that would need rounding is an error, never rounded).

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::db::fees::{EventRow, NewEvent};
use crate::domain::Currency;
use crate::domain::fees::{Category, Component, EventKind, LineEvent};

/// The v0 event lists Brickdesk reads, with the event type stored for
/// each and what the event does to a unit. Guarantee claims and
/// chargebacks take money back like refunds do.
pub const EVENT_LISTS: [(&str, &str, EventKind); 4] = [
    ("ShipmentEventList", "Shipment", EventKind::Shipment),
    ("RefundEventList", "Refund", EventKind::Refund),
    (
        "GuaranteeClaimEventList",
        "GuaranteeClaim",
        EventKind::Refund,
    ),
    ("ChargebackEventList", "Chargeback", EventKind::Refund),
];

/// An event that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not the JSON shape of a v0 `ShipmentEvent`.
    #[error("not a financial event: {0}")]
    Shape(String),
    /// The stored row's line is not in its event.
    #[error("the event has no line {0}")]
    NoSuchLine(String),
    /// An amount needs rounding or has no usable currency.
    #[error("amount {0} cannot be read exactly")]
    Amount(String),
    /// Amounts of one line in different currencies.
    #[error("amounts in both {0} and {1}")]
    MixedCurrencies(String, String),
}

fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct V0Event {
    amazon_order_id: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    posted_date: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "nullable_vec")]
    shipment_item_list: Vec<V0Item>,
    #[serde(default, deserialize_with = "nullable_vec")]
    shipment_item_adjustment_list: Vec<V0Item>,
    #[serde(default, deserialize_with = "nullable_vec")]
    order_charge_list: Vec<Charge>,
    #[serde(default, deserialize_with = "nullable_vec")]
    order_charge_adjustment_list: Vec<Charge>,
    #[serde(default, deserialize_with = "nullable_vec")]
    shipment_fee_list: Vec<Fee>,
    #[serde(default, deserialize_with = "nullable_vec")]
    shipment_fee_adjustment_list: Vec<Fee>,
    #[serde(default, deserialize_with = "nullable_vec")]
    order_fee_list: Vec<Fee>,
    #[serde(default, deserialize_with = "nullable_vec")]
    order_fee_adjustment_list: Vec<Fee>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct V0Item {
    #[serde(rename = "SellerSKU")]
    seller_sku: Option<String>,
    order_item_id: Option<String>,
    order_adjustment_item_id: Option<String>,
    quantity_shipped: Option<i64>,
    #[serde(default, deserialize_with = "nullable_vec")]
    item_charge_list: Vec<Charge>,
    #[serde(default, deserialize_with = "nullable_vec")]
    item_charge_adjustment_list: Vec<Charge>,
    #[serde(default, deserialize_with = "nullable_vec")]
    item_fee_list: Vec<Fee>,
    #[serde(default, deserialize_with = "nullable_vec")]
    item_fee_adjustment_list: Vec<Fee>,
    #[serde(default, deserialize_with = "nullable_vec")]
    promotion_list: Vec<Promotion>,
    #[serde(default, deserialize_with = "nullable_vec")]
    promotion_adjustment_list: Vec<Promotion>,
    #[serde(default, deserialize_with = "nullable_vec")]
    item_tax_withheld_list: Vec<TaxWithheld>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Charge {
    charge_type: Option<String>,
    charge_amount: Option<spapi::Money>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Fee {
    fee_type: Option<String>,
    fee_amount: Option<spapi::Money>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Promotion {
    promotion_type: Option<String>,
    promotion_amount: Option<spapi::Money>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TaxWithheld {
    #[serde(default, deserialize_with = "nullable_vec")]
    taxes_withheld: Vec<Charge>,
}

fn parse_event(raw: &str) -> Result<V0Event, EventError> {
    serde_json::from_str(raw).map_err(|e| EventError::Shape(e.to_string()))
}

/// The stored key of one line of a v0 event: event type, order id, order
/// line (or SKU when Amazon gives no line id, or the line's position in
/// the event when it gives neither), posted date and refund line id, all
/// Amazon's own values.
fn event_key(
    event_type: &str,
    order_id: &str,
    item: &V0Item,
    position: usize,
    posted: Option<OffsetDateTime>,
) -> String {
    let line = match (&item.order_item_id, &item.seller_sku) {
        (Some(id), _) => id.clone(),
        (None, Some(sku)) => format!("sku:{sku}"),
        // Amazon's order of the lines is stable, so the position is too.
        (None, None) => format!("pos:{position}"),
    };
    let posted = posted
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .unwrap_or_default();
    format!(
        "v0|{event_type}|{order_id}|{line}|{posted}|{}",
        item.order_adjustment_item_id.as_deref().unwrap_or("")
    )
}

/// The rows to store for one raw event of list `list` (one per line).
/// Events without an order id (not about a sale) give none.
pub fn rows_for_event(event_type: &str, raw: &str) -> Result<Vec<NewEvent>, EventError> {
    let event = parse_event(raw)?;
    let Some(order_id) = event.amazon_order_id.clone().filter(|o| !o.is_empty()) else {
        return Ok(Vec::new());
    };
    Ok(event
        .shipment_item_list
        .iter()
        .chain(&event.shipment_item_adjustment_list)
        .enumerate()
        .map(|(position, item)| NewEvent {
            event_key: event_key(event_type, &order_id, item, position, event.posted_date),
            source: "finances_v0",
            event_type: event_type.to_owned(),
            amazon_order_id: Some(order_id.clone()),
            order_item_id: item.order_item_id.clone(),
            order_adjustment_item_id: item.order_adjustment_item_id.clone(),
            sku: item.seller_sku.clone(),
            line_position: i64::try_from(position).ok(),
            posted_at: event.posted_date,
            raw_json: raw.to_owned(),
            parse_error: None,
        })
        .collect())
}

/// The row of an event that could not be read: kept whole with the
/// reason. Nothing in it can be trusted to be Amazon's ids, so its key
/// ends with a digest of the event's text (the same event fetched again
/// is stored once); the order id and posted date are taken when they are
/// plain strings, so the event can be tied to its order.
pub fn unreadable_event(event_type: &str, raw: &str, error: &EventError) -> NewEvent {
    use sha2::Digest;
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let order_id = text("AmazonOrderId").filter(|o| !o.is_empty());
    let posted = text("PostedDate");
    let digest = hex::encode(sha2::Sha256::digest(raw.as_bytes()));
    NewEvent {
        event_key: format!(
            "v0|{event_type}|unreadable|{}|{}|{digest}",
            order_id.as_deref().unwrap_or(""),
            posted.as_deref().unwrap_or("")
        ),
        source: "finances_v0",
        event_type: event_type.to_owned(),
        amazon_order_id: order_id,
        order_item_id: None,
        order_adjustment_item_id: None,
        sku: None,
        line_position: None,
        posted_at: posted.and_then(|p| OffsetDateTime::parse(&p, &Rfc3339).ok()),
        raw_json: raw.to_owned(),
        parse_error: Some(error.to_string()),
    }
}

/// The rows to store for one raw event: its lines, or (when it cannot be
/// read) one row keeping it whole with the reason.
pub fn stored_rows(event_type: &str, raw: &str) -> Vec<NewEvent> {
    rows_for_event(event_type, raw).unwrap_or_else(|e| vec![unreadable_event(event_type, raw, &e)])
}

/// The rows to store for a page of `listFinancialEvents`, every list
/// Brickdesk reads, in order.
pub fn rows_for_page(page: &spapi::finances::RawFinancialEventsPage) -> Vec<NewEvent> {
    let mut rows = Vec::new();
    for (list, event_type, _) in EVENT_LISTS {
        for raw in page.events(list) {
            rows.extend(stored_rows(event_type, raw.get()));
        }
    }
    rows
}

/// Adds `money` to `out` as a component, checking currency and exactness.
fn push(
    out: &mut Vec<Component>,
    currency: &mut Option<Currency>,
    category: Category,
    amount_type: &str,
    money: &spapi::Money,
) -> Result<(), EventError> {
    let bad = || EventError::Amount(format!("{} {}", money.amount, money.currency_code));
    let c = Currency::parse(&money.currency_code).map_err(|_| bad())?;
    match currency {
        Some(seen) if *seen != c => {
            return Err(EventError::MixedCurrencies(seen.to_string(), c.to_string()));
        }
        _ => *currency = Some(c),
    }
    let minor = money
        .amount
        .to_minor_units(c.decimal_places())
        .ok_or_else(bad)?;
    out.push(Component {
        category,
        amount_type: amount_type.to_owned(),
        minor,
    });
    Ok(())
}

/// The amounts of a stored row's line, as the domain shares them, and
/// their currency (`None` when the line has no amounts).
pub fn line_event(
    row: &EventRow,
    kind: EventKind,
) -> Result<(LineEvent, Option<Currency>), EventError> {
    let event = parse_event(&row.raw_json)?;
    let items: Vec<&V0Item> = event
        .shipment_item_list
        .iter()
        .chain(&event.shipment_item_adjustment_list)
        .collect();
    let no_line = || {
        EventError::NoSuchLine(
            row.order_item_id
                .clone()
                .or_else(|| row.sku.clone())
                .unwrap_or_default(),
        )
    };
    let same_line = |i: &V0Item| {
        i.order_item_id == row.order_item_id
            && i.order_adjustment_item_id == row.order_adjustment_item_id
            && (row.order_item_id.is_some() || i.seller_sku == row.sku)
    };
    let position = match row.line_position {
        Some(p) => usize::try_from(p)
            .ok()
            .filter(|p| items.get(*p).is_some_and(|i| same_line(i)))
            .ok_or_else(no_line)?,
        // Rows stored before positions were kept: the first line that fits.
        None => items
            .iter()
            .position(|i| same_line(i))
            .ok_or_else(no_line)?,
    };
    let item = items[position];
    let mut components = Vec::new();
    let mut currency = None;
    for charge in item
        .item_charge_list
        .iter()
        .chain(&item.item_charge_adjustment_list)
        .chain(
            item.item_tax_withheld_list
                .iter()
                .flat_map(|t| &t.taxes_withheld),
        )
    {
        if let Some(money) = &charge.charge_amount {
            let t = charge.charge_type.as_deref().unwrap_or("Charge");
            let category = crate::domain::fees::classify_charge(t);
            push(&mut components, &mut currency, category, t, money)?;
        }
    }
    for fee in item
        .item_fee_list
        .iter()
        .chain(&item.item_fee_adjustment_list)
    {
        if let Some(money) = &fee.fee_amount {
            let t = fee.fee_type.as_deref().unwrap_or("Fee");
            let category = crate::domain::fees::classify_fee(t);
            push(&mut components, &mut currency, category, t, money)?;
        }
    }
    for promo in item
        .promotion_list
        .iter()
        .chain(&item.promotion_adjustment_list)
    {
        if let Some(money) = &promo.promotion_amount {
            let t = format!(
                "Promotion {}",
                promo.promotion_type.as_deref().unwrap_or("")
            );
            push(
                &mut components,
                &mut currency,
                Category::OtherCharge,
                t.trim(),
                money,
            )?;
        }
    }
    // Amounts of the whole order or shipment (not of one line) are shared
    // evenly by the event's lines, the first lines taking any remainder.
    let event_charges = event
        .order_charge_list
        .iter()
        .chain(&event.order_charge_adjustment_list)
        .filter_map(|c| {
            Some((
                c.charge_type.as_deref().unwrap_or("Charge"),
                c.charge_amount.as_ref()?,
                true,
            ))
        });
    let event_fees = event
        .shipment_fee_list
        .iter()
        .chain(&event.shipment_fee_adjustment_list)
        .chain(&event.order_fee_list)
        .chain(&event.order_fee_adjustment_list)
        .filter_map(|f| {
            Some((
                f.fee_type.as_deref().unwrap_or("Fee"),
                f.fee_amount.as_ref()?,
                false,
            ))
        });
    for (amount_type, money, is_charge) in event_charges.chain(event_fees) {
        let category = if is_charge {
            crate::domain::fees::classify_charge(amount_type)
        } else {
            crate::domain::fees::classify_fee(amount_type)
        };
        let mut whole = Vec::new();
        push(&mut whole, &mut currency, category, amount_type, money)?;
        for c in whole {
            let shares = crate::domain::fees::split_evenly(c.minor, items.len() as u32);
            components.push(Component {
                minor: shares.get(position).copied().unwrap_or(0),
                ..c
            });
        }
    }
    let quantity = item
        .quantity_shipped
        .and_then(|q| u32::try_from(q.unsigned_abs()).ok());
    Ok((
        LineEvent {
            event_id: row.id,
            kind,
            posted_at: row
                .posted_at
                .or(event.posted_date)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            quantity,
            components,
        },
        currency,
    ))
}

/// What an event of a stored type does to a unit (unknown types: none).
pub fn kind_of(event_type: &str) -> Option<EventKind> {
    EVENT_LISTS
        .iter()
        .find(|(_, t, _)| *t == event_type)
        .map(|(_, _, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUND: &str = r#"{"AmazonOrderId":"203-1111111-2222222","PostedDate":"2026-01-20T10:00:00Z",
        "ShipmentItemAdjustmentList":[{"SellerSKU":"AMZ-1","OrderItemId":"11112222333344","OrderAdjustmentItemId":"99",
        "QuantityShipped":1,
        "ItemChargeAdjustmentList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-29.99}}],
        "ItemFeeAdjustmentList":[{"FeeType":"Commission","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":4.59}},
                                 {"FeeType":"RefundCommission","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-0.91}},
                                 {"FeeType":"NewFee2027","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-0.1}}],
        "PromotionList":null}]}"#;

    #[test]
    fn a_refund_line_is_keyed_by_amazons_ids_and_read_exactly() {
        let rows = rows_for_event("Refund", REFUND).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].event_key,
            "v0|Refund|203-1111111-2222222|11112222333344|2026-01-20T10:00:00Z|99"
        );
        assert_eq!(rows[0].raw_json, REFUND, "raw JSON kept as sent");
        let row = EventRow {
            id: 7,
            event_type: "Refund".into(),
            amazon_order_id: rows[0].amazon_order_id.clone(),
            order_item_id: rows[0].order_item_id.clone(),
            order_adjustment_item_id: rows[0].order_adjustment_item_id.clone(),
            sku: rows[0].sku.clone(),
            line_position: rows[0].line_position,
            posted_at: rows[0].posted_at,
            raw_json: REFUND.into(),
            parse_error: None,
        };
        let (event, currency) = line_event(&row, EventKind::Refund).unwrap();
        assert_eq!(currency, Some(Currency::GBP));
        assert_eq!(event.quantity, Some(1));
        let amounts: Vec<_> = event
            .components
            .iter()
            .map(|c| (c.category, c.minor))
            .collect();
        assert_eq!(
            amounts,
            [
                (Category::Principal, -2999),
                (Category::Commission, 459),
                (Category::RefundCommission, -91),
                (Category::OtherFee, -10),
            ]
        );
    }

    #[test]
    fn amounts_needing_rounding_and_mixed_currencies_are_refused() {
        let raw = REFUND.replace("-29.99", "-29.995");
        let row = |raw: &str| EventRow {
            id: 1,
            event_type: "Refund".into(),
            amazon_order_id: None,
            order_item_id: Some("11112222333344".into()),
            order_adjustment_item_id: Some("99".into()),
            sku: None,
            line_position: None,
            posted_at: None,
            raw_json: raw.into(),
            parse_error: None,
        };
        assert!(matches!(
            line_event(&row(&raw), EventKind::Refund),
            Err(EventError::Amount(_))
        ));
        let raw = REFUND.replacen("\"GBP\"", "\"EUR\"", 1);
        assert!(matches!(
            line_event(&row(&raw), EventKind::Refund),
            Err(EventError::MixedCurrencies(..))
        ));
    }

    #[test]
    fn order_level_fees_are_shared_by_the_events_lines() {
        let raw = r#"{"AmazonOrderId":"203-1-2","PostedDate":"2026-01-20T10:00:00Z",
            "ShipmentFeeList":[{"FeeType":"FBAInboundTransportationFee","FeeAmount":{"CurrencyCode":"GBP","CurrencyAmount":-1.01}}],
            "ShipmentItemList":[{"OrderItemId":"1","QuantityShipped":1,"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":10}}]},
                                {"OrderItemId":"2","QuantityShipped":1}]}"#;
        let rows = rows_for_event("Shipment", raw).unwrap();
        let share = |i: usize| {
            let r = &rows[i];
            let row = EventRow {
                id: i as i64,
                event_type: r.event_type.clone(),
                amazon_order_id: r.amazon_order_id.clone(),
                order_item_id: r.order_item_id.clone(),
                order_adjustment_item_id: None,
                sku: None,
                line_position: r.line_position,
                posted_at: r.posted_at,
                raw_json: raw.into(),
                parse_error: None,
            };
            let (e, _) = line_event(&row, EventKind::Shipment).unwrap();
            e.components
                .iter()
                .filter(|c| c.category == Category::Fulfilment)
                .map(|c| c.minor)
                .sum::<i64>()
        };
        assert_eq!((share(0), share(1)), (-51, -50));
    }

    #[test]
    fn events_without_an_order_are_not_stored() {
        assert!(
            rows_for_event("Shipment", r#"{"PostedDate":"2026-01-20T10:00:00Z"}"#)
                .unwrap()
                .is_empty()
        );
        assert!(rows_for_event("Shipment", "[1]").is_err());
    }

    /// A stored row read back as the reconciliation reads it.
    fn row_of(id: i64, new: &NewEvent) -> EventRow {
        EventRow {
            id,
            event_type: new.event_type.clone(),
            amazon_order_id: new.amazon_order_id.clone(),
            order_item_id: new.order_item_id.clone(),
            order_adjustment_item_id: new.order_adjustment_item_id.clone(),
            sku: new.sku.clone(),
            line_position: new.line_position,
            posted_at: new.posted_at,
            raw_json: new.raw_json.clone(),
            parse_error: new.parse_error.clone(),
        }
    }

    #[test]
    fn lines_without_an_item_id_or_sku_are_keyed_by_their_position() {
        let raw = r#"{"AmazonOrderId":"203-1-3","PostedDate":"2026-01-20T10:00:00Z",
            "ShipmentItemList":[
              {"QuantityShipped":1,"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":10}}]},
              {"OrderItemId":"7","QuantityShipped":1,"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":20}}]},
              {"QuantityShipped":2,"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"GBP","CurrencyAmount":30}}]}]}"#;
        let rows = rows_for_event("Shipment", raw).unwrap();
        let keys: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.event_key.as_str()).collect();
        assert_eq!(keys.len(), 3, "every line kept: {keys:?}");
        assert!(
            rows[0].event_key.contains("|pos:0|"),
            "{}",
            rows[0].event_key
        );
        assert!(
            rows[2].event_key.contains("|pos:2|"),
            "{}",
            rows[2].event_key
        );
        assert_eq!(
            rows[1].event_key,
            "v0|Shipment|203-1-3|7|2026-01-20T10:00:00Z|"
        );
        // The same event fetched again gives the same keys.
        assert_eq!(rows_for_event("Shipment", raw).unwrap(), rows);
        // Each nameless row reads its own line's amounts back.
        let principal = |i: usize| {
            let (e, _) = line_event(&row_of(i as i64, &rows[i]), EventKind::Shipment).unwrap();
            (e.quantity, e.components[0].minor)
        };
        assert_eq!(principal(0), (Some(1), 1000));
        assert_eq!(principal(2), (Some(2), 3000));
    }

    #[test]
    fn an_unreadable_event_is_kept_whole_with_its_reason() {
        let raw = r#"{"AmazonOrderId":"203-1-4","PostedDate":"2026-01-20T10:00:00Z",
            "ShipmentItemList":{"not":"a list"}}"#;
        let rows = stored_rows("Shipment", raw);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.raw_json, raw);
        assert_eq!(row.amazon_order_id.as_deref(), Some("203-1-4"));
        assert!(row.event_key.starts_with("v0|Shipment|unreadable|203-1-4|"));
        let reason = row.parse_error.as_deref().unwrap_or_default();
        assert!(reason.starts_with("not a financial event"), "{reason}");
        assert_eq!(stored_rows("Shipment", raw), rows, "same event, same key");
        let other = raw.replace("a list", "another");
        assert_ne!(stored_rows("Shipment", &other)[0].event_key, row.event_key);
        // Readable events and events without an order are as before.
        assert_eq!(
            stored_rows("Refund", REFUND),
            rows_for_event("Refund", REFUND).unwrap()
        );
        assert!(stored_rows("Shipment", r#"{"PostedDate":"2026-01-20T10:00:00Z"}"#).is_empty());
    }

    #[test]
    fn a_page_with_a_bad_event_keeps_the_good_ones_and_the_bad_one() {
        let body = format!(
            r#"{{"NextToken":null,"FinancialEvents":{{"RefundEventList":[{REFUND},{{"AmazonOrderId":7}}],"ShipmentEventList":null}}}}"#
        );
        let page: spapi::finances::RawFinancialEventsPage = serde_json::from_str(&body).unwrap();
        let rows = rows_for_page(&page);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].parse_error.is_none());
        assert!(rows[1].parse_error.is_some());
        assert_eq!(rows[1].raw_json, r#"{"AmazonOrderId":7}"#);
        assert_eq!(rows[1].amazon_order_id, None);
    }
}
