//! `/reports/profit`: the report of a range per currency, with its chart,
//! the table beside it, the sets that made and lost the most, and the
//! units sold at a loss.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use time::Date;

use super::{ReportParams, Resolved};
use crate::db::reports::{LossUnit, SetTotals};
use crate::domain::profit::{CurrencyReport, Figure, Group, RangeChoice, Totals, permille_text};
use crate::domain::{Currency, Money};
use crate::reports::chart::{self, Series};
use crate::reports::{self, ProfitDetail};
use crate::web::extract::Query;
use crate::web::{AppState, PageError, html};

/// Sets listed in each of the four rankings.
const SETS_SHOWN: usize = 5;

/// One row of the period table (and its total row).
pub struct PeriodRow {
    label: String,
    units: i64,
    gross: String,
    fees: String,
    cost: String,
    profit: String,
}

/// A set in a ranking.
pub struct SetRow {
    set_number: String,
    item_name: String,
    units: i64,
    profit: String,
    margin: String,
}

/// A currency's part of the page.
pub struct CurrencyView {
    code: String,
    notes: Vec<String>,
    cards: Vec<(&'static str, String)>,
    breakdown: Vec<(&'static str, String)>,
    chart_svg: String,
    periods: Vec<PeriodRow>,
    total: PeriodRow,
    rankings: Vec<(&'static str, Vec<SetRow>)>,
    losses: Vec<LossUnit>,
    loss_count: i64,
}

#[derive(Template)]
#[template(path = "reports_profit.html")]
struct ProfitPage {
    choices: Vec<(&'static str, &'static str)>,
    choice: &'static str,
    from: String,
    to: String,
    group: &'static str,
    groups: [&'static str; 3],
    currency: String,
    range_text: String,
    query: String,
    error: Option<String>,
    currencies: Vec<CurrencyView>,
}

/// How a period is named on the chart and in the table.
fn period_label(start: Date, end: Date, group: Group) -> String {
    let day = time::macros::format_description!("[day padding:none] [month repr:short]");
    let month = time::macros::format_description!("[month repr:short] [year]");
    let text = match group {
        Group::Day => start.format(day),
        Group::Week if start == end => start.format(day),
        Group::Week => start.format(day).map(|s| format!("{s}–{}", end.day())),
        Group::Month => start.format(month),
    };
    text.unwrap_or_else(|_| start.to_string())
}

fn money(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).to_string()
}

fn period_row(label: String, t: &Totals, currency: Currency) -> PeriodRow {
    PeriodRow {
        label,
        units: t.get(Figure::Units),
        gross: money(t.get(Figure::GrossSales), currency),
        fees: money(t.total_fees(), currency),
        cost: money(t.get(Figure::CostOfGoods), currency),
        profit: money(t.get(Figure::Profit), currency),
    }
}

fn margin_text(t: &Totals) -> String {
    t.margin_permille()
        .map_or_else(|| "—".to_owned(), |m| format!("{} %", permille_text(m)))
}

/// The four rankings of the sets sold in `currency`.
fn rankings(sets: &[SetTotals], currency: Currency) -> Vec<(&'static str, Vec<SetRow>)> {
    let mine: Vec<&SetTotals> = sets.iter().filter(|s| s.currency == currency).collect();
    let row = |s: &&SetTotals| SetRow {
        set_number: s.set_number.clone(),
        item_name: s.item_name.clone(),
        units: s.totals.get(Figure::Units),
        profit: money(s.totals.get(Figure::Profit), currency),
        margin: margin_text(&s.totals),
    };
    let ranked = |key: &dyn Fn(&SetTotals) -> i64, best_first: bool| {
        let mut sorted = mine.clone();
        sorted.sort_by(|a, b| {
            let order = key(a)
                .cmp(&key(b))
                .then_with(|| a.set_number.cmp(&b.set_number));
            if best_first { order.reverse() } else { order }
        });
        sorted.iter().take(SETS_SHOWN).map(row).collect::<Vec<_>>()
    };
    let profit = |s: &SetTotals| s.totals.get(Figure::Profit);
    let margin = |s: &SetTotals| s.totals.margin_permille().unwrap_or(i64::MIN);
    vec![
        ("Most profit", ranked(&profit, true)),
        ("Least profit", ranked(&profit, false)),
        ("Best margin", ranked(&margin, true)),
        ("Worst margin", ranked(&margin, false)),
    ]
}

/// The notes saying which units the profit leaves out.
fn notes(t: &Totals) -> Vec<String> {
    let mut out = Vec::new();
    let plural = |n: i64| if n == 1 { "unit" } else { "units" };
    let awaiting = t.get(Figure::AwaitingFees);
    if awaiting > 0 {
        out.push(format!(
            "{awaiting} {} awaiting Amazon fees — profit shown without them.",
            plural(awaiting)
        ));
    }
    let without = t.get(Figure::WithoutCost);
    if without > 0 {
        out.push(format!(
            "{without} {} without a cost in this currency — profit shown without them.",
            plural(without)
        ));
    }
    out
}

/// The chart's series: gross, fees (as a positive amount), cost, profit,
/// each named with its total.
fn series(report: &CurrencyReport) -> Vec<Series> {
    let c = report.currency;
    let line = |name: &str, total: i64, rgb, value: &dyn Fn(&Totals) -> i64| Series {
        label: format!("{name} {}", money(total, c)),
        values: report.periods.iter().map(|(_, _, t)| value(t)).collect(),
        rgb,
    };
    let t = &report.totals;
    vec![
        line(
            "Gross sales",
            t.get(Figure::GrossSales),
            (9, 105, 218),
            &|p| p.get(Figure::GrossSales),
        ),
        line("Amazon fees", -t.total_fees(), (207, 34, 46), &|p| {
            -p.total_fees()
        }),
        line(
            "Cost of goods",
            t.get(Figure::CostOfGoods),
            (154, 103, 0),
            &|p| p.get(Figure::CostOfGoods),
        ),
        line("Profit", t.get(Figure::Profit), (26, 127, 55), &|p| {
            p.get(Figure::Profit)
        }),
    ]
}

fn currency_view(
    report: &CurrencyReport,
    group: Group,
    detail: &ProfitDetail,
) -> Result<CurrencyView, PageError> {
    let c = report.currency;
    let t = &report.totals;
    let labels: Vec<String> = report
        .periods
        .iter()
        .map(|(start, end, _)| period_label(*start, *end, group))
        .collect();
    let title = format!(
        "Gross sales, Amazon fees, cost of goods and profit in {c} by {}",
        group.as_str()
    );
    let chart_svg = chart::line_chart(&title, &labels, &series(report), c, (1100, 380))
        .map_err(|e| PageError(crate::web::AppError::Internal(e.into())))?;
    let avg_days = t
        .average_days_in_stock()
        .map_or_else(|| "—".to_owned(), |d| format!("{d} days"));
    Ok(CurrencyView {
        code: c.to_string(),
        notes: notes(t),
        cards: vec![
            ("Units sold", t.get(Figure::Units).to_string()),
            ("Gross sales", money(t.get(Figure::GrossSales), c)),
            ("Amazon fees", money(t.total_fees(), c)),
            ("Net payout", money(t.get(Figure::NetPayout), c)),
            ("Cost of goods", money(t.get(Figure::CostOfGoods), c)),
            ("Profit", money(t.get(Figure::Profit), c)),
            ("Margin", margin_text(t)),
            ("Avg. days in stock", avg_days),
        ],
        breakdown: Figure::amounts()
            .iter()
            .map(|f| (f.label(), money(t.get(*f), c)))
            .collect(),
        chart_svg,
        periods: report
            .periods
            .iter()
            .zip(labels)
            .map(|((_, _, p), label)| period_row(label, p, c))
            .collect(),
        total: period_row("Total".into(), t, c),
        rankings: rankings(&detail.sets, c),
        losses: detail
            .losses
            .iter()
            .filter(|l| l.currency == c)
            .cloned()
            .collect(),
        loss_count: t.get(Figure::AtLoss),
    })
}

impl LossUnit {
    /// Its loss, formatted.
    pub fn loss_text(&self) -> String {
        money(self.profit_minor, self.currency)
    }
}

/// `GET /reports/profit`.
pub async fn show(
    State(state): State<AppState>,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    let mut page = ProfitPage {
        choices: RangeChoice::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        choice: RangeChoice::Last12Months.as_str(),
        from: params.from.clone(),
        to: params.to.clone(),
        group: "",
        groups: Group::ALL.map(Group::as_str),
        currency: params.currency.trim().to_uppercase(),
        range_text: String::new(),
        query: String::new(),
        error: None,
        currencies: Vec::new(),
    };
    let Resolved {
        choice,
        range,
        currency,
    } = match params.resolve(state.today()) {
        Ok(resolved) => resolved,
        Err(message) => {
            page.error = Some(message);
            return html(StatusCode::BAD_REQUEST, &page);
        }
    };
    let tz = state.time_zone();
    let (report, detail) = tokio::try_join!(
        reports::profit_report(&state.db, range, tz, currency),
        reports::profit_detail(&state.db, &range, tz, currency),
    )?;
    page.choice = choice.as_str();
    page.from = range.from().to_string();
    page.to = range.to().to_string();
    page.group = if params.group.trim().is_empty() {
        ""
    } else {
        range.group().as_str()
    };
    let long = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    let day_text = |d: Date| d.format(long).unwrap_or_else(|_| d.to_string());
    page.range_text = format!(
        "{} to {}, by {}",
        day_text(range.from()),
        day_text(range.to()),
        range.group().as_str()
    );
    page.query = super::super::paging::query_prefix(&[
        ("from", page.from.as_str()),
        ("to", page.to.as_str()),
        ("group", range.group().as_str()),
        ("currency", page.currency.as_str()),
    ]);
    page.currencies = report
        .currencies
        .iter()
        .map(|r| currency_view(r, range.group(), &detail))
        .collect::<Result<_, _>>()?;
    html(StatusCode::OK, &page)
}
