//! The report's stored figures follow every change to a sold unit, by
//! whatever statement it is made: cost, fees, sale undone, unit deleted.

use brickdesk::db::Db;
use brickdesk::domain::Currency;
use brickdesk::domain::fees::{Category, EventKind};
use brickdesk::domain::profit::{Figure, Group, ReportRange, Totals};
use brickdesk::reports;
use time::macros::date;
use time_tz::timezones::db::europe::LONDON;

use super::{Sold, store};
use crate::helpers::{self, raw};

/// The report's totals in GBP, after checking they equal the units' own
/// figures worked out from their rows.
async fn gbp_totals(db: &Db) -> Totals {
    let range = ReportRange::new(date!(2024 - 12 - 31), date!(2027 - 01 - 01), Group::Month)
        .expect("range");
    let report = reports::profit_report(db, range, LONDON, Some(Currency::GBP))
        .await
        .expect("report");
    let mut from_units = Totals::default();
    for line in reports::unit_lines(db, &range, LONDON, Some(Currency::GBP))
        .await
        .expect("lines")
    {
        from_units.add(&line.totals);
    }
    let totals = report
        .currencies
        .first()
        .map(|c| c.totals)
        .unwrap_or_default();
    assert_eq!(totals, from_units, "stored figures against the units' rows");
    totals
}

#[tokio::test]
async fn the_report_follows_each_change_to_a_sold_unit() {
    let mut dbs = vec![helpers::sqlite().await];
    dbs.extend(helpers::postgres().await);
    for t in &dbs {
        let db = &t.db;
        let ids = store(
            db,
            &[Sold {
                currency: Currency::GBP,
                cost: Some(1_000),
                sold_hours: 24 * 40,
                bought_days_before: Some(10),
                fees: Some((
                    Currency::GBP,
                    vec![
                        (EventKind::Shipment, Category::Principal, 2_999),
                        (EventKind::Shipment, Category::Commission, -450),
                    ],
                )),
            }],
        )
        .await;
        let id = ids[0].get();
        let totals = gbp_totals(db).await;
        assert_eq!(totals.get(Figure::Profit), 2_999 - 450 - 1_000, "{}", t.url);
        assert_eq!(totals.get(Figure::DaysInStock), 10);

        raw(
            db,
            &format!("UPDATE inventory_items SET cost_minor = 3000 WHERE id = {id}"),
        )
        .await;
        let totals = gbp_totals(db).await;
        assert_eq!(totals.get(Figure::Profit), 2_999 - 450 - 3_000, "{}", t.url);
        assert_eq!(totals.get(Figure::AtLoss), 1);

        raw(
            db,
            &format!("UPDATE unit_fees SET net_minor = 4000 WHERE inventory_item_id = {id}"),
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Profit), 1_000, "{}", t.url);

        raw(
            db,
            &format!("DELETE FROM unit_fees WHERE inventory_item_id = {id}"),
        )
        .await;
        let totals = gbp_totals(db).await;
        assert_eq!(totals.get(Figure::AwaitingFees), 1, "{}", t.url);
        assert_eq!(totals.get(Figure::NetPayout), 0);
        assert_eq!(totals.get(Figure::CostOfGoods), 3_000);

        raw(
            db,
            &format!("UPDATE inventory_items SET currency = 'EUR' WHERE id = {id}"),
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Units), 0, "{}", t.url);
        raw(
            db,
            &format!("UPDATE inventory_items SET currency = 'GBP' WHERE id = {id}"),
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Units), 1, "{}", t.url);

        raw(
            db,
            &format!(
                "UPDATE inventory_items SET status = 'LISTED', sold_at = NULL, sold_platform = NULL WHERE id = {id}"
            ),
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Units), 0, "{}", t.url);

        let again = store(
            db,
            &[Sold {
                currency: Currency::GBP,
                cost: None,
                sold_hours: 24 * 400,
                bought_days_before: None,
                fees: None,
            }],
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Units), 1, "{}", t.url);
        raw(
            db,
            &format!("DELETE FROM inventory_items WHERE id = {}", again[0].get()),
        )
        .await;
        assert_eq!(gbp_totals(db).await.get(Figure::Units), 0, "{}", t.url);
    }
}
