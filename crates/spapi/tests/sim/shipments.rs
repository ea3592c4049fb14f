//! `confirmShipment`: a package ships its units once (the order moves to
//! PartiallyShipped, then Shipped), the same package again is refused as
//! already confirmed, and the model's rules refuse bad input before
//! anything changes.

use spapi::Error;
use spapi::orders_v0::{PackageDetail, ShippedItem};
use spapi_sim::{Fulfillment, OrderStatus, SimOrder};
use time::{Duration, OffsetDateTime};

use super::{fast, start};

fn package(reference: &str, items: &[(&str, u32)]) -> PackageDetail {
    PackageDetail {
        package_reference_id: reference.to_owned(),
        carrier_code: "Royal Mail".to_owned(),
        carrier_name: None,
        shipping_method: Some("Tracked 48".to_owned()),
        tracking_number: format!("RM{reference}GB"),
        ship_date: OffsetDateTime::now_utc() - Duration::minutes(5),
        order_items: items
            .iter()
            .map(|(id, quantity)| ShippedItem {
                order_item_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect(),
    }
}

fn refused(result: Result<(), Error>) -> String {
    match result {
        Err(Error::InvalidInput(e)) => e.message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn a_package_ships_once_and_bad_input_changes_nothing() {
    let (sim, client) = start(fast(60)).await;
    // An order the seller ships with two units on its first line.
    let order: SimOrder = sim.update_seller(|s| {
        let o = s
            .orders
            .iter_mut()
            .find(|o| o.status == OrderStatus::Unshipped && o.fulfillment == Fulfillment::Merchant)
            .expect("an unshipped order");
        o.lines.truncate(1);
        o.lines[0].quantity = 2;
        o.clone()
    });
    let (id, line) = (
        order.order_id.as_str(),
        order.lines[0].order_item_id.as_str(),
    );
    let market = order.marketplace_id.as_str();
    let status = || {
        sim.orders_snapshot()
            .into_iter()
            .find(|o| o.order_id == id)
            .map(|o| (o.status, o.lines[0].quantity_shipped))
    };

    // Refused, each before anything changes.
    let mut future = package("1", &[(line, 1)]);
    future.ship_date = OffsetDateTime::now_utc() + Duration::hours(2);
    let mut early = package("1", &[(line, 1)]);
    early.ship_date = order.created - Duration::days(1);
    let mut other = package("1", &[(line, 1)]);
    other.carrier_code = "Other".to_owned();
    let mut untracked = package("1", &[(line, 1)]);
    untracked.tracking_number = " ".to_owned();
    for (bad, why) in [
        (
            package("1", &[("99999999999999", 1)]),
            "Unknown orderItemId",
        ),
        (
            package("1", &[(line, 3)]),
            "not between 1 and the 2 left to ship",
        ),
        (package("0", &[(line, 1)]), "must be a positive number"),
        (future, "must not be in the future"),
        (early, "must not be before the purchase date"),
        (other, "Missing required field packageDetail.carrierName"),
        (untracked, "trackingNumber must not be empty"),
    ] {
        let message = refused(client.confirm_shipment(id, market, &bad).await);
        assert!(message.contains(why), "{why}: {message}");
    }
    let message = refused(
        client
            .confirm_shipment(id, "A1PA6795UKMFR9", &package("1", &[(line, 1)]))
            .await,
    );
    assert!(message.contains("is not in marketplace"), "{message}");
    assert_eq!(status(), Some((OrderStatus::Unshipped, 0)));

    // One unit, then the other: partially shipped, then shipped.
    client
        .confirm_shipment(id, market, &package("1", &[(line, 1)]))
        .await
        .expect("first package");
    assert_eq!(status(), Some((OrderStatus::PartiallyShipped, 1)));
    let again = refused(
        client
            .confirm_shipment(id, market, &package("1", &[(line, 1)]))
            .await,
    );
    assert!(again.contains("already been confirmed"), "{again}");
    client
        .confirm_shipment(id, market, &package("2", &[(line, 1)]))
        .await
        .expect("second package");
    assert_eq!(status(), Some((OrderStatus::Shipped, 2)));
    let shipped = sim.update_seller(|s| s.shipments.clone());
    assert_eq!(shipped.len(), 2);
    assert_eq!(shipped[1].tracking_number, "RM2GB");

    // An FBA order is Amazon's to confirm.
    let fba = sim.update_seller(|s| {
        let o = s
            .orders
            .iter_mut()
            .find(|o| o.fulfillment == Fulfillment::Amazon)
            .expect("an FBA order");
        o.status = OrderStatus::Unshipped;
        o.lines[0].quantity_shipped = 0;
        o.clone()
    });
    let item = fba.lines[0].order_item_id.as_str();
    let message = refused(
        client
            .confirm_shipment(
                &fba.order_id,
                &fba.marketplace_id,
                &package("1", &[(item, 1)]),
            )
            .await,
    );
    assert!(message.contains("fulfilled by Amazon"), "{message}");
    sim.shutdown().await.unwrap();
}
