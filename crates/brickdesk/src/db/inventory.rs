//! Inventory units.

use sea_query::{Expr, ExprTrait, InsertStatement, LikeExpr, Order, Query, SelectStatement};
use serde::Serialize;
use time::OffsetDateTime;

use super::schema::InventoryItems;
use super::{Db, DbError, Tx, from_row, now, stored_time};
use crate::domain::location::natural_sort_key;
use crate::domain::{Condition, InventoryItemId, InventoryStatus, Platform};

pub use crate::domain::inventory::{NewUnit, UnitDetails};

/// A unit as stored: the one model of an inventory unit. Serialized, it
/// is a unit's JSON shape in every API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InventoryRow {
    /// Row id.
    pub id: InventoryItemId,
    /// The fields people fill in.
    #[serde(flatten)]
    pub details: UnitDetails,
    /// When added (FIFO order).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
    /// When sold.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sold_at: Option<OffsetDateTime>,
    /// Sold price in minor units.
    pub sold_price_minor: Option<i64>,
    /// Order the unit was sold in.
    pub sold_order_ref: Option<String>,
    /// Platform it was sold on.
    #[serde(skip)]
    pub sold_platform: Option<Platform>,
}

// By name, so a query may read other columns beside a unit's (see
// `LinkedUnitRow`).
from_row!(InventoryRow, |row| {
    Ok(InventoryRow {
        id: row.try_get("id")?,
        details: UnitDetails {
            set_number: row.try_get("set_number")?,
            item_name: row.try_get("item_name")?,
            condition: row.try_get("condition")?,
            status: row.try_get("status")?,
            storage_location: row.try_get("storage_location")?,
            cost_minor: row.try_get("cost_minor")?,
            listing_price_minor: row.try_get("listing_price_minor")?,
            currency: row.try_get("currency")?,
            sku: row.try_get("sku")?,
            external_id: row.try_get("external_id")?,
            purchase_date: row.try_get("purchase_date")?,
            notes: row.try_get("notes")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        sold_at: row.try_get("sold_at")?,
        sold_price_minor: row.try_get("sold_price_minor")?,
        sold_order_ref: row.try_get("sold_order_ref")?,
        sold_platform: row.try_get("sold_platform")?,
    })
});

/// A unit's own fields, in [`UnitDetails`] order.
const OWN_COLUMNS: [InventoryItems; 12] = [
    InventoryItems::SetNumber,
    InventoryItems::ItemName,
    InventoryItems::Condition,
    InventoryItems::Status,
    InventoryItems::StorageLocation,
    InventoryItems::CostMinor,
    InventoryItems::ListingPriceMinor,
    InventoryItems::Currency,
    InventoryItems::Sku,
    InventoryItems::ExternalId,
    InventoryItems::PurchaseDate,
    InventoryItems::Notes,
];

/// The columns of [`InventoryRow`].
pub(crate) fn row_columns() -> impl Iterator<Item = InventoryItems> {
    std::iter::once(InventoryItems::Id)
        .chain(OWN_COLUMNS)
        .chain([
            InventoryItems::CreatedAt,
            InventoryItems::UpdatedAt,
            InventoryItems::SoldAt,
            InventoryItems::SoldPriceMinor,
            InventoryItems::SoldOrderRef,
            InventoryItems::SoldPlatform,
        ])
}

/// The text search matches against: Unicode lower case, so search is
/// case-insensitive on both engines. A unit record separator keeps fields
/// apart so a search never matches across two of them.
fn search_text(unit: &UnitDetails) -> String {
    search_text_of(
        &unit.set_number,
        &unit.item_name,
        unit.sku.as_deref(),
        unit.storage_location.as_deref(),
    )
}

/// [`search_text`] from the fields it covers (for writes that move a unit).
pub(crate) fn search_text_of(
    set_number: &str,
    item_name: &str,
    sku: Option<&str>,
    location: Option<&str>,
) -> String {
    [Some(set_number), Some(item_name), sku, location]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\u{1f}")
        .to_lowercase()
}

/// The columns a unit's own fields are written to, derived ones included,
/// in the order of [`unit_values`]: insert and update write the same.
fn unit_columns() -> impl Iterator<Item = InventoryItems> {
    OWN_COLUMNS
        .into_iter()
        .chain([InventoryItems::LocationSort, InventoryItems::SearchText])
}

/// The values of [`unit_columns`] for `unit`.
fn unit_values(unit: &UnitDetails) -> [Expr; 14] {
    [
        unit.set_number.clone().into(),
        unit.item_name.clone().into(),
        unit.condition.as_str().into(),
        unit.status.as_str().into(),
        unit.storage_location.clone().into(),
        unit.cost_minor.into(),
        unit.listing_price_minor.into(),
        unit.currency.as_str().into(),
        unit.sku.clone().into(),
        unit.external_id.clone().into(),
        unit.purchase_date.into(),
        unit.notes.clone().into(),
        unit.storage_location
            .as_deref()
            .and_then(natural_sort_key)
            .into(),
        search_text(unit).into(),
    ]
}

/// An `INSERT` of `units` (one row each, all stamped `at`) returning
/// their ids; [`insert`] and the CSV import's multi-row inserts share it.
pub(crate) fn insert_statement<'u>(
    units: impl IntoIterator<Item = &'u NewUnit>,
    at: OffsetDateTime,
) -> InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(InventoryItems::Table)
        .columns(unit_columns().chain([InventoryItems::CreatedAt, InventoryItems::UpdatedAt]))
        .returning_col(InventoryItems::Id);
    for unit in units {
        let stamps = [unit.created_at.map_or(at, stored_time).into(), at.into()];
        // The columns above, in their order: the counts always match.
        stmt.values_panic(unit_values(&unit.details).into_iter().chain(stamps));
    }
    stmt
}

