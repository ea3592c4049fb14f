//! Every `x-amzn-api-sandbox` example response of the operations the
//! client speaks decodes with the client's types. The models are read at
//! test time from `../shared/sp-api-models`.

use serde::de::DeserializeOwned;
use serde_json::Value;
use spapi::ApiError;
use spapi::finances::{FinancialEventsPage, TransactionsPage};
use spapi::orders::{Order, SearchOrdersPage};
use spapi::orders_v0::{self, OrderItemsPage, OrdersPage};
use spapi::reports::{Report, ReportDocument};

fn model(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sp-api-models")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the official models must be beside the repo at {}: {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// `(status, response)` of every sandbox example of `operation_id`.
fn examples(model: &Value, operation_id: &str) -> Vec<(u16, Value)> {
    let mut found = Vec::new();
    for methods in model["paths"].as_object().unwrap().values() {
        for op in methods.as_object().unwrap().values() {
            if op["operationId"] != operation_id {
                continue;
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                for kind in ["static", "dynamic"] {
                    for case in response["x-amzn-api-sandbox"][kind]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        found.push((status.parse().unwrap(), case["response"].clone()));
                    }
                }
            }
        }
    }
    assert!(!found.is_empty(), "no sandbox examples for {operation_id}");
    found
}

/// Decodes from JSON text, as the client does (money keeps its raw text).
fn decode<T: DeserializeOwned>(value: &Value) -> T {
    let text = serde_json::to_string(value).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Decodes every money object anywhere in `value` (all four SP-API
/// shapes) with [`spapi::Money`], counting them.
fn every_money(value: &Value, count: &mut usize) {
    match value {
        Value::Object(map) => {
            let code = ["currencyCode", "CurrencyCode"]
                .iter()
                .any(|k| map.contains_key(*k));
            let amount = ["amount", "Amount", "CurrencyAmount", "currencyAmount"]
                .iter()
                .any(|k| map.contains_key(*k));
            if code && amount {
                let money: spapi::Money = decode(value);
                assert!(money.minor_units().is_some(), "{value}");
                *count += 1;
            }
            map.values().for_each(|v| every_money(v, count));
        }
        Value::Array(items) => items.iter().for_each(|v| every_money(v, count)),
        _ => {}
    }
}

/// Checks every example of `operation_id`: `successes` successes with
/// `ok`, the others as Amazon error bodies.
fn check(model: &Value, operation_id: &str, successes: usize, ok: impl Fn(&Value)) {
    check_examples(model, operation_id, true, successes, ok)
}

fn check_examples(
    model: &Value,
    operation_id: &str,
    has_money: bool,
    successes: usize,
    ok: impl Fn(&Value),
) {
    let mut decoded = 0;
    let mut money = 0;
    for (status, response) in examples(model, operation_id) {
        if (200..300).contains(&status) {
            ok(&response);
            every_money(&response, &mut money);
            decoded += 1;
        } else {
            let text = serde_json::to_vec(&response).unwrap();
            let error = ApiError::from_response(status, &text, None);
            assert!(
                !error.code.is_empty() && !error.code.starts_with("HTTP"),
                "{operation_id} {status}: {response}"
            );
        }
    }
    assert_eq!(decoded, successes, "{operation_id}: successful examples");
    assert_eq!(
        money > 0,
        has_money,
        "{operation_id}: money in the examples?"
    );
}

#[test]
fn orders_2026_examples_decode() {
    let m = model("orders_2026-01-01.json");
    check(&m, "searchOrders", 3, |r| {
        let page: SearchOrdersPage = decode(r);
        assert!(!page.orders.is_empty());
        for order in &page.orders {
            for item in &order.order_items {
                let price = item
                    .product
                    .price
                    .as_ref()
                    .and_then(|p| p.unit_price.as_ref());
                assert!(
                    price.is_none_or(|m| m.minor_units().is_some()),
                    "{:?}",
                    price
                );
            }
        }
    });
    check(&m, "getOrder", 3, |r| {
        let order: Order = decode(&r["order"]);
        assert!(!order.order_id.is_empty());
    });
}

#[test]
fn orders_v0_examples_decode() {
    let m = model("ordersV0.json");
    check(&m, "getOrders", 3, |r| {
        let page: OrdersPage = decode(&r["payload"]);
        for order in &page.orders {
            assert!(
                orders_v0::ORDER_STATUSES.contains(&order.order_status.as_str()),
                "{}",
                order.order_status
            );
        }
    });
    check(&m, "getOrder", 2, |r| {
        let order: orders_v0::Order = decode(&r["payload"]);
        assert!(!order.amazon_order_id.is_empty());
    });
    check(&m, "getOrderItems", 1, |r| {
        let page: OrderItemsPage = decode(&r["payload"]);
        let price = page.order_items[0].item_price.as_ref().unwrap();
        assert_eq!(
            (price.amount.as_str(), price.minor_units()),
            ("10.00", Some(1000))
        );
    });
}

#[test]
fn finances_examples_decode() {
    let m = model("financesV0.json");
    for op in ["listFinancialEvents", "listFinancialEventsByOrderId"] {
        check(&m, op, 1, |r| {
            let page: FinancialEventsPage = decode(&r["payload"]);
            let amounts = page
                .financial_events
                .shipment_event_list
                .iter()
                .flat_map(|e| &e.shipment_item_list)
                .flat_map(|i| i.item_charge_list.iter().map(|c| &c.charge_amount));
            for money in amounts {
                // Finances v0 amounts are JSON numbers, kept as their text.
                assert!(money.amount.as_str().parse::<f64>().is_ok());
            }
        });
    }
    let m = model("finances_2024-06-19.json");
    check(&m, "listTransactions", 1, |r| {
        let page: TransactionsPage = decode(&r["payload"]);
        assert!(!page.transactions.is_empty());
    });
}

#[test]
fn reports_examples_decode() {
    let m = model("reports_2021-06-30.json");
    check_examples(&m, "createReport", false, 1, |r| {
        assert!(r["reportId"].is_string())
    });
    check_examples(&m, "getReport", false, 1, |r| {
        let report: Report = decode(r);
        assert!(!report.processing_status.is_empty());
    });
    check_examples(&m, "getReportDocument", false, 1, |r| {
        let document: ReportDocument = decode(r);
        assert!(document.url.starts_with("https://"));
    });
}
