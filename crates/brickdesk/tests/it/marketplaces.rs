//! A seller on three marketplaces (UK, DE, SE) of one EU account, against
//! the simulator, on SQLite and PostgreSQL: the settings form takes the
//! three, one sync brings every order with its marketplace and currency,
//! the listing filters by marketplace, the table links each order to its
//! marketplace's Seller Central and writes amounts in their currency, and
//! fees reconcile in the currency Amazon paid them in.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spapi_sim::{EventKind, SimConfig, SimOrder};

use crate::amazon_sync::{sim_config, spawn_sim};
use crate::fees::sell;
use crate::helpers::{TestApp, TestDb, connect_in_settings, get_json, get_text, send_json};
use crate::promises::on_both_databases;

const UK: &str = "A1F83G8C2ARO7P";
const DE: &str = "A1PA6795UKMFR9";
const SE: &str = "A2NODRKZP88ZB9";

/// (marketplace id, currency) of every order the app lists, by order id;
/// currency absent where Amazon gave no total.
async fn listed(
    app: &TestApp,
    owner: &reqwest::Client,
    filter: &str,
) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for page in 1.. {
        let url = format!(
            "{}/api/orders/amazon?page_size=100&page={page}{filter}",
            app.address
        );
        let body = get_json(owner, url).await;
        let orders = body["orders"].as_array().expect("orders").clone();
        if orders.is_empty() {
            break;
        }
        for o in orders {
            let id = o["platform_order_id"].as_str().expect("id").to_owned();
            let market = o["marketplace_id"]
                .as_str()
                .expect("a marketplace")
                .to_owned();
            out.insert(id, (market, o["currency"].clone()));
        }
    }
    out
}

async fn three_marketplaces(t: TestDb) {
    let sim = spawn_sim(SimConfig {
        marketplaces: vec![UK.into(), DE.into(), SE.into()],
        ..sim_config(90, 400.0, "")
    })
    .await;
    let app = TestApp::builder().on(t).amazon_sim(&sim).spawn().await;
    let owner = app.owner().await;
    connect_in_settings(&app, &owner, &[UK, DE, SE]).await;
    let (status, synced) = send_json(
        owner
            .post(format!("{}/api/integrations/amazon/sync", app.address))
            .json(&serde_json::json!({"windowDays": 3650})),
    )
    .await;
    assert_eq!(
        (status, &synced["state"]),
        (200, &Value::from("done")),
        "{synced}"
    );

    // Every order the sync stored is in its marketplace and currency.
    let truth: BTreeMap<String, SimOrder> = sim
        .orders_snapshot()
        .into_iter()
        .map(|o| (o.order_id.clone(), o))
        .collect();
    let all = listed(&app, &owner, "").await;
    assert!(all.len() > 80, "{} orders synced", all.len());
    for (id, (market, currency)) in &all {
        let o = &truth[id];
        assert_eq!(market, &o.marketplace_id, "{id}");
        let expected = if o.total_pence().is_some() {
            Value::from(o.currency())
        } else {
            Value::Null
        };
        assert_eq!(currency, &expected, "{id}");
    }
    let markets: BTreeSet<&str> = all.values().map(|(m, _)| m.as_str()).collect();
    assert_eq!(markets, BTreeSet::from([DE, SE, UK]));

    // The listing filters by marketplace id or country code.
    let german = listed(&app, &owner, "&marketplace=de").await;
    let expected: BTreeSet<&String> = all
        .iter()
        .filter(|(_, (m, _))| m == DE)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(german.keys().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        listed(&app, &owner, &format!("&marketplace={SE}"))
            .await
            .len(),
        all.values().filter(|(m, _)| m == SE).count()
    );
    let bad = owner
        .get(format!(
            "{}/api/orders/amazon?marketplace=Mars",
            app.address
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(bad.status(), 400);

    // The table links each order to its marketplace and writes its currency.
    let priced = |market: &str| {
        truth
            .values()
            .filter(|o| o.marketplace_id == market && all.contains_key(&o.order_id))
            .find(|o| o.total_pence().is_some())
            .expect("a priced order")
    };
    let (de, se) = (priced(DE), priced(SE));
    for (o, host, amount) in [(de, "amazon.de", "€"), (se, "amazon.se", "\u{a0}kr")] {
        let page = get_text(
            &owner,
            format!("{}/orders/amazon?search={}", app.address, o.order_id),
        )
        .await;
        assert!(
            page.contains(&format!(
                "https://sellercentral.{host}/orders-v3/order/{}",
                o.order_id
            )),
            "{host} link: {page}"
        );
        assert!(page.contains(amount), "{amount}: {page}");
        assert!(page.contains(&format!("data-marketplace=\"{}\"", o.marketplace().country)));
    }
    let page = get_text(&owner, format!("{}/orders/amazon", app.address)).await;
    assert!(page.contains("All marketplaces") && page.contains(">Amazon.se</option>"));

    // Fees of a German sale reconcile in euros.
    let sold = {
        let events = sim.update_seller(|s| s.events.clone());
        truth
            .values()
            .filter(|o| o.marketplace_id == DE && all.contains_key(&o.order_id))
            .find(|o| {
                events
                    .iter()
                    .any(|e| e.order_id == o.order_id && e.kind == EventKind::Shipment)
            })
            .expect("a German order with a shipment event")
            .clone()
    };
    let units = sell(&app.db, &sold, 1_000).await;
    let (status, run) =
        send_json(owner.post(format!("{}/api/admin/reconcile-amazon-fees", app.address))).await;
    assert_eq!(status, 200, "{run}");
    let unit = get_json(
        &owner,
        format!("{}/api/inventory/{}", app.address, units[0][0]),
    )
    .await;
    assert_eq!(unit["fees"]["currency"], "EUR", "{unit}");
    assert!(
        unit["fees"]["gross_minor"].as_i64().is_some_and(|g| g > 0),
        "{unit}"
    );
    assert_eq!(
        unit["fees"]["profit_minor"],
        Value::Null,
        "a pound cost is not taken from euros"
    );
    sim.shutdown().await.expect("stop");
}

on_both_databases! {
    a_seller_on_three_marketplaces => three_marketplaces;
}
