//! Profit reports and the stock view (DESIGN.md "Profit"): the database's
//! sums per currency and day made into reports per period, the per-unit
//! lines of the CSV export, and the charts.

pub mod chart;
pub mod units_csv;

use time::{Date, UtcOffset};
use time_tz::Tz;

use crate::db::fees::UnitFeesRow;
use crate::db::inventory::InventoryRow;
use crate::db::reports::{LossUnit, SetTotals, SoldFilter, StockBy, StockLine};
use crate::db::{self, Db, DbError};
use crate::domain::Currency;
use crate::domain::profit::{self, CurrencyReport, ReportRange, Totals};

/// A profit report: each currency's totals and periods over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfitReport {
    /// The range and its periods.
    pub range: ReportRange,
    /// One report per currency units sold in, by currency code.
    pub currencies: Vec<CurrencyReport>,
}

/// Which units a range covers in the seller's time zone.
pub fn sold_filter(range: &ReportRange, tz: &Tz, currency: Option<Currency>) -> SoldFilter {
    let (start, end) = range.instants(tz);
    SoldFilter {
        start,
        end,
        currency,
    }
}

/// Runs of days a report reads at once, each on its own connection, so
/// a long range is summed on more than one core.
const SLICES: i64 = 2;

/// The report of `range` in `tz` (one currency, or all).
pub async fn profit_report(
    db: &Db,
    range: ReportRange,
    tz: &Tz,
    currency: Option<Currency>,
) -> Result<ProfitReport, DbError> {
    let reads = range
        .slices(SLICES, tz)
        .into_iter()
        .map(|(start, end)| async move {
            let filter = SoldFilter {
                start,
                end,
                currency,
            };
            let segments = profit::offset_segments(start, end, tz);
            db::reports::totals_by_day(db, &filter, &segments).await
        });
    let by_day: Vec<(Currency, Date, Totals)> = futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .map(|d| (d.currency, d.day, d.totals))
        .collect();
    Ok(ProfitReport {
        currencies: profit::per_currency(&range, &by_day),
        range,
    })
}

/// What the report page adds to the report: sets and losses.
#[derive(Debug, Clone)]
pub struct ProfitDetail {
    /// Each set's figures (units with a profit only).
    pub sets: Vec<SetTotals>,
    /// The worst losses.
    pub losses: Vec<LossUnit>,
}

/// Units sold at a loss the page lists.
const LOSSES_SHOWN: u64 = 10;

/// Sets and losses of `range`.
pub async fn profit_detail(
    db: &Db,
    range: &ReportRange,
    tz: &Tz,
    currency: Option<Currency>,
) -> Result<ProfitDetail, DbError> {
    let filter = sold_filter(range, tz, currency);
    let (sets, losses) = tokio::try_join!(
        db::reports::totals_by_set(db, &filter),
        db::reports::worst_losses(db, &filter, LOSSES_SHOWN),
    )?;
    Ok(ProfitDetail { sets, losses })
}

/// A sold unit in the CSV export: the unit, its fees and its figures.
#[derive(Debug, Clone)]
pub struct UnitLine {
    /// The unit.
    pub unit: InventoryRow,
    /// Its stored fees, if any.
    pub fees: Option<UnitFeesRow>,
    /// The currency it sold in.
    pub currency: Currency,
    /// Its figures (`Totals::of_unit`).
    pub totals: Totals,
}

/// A sold unit's currency and figures: it sold in its fees' currency (its
/// own until they are known); its cost counts only in that currency.
pub fn unit_totals(unit: &InventoryRow, fees: Option<&UnitFeesRow>) -> (Currency, Totals) {
    let currency = fees.map_or(unit.details.currency, |f| f.currency);
    let cost = unit
        .details
        .cost_minor
        .filter(|_| unit.details.currency == currency);
    let acquired = unit
        .details
        .purchase_date
        .unwrap_or_else(|| unit.created_at.to_offset(UtcOffset::UTC).date());
    let sold = unit
        .sold_at
        .map_or(acquired, |at| at.to_offset(UtcOffset::UTC).date());
    let sale = fees.and_then(UnitFeesRow::sale);
    let totals = Totals::of_unit(sale.as_ref(), cost, profit::days_in_stock(acquired, sold));
    (currency, totals)
}

impl UnitLine {
    /// A sold unit's line ([`unit_totals`]).
    pub fn new(unit: InventoryRow, fees: Option<UnitFeesRow>) -> UnitLine {
        let (currency, totals) = unit_totals(&unit, fees.as_ref());
        UnitLine {
            unit,
            fees,
            currency,
            totals,
        }
    }

    /// Whether Amazon's fees for it are known.
    pub fn fees_known(&self) -> bool {
        self.totals.get(profit::Figure::AwaitingFees) == 0
    }
}

/// Every unit `range` covers, with its figures, in the order sold.
pub async fn unit_lines(
    db: &Db,
    range: &ReportRange,
    tz: &Tz,
    currency: Option<Currency>,
) -> Result<Vec<UnitLine>, DbError> {
    let units = db::reports::sold_unit_rows(db, &sold_filter(range, tz, currency)).await?;
    let ids: Vec<_> = units.iter().map(|u| u.id).collect();
    let mut fees = db::fees::fees_for_units(&mut db::Conn::Db(db), &ids).await?;
    Ok(units
        .into_iter()
        .map(|unit| {
            let unit_fees = fees.remove(&unit.id);
            UnitLine::new(unit, unit_fees)
        })
        .collect())
}

/// The age bands of the stock view, youngest first: each band's label
/// and its oldest unit's age in days.
pub const AGE_BANDS: [(&str, i64); 3] =
    [("0–30 days", 30), ("31–90 days", 90), ("91–180 days", 180)];

/// The band of units older than every band above.
pub const OLDEST_BAND: &str = "over 180 days";

/// What is in stock, three ways.
#[derive(Debug, Clone)]
pub struct Stock {
    /// By status.
    pub by_status: Vec<StockLine>,
    /// By storage location.
    pub by_location: Vec<StockLine>,
    /// By age band ([`AGE_BANDS`], then [`OLDEST_BAND`]).
    pub by_age: Vec<StockLine>,
}

/// The stock on `today` (the seller's local day).
pub async fn stock(db: &Db, today: Date) -> Result<Stock, DbError> {
    let bands: Vec<(&'static str, Date)> = AGE_BANDS
        .iter()
        .map(|(label, days)| (*label, today - time::Duration::days(*days)))
        .collect();
    Ok(Stock {
        by_status: db::reports::stock(db, StockBy::Status).await?,
        by_location: db::reports::stock(db, StockBy::Location).await?,
        by_age: db::reports::stock(
            db,
            StockBy::Age {
                bands: &bands,
                older: OLDEST_BAND,
            },
        )
        .await?,
    })
}
