//! The range and periods of a report, in the seller's local days, and the
//! UTC offsets those days have.

use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};
use time_tz::{OffsetDateTimeExt, PrimitiveDateTimeExt, Tz};

/// How a report's range is cut into periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// One period a day.
    Day,
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Group {
    /// Every grouping.
    pub const ALL: [Group; 3] = [Group::Day, Group::Week, Group::Month];

    /// As the API and forms write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Day => "day",
            Group::Week => "week",
            Group::Month => "month",
        }
    }

    /// Reads `day`, `week` or `month`.
    pub fn parse(text: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == text)
    }

    /// The grouping that keeps a range's chart readable: days up to a
    /// month, weeks up to half a year, months beyond.
    pub fn fitting(from: Date, to: Date) -> Group {
        match (to - from).whole_days() {
            ..=31 => Group::Day,
            32..=184 => Group::Week,
            _ => Group::Month,
        }
    }

    /// The first day of the period holding `day`.
    pub fn start_of(self, day: Date) -> Date {
        match self {
            Group::Day => day,
            Group::Week => day - Duration::days(i64::from(day.weekday().number_days_from_monday())),
            Group::Month => day.replace_day(1).unwrap_or(day),
        }
    }

    /// The first day of the period after the one starting on `start`.
    fn next(self, start: Date) -> Date {
        match self {
            Group::Day => start + Duration::days(1),
            Group::Week => start + Duration::weeks(1),
            Group::Month => first_of_next_month(start),
        }
    }
}

fn first_of_next_month(day: Date) -> Date {
    let (year, month) = match day.month() {
        Month::December => (day.year() + 1, Month::January),
        m => (day.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(day)
}

/// The ranges a seller picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeChoice {
    /// From the first of this month to today.
    ThisMonth,
    /// The whole of last month.
    LastMonth,
    /// This month and the eleven before it.
    Last12Months,
    /// Dates the seller gives.
    Custom,
}

impl RangeChoice {
    /// Every choice, as the form lists them.
    pub const ALL: [RangeChoice; 4] = [
        RangeChoice::ThisMonth,
        RangeChoice::LastMonth,
        RangeChoice::Last12Months,
        RangeChoice::Custom,
    ];

    /// As the form writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RangeChoice::ThisMonth => "this-month",
            RangeChoice::LastMonth => "last-month",
            RangeChoice::Last12Months => "last-12-months",
            RangeChoice::Custom => "custom",
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            RangeChoice::ThisMonth => "This month",
            RangeChoice::LastMonth => "Last month",
            RangeChoice::Last12Months => "Last 12 months",
            RangeChoice::Custom => "Custom dates",
        }
    }

    /// Reads a form value.
    pub fn parse(text: &str) -> Option<RangeChoice> {
        RangeChoice::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The first and last day of a preset range on `today` (`None` for
    /// custom dates).
    pub fn dates(self, today: Date) -> Option<(Date, Date)> {
        let month_start = Group::Month.start_of(today);
        match self {
            RangeChoice::ThisMonth => Some((month_start, today)),
            RangeChoice::LastMonth => {
                let last = month_start - Duration::days(1);
                Some((Group::Month.start_of(last), last))
            }
            RangeChoice::Last12Months => {
                let mut start = month_start;
                for _ in 0..11 {
                    start = Group::Month.start_of(start - Duration::days(1));
                }
                Some((start, today))
            }
            RangeChoice::Custom => None,
        }
    }
}

/// Why a range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportRangeError {
    /// `to` before `from`.
    #[error("the range ends ({to}) before it starts ({from})")]
    Backwards {
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
    /// More periods than a report shows.
    #[error(
        "{periods} periods are too many for one report (at most {MAX_PERIODS}): choose a shorter range or a longer period"
    )]
    TooManyPeriods {
        /// Periods the range would have.
        periods: usize,
    },
}

/// Periods one report may hold (three years of days).
pub const MAX_PERIODS: usize = 1_100;

