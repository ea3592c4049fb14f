//! The report over HTTP on both engines: the API's figures for known
//! units, the CSV's columns summing to them, the page's notes and totals,
//! bad queries refused in words, and the stock view.

use brickdesk::domain::Currency;
use brickdesk::domain::fees::{Category, EventKind};
use serde_json::Value;

use super::{Sold, store};
use crate::helpers::{self, TestApp, TestDb, get_text, send_json, send_text};

/// A GBP sale (30.00, shipping 2.99, commission −4.50, FBA −3.50), bought
/// for 10.00; one refunded in full; one awaiting fees; one without a
/// cost; one sold in EUR.
fn units() -> Vec<Sold> {
    use Category::*;
    use EventKind::*;
    let sale = vec![
        (Shipment, Principal, 3_000),
        (Shipment, Shipping, 299),
        (Shipment, Commission, -450),
        (Shipment, Fulfilment, -350),
    ];
    let mut refunded = sale.clone();
    refunded.extend([
        (Refund, Principal, -3_000),
        (Refund, Commission, 450),
        (Refund, RefundCommission, -90),
    ]);
    let sold = |hours, cost, fees: Option<(Currency, Vec<_>)>| Sold {
        currency: Currency::GBP,
        cost,
        sold_hours: hours,
        bought_days_before: Some(40),
        fees,
    };
    vec![
        sold(24 * 10, Some(1_000), Some((Currency::GBP, sale.clone()))),
        sold(24 * 40, Some(1_000), Some((Currency::GBP, refunded))),
        sold(24 * 41, Some(1_500), None),
        sold(24 * 42, None, Some((Currency::GBP, sale.clone()))),
        Sold {
            currency: Currency::EUR,
            ..sold(24 * 43, Some(2_000), Some((Currency::EUR, sale)))
        },
    ]
}

async fn app_on(t: TestDb) -> (TestApp, reqwest::Client) {
    store(&t.db, &units()).await;
    let app = TestApp::builder().on(t).spawn().await;
    let owner = app.owner().await;
    (app, owner)
}

fn totals<'a>(report: &'a Value, currency: &str) -> &'a Value {
    report["currencies"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["currency"] == currency))
        .map(|c| &c["totals"])
        .unwrap_or_else(|| panic!("no {currency} in {report}"))
}

/// Sums a CSV column over the rows of one currency, in minor units.
fn column_sum(csv: &str, column: &str, currency: &str) -> i64 {
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (col, cur) = (at(column), at("currency"));
    reader
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[cur] == currency)
        .map(|r| minor(&r[col]))
        .sum()
}

fn minor(decimal: &str) -> i64 {
    if decimal.is_empty() {
        return 0;
    }
    brickdesk::domain::Money::parse(decimal, Currency::GBP)
        .unwrap_or_else(|e| panic!("{decimal}: {e}"))
        .minor
}

