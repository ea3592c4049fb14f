//! The orders pages and the two dialogs (Unmatched Items, Link ASIN to
//! Inventory). Dialogs are whole pages that work without JavaScript; the
//! JS module shows their `[data-dialog-content]` in a native `<dialog>`.

use crate::web::html;
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::OrderParams;
use super::api::unmatched_message;
use super::view::{self, OrderView};
use crate::amazon::credentials;
use crate::amazon::matching::{
    self, MappingRequest, MappingTarget, MatchError, set_number_in_title,
};
use crate::db::inventory::InventoryQuery;
use crate::db::orders::OrderLine;
use crate::db::{self};
use crate::domain::{InventoryItemId, MatchStatus, OrderItemId, Platform, UiStatus};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Form, Path, Query};
use crate::web::inventory::UnitView;
use crate::web::paging::{PageRequest, Pager, clamp_page_param, query_prefix};
use crate::web::{AppError, AppState, PageError};

/// A status card.
struct Card {
    label: &'static str,
    value: &'static str,
    colour: &'static str,
    count: i64,
    selected: bool,
}

#[derive(Template)]
#[template(path = "orders_amazon.html")]
struct AmazonPage {
    demo: bool,
    configured: bool,
    params: OrderParams,
    error: Option<String>,
    cards: Vec<Card>,
    orders: Vec<OrderView>,
    pager: Pager,
    return_to: String,
    mapped: Option<String>,
    shipped: Option<String>,
    sync_status: crate::web::amazon_jobs::SyncView,
    /// The seller's marketplaces, for the filter (shown with two or more).
    marketplaces: Vec<&'static spapi::marketplace::Marketplace>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Flash {
    mapped: Option<String>,
    shipped: Option<String>,
}

fn base_query(params: &OrderParams) -> String {
    query_prefix(&[
        ("search", params.search.as_str()),
        ("status", params.status.as_str()),
        ("match", params.matching.as_str()),
        ("channel", params.channel.as_str()),
        ("marketplace", params.marketplace.as_str()),
        ("platform", params.platform.as_str()),
    ])
}

/// The orders table of a view: rows and pager, or the message for bad
/// parameters (shown above an empty table with a 400).
async fn load_table(
    state: &AppState,
    params: &OrderParams,
    platform: Option<Platform>,
    base: String,
) -> Result<(Vec<OrderView>, Pager, Option<String>, StatusCode), PageError> {
    let params = OrderParams {
        page: clamp_page_param(params.page.clone()),
        ..params.clone()
    };
    Ok(match params.to_query(platform) {
        Ok((mut query, mut page)) => {
            // Read before the page, as for the API's listing.
            let version = state.listings.version(&state.db).await?;
            let marks = state.listings.marks(&state.db, version, &query).await?;
            let (mut loaded, mut total) = view::load(&state.db, &query, marks.as_deref()).await?;
            if let Some(last) = page.last_page_if_beyond(total.count) {
                page = last;
                query.offset = last.offset();
                let marks = state.listings.marks(&state.db, version, &query).await?;
                (loaded, total) = view::load(&state.db, &query, marks.as_deref()).await?;
            }
            let show_names = db::settings::show_buyer_names(&state.db).await?;
            (
                loaded
                    .iter()
                    .map(|l| OrderView::new(l, show_names))
                    .collect(),
                Pager::new(page, total.count, base).lower_bound(total.more),
                None,
                StatusCode::OK,
            )
        }
        Err(msg) => {
            let first = PageRequest {
                page: 1,
                page_size: super::DEFAULT_PAGE_SIZE,
            };
            (
                Vec::new(),
                Pager::new(first, 0, base),
                Some(msg),
                StatusCode::BAD_REQUEST,
            )
        }
    })
}

pub async fn amazon_orders(
    State(state): State<AppState>,
    Query(params): Query<OrderParams>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    // The Platform select submitted without JavaScript.
    if Platform::parse(&params.platform).is_some_and(|p| p != Platform::Amazon)
        || params.platform.trim() == "all"
    {
        return Ok(switch_platform(Query(SwitchQuery {
            platform: params.platform.clone(),
        }))
        .await
        .into_response());
    }
    let summary = db::orders::status_summary(&state.db, Platform::Amazon).await?;
    let selected = UiStatus::parse(&params.status);
    let mut cards = vec![Card {
        label: "All",
        value: "",
        colour: "grey",
        count: summary.all,
        selected: selected.is_none(),
    }];
    cards.extend(summary.counts.iter().map(|(s, n)| Card {
        label: s.as_str(),
        value: s.as_str(),
        colour: s.colour(),
        count: *n,
        selected: selected == Some(*s),
    }));
    let configured = state.demo || credentials::configured(&state.db).await?;
    let base = base_query(&params);
    let (orders, pager, error, status) =
        load_table(&state, &params, Some(Platform::Amazon), base.clone()).await?;
    let page_no = params.page.clone().unwrap_or_default();
    let return_to = format!(
        "/orders/amazon?{base}{}",
        if page_no.is_empty() {
            String::new()
        } else {
            format!("page={page_no}")
        }
    );
    let page = AmazonPage {
        demo: state.demo,
        configured,
        params,
        error,
        cards,
        orders,
        pager,
        return_to,
        mapped: flash.mapped,
        shipped: flash.shipped,
        sync_status: crate::web::amazon_jobs::sync_view(&state).await?,
        marketplaces: crate::amazon::credentials::marketplace_ids(&state.db)
            .await?
            .iter()
            .filter_map(|id| spapi::marketplace::marketplace(id))
            .collect(),
    };
    html(status, &page)
}

