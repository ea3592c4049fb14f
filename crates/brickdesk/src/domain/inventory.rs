//! Inventory vocabulary: one row is one physical unit; and the rules a
//! new unit's fields follow, whether typed in the form or imported.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::location::{LocationError, parse_location};
use super::money::{AmountError, Currency, MoneyError, parse_written_amount};

/// Lifecycle of a physical unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum InventoryStatus {
    /// Bought, not yet in hand.
    #[serde(rename = "NOT YET RECEIVED")]
    NotYetReceived,
    /// In stock, not listed.
    #[serde(rename = "BACKLOG")]
    Backlog,
    /// In stock and listed for sale.
    #[serde(rename = "LISTED")]
    Listed,
    /// Sold and confirmed.
    #[serde(rename = "SOLD")]
    Sold,
    /// Came back from a buyer.
    #[serde(rename = "RETURNED")]
    Returned,
}

impl InventoryStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [InventoryStatus; 5] = [
        InventoryStatus::NotYetReceived,
        InventoryStatus::Backlog,
        InventoryStatus::Listed,
        InventoryStatus::Sold,
        InventoryStatus::Returned,
    ];

    /// Stored and displayed value.
    pub fn as_str(self) -> &'static str {
        match self {
            InventoryStatus::NotYetReceived => "NOT YET RECEIVED",
            InventoryStatus::Backlog => "BACKLOG",
            InventoryStatus::Listed => "LISTED",
            InventoryStatus::Sold => "SOLD",
            InventoryStatus::Returned => "RETURNED",
        }
    }

    /// Parses a stored or typed value (case and `_`/space insensitive).
    pub fn parse(text: &str) -> Option<InventoryStatus> {
        let norm = text.trim().replace('_', " ").to_ascii_uppercase();
        InventoryStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == norm)
    }

    /// Whether a unit in this status may fill an order (FIFO candidates).
    pub fn is_sellable(self) -> bool {
        matches!(self, InventoryStatus::Backlog | InventoryStatus::Listed)
    }
}

impl fmt::Display for InventoryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Condition of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Condition {
    /// New, sealed.
    New,
    /// Used or opened.
    Used,
}

impl Condition {
    /// Stored and displayed value.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::New => "New",
            Condition::Used => "Used",
        }
    }

    /// Parses `New`/`Used`, and Amazon's condition ids (`New`, `Used`,
    /// `UsedLikeNew`, `NewItem`…) by their leading word.
    pub fn parse(text: &str) -> Option<Condition> {
        let t = text.trim().to_ascii_lowercase();
        if t.starts_with("new") {
            Some(Condition::New)
        } else if t.starts_with("used") || t.starts_with("collectible") {
            Some(Condition::Used)
        } else {
            None
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A unit's own fields: what people fill in, the same for a unit to add,
/// an edit and a stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnitDetails {
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
    #[serde(serialize_with = "date_text")]
    #[schema(value_type = Option<String>, format = Date)]
    pub purchase_date: Option<Date>,
    /// Free text.
    pub notes: Option<String>,
}

/// A date as `2026-01-31`, the way the API has always written it.
fn date_text<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl UnitDetails {
    /// A New, Listed unit of `set_number` in GBP with nothing else known:
    /// where a unit built field by field starts.
    pub fn listed(set_number: impl Into<String>, item_name: impl Into<String>) -> UnitDetails {
        UnitDetails {
            set_number: set_number.into(),
            item_name: item_name.into(),
            condition: Condition::New,
            status: InventoryStatus::Listed,
            storage_location: None,
            cost_minor: None,
            listing_price_minor: None,
            currency: Currency::GBP,
            sku: None,
            external_id: None,
            purchase_date: None,
            notes: None,
        }
    }
}

/// A unit to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    /// Its fields.
    pub details: UnitDetails,
    /// When it was added; drives FIFO. `None` means now.
    pub created_at: Option<OffsetDateTime>,
}

impl From<UnitDetails> for NewUnit {
    fn from(details: UnitDetails) -> NewUnit {
        NewUnit {
            details,
            created_at: None,
        }
    }
}

impl NewUnit {
    /// [`UnitDetails::listed`], added now.
    pub fn listed(set_number: impl Into<String>, item_name: impl Into<String>) -> NewUnit {
        UnitDetails::listed(set_number, item_name).into()
    }
}

