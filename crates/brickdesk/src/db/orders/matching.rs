//! Match status in SQL: one expression per line, and the per-order counts
//! recomputed from it in the same transaction as every write that can
//! change them.

use sea_query::{Expr, ExprTrait, Query, UpdateStatement};

use super::super::schema::{OrderItems, Orders};
use super::super::{DbError, Tx};
use crate::domain::OrderId;

/// Match status of the order line aliased `oi`, as `domain::matching`
/// defines it: linked (every unit linked) wins, then no ASIN, then whether
/// the ASIN has a mapping.
pub(crate) const LINE_MATCH_SQL: &str = "CASE \
    WHEN oi.quantity > 0 AND (SELECT COUNT(*) FROM order_item_links l WHERE l.order_item_id = oi.id) >= oi.quantity THEN 'linked' \
    WHEN oi.asin IS NULL OR TRIM(oi.asin) = '' THEN 'no_asin' \
    WHEN EXISTS (SELECT 1 FROM amazon_asin_mappings m WHERE m.asin = oi.asin) THEN 'matched' \
    ELSE 'unmatched' END";

fn count_lines(status: Option<&str>) -> Expr {
    let filter = status
        .map(|s| format!(" AND ({LINE_MATCH_SQL}) = '{s}'"))
        .unwrap_or_default();
    Expr::cust(format!(
        "(SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = orders.id{filter})"
    ))
}

/// Adds the recount of the line counts to an `UPDATE orders`, for a write
/// that changes an order and its links in one statement.
pub(crate) fn set_match_counts(stmt: &mut UpdateStatement) {
    stmt.value(Orders::LinesTotal, count_lines(None))
        .value(Orders::LinesUnmatched, count_lines(Some("unmatched")))
        .value(Orders::LinesNoAsin, count_lines(Some("no_asin")))
        .value(Orders::LinesLinked, count_lines(Some("linked")));
}

/// Which orders' counts to recompute.
#[derive(Debug, Clone)]
pub enum Refresh<'a> {
    /// One order.
    Order(OrderId),
    /// Every order with a line of this ASIN (after a mapping changes).
    Asin(&'a str),
    /// Every order (after a bulk load).
    All,
}

/// Recomputes line counts by match status for the chosen orders.
pub async fn refresh_match_counts(tx: &mut Tx, which: Refresh<'_>) -> Result<u64, DbError> {
    let mut stmt = Query::update();
    stmt.table(Orders::Table);
    set_match_counts(&mut stmt);
    match which {
        Refresh::Order(id) => {
            stmt.and_where(Expr::col(Orders::Id).eq(id.get()));
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
    let order_id: Option<(String,)> = tx
        .optional(
            &Query::select()
                .column(Orders::PlatformOrderId)
                .from(Orders::Table)
                .and_where(Expr::col(Orders::Id).eq(order.get()))
                .to_owned(),
        )
        .await?;
    let (platform_order_id,) = order_id.ok_or(DbError::NotFound("order"))?;
    let lines: Vec<(Option<String>, Option<String>, Option<String>)> = tx
        .all(
            &Query::select()
                .columns([OrderItems::Asin, OrderItems::Sku, OrderItems::Title])
                .from(OrderItems::Table)
                .and_where(Expr::col(OrderItems::OrderId).eq(order.get()))
                .to_owned(),
        )
        .await?;
    let text = order_search_text(&platform_order_id, &lines);
    tx.execute(
        &Query::update()
            .table(Orders::Table)
            .value(Orders::SearchText, text)
            .and_where(Expr::col(Orders::Id).eq(order.get()))
            .to_owned(),
    )
    .await?;
    refresh_match_counts(tx, Refresh::Order(order)).await?;
    Ok(())
}
