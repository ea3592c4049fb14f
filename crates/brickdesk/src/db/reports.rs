//! What the profit report and the stock view read. Sold units are summed
//! in the database per currency, local day and class (fees known, cost
//! known, sold at a loss): a few rows a day, not one per unit, which
//! `Totals::of_units` makes figures of; a test holds the result to the
//! rule applied unit by unit.

use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, Value};
use sqlx::{ColumnIndex, Decode, Type};
use time::{Date, OffsetDateTime};

use super::fees::join_unit_fees;
use super::inventory::{InventoryRow, row_columns};
use super::schema::InventoryItems;
use super::{Backend, Db, DbError};
use crate::domain::profit::{Sale, Segment, Totals, UnitClass, UnitSums};
use crate::domain::{Currency, InventoryItemId, InventoryStatus, Platform};

/// Whether a unit's fees are known (posted, with fees or none).
const KNOWN: &str = "unit_fees.state IN ('reconciled', 'zero')";
/// The currency a unit sold in: its fees', else its own.
const CURRENCY: &str = "COALESCE(unit_fees.currency, inventory_items.currency)";
/// Whether a unit's cost is known in the currency it sold in.
const COST_KNOWN: &str = "(inventory_items.cost_minor IS NOT NULL \
     AND inventory_items.currency = COALESCE(unit_fees.currency, inventory_items.currency))";

/// The `n`th (1-based) value of a custom expression: sea-query reads `?`
/// in SQLite's and `$n` in PostgreSQL's.
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".into(),
        Backend::Postgres => format!("${n}"),
    }
}

/// What is summed per class of units, in [`read_class`]'s order after the
/// unit count: days in stock, the sale as `UnitFeesRow::sale` splits it,
/// and the cost. Units without fee data add nothing (SQL sums skip NULL).
fn summed(backend: Backend) -> [&'static str; 11] {
    [
        // UTC days, as `days_in_stock` counts them from the stored values.
        match backend {
            Backend::Sqlite => {
                "MAX(0, CAST(julianday(substr(inventory_items.sold_at, 1, 10)) \
                 - julianday(COALESCE(inventory_items.purchase_date, substr(inventory_items.created_at, 1, 10))) AS INTEGER))"
            }
            Backend::Postgres => {
                "GREATEST(0, (inventory_items.sold_at AT TIME ZONE 'UTC')::date \
                 - COALESCE(inventory_items.purchase_date, (inventory_items.created_at AT TIME ZONE 'UTC')::date))"
            }
        },
        "unit_fees.gross_minor - unit_fees.refunded_principal_minor",
        "unit_fees.shipping_credit_minor - unit_fees.refunded_shipping_minor",
        "unit_fees.other_charges_minor - unit_fees.refunded_other_charges_minor",
        "unit_fees.refunded_principal_minor + unit_fees.refunded_shipping_minor \
         + unit_fees.refunded_other_charges_minor",
        "unit_fees.commission_minor",
        "unit_fees.fulfilment_fees_minor",
        "unit_fees.closing_fees_minor",
        "unit_fees.refund_commission_minor + unit_fees.digital_services_fees_minor \
         + unit_fees.other_fees_minor",
        "unit_fees.net_minor",
        "inventory_items.cost_minor",
    ]
}

/// Adds a unit's class (three flags) and the class's count and sums, to
/// be grouped by after the query's own keys: one row per class, not per
/// unit, and `Totals::of_units` turns it into figures.
fn class_and_sums(stmt: &mut SelectStatement, backend: Backend) {
    for flag in [
        KNOWN.to_owned(),
        COST_KNOWN.to_owned(),
        format!("{KNOWN} AND {COST_KNOWN} AND unit_fees.net_minor < inventory_items.cost_minor"),
    ] {
        stmt.expr(Expr::cust(format!(
            "CASE WHEN {flag} THEN TRUE ELSE FALSE END"
        )));
    }
    stmt.expr(Expr::cust("COUNT(*)"));
    for amount in summed(backend) {
        stmt.expr(Expr::cust(format!(
            "CAST(COALESCE(SUM({amount}), 0) AS BIGINT)"
        )));
    }
}