/// Adds a unit and returns its id.
pub async fn insert(tx: &mut Tx, unit: &NewUnit) -> Result<InventoryItemId, DbError> {
    let stmt = insert_statement([unit], now());
    let (id,): (InventoryItemId,) = tx.one(&stmt).await?;
    Ok(id)
}

/// Number of units, optionally only those in one status.
pub async fn count(db: &Db, status: Option<InventoryStatus>) -> Result<i64, DbError> {
    let mut stmt = Query::select();
    stmt.expr(Expr::col(InventoryItems::Id).count())
        .from(InventoryItems::Table);
    if let Some(s) = status {
        stmt.and_where(Expr::col(InventoryItems::Status).eq(s));
    }
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// Column the inventory list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Oldest first (FIFO order); the default.
    #[default]
    CreatedAt,
    /// Set number.
    SetNumber,
    /// Storage location in natural order, empty last.
    Location,
    /// Listing price, unpriced last.
    ListingPrice,
}

/// Filters, order and page of an inventory listing.
#[derive(Debug, Clone, Default)]
pub struct InventoryQuery {
    /// Substring of set number, name, SKU or location (case-insensitive,
    /// taken literally: `%` and `_` match themselves).
    pub search: Option<String>,
    /// Only this status.
    pub status: Option<InventoryStatus>,
    /// Only this condition.
    pub condition: Option<Condition>,
    /// Only this exact location.
    pub location: Option<String>,
    /// Only units that can fill an order: BACKLOG or LISTED and not linked.
    pub sellable_unlinked: bool,
    /// Sort column.
    pub sort: SortBy,
    /// Newest/highest first instead.
    pub descending: bool,
    /// 0-based row offset.
    pub offset: u64,
    /// Rows to return (`None`: all, for export).
    pub limit: Option<u64>,
}

