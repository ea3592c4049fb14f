//! The orders pages (`/orders`, `/orders/amazon`, `/orders/ebay`) and the
//! Amazon orders JSON API, with ASIN matching.

mod api;
pub mod cache;
pub(crate) mod pages;
mod shared_read;
mod view;

use serde::Deserialize;

use super::paging::{PageRequest, optional_filter};
use super::routes::{Access, Routes};
use crate::db::orders::OrderListQuery;
use crate::domain::{FulfillmentChannel, MatchFilter, Platform, UiStatus};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/orders", Access::User, pages::all_orders)
        .get("/orders/amazon", Access::User, pages::amazon_orders)
        .get("/orders/ebay", Access::User, pages::ebay_orders)
        .get("/orders/switch", Access::User, pages::switch_platform)
        .get(
            "/orders/amazon/{order_id}/unmatched",
            Access::User,
            pages::unmatched_items,
        )
        .get("/orders/amazon/match", Access::User, pages::matcher)
        .post("/orders/amazon/match", Access::User, pages::create_mapping)
        .get("/api/orders/amazon", Access::User, api::list_amazon_orders)
        .get(
            "/api/orders/amazon/status-summary",
            Access::User,
            api::status_summary,
        )
        .get(
            "/api/orders/amazon/{order_id}/unmatched",
            Access::User,
            api::unmatched_lines,
        )
        .get(
            "/api/amazon/asin-mappings",
            Access::User,
            api::list_mappings,
        )
        .post(
            "/api/amazon/asin-mappings",
            Access::User,
            api::create_mapping,
        )
        .add(
            axum::http::Method::DELETE,
            "/api/amazon/asin-mappings",
            Access::User,
            api::delete_mapping,
        )
}

/// The Amazon orders and ASIN mapping operations.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::list_amazon_orders,
    api::status_summary,
    api::unmatched_lines,
    api::list_mappings,
    api::create_mapping,
    api::delete_mapping
))]
pub struct OrdersApi;

/// Query parameters of an orders list, as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    /// Search text: order id, buyer, ASIN, SKU or title.
    pub search: String,
    /// UI status: `Pending`, `Paid`, `Shipped`, `Completed` or `Cancelled`.
    pub status: String,
    /// Match filter (`matched`, `unmatched`, `no_asin`).
    #[serde(rename = "match")]
    pub matching: String,
    /// Platform (on `/orders`; the API lists Amazon's only).
    #[param(ignore)]
    pub platform: String,
    /// Who ships: `AFN` (FBA) or `MFN` (the seller).
    pub channel: String,
    /// Amazon marketplace: its id or country code (`A1PA6795UKMFR9`, `DE`).
    pub marketplace: String,
    /// Page number, from 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1_000_000)]
    pub page: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

/// The marketplace id a filter names: a known marketplace's id or
/// country code (any case), or an id Brickdesk does not know.
fn marketplace_id(text: &str) -> Option<String> {
    let t = text.trim();
    let known = spapi::marketplace::MARKETPLACES
        .iter()
        .find(|m| m.id == t || m.country.eq_ignore_ascii_case(t));
    match known {
        Some(m) => Some(m.id.to_owned()),
        None if t.len() >= 8 && t.chars().all(|c| c.is_ascii_alphanumeric()) => Some(t.to_owned()),
        None => None,
    }
}

/// Default rows per page of the orders table.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

impl OrderParams {
    /// Validates into a query for `platform` (or the `platform` parameter
    /// when `None`).
    pub fn to_query(
        &self,
        platform: Option<Platform>,
    ) -> Result<(OrderListQuery, PageRequest), String> {
        let page = PageRequest::parse(
            self.page.as_deref(),
            self.page_size.as_deref(),
            DEFAULT_PAGE_SIZE,
        )?;
        let status = optional_filter(&self.status, "status", UiStatus::parse)?;
        let matching = MatchFilter::parse(&self.matching).map_err(|e| e.to_string())?;
        let channel = optional_filter(&self.channel, "channel", |c| {
            FulfillmentChannel::parse(&c.to_ascii_uppercase())
        })?;
        let marketplace = optional_filter(&self.marketplace, "marketplace", marketplace_id)?;
        let platform = match platform {
            Some(p) => Some(p),
            None => optional_filter(&self.platform, "platform", Platform::parse)?,
        };
        let query = OrderListQuery {
            platform,
            status,
            matching,
            channel,
            marketplace,
            search: Some(self.search.clone()).filter(|s| !s.trim().is_empty()),
            offset: page.offset(),
            limit: page.page_size,
        };
        Ok((query, page))
    }
}
