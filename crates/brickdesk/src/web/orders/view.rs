//! Loading a page of orders with their lines and links, and turning them
//! into the JSON body (the journey's `AmazonOrder`) or a table row.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::orders::{
    LinkedUnitRow, ListedOrder, Order, OrderLine, OrderListQuery, OrderTotal, PageMarks,
};
use crate::db::{self, Db, DbError};
use crate::domain::ids::AmazonOrderId;
use crate::domain::platform::buyer_label;
use crate::domain::{
    Currency, FulfillmentChannel, MatchStatus, MatchSummary, OrderId, OrderItemId, Platform,
    UiStatus, WorkflowStatus,
};
use crate::web::inventory::UnitView;
use crate::web::{AppError, short_date};

/// An order with its lines and the units linked to them.
pub struct LoadedOrder {
    /// The order and its counts.
    pub order: Order,
    /// Its lines.
    pub lines: Vec<OrderLine>,
    /// Units linked to its lines.
    pub links: Vec<LinkedUnitRow>,
}

/// Loads a page of orders (a deep one from the nearest of `marks`): one
/// query for the orders with their lines and one for the total, at once;
/// a third only when lines have linked units.
pub async fn load(
    db: &Db,
    q: &OrderListQuery,
    marks: Option<&PageMarks>,
) -> Result<(Vec<LoadedOrder>, OrderTotal), DbError> {
    let (orders, total) = db::orders::list_orders_marked(db, q, marks).await?;
    // Most pages of a busy shop hold few linked lines; skip the query
    // when there is nothing to fetch.
    let line_ids: Vec<OrderItemId> = orders
        .iter()
        .flat_map(|o| &o.lines)
        .filter(|l| l.link_count > 0)
        .map(|l| l.id)
        .collect();
    let links = db::orders::links_for_items(db, &line_ids).await?;
    let mut links_by_line: HashMap<OrderItemId, Vec<LinkedUnitRow>> = HashMap::new();
    for link in links {
        links_by_line
            .entry(link.order_item_id)
            .or_default()
            .push(link);
    }
    let loaded = orders
        .into_iter()
        .map(|ListedOrder { order, lines }| {
            let links = lines
                .iter()
                .flat_map(|l| links_by_line.remove(&l.id).unwrap_or_default())
                .collect();
            LoadedOrder {
                order,
                lines,
                links,
            }
        })
        .collect();
    Ok((loaded, total))
}

/// The Amazon order `order_id` and its lines that are not tied to stock
/// (unmatched or without ASIN), for the dialog that lists them.
pub async fn unmatched_lines(db: &Db, order_id: &str) -> Result<(Order, Vec<OrderLine>), AppError> {
    let order_id = order_id.trim();
    let order = db::orders::find_order(db, Platform::Amazon, order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Amazon order {order_id} not found")))?;
    let mut lines = db::orders::lines_for_orders(db, &[order.id]).await?;
    lines.retain(|l| matches!(l.match_status, MatchStatus::Unmatched | MatchStatus::NoAsin));
    Ok((order, lines))
}

/// An order line in JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemJson {
    id: OrderItemId,
    order_item_id: String,
    item_number: Option<String>,
    item_name: Option<String>,
    sku: Option<String>,
    quantity: i64,
    unit_price: Option<String>,
    unit_price_minor: Option<i64>,
    total_price: Option<String>,
    total_price_minor: Option<i64>,
    currency: Option<Currency>,
    condition: Option<String>,
    inventory_item_id: Option<i64>,
    linked_inventory_item_ids: Vec<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    amazon_linked_at: Option<OffsetDateTime>,
    amazon_link_method: Option<String>,
    match_status: MatchStatus,
}

/// An order in JSON, as the journey's `AmazonOrder`. Money is exact: a
/// decimal string plus integer minor units.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderJson {
    id: OrderId,
    platform_order_id: String,
    #[serde(with = "time::serde::rfc3339::option")]
    order_date: Option<OffsetDateTime>,
    buyer_name: Option<String>,
    buyer_email: Option<String>,
    status: String,
    internal_status: Option<WorkflowStatus>,
    ui_status: UiStatus,
    total: Option<String>,
    total_minor: Option<i64>,
    currency: Option<Currency>,
    notes: Option<String>,
    items_fetched: bool,
    fulfillment_channel: Option<FulfillmentChannel>,
    marketplace_id: Option<String>,
    items: Vec<ItemJson>,
    match_summary: MatchSummary,
}

