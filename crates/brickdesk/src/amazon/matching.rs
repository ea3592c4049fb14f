//! ASIN matching: mapping an ASIN to a set and condition, and linking the
//! unit the seller chose to an order line, in one transaction that also
//! refreshes the match counts of every order with that ASIN.

use serde_json::json;

use crate::db::links::LinkMethod;
use crate::db::orders::Refresh;
use crate::db::{self, Db, DbError, audit};
use crate::domain::{Condition, InventoryItemId, OrderItemId, UserId};

/// What the ASIN should map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingTarget {
    /// A set number and condition.
    Set {
        /// LEGO set number.
        set_number: String,
        /// Condition.
        condition: Condition,
    },
    /// The set and condition of this unit (which is also linked when a
    /// line is given).
    Unit(InventoryItemId),
}

/// A request to map an ASIN (and perhaps link a unit to a line).
#[derive(Debug, Clone)]
pub struct MappingRequest {
    /// The ASIN.
    pub asin: String,
    /// What it maps to.
    pub target: MappingTarget,
    /// The line to link the chosen unit to.
    pub order_item: Option<OrderItemId>,
    /// Replace a mapping to a different set.
    pub replace: bool,
}

/// What a mapping request did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MappingOutcome {
    /// The ASIN.
    pub asin: String,
    /// Set number it now maps to.
    pub set_number: String,
    /// Condition it now maps to.
    pub condition: String,
    /// The unit linked, if any.
    pub linked_unit: Option<i64>,
    /// The set it mapped to before, when replaced.
    pub replaced: Option<String>,
}

/// Why a mapping or link was refused.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// A referenced record does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The ASIN maps to another set; ask before replacing.
    #[error("ASIN {asin} already maps to set {set_number} ({condition}). Replace that mapping?")]
    ExistingMapping {
        /// The ASIN.
        asin: String,
        /// Set it maps to now.
        set_number: String,
        /// Condition it maps to now.
        condition: Condition,
    },
    /// The unit cannot be linked.
    #[error("{0}")]
    UnitUnavailable(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Validates an ASIN: ten upper-case letters or digits.
pub fn parse_asin(text: &str) -> Result<String, MatchError> {
    let t = text.trim().to_ascii_uppercase();
    if t.len() == 10 && t.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(t)
    } else {
        Err(MatchError::Invalid(format!(
            "'{}' is not an ASIN (ten letters or digits)",
            text.trim()
        )))
    }
}

