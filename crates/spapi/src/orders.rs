//! Orders API 2026-01-01: `searchOrders` and `getOrder`, lines inline.

use futures::Stream;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::client::{Client, Request};
use crate::timestamp::{before_param, fix_befores, format_utc};
use crate::{Error, Money, Operation};

/// An order as Orders 2026-01-01 returns it (the fields Brickdesk reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Amazon order id, e.g. `203-1234567-1234567`.
    pub order_id: String,
    /// When the order was placed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_time: OffsetDateTime,
    /// When Amazon or the seller last changed it.
    #[serde(with = "time::serde::rfc3339")]
    pub last_updated_time: OffsetDateTime,
    /// Programs such as `PRIME`, `BUSINESS`.
    #[serde(default)]
    pub programs: Vec<String>,
    /// Where it was sold.
    pub sales_channel: SalesChannel,
    /// Buyer details (with `includedData=BUYER`).
    pub buyer: Option<Buyer>,
    /// Totals (with `includedData=PROCEEDS`); absent while Pending.
    pub proceeds: Option<OrderProceeds>,
    /// Status and fulfilment channel (with `includedData=FULFILLMENT`).
    pub fulfillment: Option<OrderFulfillment>,
    /// The order's lines.
    pub order_items: Vec<OrderItem>,
}

/// Sales channel of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// e.g. `AMAZON`.
    pub channel_name: String,
    /// Marketplace id.
    pub marketplace_id: Option<String>,
    /// e.g. `Amazon.co.uk`.
    pub marketplace_name: Option<String>,
}

/// Buyer of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    /// Buyer name, when Amazon shares it.
    pub buyer_name: Option<String>,
    /// Anonymised buyer e-mail.
    pub buyer_email: Option<String>,
}

/// An order's money totals.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderProceeds {
    /// What the buyer pays in total.
    pub grand_total: Option<Money>,
}

/// Fulfilment of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfillment {
    /// Status, e.g. `UNSHIPPED` (see [`FULFILLMENT_STATUSES`]).
    pub fulfillment_status: String,
    /// `MERCHANT` (FBM) or `AMAZON` (FBA).
    pub fulfilled_by: Option<String>,
    /// e.g. `STANDARD`.
    pub fulfillment_service_level: Option<String>,
}

/// Every `fulfillmentStatus` value of Orders 2026-01-01.
pub const FULFILLMENT_STATUSES: [&str; 7] = [
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
];

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// Amazon's line id; lines are keyed by it.
    pub order_item_id: String,
    /// Units ordered.
    pub quantity_ordered: u32,
    /// What was sold.
    pub product: ItemProduct,
    /// Money for the line (with `includedData=PROCEEDS`).
    pub proceeds: Option<ItemProceeds>,
    /// Shipped/unshipped quantities (with `includedData=FULFILLMENT`).
    pub fulfillment: Option<ItemFulfillment>,
}

/// The product of a line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProduct {
    /// ASIN; may be missing.
    pub asin: Option<String>,
    /// Listing title.
    pub title: Option<String>,
    /// Seller SKU.
    pub seller_sku: Option<String>,
    /// Condition of the item sold.
    pub condition: Option<ItemCondition>,
    /// Unit price; absent while Pending.
    pub price: Option<ItemPrice>,
}

/// Condition of the item sold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemCondition {
    /// e.g. `NEW`, `USED`.
    pub condition_type: Option<String>,
    /// e.g. `LIKE_NEW`.
    pub condition_subtype: Option<String>,
}

/// Price of a line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPrice {
    /// Price of ONE unit.
    pub unit_price: Option<Money>,
}

/// Proceeds of a line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProceeds {
    /// Line total.
    pub proceeds_total: Option<Money>,
    /// Breakdown by type, e.g. `ITEM`, `SHIPPING`.
    #[serde(default)]
    pub breakdowns: Vec<ProceedsBreakdown>,
}

/// One part of a line's proceeds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProceedsBreakdown {
    /// e.g. `ITEM`, `SHIPPING`, `TAX`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Amount of this part.
    pub subtotal: Money,
}

/// Shipped and unshipped units of a line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFulfillment {
    /// Units shipped.
    pub quantity_fulfilled: Option<u32>,
    /// Units not yet shipped.
    pub quantity_unfulfilled: Option<u32>,
}

/// One page of `searchOrders`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchOrdersPage {
    /// Orders of this page.
    pub orders: Vec<Order>,
    /// Token for the next page.
    pub pagination: Option<Pagination>,
    /// The effective `createdBefore` Amazon applied.
    pub created_before: Option<String>,
    /// The effective `lastUpdatedBefore` Amazon applied.
    pub last_updated_before: Option<String>,
}