/// A report's first and last local day and how it is cut into periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRange {
    from: Date,
    to: Date,
    group: Group,
}

impl ReportRange {
    /// A range of whole local days, `from` to `to` inclusive.
    pub fn new(from: Date, to: Date, group: Group) -> Result<ReportRange, ReportRangeError> {
        if to < from {
            return Err(ReportRangeError::Backwards { from, to });
        }
        let range = ReportRange { from, to, group };
        let periods = range.count_periods();
        if periods > MAX_PERIODS {
            return Err(ReportRangeError::TooManyPeriods { periods });
        }
        Ok(range)
    }

    /// First day.
    pub fn from(&self) -> Date {
        self.from
    }

    /// Last day.
    pub fn to(&self) -> Date {
        self.to
    }

    /// The grouping.
    pub fn group(&self) -> Group {
        self.group
    }

    fn count_periods(&self) -> usize {
        let mut n = 0;
        let mut start = self.group.start_of(self.from);
        while start <= self.to && n <= MAX_PERIODS {
            n += 1;
            start = self.group.next(start);
        }
        n
    }

    /// Each period's first and last day, clipped to the range.
    pub fn periods(&self) -> Vec<(Date, Date)> {
        let mut out = Vec::new();
        let mut start = self.group.start_of(self.from);
        while start <= self.to {
            let next = self.group.next(start);
            out.push((
                start.max(self.from),
                (next - Duration::days(1)).min(self.to),
            ));
            start = next;
        }
        out
    }

    /// The range cut into at most `n` runs of whole days, as the instants
    /// each covers in `tz` (first midnight, the midnight after its last day).
    pub fn slices(&self, n: i64, tz: &Tz) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        let days = (self.to - self.from).whole_days() + 1;
        let n = n.clamp(1, days);
        (0..n)
            .map(|k| {
                let first = self.from + Duration::days(days * k / n);
                let after = self.from + Duration::days(days * (k + 1) / n);
                (local_midnight(first, tz), local_midnight(after, tz))
            })
            .collect()
    }

    /// The instants the range covers in `tz`: from the first day's
    /// midnight to the midnight after the last day.
    pub fn instants(&self, tz: &Tz) -> (OffsetDateTime, OffsetDateTime) {
        (
            local_midnight(self.from, tz),
            local_midnight(self.to + Duration::days(1), tz),
        )
    }
}

/// The instant a local day starts (the first one, where clocks go back).
pub fn local_midnight(day: Date, tz: &Tz) -> OffsetDateTime {
    let midnight = day.midnight();
    midnight
        .assume_timezone(tz)
        .take_first()
        .unwrap_or_else(|| midnight.assume_utc())
        .to_offset(UtcOffset::UTC)
}

/// A stretch of time with one UTC offset: instants before `until` (all
/// later ones when `None`) are `offset_seconds` ahead of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Where the next offset starts.
    pub until: Option<OffsetDateTime>,
    /// Seconds ahead of UTC.
    pub offset_seconds: i32,
}

fn offset_at(at: OffsetDateTime, tz: &Tz) -> i32 {
    at.to_timezone(tz).offset().whole_seconds()
}