async fn report_api_csv_and_page(t: TestDb) {
    let (app, owner) = app_on(t).await;
    let a = &app.address;
    let query = "from=2025-01-01&to=2025-12-31&group=month";
    let (status, report) = send_json(owner.get(format!("{a}/api/reports/profit?{query}"))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["group"], "month");
    let gbp = totals(&report, "GBP");
    let expected = [
        ("units", Value::from(4)),
        ("unitsAwaitingFees", 1.into()),
        ("unitsWithoutCost", 1.into()),
        ("unitsAtLoss", 1.into()),
        ("grossSales", "90.00".into()),
        ("shippingCredits", "8.97".into()),
        ("refunds", "-30.00".into()),
        ("commission", "-9.00".into()),
        ("fulfilmentFees", "-10.50".into()),
        ("otherFees", "-0.90".into()),
        ("totalFees", "-20.40".into()),
        ("netPayout", "48.57".into()),
        // 10.00 + 10.00 + 15.00: the unit awaiting fees has its cost counted.
        ("costOfGoods", "35.00".into()),
        // (32.99 − 8.00 − 10.00) + (2.99 − 3.50 − 0.90 − 10.00)
        ("profit", "3.58".into()),
        // 3.58 on the 35.98 those two units brought after refunds.
        ("marginPercent", "9.9".into()),
        ("averageDaysInStock", 40.into()),
    ];
    for (key, value) in expected {
        assert_eq!(gbp[key], value, "{key} in {gbp}");
    }
    assert_eq!(totals(&report, "EUR")["units"], 1);
    let periods = report["currencies"][1]["periods"]
        .as_array()
        .expect("periods");
    assert_eq!(periods.len(), 12);
    assert_eq!(periods[0]["start"], "2025-01-01");
    assert_eq!(periods[0]["units"], 1);
    assert_eq!(periods[1]["units"], 3);

    // The CSV's columns sum to the report's figures, per currency.
    let csv = get_text(&owner, format!("{a}/reports/profit/units.csv?{query}")).await;
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
    for (column, key) in [
        ("gross_sales", "grossSales"),
        ("refunds", "refunds"),
        ("commission", "commission"),
        ("net_payout", "netPayout"),
        ("cost_of_goods", "costOfGoods"),
        ("profit", "profit"),
    ] {
        for currency in ["GBP", "EUR"] {
            let want = minor(totals(&report, currency)[key].as_str().expect("money"));
            assert_eq!(
                column_sum(&csv, column, currency),
                want,
                "{column} in {currency}"
            );
        }
    }

    // The page shows the same totals and says which units it leaves out.
    let page = get_text(&owner, format!("{a}/reports/profit?range=custom&{query}")).await;
    assert!(
        page.contains("1 unit awaiting Amazon fees — profit shown without them."),
        "{page}"
    );
    assert!(
        page.contains("1 unit without a cost in this currency"),
        "{page}"
    );
    assert!(page.contains(r#"data-figure="profit">£3.58<"#), "{page}");
    assert!(page.contains("<svg role=\"img\""), "{page}");
    assert!(
        page.contains("Profit £3.58"),
        "the legend names the total: {page}"
    );

    // A range without a clock change (one UTC offset throughout).
    let february = helpers::get_json(
        &owner,
        format!("{a}/api/reports/profit?from=2025-02-01&to=2025-02-28"),
    )
    .await;
    assert_eq!(february["group"], "day", "{february}");
    assert_eq!(totals(&february, "GBP")["units"], 3, "{february}");

    // One currency only.
    let eur = helpers::get_json(
        &owner,
        format!("{a}/api/reports/profit?{query}&currency=eur"),
    )
    .await;
    assert_eq!(eur["currencies"].as_array().map(Vec::len), Some(1), "{eur}");
    assert_eq!(eur["currencies"][0]["currency"], "EUR");
}

async fn bad_queries_are_refused_in_words(t: TestDb) {
    let (app, owner) = app_on(t).await;
    let a = &app.address;
    for (query, words) in [
        (
            "from=2025-13-01&to=2025-12-31",
            "from: '2025-13-01' is not a date",
        ),
        ("from=2025-02-01", "a custom range needs both from and to"),
        (
            "from=2025-02-01&to=2025-01-01",
            "the range ends (2025-01-01) before it starts",
        ),
        ("range=forever", "range: 'forever' is not one of"),
        ("group=year", "group: 'year' is not one of day, week, month"),
        (
            "currency=POUNDS",
            "currency: 'POUNDS' is not a currency code",
        ),
        (
            "from=2020-01-01&to=2025-12-31&group=day",
            "too many for one report",
        ),
    ] {
        let (status, body) = send_json(owner.get(format!("{a}/api/reports/profit?{query}"))).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            helpers::error_message(&body).contains(words),
            "{query}: {body}"
        );
        let (status, page) = send_text(owner.get(format!("{a}/reports/profit?{query}"))).await;
        assert_eq!(status, 400, "{query}");
        assert!(page.contains("role=\"alert\""), "{query}: {page}");
    }
}

async fn stock_view_sums_what_is_not_sold(t: TestDb) {
    let (app, owner) = app_on(t).await;
    let page = get_text(&owner, format!("{}/inventory/stock", app.address)).await;
    // Every unit the fixture made was sold: nothing in stock.
    assert!(page.contains("Nothing in stock."), "{page}");
    let mut tx = app.db.begin().await.expect("begin");
    for (set, location, cost) in [
        ("75192", "A-1", Some(50_000)),
        ("10300", "A-1", None),
        ("42115", "B-2", Some(20_000)),
    ] {
        brickdesk::db::inventory::insert(
            &mut tx,
            &crate::builders::TestUnit::of(set)
                .location(Some(location))
                .priced(cost, None)
                .build(),
        )
        .await
        .expect("unit");
    }
    tx.commit().await.expect("commit");
    let page = get_text(&owner, format!("{}/inventory/stock", app.address)).await;
    let row = |key: &str, units: i64, cost: &str| {
        format!(
            r#"<th scope="row">{key}</th><td class="num">{units}</td><td class="num nowrap">{cost}</td>"#
        )
    };
    for want in [
        row("LISTED", 3, "£700.00"),
        row("A-1", 2, "£500.00"),
        row("B-2", 1, "£200.00"),
        row("0–30 days", 3, "£700.00"),
    ] {
        assert!(page.contains(&want), "{want} in {page}");
    }
}

#[tokio::test]
async fn report_api_csv_and_page_on_sqlite() {
    report_api_csv_and_page(helpers::sqlite().await).await;
}

#[tokio::test]
async fn report_api_csv_and_page_on_postgres() {
    if let Some(t) = helpers::postgres().await {
        report_api_csv_and_page(t).await;
    }
}

#[tokio::test]
async fn bad_report_queries_are_refused() {
    bad_queries_are_refused_in_words(helpers::sqlite().await).await;
}

#[tokio::test]
async fn stock_view_on_sqlite() {
    stock_view_sums_what_is_not_sold(helpers::sqlite().await).await;
}

#[tokio::test]
async fn stock_view_on_postgres() {
    if let Some(t) = helpers::postgres().await {
        stock_view_sums_what_is_not_sold(t).await;
    }
}
