//! What the profit report and the stock view read. The report sums rows
//! of `unit_sales`: each sold unit's figures, which triggers keep from the
//! unit and its fees by the rule of `Totals::of_unit` (migration 0017), so
//! a report adds up a range of stored rows; a test holds the sums to the
//! rule applied unit by unit.

use sea_query::{Alias, Expr, ExprTrait, Iden, Order, Query, SelectStatement, Value};
use sqlx::{ColumnIndex, Decode, Type};
use time::{Date, OffsetDateTime};

use super::inventory::{InventoryRow, row_columns};
use super::schema::InventoryItems;
use super::{Backend, Db, DbError, from_row};
use crate::domain::profit::{Figure, Segment, Totals};
use crate::domain::{Currency, InventoryItemId, InventoryStatus};

/// Each sold unit's figures (migration 0017).
#[derive(Iden, Clone, Copy)]
enum UnitSales {
    Table,
    InventoryItemId,
    /// When it sold, in seconds since 1970 (UTC).
    SoldEpoch,
    Currency,
    SetNumber,
    ItemName,
    UnitsAwaitingFees,
    UnitsWithoutCost,
    UnitsAtLoss,
    Profit,
}

/// The `unit_sales` column of a figure (`None`: units, one per row).
fn figure_column(figure: Figure) -> Option<&'static str> {
    Some(match figure {
        Figure::Units => return None,
        Figure::AwaitingFees => "units_awaiting_fees",
        Figure::WithoutCost => "units_without_cost",
        Figure::AtLoss => "units_at_loss",
        Figure::GrossSales => "gross_sales",
        Figure::ShippingCredits => "shipping_credits",
        Figure::OtherCharges => "other_charges",
        Figure::Refunds => "refunds",
        Figure::Commission => "commission",
        Figure::FulfilmentFees => "fulfilment_fees",
        Figure::ClosingFees => "closing_fees",
        Figure::OtherFees => "other_fees",
        Figure::NetPayout => "net_payout",
        Figure::CostOfGoods => "cost_of_goods",
        Figure::Profit => "profit",
        Figure::ProfitRevenue => "profit_revenue",
        Figure::DaysInStock => "days_in_stock",
    })
}

/// Selects the sums of `figures`, in their order.
fn figure_sums(stmt: &mut SelectStatement, figures: &[Figure]) {
    for figure in figures {
        stmt.expr(Expr::cust(match figure_column(*figure) {
            None => "COUNT(*)".to_owned(),
            // PostgreSQL sums BIGINT as NUMERIC.
            Some(column) => format!("CAST(SUM(unit_sales.{column}) AS BIGINT)"),
        }));
    }
}

/// Reads what [`figure_sums`] selected of `figures`, from column `first`
/// on (figures not read stay zero).
fn read_figures<'r, R>(row: &'r R, first: usize, figures: &[Figure]) -> Result<Totals, sqlx::Error>
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut values = [0i64; Figure::ALL.len()];
    for (i, figure) in figures.iter().enumerate() {
        values[figure.index()] = row.try_get(first + i)?;
    }
    Ok(Totals::from_values(values))
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The local day of a sold unit, as days since 1970-01-01, given the UTC
/// offsets of the range.
fn local_day(segments: &[Segment], backend: Backend) -> Expr {
    let day = |offset: i32| format!("(unit_sales.sold_epoch + {offset}) / {DAY}");
    if let [only] = segments {
        return Expr::cust(day(only.offset_seconds));
    }
    let mut sql = String::from("CASE");
    let mut values: Vec<Value> = Vec::new();
    for s in segments {
        match s.until {
            Some(until) => {
                values.push(until.unix_timestamp().into());
                let p = placeholder(backend, values.len());
                sql.push_str(&format!(" WHEN unit_sales.sold_epoch < {p} THEN "));
            }
            None => sql.push_str(" ELSE "),
        }
        sql.push_str(&day(s.offset_seconds));
    }
    sql.push_str(" END");
    Expr::cust_with_values(sql, values)
}

/// Which sold units a report covers.
#[derive(Debug, Clone)]
pub struct SoldFilter {
    /// Sold at or after.
    pub start: OffsetDateTime,
    /// Sold before.
    pub end: OffsetDateTime,
    /// Only units sold in this currency.
    pub currency: Option<Currency>,
}

