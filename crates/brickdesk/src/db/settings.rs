//! Key/value settings.

use sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::schema::Settings;
use super::{Db, DbError, Tx, now};

/// Reads a setting.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(Settings::Value)
        .from(Settings::Table)
        .and_where(Expr::col(Settings::Key).eq(key))
        .to_owned();
    Ok(db.optional::<(String,)>(&stmt).await?.map(|(v,)| v))
}

/// Writes a setting.
pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<(), DbError> {
    let stmt = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::Key, Settings::Value, Settings::UpdatedAt])
        .values_panic([key.into(), value.into(), now().into()])
        .on_conflict(
            OnConflict::column(Settings::Key)
                .update_columns([Settings::Value, Settings::UpdatedAt])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
