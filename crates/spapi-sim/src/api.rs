//! The SP-API operations the simulator serves, and what they share: one
//! handler for every operation, query parsing, Amazon's error bodies,
//! timestamps, pagination.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Value, json};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::server::{Operation, SimState};

pub(crate) mod finances;
pub(crate) mod lwa;
pub(crate) mod orders;
pub(crate) mod orders_v0;
pub(crate) mod reports;
pub(crate) mod shipments;
pub(crate) mod transactions;

/// A 4xx/5xx answer in Amazon's `{"errors": [...]}` shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: String,
}

impl ApiFailure {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidInput",
            message: message.into(),
            details: String::new(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            message: message.into(),
            details: String::new(),
        }
    }

    pub(crate) fn body(&self) -> Value {
        json!({"errors": [{"code": self.code, "message": self.message, "details": self.details}]})
    }
}

/// What an operation reads from its request.
pub(crate) struct Call {
    /// The path parameter (order, report or document id); empty when the
    /// path has none.
    pub(crate) id: String,
    pub(crate) query: Query,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A `GET` operation served by `run`.
pub(crate) fn get(op: Operation, run: Run) -> MethodRouter<Arc<SimState>> {
    operation(MethodFilter::GET, op, run)
}

/// A `POST` operation served by `run`.
pub(crate) fn post(op: Operation, run: Run) -> MethodRouter<Arc<SimState>> {
    operation(MethodFilter::POST, op, run)
}

/// What serves one operation.
pub(crate) type Run = fn(&SimState, &Call) -> Result<Value, ApiFailure>;

/// Every request goes through [`SimState::respond`] (faults, token, usage
/// plan) before `run`.
fn operation(method: MethodFilter, op: Operation, run: Run) -> MethodRouter<Arc<SimState>> {
    let handler = move |State(state): State<Arc<SimState>>,
                        id: Option<Path<String>>,
                        headers: HeaderMap,
                        RawQuery(raw): RawQuery,
                        body: Bytes| async move {
        let call = Call {
            id: id.map(|Path(id)| id).unwrap_or_default(),
            query: Query::parse(raw.as_deref()),
            headers,
            body,
        };
        state.respond(op, &call.headers, |s| run(s, &call)).await
    };
    on(method, handler)
}

/// Adds the next page's token, when there is one, under `name`.
pub(crate) fn with_next(page: &mut Value, name: &str, next: Option<String>) {
    if let Some(next) = next {
        page[name] = json!(next);
    }
}

/// The raw query string as name/value pairs. Unknown names are ignored
/// by the handlers, as Amazon does; list parameters may be comma-joined
/// (Swagger `csv`) or repeated.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        Query(pairs)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub(crate) fn time(&self, name: &str) -> Result<Option<OffsetDateTime>, ApiFailure> {
        self.get(name)
            .map(|v| {
                parse_time(v).ok_or_else(|| {
                    ApiFailure::invalid(format!(
                        "Invalid {name}: {v:?} is not an ISO 8601 date-time"
                    ))
                })
            })
            .transpose()
    }

    /// A page size between 1 and 100 (default 100).
    pub(crate) fn page_size(&self, name: &str) -> Result<usize, ApiFailure> {
        match self.get(name) {
            None => Ok(100),
            Some(v) => match v.parse::<usize>() {
                Ok(n @ 1..=100) => Ok(n),
                _ => Err(ApiFailure::invalid(format!(
                    "{name} must be between 1 and 100, was {v:?}"
                ))),
            },
        }
    }

    /// Values of a list parameter that must come from `allowed`.
    pub(crate) fn enum_list(
        &self,
        name: &str,
        allowed: &[&str],
    ) -> Result<Vec<String>, ApiFailure> {
        let values = self.list(name);
        match values.iter().find(|v| !allowed.contains(&v.as_str())) {
            Some(bad) => Err(ApiFailure::invalid(format!("Invalid {name} value {bad:?}"))),
            None => Ok(values),
        }
    }
}

