//! Orders API v0 (deprecated, retired 2027-03-27): `getOrders`, `getOrder`,
//! `getOrderItems`.

use futures::{Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::{Client, Request};
use crate::timestamp::{before_param, fix_befores, format_utc};
use crate::{Error, Money, Operation};

/// An order as Orders v0 returns it (the fields Brickdesk reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    /// Amazon order id.
    pub amazon_order_id: String,
    /// When the order was placed.
    #[serde(with = "time::serde::rfc3339")]
    pub purchase_date: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub last_update_date: OffsetDateTime,
    /// e.g. `Unshipped` (see [`ORDER_STATUSES`]).
    pub order_status: String,
    /// `AFN` (FBA) or `MFN` (FBM).
    pub fulfillment_channel: Option<String>,
    /// e.g. `Amazon.co.uk`.
    pub sales_channel: Option<String>,
    /// Order total; absent while Pending.
    pub order_total: Option<Money>,
    /// Units shipped.
    pub number_of_items_shipped: Option<u32>,
    /// Units not yet shipped.
    pub number_of_items_unshipped: Option<u32>,
    /// Marketplace id.
    pub marketplace_id: Option<String>,
    /// e.g. `Standard`.
    pub ship_service_level: Option<String>,
    /// Prime order.
    pub is_prime: Option<bool>,
    /// Business (B2B) order.
    pub is_business_order: Option<bool>,
}

/// Every `OrderStatus` value of Orders v0.
pub const ORDER_STATUSES: [&str; 8] = [
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
];

/// One line of a v0 order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItem {
    /// ASIN. The model requires it, but Amazon sends an empty string for
    /// lines without one; see [`OrderItem::asin`].
    #[serde(rename = "ASIN", default)]
    pub asin_text: String,
    /// Seller SKU.
    #[serde(rename = "SellerSKU")]
    pub seller_sku: Option<String>,
    /// Amazon's line id.
    pub order_item_id: String,
    /// Listing title.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity_ordered: u32,
    /// Units shipped.
    pub quantity_shipped: Option<u32>,
    /// LINE total (unit price × quantity); absent while Pending.
    pub item_price: Option<Money>,
    /// Shipping charged for the line.
    pub shipping_price: Option<Money>,
    /// Tax on the item.
    pub item_tax: Option<Money>,
    /// Promotion discount.
    pub promotion_discount: Option<Money>,
    /// e.g. `New`, `Used`.
    pub condition_id: Option<String>,
    /// e.g. `New`, `LikeNew`.
    pub condition_subtype_id: Option<String>,
}

impl OrderItem {
    /// The ASIN, or `None` for lines without one.
    pub fn asin(&self) -> Option<&str> {
        Some(self.asin_text.as_str()).filter(|a| !a.is_empty())
    }
}

/// One page of `getOrders`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersPage {
    /// Orders of this page.
    pub orders: Vec<Order>,
    /// Token for the next page.
    pub next_token: Option<String>,
    /// Effective `LastUpdatedBefore`.
    pub last_updated_before: Option<String>,
    /// Effective `CreatedBefore`.
    pub created_before: Option<String>,
}

/// One page of `getOrderItems`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItemsPage {
    /// The order the items belong to.
    pub amazon_order_id: String,
    /// Lines of this page.
    pub order_items: Vec<OrderItem>,
    /// Token for the next page.
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
struct Payload<T> {
    payload: T,
}

/// Calls `op` and unwraps v0's `{"payload": ...}`.
async fn payload<T: DeserializeOwned>(
    client: &Client,
    op: Operation,
    request: Request,
) -> Result<T, Error> {
    let response: Payload<T> = client.call(op, request).await?;
    Ok(response.payload)
}

/// Filters of `getOrders`. Build with [`GetOrders::created_after`] or
/// [`GetOrders::last_updated_after`].
#[derive(Debug, Clone, PartialEq)]
pub struct GetOrders {
    /// Orders created at or after.
    pub created_after: Option<OffsetDateTime>,
    /// Orders created at or before (clamped to 2 minutes ago).
    pub created_before: Option<OffsetDateTime>,
    /// Orders updated at or after.
    pub last_updated_after: Option<OffsetDateTime>,
    /// Orders updated at or before (clamped to 2 minutes ago).
    pub last_updated_before: Option<OffsetDateTime>,
    /// Only these statuses (see [`ORDER_STATUSES`]).
    pub order_statuses: Vec<String>,
    /// Only `AFN` and/or `MFN`.
    pub fulfillment_channels: Vec<String>,
    /// Page size, 1–100.
    pub max_results_per_page: Option<u32>,
}

impl GetOrders {
    /// Orders created at or after `at`.
    pub fn created_after(at: OffsetDateTime) -> Self {
        GetOrders {
            created_after: Some(at),
            ..Self::empty()
        }
    }