/// Pagination of a 2026-01-01 response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Pass as `paginationToken` to get the next page.
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
struct GetOrderResponse {
    order: Order,
}

/// Filters of `searchOrders`. Build with [`SearchOrders::created_after`] or
/// [`SearchOrders::last_updated_after`] (Amazon wants exactly one).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOrders {
    /// Orders created at or after.
    pub created_after: Option<OffsetDateTime>,
    /// Orders created at or before (clamped to 2 minutes ago).
    pub created_before: Option<OffsetDateTime>,
    /// Orders updated at or after.
    pub last_updated_after: Option<OffsetDateTime>,
    /// Orders updated at or before (clamped to 2 minutes ago).
    pub last_updated_before: Option<OffsetDateTime>,
    /// Only these statuses (see [`FULFILLMENT_STATUSES`]).
    pub fulfillment_statuses: Vec<String>,
    /// Only `MERCHANT` and/or `AMAZON` fulfilled.
    pub fulfilled_by: Vec<String>,
    /// Page size, 1–100.
    pub max_results_per_page: Option<u32>,
    /// Datasets to include; defaults to [`DEFAULT_INCLUDED_DATA`].
    pub included_data: Vec<String>,
}

/// The datasets Brickdesk asks for: buyer, money, status.
pub const DEFAULT_INCLUDED_DATA: [&str; 3] = ["BUYER", "PROCEEDS", "FULFILLMENT"];

impl SearchOrders {
    fn empty() -> Self {
        SearchOrders {
            created_after: None,
            created_before: None,
            last_updated_after: None,
            last_updated_before: None,
            fulfillment_statuses: Vec::new(),
            fulfilled_by: Vec::new(),
            max_results_per_page: None,
            included_data: DEFAULT_INCLUDED_DATA
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// Orders created at or after `at`.
    pub fn created_after(at: OffsetDateTime) -> Self {
        SearchOrders {
            created_after: Some(at),
            ..Self::empty()
        }
    }

    /// Orders updated at or after `at`.
    pub fn last_updated_after(at: OffsetDateTime) -> Self {
        SearchOrders {
            last_updated_after: Some(at),
            ..Self::empty()
        }
    }

    fn request(&self, marketplace_ids: &[String], token: Option<String>) -> Request {
        Request::get(&["orders", "2026-01-01", "orders"])
            .opt_param("createdAfter", self.created_after.map(format_utc))
            .opt_param("createdBefore", before_param(self.created_before))
            .opt_param("lastUpdatedAfter", self.last_updated_after.map(format_utc))
            .opt_param("lastUpdatedBefore", before_param(self.last_updated_before))
            .list_param("fulfillmentStatuses", &self.fulfillment_statuses)
            .list_param("marketplaceIds", marketplace_ids)
            .list_param("fulfilledBy", &self.fulfilled_by)
            .opt_param("maxResultsPerPage", self.max_results_per_page)
            .list_param("includedData", &self.included_data)
            .opt_param("paginationToken", token)
    }
}

impl Client {
    /// One page of `searchOrders`.
    pub async fn search_orders_page(
        &self,
        query: &SearchOrders,
        token: Option<String>,
    ) -> Result<SearchOrdersPage, Error> {
        self.call(
            Operation::SearchOrders,
            query.request(self.marketplace_ids(), token),
        )
        .await
    }

    /// Every page of `searchOrders`, following `nextToken`.
    pub fn search_orders_pages(
        &self,
        mut query: SearchOrders,
    ) -> impl Stream<Item = Result<SearchOrdersPage, Error>> + Send + 'static {
        fix_befores([&mut query.created_before, &mut query.last_updated_before]);
        self.pages(
            query,
            |client, query, token| async move { client.search_orders_page(&query, token).await },
            |page| page.pagination.as_ref().and_then(|p| p.next_token.clone()),
        )
    }

    /// Every order `searchOrders` returns, across pages.
    pub fn search_orders(
        &self,
        query: SearchOrders,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        Client::items(self.search_orders_pages(query), |p| p.orders)
    }

    /// `getOrder` (2026-01-01) with [`DEFAULT_INCLUDED_DATA`].
    pub async fn get_order(&self, order_id: &str) -> Result<Order, Error> {
        self.get_order_with(order_id, &DEFAULT_INCLUDED_DATA).await
    }

    /// `getOrder` (2026-01-01) with the datasets `included_data`.
    pub async fn get_order_with(
        &self,
        order_id: &str,
        included_data: &[&str],
    ) -> Result<Order, Error> {
        let request = Request::get(&["orders", "2026-01-01", "orders", order_id])
            .list_param("includedData", included_data);
        let response: GetOrderResponse = self.call(Operation::GetOrder, request).await?;
        Ok(response.order)
    }
}
