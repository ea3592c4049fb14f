//! Timestamps as Amazon wants them: UTC, ISO 8601 with a `Z`.

use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How far in the past a "Before" parameter must be: Amazon refuses
/// `CreatedBefore`, `LastUpdatedBefore`, `PostedBefore` later than two
/// minutes before the request.
pub const BEFORE_MARGIN: Duration = Duration::from_secs(120);

/// Formats `at` in UTC with a `Z` suffix, whole seconds:
/// `2026-01-02T03:04:05Z`.
pub fn format_utc(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Clamps a "Before" value so it is at least [`BEFORE_MARGIN`] (plus a few
/// seconds of slack for the request's flight) before `now`.
pub fn clamp_before(before: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
    let latest = now - BEFORE_MARGIN - Duration::from_secs(5);
    before.min(latest)
}

/// A "Before" parameter: clamped against the current time, formatted.
pub(crate) fn before_param(before: Option<OffsetDateTime>) -> Option<String> {
    let now = OffsetDateTime::now_utc();
    before.map(|t| format_utc(clamp_before(t, now)))
}

/// Clamps "Before" filters once, so every page of a listing asks the same
/// question.
pub(crate) fn fix_befores<const N: usize>(befores: [&mut Option<OffsetDateTime>; N]) {
    let now = OffsetDateTime::now_utc();
    for before in befores {
        *before = before.map(|t| clamp_before(t, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_utc_with_z() {
        assert_eq!(
            format_utc(datetime!(2026-01-02 04:04:05.123 +01:00)),
            "2026-01-02T03:04:05Z"
        );
    }

    #[test]
    fn clamps_before_to_two_minutes_ago() {
        let now = datetime!(2026-01-02 12:00:00 UTC);
        assert_eq!(clamp_before(now, now), datetime!(2026-01-02 11:57:55 UTC));
        let old = datetime!(2026-01-01 00:00:00 UTC);
        assert_eq!(clamp_before(old, now), old);
    }
}