/// `GROUP BY` the first `keys` columns and the class.
fn group_by_class(stmt: &mut SelectStatement, keys: usize) {
    stmt.add_group_by((1..=keys + 3).map(|i| Expr::cust(i.to_string())));
}

/// Reads what [`class_and_sums`] selected, from column `first` on.
fn read_class<'r, R>(row: &'r R, first: usize) -> Result<Totals, sqlx::Error>
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    let class = UnitClass {
        fees_known: row.try_get(first)?,
        cost_known: row.try_get(first + 1)?,
        at_loss: row.try_get(first + 2)?,
    };
    let n = |i: usize| row.try_get::<i64, _>(first + 3 + i);
    let sums = UnitSums {
        units: n(0)?,
        days_in_stock: n(1)?,
        sale: Sale {
            gross_sales: n(2)?,
            shipping_credits: n(3)?,
            other_charges: n(4)?,
            refunds: n(5)?,
            commission: n(6)?,
            fulfilment_fees: n(7)?,
            closing_fees: n(8)?,
            other_fees: n(9)?,
            net_payout: n(10)?,
        },
        cost: n(11)?,
    };
    Ok(Totals::of_units(class, &sums))
}

/// The local day of `inventory_items.sold_at`, as `YYYY-MM-DD` text,
/// given the UTC offsets of the range.
fn local_day(segments: &[Segment], backend: Backend) -> Expr {
    let day = |offset: i32| match backend {
        Backend::Sqlite => format!("date(inventory_items.sold_at, '{offset:+} seconds')"),
        Backend::Postgres => format!(
            "to_char((inventory_items.sold_at AT TIME ZONE 'UTC') + interval '{offset} seconds', 'YYYY-MM-DD')"
        ),
    };
    if let [only] = segments {
        return Expr::cust(day(only.offset_seconds));
    }
    let mut sql = String::from("CASE");
    let mut values: Vec<Value> = Vec::new();
    for s in segments {
        match s.until {
            Some(until) => {
                values.push(until.into());
                let p = placeholder(backend, values.len());
                sql.push_str(&format!(" WHEN inventory_items.sold_at < {p} THEN "));
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

/// Amazon units sold (or since returned) in the filter's range, joined to
/// their fees.
fn sold_units(filter: &SoldFilter, backend: Backend) -> SelectStatement {
    let mut stmt = Query::select();
    stmt.from(InventoryItems::Table);
    join_unit_fees(&mut stmt)
        .and_where(
            Expr::col((InventoryItems::Table, InventoryItems::SoldPlatform)).eq(Platform::Amazon),
        )
        .and_where(
            Expr::col((InventoryItems::Table, InventoryItems::Status))
                .is_in([InventoryStatus::Sold, InventoryStatus::Returned]),
        )
        .and_where(Expr::col((InventoryItems::Table, InventoryItems::SoldAt)).gte(filter.start))
        .and_where(Expr::col((InventoryItems::Table, InventoryItems::SoldAt)).lt(filter.end));
    if let Some(currency) = filter.currency {
        let p = placeholder(backend, 1);
        stmt.and_where(Expr::cust_with_values(
            format!("{CURRENCY} = {p}"),
            [currency],
        ));
    }
    stmt
}

/// A currency's figures on one local day (one class of units: a day
/// comes back once per class).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    /// The currency the units sold in.
    pub currency: Currency,
    /// The seller's local day.
    pub day: Date,
    /// Its figures.
    pub totals: Totals,
}

impl<'r, R> sqlx::FromRow<'r, R> for DayTotals
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    &'r str: Decode<'r, R::Database> + Type<R::Database>,
    Currency: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let text: &str = row.try_get(1)?;
        let day = Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|e| sqlx::Error::Decode(format!("'{text}' is not a day: {e}").into()))?;
        Ok(DayTotals {
            currency: row.try_get(0)?,
            day,
            totals: read_class(row, 2)?,
        })
    }
}

