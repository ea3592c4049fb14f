//! `GET /`: the seller's morning view — what to pick, what needs linking,
//! what Amazon still owes (items, fees), when orders were last synced —
//! each with a link to where it is done.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::routes::{Access, Routes};
use super::{AppState, PageError};
use crate::db::orders::OrderListQuery;
use crate::db::{self, jobs as store};
use crate::domain::{InventoryStatus, JobKind, JobState, MatchFilter, Platform, UiStatus};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default().get("/", Access::User, show_dashboard)
}

struct Card {
    label: &'static str,
    colour: &'static str,
    count: i64,
}

/// One thing to do, with how many and where.
struct Task {
    id: &'static str,
    count: i64,
    /// Counting stopped early: at least `count`.
    more: bool,
    text: (&'static str, &'static str),
    href: &'static str,
    action: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Dashboard {
    demo: bool,
    amazon_orders: i64,
    cards: Vec<Card>,
    tasks: Vec<Task>,
    last_sync: Option<String>,
    units_in_stock: i64,
    units_total: i64,
    mappings: i64,
}

#[tracing::instrument(skip_all)]
async fn show_dashboard(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let summary = db::orders::status_summary(&state.db, Platform::Amazon).await?;
    let listed = db::inventory::count(&state.db, Some(InventoryStatus::Listed)).await?;
    let backlog = db::inventory::count(&state.db, Some(InventoryStatus::Backlog)).await?;
    let unmatched_query = OrderListQuery {
        platform: Some(Platform::Amazon),
        status: None,
        matching: Some(MatchFilter::Unmatched),
        channel: None,
        marketplace: None,
        search: None,
        offset: 0,
        limit: 1,
    };
    let (_, unmatched) = db::orders::list_orders(&state.db, &unmatched_query).await?;
    let tasks = vec![
        Task {
            id: "to-pick",
            count: db::fulfilment::count_to_ship(&state.db).await?,
            more: false,
            text: ("order to pick and ship", "orders to pick and ship"),
            href: "/orders/amazon?status=Paid",
            action: "See them",
        },
        Task {
            id: "unmatched",
            count: unmatched.count,
            more: unmatched.more,
            text: ("order with unmatched lines", "orders with unmatched lines"),
            href: "/orders/amazon?match=unmatched",
            action: "Link them",
        },
        Task {
            id: "missing-items",
            count: db::orders::count_missing_items(&state.db, Platform::Amazon).await?,
            more: false,
            text: ("order missing its items", "orders missing their items"),
            href: "/orders#amazon-card",
            action: "Fetch Missing Items",
        },
        Task {
            id: "missing-fees",
            count: db::fees::count_missing(&state.db).await?,
            more: false,
            text: ("sold item missing fee data", "sold items missing fee data"),
            href: "/orders#amazon-card",
            action: "Reconcile Fees",
        },
    ];
    let last_sync = store::latest_in(&state.db, JobKind::Sync, &[JobState::Done])
        .await?
        .and_then(|job| job.finished_at)
        .map(|at| super::local_time(at, state.time_zone()));
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
        tasks,
        last_sync,
        units_in_stock: listed + backlog,
        units_total: db::inventory::count(&state.db, None).await?,
        mappings: db::mappings::count(&state.db).await?,
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}
