//! `GET /`: the dashboard, with the headline counts.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::routes::{Access, Routes};
use super::{AppState, PageError};
use crate::db;
use crate::domain::{InventoryStatus, Platform, UiStatus};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default().get("/", Access::User, show_dashboard)
}

struct Card {
    label: &'static str,
    colour: &'static str,
    count: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Dashboard {
    demo: bool,
    amazon_orders: i64,
    cards: Vec<Card>,
    units_in_stock: i64,
    units_total: i64,
    mappings: i64,
}

#[tracing::instrument(skip_all)]
async fn show_dashboard(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let summary = db::orders::status_summary(&state.db, Platform::Amazon).await?;
    let listed = db::inventory::count(&state.db, Some(InventoryStatus::Listed)).await?;
    let backlog = db::inventory::count(&state.db, Some(InventoryStatus::Backlog)).await?;
    let page = Dashboard {
        demo: state.demo,
        amazon_orders: summary.all,
        cards: summary
            .counts
            .iter()
            .map(|(status, count)| Card {
                label: status.as_str(),
                colour: UiStatus::colour(*status),
                count: *count,
            })
            .collect(),
        units_in_stock: listed + backlog,
        units_total: db::inventory::count(&state.db, None).await?,
        mappings: db::mappings::count(&state.db).await?,
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}
