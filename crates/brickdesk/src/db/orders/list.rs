//! Reading orders for the orders pages and API: a filtered page of orders
//! with their match counts, then the lines and linked units of that page.

use std::collections::HashMap;

use sea_query::{Alias, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use time::OffsetDateTime;

use super::super::exec::IntegersInlined;
use super::super::inventory::{InventoryRow, row_columns};
use super::super::links::LinkMethod;
use super::super::schema::{
    self, InventoryItems, OrderItemLinks, OrderItems, OrderStatusCounts, Orders,
};
use super::super::{Backend, Db, DbError, from_row, like_contains};
use super::model::{self, ORDER_COLUMNS, OrderLine, select_lines};
use crate::domain::{FulfillmentChannel, MatchFilter, OrderId, OrderItemId, Platform, UiStatus};

/// Filters and page of an orders listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderListQuery {
    /// Platform (`None`: every platform).
    pub platform: Option<Platform>,
    /// UI status.
    pub status: Option<UiStatus>,
    /// Match filter.
    pub matching: Option<MatchFilter>,
    /// Who ships (`None`: anyone); an order without a channel is the
    /// seller's.
    pub channel: Option<FulfillmentChannel>,
    /// Amazon marketplace id (`None`: every marketplace).
    pub marketplace: Option<String>,
    /// Text in the order id, an ASIN, SKU or title (literal, any case).
    pub search: Option<String>,
    /// Row offset.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
}

/// How a search is answered.
#[derive(Debug)]
enum SearchPlan {
    /// Every row is checked with LIKE (no search, or text too short for
    /// trigrams).
    Scan,
    /// Only these orders can match: the trigram index found them.
    Among(Vec<i64>),
    /// The trigram index found more than [`SEARCH_SPARSE_CAP`] orders:
    /// walking in date order meets enough of them quickly.
    Dense,
}

/// A search the SQLite trigram index finds more orders for than this is
/// answered by a scan in date order and counted up to this many only.
pub const SEARCH_SPARSE_CAP: usize = 1_000;

