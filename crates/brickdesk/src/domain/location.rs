//! Storage locations: natural ordering, validation and the archive
//! location sold units move to.

use std::cmp::Ordering;

use time::OffsetDateTime;
use time_tz::{OffsetDateTimeExt, Tz};

/// Longest storage location accepted.
pub const MAX_LOCATION_LEN: usize = 64;

/// Compares locations the way people read them: `A-2` before `A-10`,
/// case-insensitive, with an empty location last. Defined by
/// [`natural_sort_key`], so the database (which sorts by that key) and the
/// application always agree.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    match (natural_sort_key(a), natural_sort_key(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(ka), Some(kb)) => ka.cmp(&kb).then_with(|| a.cmp(b)),
    }
}

/// A key whose plain text order is the natural order of locations, so the
/// database can sort by it: lower case, every digit run left-padded to 20
/// digits. `None` for a blank location (sorted last).
pub fn natural_sort_key(location: &str) -> Option<String> {
    let t = location.trim();
    if t.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(t.len() + 16);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            out.extend(std::iter::repeat_n(
                '0',
                20usize.saturating_sub(trimmed.len()),
            ));
            out.push_str(trimmed);
            digits.clear();
        }
    };
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.extend(c.to_lowercase());
        }
    }
    flush(&mut digits, &mut out);
    Some(out)
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

/// The start of a location that names one of Amazon's warehouses
/// (`FBA-UK`, `fba-de-2`): units there are Amazon's to ship. FIFO fills a
/// line of an FBA order from such units first, and a line the seller
/// ships from the others. A setting; [`FbaPrefix::default`] is `FBA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FbaPrefix(String);

/// Longest [`FbaPrefix`] accepted.
pub const MAX_FBA_PREFIX_LEN: usize = 20;

/// An FBA location prefix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The FBA location prefix is 1 to {MAX_FBA_PREFIX_LEN} letters, digits, '-' or '_' (e.g. FBA)"
)]
pub struct FbaPrefixError;

impl FbaPrefix {
    /// Checks a prefix as typed (trimmed; letters, digits, `-`, `_`).
    pub fn parse(text: &str) -> Result<FbaPrefix, FbaPrefixError> {
        let t = text.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if t.is_empty() || t.len() > MAX_FBA_PREFIX_LEN || !t.chars().all(allowed) {
            return Err(FbaPrefixError);
        }
        Ok(FbaPrefix(t.to_owned()))
    }

    /// The prefix as the seller typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `location` starts with the prefix, in any case.
    pub fn names(&self, location: &str) -> bool {
        location
            .trim()
            .get(..self.0.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(&self.0))
    }
}

impl Default for FbaPrefix {
    fn default() -> Self {
        FbaPrefix("FBA".to_owned())
    }
}

/// Looks up an IANA time zone name such as `Europe/London`.
pub fn time_zone(name: &str) -> Option<&'static Tz> {
    time_tz::timezones::get_by_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fba_locations_start_with_the_prefix_in_any_case() {
        let fba = FbaPrefix::default();
        assert_eq!(fba.as_str(), "FBA");
        for at_amazon in ["FBA-UK", "fba-de-2", " Fba", "FBA"] {
            assert!(fba.names(at_amazon), "{at_amazon}");
        }
        for shelf in ["A-1", "SHELF-FBA", "FB", "", "ÉBA-1"] {
            assert!(!fba.names(shelf), "{shelf}");
        }
        let amz = FbaPrefix::parse(" AMZ_ ").expect("a prefix");
        assert!(amz.names("amz_uk") && !amz.names("FBA-UK"));
        for bad in ["", "  ", "FBA UK", "FBA/", "ÜBER", &"X".repeat(21)] {
            assert_eq!(FbaPrefix::parse(bad), Err(FbaPrefixError), "{bad:?}");
        }
    }
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
            ["A-1", "A-02", "A-2", "A-10", "b-1", "S2", "S12", ""]
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
        // The month turns at local midnight, to the second: 23:00 UTC in
        // summer (BST), 00:00 UTC in winter (GMT).
        let at = |t| archive_location(t, london);
        assert_eq!(at(datetime!(2026-07-31 22:59:59 UTC)), "SOLD-2026-07");
        assert_eq!(at(datetime!(2026-07-31 23:00:00 UTC)), "SOLD-2026-08");
        assert_eq!(at(datetime!(2026-12-31 23:59:59 UTC)), "SOLD-2026-12");
        assert_eq!(at(datetime!(2027-01-01 00:00:00 UTC)), "SOLD-2027-01");
        // BST starts on 29 March 2026, so March too ends at 23:00 UTC.
        assert_eq!(at(datetime!(2026-03-31 22:59:59 UTC)), "SOLD-2026-03");
        assert_eq!(at(datetime!(2026-03-31 23:00:00 UTC)), "SOLD-2026-04");
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

    #[test]
    fn sort_keys_order_like_natural_cmp() {
        assert_eq!(
            natural_sort_key("A-2").as_deref(),
            Some("a-00000000000000000002")
        );
        assert_eq!(natural_sort_key("  "), None);
        let mut v = vec!["A-10", "b-1", "A-2", "S12", "S2", "A-1"];
        v.sort_by_key(|l| natural_sort_key(l));
        assert_eq!(v, ["A-1", "A-2", "A-10", "b-1", "S2", "S12"]);
    }

    proptest! {
        #[test]
        fn digit_runs_compare_by_value(prefix in "[A-Cb]?-?", x in 0u64..100_000, y in 0u64..100_000) {
            let (a, b) = (format!("{prefix}{x}"), format!("{prefix}{y}"));
            prop_assert_eq!(natural_cmp(&a, &b), x.cmp(&y));
        }

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
