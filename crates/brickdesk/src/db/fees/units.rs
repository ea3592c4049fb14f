//! Fees on units: which units to reconcile and what they hold; `write`
//! replaces a unit's figures.

mod write;

pub use write::{UnitFeesWrite, lock_for_reconcile, mark_sold, replace_unit_fees};

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, Iden, JoinType, Order, Query, SelectStatement};
use time::OffsetDateTime;

use super::super::schema::{InventoryItems, OrderItemLinks, OrderItems, Orders};
use super::super::{Db, DbError};
use super::{Conn, FinancialEvents};
use crate::domain::fees::{Category, FeeState};
use crate::domain::profit::Sale;
use crate::domain::{Currency, FeeEventId, InventoryItemId, InventoryStatus, Platform};

/// `unit_fees`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub(crate) enum UnitFees {
    Table,
    InventoryItemId,
    State,
    Currency,
    GrossMinor,
    ShippingCreditMinor,
    OtherChargesMinor,
    CommissionMinor,
    RefundCommissionMinor,
    FulfilmentFeesMinor,
    ClosingFeesMinor,
    DigitalServicesFeesMinor,
    OtherFeesMinor,
    TotalFeesMinor,
    NetMinor,
    ReconciledAt,
    RefundedPrincipalMinor,
    RefundedShippingMinor,
    RefundedOtherChargesMinor,
}

/// `unit_fee_entries`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
enum UnitFeeEntries {
    Table,
    InventoryItemId,
    FinancialEventId,
    Category,
    AmountType,
    AmountMinor,
}

/// The `unit_fees` column of each category.
fn category_column(c: Category) -> UnitFees {
    match c {
        Category::Principal => UnitFees::GrossMinor,
        Category::Shipping => UnitFees::ShippingCreditMinor,
        Category::OtherCharge => UnitFees::OtherChargesMinor,
        Category::Commission => UnitFees::CommissionMinor,
        Category::RefundCommission => UnitFees::RefundCommissionMinor,
        Category::Fulfilment => UnitFees::FulfilmentFeesMinor,
        Category::Closing => UnitFees::ClosingFeesMinor,
        Category::DigitalServices => UnitFees::DigitalServicesFeesMinor,
        Category::OtherFee => UnitFees::OtherFeesMinor,
    }
}

/// The column holding what refunds took back of each charge category.
const REFUNDED: [(Category, UnitFees); 3] = [
    (Category::Principal, UnitFees::RefundedPrincipalMinor),
    (Category::Shipping, UnitFees::RefundedShippingMinor),
    (Category::OtherCharge, UnitFees::RefundedOtherChargesMinor),
];

/// A sold unit linked to an Amazon order line.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CandidateRow {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Its status (SOLD or RETURNED).
    pub status: InventoryStatus,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// The unit's currency.
    pub currency: Currency,
    /// What it cost.
    pub cost_minor: Option<i64>,
    /// Amazon's OrderItemId of the line.
    pub platform_item_id: String,
    /// The line's SKU.
    pub line_sku: Option<String>,
    /// Units on the line.
    pub quantity: i64,
    /// Which unit of the line it is (0-based).
    pub unit_index: i64,
    /// Amazon's order id.
    pub platform_order_id: String,
}

/// Units linked to lines of Amazon orders (`order_item_links` joined to
/// `inventory_items`, `order_items` and `orders`): what reconciliation
/// works on and what "items missing fee data" counts.
fn linked_amazon_units() -> SelectStatement {
    Query::select()
        .from(OrderItemLinks::Table)
        .join(
            JoinType::InnerJoin,
            InventoryItems::Table,
            Expr::col((InventoryItems::Table, InventoryItems::Id))
                .equals((OrderItemLinks::Table, OrderItemLinks::InventoryItemId)),
        )
        .join(
            JoinType::InnerJoin,
            OrderItems::Table,
            Expr::col((OrderItems::Table, OrderItems::Id))
                .equals((OrderItemLinks::Table, OrderItemLinks::OrderItemId)),
        )
        .join(
            JoinType::InnerJoin,
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((OrderItems::Table, OrderItems::OrderId)),
        )
        .and_where(Expr::col((Orders::Table, Orders::Platform)).eq(Platform::Amazon))
        .to_owned()
}