struct PlatformCard {
    label: &'static str,
    href: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "orders_all.html")]
struct AllOrdersPage {
    title: String,
    platform_value: &'static str,
    show_platform_cards: bool,
    platforms: Vec<PlatformCard>,
    missing_items: i64,
    backfill: crate::web::amazon_jobs::BackfillView,
    fees: Option<crate::web::fees::FeeCard>,
    params: OrderParams,
    error: Option<String>,
    orders: Vec<OrderView>,
    pager: Pager,
}

async fn orders_page(
    state: &AppState,
    params: OrderParams,
    fixed: Option<Platform>,
    fees: Option<crate::web::fees::FeeCard>,
) -> Result<Response, PageError> {
    let mut platforms = Vec::new();
    for p in Platform::ALL {
        let href = match p {
            Platform::Amazon => "/orders/amazon".to_owned(),
            Platform::Ebay => "/orders/ebay".to_owned(),
            Platform::Bricqer => "/orders?platform=bricqer".to_owned(),
        };
        platforms.push(PlatformCard {
            label: p.label(),
            href,
            count: db::orders::count(&state.db, p).await?,
        });
    }
    let missing_items = db::orders::count_missing_items(&state.db, Platform::Amazon).await?;
    let effective = fixed.or_else(|| Platform::parse(&params.platform));
    let base = base_query(&params);
    let (orders, pager, error, status) = load_table(state, &params, fixed, base).await?;
    let page = AllOrdersPage {
        title: effective.map_or_else(|| "Orders".to_owned(), |p| format!("{} Orders", p.label())),
        platform_value: effective.map_or("", Platform::as_str),
        show_platform_cards: fixed.is_none(),
        platforms,
        missing_items,
        backfill: crate::web::amazon_jobs::backfill_view(state).await?,
        fees,
        params,
        error,
        orders,
        pager,
    };
    html(status, &page)
}

/// `?fees_job=<id>`: the fees job whose result the Amazon card shows.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeesFlash {
    fees_job: Option<String>,
}

pub async fn all_orders(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(params): Query<OrderParams>,
    Query(flash): Query<FeesFlash>,
) -> Result<Response, PageError> {
    if Platform::parse(&params.platform) == Some(Platform::Amazon) {
        return Ok(Redirect::to("/orders/amazon").into_response());
    }
    // Anything but a job id is ignored, like a job that is not a fees job.
    let shown = flash.fees_job.and_then(|id| id.trim().parse().ok());
    let fees = crate::web::fees::card(&state, &user, shown).await?;
    orders_page(&state, params, None, Some(fees)).await
}

pub async fn ebay_orders(
    State(state): State<AppState>,
    Query(params): Query<OrderParams>,
) -> Result<Response, PageError> {
    orders_page(&state, params, Some(Platform::Ebay), None).await
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(default)]
    platform: String,
}

/// The Platform select without JavaScript: All → `/orders`, Amazon →
/// `/orders/amazon`, eBay → `/orders/ebay`, Bricqer → `/orders?platform=bricqer`.
pub async fn switch_platform(Query(q): Query<SwitchQuery>) -> Redirect {
    Redirect::to(match Platform::parse(&q.platform) {
        None => "/orders",
        Some(Platform::Amazon) => "/orders/amazon",
        Some(Platform::Ebay) => "/orders/ebay",
        Some(Platform::Bricqer) => "/orders?platform=bricqer",
    })
}

struct UnmatchedView {
    id: OrderItemId,
    title: String,
    asin: Option<String>,
    quantity: i64,
    message: &'static str,
}