/// A field of a unit that people fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitField {
    /// LEGO set number (required).
    SetNumber,
    /// Set name (required).
    ItemName,
    /// `New` or `Used`.
    Condition,
    /// Lifecycle status.
    Status,
    /// Storage location.
    StorageLocation,
    /// Currency of cost and price.
    Currency,
    /// Cost.
    Cost,
    /// Listing price.
    ListingPrice,
    /// Seller SKU.
    Sku,
    /// Id in another system.
    ExternalId,
    /// Free text, may span lines.
    Notes,
}

impl UnitField {
    /// Longest text accepted for a free-text field.
    pub fn max_chars(self) -> Option<usize> {
        match self {
            UnitField::SetNumber => Some(40),
            UnitField::ItemName => Some(200),
            UnitField::Sku => Some(64),
            UnitField::ExternalId => Some(100),
            UnitField::Notes => Some(2000),
            _ => None,
        }
    }
}

/// Why a field of a new unit was refused. Each source (form, CSV) words
/// it for its own readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitFault {
    /// A required field is blank.
    Missing,
    /// Longer than the field allows.
    TooLong {
        /// Characters allowed.
        max: usize,
    },
    /// A control character (tab and line breaks are allowed in notes).
    ControlCharacter,
    /// Neither `New` nor `Used`.
    UnknownCondition,
    /// None of the statuses.
    UnknownStatus,
    /// Not a valid storage location.
    Location(LocationError),
    /// Not a currency code.
    Currency(MoneyError),
    /// Not a valid amount.
    Amount(AmountError),
}

/// The fields of a new unit as text (trimmed), from a form or a CSV row.
/// Dates arrive parsed: their written forms depend on the source.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitDraft<'a> {
    /// LEGO set number.
    pub set_number: &'a str,
    /// Set name.
    pub item_name: &'a str,
    /// `New` or `Used`.
    pub condition: &'a str,
    /// Status, e.g. `LISTED`.
    pub status: &'a str,
    /// Storage location (blank: none).
    pub storage_location: &'a str,
    /// Currency code (blank: GBP).
    pub currency: &'a str,
    /// Cost (blank: none).
    pub cost: &'a str,
    /// Listing price (blank: none).
    pub listing_price: &'a str,
    /// SKU (blank: none).
    pub sku: &'a str,
    /// External id (blank: none).
    pub external_id: &'a str,
    /// Notes (blank: none).
    pub notes: &'a str,
    /// Purchase date.
    pub purchase_date: Option<Date>,
    /// When it was added (`None`: now).
    pub created_at: Option<OffsetDateTime>,
}

/// Checks free text against its field's rules; blank is `None`.
fn text(field: UnitField, value: &str) -> Result<Option<String>, UnitFault> {
    if value.is_empty() {
        return match field {
            UnitField::SetNumber | UnitField::ItemName => Err(UnitFault::Missing),
            _ => Ok(None),
        };
    }
    if let Some(max) = field.max_chars()
        && value.chars().count() > max
    {
        return Err(UnitFault::TooLong { max });
    }
    let multiline = field == UnitField::Notes;
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(UnitFault::ControlCharacter);
    }
    Ok(Some(value.to_owned()))
}

/// The value, or `None` with the fault recorded.
fn keep<T>(
    faults: &mut Vec<(UnitField, UnitFault)>,
    field: UnitField,
    result: Result<T, UnitFault>,
) -> Option<T> {
    result.map_err(|fault| faults.push((field, fault))).ok()
}