/// Sold (or since returned) units linked to Amazon order lines, by order,
/// line and unit index.
pub async fn reconciliation_candidates(conn: &mut Conn<'_>) -> Result<Vec<CandidateRow>, DbError> {
    let stmt = linked_amazon_units()
        .expr_as(
            Expr::col((InventoryItems::Table, InventoryItems::Id)),
            sea_query::Alias::new("inventory_item_id"),
        )
        .columns([
            (InventoryItems::Table, InventoryItems::Status),
            (InventoryItems::Table, InventoryItems::SetNumber),
            (InventoryItems::Table, InventoryItems::ItemName),
            (InventoryItems::Table, InventoryItems::Currency),
            (InventoryItems::Table, InventoryItems::CostMinor),
        ])
        .column((OrderItems::Table, OrderItems::PlatformItemId))
        .expr_as(
            Expr::col((OrderItems::Table, OrderItems::Sku)),
            sea_query::Alias::new("line_sku"),
        )
        .column((OrderItems::Table, OrderItems::Quantity))
        .column((OrderItemLinks::Table, OrderItemLinks::UnitIndex))
        .column((Orders::Table, Orders::PlatformOrderId))
        .and_where(
            Expr::col((InventoryItems::Table, InventoryItems::Status))
                .is_in([InventoryStatus::Sold, InventoryStatus::Returned]),
        )
        .order_by((Orders::Table, Orders::PlatformOrderId), Order::Asc)
        .order_by((OrderItems::Table, OrderItems::Id), Order::Asc)
        .order_by(
            (OrderItemLinks::Table, OrderItemLinks::UnitIndex),
            Order::Asc,
        )
        .to_owned();
    conn.all(&stmt).await
}

/// A unit's stored figures.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitFeesRow {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Whether its fees are known.
    pub state: FeeState,
    /// Currency of the amounts.
    pub currency: Currency,
    /// Principal.
    pub gross_minor: i64,
    /// Shipping credit.
    pub shipping_credit_minor: i64,
    /// Tax, promotions and other charges.
    pub other_charges_minor: i64,
    /// Commission.
    pub commission_minor: i64,
    /// Refund commission.
    pub refund_commission_minor: i64,
    /// Fulfilment fees.
    pub fulfilment_fees_minor: i64,
    /// Closing fees.
    pub closing_fees_minor: i64,
    /// Digital services fees.
    pub digital_services_fees_minor: i64,
    /// Other fees (unknown types included).
    pub other_fees_minor: i64,
    /// Sum of the fees.
    pub total_fees_minor: i64,
    /// Everything added up.
    pub net_minor: i64,
    /// When these figures were written.
    pub reconciled_at: OffsetDateTime,
    /// Principal that refund events took back (in `gross_minor` too).
    pub refunded_principal_minor: i64,
    /// Shipping that refund events took back.
    pub refunded_shipping_minor: i64,
    /// Other charges that refund events took back.
    pub refunded_other_charges_minor: i64,
}

impl UnitFeesRow {
    /// The amount of one category.
    pub fn get(&self, c: Category) -> i64 {
        match c {
            Category::Principal => self.gross_minor,
            Category::Shipping => self.shipping_credit_minor,
            Category::OtherCharge => self.other_charges_minor,
            Category::Commission => self.commission_minor,
            Category::RefundCommission => self.refund_commission_minor,
            Category::Fulfilment => self.fulfilment_fees_minor,
            Category::Closing => self.closing_fees_minor,
            Category::DigitalServices => self.digital_services_fees_minor,
            Category::OtherFee => self.other_fees_minor,
        }
    }

