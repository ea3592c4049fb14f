//! Match status in SQL: one expression per line, stored on the line, and
//! the per-order counts recounted from it, in the same transaction as
//! every write that can change them.

use std::collections::HashSet;

use sea_query::{Expr, ExprTrait, Order, Query, UpdateStatement};

use super::super::schema::{OrderItems, Orders};
use super::super::{DbError, Tx, now};
use crate::domain::{MatchStatus, OrderId, OrderItemId};

/// Units linked so far to the line being updated.
const LINK_COUNT_SQL: &str = "(SELECT COUNT(*) FROM order_item_links l \
    WHERE l.order_item_id = order_items.id)";

/// Match status of the line being updated, as `domain::matching` defines
/// it: linked (every unit linked) wins, then no ASIN, then whether the
/// ASIN has a mapping. Kept in step with migration 0012's backfill.
const LINE_MATCH_SQL: &str = "CASE \
    WHEN order_items.quantity > 0 AND (SELECT COUNT(*) FROM order_item_links l \
        WHERE l.order_item_id = order_items.id) >= order_items.quantity THEN 'linked' \
    WHEN order_items.asin IS NULL OR TRIM(order_items.asin) = '' THEN 'no_asin' \
    WHEN EXISTS (SELECT 1 FROM amazon_asin_mappings m WHERE m.asin = order_items.asin) THEN 'matched' \
    ELSE 'unmatched' END";

