//! The Confirm Orders Processed dialog (a whole page that works without
//! JavaScript; `app.js` shows it one order at a time), its result, and the
//! review and undo of confirmation batches.

use crate::web::html;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::macros::format_description;

use super::default_archive;
use crate::db;
use crate::db::inventory::InventoryRow;
use crate::domain::fulfilment::Fill;
use crate::domain::platform::buyer_label;
use crate::domain::{BatchId, InventoryItemId, Money, OrderItemId, Platform};
use crate::fulfil::confirm::{self, ConfirmOutcome, ConfirmRequest, LineChoice, OrderChoice};
use crate::fulfil::undo::{self, BatchReview};
use crate::fulfil::{Plan, Scope, load_plan};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Form, Path, Query, form_value};
use crate::web::paging::PageRequest;
use crate::web::{AppError, AppState, PageError, short_date};

fn money(amount: Option<Money>) -> String {
    amount.map_or_else(|| "—".to_owned(), |m| m.to_string())
}

fn unit_label(u: &InventoryRow) -> String {
    format!(
        "#{} {} {} ({}) — {}",
        u.id,
        u.details.set_number,
        u.details.item_name,
        u.details.condition,
        u.details
            .storage_location
            .as_deref()
            .unwrap_or("no location")
    )
}

/// One choice in a unit's select.
struct OptionView {
    value: i64,
    label: String,
    selected: bool,
}

/// One unit of a line in the dialog.
struct SlotView {
    /// Form field name.
    field: String,
    /// Set when linked already.
    linked: Option<String>,
    /// Choices (recommendation first) when not linked.
    options: Vec<OptionView>,
    /// Why nothing is recommended.
    message: Option<&'static str>,
}

struct LineView {
    id: OrderItemId,
    title: String,
    asin: String,
    quantity: i64,
    price: String,
    search: String,
    slots: Vec<SlotView>,
}

struct OrderView {
    order_id: String,
    buyer: String,
    date: String,
    total: String,
    status: &'static str,
    status_colour: &'static str,
    lines: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "dialog_confirm.html")]
struct ConfirmPage {
    orders: Vec<OrderView>,
    /// Eligible orders in all (this page shows some of them).
    total: i64,
    /// The page after this one, when there is one.
    next_page: Option<u64>,
    archive_location: String,
    error: Option<String>,
}

/// Orders per page of the dialog: it opens as fast with 3,000 eligible
/// orders as with 30, and `app.js` loads the next page as the user moves on.
const DIALOG_PAGE: u64 = 10;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DialogQuery {
    /// Only this order (Retry).
    order: String,
    /// Page of the eligible orders, from 1.
    page: Option<String>,
}