    /// What the sale brought, as the profit report splits it (`None`
    /// while Amazon has not posted the sale: fees unknown).
    pub fn sale(&self) -> Option<Sale> {
        (self.state != FeeState::NotPosted).then(|| Sale {
            gross_sales: self.gross_minor - self.refunded_principal_minor,
            shipping_credits: self.shipping_credit_minor - self.refunded_shipping_minor,
            other_charges: self.other_charges_minor - self.refunded_other_charges_minor,
            refunds: self.refunds_minor(),
            commission: self.commission_minor,
            fulfilment_fees: self.fulfilment_fees_minor,
            closing_fees: self.closing_fees_minor,
            other_fees: self.refund_commission_minor
                + self.digital_services_fees_minor
                + self.other_fees_minor,
            net_payout: self.net_minor,
        })
    }

    /// Every charge refund events took back.
    pub fn refunds_minor(&self) -> i64 {
        self.refunded_principal_minor
            .saturating_add(self.refunded_shipping_minor)
            .saturating_add(self.refunded_other_charges_minor)
    }
}

const FEE_COLUMNS: [UnitFees; 18] = [
    UnitFees::InventoryItemId,
    UnitFees::State,
    UnitFees::Currency,
    UnitFees::GrossMinor,
    UnitFees::ShippingCreditMinor,
    UnitFees::OtherChargesMinor,
    UnitFees::CommissionMinor,
    UnitFees::RefundCommissionMinor,
    UnitFees::FulfilmentFeesMinor,
    UnitFees::ClosingFeesMinor,
    UnitFees::DigitalServicesFeesMinor,
    UnitFees::OtherFeesMinor,
    UnitFees::TotalFeesMinor,
    UnitFees::NetMinor,
    UnitFees::ReconciledAt,
    UnitFees::RefundedPrincipalMinor,
    UnitFees::RefundedShippingMinor,
    UnitFees::RefundedOtherChargesMinor,
];

/// Stored figures of some units, by unit id.
pub async fn fees_for_units(
    conn: &mut Conn<'_>,
    unit_ids: &[InventoryItemId],
) -> Result<HashMap<InventoryItemId, UnitFeesRow>, DbError> {
    let mut out = HashMap::new();
    for chunk in unit_ids.chunks(500) {
        let stmt = Query::select()
            .columns(FEE_COLUMNS)
            .from(UnitFees::Table)
            .and_where(Expr::col(UnitFees::InventoryItemId).is_in(chunk.iter().copied()))
            .to_owned();
        for row in conn.all::<UnitFeesRow>(&stmt).await? {
            out.insert(row.inventory_item_id, row);
        }
    }
    Ok(out)
}

/// One unit's stored figures.
pub async fn fees_of(db: &Db, unit_id: InventoryItemId) -> Result<Option<UnitFeesRow>, DbError> {
    Ok(fees_for_units(&mut Conn::Db(db), &[unit_id])
        .await?
        .remove(&unit_id))
}

/// A stored share of one amount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::FromRow)]
pub struct EntryRow {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// The event.
    pub financial_event_id: FeeEventId,
    /// Category.
    pub category: Category,
    /// Amazon's type.
    pub amount_type: String,
    /// The share.
    pub amount_minor: i64,
}

/// Stored entries of some units.
pub async fn entries_of(
    conn: &mut Conn<'_>,
    unit_ids: &[InventoryItemId],
) -> Result<Vec<EntryRow>, DbError> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(500) {
        let stmt = Query::select()
            .columns([
                UnitFeeEntries::InventoryItemId,
                UnitFeeEntries::FinancialEventId,
                UnitFeeEntries::Category,
                UnitFeeEntries::AmountType,
                UnitFeeEntries::AmountMinor,
            ])
            .from(UnitFeeEntries::Table)
            .and_where(Expr::col(UnitFeeEntries::InventoryItemId).is_in(chunk.iter().copied()))
            .to_owned();
        out.extend(conn.all::<EntryRow>(&stmt).await?);
    }
    Ok(out)
}

