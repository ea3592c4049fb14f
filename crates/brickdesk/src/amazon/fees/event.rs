//! Finances v0 events: the rows Brickdesk stores for each event line
//! (keyed by Amazon's identifiers) and, read back from the stored raw
//! JSON, the amounts of one line. Reading is lenient where Amazon's model
//! is optional (a missing list is an empty list) and strict about money
//! (an amount that would need rounding is an error, never rounded).

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::db::fees::{EventLine, EventRow, NewEvent};
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
            line: EventLine {
                event_type: event_type.to_owned(),
                amazon_order_id: Some(order_id.clone()),
                order_item_id: item.order_item_id.clone(),
                order_adjustment_item_id: item.order_adjustment_item_id.clone(),
                sku: item.seller_sku.clone(),
                line_position: i64::try_from(position).ok(),
                posted_at: event.posted_date,
                raw_json: raw.to_owned(),
                parse_error: None,
            },
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
        line: EventLine {
            event_type: event_type.to_owned(),
            amazon_order_id: order_id,
            order_item_id: None,
            order_adjustment_item_id: None,
            sku: None,
            line_position: None,
            posted_at: posted.and_then(|p| OffsetDateTime::parse(&p, &Rfc3339).ok()),
            raw_json: raw.to_owned(),
            parse_error: Some(error.to_string()),
        },
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
    let event = parse_event(&row.line.raw_json)?;
    let items: Vec<&V0Item> = event
        .shipment_item_list
        .iter()
        .chain(&event.shipment_item_adjustment_list)
        .collect();
    let no_line = || {
        EventError::NoSuchLine(
            row.line
                .order_item_id
                .clone()
                .or_else(|| row.line.sku.clone())
                .unwrap_or_default(),
        )
    };
    let same_line = |i: &V0Item| {
        i.order_item_id == row.line.order_item_id
            && i.order_adjustment_item_id == row.line.order_adjustment_item_id
            && (row.line.order_item_id.is_some() || i.seller_sku == row.line.sku)
    };
    let position = match row.line.line_position {
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
                .line
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
mod tests;
