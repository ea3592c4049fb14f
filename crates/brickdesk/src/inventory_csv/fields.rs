//! One field at a time: dates as spreadsheets write them, and the words
//! for a refused field. Every function takes the trimmed text of a field
//! and returns the value or the reason it was refused, worded for the
//! person who wrote the file.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime};

use crate::domain::InventoryStatus;
use crate::domain::inventory::{UnitFault, UnitField};

/// A refused field of a unit (see [`validate_unit`]) in the import's
/// words; `text` is the cell as written.
///
/// [`validate_unit`]: crate::domain::inventory::validate_unit
pub fn unit_fault(field: UnitField, fault: &UnitFault, text: &str) -> String {
    match fault {
        UnitFault::Missing => "is required".into(),
        UnitFault::TooLong { max } => format!("is longer than {max} characters"),
        UnitFault::ControlCharacter if field == UnitField::Notes => {
            "must not contain control characters".into()
        }
        UnitFault::ControlCharacter => {
            "must not contain line breaks, tabs or other control characters".into()
        }
        UnitFault::UnknownCondition => choice_error(text, &["New", "Used"]),
        UnitFault::UnknownStatus => {
            let all: Vec<&str> = InventoryStatus::ALL.iter().map(|s| s.as_str()).collect();
            choice_error(text, &all)
        }
        UnitFault::Location(e) => e.to_string(),
        UnitFault::Currency(_) => {
            format!("'{text}' is not a three-letter currency code such as GBP")
        }
        UnitFault::Amount(e) => e.to_string(),
    }
}

/// "'x' is not one of: A, B".
pub fn choice_error(text: &str, choices: &[&str]) -> String {
    if text.is_empty() {
        "is required".into()
    } else {
        format!("'{text}' is not one of: {}", choices.join(", "))
    }
}

fn digits(part: &str, min: usize, max: usize) -> Option<u32> {
    ((min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| part.parse().ok())
        .flatten()
}

fn build_date(text: &str, year: u32, month: u32, day: u32) -> Result<Date, String> {
    let no_such = || format!("'{text}' is not a real date");
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(no_such)?;
    let year = i32::try_from(year).map_err(|_| no_such())?;
    let day = u8::try_from(day).map_err(|_| no_such())?;
    Date::from_calendar_date(year, month, day).map_err(|_| no_such())
}

const DATE_FORMS: &str = "use 2026-01-31 or 31/01/2026";

/// A date: ISO `2026-01-31` or UK day/month/year `31/01/2026` or
/// `31/1/2026`. Two-digit years, year-first slashes and impossible dates
/// (including US month/day order) are refused, never guessed.
pub fn date(text: &str) -> Result<Option<Date>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let dashes = text.contains('-');
    let slashes = text.contains('/');
    match (parts.as_slice(), dashes, slashes) {
        ([y, m, d], true, false) => match (digits(y, 4, 4), digits(m, 2, 2), digits(d, 2, 2)) {
            (Some(y), Some(m), Some(d)) => build_date(text, y, m, d).map(Some),
            _ => Err(format!("'{text}' is not a date; {DATE_FORMS}")),
        },
        ([d, m, y], false, true) => {
            if d.len() == 4 {
                return Err(format!(
                    "'{text}' puts the year first with slashes, which is ambiguous; {DATE_FORMS}"
                ));
            }
            if y.len() == 2 && digits(y, 2, 2).is_some() {
                return Err(format!(
                    "'{text}' has a two-digit year, which is ambiguous; {DATE_FORMS}"
                ));
            }
            match (digits(d, 1, 2), digits(m, 1, 2), digits(y, 4, 4)) {
                (Some(d), Some(m), Some(y)) if m > 12 && d <= 12 => Err(format!(
                    "'{text}' looks like month/day/year; dates are day/month/year, e.g. \
                     {m:02}/{d:02}/{y}"
                )),
                (Some(d), Some(m), Some(y)) => build_date(text, y, m, d).map(Some),
                _ => Err(format!("'{text}' is not a date; {DATE_FORMS}")),
            }
        }
        _ => Err(format!("'{text}' is not a date; {DATE_FORMS}")),
    }
}

