//! Profit reports over HTTP: the page `/reports/profit` (charts and
//! tables), the same figures as JSON at `/api/reports/profit`, the sold
//! units as CSV, and the stock view `/inventory/stock`.

mod page;
mod stock;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::Date;

use super::extract::{Query, form_date};
use super::routes::{Access, Routes};
use super::{AppError, AppState, PageError, csv_attachment};
use crate::domain::profit::permille_text;
use crate::domain::profit::{CurrencyReport, Figure, Group, RangeChoice, ReportRange, Totals};
use crate::domain::{Currency, Money};
use crate::reports;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/reports/profit", Access::User, page::show)
        .get("/reports/profit/units.csv", Access::User, units_csv)
        .get("/api/reports/profit", Access::User, profit_json)
        .get("/inventory/stock", Access::User, stock::show)
}

/// The profit report operation.
#[derive(utoipa::OpenApi)]
#[openapi(paths(profit_json))]
pub struct ReportsApi;

/// A report's query: a preset range or `from`/`to` (YYYY-MM-DD, local
/// days, inclusive), a grouping and a currency.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `this-month`, `last-month`, `last-12-months` or `custom`.
    #[serde(default)]
    range: String,
    /// First day (custom ranges), e.g. `2026-01-01`.
    #[serde(default)]
    #[param(format = Date)]
    from: String,
    /// Last day (custom ranges), e.g. `2026-01-31`.
    #[serde(default)]
    #[param(format = Date)]
    to: String,
    /// `day`, `week` or `month` (empty: the one that fits the range).
    #[serde(default)]
    group: String,
    /// One currency (empty: every currency, each apart).
    #[serde(default)]
    currency: String,
}

/// What a report's query asks for.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    choice: RangeChoice,
    range: ReportRange,
    currency: Option<Currency>,
}

impl ReportParams {
    /// The range and currency asked for, on the seller's `today`. No
    /// range and no dates: the last 12 months; dates alone: those dates.
    fn resolve(&self, today: Date) -> Result<Resolved, String> {
        let has_dates = !self.from.trim().is_empty() || !self.to.trim().is_empty();
        let choice = match self.range.trim() {
            "" if has_dates => RangeChoice::Custom,
            "" => RangeChoice::Last12Months,
            text => RangeChoice::parse(text).ok_or_else(|| {
                format!(
                    "range: '{text}' is not one of this-month, last-month, last-12-months, custom"
                )
            })?,
        };
        let (from, to) = match choice.dates(today) {
            Some(dates) => dates,
            None => {
                if self.from.trim().is_empty() || self.to.trim().is_empty() {
                    return Err("a custom range needs both from and to (YYYY-MM-DD)".into());
                }
                (form_date("from", &self.from)?, form_date("to", &self.to)?)
            }
        };
        let group = match self.group.trim() {
            "" => Group::fitting(from, to),
            text => Group::parse(text)
                .ok_or_else(|| format!("group: '{text}' is not one of day, week, month"))?,
        };
        let currency = match self.currency.trim() {
            "" => None,
            code => Some(
                Currency::parse(code)
                    .map_err(|_| format!("currency: '{code}' is not a currency code"))?,
            ),
        };
        let range = ReportRange::new(from, to, group).map_err(|e| e.to_string())?;
        Ok(Resolved {
            choice,
            range,
            currency,
        })
    }
}

/// Figures as JSON: counts as numbers, money as decimal strings in the
/// report's currency, with the totals derived from them.
fn figures_json(t: &Totals, currency: Currency) -> serde_json::Map<String, serde_json::Value> {
    let money =
        |minor: i64| serde_json::Value::from(Money::from_minor(minor, currency).to_plain_string());
    let mut out = serde_json::Map::new();
    for figure in Figure::ALL {
        if matches!(figure, Figure::ProfitRevenue | Figure::DaysInStock) {
            continue;
        }
        let value = if figure.is_money() {
            money(t.get(figure))
        } else {
            t.get(figure).into()
        };
        out.insert(figure.key().to_owned(), value);
    }
    out.insert("totalFees".into(), money(t.total_fees()));
    out.insert("unitsWithProfit".into(), t.units_with_profit().into());
    out.insert(
        "marginPercent".into(),
        t.margin_permille().map(permille_text).into(),
    );
    out.insert(
        "averageDaysInStock".into(),
        t.average_days_in_stock().into(),
    );
    out
}

/// One period of a report: its first and last day and its figures.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct PeriodJson {
    start: String,
    end: String,
    /// The figures, as in `totals`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    figures: serde_json::Map<String, serde_json::Value>,
}

/// The report of one currency.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CurrencyJson {
    currency: Currency,
    /// The figures of the whole range: counts as numbers, money as decimal
    /// strings in this currency (`revenue`, `totalFees`, `profit`, …).
    #[schema(value_type = Object)]
    totals: serde_json::Map<String, serde_json::Value>,
    periods: Vec<PeriodJson>,
}

impl CurrencyJson {
    fn new(report: &CurrencyReport) -> CurrencyJson {
        CurrencyJson {
            currency: report.currency,
            totals: figures_json(&report.totals, report.currency),
            periods: report
                .periods
                .iter()
                .map(|(start, end, t)| PeriodJson {
                    start: start.to_string(),
                    end: end.to_string(),
                    figures: figures_json(t, report.currency),
                })
                .collect(),
        }
    }
}

/// `GET /api/reports/profit`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProfitJson {
    from: String,
    to: String,
    #[schema(value_type = String)]
    group: &'static str,
    #[schema(value_type = String)]
    time_zone: &'static str,
    /// One report per currency (amounts are never added across them).
    currencies: Vec<CurrencyJson>,
}

/// Revenue, Amazon's fees, cost and profit of the units sold in a range,
/// per currency and per day, week or month.
#[utoipa::path(
    get,
    path = "/api/reports/profit",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "The report", body = ProfitJson),
        (status = 400, description = "A parameter is not valid", body = super::error::ErrorBody),
    )
)]
async fn profit_json(
    State(state): State<AppState>,
    Query(params): Query<ReportParams>,
) -> Result<Json<ProfitJson>, AppError> {
    let asked = params
        .resolve(state.today())
        .map_err(AppError::BadRequest)?;
    let report =
        reports::profit_report(&state.db, asked.range, state.time_zone(), asked.currency).await?;
    Ok(Json(ProfitJson {
        from: asked.range.from().to_string(),
        to: asked.range.to().to_string(),
        group: asked.range.group().as_str(),
        time_zone: state.config.time_zone.name(),
        currencies: report.currencies.iter().map(CurrencyJson::new).collect(),
    }))
}

/// `GET /reports/profit/units.csv`: one row per sold unit of the range.
#[tracing::instrument(skip_all)]
async fn units_csv(
    State(state): State<AppState>,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    let asked = params
        .resolve(state.today())
        .map_err(AppError::BadRequest)?;
    let lines =
        reports::unit_lines(&state.db, &asked.range, state.time_zone(), asked.currency).await?;
    let bytes = reports::units_csv::write(&lines).map_err(|e| AppError::Internal(e.into()))?;
    let filename = format!(
        "brickdesk-sold-units-{}-to-{}.csv",
        asked.range.from(),
        asked.range.to()
    );
    Ok(csv_attachment(&filename, bytes))
}
