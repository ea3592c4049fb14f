//! Links: one row per unit of an order line tied to one inventory unit.
//! The database refuses a second link to the same unit.

use sea_query::{Expr, ExprTrait, Query};

use super::orders::{Lines, refresh_lines};
use super::schema::OrderItemLinks;
use super::{Db, DbError, Tx, now};
use crate::domain::{InventoryItemId, OrderItemId, UserId};

/// How a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMethod {
    /// Chosen in the ASIN matcher.
    AsinMatcher,
    /// Written when confirming orders processed.
    Confirm,
    /// Set by hand elsewhere.
    Manual,
}

impl LinkMethod {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMethod::AsinMatcher => "asin_matcher",
            LinkMethod::Confirm => "confirm",
            LinkMethod::Manual => "manual",
        }
    }

    /// The method a stored value stands for.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::AsinMatcher, Self::Confirm, Self::Manual]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// Links unit `unit_index` (0-based) of a line to an inventory unit.
/// Fails with [`DbError::Conflict`] when the unit is linked already or
/// that unit of the line is linked to something else.
pub async fn insert(
    tx: &mut Tx,
    item: OrderItemId,
    unit_index: i64,
    unit: InventoryItemId,
    method: LinkMethod,
    by: Option<UserId>,
) -> Result<(), DbError> {
    insert_many(tx, &[(item, unit_index, unit)], method, by).await
}

/// Writes several links (line id, unit index, unit id) with one
/// statement, in the order given; all or none (see [`insert`]). The lines'
/// stored match status follows; their orders' counts are the caller's to
/// recount.
pub async fn insert_many(
    tx: &mut Tx,
    links: &[(OrderItemId, i64, InventoryItemId)],
    method: LinkMethod,
    by: Option<UserId>,
) -> Result<(), DbError> {
    if links.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut stmt = Query::insert();
    stmt.into_table(OrderItemLinks::Table).columns([
        OrderItemLinks::OrderItemId,
        OrderItemLinks::UnitIndex,
        OrderItemLinks::InventoryItemId,
        OrderItemLinks::LinkMethod,
        OrderItemLinks::LinkedAt,
        OrderItemLinks::LinkedBy,
    ]);
    for &(item, unit_index, unit) in links {
        stmt.values_panic([
            item.into(),
            unit_index.into(),
            unit.into(),
            method.into(),
            at.into(),
            by.into(),
        ]);
    }
    tx.execute(&stmt).await?;
    let mut lines: Vec<OrderItemId> = links.iter().map(|&(item, _, _)| item).collect();
    lines.sort_unstable();
    lines.dedup();
    refresh_lines(tx, Lines::Ids(&lines)).await?;
    Ok(())
}

/// Inventory units linked to a line, by unit index.
pub async fn units_of(db: &Db, item: OrderItemId) -> Result<Vec<(i64, InventoryItemId)>, DbError> {
    let stmt = Query::select()
        .columns([OrderItemLinks::UnitIndex, OrderItemLinks::InventoryItemId])
        .from(OrderItemLinks::Table)
        .and_where(Expr::col(OrderItemLinks::OrderItemId).eq(item))
        .order_by(OrderItemLinks::UnitIndex, sea_query::Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// How many units of a line are linked, inside a transaction.
pub async fn count_for_item(tx: &mut Tx, item: OrderItemId) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(OrderItemLinks::Id).count())
        .from(OrderItemLinks::Table)
        .and_where(Expr::col(OrderItemLinks::OrderItemId).eq(item))
        .to_owned();
    Ok(tx.one::<(i64,)>(&stmt).await?.0)
}

/// Whether an inventory unit is linked to any line, inside a transaction.
pub async fn unit_is_linked(tx: &mut Tx, unit: InventoryItemId) -> Result<bool, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(OrderItemLinks::Id).count())
        .from(OrderItemLinks::Table)
        .and_where(Expr::col(OrderItemLinks::InventoryItemId).eq(unit))
        .to_owned();
    Ok(tx.one::<(i64,)>(&stmt).await?.0 > 0)
}