/// Which lines' stored match status to recompute.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lines<'a> {
    /// These lines (ids).
    Ids(&'a [OrderItemId]),
    /// The lines of these orders.
    Orders(&'a [OrderId]),
    /// Every line of this ASIN.
    Asin(&'a str),
    /// Every line.
    All,
}

/// Recomputes the stored link count and match status of some lines. The
/// per-order counts read them: recount those after (see
/// [`refresh_match_counts`], which does both).
pub(crate) async fn refresh_lines(tx: &mut Tx, which: Lines<'_>) -> Result<u64, DbError> {
    let mut stmt = Query::update();
    stmt.table(OrderItems::Table)
        .value(OrderItems::LinkCount, Expr::cust(LINK_COUNT_SQL))
        .value(OrderItems::MatchStatus, Expr::cust(LINE_MATCH_SQL));
    match which {
        Lines::Ids([]) => return Ok(0),
        Lines::Ids(ids) => {
            stmt.and_where(Expr::col(OrderItems::Id).is_in(ids.iter().copied()));
        }
        Lines::Orders([]) => return Ok(0),
        Lines::Orders(ids) => {
            stmt.and_where(Expr::col(OrderItems::OrderId).is_in(ids.iter().copied()));
        }
        Lines::Asin(asin) => {
            stmt.and_where(Expr::col(OrderItems::Asin).eq(asin));
        }
        Lines::All => {}
    }
    tx.execute(&stmt).await
}

fn count_lines(status: Option<MatchStatus>) -> Expr {
    let filter = status
        .map(|s| format!(" AND oi.match_status = '{}'", s.as_str()))
        .unwrap_or_default();
    Expr::cust(format!(
        "(SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = orders.id{filter})"
    ))
}

/// Adds the recount of the line counts to an `UPDATE orders`, for a write
/// that changes an order and its links in one statement. The lines' stored
/// status must be current ([`refresh_lines`]; `db::links::insert_many`
/// keeps it so).
pub(crate) fn set_match_counts(stmt: &mut UpdateStatement) {
    stmt.value(Orders::LinesTotal, count_lines(None))
        .value(
            Orders::LinesUnmatched,
            count_lines(Some(MatchStatus::Unmatched)),
        )
        .value(Orders::LinesNoAsin, count_lines(Some(MatchStatus::NoAsin)))
        .value(Orders::LinesLinked, count_lines(Some(MatchStatus::Linked)));
}

/// Which orders' counts to recompute.
#[derive(Debug, Clone)]
pub enum Refresh<'a> {
    /// These orders.
    Orders(&'a [OrderId]),
    /// Every order with a line of this ASIN (after a mapping changes).
    Asin(&'a str),
    /// Every order (after a bulk load).
    All,
}

/// Recomputes the chosen orders' lines' match status, then the orders'
/// line counts by match status.
pub async fn refresh_match_counts(tx: &mut Tx, which: Refresh<'_>) -> Result<u64, DbError> {
    refresh_lines(
        tx,
        match which {
            Refresh::Orders(ids) => Lines::Orders(ids),
            Refresh::Asin(asin) => Lines::Asin(asin),
            Refresh::All => Lines::All,
        },
    )
    .await?;
    let mut stmt = Query::update();
    stmt.table(Orders::Table);
    set_match_counts(&mut stmt);
    match which {
        Refresh::Orders([]) => return Ok(0),
        Refresh::Orders(ids) => {
            stmt.and_where(Expr::col(Orders::Id).is_in(ids.iter().copied()));
        }
        Refresh::Asin(asin) => {
            stmt.and_where(
                Expr::col(Orders::Id).in_subquery(
                    Query::select()
                        .column(OrderItems::OrderId)
                        .from(OrderItems::Table)
                        .and_where(Expr::col(OrderItems::Asin).eq(asin))
                        .to_owned(),
                ),
            );
        }
        Refresh::All => {}
    }
    tx.execute(&stmt).await
}

/// The text order search matches: order id, then each line's ASIN, SKU
/// and title, lower-cased (Unicode) and kept apart by a unit separator so
/// a search never spans two fields.
pub fn order_search_text(
    platform_order_id: &str,
    lines: &[(Option<String>, Option<String>, Option<String>)],
) -> String {
    let mut parts = vec![platform_order_id];
    for (asin, sku, title) in lines {
        parts.extend([asin, sku, title].into_iter().flatten().map(String::as_str));
    }
    parts.join("\u{1f}").to_lowercase()
}

/// Recomputes an order's counts and its search text (order id, ASINs,
/// SKUs and titles, lower-cased here so search is Unicode-aware on both
/// engines). Call after writing an order's lines.
pub async fn refresh_order(tx: &mut Tx, order: OrderId) -> Result<(), DbError> {
    refresh(tx, &[order], false).await
}

/// An order's id and platform order id with one of its lines' ASIN, SKU
/// and title (all `None` for an order without lines).
type SearchedLine = (
    OrderId,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// [`refresh_order`] for many orders after storing their lines from
/// Amazon, in the same three statements whatever their number (each is a
/// round trip on PostgreSQL); also marks their lines fetched (also when
/// Amazon returned none, so the order is not asked for again) in the
/// same UPDATE.
pub async fn refresh_fetched_orders(tx: &mut Tx, orders: &[OrderId]) -> Result<(), DbError> {
    refresh(tx, orders, true).await
}

async fn refresh(tx: &mut Tx, orders: &[OrderId], fetched: bool) -> Result<(), DbError> {
    if orders.is_empty() {
        return Ok(());
    }
    // Planned each run: a plan kept from when a backfill had stored few
    // lines goes on hashing the whole table of lines as it grows.
    let rows: Vec<SearchedLine> = tx
        .all_planned_each_run(
            &Query::select()
                .columns([
                    (Orders::Table, Orders::Id),
                    (Orders::Table, Orders::PlatformOrderId),
                ])
                .columns([
                    (OrderItems::Table, OrderItems::Asin),
                    (OrderItems::Table, OrderItems::Sku),
                    (OrderItems::Table, OrderItems::Title),
                ])
                .from(Orders::Table)
                .left_join(
                    OrderItems::Table,
                    Expr::col((OrderItems::Table, OrderItems::OrderId))
                        .equals((Orders::Table, Orders::Id)),
                )
                .and_where(Expr::col((Orders::Table, Orders::Id)).is_in(orders.iter().copied()))
                .order_by((Orders::Table, Orders::Id), Order::Asc)
                .order_by((OrderItems::Table, OrderItems::Id), Order::Asc)
                .to_owned(),
        )
        .await?;
    let texts: Vec<(OrderId, String)> = rows
        .chunk_by(|a, b| a.0 == b.0)
        .map(|order| {
            let lines: Vec<_> = order
                .iter()
                .filter(|(.., asin, sku, title)| asin.is_some() || sku.is_some() || title.is_some())
                .map(|(.., asin, sku, title)| (asin.clone(), sku.clone(), title.clone()))
                .collect();
            let (id, platform_order_id, ..) = &order[0];
            (*id, order_search_text(platform_order_id, &lines))
        })
        .collect();
    if texts.len() != orders.iter().collect::<HashSet<_>>().len() {
        return Err(DbError::NotFound("order"));
    }
    let mut texts = texts.into_iter();
    refresh_lines(tx, Lines::Orders(orders)).await?;
    // One UPDATE of the orders for text, counts and the fetched mark: each
    // one writes every index of the table again.
    let mut stmt = Query::update();
    stmt.table(Orders::Table)
        .and_where(Expr::col(Orders::Id).is_in(orders.iter().copied()));
    if let Some((id, text)) = texts.next() {
        let case = texts.fold(
            Expr::case(Expr::col(Orders::Id).eq(id), text),
            |case, (id, text)| case.case(Expr::col(Orders::Id).eq(id), text),
        );
        stmt.value(
            Orders::SearchText,
            case.finally(Expr::col(Orders::SearchText)),
        );
    }
    set_match_counts(&mut stmt);
    if fetched {
        let at = now();
        stmt.value(Orders::ItemsFetchedAt, at)
            .value(Orders::UpdatedAt, at);
    }
    tx.execute(&stmt).await?;
    Ok(())
}
