//! A unit as typed in the form or sent to the API (all text), and its
//! validation into a [`NewUnit`] with a message per bad field.

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use crate::db::inventory::{InventoryRow, NewUnit};
use crate::domain::location::parse_location;
use crate::domain::{Condition, Currency, InventoryStatus};

/// Editable fields of a unit, as text. Money is a decimal (`599.99`,
/// `£1,234.50`), dates ISO (`2026-01-31`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Parses a typed amount (`599.99`, `£1,234.50`) with the same rules as
/// CSV import: thousands separators only where they belong, no negatives.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Option<i64>, String> {
    match crate::inventory_csv::fields::money(text.trim(), currency)? {
        Some(v) if v < 0 => Err("must not be negative".to_owned()),
        other => Ok(other),
    }
}

impl UnitInput {
    /// Validates every field; all problems are reported at once.
    pub fn validate(&self) -> Result<NewUnit, FieldErrors> {
        let mut errors = Vec::new();
        let mut need = |field: &'static str, value: &str, max: usize| -> String {
            let v = value.trim();
            if v.is_empty() {
                errors.push((field, "is required".to_owned()));
            } else if v.chars().count() > max {
                errors.push((field, format!("must be at most {max} characters")));
            }
            v.to_owned()
        };
        let set_number = need("set_number", &self.set_number, 32);
        let item_name = need("item_name", &self.item_name, 200);
        let condition = Condition::parse(&self.condition);
        if condition.is_none() {
            errors.push(("condition", "must be New or Used".to_owned()));
        }
        let status = InventoryStatus::parse(&self.status);
        if status.is_none() {
            errors.push((
                "status",
                "must be NOT YET RECEIVED, BACKLOG, LISTED, SOLD or RETURNED".to_owned(),
            ));
        }
        let storage_location = match opt(&self.storage_location).map(|l| parse_location(&l)) {
            Some(Ok(l)) => Some(l),
            Some(Err(e)) => {
                errors.push(("storage_location", e.to_string()));
                None
            }
            None => None,
        };
        let currency = match opt(&self.currency) {
            None => Currency::GBP,
            Some(c) => Currency::parse(&c).unwrap_or_else(|e| {
                errors.push(("currency", e.to_string()));
                Currency::GBP
            }),
        };
        let mut amount = |field: &'static str, text: &str| {
            parse_amount(text, currency).unwrap_or_else(|e| {
                errors.push((field, e));
                None
            })
        };
        let cost_minor = amount("cost", &self.cost);
        let listing_price_minor = amount("listing_price", &self.listing_price);
        let purchase_date = opt(&self.purchase_date).and_then(|d| {
            Date::parse(&d, format_description!("[year]-[month]-[day]"))
                .map_err(|_| {
                    errors.push(("purchase_date", "must be a date like 2026-01-31".to_owned()))
                })
                .ok()
        });
        for (field, value, max) in [
            ("sku", &self.sku, 64),
            ("external_id", &self.external_id, 64),
            ("notes", &self.notes, 2000),
        ] {
            if value.trim().chars().count() > max {
                errors.push((field, format!("must be at most {max} characters")));
            }
        }
        match (condition, status, errors.is_empty()) {
            (Some(condition), Some(status), true) => Ok(NewUnit {
                set_number,
                item_name,
                condition,
                status,
                storage_location,
                cost_minor,
                listing_price_minor,
                currency,
                sku: opt(&self.sku),
                external_id: opt(&self.external_id),
                purchase_date,
                notes: opt(&self.notes),
                created_at: None,
            }),
            _ => Err(FieldErrors(errors)),
        }
    }

    /// The editable fields of a stored unit, as the form shows them.
    pub fn from_row(row: &InventoryRow) -> UnitInput {
        let money = |m: Option<i64>| m.map(|v| plain_amount(v, row.currency)).unwrap_or_default();
        UnitInput {
            set_number: row.set_number.clone(),
            item_name: row.item_name.clone(),
            condition: row.condition.to_string(),
            status: row.status.to_string(),
            storage_location: row.storage_location.clone().unwrap_or_default(),
            cost: money(row.cost_minor),
            listing_price: money(row.listing_price_minor),
            currency: row.currency.to_string(),
            sku: row.sku.clone().unwrap_or_default(),
            external_id: row.external_id.clone().unwrap_or_default(),
            purchase_date: row.purchase_date.map(|d| d.to_string()).unwrap_or_default(),
            notes: row.notes.clone().unwrap_or_default(),
        }
    }
}

/// Minor units as a plain decimal (`59999` → `599.99`). Written digit by
/// digit: a page of orders formats hundreds of amounts, and `format!` with
/// padding cost three times as much.
pub fn plain_amount(minor: i64, currency: Currency) -> String {
    let places = currency.decimal_places() as usize;
    // Least significant first, with at least one digit before the point.
    let mut rest = minor.unsigned_abs();
    let mut digits = [0u8; 24];
    let mut len = 0;
    while rest > 0 || len <= places {
        digits[len] = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    let mut out = String::with_capacity(len + 2);
    if minor < 0 {
        out.push('-');
    }
    for (i, d) in digits[..len].iter().rev().enumerate() {
        if places > 0 && i == len - places {
            out.push('.');
        }
        out.push(char::from(*d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(unit.cost_minor, Some(123_450));
        assert_eq!(unit.listing_price_minor, Some(159_999));
        assert_eq!(unit.storage_location.as_deref(), Some("A-01"));
        assert_eq!(unit.status, InventoryStatus::Listed);
        assert_eq!(unit.sku, None);
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
    }

    #[test]
    fn amounts_print_plainly() {
        assert_eq!(plain_amount(59_999, Currency::GBP), "599.99");
        assert_eq!(plain_amount(5, Currency::GBP), "0.05");
        assert_eq!(plain_amount(-105, Currency::GBP), "-1.05");
        assert_eq!(plain_amount(0, Currency::GBP), "0.00");
        assert_eq!(
            plain_amount(i64::MIN, Currency::GBP),
            "-92233720368547758.08"
        );
        let jpy = Currency::parse("JPY").unwrap_or(Currency::GBP);
        assert_eq!(plain_amount(0, jpy), "0");
        assert_eq!(plain_amount(-1500, jpy), "-1500");
        let kwd = Currency::parse("KWD").unwrap_or(Currency::GBP);
        assert_eq!(plain_amount(7, kwd), "0.007");
    }

    proptest::proptest! {
        /// What is printed parses back to the same amount, in currencies
        /// of 0, 2 and 3 decimal places.
        #[test]
        fn amounts_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000, code in 0usize..3) {
            let currency = Currency::parse(["JPY", "GBP", "KWD"][code]).unwrap_or(Currency::GBP);
            let text = plain_amount(minor, currency);
            proptest::prop_assert_eq!(crate::domain::money::parse_minor_units(&text, currency.decimal_places()), Ok(minor));
        }
    }
}
