//! ASIN mappings: "this ASIN is this set in this condition".

use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use time::OffsetDateTime;

use super::schema::AmazonAsinMappings;
use super::{Db, DbError, Tx, now};
use crate::domain::Condition;

/// Creates or replaces the mapping of an ASIN.
pub async fn upsert(
    tx: &mut Tx,
    asin: &str,
    set_number: &str,
    condition: Condition,
) -> Result<(), DbError> {
    let at = now();
    let stmt = Query::insert()
        .into_table(AmazonAsinMappings::Table)
        .columns([
            AmazonAsinMappings::Asin,
            AmazonAsinMappings::SetNumber,
            AmazonAsinMappings::Condition,
            AmazonAsinMappings::CreatedAt,
            AmazonAsinMappings::UpdatedAt,
        ])
        .values_panic([
            asin.into(),
            set_number.into(),
            condition.as_str().into(),
            at.into(),
            at.into(),
        ])
        .on_conflict(
            OnConflict::column(AmazonAsinMappings::Asin)
                .update_columns([
                    AmazonAsinMappings::SetNumber,
                    AmazonAsinMappings::Condition,
                    AmazonAsinMappings::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Number of mappings.
pub async fn count(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(AmazonAsinMappings::Asin).count())
        .from(AmazonAsinMappings::Table)
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// A mapping as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MappingRow {
    /// The ASIN.
    pub asin: String,
    /// Set number it maps to.
    pub set_number: String,
    /// Condition it maps to.
    pub condition: Condition,
    /// When created.
    pub created_at: OffsetDateTime,
}

const COLUMNS: [AmazonAsinMappings; 4] = [
    AmazonAsinMappings::Asin,
    AmazonAsinMappings::SetNumber,
    AmazonAsinMappings::Condition,
    AmazonAsinMappings::CreatedAt,
];

/// The mapping of an ASIN, inside a transaction.
pub async fn get_in(tx: &mut Tx, asin: &str) -> Result<Option<MappingRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AmazonAsinMappings::Table)
        .and_where(Expr::col(AmazonAsinMappings::Asin).eq(asin))
        .to_owned();
    tx.optional(&stmt).await
}

/// The mapping of an ASIN.
pub async fn get(db: &Db, asin: &str) -> Result<Option<MappingRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AmazonAsinMappings::Table)
        .and_where(Expr::col(AmazonAsinMappings::Asin).eq(asin))
        .to_owned();
    db.optional(&stmt).await
}

/// Every mapping, by ASIN.
pub async fn list(db: &Db) -> Result<Vec<MappingRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AmazonAsinMappings::Table)
        .order_by(AmazonAsinMappings::Asin, Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// Deletes the mapping of an ASIN; `false` when there was none.
pub async fn delete(tx: &mut Tx, asin: &str) -> Result<bool, DbError> {
    let stmt = Query::delete()
        .from_table(AmazonAsinMappings::Table)
        .and_where(Expr::col(AmazonAsinMappings::Asin).eq(asin))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
