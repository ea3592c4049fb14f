//! `/inventory/stock`: what is on hand (every unit not sold) and what it
//! cost, by status, by location and by age, so the seller sees what is
//! slow to sell.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::db::reports::StockLine;
use crate::domain::Money;
use crate::reports::{self, AGE_BANDS, OLDEST_BAND};
use crate::web::{AppState, PageError, html};

/// Locations listed by name; the rest are summed on one line.
const LOCATIONS_SHOWN: usize = 20;

/// A row of a stock table.
pub struct StockRow {
    key: String,
    units: i64,
    cost: String,
    without_cost: i64,
}

impl StockRow {
    fn new(key: &str, line: &StockLine) -> StockRow {
        StockRow {
            key: key.to_owned(),
            units: line.units,
            cost: Money::from_minor(line.cost_minor, line.currency).to_string(),
            without_cost: line.without_cost,
        }
    }
}

#[derive(Template)]
#[template(path = "inventory_stock.html")]
struct StockPage {
    tables: Vec<(&'static str, Vec<StockRow>)>,
    more_locations: Option<String>,
}

/// Rows in `order` of keys (others after, as they come), one per currency.
fn ordered(lines: &[StockLine], order: &[&str]) -> Vec<StockRow> {
    let mut sorted: Vec<&StockLine> = lines.iter().collect();
    let rank = |l: &StockLine| {
        order
            .iter()
            .position(|k| *k == l.key)
            .unwrap_or(order.len())
    };
    sorted.sort_by_key(|l| (rank(l), l.currency.as_str().to_owned()));
    sorted.iter().map(|l| StockRow::new(&l.key, l)).collect()
}

/// `GET /inventory/stock`.
pub async fn show(State(state): State<AppState>) -> Result<Response, PageError> {
    let stock = reports::stock(&state.db, state.today()).await?;
    let statuses: Vec<&str> = crate::domain::InventoryStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let bands: Vec<&str> = AGE_BANDS
        .iter()
        .map(|(label, _)| *label)
        .chain([OLDEST_BAND])
        .collect();
    let mut locations: Vec<&StockLine> = stock.by_location.iter().collect();
    locations.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.key.cmp(&b.key)));
    let rest: Vec<&StockLine> = locations.split_off(LOCATIONS_SHOWN.min(locations.len()));
    let more_locations = (!rest.is_empty()).then(|| {
        let units: i64 = rest.iter().map(|l| l.units).sum();
        format!("and {units} units at {} other locations", rest.len())
    });
    let page = StockPage {
        tables: vec![
            ("By status", ordered(&stock.by_status, &statuses)),
            (
                "By location",
                locations
                    .iter()
                    .map(|l| {
                        let key = if l.key.is_empty() {
                            "(no location)"
                        } else {
                            &l.key
                        };
                        StockRow::new(key, l)
                    })
                    .collect(),
            ),
            (
                "By age (since bought or added)",
                ordered(&stock.by_age, &bands),
            ),
        ],
        more_locations,
    };
    html(StatusCode::OK, &page)
}
