//! Rules of scheduled runs: how an interval is written (`--sync-every
//! 15m`), how soon a failed run is tried again, and how the orders page
//! words the last and the next run.

use std::time::Duration;

/// The shortest interval accepted: the schedule is stored in whole
/// seconds.
pub const SHORTEST: Duration = Duration::from_secs(1);

/// The longest interval accepted (a year).
pub const LONGEST: Duration = Duration::from_secs(366 * 86_400);

/// The first retry after a failed scheduled run; each further failure in
/// a row doubles it, up to the interval itself.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);

/// Why an interval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EveryError {
    /// Not a number followed by `s`, `m`, `h` or `d`, nor `off`.
    #[error("'{0}' is not an interval: write a number and a unit (30s, 15m, 1h, 1d) or off")]
    Unreadable(String),
    /// Below [`SHORTEST`].
    #[error("'{0}' is too short: the shortest interval is 1s")]
    TooShort(String),
    /// Above [`LONGEST`].
    #[error("'{0}' is too long: the longest interval is 366d")]
    TooLong(String),
}

/// Reads `30s`, `15m`, `1h`, `1d` (or `off`: `None`).
pub fn parse_every(text: &str) -> Result<Option<Duration>, EveryError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let unreadable = || EveryError::Unreadable(t.to_owned());
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(unreadable)?;
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| unreadable())?;
    let seconds = match unit.trim() {
        "s" => Some(n),
        "m" | "min" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(unreadable)?;
    let every = Duration::from_secs(seconds);
    if every < SHORTEST {
        return Err(EveryError::TooShort(t.to_owned()));
    }
    if every > LONGEST {
        return Err(EveryError::TooLong(t.to_owned()));
    }
    Ok(Some(every))
}

/// How long after the `failures`-th failed run in a row (1 for the
/// first) the next is tried: [`FIRST_RETRY`] doubled per further failure,
/// never later than a regular run (`every`).
pub fn retry_delay(every: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    FIRST_RETRY.saturating_mul(1 << doublings).min(every)
}

/// `4 min ago`, as the orders page says when the last sync ended
/// `seconds` ago.
pub fn ago_text(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => "just now".to_owned(),
        s => format!("{} ago", span(s)),
    }
}

/// `in 11 min`, as the orders page says when the next run is due in
/// `seconds` (`due now` when it is due).
pub fn until_text(seconds: i64) -> String {
    match seconds {
        s if s <= 0 => "due now".to_owned(),
        s if s < 60 => format!("in {s} s"),
        s => format!("in {}", span(s)),
    }
}

/// Whole minutes, hours or days of `seconds` (at least 60).
fn span(seconds: i64) -> String {
    match seconds {
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3_600),
        s if s < 2 * 86_400 => "1 day".to_owned(),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_with_a_unit_or_off() {
        let secs = |s| Ok(Some(Duration::from_secs(s)));
        assert_eq!(parse_every("30s"), secs(30));
        assert_eq!(parse_every("15m"), secs(900));
        assert_eq!(parse_every(" 1h "), secs(3_600));
        assert_eq!(parse_every("24h"), secs(86_400));
        assert_eq!(parse_every("1d"), secs(86_400));
        assert_eq!(parse_every("5min"), secs(300));
        assert_eq!(parse_every("off"), Ok(None));
        assert_eq!(parse_every("OFF"), Ok(None));
        for bad in [
            "",
            "15",
            "m",
            "15x",
            "-5m",
            "1.5h",
            "15 m s",
            "99999999999999999999d",
        ] {
            assert!(
                matches!(parse_every(bad), Err(EveryError::Unreadable(_))),
                "{bad:?} is refused"
            );
        }
        assert_eq!(
            parse_every("0s").unwrap_err().to_string(),
            "'0s' is too short: the shortest interval is 1s"
        );
        assert_eq!(
            parse_every("soon").unwrap_err().to_string(),
            "'soon' is not an interval: write a number and a unit (30s, 15m, 1h, 1d) or off"
        );
    }

    #[test]
    fn failed_runs_retry_sooner_then_back_off_to_the_interval() {
        let every = Duration::from_secs(15 * 60);
        let delays: Vec<u64> = (1..=7).map(|n| retry_delay(every, n).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(retry_delay(every, u32::MAX), every);
        // An interval shorter than the first retry is never exceeded.
        assert_eq!(
            retry_delay(Duration::from_secs(5), 1),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_last_and_next_runs_read_like_the_page() {
        assert_eq!(ago_text(-3), "just now");
        assert_eq!(ago_text(59), "just now");
        assert_eq!(ago_text(4 * 60 + 10), "4 min ago");
        assert_eq!(ago_text(2 * 3_600 + 5), "2 h ago");
        assert_eq!(ago_text(86_400 + 1), "1 day ago");
        assert_eq!(ago_text(3 * 86_400), "3 days ago");
        assert_eq!(until_text(0), "due now");
        assert_eq!(until_text(-10), "due now");
        assert_eq!(until_text(45), "in 45 s");
        assert_eq!(until_text(11 * 60 + 5), "in 11 min");
        assert_eq!(until_text(24 * 3_600), "in 1 day");
    }
}
