//! Reads for the picking list and Confirm Orders Processed: the open
//! Amazon orders, the mappings of their ASINs and the units that could
//! fill them. Nothing here writes.

use sea_query::{Expr, ExprTrait, Order, Query};

use super::inventory::{InventoryRow, row_columns};
use super::orders::{self, select_orders};
use super::schema::{AmazonAsinMappings, InventoryItems, OrderItemLinks, Orders};
use super::{Db, DbError};
use crate::domain::{Condition, FulfillmentChannel, InventoryStatus, Platform, UiStatus};

/// Amazon orders in some UI statuses, oldest first (they are picked and
/// given the oldest units first). `only` narrows to some order ids.
pub async fn amazon_orders(
    db: &Db,
    statuses: &[UiStatus],
    scope: Scope<'_>,
) -> Result<Vec<orders::Order>, DbError> {
    let mut stmt = select_orders();
    stmt.and_where(Expr::col(Orders::Platform).eq(Platform::Amazon))
        .and_where(Expr::col(Orders::UiStatus).is_in(statuses.iter().copied()));
    match scope {
        Scope::All => {}
        Scope::Only(ids) => {
            stmt.and_where(Expr::col(Orders::PlatformOrderId).is_in(ids.iter().cloned()));
        }
        Scope::First(n) => {
            stmt.limit(n);
        }
        Scope::SellerShips => {
            stmt.and_where(seller_ships());
        }
    }
    stmt.order_by_expr(Expr::col(Orders::OrderDate).is_null(), Order::Asc)
        .order_by(Orders::OrderDate, Order::Asc)
        .order_by(Orders::Id, Order::Asc);
    db.all(&stmt).await
}

/// Orders the seller ships (see [`FulfillmentChannel::seller_ships`]).
fn seller_ships() -> Expr {
    Expr::col(Orders::FulfillmentChannel)
        .is_null()
        .or(Expr::col(Orders::FulfillmentChannel).ne(FulfillmentChannel::Afn))
}

/// How many Paid Amazon orders the seller is to pick and ship.
pub async fn count_to_ship(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(Platform::Amazon))
        .and_where(Expr::col(Orders::UiStatus).eq(UiStatus::Paid))
        .and_where(seller_ships())
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// How many Amazon orders are in `statuses`.
pub async fn count_amazon_orders(db: &Db, statuses: &[UiStatus]) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Orders::Id).count())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(Platform::Amazon))
        .and_where(Expr::col(Orders::UiStatus).is_in(statuses.iter().copied()))
        .to_owned();
    Ok(db.one::<(i64,)>(&stmt).await?.0)
}

/// Which open orders a plan covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// All of them.
    All,
    /// Only these order ids.
    Only(&'a [String]),
    /// The oldest `n`: FIFO hands units to the oldest orders first, so a
    /// page of orders is planned with every order before it.
    First(u64),
    /// The ones the seller ships: not Amazon's (FBA) orders, which are
    /// never picked from the seller's shelves.
    SellerShips,
}

/// ASIN → (set number, condition) for some ASINs.
pub async fn mappings_for(
    db: &Db,
    asins: &[String],
) -> Result<Vec<(String, String, Condition)>, DbError> {
    if asins.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .columns([
            AmazonAsinMappings::Asin,
            AmazonAsinMappings::SetNumber,
            AmazonAsinMappings::Condition,
        ])
        .from(AmazonAsinMappings::Table)
        .and_where(Expr::col(AmazonAsinMappings::Asin).is_in(asins.iter().cloned()))
        .to_owned();
    db.all(&stmt).await
}

/// Sellable (BACKLOG or LISTED), unlinked units of some set numbers, in
/// FIFO order.
pub async fn sellable_units(db: &Db, set_numbers: &[String]) -> Result<Vec<InventoryRow>, DbError> {
    if set_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .columns(row_columns())
        .from(InventoryItems::Table)
        .and_where(Expr::col(InventoryItems::SetNumber).is_in(set_numbers.iter().cloned()))
        .and_where(
            Expr::col(InventoryItems::Status)
                .is_in([InventoryStatus::Backlog, InventoryStatus::Listed]),
        )
        .and_where(
            Expr::col(InventoryItems::Id).not_in_subquery(
                Query::select()
                    .column(OrderItemLinks::InventoryItemId)
                    .from(OrderItemLinks::Table)
                    .to_owned(),
            ),
        )
        .order_by(InventoryItems::CreatedAt, Order::Asc)
        .order_by(InventoryItems::Id, Order::Asc)
        .to_owned();
    db.all(&stmt).await
}
