//! The picking list as a page for the phone in the stock room: the same
//! rows as the PDF, by location, with a tick per row that the browser keeps
//! while picking (nothing is written to the server).

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use time::OffsetDateTime;

use crate::fulfil::FillSource;
use crate::fulfil::picklist::{self, PickList, PickRow};
use crate::web::{AppState, PageError};

#[derive(Template)]
#[template(path = "picking_list.html")]
struct PickingPage {
    list: PickList,
    groups: Vec<GroupView>,
}

/// A location's rows, each with its tick.
struct GroupView {
    label: String,
    units: i64,
    rows: Vec<RowView>,
}

/// A row and what the page adds to it.
struct RowView {
    row: PickRow,
    tick: String,
    badge: Option<&'static str>,
}

impl RowView {
    fn new(row: PickRow) -> Self {
        RowView {
            tick: tick_key(&row),
            badge: source_label(row.source),
            row,
        }
    }
}

/// What a tick is remembered by: the order, the item and the shelf, so a
/// row keeps its tick when the list is opened again while picking.
fn tick_key(row: &PickRow) -> String {
    format!(
        "{}|{}|{}|{}",
        row.order_id,
        row.asin.as_deref().unwrap_or(""),
        row.set_number.as_deref().unwrap_or(""),
        row.location.as_deref().unwrap_or("")
    )
}

/// "Recommended" rows are a suggestion (FIFO); linked rows are decided.
fn source_label(source: FillSource) -> Option<&'static str> {
    match source {
        FillSource::Recommended => Some("Recommended"),
        FillSource::Linked | FillSource::Unmatched => None,
    }
}

#[tracing::instrument(skip_all)]
pub async fn page(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let mut list = picklist::build(&state.db, state.time_zone(), OffsetDateTime::now_utc()).await?;
    let groups = std::mem::take(&mut list.groups)
        .into_iter()
        .map(|g| GroupView {
            label: g.label,
            units: g.units,
            rows: g.rows.into_iter().map(RowView::new).collect(),
        })
        .collect();
    let body = PickingPage { list, groups }
        .render()
        .map_err(anyhow::Error::from)?;
    Ok(Html(body))
}