/// The UTC offsets `tz` has between `start` and `end`, to the second, so a
/// query can turn each stored UTC instant into its local day.
pub fn offset_segments(start: OffsetDateTime, end: OffsetDateTime, tz: &Tz) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = start;
    let mut offset = offset_at(start, tz);
    // Offsets change at most a few times a year: step a day at a time and
    // find each change to the second between two steps.
    while at < end {
        let step = (at + Duration::days(1)).min(end);
        let next = offset_at(step, tz);
        if next != offset {
            let (mut low, mut high) = (at, step);
            while high - low > Duration::seconds(1) {
                let mid = low + Duration::seconds((high - low).whole_seconds() / 2);
                if offset_at(mid, tz) == offset {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            out.push(Segment {
                until: Some(high),
                offset_seconds: offset,
            });
            offset = next;
        }
        at = step;
    }
    out.push(Segment {
        until: None,
        offset_seconds: offset,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use time_tz::timezones::db::europe::LONDON;

    #[test]
    fn presets_cover_whole_months() {
        let today = date!(2026 - 12 - 06);
        assert_eq!(
            RangeChoice::ThisMonth.dates(today),
            Some((date!(2026 - 12 - 01), today))
        );
        assert_eq!(
            RangeChoice::LastMonth.dates(today),
            Some((date!(2026 - 11 - 01), date!(2026 - 11 - 30)))
        );
        assert_eq!(
            RangeChoice::Last12Months.dates(today),
            Some((date!(2026 - 01 - 01), today))
        );
        assert_eq!(
            RangeChoice::LastMonth.dates(date!(2026 - 01 - 15)),
            Some((date!(2025 - 12 - 01), date!(2025 - 12 - 31)))
        );
        assert_eq!(RangeChoice::Custom.dates(today), None);
        for c in RangeChoice::ALL {
            assert_eq!(RangeChoice::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn periods_are_clipped_to_the_range_and_weeks_start_on_monday() {
        let weeks = ReportRange::new(date!(2026 - 12 - 03), date!(2026 - 12 - 15), Group::Week)
            .expect("range")
            .periods();
        assert_eq!(
            weeks,
            [
                (date!(2026 - 12 - 03), date!(2026 - 12 - 06)),
                (date!(2026 - 12 - 07), date!(2026 - 12 - 13)),
                (date!(2026 - 12 - 14), date!(2026 - 12 - 15)),
            ]
        );
        assert_eq!(weeks[1].0.weekday(), time::Weekday::Monday);
        let months = ReportRange::new(date!(2025 - 12 - 20), date!(2026 - 02 - 03), Group::Month)
            .expect("range")
            .periods();
        assert_eq!(months.len(), 3);
        assert_eq!(months[1], (date!(2026 - 01 - 01), date!(2026 - 01 - 31)));
        assert_eq!(
            Group::fitting(date!(2026 - 01 - 01), date!(2026 - 01 - 31)),
            Group::Day
        );
        assert_eq!(
            Group::fitting(date!(2026 - 01 - 01), date!(2026 - 05 - 31)),
            Group::Week
        );
        assert_eq!(
            Group::fitting(date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            Group::Month
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(matches!(
            ReportRange::new(date!(2026 - 02 - 01), date!(2026 - 01 - 01), Group::Day),
            Err(ReportRangeError::Backwards { .. })
        ));
        assert!(matches!(
            ReportRange::new(date!(2020 - 01 - 01), date!(2026 - 01 - 01), Group::Day),
            Err(ReportRangeError::TooManyPeriods { .. })
        ));
    }

    #[test]
    fn london_changes_offset_at_one_in_the_morning_utc() {
        let range = ReportRange::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31), Group::Month)
            .expect("range");
        let (start, end) = range.instants(LONDON);
        assert_eq!(start, datetime!(2026-01-01 00:00 UTC));
        assert_eq!(end, datetime!(2027-01-01 00:00 UTC));
        assert_eq!(
            offset_segments(start, end, LONDON),
            [
                Segment {
                    until: Some(datetime!(2026-03-29 01:00 UTC)),
                    offset_seconds: 0
                },
                Segment {
                    until: Some(datetime!(2026-10-25 01:00 UTC)),
                    offset_seconds: 3600
                },
                Segment {
                    until: None,
                    offset_seconds: 0
                },
            ]
        );
        let slices = range.slices(2, LONDON);
        assert_eq!(slices.len(), 2);
        assert_eq!((slices[0].0, slices[1].1), (start, end));
        assert_eq!(slices[0].1, slices[1].0);
        assert_eq!(slices[0].1, datetime!(2026-07-01 23:00 UTC));
        let summer = ReportRange::new(date!(2026 - 07 - 01), date!(2026 - 07 - 01), Group::Day)
            .expect("range");
        assert_eq!(summer.instants(LONDON).0, datetime!(2026-06-30 23:00 UTC));
    }
}
