//! Match status of order lines and orders (DESIGN.md section 3, "Items,
//! ASIN mappings and links"). Storage computes the same thing in SQL so
//! filters and counts agree; these functions are the reference it is
//! tested against.

use serde::{Deserialize, Serialize};

/// Where one order line stands in being tied to physical stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Every unit of the line is linked to an inventory unit.
    Linked,
    /// Its ASIN has a mapping, so units can be recommended.
    Matched,
    /// It has an ASIN without a mapping.
    Unmatched,
    /// Amazon gave no ASIN, so it cannot be mapped.
    NoAsin,
}

impl MatchStatus {
    /// The value used in JSON and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Linked => "linked",
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "unmatched",
            MatchStatus::NoAsin => "no_asin",
        }
    }

    /// Parses a stored or query-string value.
    pub fn parse(text: &str) -> Option<MatchStatus> {
        [
            MatchStatus::Linked,
            MatchStatus::Matched,
            MatchStatus::Unmatched,
            MatchStatus::NoAsin,
        ]
        .into_iter()
        .find(|s| s.as_str() == text.trim())
    }
}

/// Match status of one line. Linking wins: a line without ASIN can still be
/// linked by hand while confirming an order.
pub fn line_match_status(
    asin: Option<&str>,
    has_mapping: bool,
    quantity: i64,
    linked_units: i64,
) -> MatchStatus {
    let asin = asin.map(str::trim).filter(|a| !a.is_empty());
    if quantity > 0 && linked_units >= quantity {
        MatchStatus::Linked
    } else if asin.is_none() {
        MatchStatus::NoAsin
    } else if has_mapping {
        MatchStatus::Matched
    } else {
        MatchStatus::Unmatched
    }
}

/// Counts over an order's lines, as the journey's `match_summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchSummary {
    /// Number of lines.
    pub total: i64,
    /// Lines with an unmapped ASIN.
    pub unmatched: i64,
    /// Lines without ASIN.
    pub no_asin: i64,
    /// Lines with every unit linked.
    pub linked: i64,
    /// Lines exist, and none is unmatched or without ASIN. An order
    /// whose lines were not fetched yet is neither matched nor unmatched.
    pub all_matched: bool,
}

impl MatchSummary {
    /// The summary of stored counts (lines, unmatched, without ASIN, linked).
    pub fn from_counts(total: i64, unmatched: i64, no_asin: i64, linked: i64) -> Self {
        MatchSummary {
            total,
            unmatched,
            no_asin,
            linked,
            all_matched: total > 0 && unmatched == 0 && no_asin == 0,
        }
    }

    /// Summarises line statuses.
    pub fn from_lines(lines: impl IntoIterator<Item = MatchStatus>) -> Self {
        let mut s = MatchSummary::default();
        for status in lines {
            s.total += 1;
            match status {
                MatchStatus::Unmatched => s.unmatched += 1,
                MatchStatus::NoAsin => s.no_asin += 1,
                MatchStatus::Linked => s.linked += 1,
                MatchStatus::Matched => {}
            }
        }
        MatchSummary::from_counts(s.total, s.unmatched, s.no_asin, s.linked)
    }

    /// The order's lines were not fetched yet ("? items not fetched").
    pub fn items_not_fetched(&self) -> bool {
        self.total == 0
    }
}

/// The Match Status filter of the orders table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchFilter {
    /// Orders whose lines are all matched or linked.
    Matched,
    /// Orders with at least one unmatched line.
    Unmatched,
    /// Orders with at least one line without ASIN.
    NoAsin,
    /// Orders whose lines were not fetched yet.
    NotFetched,
}

/// A Match Status filter value that is none of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown match filter '{0}'")]
pub struct UnknownMatchFilter(pub String);

impl MatchFilter {
    /// Parses a query value; empty or `all` means no filter.
    pub fn parse(text: &str) -> Result<Option<MatchFilter>, UnknownMatchFilter> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "all" => Ok(None),
            "matched" => Ok(Some(MatchFilter::Matched)),
            "unmatched" => Ok(Some(MatchFilter::Unmatched)),
            "no_asin" | "no-asin" | "noasin" => Ok(Some(MatchFilter::NoAsin)),
            "not_fetched" | "not-fetched" => Ok(Some(MatchFilter::NotFetched)),
            other => Err(UnknownMatchFilter(other.to_owned())),
        }
    }

    /// The value used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchFilter::Matched => "matched",
            MatchFilter::Unmatched => "unmatched",
            MatchFilter::NoAsin => "no_asin",
            MatchFilter::NotFetched => "not_fetched",
        }
    }

    /// Whether an order with this summary passes the filter.
    pub fn accepts(self, summary: &MatchSummary) -> bool {
        match self {
            MatchFilter::Matched => summary.all_matched,
            MatchFilter::Unmatched => summary.unmatched > 0,
            MatchFilter::NoAsin => summary.no_asin > 0,
            MatchFilter::NotFetched => summary.items_not_fetched(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchStatus::*;

    #[test]
    fn line_rules() {
        assert_eq!(
            line_match_status(Some("B07JPLG4BS"), false, 1, 0),
            Unmatched
        );
        assert_eq!(line_match_status(Some("B07JPLG4BS"), true, 1, 0), Matched);
        assert_eq!(line_match_status(Some("B07JPLG4BS"), true, 3, 2), Matched);
        assert_eq!(line_match_status(Some("B07JPLG4BS"), true, 3, 3), Linked);
        assert_eq!(line_match_status(None, false, 1, 0), NoAsin);
        assert_eq!(line_match_status(Some("  "), true, 1, 0), NoAsin);
        assert_eq!(line_match_status(None, false, 1, 1), Linked);
        assert_eq!(
            line_match_status(Some("B07JPLG4BS"), false, 0, 0),
            Unmatched
        );
    }

    #[test]
    fn summary_and_filters() {
        let s = MatchSummary::from_lines([Linked, Unmatched, NoAsin, Matched]);
        assert_eq!(
            (s.total, s.unmatched, s.no_asin, s.linked, s.all_matched),
            (4, 1, 1, 1, false)
        );
        assert!(MatchFilter::Unmatched.accepts(&s));
        assert!(MatchFilter::NoAsin.accepts(&s));
        assert!(!MatchFilter::Matched.accepts(&s));
        let ok = MatchSummary::from_lines([Linked, Matched]);
        assert!(ok.all_matched && MatchFilter::Matched.accepts(&ok));
        assert!(!MatchFilter::Unmatched.accepts(&ok));
    }

    #[test]
    fn an_order_without_lines_is_its_own_state() {
        let none = MatchSummary::from_lines([]);
        assert!(!none.all_matched && none.items_not_fetched());
        for filter in [
            MatchFilter::Matched,
            MatchFilter::Unmatched,
            MatchFilter::NoAsin,
        ] {
            assert!(!filter.accepts(&none), "{filter:?}");
        }
        assert!(MatchFilter::NotFetched.accepts(&none));
        assert!(!MatchFilter::NotFetched.accepts(&MatchSummary::from_lines([Matched])));
    }

    #[test]
    fn filter_values() {
        assert_eq!(MatchFilter::parse(""), Ok(None));
        assert_eq!(MatchFilter::parse("No_ASIN"), Ok(Some(MatchFilter::NoAsin)));
        assert_eq!(
            MatchFilter::parse("not_fetched"),
            Ok(Some(MatchFilter::NotFetched))
        );
        assert!(MatchFilter::parse("bogus").is_err());
    }
}