/// The figures of the units the filter covers.
fn sales(filter: &SoldFilter) -> SelectStatement {
    let mut stmt = Query::select();
    stmt.from(UnitSales::Table)
        .and_where(
            Expr::col((UnitSales::Table, UnitSales::SoldEpoch)).gte(filter.start.unix_timestamp()),
        )
        .and_where(
            Expr::col((UnitSales::Table, UnitSales::SoldEpoch)).lt(filter.end.unix_timestamp()),
        );
    if let Some(currency) = filter.currency {
        stmt.and_where(Expr::col((UnitSales::Table, UnitSales::Currency)).eq(currency));
    }
    stmt
}

/// A currency's figures on one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    /// The currency the units sold in.
    pub currency: Currency,
    /// The seller's local day.
    pub day: Date,
    /// Its figures.
    pub totals: Totals,
}

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

from_row!(DayTotals, |row| {
    let days: i64 = row.try_get(1)?;
    let day = i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|jd| Date::from_julian_day(jd).ok())
        .ok_or_else(|| sqlx::Error::Decode(format!("day {days} is out of range").into()))?;
    Ok(DayTotals {
        currency: row.try_get(0)?,
        day,
        totals: read_figures(row, 2, &Figure::ALL)?,
    })
});

/// The report's figures per currency and local day (`segments`: the UTC
/// offsets of the range, from `offset_segments`).
pub async fn totals_by_day(
    db: &Db,
    filter: &SoldFilter,
    segments: &[Segment],
) -> Result<Vec<DayTotals>, DbError> {
    let mut stmt = sales(filter);
    stmt.column((UnitSales::Table, UnitSales::Currency))
        .expr(local_day(segments, db.backend()));
    figure_sums(&mut stmt, &Figure::ALL);
    stmt.add_group_by([Expr::cust("1"), Expr::cust("2")]);
    db.all(&stmt).await
}

/// What the sets' rankings read: units, profit and the revenue margins
/// divide by.
const SET_FIGURES: [Figure; 3] = [Figure::Units, Figure::Profit, Figure::ProfitRevenue];

/// A set's units with a profit (fees and cost known) in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetTotals {
    /// The currency.
    pub currency: Currency,
    /// Set number.
    pub set_number: String,
    /// Its name (the first, where units name it differently).
    pub item_name: String,
    /// Their units, profit and revenue ([`SET_FIGURES`]; the other
    /// figures are not read).
    pub totals: Totals,
}

from_row!(SetTotals, |row| {
    Ok(SetTotals {
        currency: row.try_get(0)?,
        set_number: row.try_get(1)?,
        item_name: row.try_get(2)?,
        totals: read_figures(row, 3, &SET_FIGURES)?,
    })
});

/// Units, profit and revenue of each set whose units have a profit (units
/// without one are left out).
pub async fn totals_by_set(db: &Db, filter: &SoldFilter) -> Result<Vec<SetTotals>, DbError> {
    let mut stmt = sales(filter);
    stmt.column((UnitSales::Table, UnitSales::Currency))
        .column((UnitSales::Table, UnitSales::SetNumber))
        .expr(Expr::col((UnitSales::Table, UnitSales::ItemName)).min());
    figure_sums(&mut stmt, &SET_FIGURES);
    stmt.and_where(Expr::col((UnitSales::Table, UnitSales::UnitsAwaitingFees)).eq(0))
        .and_where(Expr::col((UnitSales::Table, UnitSales::UnitsWithoutCost)).eq(0))
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    db.all(&stmt).await
}

/// A unit sold for less than it cost.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LossUnit {
    /// The unit.
    pub id: InventoryItemId,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// The currency it sold in.
    pub currency: Currency,
    /// Its profit (below zero).
    pub profit_minor: i64,
}

