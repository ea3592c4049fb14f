//! A fee event Brickdesk cannot read is stored whole with the reason,
//! counted in the preview and the run's report, and holds its order's
//! units back rather than reconciling them without it. (The simulator
//! only serves well-formed events, so the event is stored through the
//! same rows the fetch stores.)

use brickdesk::amazon::fees;
use brickdesk::db::Conn;
use brickdesk::db::{self, Db};

use super::{order, sell};
use crate::helpers::on_both_backends;

fn sale(order_id: &str, item: &str, pounds: &str) -> String {
    format!(
        r#"{{"AmazonOrderId":"{order_id}","PostedDate":"2026-01-20T10:00:00Z","ShipmentItemList":[{{"SellerSKU":"SKU-{item}","OrderItemId":"{item}","QuantityShipped":1,"ItemChargeList":[{{"ChargeType":"Principal","ChargeAmount":{{"CurrencyCode":"GBP","CurrencyAmount":{pounds}}}}}]}}]}}"#
    )
}

const BAD: &str = r#"{"AmazonOrderId":"203-0000062-0000062","PostedDate":"2026-01-21T10:00:00Z","ShipmentItemAdjustmentList":"not a list"}"#;

async fn an_unreadable_event_is_kept_counted_and_holds_its_order_back(db: &Db) {
    let good = order("203-0000061-0000061", &[("60000000000061", 1, 1500)]);
    let held = order("203-0000062-0000062", &[("60000000000062", 1, 2500)]);
    let good_unit = sell(db, &good, 500).await[0][0];
    let held_unit = sell(db, &held, 500).await[0][0];
    let mut rows = fees::stored_rows("Shipment", &sale(&good.order_id, "60000000000061", "15.00"));
    rows.extend(fees::stored_rows(
        "Shipment",
        &sale(&held.order_id, "60000000000062", "25.00"),
    ));
    rows.extend(fees::stored_rows("Refund", BAD));
    assert_eq!(db::fees::insert_events(db, &rows).await.expect("store"), 3);
    assert_eq!(
        db::fees::insert_events(db, &rows).await.expect("again"),
        0,
        "fetched again, stored once"
    );

    let stored =
        db::fees::events_for_orders(&mut Conn::Db(db), std::slice::from_ref(&held.order_id))
            .await
            .expect("events");
    let bad = stored
        .iter()
        .find(|e| e.line.parse_error.is_some())
        .expect("the unreadable event is stored");
    assert_eq!(bad.line.event_type, "Refund");
    let as_json = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
    assert_eq!(as_json(&bad.line.raw_json), as_json(BAD), "raw JSON kept");
    assert!(
        bad.line
            .parse_error
            .as_deref()
            .is_some_and(|e| e.contains("not a financial event")),
        "{bad:?}"
    );

    let preview = fees::preview(db).await.expect("preview");
    assert_eq!(preview.unreadable_events, 1);
    assert_eq!(
        preview
            .changes
            .iter()
            .map(|c| c.inventory_item_id)
            .collect::<Vec<_>>(),
        [good_unit]
    );
    assert_eq!(preview.skipped.len(), 1);
    assert_eq!(preview.skipped[0].inventory_item_id, held_unit);
    assert!(
        preview.skipped[0].reason.contains("could not be read"),
        "{:?}",
        preview.skipped[0]
    );

    let report = fees::run(db, None).await.expect("run");
    assert_eq!((report.updated, report.unreadable_events), (1, 1));
    assert_eq!(
        report.message,
        "Updated 1 item; 1 item skipped; 1 fee event could not be read"
    );
    assert!(
        db::fees::fees_of(db, held_unit)
            .await
            .expect("read")
            .is_none(),
        "no figures without the order's unreadable event"
    );
    assert_eq!(db::fees::count_missing(db).await.expect("missing"), 1);
}

on_both_backends! {
    unreadable_event => an_unreadable_event_is_kept_counted_and_holds_its_order_back;
}