/// The report's figures per currency and local day (`segments`: the UTC
/// offsets of the range, from `offset_segments`).
pub async fn totals_by_day(
    db: &Db,
    filter: &SoldFilter,
    segments: &[Segment],
) -> Result<Vec<DayTotals>, DbError> {
    let backend = db.backend();
    let mut stmt = sold_units(filter, backend);
    stmt.expr(Expr::cust(CURRENCY))
        .expr(local_day(segments, backend));
    class_and_sums(&mut stmt, backend);
    group_by_class(&mut stmt, 2);
    db.all(&stmt).await
}

/// A set's units with a profit (fees and cost known) in one currency:
/// how many, their profit and the revenue their margin divides by (the
/// other figures are not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetTotals {
    /// The currency.
    pub currency: Currency,
    /// Set number.
    pub set_number: String,
    /// Its name (the first, where units name it differently).
    pub item_name: String,
    /// Units, profit and revenue.
    pub totals: Totals,
}

impl<'r, R> sqlx::FromRow<'r, R> for SetTotals
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Currency: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let class = UnitClass {
            fees_known: true,
            cost_known: true,
            at_loss: false,
        };
        // Revenue is what a sale's charges come to after refunds.
        let sums = UnitSums {
            units: row.try_get(3)?,
            sale: Sale {
                gross_sales: row.try_get(4)?,
                net_payout: row.try_get(5)?,
                ..Sale::default()
            },
            cost: row.try_get(6)?,
            days_in_stock: 0,
        };
        Ok(SetTotals {
            currency: row.try_get(0)?,
            set_number: row.try_get(1)?,
            item_name: row.try_get(2)?,
            totals: Totals::of_units(class, &sums),
        })
    }
}

/// Units, profit and revenue of each set whose units have a profit.
pub async fn totals_by_set(db: &Db, filter: &SoldFilter) -> Result<Vec<SetTotals>, DbError> {
    let mut stmt = sold_units(filter, db.backend());
    stmt.expr(Expr::cust(CURRENCY))
        .column((InventoryItems::Table, InventoryItems::SetNumber))
        .expr(Expr::col((InventoryItems::Table, InventoryItems::ItemName)).min())
        .expr(Expr::cust("COUNT(*)"));
    for amount in [
        "unit_fees.gross_minor + unit_fees.shipping_credit_minor + unit_fees.other_charges_minor",
        "unit_fees.net_minor",
        "inventory_items.cost_minor",
    ] {
        stmt.expr(Expr::cust(format!("CAST(SUM({amount}) AS BIGINT)")));
    }
    stmt.and_where(Expr::cust(format!("{KNOWN} AND {COST_KNOWN}")))
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
    let loss = "unit_fees.net_minor - inventory_items.cost_minor";
    let mut ranked = sold_units(filter, db.backend());
    ranked
        .column((InventoryItems::Table, InventoryItems::Id))
        .column((InventoryItems::Table, InventoryItems::SetNumber))
        .column((InventoryItems::Table, InventoryItems::ItemName))
        .expr_as(Expr::cust(CURRENCY), sea_query::Alias::new("currency"))
        .expr_as(Expr::cust(loss), sea_query::Alias::new("profit_minor"))
        // Each currency its own worst, not the worst of all currencies.
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {CURRENCY} ORDER BY {loss}, inventory_items.id)"
            )),
            sea_query::Alias::new("rank"),
        )
        .and_where(Expr::cust(format!(
            "{KNOWN} AND {COST_KNOWN} AND unit_fees.net_minor < inventory_items.cost_minor"
        )));
    let stmt = Query::select()
        .columns(
            ["id", "set_number", "item_name", "currency", "profit_minor"]
                .map(sea_query::Alias::new),
        )
        .from_subquery(ranked, sea_query::Alias::new("ranked"))
        .and_where(Expr::col(sea_query::Alias::new("rank")).lte(limit))
        .order_by(sea_query::Alias::new("currency"), Order::Asc)
        .order_by(sea_query::Alias::new("rank"), Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// Every unit the filter covers, in the order sold (for the CSV export).
pub async fn sold_unit_rows(db: &Db, filter: &SoldFilter) -> Result<Vec<InventoryRow>, DbError> {
    let mut stmt = sold_units(filter, db.backend());
    stmt.columns(row_columns().map(|c| (InventoryItems::Table, c)))
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