fn search_text(q: &OrderListQuery) -> Option<&str> {
    q.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Looks a search up in the trigram index (SQLite's FTS5 table, or
/// PostgreSQL's pg_trgm index; see migration 0010) before the listing, so
/// a search with few or no hits never walks the orders in date order.
/// PostgreSQL's lookup applies the listing's other filters as well, so its
/// hits are the listing's total (up to the cap) and no count follows.
async fn plan_search(
    db: &Db,
    q: &OrderListQuery,
) -> Result<(SearchPlan, Option<OrderTotal>), DbError> {
    let Some(text) = search_text(q) else {
        return Ok((SearchPlan::Scan, None));
    };
    if text.chars().count() < 3 {
        return Ok((SearchPlan::Scan, None));
    }
    let stmt = match db.backend() {
        Backend::Sqlite => {
            // A quoted FTS5 phrase is matched literally; its only special
            // character is the quote itself, written twice.
            let phrase = format!("\"{}\"", text.to_lowercase().replace('"', "\"\""));
            Query::select()
                .expr(Expr::cust("rowid"))
                .from(Alias::new("orders_search"))
                .and_where(Expr::cust_with_values("orders_search MATCH ?", [phrase]))
                .limit(SEARCH_SPARSE_CAP as u64 + 1)
                .to_owned()
        }
        // Without an ORDER BY the planner answers LIKE from the trigram index.
        Backend::Postgres => {
            let mut stmt = Query::select();
            stmt.column(Orders::Id).from(Orders::Table);
            apply_filters(&mut stmt, q, &SearchPlan::Scan);
            stmt.limit(SEARCH_SPARSE_CAP as u64 + 1).to_owned()
        }
    };
    // Planned with the pattern each time: PostgreSQL's generic plan for
    // `LIKE $1` looks a common word up through the whole index.
    let hits: Vec<(i64,)> = db.all_planned_each_run(&stmt).await?;
    let total = match db.backend() {
        Backend::Postgres => Some(OrderTotal {
            count: i64::try_from(hits.len().min(SEARCH_SPARSE_CAP)).unwrap_or(COUNT_CAP),
            more: hits.len() > SEARCH_SPARSE_CAP,
        }),
        Backend::Sqlite => None,
    };
    let plan = if hits.len() > SEARCH_SPARSE_CAP {
        SearchPlan::Dense
    } else {
        SearchPlan::Among(hits.into_iter().map(|(id,)| id).collect())
    };
    Ok((plan, total))
}

/// A platform or status name written into the SQL text rather than bound.
/// SQLite (built with STAT4, and analysed) prepares a statement again on
/// every run when a bound value is compared with an indexed column, in
/// case the value changes the plan. These are a handful of fixed names,
/// so each combination is prepared once.
fn literal(name: &'static str) -> Expr {
    debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    Expr::cust(format!("'{name}'"))
}

fn apply_filters(stmt: &mut SelectStatement, q: &OrderListQuery, plan: &SearchPlan) {
    if let Some(p) = q.platform {
        stmt.and_where(Expr::col(Orders::Platform).eq(literal(p.as_str())));
    }
    if let Some(s) = q.status {
        stmt.and_where(Expr::col(Orders::UiStatus).eq(literal(s.as_str())));
    }
    // Literal conditions (not bound parameters), matching the partial
    // indexes of migration 0006 so both engines can use them.
    match q.matching {
        Some(MatchFilter::Matched) => {
            stmt.and_where(Expr::cust(
                "lines_unmatched = 0 AND lines_no_asin = 0 AND lines_total > 0",
            ));
        }
        Some(MatchFilter::Unmatched) => {
            stmt.and_where(Expr::cust("lines_unmatched > 0"));
        }
        Some(MatchFilter::NoAsin) => {
            stmt.and_where(Expr::cust("lines_no_asin > 0"));
        }
        Some(MatchFilter::NotFetched) => {
            stmt.and_where(Expr::cust("lines_total = 0"));
        }
        None => {}
    }
    match q.channel {
        Some(FulfillmentChannel::Afn) => {
            stmt.and_where(Expr::col(Orders::FulfillmentChannel).eq(literal("AFN")));
        }
        Some(FulfillmentChannel::Mfn) => {
            stmt.and_where(
                Expr::col(Orders::FulfillmentChannel)
                    .is_null()
                    .or(Expr::col(Orders::FulfillmentChannel).ne(literal("AFN"))),
            );
        }
        None => {}
    }
    if let Some(m) = &q.marketplace {
        stmt.and_where(Expr::col(Orders::MarketplaceId).eq(m.as_str()));
    }
    if let SearchPlan::Among(ids) = plan {
        stmt.and_where(Expr::col(Orders::Id).is_in(ids.iter().copied()));
    }
    // Also with the index's candidates: LIKE is the definition of a match.
    if let Some(search) = search_text(q) {
        let pattern = LikeExpr::new(like_contains(search)).escape('\\');
        stmt.and_where(Expr::col(Orders::SearchText).like(pattern));
    }
}

/// How many orders a listing matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTotal {
    /// Matching orders; a lower bound when `more` is set.
    pub count: i64,
    /// Counting stopped early: more orders than `count` match.
    pub more: bool,
}

/// An order of a listing with its lines.
#[derive(Debug, Clone)]
pub struct ListedOrder {
    /// The order and its counts.
    pub order: model::Order,
    /// Its lines, by line id.
    pub lines: Vec<OrderLine>,
}

impl std::ops::Deref for ListedOrder {
    type Target = model::Order;

    fn deref(&self) -> &model::Order {
        &self.order
    }
}

/// A page row as read: the order, and the listing's total when the status
/// counts give it (see [`status_count`]): the same read then answers page
/// and total.
struct PageRow {
    order: model::Order,
    total: Option<i64>,
}

from_row!(PageRow, |row| {
    Ok(PageRow {
        order: model::Order::from_row(row)?,
        // The total sits after the order's columns.
        total: row.try_get(ORDER_COLUMNS.len())?,
    })
});

/// A page of orders with their lines, newest first, and how many match the
/// filters.
pub async fn list_orders(
    db: &Db,
    q: &OrderListQuery,
) -> Result<(Vec<ListedOrder>, OrderTotal), DbError> {
    list_orders_marked(db, q, None).await
}

/// [`list_orders`], starting a deep page's walk at the nearest of `marks`
/// (read by [`page_marks`] for the same filters, at the same orders
/// version) instead of at the listing's first row.
pub async fn list_orders_marked(
    db: &Db,
    q: &OrderListQuery,
    marks: Option<&PageMarks>,
) -> Result<(Vec<ListedOrder>, OrderTotal), DbError> {
    let (plan, searched_total) = plan_search(db, q).await?;
    if matches!(&plan, SearchPlan::Among(ids) if ids.is_empty()) {
        let none = OrderTotal {
            count: 0,
            more: false,
        };
        return Ok((Vec::new(), none));
    }
    // The page's ids first (the offset is skipped over ids only, an
    // index-only scan on PostgreSQL), then its rows: whole rows are read
    // for the page's orders alone, never for rows a sort or the offset
    // passes. The ids drive the join in their own order, which SQLite
    // keeps: its rows are not copied through a sorter.
    let (page, page_id, page_date) = (
        Alias::new("page"),
        Alias::new("page_id"),
        Alias::new("page_date"),
    );
    let mut ids = Query::select();
    ids.expr_as(Expr::col(Orders::Id), page_id.clone())
        .expr_as(Expr::col(Orders::OrderDate), page_date.clone())
        .from(Orders::Table);
    apply_filters(&mut ids, q, &plan);
    let mut offset = q.offset;
    if let Some((at, key)) = marks.and_then(|m| m.before(q.offset)) {
        ids.and_where(at_or_after(key));
        offset -= at;
    }
    ids.order_by(Orders::OrderDate, Order::Desc)
        .order_by(Orders::Id, Order::Desc)
        .limit(q.limit)
        .offset(offset);
    let status_total = status_count(q);
    let total_column = match &status_total {
        Some(count) => Expr::SubQuery(None, Box::new(count.clone().into())),
        None => Expr::cust("CAST(NULL AS BIGINT)"),
    };
    let stmt = Query::select()
        .columns(ORDER_COLUMNS.map(|c| (Orders::Table, c)))
        .expr_as(total_column, Alias::new("total"))
        .from_subquery(ids, page.clone())
        .inner_join(
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((page.clone(), page_id.clone())),
        )
        .order_by((page.clone(), page_date), Order::Desc)
        .order_by((page, page_id), Order::Desc)
        .to_owned();
    // Without a search only integers are bound (LIMIT, OFFSET, candidate
    // ids): on SQLite they go into the text, so a page seen before reuses
    // its prepared statement (see `IntegersInlined`).
    let read_page = async {
        match db.backend() {
            Backend::Sqlite => db.all::<PageRow>(&IntegersInlined(&stmt)).await,
            Backend::Postgres => db.all::<PageRow>(&stmt).await,
        }
    };
    let (rows, total) = if status_total.is_some() {
        let rows = read_page.await?;
        let total = match rows.first().and_then(|r| r.total) {
            Some(count) => OrderTotal { count, more: false },
            // Past the last page there is no row to carry the total.
            None => count_orders(db, q, &plan).await?,
        };
        (rows, total)
    } else if let Some(total) = searched_total {
        (read_page.await?, total)
    } else {
        // Two connections at once: the count does not wait for the page.
        futures::try_join!(read_page, count_orders(db, q, &plan))?
    };
    let ids: Vec<OrderId> = rows.iter().map(|row| row.order.id).collect();
    let mut lines_of: HashMap<OrderId, Vec<OrderLine>> = HashMap::with_capacity(ids.len());
    for line in lines_for_orders(db, &ids).await? {
        lines_of.entry(line.order_id).or_default().push(line);
    }
    let listed = rows
        .into_iter()
        .map(|row| ListedOrder {
            lines: lines_of.remove(&row.order.id).unwrap_or_default(),
            order: row.order,
        })
        .collect();
    Ok((listed, total))
}

/// Rows between two [`PageMarks`].
pub const MARK_EVERY: u64 = 1_000;

/// A listing's sort key (order date, id).
type SortKey = (OffsetDateTime, OrderId);

/// The sort keys of every [`MARK_EVERY`]th row of a listing: a deep page
/// seeks to the nearest mark before it through the index and skips fewer
/// than [`MARK_EVERY`] rows, where an offset alone skips every row before
/// the page. Right only while the orders version they were read at holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMarks(Vec<SortKey>);

impl PageMarks {
    /// The last mark at or before row `offset`, with the mark's own row.
    fn before(&self, offset: u64) -> Option<(u64, SortKey)> {
        let k = usize::try_from(offset / MARK_EVERY).ok()?;
        let index = k.min(self.0.len()).checked_sub(1)?;
        let at = (index as u64 + 1) * MARK_EVERY;
        Some((at, self.0[index]))
    }

    /// How many marks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No marks: the listing has fewer than [`MARK_EVERY`] + 1 rows.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Rows at or after `key` in the listing's order (newest first). Written
/// as a row value so both engines seek to it through the date index.
fn at_or_after(key: SortKey) -> Expr {
    Expr::tuple([Expr::col(Orders::OrderDate), Expr::col(Orders::Id)])
        .lte(Expr::tuple([key.0.into(), key.1.into()]))
}

/// Reads the marks of `q`'s listing (its page and size aside). `None` for
/// a search (a search's pages are few) and for a listing holding an order
/// without date, which row values cannot place.
pub async fn page_marks(db: &Db, q: &OrderListQuery) -> Result<Option<PageMarks>, DbError> {
    if search_text(q).is_some() {
        return Ok(None);
    }
    let mut undated = Query::select();
    undated.column(Orders::Id).from(Orders::Table);
    apply_filters(&mut undated, q, &SearchPlan::Scan);
    undated
        .and_where(Expr::col(Orders::OrderDate).is_null())
        .limit(1);
    if db.optional::<(OrderId,)>(&undated).await?.is_some() {
        return Ok(None);
    }
    let mut marks = Vec::new();
    loop {
        let mut next = Query::select();
        next.columns([Orders::OrderDate, Orders::Id])
            .from(Orders::Table);
        apply_filters(&mut next, q, &SearchPlan::Scan);
        // The next mark is MARK_EVERY rows on from the last one (the row
        // at offset 0 of what follows it), or from the first row.
        if let Some(&last) = marks.last() {
            next.and_where(at_or_after(last));
        }
        next.order_by(Orders::OrderDate, Order::Desc)
            .order_by(Orders::Id, Order::Desc)
            .limit(1)
            .offset(MARK_EVERY);
        match db.optional::<SortKey>(&next).await? {
            Some(key) => marks.push(key),
            None => return Ok(Some(PageMarks(marks))),
        }
    }
}

/// What the orders, their lines and their links looked like at some
/// moment: every change raises it (a trigger, in the same transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrdersVersion(i64);

/// The orders version now. A listing read after this call is at least as
/// new as the version, so it may be kept for as long as the version holds.
pub async fn orders_version(db: &Db) -> Result<OrdersVersion, DbError> {
    let stmt = Query::select()
        .column(schema::OrdersVersion::Version)
        .from(schema::OrdersVersion::Table)
        .to_owned();
    let (version,): (i64,) = db.one(&stmt).await?;
    Ok(OrdersVersion(version))
}

/// Totals above this are reported as "more than" (see [`count_orders`]).
pub const COUNT_CAP: i64 = 10_000;

/// The exact total of a listing without match filter or search, from the
/// status counts (a few rows read); `None` for other listings.
fn status_count(q: &OrderListQuery) -> Option<SelectStatement> {
    if q.matching.is_some()
        || q.channel.is_some()
        || q.marketplace.is_some()
        || search_text(q).is_some()
    {
        return None;
    }
    let mut stmt = Query::select();
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast back to BIGINT.
    stmt.expr(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
        .from(OrderStatusCounts::Table);
    if let Some(p) = q.platform {
        stmt.and_where(Expr::col(OrderStatusCounts::Platform).eq(literal(p.as_str())));
    }
    if let Some(s) = q.status {
        stmt.and_where(Expr::col(OrderStatusCounts::UiStatus).eq(literal(s.as_str())));
    }
    Some(stmt)
}

/// How many orders match. Without match filter or search it comes from the
/// status counts (exact, a few rows read); otherwise counting stops after
/// [`COUNT_CAP`] + 1 matches ([`SEARCH_SPARSE_CAP`] + 1 for a search the
/// trigram index found many orders for), so a broad search costs the same
/// as a narrow one, and the pager says "10,000+".
async fn count_orders(
    db: &Db,
    q: &OrderListQuery,
    plan: &SearchPlan,
) -> Result<OrderTotal, DbError> {
    if let Some(stmt) = status_count(q) {
        let (count,): (i64,) = db.one(&stmt).await?;
        return Ok(OrderTotal { count, more: false });
    }
    let cap = match plan {
        SearchPlan::Dense => i64::try_from(SEARCH_SPARSE_CAP).unwrap_or(COUNT_CAP),
        SearchPlan::Scan | SearchPlan::Among(_) => COUNT_CAP,
    };
    let mut inner = Query::select();
    inner
        .expr_as(Expr::cust("1"), Alias::new("hit"))
        .from(Orders::Table);
    apply_filters(&mut inner, q, plan);
    inner.limit(u64::try_from(cap + 1).unwrap_or(u64::MAX));
    let stmt = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(inner, Alias::new("capped"))
        .to_owned();
    let (count,): (i64,) = db.one(&stmt).await?;
    Ok(OrderTotal {
        count: Ord::min(count, cap),
        more: count > cap,
    })
}

/// The lines of some orders (in one query), by order then line id.
pub async fn lines_for_orders(db: &Db, order_ids: &[OrderId]) -> Result<Vec<OrderLine>, DbError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let oi = Alias::new("oi");
    let stmt = select_lines()
        .and_where(Expr::col((oi.clone(), OrderItems::OrderId)).is_in(order_ids.iter().copied()))
        .order_by((oi.clone(), OrderItems::OrderId), Order::Asc)
        .order_by((oi, OrderItems::Id), Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// One line with its match status.
pub async fn lines_for_item(db: &Db, item: OrderItemId) -> Result<Option<OrderLine>, DbError> {
    let stmt = select_lines()
        .and_where(Expr::col((Alias::new("oi"), OrderItems::Id)).eq(item))
        .to_owned();
    db.optional(&stmt).await
}

/// A unit linked to a line: the link and the whole unit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedUnitRow {
    /// The line.
    pub order_item_id: OrderItemId,
    /// Which unit of the line (0-based).
    pub unit_index: i64,
    /// How it was linked.
    pub link_method: LinkMethod,
    /// When.
    pub linked_at: OffsetDateTime,
    /// The unit.
    #[sqlx(flatten)]
    pub unit: InventoryRow,
}

/// Units linked to some lines, by line and unit index.
pub async fn links_for_items(
    db: &Db,
    item_ids: &[OrderItemId],
) -> Result<Vec<LinkedUnitRow>, DbError> {
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .column((OrderItemLinks::Table, OrderItemLinks::OrderItemId))
        .column((OrderItemLinks::Table, OrderItemLinks::UnitIndex))
        .column((OrderItemLinks::Table, OrderItemLinks::LinkMethod))
        .column((OrderItemLinks::Table, OrderItemLinks::LinkedAt))
        .columns(row_columns().map(|c| (InventoryItems::Table, c)))
        .from(OrderItemLinks::Table)
        .inner_join(
            InventoryItems::Table,
            Expr::col((InventoryItems::Table, InventoryItems::Id))
                .equals((OrderItemLinks::Table, OrderItemLinks::InventoryItemId)),
        )
        .and_where(
            Expr::col((OrderItemLinks::Table, OrderItemLinks::OrderItemId))
                .is_in(item_ids.iter().copied()),
        )
        .order_by(
            (OrderItemLinks::Table, OrderItemLinks::OrderItemId),
            Order::Asc,
        )
        .order_by(
            (OrderItemLinks::Table, OrderItemLinks::UnitIndex),
            Order::Asc,
        )
        .to_owned();
    db.all(&stmt).await
}