#[derive(Template)]
#[template(path = "dialog_unmatched.html")]
struct UnmatchedPage {
    order_id: String,
    items: Vec<UnmatchedView>,
    return_to: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReturnTo {
    return_to: String,
}

/// Only local paths may be returned to.
pub(crate) fn safe_return(to: &str) -> String {
    if to.starts_with("/orders") && !to.starts_with("//") && !to.contains('\\') {
        to.to_owned()
    } else {
        "/orders/amazon".to_owned()
    }
}

pub async fn unmatched_items(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    Query(r): Query<ReturnTo>,
) -> Result<Response, PageError> {
    let (order, lines) = view::unmatched_lines(&state.db, &order_id).await?;
    let items = lines
        .into_iter()
        .map(|l| UnmatchedView {
            id: l.id,
            message: unmatched_message(l.match_status == MatchStatus::Unmatched),
            title: l
                .reported
                .title
                .unwrap_or_else(|| "Unknown Item".to_owned()),
            asin: l.reported.asin.filter(|a| !a.trim().is_empty()),
            quantity: l.reported.quantity,
        })
        .collect();
    html(
        StatusCode::OK,
        &UnmatchedPage {
            order_id: order.reported.platform_order_id,
            items,
            return_to: safe_return(&r.return_to),
        },
    )
}

#[derive(Template)]
#[template(path = "dialog_matcher.html")]
struct MatcherPage {
    item_id: OrderItemId,
    title: String,
    asin: String,
    search: String,
    candidates: Vec<UnitView>,
    existing: Option<String>,
    conflict: Option<String>,
    error: Option<String>,
    return_to: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MatcherQuery {
    item: String,
    q: Option<String>,
    return_to: String,
}

async fn line_for(state: &AppState, raw: &str) -> Result<OrderLine, PageError> {
    let id = OrderItemId::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let lines = db::orders::lines_for_item(&state.db, id).await?;
    lines.ok_or_else(|| PageError(AppError::NotFound("order line not found".into())))
}

async fn render_matcher(
    state: &AppState,
    line: OrderLine,
    search: Option<String>,
    return_to: String,
    conflict: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let asin = line.reported.asin.clone().unwrap_or_default();
    let existing = db::mappings::get(&state.db, &asin).await?;
    let title = line
        .reported
        .title
        .clone()
        .unwrap_or_else(|| "Unknown Item".to_owned());
    let search = search.unwrap_or_else(|| {
        existing
            .as_ref()
            .map(|m| m.set_number.clone())
            .or_else(|| set_number_in_title(&title))
            .unwrap_or_default()
    });
    let query = InventoryQuery {
        search: Some(search.clone()),
        sellable_unlinked: true,
        limit: Some(50),
        ..InventoryQuery::default()
    };
    let (rows, _) = db::inventory::list(&state.db, &query).await?;
    let page = MatcherPage {
        item_id: line.id,
        title,
        asin,
        search,
        candidates: rows.iter().map(UnitView::from).collect(),
        existing: existing.map(|m| format!("{} ({})", m.set_number, m.condition)),
        conflict,
        error,
        return_to: safe_return(&return_to),
    };
    html(status, &page)
}

pub async fn matcher(
    State(state): State<AppState>,
    Query(q): Query<MatcherQuery>,
) -> Result<Response, PageError> {
    let line = line_for(&state, &q.item).await?;
    if line
        .reported
        .asin
        .as_deref()
        .is_none_or(|a| a.trim().is_empty())
    {
        return Err(PageError(AppError::BadRequest(
            "No ASIN on Amazon order - cannot link to inventory".into(),
        )));
    }
    render_matcher(&state, line, q.q, q.return_to, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct MatchForm {
    item: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    replace: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    return_to: String,
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn create_mapping(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<MatchForm>,
) -> Result<Response, PageError> {
    let line = line_for(&state, &form.item).await?;
    let again = |conflict, error, status| {
        render_matcher(
            &state,
            line.clone(),
            Some(form.q.clone()),
            form.return_to.clone(),
            conflict,
            error,
            status,
        )
    };
    let Ok(unit) = InventoryItemId::parse(&form.unit) else {
        return again(
            None,
            Some("Choose the inventory unit to link.".to_owned()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let req = MappingRequest {
        asin: line.reported.asin.clone().unwrap_or_default(),
        target: MappingTarget::Unit(unit),
        order_item: Some(line.id),
        replace: form.replace == "1",
    };
    match matching::create_mapping(&state.db, req, Some(user.id)).await {
        Ok(outcome) => {
            let to = safe_return(&form.return_to);
            let sep = if to.contains('?') { '&' } else { '?' };
            let mapped: String = url::form_urlencoded::byte_serialize(
                format!("{} → {}", outcome.asin, outcome.set_number).as_bytes(),
            )
            .collect();
            Ok(Redirect::to(&format!("{to}{sep}mapped={mapped}")).into_response())
        }
        Err(e @ MatchError::ExistingMapping { .. }) => {
            again(Some(e.to_string()), None, StatusCode::CONFLICT).await
        }
        Err(MatchError::UnitUnavailable(msg) | MatchError::Invalid(msg)) => {
            again(None, Some(msg), StatusCode::CONFLICT).await
        }
        Err(other) => Err(PageError(other.into())),
    }
}
