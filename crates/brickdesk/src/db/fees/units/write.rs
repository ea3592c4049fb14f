//! Writing units' fees: a run's replacement of figures and entries.

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};
use time::OffsetDateTime;

use super::{REFUNDED, UnitFeeEntries, UnitFees, category_column};
use crate::db::schema::InventoryItems;
use crate::db::{DbError, Tx, now, stored_time};
use crate::domain::fees::{Category, FeeSummary, UnitEntry};
use crate::domain::{Currency, InventoryItemId, InventoryStatus, Platform};

/// Makes concurrent reconciliation runs take turns: on PostgreSQL the
/// run's transaction locks `unit_fees` against other writers (SQLite's
/// `BEGIN IMMEDIATE` already serialises writers). Readers are not blocked.
pub async fn lock_for_reconcile(tx: &mut Tx) -> Result<(), DbError> {
    if let Tx::Postgres(pg) = tx {
        sqlx::query("LOCK TABLE unit_fees IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **pg)
            .await?;
    }
    Ok(())
}

/// Units written in one run from which PostgreSQL's statistics are
/// refreshed at once.
const ANALYZE_AFTER: usize = 1_000;

/// A unit's new figures and entries, as a run writes them.
#[derive(Debug, Clone, Copy)]
pub struct UnitFeesWrite<'a> {
    /// The unit.
    pub unit_id: InventoryItemId,
    /// Currency of the amounts.
    pub currency: Currency,
    /// The sums.
    pub summary: &'a FeeSummary,
    /// Its share of each amount of each event.
    pub entries: &'a [UnitEntry],
}

