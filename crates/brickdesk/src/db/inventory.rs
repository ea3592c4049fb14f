//! Inventory units.

use sea_query::{Expr, ExprTrait, Query};
use time::{Date, OffsetDateTime};

use super::schema::InventoryItems;
use super::{Db, DbError, Tx, now, stored_time};
use crate::domain::{Condition, Currency, InventoryItemId, InventoryStatus};

/// A unit to add.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// LEGO set number.
    pub set_number: String,
    /// Set name.
    pub item_name: String,
    /// Condition.
    pub condition: Condition,
    /// Status.
    pub status: InventoryStatus,
    /// Where it is stored.
    pub storage_location: Option<String>,
    /// What it cost, in minor units.
    pub cost_minor: Option<i64>,
    /// Asking price, in minor units.
    pub listing_price_minor: Option<i64>,
    /// Currency of cost and price.
    pub currency: Currency,
    /// Seller SKU, unique when present.
    pub sku: Option<String>,
    /// Id in another system, unique when present.
    pub external_id: Option<String>,
    /// When it was bought.
    pub purchase_date: Option<Date>,
    /// Free text.
    pub notes: Option<String>,
    /// When it was added; drives FIFO. `None` means now.
    pub created_at: Option<OffsetDateTime>,
}

/// Adds a unit and returns its id.
pub async fn insert(tx: &mut Tx, unit: &NewUnit) -> Result<InventoryItemId, DbError> {
    let at = now();
    let stmt = Query::insert()
        .into_table(InventoryItems::Table)
        .columns([
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
            InventoryItems::CreatedAt,
            InventoryItems::UpdatedAt,
        ])
        .values_panic([
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
            unit.created_at.map_or(at, stored_time).into(),
            at.into(),
        ])
        .returning_col(InventoryItems::Id)
        .to_owned();
    let (id,): (i64,) = tx.one(&stmt).await?;
    InventoryItemId::new(id).map_err(|_| DbError::NotFound("inventory id"))
}

/// Number of units, optionally only those in one status.
pub async fn count(db: &Db, status: Option<InventoryStatus>) -> Result<i64, DbError> {
    let mut stmt = Query::select();
    stmt.expr(Expr::col(InventoryItems::Id).count())
        .from(InventoryItems::Table);
    if let Some(s) = status {
        stmt.and_where(Expr::col(InventoryItems::Status).eq(s.as_str()));
    }
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}
