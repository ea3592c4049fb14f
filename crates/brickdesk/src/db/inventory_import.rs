//! Storing a parsed inventory CSV: one transaction, duplicates skipped.
//!
//! A row is a duplicate when its SKU or external id is already stored, or
//! appeared on an earlier row of the same file; duplicates are reported
//! and skipped, never inserted twice. Everything else is inserted with
//! multi-row `INSERT`s inside one transaction, so a failure (for example a
//! SKU stored by someone else meanwhile) leaves the database as it was.

use std::collections::{HashMap, HashSet};

use sea_query::{Expr, ExprTrait, Query};
use serde::Serialize;
use serde_json::json;

use super::Conn;
use super::inventory::{self, NewUnit};
use super::schema::InventoryItems;
use super::{Db, DbError, Tx, audit, now};
use crate::domain::UserId;

/// Rows per `INSERT` statement: 16 bound values each stays under SQLite's
/// 32,766 and PostgreSQL's 65,535 parameters; fewer, larger statements
/// save round trips on PostgreSQL.
const INSERT_CHUNK: usize = 1000;
/// Most values looked up with one `IN (…)` list.
const LOOKUP_CHUNK: usize = 500;

/// A unit to import, with the line of the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line of the file (header = 1) where the row starts.
    pub line: u64,
    /// The unit to add.
    pub unit: NewUnit,
}

/// A unit to insert, with the file line it came from (for its history).
type Planned<'r> = (u64, &'r NewUnit);

/// A row that was skipped because its unit is already known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// Line of the file (header = 1).
    pub line: u64,
    /// `sku` or `external_id`.
    pub column: &'static str,
    /// The repeated value.
    pub value: String,
    /// The earlier line of the same file with this value; `None` when the
    /// value is already stored in the database.
    pub first_line: Option<u64>,
}

impl Duplicate {
    /// Why the row is skipped, for a person.
    pub fn reason(&self) -> String {
        match self.first_line {
            Some(first) => format!("{} '{}' repeats line {first}", self.column, self.value),
            None => format!(
                "{} '{}' is already in the inventory",
                self.column, self.value
            ),
        }
    }
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Units created (or that would be).
    pub created: usize,
    /// Rows skipped as duplicates, in file order.
    pub duplicates: Vec<Duplicate>,
}

/// Who imports and how.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// Only work out what would happen; write nothing.
    pub dry_run: bool,
    /// The user importing (for the audit log).
    pub user: Option<UserId>,
    /// Where the file came from (`web`, `api`, `cli`, `bench`).
    pub source: &'a str,
}

/// The values of `column` among `wanted` that are already stored. Small
/// batches ask for their values (`IN`, using the unique index); large ones
/// read the whole column once, which stays fast even right after a bulk
/// load, when PostgreSQL's statistics still call the table empty and an
/// `IN` list of hundreds of values becomes a sequential scan per chunk.
async fn stored_values(
    conn: &mut Conn<'_>,
    column: InventoryItems,
    wanted: &[&str],
) -> Result<HashSet<String>, DbError> {
    if wanted.is_empty() {
        return Ok(HashSet::new());
    }
    let mut stmt = Query::select();
    stmt.column(column).from(InventoryItems::Table);
    if wanted.len() <= LOOKUP_CHUNK {
        stmt.and_where(Expr::col(column).is_in(wanted.iter().copied()));
    } else {
        stmt.and_where(Expr::col(column).is_not_null());
    }
    let rows: Vec<(String,)> = conn.all(&stmt).await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

/// Splits rows into those to create and the duplicates.
async fn sort_out<'r>(
    conn: &mut Conn<'_>,
    rows: &'r [ImportRow],
) -> Result<(Vec<Planned<'r>>, Vec<Duplicate>), DbError> {
    let skus: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.unit.details.sku.as_deref())
        .collect();
    let ext_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.unit.details.external_id.as_deref())
        .collect();
    let stored_skus = stored_values(conn, InventoryItems::Sku, &skus).await?;
    let stored_ext = stored_values(conn, InventoryItems::ExternalId, &ext_ids).await?;
    let mut seen_sku: HashMap<&str, u64> = HashMap::new();
    let mut seen_ext: HashMap<&str, u64> = HashMap::new();
    let mut create = Vec::with_capacity(rows.len());
    let mut duplicates = Vec::new();
    for row in rows {
        let keys = [
            (
                "sku",
                row.unit.details.sku.as_deref(),
                &stored_skus,
                &seen_sku,
            ),
            (
                "external_id",
                row.unit.details.external_id.as_deref(),
                &stored_ext,
                &seen_ext,
            ),
        ];
        let clash = keys.iter().find_map(|(column, value, stored, seen)| {
            let value = (*value)?;
            let first_line = if stored.contains(value) {
                None
            } else {
                Some(*seen.get(value)?)
            };
            Some(Duplicate {
                line: row.line,
                column,
                value: value.to_owned(),
                first_line,
            })
        });
        if let Some(dup) = clash {
            duplicates.push(dup);
            continue;
        }
        if let Some(sku) = row.unit.details.sku.as_deref() {
            seen_sku.insert(sku, row.line);
        }
        if let Some(ext) = row.unit.details.external_id.as_deref() {
            seen_ext.insert(ext, row.line);
        }
        create.push((row.line, &row.unit));
    }
    Ok((create, duplicates))
}

