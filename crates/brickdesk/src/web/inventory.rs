//! `/inventory` pages and `/api/inventory`: one physical unit per row.

mod api;
mod history;
mod pages;

use serde::{Deserialize, Serialize};

use super::paging::{PageRequest, optional_filter};
use super::routes::{Access, Routes};
use crate::db::inventory::{InventoryQuery, InventoryRow, SortBy};
use crate::domain::{Condition, Currency, InventoryItemId, InventoryStatus, Money};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/inventory", Access::User, pages::list_units)
        .get("/inventory/new", Access::User, pages::new_unit_form)
        .post("/inventory", Access::User, pages::create_unit)
        .get("/inventory/{id}", Access::User, pages::show_unit)
        .get("/inventory/{id}/edit", Access::User, pages::edit_unit_form)
        .post("/inventory/{id}", Access::User, pages::save_unit)
        .get("/api/inventory", Access::User, api::list_units)
        .post("/api/inventory", Access::User, api::create_unit)
        .get("/api/inventory/{id}", Access::User, api::get_unit)
        .add(
            axum::http::Method::PATCH,
            "/api/inventory/{id}",
            Access::User,
            api::patch_unit,
        )
}

/// The `/api/inventory` operations.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::list_units, api::create_unit, api::get_unit, api::patch_unit))]
pub struct InventoryApi;

/// Query parameters of the list (page and API alike), as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search text.
    pub search: String,
    /// Status filter.
    pub status: String,
    /// Condition filter.
    pub condition: String,
    /// Exact location filter.
    pub location: String,
    /// `created_at`, `set_number`, `location` or `listing_price`.
    #[param(pattern = "^(created_at|set_number|location|listing_price)?$")]
    pub sort: String,
    /// `asc` or `desc`.
    #[param(pattern = "^(asc|desc)?$")]
    pub dir: String,
    /// Page number, from 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1_000_000)]
    pub page: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

impl ListParams {
    /// Validates the parameters into a query; a message says what is wrong.
    pub fn to_query(
        &self,
        default_page_size: u64,
    ) -> Result<(InventoryQuery, PageRequest), String> {
        let page = PageRequest::parse(
            self.page.as_deref(),
            self.page_size.as_deref(),
            default_page_size,
        )?;
        let status = optional_filter(&self.status, "status", InventoryStatus::parse)?;
        let condition = optional_filter(&self.condition, "condition", Condition::parse)?;
        let location = optional_filter(&self.location, "location", |l| Some(l.to_owned()))?;
        let sort = match self.sort.trim() {
            "" | "created_at" => SortBy::CreatedAt,
            "set_number" => SortBy::SetNumber,
            "location" => SortBy::Location,
            "listing_price" => SortBy::ListingPrice,
            other => return Err(format!("cannot sort by '{other}'")),
        };
        let descending = match self.dir.trim() {
            "" | "asc" => false,
            "desc" => true,
            other => return Err(format!("dir must be asc or desc, not '{other}'")),
        };
        let query = InventoryQuery {
            search: Some(self.search.clone()).filter(|s| !s.trim().is_empty()),
            status,
            condition,
            location,
            sellable_unlinked: false,
            sort,
            descending,
            offset: page.offset(),
            limit: Some(page.page_size),
        };
        Ok((query, page))
    }
}

/// A unit as every JSON API returns it (inventory, confirm dialog): the
/// stored unit, plus its reconciled fees on single-unit reads.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitJson {
    #[serde(flatten)]
    unit: InventoryRow,
    /// Reconciled Amazon fees and profit (single-unit reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    fees: Option<crate::web::fees::UnitFeesJson>,
}

impl From<InventoryRow> for UnitJson {
    fn from(unit: InventoryRow) -> Self {
        UnitJson { unit, fees: None }
    }
}

impl From<&InventoryRow> for UnitJson {
    fn from(unit: &InventoryRow) -> Self {
        UnitJson::from(unit.clone())
    }
}

/// A unit as a table row, detail page or popover shows it.
#[derive(Debug, Clone)]
pub struct UnitView {
    /// Id.
    pub id: InventoryItemId,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// Condition.
    pub condition: Condition,
    /// Status label.
    pub status: InventoryStatus,
    /// Status badge class.
    pub status_class: &'static str,
    /// Location or "—".
    pub location: String,
    /// Formatted cost.
    pub cost: String,
    /// Formatted listing price.
    pub price: String,
    /// SKU or empty.
    pub sku: String,
    /// Date added.
    pub added: String,
    /// Notes.
    pub notes: String,
}

fn money_text(minor: Option<i64>, currency: Currency) -> String {
    minor
        .map(|m| Money::from_minor(m, currency).to_string())
        .unwrap_or_else(|| "—".to_owned())
}

impl From<&InventoryRow> for UnitView {
    fn from(r: &InventoryRow) -> Self {
        let status_class = match r.details.status {
            InventoryStatus::Listed => "blue",
            InventoryStatus::Backlog => "yellow",
            InventoryStatus::Sold => "green",
            InventoryStatus::Returned => "red",
            InventoryStatus::NotYetReceived => "grey",
        };
        UnitView {
            id: r.id,
            set_number: r.details.set_number.clone(),
            item_name: r.details.item_name.clone(),
            condition: r.details.condition,
            status: r.details.status,
            status_class,
            location: r
                .details
                .storage_location
                .clone()
                .unwrap_or_else(|| "—".to_owned()),
            cost: money_text(r.details.cost_minor, r.details.currency),
            price: money_text(r.details.listing_price_minor, r.details.currency),
            sku: r.details.sku.clone().unwrap_or_default(),
            added: r.created_at.date().to_string(),
            notes: r.details.notes.clone().unwrap_or_default(),
        }
    }
}
