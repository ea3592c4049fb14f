//! The order and the order line as Brickdesk reads them: one model each,
//! decoded into domain types, and the columns every query reads them from.

use sea_query::{Alias, Query, SelectStatement};
use sqlx::{ColumnIndex, Decode, Type};
use time::OffsetDateTime;

use super::super::from_row;
use super::super::schema::{OrderItems, Orders};
use crate::domain::{
    Currency, FulfillmentChannel, MatchStatus, MatchSummary, Money, OrderId, OrderItemId, Platform,
    UiStatus, WorkflowStatus,
};

/// What a platform says of an order: the part of an order sync writes and
/// overwrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedOrder {
    /// Platform it came from.
    pub platform: Platform,
    /// The platform's order id.
    pub platform_order_id: String,
    /// When the buyer placed it.
    pub order_date: Option<OffsetDateTime>,
    /// The platform's last-update time.
    pub last_updated_at: Option<OffsetDateTime>,
    /// Buyer name, when the platform shares it.
    pub buyer_name: Option<String>,
    /// Buyer email, when the platform shares it.
    pub buyer_email: Option<String>,
    /// The platform's own status (Amazon's in Orders v0 spelling).
    pub platform_status: String,
    /// Order total; Amazon leaves it out for Pending orders.
    pub total: Option<Money>,
    /// Who ships it (Amazon orders; `None`: not said, the seller).
    pub fulfillment_channel: Option<FulfillmentChannel>,
    /// Amazon's id of the marketplace it was placed on.
    pub marketplace_id: Option<String>,
}

/// An order with its line counts: what the platform reports and what only
/// Brickdesk keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Row id.
    pub id: OrderId,
    /// What the platform says of it.
    pub reported: ReportedOrder,
    /// The status only Brickdesk sets.
    pub workflow_status: Option<WorkflowStatus>,
    /// The status shown, derived from the platform's and the workflow's.
    pub ui_status: UiStatus,
    /// Notes.
    pub notes: Option<String>,
    /// When lines were fetched (`None`: never, the order misses its items).
    pub items_fetched_at: Option<OffsetDateTime>,
    /// Last change of the row.
    pub updated_at: OffsetDateTime,
    /// Lines.
    pub lines_total: i64,
    /// Lines with an unmapped ASIN.
    pub lines_unmatched: i64,
    /// Lines without ASIN.
    pub lines_no_asin: i64,
    /// Fully linked lines.
    pub lines_linked: i64,
}

/// The columns an [`Order`] is read from, in its field order: it is decoded
/// by position (see its `FromRow`).
pub(crate) const ORDER_COLUMNS: [Orders; 21] = [
    Orders::Id,
    Orders::Platform,
    Orders::PlatformOrderId,
    Orders::OrderDate,
    Orders::LastUpdatedAt,
    Orders::BuyerName,
    Orders::BuyerEmail,
    Orders::PlatformStatus,
    Orders::WorkflowStatus,
    Orders::UiStatus,
    Orders::TotalMinor,
    Orders::Currency,
    Orders::Notes,
    Orders::ItemsFetchedAt,
    Orders::UpdatedAt,
    Orders::LinesTotal,
    Orders::LinesUnmatched,
    Orders::LinesNoAsin,
    Orders::LinesLinked,
    Orders::FulfillmentChannel,
    Orders::MarketplaceId,
];

/// `SELECT` of [`ORDER_COLUMNS`] from `orders`, for a query to narrow.
pub(crate) fn select_orders() -> SelectStatement {
    Query::select()
        .columns(ORDER_COLUMNS)
        .from(Orders::Table)
        .to_owned()
}

impl Order {
    /// Its lines' counts by match status.
    pub fn match_summary(&self) -> MatchSummary {
        MatchSummary::from_counts(
            self.lines_total,
            self.lines_unmatched,
            self.lines_no_asin,
            self.lines_linked,
        )
    }
}

