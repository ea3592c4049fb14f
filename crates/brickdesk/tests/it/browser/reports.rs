//! The profit report in a real browser on the demo seller, after its fees
//! are reconciled: the chart's legend (drawn in SVG) and the table beside
//! it show the same totals as the API, and the stock view opens.

use brickdesk::auth::Role;
use brickdesk::config::DemoMode;
use brickdesk::domain::{Currency, Money};
use fantoccini::Locator;

use super::Browser;
use crate::helpers::{TestApp, get_json, send_json};

#[tokio::test]
async fn the_chart_and_its_table_show_the_api_totals() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    app.add_user("anna", Role::Owner).await;
    let owner = app.owner().await;
    let a = &app.address;
    let (status, run) = send_json(owner.post(format!("{a}/api/admin/reconcile-amazon-fees"))).await;
    assert_eq!(status, 200, "{run}");
    let report = get_json(
        &owner,
        format!("{a}/api/reports/profit?range=last-12-months"),
    )
    .await;
    let gbp = report["currencies"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["currency"] == "GBP"))
        .map(|c| c["totals"].clone())
        .unwrap_or_else(|| panic!("the demo sold in GBP: {report}"));
    assert!(gbp["units"].as_i64().unwrap_or(0) > 0, "{gbp}");
    assert!(
        gbp["units"].as_i64() > gbp["unitsAwaitingFees"].as_i64(),
        "the demo's fees are reconciled: {gbp}"
    );
    let shown = |key: &str| {
        let text = gbp[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {gbp}"));
        let money = Money::parse(text, Currency::GBP).expect("money");
        (
            money.to_string(),
            Money::from_minor(money.minor.abs(), Currency::GBP).to_string(),
        )
    };

    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "anna").await;
    b.open(&app, "/reports/profit").await;
    let section = "section.report[data-currency=GBP]";
    let legend = b
        .client
        .find_all(Locator::Css(&format!("{section} svg text")))
        .await
        .expect("svg text");
    let mut texts = Vec::new();
    for t in legend {
        texts.push(t.text().await.expect("text"));
    }
    for (key, cell, name) in [
        ("grossSales", "grossSales", "Gross sales"),
        ("totalFees", "totalFees", "Amazon fees"),
        ("costOfGoods", "costOfGoods", "Cost of goods"),
        ("profit", "profit", "Profit"),
    ] {
        let (signed, paid) = shown(key);
        // Fees are drawn as the amount paid; the table keeps Amazon's sign.
        let drawn = if key == "totalFees" {
            paid
        } else {
            signed.clone()
        };
        assert!(
            texts.contains(&format!("{name} {drawn}")),
            "legend '{name} {drawn}' in {texts:?}"
        );
        let td = b
            .find(&format!("{section} tfoot td[data-figure={cell}]"))
            .await
            .text()
            .await
            .expect("cell");
        assert_eq!(td, signed, "{key}");
    }

    b.open(&app, "/inventory/stock").await;
    b.wait_for_text("By location").await;
}
