//! Reports: IN_QUEUE → IN_PROGRESS → DONE, gzip'd Cp1252 document, the
//! all-orders flat file parsed by header name and compared with the truth.

use spapi::Error;
use spapi::reports::{ALL_ORDERS_BY_LAST_UPDATE, flat_file};
use spapi_sim::{SimClock, SimConfig};
use std::time::Duration;
use time::OffsetDateTime;

use super::{scaled, start};

#[tokio::test]
async fn report_moves_through_its_states_and_the_flat_file_equals_the_truth() {
    // Time ×100: 0.2 s in the queue, 0.4 s in progress, on a clock the
    // test moves (the wall clock would race the assertions).
    let clock = SimClock::manual();
    let (sim, client) = start(SimConfig {
        orders: 90,
        time_scale: 100.0,
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let start_at = OffsetDateTime::now_utc() - time::Duration::days(60);
    let id = client
        .create_report(ALL_ORDERS_BY_LAST_UPDATE, Some(start_at), None)
        .await
        .unwrap();
    assert_eq!(
        client.get_report(&id).await.unwrap().processing_status,
        "IN_QUEUE"
    );
    clock.advance(Duration::from_millis(350));
    assert_eq!(
        client.get_report(&id).await.unwrap().processing_status,
        "IN_PROGRESS"
    );
    clock.advance(Duration::from_millis(250));
    let report = client
        .wait_for_report(&id, Duration::from_millis(50))
        .await
        .unwrap();
    assert_eq!(report.processing_status, "DONE");
    let document = client
        .get_report_document(report.report_document_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(document.compression_algorithm.as_deref(), Some("GZIP"));
    let text = client.download_report_document(&document).await.unwrap();
    let rows = flat_file::parse_all_orders(&text).unwrap();

    let mut truth = sim.orders_snapshot();
    truth.sort_by_key(|o| o.last_updated);
    let lines: Vec<_> = truth
        .iter()
        .filter(|o| o.last_updated >= start_at)
        .flat_map(|o| o.lines.iter().map(move |l| (o, l)))
        .collect();
    assert_eq!(rows.len(), lines.len());
    for (row, (order, line)) in rows.iter().zip(&lines) {
        assert_eq!(row.amazon_order_id, order.order_id);
        assert_eq!(row.sku, line.sku);
        assert_eq!(row.asin, line.asin);
        assert_eq!(row.product_name, line.title, "Cp1252 text decoded exactly");
        assert_eq!(row.quantity, line.quantity);
        let price = row
            .item_price
            .as_ref()
            .map(|d| d.to_minor_units(2).unwrap());
        assert_eq!(
            price,
            order.status.has_prices().then_some(line.item_total_pence())
        );
    }
    assert!(
        rows.iter()
            .any(|r| r.product_name.contains('£') && r.asin.is_none())
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn fetch_report_is_cancellable_while_polling() {
    let (sim, client) = start(scaled(5, 1.0)).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let waiting = client.with_cancellation(cancel.clone());
    let task = tokio::spawn(async move {
        waiting
            .fetch_report(
                ALL_ORDERS_BY_LAST_UPDATE,
                None,
                None,
                Duration::from_secs(30),
            )
            .await
    });
    // Polling has begun (the report is queued for 20 s): only then cancel.
    let polled = async {
        while !sim.stats().by_operation.contains_key("getReport") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), polled)
        .await
        .expect("the report is polled");
    cancel.cancel();
    // The report is DONE only after 60 s; the net catches a hang, no more.
    let result = tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the cancelled fetch returns")
        .unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let err = client
        .create_report("GET_NOT_A_REPORT", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    sim.shutdown().await.unwrap();
}
