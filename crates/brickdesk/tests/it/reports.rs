//! Profit reports: the report's totals are the sums of the units' stored
//! amounts (a property test over random fee events, refunds and costs, on
//! SQLite and PostgreSQL); the API, the CSV export, the page and the
//! stock view over HTTP.

mod changes;
mod http;

use std::collections::BTreeMap;

use brickdesk::db::fees::UnitFeesWrite;
use brickdesk::db::inventory::{NewUnit, UnitDetails};
use brickdesk::db::{self, Db};
use brickdesk::domain::fees::{Category, Component, EventKind, FeeSummary, UnitEntry};
use brickdesk::domain::profit::{Figure, Group, ReportRange, Totals};
use brickdesk::domain::{Currency, FeeEventId, InventoryItemId};
use brickdesk::reports;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use time_tz::OffsetDateTimeExt;
use time_tz::timezones::db::europe::LONDON;

use crate::helpers::{self, raw};

/// An amount of a fee event: sale or refund, category, minor units.
type Amount = (EventKind, Category, i64);

/// A sold unit as the property test makes it.
#[derive(Debug, Clone)]
struct Sold {
    currency: Currency,
    cost: Option<i64>,
    /// Hours after the start of 2025 it sold (both sides of the clock changes).
    sold_hours: i64,
    /// Days before selling it was bought (`None`: added, not bought).
    bought_days_before: Option<i64>,
    /// The currency of its fees and their amounts (kind, category, minor);
    /// `None`: no fee data at all.
    fees: Option<(Currency, Vec<Amount>)>,
}

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![Just(Currency::GBP), Just(Currency::EUR)]
}

fn entry() -> impl Strategy<Value = Amount> {
    (
        prop_oneof![Just(EventKind::Shipment), Just(EventKind::Refund)],
        (0..Category::ALL.len()).prop_map(|i| Category::ALL[i]),
        -60_000i64..60_000,
    )
}

fn sold() -> impl Strategy<Value = Sold> {
    (
        currency(),
        proptest::option::weighted(0.8, 0i64..50_000),
        0i64..(24 * 730),
        proptest::option::of(0i64..400),
        proptest::option::weighted(0.8, (currency(), proptest::collection::vec(entry(), 0..6))),
    )
        .prop_map(
            |(currency, cost, sold_hours, bought_days_before, fees)| Sold {
                currency,
                cost,
                sold_hours,
                bought_days_before,
                fees,
            },
        )
}

fn summary(entries: &[Amount]) -> FeeSummary {
    let entries: Vec<UnitEntry> = entries
        .iter()
        .enumerate()
        .map(|(i, (kind, category, minor))| UnitEntry {
            event_id: FeeEventId::new(i as i64 + 1).expect("id"),
            kind: *kind,
            component: Component {
                category: *category,
                amount_type: format!("T{i}"),
                minor: *minor,
            },
        })
        .collect();
    FeeSummary::from_entries(&entries)
}

const START: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);

