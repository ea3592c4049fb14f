//! Amazon's financial events as fetched, the finances watermark, and the
//! fees reconciled onto units (`unit_fees`, `unit_fee_entries`).

mod units;

pub use units::{
    CandidateRow, EntryRow, UnitEntryView, UnitFeesRow, UnitFeesWrite, count_missing,
    count_missing_in, entries_of, entries_of_unit, fees_for_units, fees_of, lock_for_reconcile,
    mark_sold, reconciliation_candidates, replace_unit_fees,
};

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};
use time::OffsetDateTime;

use super::Conn;
use super::{Backend, Db, DbError, Tx, now, stored_time};
use crate::domain::{FeeEventId, InventoryItemId};

/// `financial_events`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum FinancialEvents {
    Table,
    Id,
    EventKey,
    Source,
    EventType,
    AmazonOrderId,
    OrderItemId,
    OrderAdjustmentItemId,
    Sku,
    PostedAt,
    RawJson,
    FetchedAt,
    ParseError,
    LinePosition,
}

/// An event line as Amazon described it: what is stored and read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventLine {
    /// e.g. `Shipment`, `Refund`.
    pub event_type: String,
    /// The order.
    pub amazon_order_id: Option<String>,
    /// The order line.
    pub order_item_id: Option<String>,
    /// Amazon's refund line id.
    pub order_adjustment_item_id: Option<String>,
    /// Seller SKU.
    pub sku: Option<String>,
    /// Which line of its event this is (0-based, in Amazon's order; absent
    /// on rows stored before it was kept).
    pub line_position: Option<i64>,
    /// When Amazon posted it.
    pub posted_at: Option<OffsetDateTime>,
    /// The whole event exactly as Amazon sent it.
    pub raw_json: String,
    /// Why the event could not be read (`None`: it was).
    pub parse_error: Option<String>,
}

/// An event line to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Built from Amazon's own identifiers; unique.
    pub event_key: String,
    /// `finances_v0` or `finances_2024_06_19`.
    pub source: &'static str,
    /// The line.
    pub line: EventLine,
}

/// Stores events, skipping any whose key is stored already. Returns how
/// many were new.
pub async fn insert_events(db: &Db, events: &[NewEvent]) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let inserted = insert_events_in(&mut tx, events).await?;
    tx.commit().await?;
    Ok(inserted)
}

/// [`insert_events`] inside a transaction (a fetched page is stored with
/// its job's progress).
pub async fn insert_events_in(tx: &mut Tx, events: &[NewEvent]) -> Result<u64, DbError> {
    let mut inserted = 0;
    let at = now();
    for chunk in events.chunks(200) {
        let mut stmt = Query::insert();
        stmt.into_table(FinancialEvents::Table)
            .columns([
                FinancialEvents::EventKey,
                FinancialEvents::Source,
                FinancialEvents::EventType,
                FinancialEvents::AmazonOrderId,
                FinancialEvents::OrderItemId,
                FinancialEvents::OrderAdjustmentItemId,
                FinancialEvents::Sku,
                FinancialEvents::PostedAt,
                FinancialEvents::RawJson,
                FinancialEvents::FetchedAt,
                FinancialEvents::ParseError,
                FinancialEvents::LinePosition,
            ])
            .on_conflict(
                OnConflict::column(FinancialEvents::EventKey)
                    .do_nothing()
                    .to_owned(),
            );
        for e in chunk {
            // PostgreSQL keeps raw_json as JSONB: the text is cast there,
            // so numbers stay exact decimals rather than passing a float.
            let raw: Expr = match tx.backend() {
                Backend::Sqlite => Expr::val(e.line.raw_json.clone()),
                Backend::Postgres => Expr::val(e.line.raw_json.clone()).cast_as("jsonb"),
            };
            let line = &e.line;
            stmt.values_panic([
                e.event_key.clone().into(),
                e.source.into(),
                line.event_type.clone().into(),
                line.amazon_order_id.clone().into(),
                line.order_item_id.clone().into(),
                line.order_adjustment_item_id.clone().into(),
                line.sku.clone().into(),
                line.posted_at.map(stored_time).into(),
                raw,
                at.into(),
                line.parse_error.clone().into(),
                line.line_position.into(),
            ]);
        }
        inserted += tx.execute(&stmt).await?;
    }
    Ok(inserted)
}

/// A stored event line.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// Row id.
    pub id: FeeEventId,
    /// The line.
    #[sqlx(flatten)]
    pub line: EventLine,
}

fn event_select() -> SelectStatement {
    Query::select()
        .columns([
            FinancialEvents::Id,
            FinancialEvents::EventType,
            FinancialEvents::AmazonOrderId,
            FinancialEvents::OrderItemId,
            FinancialEvents::OrderAdjustmentItemId,
            FinancialEvents::Sku,
            FinancialEvents::LinePosition,
            FinancialEvents::PostedAt,
        ])
        .expr_as(
            Expr::col(FinancialEvents::RawJson).cast_as("TEXT"),
            FinancialEvents::RawJson,
        )
        .column(FinancialEvents::ParseError)
        .from(FinancialEvents::Table)
        .to_owned()
}

/// Stored event lines of some orders, oldest first.
pub async fn events_for_orders(
    conn: &mut Conn<'_>,
    order_ids: &[String],
) -> Result<Vec<EventRow>, DbError> {
    let mut out = Vec::new();
    for chunk in order_ids.chunks(500) {
        let stmt = event_select()
            .and_where(Expr::col(FinancialEvents::AmazonOrderId).is_in(chunk.iter().cloned()))
            .order_by(FinancialEvents::PostedAt, Order::Asc)
            .order_by(FinancialEvents::Id, Order::Asc)
            .to_owned();
        out.extend(conn.all::<EventRow>(&stmt).await?);
    }
    Ok(out)
}

/// Number of stored event lines.
pub async fn count_events(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(FinancialEvents::Id).count())
        .from(FinancialEvents::Table)
        .to_owned();
    Ok(db.one::<(i64,)>(&stmt).await?.0)
}

/// Number of stored events that could not be read.
pub async fn count_unreadable(conn: &mut Conn<'_>) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(FinancialEvents::Id).count())
        .from(FinancialEvents::Table)
        .and_where(Expr::col(FinancialEvents::ParseError).is_not_null())
        .to_owned();
    Ok(conn.one::<(i64,)>(&stmt).await?.0)
}

/// Reconciled fees of the units about to be exported, by unit id.
pub async fn fees_for_export(
    db: &Db,
    rows: &[super::inventory::InventoryRow],
) -> Result<std::collections::HashMap<InventoryItemId, UnitFeesRow>, DbError> {
    let ids: Vec<InventoryItemId> = rows.iter().map(|r| r.id).collect();
    fees_for_units(&mut Conn::Db(db), &ids).await
}

/// When the oldest Amazon order was placed (where fee history can start).
pub async fn oldest_amazon_order(db: &Db) -> Result<Option<OffsetDateTime>, DbError> {
    use super::schema::Orders;
    let stmt = Query::select()
        .expr(Expr::col(Orders::OrderDate).min())
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Platform).eq(crate::domain::Platform::Amazon))
        .to_owned();
    Ok(db.one::<(Option<OffsetDateTime>,)>(&stmt).await?.0)
}
