//! Stored watermarks (`sync_cursors`): where order sync and the finances
//! fetch continue from.

use sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::schema::SyncCursors;
use super::{Db, DbError, Tx, now};

/// A stored watermark, e.g. the last `LastUpdatedAfter` of order sync.
pub async fn get(db: &Db, name: &str) -> Result<Option<String>, DbError> {
    let stmt = Query::select()
        .column(SyncCursors::Value)
        .from(SyncCursors::Table)
        .and_where(Expr::col(SyncCursors::Name).eq(name))
        .to_owned();
    Ok(db.optional::<(String,)>(&stmt).await?.map(|(v,)| v))
}

/// Stores a watermark, in the transaction of the work it follows.
pub async fn set(tx: &mut Tx, name: &str, value: &str) -> Result<(), DbError> {
    let stmt = Query::insert()
        .into_table(SyncCursors::Table)
        .columns([
            SyncCursors::Name,
            SyncCursors::Value,
            SyncCursors::UpdatedAt,
        ])
        .values_panic([name.into(), value.into(), now().into()])
        .on_conflict(
            OnConflict::column(SyncCursors::Name)
                .update_columns([SyncCursors::Value, SyncCursors::UpdatedAt])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