impl From<LoadedOrder> for OrderJson {
    fn from(l: LoadedOrder) -> Self {
        let o = l.order;
        let items = l
            .lines
            .into_iter()
            .map(|line| {
                let mine: Vec<&LinkedUnitRow> = l
                    .links
                    .iter()
                    .filter(|k| k.order_item_id == line.id)
                    .collect();
                let r = line.reported;
                let currency = r.currency();
                ItemJson {
                    id: line.id,
                    order_item_id: r.platform_item_id,
                    item_number: r.asin,
                    item_name: r.title,
                    sku: r.sku,
                    quantity: r.quantity,
                    unit_price: r.unit_price.map(|m| m.to_plain_string()),
                    unit_price_minor: r.unit_price.map(|m| m.minor),
                    total_price: r.line_price.map(|m| m.to_plain_string()),
                    total_price_minor: r.line_price.map(|m| m.minor),
                    currency,
                    condition: r.condition,
                    inventory_item_id: mine.first().map(|k| k.unit.id.get()),
                    linked_inventory_item_ids: mine.iter().map(|k| k.unit.id.get()).collect(),
                    amazon_linked_at: mine.first().map(|k| k.linked_at),
                    amazon_link_method: mine.first().map(|k| k.link_method.as_str().to_owned()),
                    match_status: line.match_status,
                }
            })
            .collect();
        OrderJson {
            id: o.id,
            match_summary: o.match_summary(),
            platform_order_id: o.reported.platform_order_id,
            order_date: o.reported.order_date,
            buyer_name: o.reported.buyer_name,
            buyer_email: o.reported.buyer_email,
            status: o.reported.platform_status,
            internal_status: o.workflow_status,
            ui_status: o.ui_status,
            total: o.reported.total.map(|m| m.to_plain_string()),
            total_minor: o.reported.total.map(|m| m.minor),
            currency: o.reported.total.map(|m| m.currency),
            notes: o.notes,
            items_fetched: o.items_fetched_at.is_some(),
            fulfillment_channel: o.reported.fulfillment_channel,
            marketplace_id: o.reported.marketplace_id,
            items,
        }
    }
}

/// An order as a table row.
pub struct OrderView {
    /// Platform's order id.
    pub order_id: String,
    /// Seller Central link (Amazon only).
    pub seller_central_url: Option<String>,
    /// Platform label.
    pub platform: &'static str,
    /// The Amazon marketplace it was placed on, when known.
    pub marketplace: Option<&'static spapi::marketplace::Marketplace>,
    /// "18 Jan 2026".
    pub date: String,
    /// Buyer as [`buyer_label`] says.
    pub buyer: String,
    /// Item titles, truncated.
    pub description: String,
    /// Number of lines.
    pub lines: i64,
    /// Whether every line is linked.
    pub all_linked: bool,
    /// Lines with an unmapped ASIN.
    pub unmatched: i64,
    /// Lines without ASIN.
    pub no_asin: i64,
    /// Whether it is an Amazon order: only those have ASIN badges.
    pub is_amazon: bool,
    /// No lines yet: they were never fetched from Amazon.
    pub missing_items: bool,
    /// Amazon ships it from its warehouses (FBA): nothing to pick.
    pub fba: bool,
    /// UI status.
    pub status: &'static str,
    /// Badge colour.
    pub status_colour: &'static str,
    /// Formatted total.
    pub total: String,
    /// Units linked to the order's lines.
    pub linked: Vec<UnitView>,
}

const DESCRIPTION_CHARS: usize = 60;

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!(
            "{}…",
            text.chars().take(max - 1).collect::<String>().trim_end()
        )
    }
}

impl OrderView {
    /// The row of `l`; buyers' names only when `show_names`.
    pub fn new(l: &LoadedOrder, show_names: bool) -> Self {
        let o = &l.order;
        let (platform, ui) = (o.reported.platform, o.ui_status);
        let titles: Vec<&str> = l
            .lines
            .iter()
            .filter_map(|x| x.reported.title.as_deref())
            .collect();
        OrderView {
            seller_central_url: (platform == Platform::Amazon)
                .then(|| {
                    AmazonOrderId::parse(&o.reported.platform_order_id)
                        .ok()
                        .map(|id| id.seller_central_url(o.reported.marketplace_id.as_deref()))
                })
                .flatten(),
            marketplace: o
                .reported
                .marketplace_id
                .as_deref()
                .and_then(spapi::marketplace::marketplace),
            order_id: o.reported.platform_order_id.clone(),
            platform: platform.label(),
            date: short_date(o.reported.order_date),
            buyer: buyer_label(platform, o.reported.buyer_name.as_deref(), show_names),
            description: truncate(&titles.join(", "), DESCRIPTION_CHARS),
            lines: o.lines_total,
            all_linked: o.lines_total > 0 && o.lines_linked == o.lines_total,
            unmatched: o.lines_unmatched,
            no_asin: o.lines_no_asin,
            is_amazon: platform == Platform::Amazon,
            missing_items: o.match_summary().items_not_fetched(),
            fba: !FulfillmentChannel::seller_ships(o.reported.fulfillment_channel),
            status: ui.as_str(),
            status_colour: ui.colour(),
            total: o
                .reported
                .total
                .map_or_else(|| "—".to_owned(), |m| m.to_string()),
            linked: l.links.iter().map(|k| UnitView::from(&k.unit)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("Ünïcode titles are long", 8), "Ünïcode…");
    }
}