fn views(plan: &Plan, show_names: bool) -> Vec<OrderView> {
    plan.orders
        .iter()
        .map(|o| {
            let status = o.order.ui_status;
            OrderView {
                order_id: o.order.reported.platform_order_id.clone(),
                buyer: buyer_label(
                    Platform::Amazon,
                    o.order.reported.buyer_name.as_deref(),
                    show_names,
                ),
                date: short_date(o.order.reported.order_date),
                total: o
                    .order
                    .reported
                    .total
                    .map_or_else(|| "—".to_owned(), |m| m.to_string()),
                status: status.as_str(),
                status_colour: status.colour(),
                lines: o
                    .lines
                    .iter()
                    .map(|l| {
                        let candidates: Vec<&InventoryRow> = plan.candidates(l).collect();
                        let title = l
                            .line
                            .reported
                            .title
                            .clone()
                            .unwrap_or_else(|| "Unknown Item".into());
                        LineView {
                            id: l.line.id,
                            asin: l.line.reported.asin.clone().unwrap_or_default(),
                            quantity: l.line.reported.quantity,
                            price: money(l.line.reported.unit_price),
                            search: crate::amazon::matching::set_number_in_title(&title)
                                .unwrap_or_else(|| title.chars().take(30).collect()),
                            title,
                            slots: l
                                .fills
                                .iter()
                                .enumerate()
                                .map(|(i, f)| slot(l.line.id, i, *f, plan, &candidates))
                                .collect(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

fn slot(
    line: OrderItemId,
    index: usize,
    fill: Fill,
    plan: &Plan,
    candidates: &[&InventoryRow],
) -> SlotView {
    let field = format!("unit-{line}-{index}");
    match fill {
        Fill::Linked(u) => SlotView {
            field,
            linked: Some(
                plan.units
                    .get(&u)
                    .map_or_else(|| format!("#{u}"), unit_label),
            ),
            options: Vec::new(),
            message: None,
        },
        Fill::Recommended(u) => {
            let mut options = vec![OptionView {
                value: u.get(),
                label: plan
                    .units
                    .get(&u)
                    .map_or_else(|| format!("#{u}"), unit_label)
                    + " (oldest, recommended)",
                selected: true,
            }];
            options.extend(candidates.iter().filter(|c| c.id != u).map(|c| OptionView {
                value: c.id.get(),
                label: unit_label(c),
                selected: false,
            }));
            SlotView {
                field,
                linked: None,
                options,
                message: None,
            }
        }
        Fill::Unfilled(why) => SlotView {
            field,
            linked: None,
            options: Vec::new(),
            message: Some(why.message()),
        },
    }
}

#[tracing::instrument(skip_all)]
pub async fn dialog(
    State(state): State<AppState>,
    Query(q): Query<DialogQuery>,
) -> Result<Response, PageError> {
    let order = [q.order.trim().to_owned()];
    let page =
        PageRequest::parse(q.page.as_deref(), None, DIALOG_PAGE).map_err(AppError::BadRequest)?;
    let (scope, skip) = if order[0].is_empty() {
        (Scope::First(page.page * DIALOG_PAGE), page.offset())
    } else {
        (Scope::Only(&order), 0)
    };
    let plan = load_plan(&state.db, &confirm::ELIGIBLE, scope).await?;
    let total = match scope {
        Scope::First(_) => {
            db::fulfilment::count_amazon_orders(&state.db, &confirm::ELIGIBLE).await?
        }
        _ => i64::try_from(plan.orders.len()).unwrap_or(i64::MAX),
    };
    let shown = page.page.saturating_mul(DIALOG_PAGE);
    let mut orders = views(&plan, db::settings::show_buyer_names(&state.db).await?);
    orders.drain(
        ..usize::try_from(skip)
            .unwrap_or(usize::MAX)
            .min(orders.len()),
    );
    html(
        StatusCode::OK,
        &ConfirmPage {
            orders,
            total,
            next_page: (matches!(scope, Scope::First(_))
                && i64::try_from(shown).is_ok_and(|s| s < total))
            .then_some(page.page + 1),
            archive_location: default_archive(&state),
            error: None,
        },
    )
}

#[derive(Template)]
#[template(path = "dialog_confirm_result.html")]
struct ResultPage {
    outcome: ConfirmOutcome,
}

/// Reads the dialog's form: `order` per order, `decision-{order}` =
/// approve/skip, `unit-{line}-{index}` = unit id (blank: skip the unit).
fn request_from_form(fields: &[(String, String)]) -> Result<ConfirmRequest, AppError> {
    let value = |name: &str| form_value(fields, name);
    let archive = value("archive_location").unwrap_or_default().to_owned();
    let mut orders = Vec::new();
    for (_, order) in fields.iter().filter(|(k, _)| k == "order") {
        if value(&format!("decision-{order}")) != Some("approve") {
            continue;
        }
        let prefix = format!("line-{order}");
        let mut lines: BTreeMap<OrderItemId, Vec<InventoryItemId>> = BTreeMap::new();
        for (_, line) in fields.iter().filter(|(k, _)| *k == prefix) {
            let line = OrderItemId::parse(line)
                .map_err(|_| AppError::BadRequest(format!("bad line id '{line}'")))?;
            let slot_prefix = format!("unit-{line}-");
            let units = lines.entry(line).or_default();
            for (_, v) in fields
                .iter()
                .filter(|(k, v)| k.starts_with(&slot_prefix) && !v.trim().is_empty())
            {
                units.push(InventoryItemId::parse(v).map_err(|_| {
                    AppError::BadRequest(format!("'{}' is not an inventory item id", v.trim()))
                })?);
            }
        }
        orders.push(OrderChoice {
            order_id: order.clone(),
            lines: Some(
                lines
                    .into_iter()
                    .map(|(item_id, units)| LineChoice { item_id, units })
                    .collect(),
            ),
        });
    }
    if orders.is_empty() {
        return Err(AppError::BadRequest(
            "No order approved: press Approve on the orders to confirm".into(),
        ));
    }
    Ok(ConfirmRequest {
        archive_location: archive,
        orders,
    })
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn confirm(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let req = request_from_form(&fields)?;
    let outcome = confirm::confirm(&state.db, &req, Some(user.id))
        .await
        .map_err(AppError::from)?;
    html(StatusCode::OK, &ResultPage { outcome })
}

struct BatchView {
    id: BatchId,
    when: String,
    archive_location: String,
    orders: i64,
    units: i64,
    undone: bool,
}

#[derive(Template)]
#[template(path = "confirmations.html")]
struct BatchesPage {
    batches: Vec<BatchView>,
}

fn when(t: time::OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

#[tracing::instrument(skip_all)]
pub async fn batches(State(state): State<AppState>) -> Result<Response, PageError> {
    let rows = undo::latest(&state.db, 100).await?;
    let batches = rows
        .into_iter()
        .map(|b| BatchView {
            id: b.id,
            when: when(b.created_at),
            archive_location: b.archive_location,
            orders: b.orders,
            units: b.units,
            undone: b.undone_at.is_some(),
        })
        .collect();
    html(StatusCode::OK, &BatchesPage { batches })
}

#[derive(Template)]
#[template(path = "confirmation_review.html")]
struct ReviewPage {
    review: BatchReview,
    when: String,
    message: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<BatchId>,
) -> Result<Response, PageError> {
    let review = undo::review(&state.db, id).await.map_err(AppError::from)?;
    let when = when(review.created_at);
    html(
        StatusCode::OK,
        &ReviewPage {
            review,
            when,
            message: None,
        },
    )
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
pub async fn undo(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<BatchId>,
) -> Result<Response, PageError> {
    let (status, message) = match undo::undo(&state.db, id, Some(user.id)).await {
        Ok(_) => (
            StatusCode::OK,
            "Confirmation undone: units and orders are back as they were.".to_owned(),
        ),
        Err(e @ undo::UndoError::Blocked(_)) => (StatusCode::CONFLICT, e.to_string()),
        Err(e) => return Err(AppError::from(e).into()),
    };
    let review = undo::review(&state.db, id).await.map_err(AppError::from)?;
    let when = when(review.created_at);
    html(
        status,
        &ReviewPage {
            review,
            when,
            message: Some(message),
        },
    )
}
