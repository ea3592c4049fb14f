//! A unit as typed in the form or sent to the API (all text), and its
//! validation into a [`NewUnit`] with a message per bad field.

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use crate::db::inventory::{InventoryRow, NewUnit};
use crate::domain::Money;
use crate::domain::inventory::{UnitDraft, UnitFault, UnitField, validate_unit};

/// Editable fields of a unit, as text. Money is a decimal (`599.99`,
/// `£1,234.50`), dates ISO (`2026-01-31`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct UnitInput {
    /// LEGO set number.
    pub set_number: String,
    /// Set name.
    pub item_name: String,
    /// `New` or `Used`.
    pub condition: String,
    /// Status, e.g. `LISTED`.
    pub status: String,
    /// Storage location.
    pub storage_location: String,
    /// Cost.
    pub cost: String,
    /// Listing price.
    pub listing_price: String,
    /// Currency code (default GBP).
    pub currency: String,
    /// SKU.
    pub sku: String,
    /// External id.
    pub external_id: String,
    /// Purchase date.
    pub purchase_date: String,
    /// Notes.
    pub notes: String,
}

/// Problems with an input, one message per field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// The message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// All messages as one sentence list.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A refused field of a unit (see [`validate_unit`]) in the form's words.
fn fault_words(fault: UnitFault) -> String {
    match fault {
        UnitFault::Missing => "is required".into(),
        UnitFault::TooLong { max } => format!("must be at most {max} characters"),
        UnitFault::ControlCharacter => "must not contain control characters".into(),
        UnitFault::UnknownCondition => "must be New or Used".into(),
        UnitFault::UnknownStatus => {
            "must be NOT YET RECEIVED, BACKLOG, LISTED, SOLD or RETURNED".into()
        }
        UnitFault::Location(e) => e.to_string(),
        UnitFault::Currency(e) => e.to_string(),
        UnitFault::Amount(e) => e.to_string(),
    }
}

/// The form's name for a unit's field.
fn field_name(field: UnitField) -> &'static str {
    match field {
        UnitField::SetNumber => "set_number",
        UnitField::ItemName => "item_name",
        UnitField::Condition => "condition",
        UnitField::Status => "status",
        UnitField::StorageLocation => "storage_location",
        UnitField::Currency => "currency",
        UnitField::Cost => "cost",
        UnitField::ListingPrice => "listing_price",
        UnitField::Sku => "sku",
        UnitField::ExternalId => "external_id",
        UnitField::Notes => "notes",
    }
}

impl UnitInput {
    /// Validates every field; all problems are reported at once.
    pub fn validate(&self) -> Result<NewUnit, FieldErrors> {
        // A date input sends ISO dates only.
        let purchase_date = match self.purchase_date.trim() {
            "" => Ok(None),
            d => Date::parse(d, format_description!("[year]-[month]-[day]"))
                .map(Some)
                .map_err(|_| ("purchase_date", "must be a date like 2026-01-31".to_owned())),
        };
        let draft = UnitDraft {
            set_number: self.set_number.trim(),
            item_name: self.item_name.trim(),
            condition: self.condition.trim(),
            status: self.status.trim(),
            storage_location: self.storage_location.trim(),
            currency: self.currency.trim(),
            cost: self.cost.trim(),
            listing_price: self.listing_price.trim(),
            sku: self.sku.trim(),
            external_id: self.external_id.trim(),
            notes: self.notes.trim(),
            purchase_date: purchase_date.clone().ok().flatten(),
            created_at: None,
        };
        let mut errors: Vec<(&'static str, String)> = match validate_unit(&draft) {
            Ok(unit) => match purchase_date {
                Ok(_) => return Ok(unit),
                Err(_) => Vec::new(),
            },
            Err(faults) => faults
                .into_iter()
                .map(|(field, fault)| (field_name(field), fault_words(fault)))
                .collect(),
        };
        if let Err(date) = purchase_date {
            // Listed where the form shows it: after the prices.
            let at = errors
                .iter()
                .position(|(f, _)| matches!(*f, "sku" | "external_id" | "notes"))
                .unwrap_or(errors.len());
            errors.insert(at, date);
        }
        Err(FieldErrors(errors))
    }

    /// The editable fields of a stored unit, as the form shows them.
    pub fn from_row(row: &InventoryRow) -> UnitInput {
        let money = |m: Option<i64>| {
            m.map(|v| Money::from_minor(v, row.details.currency).to_plain_string())
                .unwrap_or_default()
        };
        UnitInput {
            set_number: row.details.set_number.clone(),
            item_name: row.details.item_name.clone(),
            condition: row.details.condition.to_string(),
            status: row.details.status.to_string(),
            storage_location: row.details.storage_location.clone().unwrap_or_default(),
            cost: money(row.details.cost_minor),
            listing_price: money(row.details.listing_price_minor),
            currency: row.details.currency.to_string(),
            sku: row.details.sku.clone().unwrap_or_default(),
            external_id: row.details.external_id.clone().unwrap_or_default(),
            purchase_date: row
                .details
                .purchase_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            notes: row.details.notes.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InventoryStatus;

    fn valid() -> UnitInput {
        UnitInput {
            set_number: "75192".into(),
            item_name: "Millennium Falcon".into(),
            condition: "New".into(),
            status: "listed".into(),
            storage_location: " A-01 ".into(),
            cost: "£1,234.50".into(),
            listing_price: "1599.99".into(),
            purchase_date: "2026-01-31".into(),
            ..UnitInput::default()
        }
    }

    #[test]
    fn valid_input_becomes_a_unit() {
        let unit = valid().validate().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(unit.details.cost_minor, Some(123_450));
        assert_eq!(unit.details.listing_price_minor, Some(159_999));
        assert_eq!(unit.details.storage_location.as_deref(), Some("A-01"));
        assert_eq!(unit.details.status, InventoryStatus::Listed);
        assert_eq!(unit.details.sku, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = UnitInput {
            set_number: " ".into(),
            condition: "Mint".into(),
            status: "GONE".into(),
            cost: "12.345".into(),
            listing_price: "1,23".into(),
            purchase_date: "31/01/2026".into(),
            ..valid()
        };
        let errors = bad.validate().err().unwrap_or_default();
        for field in [
            "set_number",
            "condition",
            "status",
            "cost",
            "listing_price",
            "purchase_date",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.get("item_name").is_none());
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "set_number",
                "condition",
                "status",
                "cost",
                "listing_price",
                "purchase_date"
            ]
        );
    }

    #[test]
    fn limits_are_those_of_the_csv_import_worded_for_the_form() {
        let long = UnitInput {
            set_number: "7".repeat(40),
            sku: "s".repeat(65),
            ..valid()
        };
        let errors = long.validate().err().unwrap_or_default();
        assert_eq!(errors.get("set_number"), None);
        assert_eq!(errors.get("sku"), Some("must be at most 64 characters"));
    }
}
