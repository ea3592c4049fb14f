//! `/inventory` HTML pages.

use crate::web::html;
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::history::{self, HistoryLine};
use super::{ListParams, UnitView};
use crate::db;
use crate::domain::{Condition, InventoryItemId, InventoryStatus};
use crate::inventory::{self, FieldErrors, InventoryError, UnitInput};
use crate::web::auth::CurrentUser;
use crate::web::extract::{Form, Path, Query};
use crate::web::paging::{Pager, clamp_page_param, query_prefix};
use crate::web::{AppError, AppState, PageError};

const PAGE_SIZE: u64 = 50;

fn parse_id(raw: &str) -> Result<InventoryItemId, PageError> {
    InventoryItemId::parse(raw).map_err(|e| PageError(AppError::NotFound(e.to_string())))
}

#[derive(Template)]
#[template(path = "inventory_list.html")]
struct ListPage {
    params: ListParams,
    error: Option<String>,
    units: Vec<UnitView>,
    pager: Pager,
    statuses: Vec<&'static str>,
    locations: Vec<String>,
    export_query: String,
}

pub async fn list_units(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let locations = db::inventory::locations(&state.db).await?;
    let statuses = InventoryStatus::ALL.iter().map(|s| s.as_str()).collect();
    let filters = [
        ("search", params.search.as_str()),
        ("status", params.status.as_str()),
        ("condition", params.condition.as_str()),
        ("location", params.location.as_str()),
        ("sort", params.sort.as_str()),
        ("dir", params.dir.as_str()),
    ];
    let base_query = query_prefix(&filters);
    let params = ListParams {
        page: clamp_page_param(params.page.clone()),
        ..params
    };
    let (mut query, mut page) = match params.to_query(PAGE_SIZE) {
        Ok(q) => q,
        Err(message) => {
            let page = ListPage {
                export_query: String::new(),
                pager: Pager::new(
                    crate::web::paging::PageRequest {
                        page: 1,
                        page_size: PAGE_SIZE,
                    },
                    0,
                    String::new(),
                ),
                params,
                error: Some(message),
                units: Vec::new(),
                statuses,
                locations,
            };
            return html(StatusCode::BAD_REQUEST, &page);
        }
    };
    let (mut rows, mut total) = db::inventory::list(&state.db, &query).await?;
    if let Some(last) = page.last_page_if_beyond(total) {
        page = last;
        query.offset = last.offset();
        (rows, total) = db::inventory::list(&state.db, &query).await?;
    }
    let page = ListPage {
        units: rows.iter().map(UnitView::from).collect(),
        pager: Pager::new(page, total, base_query.clone()),
        export_query: base_query,
        params,
        error: None,
        statuses,
        locations,
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "inventory_form.html")]
struct FormPage {
    /// `None` when adding.
    id: Option<i64>,
    input: UnitInput,
    errors: FieldErrors,
    message: Option<String>,
    statuses: Vec<&'static str>,
    conditions: [&'static str; 2],
}

impl FormPage {
    fn new(
        id: Option<i64>,
        input: UnitInput,
        errors: FieldErrors,
        message: Option<String>,
    ) -> FormPage {
        FormPage {
            id,
            input,
            errors,
            message,
            statuses: InventoryStatus::ALL.iter().map(|s| s.as_str()).collect(),
            conditions: [Condition::New.as_str(), Condition::Used.as_str()],
        }
    }

    fn error(&self, field: &str) -> &str {
        self.errors.get(field).unwrap_or("")
    }
}

pub async fn new_unit_form() -> Result<Response, PageError> {
    let input = UnitInput {
        condition: "New".into(),
        status: "BACKLOG".into(),
        currency: "GBP".into(),
        ..UnitInput::default()
    };
    html(
        StatusCode::OK,
        &FormPage::new(None, input, FieldErrors::default(), None),
    )
}

/// Re-renders the form for errors a person can fix; other errors propagate.
fn form_error(
    id: Option<i64>,
    input: UnitInput,
    err: InventoryError,
) -> Result<Response, PageError> {
    match err {
        InventoryError::Invalid(errors) => html(
            StatusCode::BAD_REQUEST,
            &FormPage::new(id, input, errors, None),
        ),
        InventoryError::SoldLocked(msg) => html(
            StatusCode::CONFLICT,
            &FormPage::new(id, input, FieldErrors::default(), Some(msg.to_string())),
        ),
        InventoryError::Duplicate => {
            let errors = FieldErrors(vec![(
                "sku",
                "another unit already has this SKU or external id".to_owned(),
            )]);
            html(
                StatusCode::CONFLICT,
                &FormPage::new(id, input, errors, None),
            )
        }
        other => Err(PageError(other.into())),
    }
}

pub async fn create_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(input): Form<UnitInput>,
) -> Result<Response, PageError> {
    match inventory::create(&state.db, &input, Some(user.id)).await {
        Ok(id) => Ok(Redirect::to(&format!("/inventory/{id}")).into_response()),
        Err(err) => form_error(None, input, err),
    }
}

pub async fn edit_unit_form(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw)?;
    let row = inventory::require(&state.db, id).await?;
    html(
        StatusCode::OK,
        &FormPage::new(
            Some(row.id.get()),
            UnitInput::from_row(&row),
            FieldErrors::default(),
            None,
        ),
    )
}

pub async fn save_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(input): Form<UnitInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw)?;
    let patch = inventory::UnitPatch {
        set_number: Some(input.set_number.clone()),
        item_name: Some(input.item_name.clone()),
        condition: Some(input.condition.clone()),
        status: Some(input.status.clone()),
        storage_location: Some(input.storage_location.clone()),
        cost: Some(input.cost.clone()),
        listing_price: Some(input.listing_price.clone()),
        currency: Some(input.currency.clone()),
        sku: Some(input.sku.clone()),
        external_id: Some(input.external_id.clone()),
        purchase_date: Some(input.purchase_date.clone()),
        notes: Some(input.notes.clone()),
        ..inventory::UnitPatch::default()
    };
    match inventory::update(&state.db, id, patch, Some(user.id)).await {
        Ok(_) => Ok(Redirect::to(&format!("/inventory/{id}")).into_response()),
        Err(err) => form_error(Some(id.get()), input, err),
    }
}

#[derive(Template)]
#[template(path = "inventory_detail.html")]
struct DetailPage {
    unit: UnitView,
    sold: Option<String>,
    fees: Option<crate::web::fees::UnitFeesView>,
    history: Vec<HistoryLine>,
}

pub async fn show_unit(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw)?;
    let row = inventory::require(&state.db, id).await?;
    let history =
        db::audit::for_entity_with_names(&state.db, "inventory_item", &id.to_string()).await?;
    let sold = row.sold_at.map(|at| {
        format!(
            "Sold {} in order {}",
            at.date(),
            row.sold_order_ref.clone().unwrap_or_else(|| "—".to_owned())
        )
    });
    let fees = crate::web::fees::unit_fees_view(&state.db, &row).await?;
    let currency = row.details.currency;
    let page = DetailPage {
        unit: UnitView::from(&row),
        sold,
        fees,
        history: history
            .iter()
            .map(|(entry, by)| history::line(entry, by.as_deref(), currency, state.time_zone()))
            .collect(),
    };
    html(StatusCode::OK, &page)
}