/// ISO 8601 date-time (RFC 3339) or a plain date (midnight UTC).
pub(crate) fn parse_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// `2026-01-02T03:04:05Z`.
pub(crate) fn format_time(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// The latest "Before" Amazon accepts: two minutes before now.
pub(crate) fn latest_before() -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::minutes(2)
}

/// A time window `[after, before]` with Amazon's rules on "Before".
pub(crate) fn window(
    after_name: &str,
    after: Option<OffsetDateTime>,
    before_name: &str,
    before: Option<OffsetDateTime>,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiFailure> {
    let latest = latest_before();
    let after = after.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    if after > latest {
        return Err(ApiFailure::invalid(format!(
            "{after_name} must be at least two minutes before the current time"
        )));
    }
    let before = match before {
        Some(b) if b > latest => {
            return Err(ApiFailure::invalid(format!(
                "{before_name} must be at least two minutes before the current time"
            )));
        }
        Some(b) if b < after => {
            return Err(ApiFailure::invalid(format!(
                "{before_name} must be after {after_name}"
            )));
        }
        Some(b) => b,
        None => latest,
    };
    Ok((after, before))
}

/// `203-1234567-1234567`.
pub(crate) fn is_order_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .zip([3, 7, 7])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `{"CurrencyCode": "GBP", "Amount": "12.34"}` (Orders v0).
pub(crate) fn money_v0(pence: i64, currency: &str) -> Value {
    json!({"CurrencyCode": currency, "Amount": crate::seller::pence_text(pence)})
}

/// `{"currencyCode": "GBP", "amount": "12.34"}` (Orders 2026-01-01).
pub(crate) fn money_2026(pence: i64, currency: &str) -> Value {
    json!({"currencyCode": currency, "amount": crate::seller::pence_text(pence)})
}

/// A JSON number with exactly two decimals' value (Finances `BigDecimal`).
pub(crate) fn number(pence: i64) -> Value {
    let text = crate::seller::pence_text(pence);
    Value::Number(text.parse().unwrap_or_else(|_| serde_json::Number::from(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_reads_csv_and_repeated_lists_and_decodes() {
        let q = Query::parse(Some("A=1,2&A=3&Tok=a%2Bb%2F%3D&Empty="));
        assert_eq!(q.list("A"), ["1", "2", "3"]);
        assert_eq!(q.get("Tok"), Some("a+b/="));
        assert_eq!(q.get("Empty"), None);
        assert_eq!(q.page_size("Missing").unwrap(), 100);
        assert!(Query::parse(Some("N=0")).page_size("N").is_err());
        assert!(Query::parse(Some("N=101")).page_size("N").is_err());
    }

    #[test]
    fn parses_times_and_windows() {
        assert!(parse_time("2026-01-02T03:04:05Z").is_some());
        assert!(parse_time("2026-01-02T03:04:05.123+01:00").is_some());
        assert!(parse_time("2026-01-02").is_some());
        assert!(parse_time("yesterday").is_none());
        let now = OffsetDateTime::now_utc();
        let day_ago = Some(now - Duration::days(1));
        assert!(window("A", day_ago, "B", Some(now - Duration::seconds(60))).is_err());
        assert!(window("A", day_ago, "B", Some(now - Duration::days(2))).is_err());
        let (_, before) = window("A", day_ago, "B", None).unwrap();
        assert!(before <= OffsetDateTime::now_utc() - Duration::minutes(2));
        assert!(before >= now - Duration::minutes(3));
    }

    #[test]
    fn finance_numbers_are_exact() {
        assert_eq!(number(-1999).to_string(), "-19.99");
        assert_eq!(number(10).to_string(), "0.1");
        assert!(is_order_id("203-1234567-1234567"));
        assert!(!is_order_id("BAD-ORDER"));
    }
}