fn apply_filters(stmt: &mut SelectStatement, q: &InventoryQuery) {
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = LikeExpr::new(super::like_contains(search)).escape('\\');
        stmt.and_where(Expr::col(InventoryItems::SearchText).like(pattern));
    }
    if let Some(s) = q.status {
        stmt.and_where(Expr::col(InventoryItems::Status).eq(s));
    }
    if q.sellable_unlinked {
        stmt.and_where(
            Expr::col(InventoryItems::Status)
                .is_in([InventoryStatus::Backlog, InventoryStatus::Listed]),
        )
        .and_where(
            Expr::col(InventoryItems::Id).not_in_subquery(
                Query::select()
                    .column(super::schema::OrderItemLinks::InventoryItemId)
                    .from(super::schema::OrderItemLinks::Table)
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = q.condition {
        stmt.and_where(Expr::col(InventoryItems::Condition).eq(c));
    }
    if let Some(l) = q
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        stmt.and_where(Expr::col(InventoryItems::StorageLocation).eq(l));
    }
}

/// One page of units plus the number of units matching the filters.
pub async fn list(db: &Db, q: &InventoryQuery) -> Result<(Vec<InventoryRow>, i64), DbError> {
    let mut stmt = Query::select();
    stmt.columns(row_columns()).from(InventoryItems::Table);
    apply_filters(&mut stmt, q);
    let dir = if q.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    match q.sort {
        SortBy::CreatedAt => {
            stmt.order_by(InventoryItems::CreatedAt, dir.clone());
        }
        SortBy::SetNumber => {
            stmt.order_by(InventoryItems::SetNumber, dir.clone());
        }
        // Blank keys last in either direction, the same on both engines.
        SortBy::Location => {
            stmt.order_by_expr(
                Expr::col(InventoryItems::LocationSort).is_null(),
                Order::Asc,
            )
            .order_by(InventoryItems::LocationSort, dir.clone())
            .order_by(InventoryItems::StorageLocation, dir.clone());
        }
        SortBy::ListingPrice => {
            stmt.order_by_expr(
                Expr::col(InventoryItems::ListingPriceMinor).is_null(),
                Order::Asc,
            )
            .order_by(InventoryItems::ListingPriceMinor, dir.clone());
        }
    }
    stmt.order_by(InventoryItems::Id, dir);
    // SQLite accepts OFFSET only after a LIMIT.
    match (q.limit, q.offset) {
        (Some(limit), offset) => {
            stmt.limit(limit).offset(offset);
        }
        (None, 0) => {}
        (None, offset) => {
            stmt.limit(i64::MAX as u64).offset(offset);
        }
    }
    let rows = db.all(&stmt).await?;
    let mut count = Query::select();
    count
        .expr(Expr::col(InventoryItems::Id).count())
        .from(InventoryItems::Table);
    apply_filters(&mut count, q);
    let (total,): (i64,) = db.one(&count).await?;
    Ok((rows, total))
}

/// One unit by id.
pub async fn get(db: &Db, id: InventoryItemId) -> Result<Option<InventoryRow>, DbError> {
    let stmt = Query::select()
        .columns(row_columns())
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::Id).eq(id))
        .to_owned();
    db.optional(&stmt).await
}

/// One unit by id, inside a transaction.
pub async fn get_in(tx: &mut Tx, id: InventoryItemId) -> Result<Option<InventoryRow>, DbError> {
    let stmt = Query::select()
        .columns(row_columns())
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::Id).eq(id))
        .to_owned();
    tx.optional(&stmt).await
}

/// Distinct storage locations in natural order (for the filter select).
pub async fn locations(db: &Db) -> Result<Vec<String>, DbError> {
    let stmt = Query::select()
        .distinct()
        .columns([
            InventoryItems::StorageLocation,
            InventoryItems::LocationSort,
        ])
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::StorageLocation).is_not_null())
        .order_by(InventoryItems::LocationSort, Order::Asc)
        .order_by(InventoryItems::StorageLocation, Order::Asc)
        .to_owned();
    let rows: Vec<(String, Option<String>)> = db.all(&stmt).await?;
    Ok(rows.into_iter().map(|(l, _)| l).collect())
}

/// Replaces a unit's editable fields (everything but id, created_at and
/// the sold fields). Returns `false` when there is no such unit.
pub async fn update(tx: &mut Tx, id: InventoryItemId, unit: &UnitDetails) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(InventoryItems::Table)
        .values(
            unit_columns()
                .zip(unit_values(unit))
                .chain([(InventoryItems::UpdatedAt, now().into())]),
        )
        .and_where(Expr::col(InventoryItems::Id).eq(id))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
