//! Inventory units: creating and editing them with the rules around sold
//! units, and an audit entry for every change.

pub mod input;

use serde::Deserialize;
use serde_json::json;

pub use input::{FieldErrors, UnitInput};

use crate::db::inventory::InventoryRow;
use crate::db::{self, Clash, Db, DbError, audit};
use crate::domain::{InventoryItemId, InventoryStatus, UserId};

/// Why a unit could not be created or changed.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Some fields are invalid.
    #[error("invalid unit: {}", .0.summary())]
    Invalid(FieldErrors),
    /// No such unit.
    #[error("inventory item {0} not found")]
    NotFound(InventoryItemId),
    /// A rule about sold units was broken.
    #[error(transparent)]
    SoldLocked(SoldRule),
    /// The SKU or external id belongs to another unit.
    #[error("another unit already has this SKU or external id")]
    Duplicate,
    /// Storage failed.
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for InventoryError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Conflict(Clash::Sku | Clash::ExternalId) => InventoryError::Duplicate,
            other => InventoryError::Db(other),
        }
    }
}

/// The rules about sold units that an edit can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SoldRule {
    /// A unit may not be made SOLD by hand.
    #[error("Units become SOLD by confirming an order processed, not by editing them.")]
    SoldByConfirming,
    /// A SOLD unit's status is changed only by an undo.
    #[error(
        "This unit is SOLD: its status and sold details change only by undoing the order confirmation."
    )]
    SoldIsLocked,
    /// Sold fields may not be edited by hand.
    #[error("Sold fields are set by confirming an order processed and cannot be edited by hand.")]
    SoldFieldsByConfirming,
}

/// Adds a unit typed by a person. New units cannot start as SOLD.
pub async fn create(
    db: &Db,
    input: &UnitInput,
    by: Option<UserId>,
) -> Result<InventoryItemId, InventoryError> {
    let unit = input.validate().map_err(InventoryError::Invalid)?;
    if unit.details.status == InventoryStatus::Sold {
        return Err(InventoryError::SoldLocked(SoldRule::SoldByConfirming));
    }
    let mut tx = db.begin().await?;
    let id = db::inventory::insert(&mut tx, &unit).await?;
    let entry = audit::Entry {
        user: by,
        action: "inventory_create",
        entity_type: "inventory_item",
        entity_id: Some(id.to_string()),
        details: json!({ "set_number": unit.details.set_number, "status": unit.details.status.as_str(), "location": unit.details.storage_location }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// A unit by id, or [`InventoryError::NotFound`].
pub async fn require(db: &Db, id: InventoryItemId) -> Result<InventoryRow, InventoryError> {
    db::inventory::get(db, id)
        .await?
        .ok_or(InventoryError::NotFound(id))
}

/// A partial change sent to the API: only the fields present change.
/// Sold fields may be named only to be refused with a clear message.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct UnitPatch {
    pub set_number: Option<String>,
    pub item_name: Option<String>,
    pub condition: Option<String>,
    pub status: Option<String>,
    pub storage_location: Option<String>,
    pub cost: Option<String>,
    pub listing_price: Option<String>,
    pub currency: Option<String>,
    pub sku: Option<String>,
    pub external_id: Option<String>,
    pub purchase_date: Option<String>,
    pub notes: Option<String>,
    pub sold_at: Option<serde_json::Value>,
    pub sold_price: Option<serde_json::Value>,
    pub sold_order_ref: Option<serde_json::Value>,
    pub sold_platform: Option<serde_json::Value>,
}

impl UnitPatch {
    fn touches_sold_fields(&self) -> bool {
        self.sold_at.is_some()
            || self.sold_price.is_some()
            || self.sold_order_ref.is_some()
            || self.sold_platform.is_some()
    }

    /// The full input after applying this patch to `current`.
    pub fn apply(self, mut current: UnitInput) -> UnitInput {
        let fields = [
            (self.set_number, &mut current.set_number),
            (self.item_name, &mut current.item_name),
            (self.condition, &mut current.condition),
            (self.status, &mut current.status),
            (self.storage_location, &mut current.storage_location),
            (self.cost, &mut current.cost),
            (self.listing_price, &mut current.listing_price),
            (self.currency, &mut current.currency),
            (self.sku, &mut current.sku),
            (self.external_id, &mut current.external_id),
            (self.purchase_date, &mut current.purchase_date),
            (self.notes, &mut current.notes),
        ];
        for (new, slot) in fields {
            if let Some(value) = new {
                *slot = value;
            }
        }
        current
    }
}

/// Applies a patch to a unit, in one transaction with its audit entry
/// (which keeps the previous values).
pub async fn update(
    db: &Db,
    id: InventoryItemId,
    patch: UnitPatch,
    by: Option<UserId>,
) -> Result<InventoryRow, InventoryError> {
    if patch.touches_sold_fields() {
        return Err(InventoryError::SoldLocked(SoldRule::SoldFieldsByConfirming));
    }
    let mut tx = db.begin().await?;
    let before = db::inventory::get_in(&mut tx, id)
        .await?
        .ok_or(InventoryError::NotFound(id))?;
    let input = patch.apply(UnitInput::from_row(&before));
    let unit = input.validate().map_err(InventoryError::Invalid)?;
    let was_sold = before.details.status == InventoryStatus::Sold;
    match (was_sold, unit.details.status == InventoryStatus::Sold) {
        (true, false) => return Err(InventoryError::SoldLocked(SoldRule::SoldIsLocked)),
        (false, true) => return Err(InventoryError::SoldLocked(SoldRule::SoldByConfirming)),
        _ => {}
    }
    db::inventory::update(&mut tx, id, &unit.details).await?;
    let previous = UnitInput::from_row(&before);
    let entry = audit::Entry {
        user: by,
        action: "inventory_update",
        entity_type: "inventory_item",
        entity_id: Some(id.to_string()),
        details: json!({ "before": previous, "after": input }),
    };
    audit::record(&mut tx, &entry).await?;
    let after = db::inventory::get_in(&mut tx, id)
        .await?
        .ok_or(InventoryError::NotFound(id))?;
    tx.commit().await?;
    Ok(after)
}
