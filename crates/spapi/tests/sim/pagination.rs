//! Every page of every listing operation, compared with the simulator's truth.

use futures::TryStreamExt;
use spapi::finances::ListFinancialEvents;
use spapi::orders::SearchOrders;
use spapi::orders_v0::GetOrders;
use spapi_sim::{EventKind, OrderStatus};
use std::collections::HashSet;

use super::{fast, long_ago, start};

#[tokio::test]
async fn search_orders_across_pages_equals_the_truth() {
    let (sim, client) = start(fast(230)).await;
    let mut query = SearchOrders::created_after(long_ago());
    query.max_results_per_page = Some(17);
    let orders: Vec<_> = client.search_orders(query).try_collect().await.unwrap();
    let truth = sim.orders_snapshot();
    assert_eq!(orders.len(), truth.len());
    assert_eq!(
        sim.stats().by_operation["searchOrders"],
        230u64.div_ceil(17)
    );
    for (got, want) in orders.iter().zip(&truth) {
        assert_eq!(got.order_id, want.order_id);
        assert_eq!(
            got.created_time.unix_timestamp(),
            want.created.unix_timestamp()
        );
        let fulfillment = got.fulfillment.as_ref().unwrap();
        assert_eq!(fulfillment.fulfillment_status, want.status.v2026_name());
        assert_eq!(
            fulfillment.fulfilled_by.as_deref(),
            Some(want.fulfillment.fulfilled_by())
        );
        let total = got
            .proceeds
            .as_ref()
            .and_then(|p| p.grand_total.as_ref())
            .map(|m| m.minor_units().unwrap());
        assert_eq!(total, want.total_pence(), "{}", want.order_id);
        assert_eq!(got.order_items.len(), want.lines.len());
        for (line, truth_line) in got.order_items.iter().zip(&want.lines) {
            assert_eq!(line.order_item_id, truth_line.order_item_id);
            assert_eq!(line.product.asin, truth_line.asin);
            assert_eq!(line.quantity_ordered, truth_line.quantity);
            let unit = line
                .product
                .price
                .as_ref()
                .and_then(|p| p.unit_price.as_ref())
                .map(|m| m.minor_units().unwrap());
            assert_eq!(
                unit,
                want.status
                    .has_prices()
                    .then_some(truth_line.unit_price_pence)
            );
        }
    }
    assert!(
        orders.iter().any(|o| o.proceeds.is_none()),
        "pending orders come without prices"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn get_orders_v0_and_order_items_equal_the_truth() {
    let (sim, client) = start(fast(120)).await;
    let mut query = GetOrders::created_after(long_ago());
    query.max_results_per_page = Some(50);
    let orders: Vec<_> = client.get_orders(query).try_collect().await.unwrap();
    let truth = sim.orders_snapshot();
    let got: Vec<_> = orders
        .iter()
        .map(|o| (o.amazon_order_id.clone(), o.order_status.clone()))
        .collect();
    let want: Vec<_> = truth
        .iter()
        .map(|o| (o.order_id.clone(), o.status.v0_name().to_owned()))
        .collect();
    assert_eq!(got, want);
    for want in &truth {
        let items = client.get_order_items(&want.order_id).await.unwrap();
        assert_eq!(items.len(), want.lines.len());
        for (item, line) in items.iter().zip(&want.lines) {
            assert_eq!(item.order_item_id, line.order_item_id);
            assert_eq!(item.asin(), line.asin.as_deref());
            assert_eq!(item.quantity_ordered, line.quantity);
            let price = item.item_price.as_ref().map(|m| m.minor_units().unwrap());
            // v0 ItemPrice is the LINE total.
            assert_eq!(
                price,
                want.status.has_prices().then_some(line.item_total_pence())
            );
        }
    }
    let pending = truth
        .iter()
        .find(|o| o.status == OrderStatus::Pending)
        .unwrap();
    let order = client.get_order_v0(&pending.order_id).await.unwrap();
    assert_eq!(order.order_status, "Pending");
    assert_eq!(order.order_total, None);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn last_updated_search_and_status_filter() {
    let (sim, client) = start(fast(150)).await;
    let since = long_ago();
    let mut query = SearchOrders::last_updated_after(since);
    query.fulfillment_statuses = vec!["UNSHIPPED".into(), "PARTIALLY_SHIPPED".into()];
    let orders: Vec<_> = client.search_orders(query).try_collect().await.unwrap();
    let mut truth: Vec<_> = sim
        .orders_snapshot()
        .into_iter()
        .filter(|o| {
            matches!(
                o.status,
                OrderStatus::Unshipped | OrderStatus::PartiallyShipped
            )
        })
        .collect();
    truth.sort_by(|a, b| {
        a.last_updated
            .cmp(&b.last_updated)
            .then(a.order_id.cmp(&b.order_id))
    });
    let got: Vec<_> = orders.iter().map(|o| o.order_id.clone()).collect();
    let want: Vec<_> = truth.iter().map(|o| o.order_id.clone()).collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let one = client.get_order(&want[0]).await.unwrap();
    assert_eq!(one, orders[0]);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn financial_events_across_pages_equal_the_truth_exactly() {
    let (sim, client) = start(fast(200)).await;
    let truth = sim.financial_events_snapshot();
    let query = ListFinancialEvents {
        posted_after: time::OffsetDateTime::now_utc() - time::Duration::days(179),
        posted_before: None,
        max_results_per_page: Some(7),
    };
    let pages: Vec<_> = client
        .list_financial_events(query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), truth.len().div_ceil(7));
    let mut shipments = Vec::new();
    let mut refunds = Vec::new();
    for page in pages {
        shipments.extend(page.financial_events.shipment_event_list);
        refunds.extend(page.financial_events.refund_event_list);
    }
    let truth_shipments: Vec<_> = truth
        .iter()
        .filter(|e| e.kind == EventKind::Shipment)
        .collect();
    let truth_refunds: Vec<_> = truth
        .iter()
        .filter(|e| e.kind == EventKind::Refund)
        .collect();
    assert_eq!(shipments.len(), truth_shipments.len());
    assert_eq!(refunds.len(), truth_refunds.len());
    assert!(!refunds.is_empty());
    for (got, want) in shipments.iter().zip(&truth_shipments) {
        assert_eq!(got.amazon_order_id.as_deref(), Some(want.order_id.as_str()));
        let sum: i64 = got
            .shipment_item_list
            .iter()
            .flat_map(|i| {
                let charges = i.item_charge_list.iter().map(|c| &c.charge_amount);
                charges.chain(i.item_fee_list.iter().map(|f| &f.fee_amount))
            })
            .map(|m| m.minor_units().expect("two decimals"))
            .sum();
        assert_eq!(sum, want.total_pence());
    }
    let refunded = &truth_refunds[0];
    let by_order = client
        .list_financial_events_by_order_id(&refunded.order_id)
        .await
        .unwrap();
    assert_eq!(by_order.shipment_event_list.len(), 1);
    assert_eq!(by_order.refund_event_list.len(), 1);
    let adjustment = &by_order.refund_event_list[0].shipment_item_adjustment_list[0];
    assert_eq!(
        adjustment.order_adjustment_item_id,
        refunded.items[0].adjustment_id
    );
    assert!(
        adjustment
            .item_fee_adjustment_list
            .iter()
            .any(|f| f.fee_type == "RefundCommission")
    );
    let orders_with_events: HashSet<_> = truth.iter().map(|e| e.order_id.clone()).collect();
    let shipped_without = sim
        .orders_snapshot()
        .into_iter()
        .find(|o| o.status == OrderStatus::Shipped && !orders_with_events.contains(&o.order_id))
        .unwrap();
    let none = client
        .list_financial_events_by_order_id(&shipped_without.order_id)
        .await
        .unwrap();
    assert!(none.is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn list_transactions_covers_every_event() {
    let (sim, client) = start(fast(140)).await;
    let truth = sim.financial_events_snapshot();
    let since = time::OffsetDateTime::now_utc() - time::Duration::days(365);
    let transactions: Vec<_> = client.list_transactions(since).try_collect().await.unwrap();
    let got: Vec<_> = transactions
        .iter()
        .map(|t| t.transaction_id.clone().unwrap())
        .collect();
    let want: Vec<_> = truth.iter().map(|e| e.transaction_id.clone()).collect();
    assert_eq!(got, want);
    for (t, e) in transactions.iter().zip(&truth) {
        assert_eq!(
            t.total_amount.as_ref().unwrap().minor_units(),
            Some(e.total_pence())
        );
    }
    sim.shutdown().await.unwrap();
}