/// When a unit was added: RFC 3339 (`2026-01-31T09:30:00Z`, as export
/// writes), `2026-01-31 09:30:00` (taken as UTC, as spreadsheets re-save
/// it) or a plain date (midnight UTC). Blank: the time of the import.
pub fn created_at(text: &str) -> Result<Option<OffsetDateTime>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Some(t));
    }
    let spreadsheet = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = PrimitiveDateTime::parse(text, spreadsheet) {
        return Ok(Some(t.assume_utc()));
    }
    match date(text) {
        Ok(d) => Ok(d.map(|d| d.midnight().assume_utc())),
        Err(_) => Err(format!(
            "'{text}' is not a time; use 2026-01-31T09:30:00Z (RFC 3339) or 2026-01-31"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn iso_and_uk_dates() {
        assert_eq!(date("2026-01-31"), Ok(Some(date!(2026 - 01 - 31))));
        assert_eq!(date("31/01/2026"), Ok(Some(date!(2026 - 01 - 31))));
        assert_eq!(date("31/1/2026"), Ok(Some(date!(2026 - 01 - 31))));
        assert_eq!(date("1/2/2026"), Ok(Some(date!(2026 - 02 - 01))));
        assert_eq!(date("29/02/2024"), Ok(Some(date!(2024 - 02 - 29))));
        assert_eq!(date(""), Ok(None));
    }

    #[test]
    fn ambiguous_or_impossible_dates_are_refused() {
        for (bad, why) in [
            ("31/02/2026", "not a real date"),
            ("29/02/2026", "not a real date"),
            ("2026-13-01", "not a real date"),
            ("00/01/2026", "not a real date"),
            ("12/31/2026", "month/day/year"),
            ("01/02/26", "two-digit year"),
            ("2026/01/31", "year first"),
            ("2026-1-31", "not a date"),
            ("31.01.2026", "not a date"),
            ("31-01/2026", "not a date"),
            ("yesterday", "not a date"),
        ] {
            let got = date(bad);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(why)),
                "{bad}: {got:?}"
            );
        }
    }

    #[test]
    fn created_at_forms() {
        assert_eq!(
            created_at("2026-01-31T09:30:00Z"),
            Ok(Some(datetime!(2026-01-31 09:30:00 UTC)))
        );
        assert_eq!(
            created_at("2026-01-31T10:30:00+01:00"),
            Ok(Some(datetime!(2026-01-31 09:30:00 UTC)))
        );
        assert_eq!(
            created_at("2026-01-31 09:30:00"),
            Ok(Some(datetime!(2026-01-31 09:30:00 UTC)))
        );
        assert_eq!(
            created_at("31/01/2026"),
            Ok(Some(datetime!(2026-01-31 00:00:00 UTC)))
        );
        assert_eq!(created_at(""), Ok(None));
        assert!(created_at("soon").is_err());
    }

    #[test]
    fn unit_faults_in_the_files_words() {
        use crate::domain::location::LocationError;
        use crate::domain::money::{AmountError, MoneyError};
        let words = |field, fault, text| unit_fault(field, &fault, text);
        assert_eq!(
            words(UnitField::SetNumber, UnitFault::Missing, ""),
            "is required"
        );
        assert_eq!(
            words(UnitField::Sku, UnitFault::TooLong { max: 64 }, "s"),
            "is longer than 64 characters"
        );
        assert!(words(UnitField::ItemName, UnitFault::ControlCharacter, "a").contains("tabs"));
        assert!(!words(UnitField::Notes, UnitFault::ControlCharacter, "a").contains("tabs"));
        assert_eq!(
            words(UnitField::Condition, UnitFault::UnknownCondition, "Mint"),
            "'Mint' is not one of: New, Used"
        );
        assert_eq!(
            words(UnitField::Status, UnitFault::UnknownStatus, ""),
            "is required"
        );
        assert_eq!(
            words(
                UnitField::Currency,
                UnitFault::Currency(MoneyError::BadCurrency("pounds".into())),
                "pounds"
            ),
            "'pounds' is not a three-letter currency code such as GBP"
        );
        assert_eq!(
            words(
                UnitField::StorageLocation,
                UnitFault::Location(LocationError::TooLong),
                "L"
            ),
            LocationError::TooLong.to_string()
        );
        assert_eq!(
            words(
                UnitField::Cost,
                UnitFault::Amount(AmountError::Negative("-5".into())),
                "-5"
            ),
            "'-5' is negative"
        );
    }

    #[test]
    fn choices() {
        assert_eq!(choice_error("", &["New"]), "is required");
        assert_eq!(
            choice_error("Mint", &["New", "Used"]),
            "'Mint' is not one of: New, Used"
        );
    }
}