/// Inserts units with multi-row statements inside `tx`, each with its
/// `inventory_create` audit entry (so a unit's history starts at its
/// import); returns the new ids in input order.
pub async fn insert_many(
    tx: &mut Tx,
    units: &[Planned<'_>],
    user: Option<UserId>,
) -> Result<Vec<i64>, DbError> {
    let at = now();
    let mut ids = Vec::with_capacity(units.len());
    for chunk in units.chunks(INSERT_CHUNK) {
        let stmt = inventory::insert_statement(chunk.iter().map(|(_, unit)| *unit), at);
        let new_ids: Vec<(i64,)> = tx.all(&stmt).await?;
        // Ids are drawn in row order (rowid / sequence), but RETURNING may
        // list them in any order: sorted, they line up with the rows.
        let mut new_ids: Vec<i64> = new_ids.into_iter().map(|(id,)| id).collect();
        new_ids.sort_unstable();
        let history: Vec<audit::Entry<'_>> = chunk
            .iter()
            .zip(&new_ids)
            .map(|((line, unit), id)| audit::Entry {
                user,
                action: "inventory_create",
                entity_type: "inventory_item",
                entity_id: Some(id.to_string()),
                details: json!({
                    "set_number": unit.details.set_number,
                    "status": unit.details.status.as_str(),
                    "location": unit.details.storage_location,
                    "via": "csv_import",
                    "line": line,
                }),
            })
            .collect();
        audit::record_many(tx, &history).await?;
        ids.extend(new_ids);
    }
    Ok(ids)
}

/// Imports parsed rows: skips duplicates, inserts the rest in one
/// transaction and records one audit entry. With `dry_run`, only reads.
pub async fn import(
    db: &Db,
    rows: &[ImportRow],
    options: ImportOptions<'_>,
) -> Result<ImportOutcome, DbError> {
    if options.dry_run {
        let (create, duplicates) = sort_out(&mut Conn::Db(db), rows).await?;
        return Ok(ImportOutcome {
            dry_run: true,
            created: create.len(),
            duplicates,
        });
    }
    let mut tx = db.begin().await?;
    let (create, duplicates) = sort_out(&mut Conn::Tx(&mut tx), rows).await?;
    let created = insert_many(&mut tx, &create, options.user).await?.len();
    let entry = audit::Entry {
        user: options.user,
        action: "inventory_import",
        entity_type: "inventory_item",
        entity_id: None,
        details: json!({
            "source": options.source,
            "rows": rows.len(),
            "created": created,
            "duplicates": duplicates.len(),
        }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(ImportOutcome {
        dry_run: false,
        created,
        duplicates,
    })
}
