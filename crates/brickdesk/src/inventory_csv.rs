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
mod decode;
pub mod export;
pub(crate) mod fields;
mod formula;
pub mod sample;

use serde::Serialize;

pub use columns::Column;
pub use decode::SourceEncoding;
pub use export::{ExportError, export};

use crate::db::inventory::NewUnit;
use crate::domain::{Condition, Currency, InventoryStatus};

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Line of the file (header = 1) where the row starts.
    pub line: u64,
    /// Header name of the column as written in the file, when the problem
    /// is in one field.
    pub column: Option<String>,
    /// What is wrong, for a person.
    pub reason: String,
}

/// A unit read from the file, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// Line of the file (header = 1) where the row starts.
    pub line: u64,
    /// The unit to add.
    pub unit: NewUnit,
}

/// A file that parsed without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// Every data row, in file order.
    pub rows: Vec<ParsedRow>,
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
            Ok(unit) => rows.push(ParsedRow { line, unit }),
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

/// Collects the problems of one row while its fields are read.
struct RowReader<'a> {
    layout: &'a columns::Layout,
    record: &'a csv::StringRecord,
    line: u64,
    errors: Vec<RowError>,
}

impl RowReader<'_> {
    fn raw(&self, col: Column) -> &str {
        self.layout
            .index(col)
            .and_then(|i| self.record.get(i))
            .map_or("", |cell| formula::restore(cell.trim()))
    }

    /// Applies `parse` to the column's text; a failure is recorded and
    /// gives `None`.
    fn field<T>(
        &mut self,
        col: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.raw(col);
        let checked = crate::domain::text::check_text(col.name(), raw)
            .map_err(|e| e.to_string())
            .and_then(|()| parse(raw));
        match checked {
            Ok(v) => Some(v),
            Err(reason) => {
                self.errors.push(RowError {
                    line: self.line,
                    column: Some(self.layout.header_name(col)),
                    reason,
                });
                None
            }
        }
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
    let set_number = r.field(Column::SetNumber, |t| fields::required_text(t, 40));
    let item_name = r.field(Column::ItemName, |t| fields::required_text(t, 200));
    let condition = r.field(Column::Condition, |t| {
        Condition::parse(t).ok_or_else(|| fields::choice_error(t, &["New", "Used"]))
    });
    let status = r.field(Column::Status, |t| {
        InventoryStatus::parse(t).ok_or_else(|| {
            let all: Vec<&str> = InventoryStatus::ALL.iter().map(|s| s.as_str()).collect();
            fields::choice_error(t, &all)
        })
    });
    let currency = r.field(Column::Currency, fields::currency);
    let money_currency = currency.unwrap_or(Currency::GBP);
    let cost = r.field(Column::Cost, |t| fields::money(t, money_currency));
    let price = r.field(Column::ListingPrice, |t| fields::money(t, money_currency));
    let location = r.field(Column::StorageLocation, fields::location);
    let sku = r.field(Column::Sku, |t| fields::optional_text(t, 40));
    let external_id = r.field(Column::ExternalId, |t| fields::optional_text(t, 100));
    let purchase_date = r.field(Column::PurchaseDate, fields::date);
    let notes = r.field(Column::Notes, fields::notes);
    let created_at = r.field(Column::CreatedAt, fields::created_at);
    match (
        set_number,
        item_name,
        condition,
        status,
        currency,
        cost,
        price,
        location,
        sku,
        external_id,
        purchase_date,
        notes,
        created_at,
    ) {
        (
            Some(set_number),
            Some(item_name),
            Some(condition),
            Some(status),
            Some(currency),
            Some(cost_minor),
            Some(listing_price_minor),
            Some(storage_location),
            Some(sku),
            Some(external_id),
            Some(purchase_date),
            Some(notes),
            Some(created_at),
        ) if r.errors.is_empty() => Ok(NewUnit {
            set_number,
            item_name,
            condition,
            status,
            storage_location,
            cost_minor,
            listing_price_minor,
            currency,
            sku,
            external_id,
            purchase_date,
            notes,
            created_at,
        }),
        _ => Err(r.errors),
    }
}

#[cfg(test)]
mod tests;
