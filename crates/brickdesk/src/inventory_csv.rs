//! Inventory CSV files: parsing an upload into units to add, and writing
//! stored units back out. Pure: bytes in, values out, no I/O.
//!
//! Import rules:
//! - The first line is a header; columns are found by name (case, spaces,
//!   `_`, `-` and punctuation ignored, aliases such as `name` for
//!   `item_name` or `price` for `listing_price`), in any order.
//! - Required columns: `set_number`, `item_name` (or `name`), `condition`,
//!   `status`. Unknown columns are **ignored and reported** in
//!   [`ParsedFile::ignored_columns`] so a misspelt header is visible in the
//!   preview; export-only columns (`sold_*`, `id`, `updated_at`) are
//!   ignored the same way.
//! - UTF-8 with or without a byte-order mark. Input that is not valid UTF-8
//!   but reads as Windows-1252 (Excel's "CSV" on a UK PC: `£` is byte 0xA3)
//!   is decoded as Windows-1252 and [`ParsedFile::encoding`] says so.
//! - Fields may be quoted and contain commas, quotes (`""`) and newlines.
//!   Rows whose every field is blank are skipped.
//! - Line numbers are those of the file: the header is line 1, and a row
//!   is numbered by the line it starts on.
//! - A cell that export quoted against formula injection (`'=…`) reads
//!   back as its original text; control characters are refused (tab and
//!   line breaks only in `notes`).
//! - All or nothing: any bad row makes the whole file fail with a
//!   [`ParseFailure`] listing every bad field of every row.

mod columns;
pub(crate) mod decode;
pub mod export;
pub(crate) mod fields;
pub(crate) mod formula;
pub mod sample;

use serde::Serialize;

pub use columns::Column;
pub use decode::SourceEncoding;
pub use export::{ExportError, export};

use crate::db::inventory_import::ImportRow;
use crate::domain::inventory::{NewUnit, UnitDraft, UnitField, validate_unit};

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Line of the file (header = 1) where the row starts.
    pub line: u64,
    /// Header name of the column as written in the file, when the problem
    /// is in one field.
    pub column: Option<String>,
    /// What is wrong, for a person.
    pub reason: String,
}

/// A file that parsed without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// Every data row, in file order.
    pub rows: Vec<ImportRow>,
    /// How the bytes were decoded.
    pub encoding: SourceEncoding,
    /// Header names that were not used.
    pub ignored_columns: Vec<String>,
}

/// A file that cannot be imported, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the file; nothing was imported", errors.len())]
pub struct ParseFailure {
    /// Every problem, in file order.
    pub errors: Vec<RowError>,
    /// How the bytes were decoded (when they could be).
    pub encoding: Option<SourceEncoding>,
    /// Data rows read (0 when the header itself was refused).
    pub rows_read: usize,
}

impl ParseFailure {
    fn file(line: u64, reason: impl Into<String>) -> Self {
        ParseFailure {
            errors: vec![RowError {
                line,
                column: None,
                reason: reason.into(),
            }],
            encoding: None,
            rows_read: 0,
        }
    }

    /// Number of distinct lines with at least one problem.
    pub fn bad_lines(&self) -> usize {
        let mut lines: Vec<u64> = self.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    }
}

/// Parses an uploaded file into units, or reports every bad row.
pub fn parse(bytes: &[u8]) -> Result<ParsedFile, ParseFailure> {
    let (text, encoding) =
        decode::decode(bytes).map_err(|e| ParseFailure::file(e.line, e.reason))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(ParseFailure::file(1, "the file is empty")),
        Some(Err(e)) => return Err(ParseFailure::file(1, csv_reason(&e))),
        Some(Ok(h)) => h,
    };
    let layout = columns::Layout::from_header(&header).map_err(|errors| ParseFailure {
        errors,
        encoding: Some(encoding),
        rows_read: 0,
    })?;
    let mut lines = LineCounter::new(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut rows_read = 0;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p));
                errors.push(RowError {
                    line,
                    column: None,
                    reason: csv_reason(&e),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows_read += 1;
        let line = record.position().map_or(0, |p| lines.line_at(p));
        if record.len() != layout.width() {
            errors.push(RowError {
                line,
                column: None,
                reason: format!(
                    "has {} fields but the header has {}",
                    record.len(),
                    layout.width()
                ),
            });
            continue;
        }
        match row_to_unit(&layout, &record, line) {
            Ok(unit) => rows.push(ImportRow { line, unit }),
            Err(mut bad) => errors.append(&mut bad),
        }
    }
    if !errors.is_empty() {
        return Err(ParseFailure {
            errors,
            encoding: Some(encoding),
            rows_read,
        });
    }
    if rows.is_empty() {
        let mut failure = ParseFailure::file(2, "the file has a header but no rows");
        failure.encoding = Some(encoding);
        return Err(failure);
    }
    Ok(ParsedFile {
        rows,
        encoding,
        ignored_columns: layout.ignored().to_vec(),
    })
}

