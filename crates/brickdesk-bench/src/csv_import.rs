//! `brickdesk-bench csv-import`: a program that times the CSV import, not
//! a test (timings depend on the machine).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use brickdesk::db::inventory_import::{self, ImportOptions};
use brickdesk::db::{self, Db};
use brickdesk::inventory_csv::{self, ParsedFile, sample};

use crate::db::scratch::Scratch;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn per_second(n: usize, d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs > 0.0 {
        #[allow(clippy::cast_precision_loss)]
        let rate = n as f64 / secs;
        format!("{rate:.0} rows/s")
    } else {
        "instant".into()
    }
}

const BENCH: ImportOptions<'static> = ImportOptions {
    dry_run: false,
    user: None,
    source: "bench",
};

/// Imports into an empty database, checks the count, then re-imports the
/// same rows (all duplicates) and single-row inserts for comparison.
async fn import_into(label: &str, db: &Db, spare: &Db, parsed: &ParsedFile) -> anyhow::Result<()> {
    let n = parsed.rows.len();
    let started = Instant::now();
    let outcome = inventory_import::import(db, &parsed.rows, BENCH).await?;
    let took = started.elapsed();
    let stored = db::inventory::count(db, None).await?;
    if outcome.created != n || usize::try_from(stored).ok() != Some(n) {
        bail!(
            "{label}: expected {n} units, created {} and stored {stored}",
            outcome.created
        );
    }
    println!(
        "{label}: import {n} rows in one transaction: {} ({})",
        ms(took),
        per_second(n, took)
    );
    let started = Instant::now();
    let again = inventory_import::import(db, &parsed.rows, BENCH).await?;
    let took = started.elapsed();
    println!(
        "{label}: re-import, {} duplicates skipped, {} created: {}",
        again.duplicates.len(),
        again.created,
        ms(took)
    );
    let started = Instant::now();
    let mut tx = spare.begin().await?;
    for row in &parsed.rows {
        db::inventory::insert(&mut tx, &row.unit).await?;
    }
    tx.commit().await?;
    let took = started.elapsed();
    println!(
        "{label}: for comparison, one INSERT per row (db::inventory::insert, no history entries): {} ({})",
        ms(took),
        per_second(n, took)
    );
    Ok(())
}

async fn fresh_sqlite(dir: &std::path::Path, name: &str) -> anyhow::Result<Db> {
    let url = format!("sqlite://{}", dir.join(name).display());
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok(db)
}

/// Imports `rows` generated rows into SQLite, and into a scratch database
/// on the PostgreSQL server of `postgres_url` when given.
pub async fn run(postgres_url: Option<String>, rows: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let text = sample::synthetic_csv(rows);
    println!(
        "generated {rows} rows ({} bytes) in {}",
        text.len(),
        ms(started.elapsed())
    );
    let started = Instant::now();
    let parsed = inventory_csv::parse(text.as_bytes()).map_err(|f| {
        brickdesk::cli::inventory::print_failure(&f);
        anyhow::anyhow!("the generated file did not parse")
    })?;
    let took = started.elapsed();
    println!("parse: {} ({})", ms(took), per_second(rows, took));

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("brickdesk-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = async {
        let main = fresh_sqlite(&dir, "bench.db").await?;
        let spare = fresh_sqlite(&dir, "spare.db").await?;
        let r = import_into("SQLite", &main, &spare, &parsed).await;
        main.close().await;
        spare.close().await;
        r
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;

    match postgres_url {
        Some(url) => {
            let main = Scratch::create(&url).await?;
            let spare = Scratch::create(&url).await?;
            let r = import_into("PostgreSQL", &main.db, &spare.db, &parsed).await;
            main.drop_now().await?;
            spare.drop_now().await?;
            r?;
        }
        None => println!("PostgreSQL: skipped (give --database-url postgres://… to include it)"),
    }
    Ok(())
}
