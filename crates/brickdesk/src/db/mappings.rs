//! ASIN mappings: "this ASIN is this set in this condition".

use sea_query::{Expr, ExprTrait, OnConflict, Query};

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
