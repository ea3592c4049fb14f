//! Storage locations: natural ordering, validation and the archive
//! location sold units move to.

use std::cmp::Ordering;

use time::OffsetDateTime;
use time_tz::{OffsetDateTimeExt, Tz};

/// Longest storage location accepted.
pub const MAX_LOCATION_LEN: usize = 64;

/// Compares locations the way people read them: `A-2` before `A-10`,
/// case-insensitive, with an empty location last.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (ka, kb) = (natural_key(a), natural_key(b));
    ka.cmp(&kb).then_with(|| a.cmp(b))
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chunk {
    // Numbers sort before text at the same position, as in file managers.
    Number(u128, usize),
    Text(String),
}

fn natural_key(s: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut chars = s.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            let trimmed = digits.trim_start_matches('0');
            // Very long digit runs compare by length first, then text.
            let value = trimmed.parse::<u128>().unwrap_or(u128::MAX);
            out.push(Chunk::Number(value, digits.len()));
        } else {
            let mut text = String::new();
            while let Some(&t) = chars.peek().filter(|t| !t.is_ascii_digit()) {
                text.extend(t.to_lowercase());
                chars.next();
            }
            out.push(Chunk::Text(text));
        }
    }
    out
}

/// A location typed by a person was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// Blank.
    #[error("location must not be empty")]
    Empty,
    /// Longer than [`MAX_LOCATION_LEN`].
    #[error("location must be at most {MAX_LOCATION_LEN} characters")]
    TooLong,
    /// Contains control characters.
    #[error("location must not contain control characters")]
    ControlCharacters,
}

/// Validates and trims a storage or archive location.
pub fn parse_location(text: &str) -> Result<String, LocationError> {
    let t = text.trim();
    if t.is_empty() {
        Err(LocationError::Empty)
    } else if t.chars().count() > MAX_LOCATION_LEN {
        Err(LocationError::TooLong)
    } else if t.chars().any(char::is_control) {
        Err(LocationError::ControlCharacters)
    } else {
        Ok(t.to_owned())
    }
}

/// The default archive location for units confirmed at `at`:
/// `SOLD-YYYY-MM` of that moment in the seller's time zone.
pub fn archive_location(at: OffsetDateTime, tz: &Tz) -> String {
    let local = at.to_timezone(tz);
    format!("SOLD-{:04}-{:02}", local.year(), u8::from(local.month()))
}

/// Looks up an IANA time zone name such as `Europe/London`.
pub fn time_zone(name: &str) -> Option<&'static Tz> {
    time_tz::timezones::get_by_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_by(|a, b| natural_cmp(a, b));
        v
    }

    #[test]
    fn natural_order() {
        assert_eq!(
            sorted(vec!["A-10", "", "b-1", "A-2", "S12", "A-02", "S2", "A-1"]),
            ["A-1", "A-2", "A-02", "A-10", "b-1", "S2", "S12", ""]
        );
    }

    #[test]
    fn archive_location_uses_the_sellers_time_zone() {
        let london = time_zone("Europe/London").unwrap_or_else(|| panic!("tz db"));
        assert_eq!(
            archive_location(datetime!(2026-01-15 12:00 UTC), london),
            "SOLD-2026-01"
        );
        // 23:30 UTC on 31 July is 00:30 BST on 1 August.
        assert_eq!(
            archive_location(datetime!(2026-07-31 23:30 UTC), london),
            "SOLD-2026-08"
        );
        // In winter London is on UTC.
        assert_eq!(
            archive_location(datetime!(2026-12-31 23:30 UTC), london),
            "SOLD-2026-12"
        );
        let tokyo = time_zone("Asia/Tokyo").unwrap_or_else(|| panic!("tz db"));
        assert_eq!(
            archive_location(datetime!(2026-12-31 16:00 UTC), tokyo),
            "SOLD-2027-01"
        );
        assert!(time_zone("Mars/Olympus").is_none());
    }

    #[test]
    fn location_validation() {
        assert_eq!(parse_location("  SOLD-2026-01 "), Ok("SOLD-2026-01".into()));
        assert_eq!(parse_location("  "), Err(LocationError::Empty));
        assert_eq!(
            parse_location("a\tb"),
            Err(LocationError::ControlCharacters)
        );
        assert_eq!(parse_location(&"x".repeat(65)), Err(LocationError::TooLong));
    }

    proptest! {
        #[test]
        fn natural_cmp_is_a_total_order(mut v in proptest::collection::vec("[A-Cb]?-?[0-9]{0,3}", 0..12)) {
            v.sort_by(|a, b| natural_cmp(a, b));
            for w in v.windows(2) {
                prop_assert_ne!(natural_cmp(&w[0], &w[1]), Ordering::Greater);
                prop_assert_eq!(natural_cmp(&w[0], &w[1]), natural_cmp(&w[1], &w[0]).reverse());
            }
        }
    }
}