/// An entry with its event, for the unit's page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitEntryView {
    /// The event.
    pub financial_event_id: FeeEventId,
    /// e.g. `Shipment`, `Refund`.
    pub event_type: String,
    /// When Amazon posted it.
    pub posted_at: Option<OffsetDateTime>,
    /// The order.
    pub amazon_order_id: Option<String>,
    /// Category.
    pub category: Category,
    /// Amazon's type.
    pub amount_type: String,
    /// The unit's share.
    pub amount_minor: i64,
}

/// A unit's entries with their events, oldest event first.
pub async fn entries_of_unit(
    db: &Db,
    unit_id: InventoryItemId,
) -> Result<Vec<UnitEntryView>, DbError> {
    let stmt = Query::select()
        .column((UnitFeeEntries::Table, UnitFeeEntries::FinancialEventId))
        .columns([
            (FinancialEvents::Table, FinancialEvents::EventType),
            (FinancialEvents::Table, FinancialEvents::PostedAt),
            (FinancialEvents::Table, FinancialEvents::AmazonOrderId),
        ])
        .columns([
            (UnitFeeEntries::Table, UnitFeeEntries::Category),
            (UnitFeeEntries::Table, UnitFeeEntries::AmountType),
            (UnitFeeEntries::Table, UnitFeeEntries::AmountMinor),
        ])
        .from(UnitFeeEntries::Table)
        .join(
            JoinType::InnerJoin,
            FinancialEvents::Table,
            Expr::col((FinancialEvents::Table, FinancialEvents::Id))
                .equals((UnitFeeEntries::Table, UnitFeeEntries::FinancialEventId)),
        )
        .and_where(Expr::col((UnitFeeEntries::Table, UnitFeeEntries::InventoryItemId)).eq(unit_id))
        .order_by(
            (FinancialEvents::Table, FinancialEvents::PostedAt),
            Order::Asc,
        )
        .order_by((FinancialEvents::Table, FinancialEvents::Id), Order::Asc)
        .order_by(
            (UnitFeeEntries::Table, UnitFeeEntries::Category),
            Order::Asc,
        )
        .order_by(
            (UnitFeeEntries::Table, UnitFeeEntries::AmountType),
            Order::Asc,
        )
        .to_owned();
    db.all(&stmt).await
}

/// Joins a unit's `unit_fees` row (when it has one) to `inventory_items`.
fn join_unit_fees(stmt: &mut SelectStatement) -> &mut SelectStatement {
    stmt.join(
        JoinType::LeftJoin,
        UnitFees::Table,
        Expr::col((UnitFees::Table, UnitFees::InventoryItemId))
            .equals((InventoryItems::Table, InventoryItems::Id)),
    )
}

/// "Items missing fee data": sold units linked to Amazon lines with no
/// reconciled sale event.
pub async fn count_missing(db: &Db) -> Result<i64, DbError> {
    count_missing_in(&mut Conn::Db(db)).await
}

/// [`count_missing`] through the pool or inside a transaction.
pub async fn count_missing_in(conn: &mut Conn<'_>) -> Result<i64, DbError> {
    let mut stmt = linked_amazon_units();
    join_unit_fees(&mut stmt)
        .expr(Expr::col((OrderItemLinks::Table, OrderItemLinks::Id)).count())
        .and_where(
            Expr::col((InventoryItems::Table, InventoryItems::Status)).eq(InventoryStatus::Sold),
        )
        .and_where(
            Expr::col((UnitFees::Table, UnitFees::State))
                .is_null()
                .or(Expr::col((UnitFees::Table, UnitFees::State)).eq(FeeState::NotPosted)),
        );
    Ok(conn.one::<(i64,)>(&stmt).await?.0)
}
