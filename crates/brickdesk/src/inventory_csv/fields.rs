//! One field at a time: text limits, money, dates. Every function takes
//! the trimmed text of a field and returns the value or the reason it was
//! refused, worded for the person who wrote the file.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime};

use crate::domain::Currency;
use crate::domain::location::parse_location;
use crate::domain::money::{MoneyError, parse_minor_units};

/// Longest note accepted.
pub const MAX_NOTES: usize = 2000;

fn check_text(text: &str, max: usize) -> Result<(), String> {
    if text.chars().count() > max {
        Err(format!("is longer than {max} characters"))
    } else if text.chars().any(char::is_control) {
        Err("must not contain line breaks, tabs or other control characters".into())
    } else {
        Ok(())
    }
}

/// A text field that must be present.
pub fn required_text(text: &str, max: usize) -> Result<String, String> {
    if text.is_empty() {
        return Err("is required".into());
    }
    check_text(text, max)?;
    Ok(text.to_owned())
}

/// A text field that may be blank.
pub fn optional_text(text: &str, max: usize) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    check_text(text, max)?;
    Ok(Some(text.to_owned()))
}

/// Free text: line breaks and tabs allowed, other control characters not.
pub fn notes(text: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_NOTES {
        return Err(format!("is longer than {MAX_NOTES} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_owned()))
}

/// "'x' is not one of: A, B".
pub fn choice_error(text: &str, choices: &[&str]) -> String {
    if text.is_empty() {
        "is required".into()
    } else {
        format!("'{text}' is not one of: {}", choices.join(", "))
    }
}

/// A storage location (blank: none).
pub fn location(text: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    parse_location(text).map(Some).map_err(|e| e.to_string())
}

/// An ISO currency code (blank: GBP).
pub fn currency(text: &str) -> Result<Currency, String> {
    if text.is_empty() {
        return Ok(Currency::GBP);
    }
    Currency::parse(text)
        .map_err(|_| format!("'{text}' is not a three-letter currency code such as GBP"))
}

/// A price or cost: `£1,234.50`, `1234.5`, `1,234`; blank is none. Exact
/// (no floats); a currency symbol must match the row's currency; thousands
/// separators must sit every three digits; negative amounts are refused.
pub fn money(text: &str, currency: Currency) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut amount = text;
    for symbol in ["£", "$", "€"] {
        if let Some(rest) = amount.strip_prefix(symbol) {
            if symbol != currency.symbol() {
                return Err(format!(
                    "'{text}' is in {symbol} but the row's currency is {currency}"
                ));
            }
            amount = rest.trim_start();
        }
    }
    if amount.starts_with('-') {
        return Err(format!("'{text}' is negative"));
    }
    let (whole, fraction) = amount
        .split_once('.')
        .map_or((amount, None), |(w, f)| (w, Some(f)));
    let ungrouped = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let well_placed = groups.iter().enumerate().all(|(i, g)| {
            let n = g.len();
            g.bytes().all(|b| b.is_ascii_digit())
                && if i == 0 { (1..=3).contains(&n) } else { n == 3 }
        });
        if !well_placed {
            return Err(format!(
                "'{text}' has misplaced thousands separators (write 1234.50 or 1,234.50)"
            ));
        }
        groups.concat()
    } else {
        whole.to_owned()
    };
    let plain = match fraction {
        Some(f) => format!("{ungrouped}.{f}"),
        None => ungrouped,
    };
    parse_minor_units(&plain, currency.decimal_places())
        .map(Some)
        .map_err(|e| match e {
            MoneyError::NotANumber(_) => format!("'{text}' is not an amount such as 12.50"),
            MoneyError::TooPrecise { places, .. } => {
                format!("'{text}' has more than {places} decimal places")
            }
            MoneyError::Overflow(_) => format!("'{text}' is too large"),
            MoneyError::BadCurrency(c) => format!("'{c}' is not a currency"),
        })
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

    const GBP: Currency = Currency::GBP;

    #[test]
    fn money_forms() {
        assert_eq!(money("£1,234.50", GBP), Ok(Some(123_450)));
        assert_eq!(money("1234.5", GBP), Ok(Some(123_450)));
        assert_eq!(money("1,234", GBP), Ok(Some(123_400)));
        assert_eq!(money("1,234,567.89", GBP), Ok(Some(123_456_789)));
        assert_eq!(money("£ 12", GBP), Ok(Some(1200)));
        assert_eq!(money("0.99", GBP), Ok(Some(99)));
        assert_eq!(money("", GBP), Ok(None));
        assert_eq!(money("€5", Currency::EUR), Ok(Some(500)));
    }

    #[test]
    fn money_refusals() {
        for (bad, why) in [
            ("1,23", "misplaced thousands"),
            ("1234,50", "misplaced thousands"),
            (",123", "misplaced thousands"),
            ("12.345", "more than 2 decimal places"),
            ("-5", "negative"),
            ("twelve", "not an amount"),
            ("1.2.3", "not an amount"),
            ("$5", "row's currency is GBP"),
            ("99999999999999999999", "too large"),
        ] {
            let got = money(bad, GBP);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(why)),
                "{bad}: {got:?}"
            );
        }
    }

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
    fn text_limits() {
        assert_eq!(required_text("75192", 40), Ok("75192".to_owned()));
        assert_eq!(required_text("", 40), Err("is required".to_owned()));
        assert!(required_text(&"x".repeat(41), 40).is_err());
        assert!(required_text("a\tb", 40).is_err());
        assert_eq!(optional_text("", 40), Ok(None));
        assert_eq!(
            notes("line one\nline two"),
            Ok(Some("line one\nline two".into()))
        );
        assert!(notes("bell\u{7}").is_err());
        assert!(notes(&"x".repeat(MAX_NOTES + 1)).is_err());
    }

    #[test]
    fn currency_and_location() {
        assert_eq!(currency(""), Ok(Currency::GBP));
        assert_eq!(currency("eur"), Ok(Currency::EUR));
        assert!(currency("pounds").is_err());
        assert_eq!(location(""), Ok(None));
        assert_eq!(location("A-2"), Ok(Some("A-2".to_owned())));
        assert!(location(&"L".repeat(65)).is_err());
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