/// The units sold at the largest losses, worst first: `limit` per currency.
pub async fn worst_losses(
    db: &Db,
    filter: &SoldFilter,
    limit: u64,
) -> Result<Vec<LossUnit>, DbError> {
    let mut ranked = sales(filter);
    ranked
        .expr_as(
            Expr::col((UnitSales::Table, UnitSales::InventoryItemId)),
            Alias::new("id"),
        )
        .column((UnitSales::Table, UnitSales::SetNumber))
        .column((UnitSales::Table, UnitSales::ItemName))
        .column((UnitSales::Table, UnitSales::Currency))
        .expr_as(
            Expr::col((UnitSales::Table, UnitSales::Profit)),
            Alias::new("profit_minor"),
        )
        // Each currency its own worst, not the worst of all currencies.
        .expr_as(
            Expr::cust(
                "ROW_NUMBER() OVER (PARTITION BY unit_sales.currency \
                 ORDER BY unit_sales.profit, unit_sales.inventory_item_id)",
            ),
            Alias::new("rank"),
        )
        .and_where(Expr::col((UnitSales::Table, UnitSales::UnitsAtLoss)).eq(1));
    let stmt = Query::select()
        .columns(["id", "set_number", "item_name", "currency", "profit_minor"].map(Alias::new))
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rank")).lte(limit))
        .order_by(Alias::new("currency"), Order::Asc)
        .order_by(Alias::new("rank"), Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// The `n`th (1-based) value of a custom expression: sea-query reads `?`
/// in SQLite's and `$n` in PostgreSQL's.
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".into(),
        Backend::Postgres => format!("${n}"),
    }
}

/// Every unit the filter covers, in the order sold (for the CSV export):
/// the units of [`sales`], read from their own rows.
pub async fn sold_unit_rows(db: &Db, filter: &SoldFilter) -> Result<Vec<InventoryRow>, DbError> {
    let mut stmt = sales(filter);
    stmt.columns(row_columns().map(|c| (InventoryItems::Table, c)))
        .inner_join(
            InventoryItems::Table,
            Expr::col((InventoryItems::Table, InventoryItems::Id))
                .equals((UnitSales::Table, UnitSales::InventoryItemId)),
        )
        .order_by((InventoryItems::Table, InventoryItems::SoldAt), Order::Asc)
        .order_by((InventoryItems::Table, InventoryItems::Id), Order::Asc);
    db.all(&stmt).await
}

/// Units not sold, and what they cost, under one key.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StockLine {
    /// The status, location (empty: none) or age band.
    pub key: String,
    /// Currency of the costs.
    pub currency: Currency,
    /// Units.
    pub units: i64,
    /// Their cost added up (units without a cost add nothing).
    pub cost_minor: i64,
    /// Units without a cost.
    pub without_cost: i64,
}

/// How the stock is broken down.
#[derive(Debug, Clone, Copy)]
pub enum StockBy<'a> {
    /// By status.
    Status,
    /// By storage location.
    Location,
    /// By age: `bands` are (label, first day acquired), youngest first;
    /// units acquired before the last band's day fall in `older`.
    Age {
        /// Bands and the first day each covers.
        bands: &'a [(&'static str, Date)],
        /// The band of the oldest units.
        older: &'static str,
    },
}

/// Units not sold yet (every status but SOLD), summed by `by` and currency.
pub async fn stock(db: &Db, by: StockBy<'_>) -> Result<Vec<StockLine>, DbError> {
    let acquired = match db.backend() {
        Backend::Sqlite => "COALESCE(purchase_date, substr(created_at, 1, 10))",
        Backend::Postgres => "COALESCE(purchase_date, (created_at AT TIME ZONE 'UTC')::date)",
    };
    let key = match by {
        StockBy::Status => Expr::col(InventoryItems::Status),
        StockBy::Location => Expr::cust("COALESCE(storage_location, '')"),
        StockBy::Age { bands, older } => {
            let mut sql = String::from("CASE");
            let mut values: Vec<Value> = Vec::new();
            for (label, since) in bands {
                values.push((*since).into());
                let p = placeholder(db.backend(), values.len());
                sql.push_str(&format!(" WHEN {acquired} >= {p} THEN '{label}'"));
            }
            sql.push_str(&format!(" ELSE '{older}' END"));
            Expr::cust_with_values(sql, values)
        }
    };
    let mut stmt = Query::select();
    stmt.expr_as(key, sea_query::Alias::new("key"))
        .column(InventoryItems::Currency)
        .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("units"))
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT)"),
            sea_query::Alias::new("cost_minor"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(CASE WHEN cost_minor IS NULL THEN 1 ELSE 0 END) AS BIGINT)"),
            sea_query::Alias::new("without_cost"),
        )
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::Status).ne(InventoryStatus::Sold))
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    db.all(&stmt).await
}
