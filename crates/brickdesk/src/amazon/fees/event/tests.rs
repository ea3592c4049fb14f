//! Reading and keying v0 events: Amazon's ids, exact amounts, lines
//! without ids, events that cannot be read.

use super::*;
use crate::domain::FeeEventId;

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
    assert_eq!(rows[0].line.raw_json, REFUND, "raw JSON kept as sent");
    let row = row_of(7, &rows[0]);
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
        id: FeeEventId::new(1).unwrap(),
        line: EventLine {
            event_type: "Refund".into(),
            amazon_order_id: None,
            order_item_id: Some("11112222333344".into()),
            order_adjustment_item_id: Some("99".into()),
            sku: None,
            line_position: None,
            posted_at: None,
            raw_json: raw.into(),
            parse_error: None,
        },
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
        let row = row_of(i as i64 + 1, &rows[i]);
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
        id: FeeEventId::new(id).unwrap(),
        line: new.line.clone(),
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
        let (e, _) = line_event(&row_of(i as i64 + 1, &rows[i]), EventKind::Shipment).unwrap();
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
    assert_eq!(row.line.raw_json, raw);
    assert_eq!(row.line.amazon_order_id.as_deref(), Some("203-1-4"));
    assert!(row.event_key.starts_with("v0|Shipment|unreadable|203-1-4|"));
    let reason = row.line.parse_error.as_deref().unwrap_or_default();
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
    assert!(rows[0].line.parse_error.is_none());
    assert!(rows[1].line.parse_error.is_some());
    assert_eq!(rows[1].line.raw_json, r#"{"AmazonOrderId":7}"#);
    assert_eq!(rows[1].line.amazon_order_id, None);
}