/// Stores the units (sold, with their fees) after clearing the last case's.
async fn store(db: &Db, units: &[Sold]) -> Vec<InventoryItemId> {
    raw(db, "DELETE FROM unit_fees").await;
    raw(db, "DELETE FROM inventory_items").await;
    let mut tx = db.begin().await.expect("begin");
    let mut ids = Vec::new();
    for (n, u) in units.iter().enumerate() {
        let sold_at = START + Duration::hours(u.sold_hours);
        let id = db::inventory::insert(
            &mut tx,
            &NewUnit {
                details: UnitDetails {
                    cost_minor: u.cost,
                    currency: u.currency,
                    purchase_date: u
                        .bought_days_before
                        .map(|d| (sold_at - Duration::days(d)).date()),
                    ..UnitDetails::listed(format!("{}", 10_000 + n % 4), "Set")
                },
                created_at: Some(sold_at - Duration::days(3)),
            },
        )
        .await
        .expect("unit");
        db::fees::mark_sold(&mut tx, id, sold_at, Some(1_000), &format!("203-{n}"))
            .await
            .expect("sold");
        if let Some((fee_currency, entries)) = &u.fees {
            let s = summary(entries);
            db::fees::replace_unit_fees(
                &mut tx,
                &[UnitFeesWrite {
                    unit_id: id,
                    currency: *fee_currency,
                    summary: &s,
                    entries: &[],
                }],
            )
            .await
            .expect("fees");
        }
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids
}

/// The report of two years covering every unit, checked against the
/// units' stored rows three ways.
async fn check(db: &Db, units: &[Sold]) -> Result<(), TestCaseError> {
    let ids = store(db, units).await;
    let range = ReportRange::new(date!(2024 - 12 - 31), date!(2027 - 01 - 01), Group::Month)
        .expect("range");
    let report = reports::profit_report(db, range, LONDON, None)
        .await
        .expect("report");
    let lines = reports::unit_lines(db, &range, LONDON, None)
        .await
        .expect("lines");
    prop_assert_eq!(lines.len(), ids.len());

    // 1. The database's sums equal the rule applied unit by unit, in
    //    total and in each period (local days, across clock changes).
    let mut by_currency: BTreeMap<&str, (Totals, Vec<Totals>)> = BTreeMap::new();
    let periods = range.periods();
    for line in &lines {
        let entry = by_currency
            .entry(line.currency.as_str())
            .or_insert_with(|| (Totals::default(), vec![Totals::default(); periods.len()]));
        entry.0.add(&line.totals);
        let day = line.unit.sold_at.expect("sold").to_timezone(LONDON).date();
        let p = periods
            .iter()
            .position(|(s, e)| *s <= day && day <= *e)
            .expect("in a period");
        entry.1[p].add(&line.totals);
    }
    prop_assert_eq!(report.currencies.len(), by_currency.len());
    for c in &report.currencies {
        let (totals, per_period) = &by_currency[c.currency.as_str()];
        prop_assert_eq!(&c.totals, totals, "{}", c.currency);
        let theirs: Vec<Totals> = c.periods.iter().map(|p| p.2).collect();
        prop_assert_eq!(&theirs, per_period);
    }

    // 2. Against the stored amounts themselves: net payout and every
    //    charge and fee add up to the units' stored sums; cost is the
    //    stored cost of units costed in the currency they sold in.
    let fees = db::fees::fees_for_units(&mut db::Conn::Db(db), &ids)
        .await
        .expect("fees");
    for c in &report.currencies {
        let mine: Vec<_> = lines.iter().filter(|l| l.currency == c.currency).collect();
        let known: Vec<_> = mine
            .iter()
            .filter_map(|l| fees.get(&l.unit.id))
            .filter(|f| f.state != brickdesk::domain::fees::FeeState::NotPosted)
            .collect();
        let t = &c.totals;
        prop_assert_eq!(t.get(Figure::Units), mine.len() as i64);
        prop_assert_eq!(
            t.get(Figure::AwaitingFees),
            (mine.len() - known.len()) as i64
        );
        prop_assert_eq!(
            t.get(Figure::NetPayout),
            known.iter().map(|f| f.net_minor).sum::<i64>()
        );
        prop_assert_eq!(
            t.total_fees(),
            known.iter().map(|f| f.total_fees_minor).sum::<i64>()
        );
        prop_assert_eq!(
            t.get(Figure::GrossSales)
                + t.get(Figure::ShippingCredits)
                + t.get(Figure::OtherCharges)
                + t.get(Figure::Refunds),
            known
                .iter()
                .map(|f| f.gross_minor + f.shipping_credit_minor + f.other_charges_minor)
                .sum::<i64>()
        );
        prop_assert_eq!(
            t.get(Figure::Refunds),
            known.iter().map(|f| f.refunds_minor()).sum::<i64>()
        );
        let costed: i64 = mine
            .iter()
            .filter(|l| l.unit.details.currency == c.currency)
            .filter_map(|l| l.unit.details.cost_minor)
            .sum();
        prop_assert_eq!(t.get(Figure::CostOfGoods), costed);
        let profit: i64 = mine
            .iter()
            .filter_map(|l| {
                let f = fees.get(&l.unit.id)?;
                let cost = l
                    .unit
                    .details
                    .cost_minor
                    .filter(|_| l.unit.details.currency == f.currency)?;
                (f.state != brickdesk::domain::fees::FeeState::NotPosted)
                    .then(|| f.net_minor - cost)
            })
            .sum();
        prop_assert_eq!(t.get(Figure::Profit), profit);
    }
    Ok(())
}

#[test]
fn report_totals_are_the_sums_of_the_units_stored_amounts() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut dbs = vec![rt.block_on(helpers::sqlite())];
    dbs.extend(rt.block_on(helpers::postgres()));
    for t in &dbs {
        let mut runner = TestRunner::new(RunnerConfig {
            cases: 24,
            failure_persistence: None,
            ..RunnerConfig::default()
        });
        let outcome = runner.run(&proptest::collection::vec(sold(), 1..30), |units| {
            rt.block_on(check(&t.db, &units))
        });
        if let Err(e) = outcome {
            panic!("{}: {e}", t.url);
        }
    }
    drop(dbs);
}
