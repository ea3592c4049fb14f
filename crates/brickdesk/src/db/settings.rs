//! Key/value settings.

use sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::schema::Settings;
use super::{Db, DbError, Tx, now};
use crate::domain::location::FbaPrefix;

/// Reads a setting.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(Settings::Value)
        .from(Settings::Table)
        .and_where(Expr::col(Settings::Key).eq(key))
        .to_owned();
    Ok(db.optional::<(String,)>(&stmt).await?.map(|(v,)| v))
}

/// Key of the seller's choice to show buyer names on pages.
const SHOW_BUYER_NAMES: &str = "show_buyer_names";

/// Whether pages show buyers' names (off unless the seller turned it on).
pub async fn show_buyer_names(db: &Db) -> Result<bool, DbError> {
    Ok(get(db, SHOW_BUYER_NAMES).await?.as_deref() == Some("true"))
}

/// Records whether pages show buyers' names.
pub async fn set_show_buyer_names(tx: &mut Tx, show: bool) -> Result<(), DbError> {
    set(tx, SHOW_BUYER_NAMES, if show { "true" } else { "false" }).await
}

/// Key of the location prefix that names Amazon's warehouses.
const FBA_PREFIX: &str = "fba_location_prefix";

/// The location prefix that names Amazon's warehouses (`FBA` unless the
/// seller chose another).
pub async fn fba_prefix(db: &Db) -> Result<FbaPrefix, DbError> {
    match get(db, FBA_PREFIX).await? {
        None => Ok(FbaPrefix::default()),
        Some(text) => {
            FbaPrefix::parse(&text).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))
        }
    }
}

/// Records the location prefix that names Amazon's warehouses.
pub async fn set_fba_prefix(tx: &mut Tx, prefix: &FbaPrefix) -> Result<(), DbError> {
    set(tx, FBA_PREFIX, prefix.as_str()).await
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