/// Creates or replaces a mapping and optionally links the chosen unit.
pub async fn create_mapping(
    db: &Db,
    req: MappingRequest,
    by: Option<UserId>,
) -> Result<MappingOutcome, MatchError> {
    let asin = parse_asin(&req.asin)?;
    let mut tx = db.begin().await?;
    let (set_number, condition) = match &req.target {
        MappingTarget::Set {
            set_number,
            condition,
        } => {
            let set = set_number.trim();
            if set.is_empty() || set.len() > 32 {
                return Err(MatchError::Invalid(
                    "a set number is 1 to 32 characters".into(),
                ));
            }
            (set.to_owned(), *condition)
        }
        MappingTarget::Unit(id) => {
            let unit = db::inventory::get_in(&mut tx, *id)
                .await?
                .ok_or(MatchError::NotFound("inventory item"))?;
            (unit.details.set_number, unit.details.condition)
        }
    };
    let existing = db::mappings::get_in(&mut tx, &asin).await?;
    let replaced = match existing {
        Some(m) if m.set_number != set_number || m.condition != condition => {
            if !req.replace {
                return Err(MatchError::ExistingMapping {
                    asin,
                    set_number: m.set_number,
                    condition: m.condition,
                });
            }
            Some(format!("{} ({})", m.set_number, m.condition))
        }
        _ => None,
    };
    db::mappings::upsert(&mut tx, &asin, &set_number, condition).await?;
    let linked_unit = match (req.order_item, &req.target) {
        (Some(item), MappingTarget::Unit(unit)) => {
            link_unit(&mut tx, &asin, item, *unit, by).await?;
            Some(unit.get())
        }
        (Some(_), MappingTarget::Set { .. }) => {
            return Err(MatchError::Invalid(
                "choose the unit to link to the line".into(),
            ));
        }
        (None, _) => None,
    };
    db::orders::refresh_match_counts(&mut tx, Refresh::Asin(&asin)).await?;
    let entry = audit::Entry {
        user: by,
        action: if replaced.is_some() {
            "mapping_replace"
        } else {
            "mapping_create"
        },
        entity_type: "asin_mapping",
        entity_id: Some(asin.clone()),
        details: json!({ "set_number": set_number, "condition": condition.as_str(), "replaced": replaced, "linked_unit": linked_unit }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(MappingOutcome {
        asin,
        set_number,
        condition: condition.as_str().to_owned(),
        linked_unit,
        replaced,
    })
}

async fn link_unit(
    tx: &mut db::Tx,
    asin: &str,
    item: OrderItemId,
    unit: InventoryItemId,
    by: Option<UserId>,
) -> Result<(), MatchError> {
    let line = db::orders::line_in(tx, item)
        .await?
        .ok_or(MatchError::NotFound("order line"))?;
    if line.reported.asin.as_deref().map(str::trim) != Some(asin) {
        return Err(MatchError::Invalid(format!(
            "that order line is not for ASIN {asin}"
        )));
    }
    let row = db::inventory::get_in(tx, unit)
        .await?
        .ok_or(MatchError::NotFound("inventory item"))?;
    if !row.details.status.is_sellable() {
        return Err(MatchError::UnitUnavailable(format!(
            "Inventory item {unit} is {}; only BACKLOG or LISTED units can fill an order.",
            row.details.status
        )));
    }
    if db::links::unit_is_linked(tx, unit).await? {
        return Err(MatchError::UnitUnavailable(format!(
            "Inventory item {unit} is already linked to an order line."
        )));
    }
    let linked = db::links::count_for_item(tx, item).await?;
    if linked >= line.reported.quantity {
        return Err(MatchError::UnitUnavailable(
            "Every unit of that order line is linked already.".into(),
        ));
    }
    db::links::insert(tx, item, linked, unit, LinkMethod::AsinMatcher, by)
        .await
        .map_err(|e| match e {
            // Another request linked the same unit a moment ago.
            DbError::Conflict { .. } => MatchError::UnitUnavailable(format!(
                "Inventory item {unit} is already linked to an order line."
            )),
            other => MatchError::Db(other),
        })?;
    let entry = audit::Entry {
        user: by,
        action: "inventory_link",
        entity_type: "inventory_item",
        entity_id: Some(unit.to_string()),
        details: json!({ "order_item_id": item.get(), "unit_index": linked, "asin": asin, "method": "asin_matcher" }),
    };
    audit::record(tx, &entry).await?;
    Ok(())
}

/// Deletes the mapping of an ASIN (links stay); `false` when there was none.
pub async fn delete_mapping(db: &Db, asin: &str, by: Option<UserId>) -> Result<bool, MatchError> {
    let asin = parse_asin(asin)?;
    let mut tx = db.begin().await?;
    let existed = db::mappings::delete(&mut tx, &asin).await?;
    if existed {
        db::orders::refresh_match_counts(&mut tx, Refresh::Asin(&asin)).await?;
        let entry = audit::Entry {
            user: by,
            action: "mapping_delete",
            entity_type: "asin_mapping",
            entity_id: Some(asin.clone()),
            details: json!({}),
        };
        audit::record(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    Ok(existed)
}

/// A set number guessed from an Amazon title (a run of 4 to 7 digits), to
/// start the matcher's search with.
pub fn set_number_in_title(title: &str) -> Option<String> {
    title
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| (4..=7).contains(&run.len()))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asins_and_titles() {
        assert_eq!(
            parse_asin(" b07jplg4bs ").ok().as_deref(),
            Some("B07JPLG4BS")
        );
        assert!(parse_asin("B07JPLG4B").is_err());
        assert!(parse_asin("B07JPLG4B!").is_err());
        assert_eq!(
            set_number_in_title("LEGO Star Wars Millennium Falcon 75192 Building Set").as_deref(),
            Some("75192")
        );
        assert_eq!(set_number_in_title("Unknown Item"), None);
        assert_eq!(set_number_in_title("LEGO 2 in 1 set 123"), None);
    }
}