/// Line numbers of records. The CSV reader's own count is one short for a
/// record after a CRLF line end (it starts the record at the `\n`), so
/// lines are counted from the record's byte offset, skipping the line
/// breaks a record cannot start with.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line of the first byte of the record at `position`; records
    /// come in file order, so counting is incremental.
    fn line_at(&mut self, position: &csv::Position) -> u64 {
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let end = start.min(self.bytes.len());
        if end >= self.pos {
            let newlines = self.bytes[self.pos..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += u64::try_from(newlines).unwrap_or(0);
            self.pos = end;
        }
        self.line
    }
}

fn csv_reason(e: &csv::Error) -> String {
    format!("the CSV cannot be read here: {e}")
}

/// The order a row's problems are listed in.
const REPORT_ORDER: [Column; 13] = [
    Column::SetNumber,
    Column::ItemName,
    Column::Condition,
    Column::Status,
    Column::Currency,
    Column::Cost,
    Column::ListingPrice,
    Column::StorageLocation,
    Column::Sku,
    Column::ExternalId,
    Column::PurchaseDate,
    Column::Notes,
    Column::CreatedAt,
];

/// The column that holds a unit's field.
fn column_of(field: UnitField) -> Column {
    match field {
        UnitField::SetNumber => Column::SetNumber,
        UnitField::ItemName => Column::ItemName,
        UnitField::Condition => Column::Condition,
        UnitField::Status => Column::Status,
        UnitField::StorageLocation => Column::StorageLocation,
        UnitField::Currency => Column::Currency,
        UnitField::Cost => Column::Cost,
        UnitField::ListingPrice => Column::ListingPrice,
        UnitField::Sku => Column::Sku,
        UnitField::ExternalId => Column::ExternalId,
        UnitField::Notes => Column::Notes,
    }
}

/// Collects the problems of one row while its fields are read.
struct RowReader<'a> {
    layout: &'a columns::Layout,
    record: &'a csv::StringRecord,
    line: u64,
    errors: Vec<(Column, String)>,
}

impl<'a> RowReader<'a> {
    fn raw(&self, col: Column) -> &'a str {
        let (layout, record) = (self.layout, self.record);
        layout
            .index(col)
            .and_then(|i| record.get(i))
            .map_or("", |cell| formula::restore(cell.trim()))
    }

    fn refused(&self, col: Column) -> bool {
        self.errors.iter().any(|(c, _)| *c == col)
    }

    /// The column's text, or blank once it was refused for a control
    /// character.
    fn text(&mut self, col: Column) -> &'a str {
        let raw = self.raw(col);
        match crate::domain::text::check_text(col.name(), raw) {
            Ok(()) => raw,
            Err(e) => {
                self.errors.push((col, e.to_string()));
                ""
            }
        }
    }

    /// Applies `parse` to the column's text; a failure is recorded and
    /// gives `None`.
    fn field<T>(
        &mut self,
        col: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(col);
        if self.refused(col) {
            return None;
        }
        parse(text)
            .map_err(|reason| self.errors.push((col, reason)))
            .ok()
    }

    /// Every problem, in report order, with the header names of the file.
    fn into_errors(mut self) -> Vec<RowError> {
        self.errors.sort_by_key(|(col, _)| {
            REPORT_ORDER
                .iter()
                .position(|c| c == col)
                .unwrap_or(REPORT_ORDER.len())
        });
        self.errors
            .into_iter()
            .map(|(col, reason)| RowError {
                line: self.line,
                column: Some(self.layout.header_name(col)),
                reason,
            })
            .collect()
    }
}

fn row_to_unit(
    layout: &columns::Layout,
    record: &csv::StringRecord,
    line: u64,
) -> Result<NewUnit, Vec<RowError>> {
    let mut r = RowReader {
        layout,
        record,
        line,
        errors: Vec::new(),
    };
    let purchase_date = r.field(Column::PurchaseDate, fields::date).flatten();
    let created_at = r.field(Column::CreatedAt, fields::created_at).flatten();
    let draft = UnitDraft {
        set_number: r.text(Column::SetNumber),
        item_name: r.text(Column::ItemName),
        condition: r.text(Column::Condition),
        status: r.text(Column::Status),
        storage_location: r.text(Column::StorageLocation),
        currency: r.text(Column::Currency),
        cost: r.text(Column::Cost),
        listing_price: r.text(Column::ListingPrice),
        sku: r.text(Column::Sku),
        external_id: r.text(Column::ExternalId),
        notes: r.text(Column::Notes),
        purchase_date,
        created_at,
    };
    match validate_unit(&draft) {
        Ok(unit) if r.errors.is_empty() => Ok(unit),
        Ok(_) => Err(r.into_errors()),
        Err(faults) => {
            for (field, fault) in faults {
                let col = column_of(field);
                // A cell refused for a control character is reported once.
                if !r.refused(col) {
                    let reason = fields::unit_fault(field, &fault, r.raw(col));
                    r.errors.push((col, reason));
                }
            }
            Err(r.into_errors())
        }
    }
}

#[cfg(test)]
mod tests;