/// Validates a new unit's fields. Every refused field is reported, in
/// field order, so a person can fix them all at once.
pub fn validate_unit(draft: &UnitDraft<'_>) -> Result<NewUnit, Vec<(UnitField, UnitFault)>> {
    let mut faults = Vec::new();
    let set_number = keep(
        &mut faults,
        UnitField::SetNumber,
        text(UnitField::SetNumber, draft.set_number),
    );
    let item_name = keep(
        &mut faults,
        UnitField::ItemName,
        text(UnitField::ItemName, draft.item_name),
    );
    let condition = keep(
        &mut faults,
        UnitField::Condition,
        Condition::parse(draft.condition).ok_or(UnitFault::UnknownCondition),
    );
    let status = keep(
        &mut faults,
        UnitField::Status,
        InventoryStatus::parse(draft.status).ok_or(UnitFault::UnknownStatus),
    );
    let storage_location = keep(
        &mut faults,
        UnitField::StorageLocation,
        match draft.storage_location {
            "" => Ok(None),
            l => parse_location(l).map(Some).map_err(UnitFault::Location),
        },
    );
    let currency = keep(
        &mut faults,
        UnitField::Currency,
        match draft.currency {
            "" => Ok(Currency::GBP),
            c => Currency::parse(c).map_err(UnitFault::Currency),
        },
    );
    // Amounts are still checked when the currency is not: in GBP.
    let in_currency = currency.unwrap_or(Currency::GBP);
    let mut amount = |field, value| {
        keep(
            &mut faults,
            field,
            parse_written_amount(value, in_currency).map_err(UnitFault::Amount),
        )
    };
    let cost_minor = amount(UnitField::Cost, draft.cost);
    let listing_price_minor = amount(UnitField::ListingPrice, draft.listing_price);
    let sku = keep(&mut faults, UnitField::Sku, text(UnitField::Sku, draft.sku));
    let external_id = keep(
        &mut faults,
        UnitField::ExternalId,
        text(UnitField::ExternalId, draft.external_id),
    );
    let notes = keep(
        &mut faults,
        UnitField::Notes,
        text(UnitField::Notes, draft.notes),
    );
    match (
        set_number.flatten(),
        item_name.flatten(),
        condition,
        status,
        storage_location,
        currency,
        cost_minor,
        listing_price_minor,
        sku,
        external_id,
        notes,
    ) {
        (
            Some(set_number),
            Some(item_name),
            Some(condition),
            Some(status),
            Some(storage_location),
            Some(currency),
            Some(cost_minor),
            Some(listing_price_minor),
            Some(sku),
            Some(external_id),
            Some(notes),
        ) if faults.is_empty() => Ok(NewUnit {
            details: UnitDetails {
                set_number,
                item_name,
                condition,
                status,
                storage_location,
                cost_minor,
                listing_price_minor,
                currency,
                sku,
                external_id,
                purchase_date: draft.purchase_date,
                notes,
            },
            created_at: draft.created_at,
        }),
        _ => Err(faults),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_sellability() {
        for s in InventoryStatus::ALL {
            assert_eq!(InventoryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            InventoryStatus::parse("not_yet_received"),
            Some(InventoryStatus::NotYetReceived)
        );
        assert_eq!(InventoryStatus::parse("gone"), None);
        let sellable: Vec<_> = InventoryStatus::ALL
            .into_iter()
            .filter(|s| s.is_sellable())
            .collect();
        assert_eq!(
            sellable,
            [InventoryStatus::Backlog, InventoryStatus::Listed]
        );
    }

    fn draft() -> UnitDraft<'static> {
        UnitDraft {
            set_number: "75192",
            item_name: "Millennium Falcon",
            condition: "New",
            status: "listed",
            cost: "£1,234.50",
            ..UnitDraft::default()
        }
    }

    #[test]
    fn a_valid_draft_becomes_a_unit() {
        let unit = validate_unit(&draft()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(unit.details.status, InventoryStatus::Listed);
        assert_eq!(unit.details.currency, Currency::GBP);
        assert_eq!(unit.details.cost_minor, Some(123_450));
        assert_eq!((unit.details.sku, unit.details.notes), (None, None));
    }

    #[test]
    fn every_refused_field_is_reported_in_field_order() {
        let long_sku = "s".repeat(65);
        let bad = UnitDraft {
            set_number: "",
            condition: "Mint",
            currency: "pounds",
            sku: &long_sku,
            notes: "one\ntwo\u{7}",
            ..draft()
        };
        let faults = validate_unit(&bad).expect_err("refused");
        let fields: Vec<UnitField> = faults.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                UnitField::SetNumber,
                UnitField::Condition,
                UnitField::Currency,
                UnitField::Sku,
                UnitField::Notes
            ]
        );
        assert_eq!(faults[0].1, UnitFault::Missing);
        assert_eq!(faults[3].1, UnitFault::TooLong { max: 64 });
        assert_eq!(faults[4].1, UnitFault::ControlCharacter);
        let notes = UnitDraft {
            notes: "line one\r\n\tline two",
            ..draft()
        };
        assert!(validate_unit(&notes).is_ok());
    }

    #[test]
    fn conditions() {
        assert_eq!(Condition::parse("New"), Some(Condition::New));
        assert_eq!(Condition::parse("UsedLikeNew"), Some(Condition::Used));
        assert_eq!(Condition::parse("refurb"), None);
    }
}
