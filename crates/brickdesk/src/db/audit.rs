//! The audit log: who did what to which record, and the values before.

use sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;

use super::schema::{AuditLog, Users};
use super::{Db, DbError, Tx, now};
use crate::domain::UserId;

/// One audit entry to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who did it (none for the system or an anonymous attempt).
    pub user: Option<UserId>,
    /// What happened, e.g. `sign_in`, `token_create`.
    pub action: &'a str,
    /// Kind of record, e.g. `user`, `api_token`, `inventory_item`.
    pub entity_type: &'a str,
    /// Which record.
    pub entity_id: Option<String>,
    /// Anything else worth keeping (previous values…).
    pub details: serde_json::Value,
}

/// Writes an entry as part of a transaction.
pub async fn record(tx: &mut Tx, entry: &Entry<'_>) -> Result<(), DbError> {
    record_many(tx, std::slice::from_ref(entry)).await
}

/// Writes several entries with one statement, as part of a transaction.
pub async fn record_many(tx: &mut Tx, entries: &[Entry<'_>]) -> Result<(), DbError> {
    if entries.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut stmt = Query::insert();
    stmt.into_table(AuditLog::Table).columns(COLUMNS);
    for entry in entries {
        stmt.values_panic([
            at.into(),
            entry.user.into(),
            entry.action.into(),
            entry.entity_type.into(),
            entry.entity_id.clone().into(),
            entry.details.to_string().into(),
        ]);
    }
    tx.execute(&stmt).await?;
    Ok(())
}

/// Writes one entry in its own transaction.
pub async fn record_now(db: &Db, entry: &Entry<'_>) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    record(&mut tx, entry).await?;
    tx.commit().await
}

/// An entry as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// When.
    pub at: OffsetDateTime,
    /// Who (none for the system or an anonymous attempt).
    pub user_id: Option<UserId>,
    /// What.
    pub action: String,
    /// Record kind.
    pub entity_type: String,
    /// Record id.
    pub entity_id: Option<String>,
    /// Details (JSON text).
    pub details_json: String,
}

/// The columns of an entry, as written and read.
const COLUMNS: [AuditLog; 6] = [
    AuditLog::At,
    AuditLog::UserId,
    AuditLog::Action,
    AuditLog::EntityType,
    AuditLog::EntityId,
    AuditLog::DetailsJson,
];

/// The latest entries, newest first.
pub async fn latest(db: &Db, limit: u64) -> Result<Vec<AuditRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AuditLog::Table)
        .order_by(AuditLog::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    db.all(&stmt).await
}

/// Entries about one record, oldest first, each with the name of the
/// user who made it (none for the system).
pub async fn for_entity_with_names(
    db: &Db,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<(AuditRow, Option<String>)>, DbError> {
    let entries = for_entity(db, entity_type, entity_id).await?;
    let mut ids: Vec<UserId> = entries.iter().filter_map(|e| e.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<UserId, String> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        let stmt = Query::select()
            .columns([Users::Id, Users::Username])
            .from(Users::Table)
            .and_where(Expr::col(Users::Id).is_in(ids))
            .to_owned();
        db.all::<(UserId, String)>(&stmt)
            .await?
            .into_iter()
            .collect()
    };
    Ok(entries
        .into_iter()
        .map(|e| {
            let name = e.user_id.and_then(|u| names.get(&u).cloned());
            (e, name)
        })
        .collect())
}

/// Entries about one record, oldest first.
pub async fn for_entity(
    db: &Db,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<AuditRow>, DbError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::EntityType).eq(entity_type))
        .and_where(Expr::col(AuditLog::EntityId).eq(entity_id))
        .order_by(AuditLog::Id, Order::Asc)
        .to_owned();
    db.all(&stmt).await
}