// By position, in [`ORDER_COLUMNS`] order: the orders listing decodes 50
// rows of them per page, and a lookup by name costs a scan of the columns.
from_row!(Order, |row| {
    let total = money_at(row, 10, row.try_get(11)?)?;
    Ok(Order {
        id: row.try_get(0)?,
        reported: ReportedOrder {
            platform: row.try_get(1)?,
            platform_order_id: row.try_get(2)?,
            order_date: row.try_get(3)?,
            last_updated_at: row.try_get(4)?,
            buyer_name: row.try_get(5)?,
            buyer_email: row.try_get(6)?,
            platform_status: row.try_get(7)?,
            total,
            fulfillment_channel: row.try_get(19)?,
            marketplace_id: row.try_get(20)?,
        },
        workflow_status: row.try_get(8)?,
        ui_status: row.try_get(9)?,
        notes: row.try_get(12)?,
        items_fetched_at: row.try_get(13)?,
        updated_at: row.try_get(14)?,
        lines_total: row.try_get(15)?,
        lines_unmatched: row.try_get(16)?,
        lines_no_asin: row.try_get(17)?,
        lines_linked: row.try_get(18)?,
    })
});

/// What a platform says of an order line: the part a sync or a backfill
/// writes and overwrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedLine {
    /// The platform's line id (Amazon OrderItemId).
    pub platform_item_id: String,
    /// ASIN, when Amazon gives one.
    pub asin: Option<String>,
    /// Seller SKU.
    pub sku: Option<String>,
    /// Item title.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: Option<Money>,
    /// Price of the whole line.
    pub line_price: Option<Money>,
    /// The platform's condition text (`New`, `Used`, `Collectible`…).
    pub condition: Option<String>,
}

impl ReportedLine {
    /// The currency of its prices (both are stored in one).
    pub fn currency(&self) -> Option<Currency> {
        self.line_price.or(self.unit_price).map(|m| m.currency)
    }
}

/// An order line: what the platform reports and how far it is tied to
/// stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// Row id.
    pub id: OrderItemId,
    /// The order.
    pub order_id: OrderId,
    /// What the platform says of it.
    pub reported: ReportedLine,
    /// Where the line stands in being tied to stock.
    pub match_status: MatchStatus,
    /// Units of the line linked so far (a line can be partly linked).
    pub link_count: i64,
}

/// The columns an [`OrderLine`] is read from.
pub(crate) const LINE_COLUMNS: [OrderItems; 13] = [
    OrderItems::Id,
    OrderItems::OrderId,
    OrderItems::PlatformItemId,
    OrderItems::Asin,
    OrderItems::Sku,
    OrderItems::Title,
    OrderItems::Quantity,
    OrderItems::UnitPriceMinor,
    OrderItems::LinePriceMinor,
    OrderItems::Currency,
    OrderItems::Condition,
    OrderItems::MatchStatus,
    OrderItems::LinkCount,
];

/// `SELECT` of [`LINE_COLUMNS`] from `order_items` as `oi`, for a query to
/// narrow.
pub(crate) fn select_lines() -> SelectStatement {
    let oi = Alias::new("oi");
    Query::select()
        .columns(LINE_COLUMNS.map(|c| (oi.clone(), c)))
        .from_as(OrderItems::Table, oi)
        .to_owned()
}

// By position, in [`LINE_COLUMNS`] order, as [`Order`] is.
from_row!(OrderLine, |row| {
    let currency: Option<Currency> = row.try_get(9)?;
    Ok(OrderLine {
        id: row.try_get(0)?,
        order_id: row.try_get(1)?,
        reported: ReportedLine {
            platform_item_id: row.try_get(2)?,
            asin: row.try_get(3)?,
            sku: row.try_get(4)?,
            title: row.try_get(5)?,
            quantity: row.try_get(6)?,
            unit_price: money_at(row, 7, currency)?,
            line_price: money_at(row, 8, currency)?,
            condition: row.try_get(10)?,
        },
        match_status: row.try_get(11)?,
        link_count: row.try_get(12)?,
    })
});

/// The amount in minor units at column `index`, in `currency`: `None` when
/// the column is NULL, an error when it holds an amount but no currency
/// was stored with it.
fn money_at<'r, R>(
    row: &'r R,
    index: usize,
    currency: Option<Currency>,
) -> Result<Option<Money>, sqlx::Error>
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let minor: Option<i64> = row.try_get(index)?;
    match (minor, currency) {
        (Some(minor), Some(currency)) => Ok(Some(Money::from_minor(minor, currency))),
        (None, _) => Ok(None),
        (Some(_), None) => Err(sqlx::Error::ColumnDecode {
            index: index.to_string(),
            source: "an amount without a currency".into(),
        }),
    }
}