/// Replaces units' entries and figures, inside the run's transaction,
/// with a few multi-row statements rather than three per unit.
pub async fn replace_unit_fees(tx: &mut Tx, units: &[UnitFeesWrite<'_>]) -> Result<(), DbError> {
    if let Tx::Postgres(pg) = tx {
        return replace_unit_fees_postgres(pg, units).await;
    }
    for chunk in units.chunks(500) {
        let delete = Query::delete()
            .from_table(UnitFeeEntries::Table)
            .and_where(
                Expr::col(UnitFeeEntries::InventoryItemId).is_in(chunk.iter().map(|u| u.unit_id)),
            )
            .to_owned();
        tx.execute(&delete).await?;
    }
    let rows: Vec<(InventoryItemId, &UnitEntry)> = units
        .iter()
        .flat_map(|u| u.entries.iter().map(move |e| (u.unit_id, e)))
        .collect();
    for chunk in rows.chunks(1_000) {
        let mut insert = Query::insert();
        insert.into_table(UnitFeeEntries::Table).columns([
            UnitFeeEntries::InventoryItemId,
            UnitFeeEntries::FinancialEventId,
            UnitFeeEntries::Category,
            UnitFeeEntries::AmountType,
            UnitFeeEntries::AmountMinor,
        ]);
        for (unit_id, e) in chunk {
            insert.values_panic([
                (*unit_id).into(),
                e.event_id.into(),
                e.component.category.as_str().into(),
                e.component.amount_type.clone().into(),
                e.component.minor.into(),
            ]);
        }
        tx.execute(&insert).await?;
    }
    let mut columns = vec![
        UnitFees::InventoryItemId,
        UnitFees::State,
        UnitFees::Currency,
    ];
    columns.extend(Category::ALL.iter().map(|c| category_column(*c)));
    columns.extend([
        UnitFees::TotalFeesMinor,
        UnitFees::NetMinor,
        UnitFees::ReconciledAt,
    ]);
    columns.extend(REFUNDED.iter().map(|(_, column)| *column));
    let at = now();
    for chunk in units.chunks(500) {
        let mut upsert = Query::insert();
        upsert.into_table(UnitFees::Table).columns(columns.clone());
        for u in chunk {
            let mut values: Vec<sea_query::Expr> = vec![
                u.unit_id.into(),
                u.summary.state.as_str().into(),
                u.currency.into(),
            ];
            values.extend(Category::ALL.iter().map(|c| u.summary.get(*c).into()));
            values.push(u.summary.total_fees().into());
            values.push(u.summary.net().into());
            values.push(at.into());
            values.extend(REFUNDED.iter().map(|(c, _)| u.summary.refunded(*c).into()));
            upsert.values_panic(values);
        }
        upsert.on_conflict(
            OnConflict::column(UnitFees::InventoryItemId)
                .update_columns(columns[1..].to_vec())
                .to_owned(),
        );
        tx.execute(&upsert).await?;
    }
    // After a large write PostgreSQL's statistics call these tables empty
    // until autovacuum runs, and the next run's joins become nested scans.
    if units.len() >= ANALYZE_AFTER
        && let Tx::Postgres(pg) = tx
    {
        sqlx::query("ANALYZE unit_fees, unit_fee_entries")
            .execute(&mut **pg)
            .await?;
    }
    Ok(())
}

/// [`replace_unit_fees`] on PostgreSQL: each table written by one
/// statement whose values travel as arrays (`UNNEST`), planned once,
/// where thousand-row `VALUES` lists are each parsed and planned anew.
async fn replace_unit_fees_postgres(
    pg: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    units: &[UnitFeesWrite<'_>],
) -> Result<(), DbError> {
    let ids: Vec<i64> = units.iter().map(|u| u.unit_id.get()).collect();
    let mut events: Vec<i64> = units
        .iter()
        .flat_map(|u| u.entries.iter().map(|e| e.event_id.get()))
        .collect();
    events.sort_unstable();
    events.dedup();
    hold_keys(pg, "inventory_items", &ids, "unit").await?;
    hold_keys(pg, "financial_events", &events, "financial event").await?;
    sqlx::query("DELETE FROM unit_fee_entries WHERE inventory_item_id = ANY($1)")
        .bind(&ids)
        .execute(&mut **pg)
        .await?;
    let entries = units
        .iter()
        .flat_map(|u| u.entries.iter().map(move |e| (u.unit_id.get(), e)));
    let (mut unit, mut event, mut category, mut kind, mut minor) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (u, e) in entries {
        unit.push(u);
        event.push(e.event_id.get());
        category.push(e.component.category.as_str());
        kind.push(e.component.amount_type.as_str());
        minor.push(e.component.minor);
    }
    sqlx::query(
        "INSERT INTO unit_fee_entries \
         (inventory_item_id, financial_event_id, category, amount_type, amount_minor) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])",
    )
    .bind(&unit)
    .bind(&event)
    .bind(&category)
    .bind(&kind)
    .bind(&minor)
    .execute(&mut **pg)
    .await?;
    let state: Vec<&str> = units.iter().map(|u| u.summary.state.as_str()).collect();
    let currency: Vec<&str> = units.iter().map(|u| u.currency.as_str()).collect();
    let amount = |c: Category| -> Vec<i64> { units.iter().map(|u| u.summary.get(c)).collect() };
    let refunded =
        |c: Category| -> Vec<i64> { units.iter().map(|u| u.summary.refunded(c)).collect() };
    let total_fees: Vec<i64> = units.iter().map(|u| u.summary.total_fees()).collect();
    let net: Vec<i64> = units.iter().map(|u| u.summary.net()).collect();
    let mut columns: Vec<String> = [
        UnitFees::InventoryItemId,
        UnitFees::State,
        UnitFees::Currency,
    ]
    .into_iter()
    .chain(Category::ALL.iter().map(|c| category_column(*c)))
    .chain([UnitFees::TotalFeesMinor, UnitFees::NetMinor])
    .chain(REFUNDED.iter().map(|(_, column)| *column))
    .map(|c| c.to_string())
    .collect();
    columns.push(UnitFees::ReconciledAt.to_string());
    // One array per column but the last (the time, one value for all).
    let arrays: Vec<String> = (1..columns.len())
        .map(|i| match i {
            2 | 3 => format!("${i}::text[]"),
            _ => format!("${i}::bigint[]"),
        })
        .collect();
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO unit_fees ({}) SELECT u.*, ${} FROM UNNEST({}) AS u \
         ON CONFLICT (inventory_item_id) DO UPDATE SET {}",
        columns.join(", "),
        columns.len(),
        arrays.join(", "),
        updates.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&ids)
        .bind(&state)
        .bind(&currency);
    for c in Category::ALL {
        query = query.bind(amount(c));
    }
    query = query.bind(&total_fees).bind(&net);
    for (c, _) in REFUNDED {
        query = query.bind(refunded(c));
    }
    query.bind(now()).execute(&mut **pg).await?;
    if units.len() >= ANALYZE_AFTER {
        sqlx::query("ANALYZE unit_fees, unit_fee_entries")
            .execute(&mut **pg)
            .await?;
    }
    Ok(())
}

/// Checks that every id in `ids` (distinct) is a row of `table` and locks
/// those rows against deletion until the transaction ends: what the fee
/// tables' foreign keys did one row at a time (migration 0019), done once.
async fn hold_keys(
    pg: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    table: &'static str,
    ids: &[i64],
    what: &'static str,
) -> Result<(), DbError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE id = ANY($1) FOR KEY SHARE) AS held"
    );
    let (held,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_one(&mut **pg)
        .await?;
    if usize::try_from(held).ok() != Some(ids.len()) {
        return Err(DbError::NotFound(what));
    }
    Ok(())
}

/// Marks a unit SOLD on Amazon with its sold fields, inside a
/// transaction: the state the confirm flow leaves a unit in, for tests
/// and tools that set it up without that flow.
pub async fn mark_sold(
    tx: &mut Tx,
    unit_id: InventoryItemId,
    sold_at: OffsetDateTime,
    sold_price_minor: Option<i64>,
    order_ref: &str,
) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(InventoryItems::Table)
        .values([
            (InventoryItems::Status, InventoryStatus::Sold.into()),
            (InventoryItems::SoldAt, stored_time(sold_at).into()),
            (InventoryItems::SoldPriceMinor, sold_price_minor.into()),
            (InventoryItems::SoldOrderRef, order_ref.into()),
            (InventoryItems::SoldPlatform, Platform::Amazon.into()),
            (InventoryItems::UpdatedAt, now().into()),
        ])
        .and_where(Expr::col(InventoryItems::Id).eq(unit_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
