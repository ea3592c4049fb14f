//! `brickdesk inventory import|export`.

use std::io::Write;

use anyhow::{Context, bail};

use super::args::InventoryCommand;
use crate::db::inventory_import::{self, ImportOptions};
use crate::db::{Db, inventory};
use crate::inventory_csv::{self, ParseFailure, SourceEncoding};
use crate::web::inventory::ListParams;
use crate::web::inventory_csv::export_query;

/// Prints every problem of a refused file to standard error.
pub fn print_failure(failure: &ParseFailure) {
    for e in &failure.errors {
        match &e.column {
            Some(col) => eprintln!("line {}, column {col}: {}", e.line, e.reason),
            None => eprintln!("line {}: {}", e.line, e.reason),
        }
    }
}

/// Runs an `inventory` subcommand.
pub async fn run(db: &Db, cmd: InventoryCommand) -> anyhow::Result<()> {
    match cmd {
        InventoryCommand::Import { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let parsed = match inventory_csv::parse(&bytes) {
                Ok(p) => p,
                Err(failure) => {
                    print_failure(&failure);
                    bail!(
                        "{}: {} problem(s) on {} line(s); nothing was imported",
                        file.display(),
                        failure.errors.len(),
                        failure.bad_lines()
                    );
                }
            };
            if parsed.encoding == SourceEncoding::Windows1252 {
                eprintln!("note: {}", parsed.encoding.describe());
            }
            if !parsed.ignored_columns.is_empty() {
                eprintln!(
                    "note: ignored columns: {}",
                    parsed.ignored_columns.join(", ")
                );
            }
            let options = ImportOptions {
                dry_run,
                user: None,
                source: "cli",
            };
            let outcome = inventory_import::import(db, &parsed.rows, options).await?;
            for d in &outcome.duplicates {
                eprintln!("line {}: skipped: {}", d.line, d.reason());
            }
            let verb = if dry_run { "would create" } else { "created" };
            println!(
                "{} rows read; {verb} {} unit(s); {} duplicate(s) skipped",
                parsed.rows.len(),
                outcome.created,
                outcome.duplicates.len()
            );
            Ok(())
        }
        InventoryCommand::Export {
            out,
            search,
            status,
            condition,
            location,
            sort,
            descending,
        } => {
            let params = ListParams {
                search: search.unwrap_or_default(),
                status: status.unwrap_or_default(),
                condition: condition.unwrap_or_default(),
                location: location.unwrap_or_default(),
                sort: sort.unwrap_or_default(),
                dir: if descending {
                    "desc".into()
                } else {
                    String::new()
                },
                page: None,
                page_size: None,
            };
            let query = export_query(&params).map_err(anyhow::Error::msg)?;
            let (rows, _) = inventory::list(db, &query).await?;
            let fees = crate::db::fees::fees_for_export(db, &rows).await?;
            let bytes = inventory_csv::export(&rows, &fees)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("{} unit(s) written to {}", rows.len(), path.display());
                }
                None => std::io::stdout()
                    .lock()
                    .write_all(&bytes)
                    .context("writing to standard output")?,
            }
            Ok(())
        }
    }
}