    /// Orders updated at or after `at`.
    pub fn last_updated_after(at: OffsetDateTime) -> Self {
        GetOrders {
            last_updated_after: Some(at),
            ..Self::empty()
        }
    }

    fn empty() -> Self {
        GetOrders {
            created_after: None,
            created_before: None,
            last_updated_after: None,
            last_updated_before: None,
            order_statuses: Vec::new(),
            fulfillment_channels: Vec::new(),
            max_results_per_page: None,
        }
    }

    fn request(&self, marketplace_ids: &[String], token: Option<String>) -> Request {
        Request::get(&["orders", "v0", "orders"])
            .list_param("MarketplaceIds", marketplace_ids)
            .opt_param("CreatedAfter", self.created_after.map(format_utc))
            .opt_param("CreatedBefore", before_param(self.created_before))
            .opt_param("LastUpdatedAfter", self.last_updated_after.map(format_utc))
            .opt_param("LastUpdatedBefore", before_param(self.last_updated_before))
            .list_param("OrderStatuses", &self.order_statuses)
            .list_param("FulfillmentChannels", &self.fulfillment_channels)
            .opt_param("MaxResultsPerPage", self.max_results_per_page)
            .opt_param("NextToken", token)
    }
}

impl Client {
    /// One page of v0 `getOrders`.
    pub async fn get_orders_page(
        &self,
        query: &GetOrders,
        token: Option<String>,
    ) -> Result<OrdersPage, Error> {
        let request = query.request(self.marketplace_ids(), token);
        payload(self, Operation::GetOrdersV0, request).await
    }

    /// Every page of v0 `getOrders`.
    pub fn get_orders_pages(
        &self,
        mut query: GetOrders,
    ) -> impl Stream<Item = Result<OrdersPage, Error>> + Send + 'static {
        fix_befores([&mut query.created_before, &mut query.last_updated_before]);
        self.pages(
            query,
            |client, query, token| async move { client.get_orders_page(&query, token).await },
            |page| page.next_token.clone(),
        )
    }

    /// Every order of v0 `getOrders`, across pages.
    pub fn get_orders(
        &self,
        query: GetOrders,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        Client::items(self.get_orders_pages(query), |p| p.orders)
    }

    /// v0 `getOrder`.
    pub async fn get_order_v0(&self, order_id: &str) -> Result<Order, Error> {
        let request = Request::get(&["orders", "v0", "orders", order_id]);
        payload(self, Operation::GetOrderV0, request).await
    }

    /// One page of v0 `getOrderItems`.
    pub async fn get_order_items_page(
        &self,
        order_id: &str,
        token: Option<String>,
    ) -> Result<OrderItemsPage, Error> {
        let request = Request::get(&["orders", "v0", "orders", order_id, "orderItems"])
            .opt_param("NextToken", token);
        payload(self, Operation::GetOrderItemsV0, request).await
    }

    /// All lines of an order (v0 `getOrderItems`, every page).
    pub async fn get_order_items(&self, order_id: &str) -> Result<Vec<OrderItem>, Error> {
        let pages = self.pages(
            order_id.to_owned(),
            |client, id, token| async move { client.get_order_items_page(&id, token).await },
            |page| page.next_token.clone(),
        );
        Client::items(pages, |p| p.order_items).try_collect().await
    }
}

/// One package of a shipment confirmation (`confirmShipment`'s
/// `PackageDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetail {
    /// The seller's number for the package, unique within the order (a
    /// positive number).
    pub package_reference_id: String,
    /// Amazon's carrier code, or `Other` with [`PackageDetail::carrier_name`].
    pub carrier_code: String,
    /// The carrier's name when the code is `Other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier_name: Option<String>,
    /// The carrier's service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    /// The tracking number.
    pub tracking_number: String,
    /// When the package shipped.
    #[serde(serialize_with = "utc_text")]
    pub ship_date: OffsetDateTime,
    /// The lines and units in the package.
    pub order_items: Vec<ShippedItem>,
}

fn utc_text<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_utc(*t))
}

/// Units of one line in a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippedItem {
    /// The line's `OrderItemId`.
    pub order_item_id: String,
    /// Units.
    pub quantity: u32,
}

impl Client {
    /// `confirmShipment`: tells Amazon that `package` of order `order_id`
    /// (placed on `marketplace_id`) has shipped. Amazon answers 204; a
    /// package it refuses (or already has) comes back as
    /// [`Error::InvalidInput`] with Amazon's message.
    pub async fn confirm_shipment(
        &self,
        order_id: &str,
        marketplace_id: &str,
        package: &PackageDetail,
    ) -> Result<(), Error> {
        let body = serde_json::json!({
            "marketplaceId": marketplace_id,
            "packageDetail": package,
        });
        let request = Request::post(
            &["orders", "v0", "orders", order_id, "shipmentConfirmation"],
            body,
        );
        self.call_no_content(Operation::ConfirmShipment, request)
            .await
    }
}
