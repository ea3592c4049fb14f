//! CSV import and export of inventory: storage on both backends, the HTTP
//! API and pages, and the command line.

use brickdesk::db::inventory::{self, InventoryQuery, InventoryRow};
use brickdesk::db::inventory_import::{self, ImportOptions, ImportOutcome};
use brickdesk::db::{Backend, Db};
use brickdesk::inventory_csv::{self, ParsedFile, SourceEncoding, sample};
use serde_json::Value;

use crate::helpers::{TestApp, TestDb, on_both_backends};

const COMMIT: ImportOptions<'static> = ImportOptions {
    dry_run: false,
    user: None,
    source: "test",
};

fn parsed(bytes: &[u8]) -> ParsedFile {
    match inventory_csv::parse(bytes) {
        Ok(p) => p,
        Err(f) => panic!("should parse: {:?}", f.errors),
    }
}

async fn import(db: &Db, bytes: &[u8]) -> ImportOutcome {
    inventory_import::import(db, &parsed(bytes).rows, COMMIT)
        .await
        .expect("import")
}

async fn all_units(db: &Db) -> Vec<InventoryRow> {
    inventory::list(db, &InventoryQuery::default())
        .await
        .expect("list")
        .0
}

async fn count(db: &Db) -> i64 {
    inventory::count(db, None).await.expect("count")
}

/// The 10,000-row file with bad rows on the given file lines (header = 1).
fn ten_thousand_with_bad_lines(bad: &[usize]) -> String {
    let mut lines: Vec<String> = sample::synthetic_csv(10_000)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines.len(),
        10_001,
        "header plus 10,000 rows, one line each"
    );
    for &line in bad {
        // Line N of the file is lines[N - 1].
        lines[line - 1] = lines[line - 1]
            .replace(",New,", ",Mint,")
            .replace(",Used,", ",Mint,");
    }
    lines.join("\n")
}

async fn ten_thousand_rows_store_exactly_ten_thousand_units(db: &Db) {
    let outcome = import(db, sample::synthetic_csv(10_000).as_bytes()).await;
    assert_eq!(outcome.created, 10_000);
    assert!(outcome.duplicates.is_empty());
    assert_eq!(count(db).await, 10_000);
}

/// "Row 7,431" here is line 7,431 of the file: the header is line 1, so it
/// is the 7,430th data row. Lines 2 (the first data row) and 10,001 (the
/// last) are bad too; the report names all three and nothing is stored.
async fn a_bad_row_7431_imports_nothing_and_every_bad_line_is_named(db: &Db) {
    import(
        db,
        b"set,name,condition,status,sku\n1,Kept,New,LISTED,KEEP-1\n",
    )
    .await;
    let file = ten_thousand_with_bad_lines(&[2, 7_431, 10_001]);
    let failure = inventory_csv::parse(file.as_bytes()).expect_err("must be refused");
    let lines: Vec<u64> = failure.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 7_431, 10_001]);
    assert!(
        failure
            .errors
            .iter()
            .all(|e| e.column.as_deref() == Some("Condition"))
    );
    assert!(
        failure.errors[1]
            .reason
            .contains("'Mint' is not one of: New, Used")
    );
    assert_eq!(failure.rows_read, 10_000);
    assert_eq!(count(db).await, 1, "what was stored before is untouched");
}

async fn a_file_with_a_bom_imports(db: &Db) {
    let file =
        "\u{feff}Set Number,Item Name,Condition,Status\r\n75192,Millennium Falcon,New,LISTED\r\n";
    let p = parsed(file.as_bytes());
    assert_eq!(p.encoding, SourceEncoding::Utf8Bom);
    inventory_import::import(db, &p.rows, COMMIT)
        .await
        .expect("import");
    let units = all_units(db).await;
    assert_eq!(units.len(), 1);
    assert_eq!(
        units[0].details.set_number, "75192",
        "no BOM left in the first field"
    );
}

async fn windows_1252_input_is_decoded(db: &Db) {
    let file = b"set_number,item_name,condition,status,listing_price\r\n\
                 21330,Caf\xE9 Corner \x96 boxed,New,LISTED,\"\xA31,234.50\"\r\n";
    let p = parsed(file);
    assert_eq!(p.encoding, SourceEncoding::Windows1252);
    inventory_import::import(db, &p.rows, COMMIT)
        .await
        .expect("import");
    let units = all_units(db).await;
    assert_eq!(units[0].details.item_name, "Café Corner – boxed");
    assert_eq!(units[0].details.listing_price_minor, Some(123_450));
}

async fn quoted_fields_keep_commas_quotes_and_newlines(db: &Db) {
    let file = "set,name,condition,status,notes\n\
                10300,\"Back to the Future, Time Machine\",New,LISTED,\"says \"\"hi\"\"\nsecond line\"\n";
    import(db, file.as_bytes()).await;
    let units = all_units(db).await;
    assert_eq!(
        units[0].details.item_name,
        "Back to the Future, Time Machine"
    );
    assert_eq!(
        units[0].details.notes.as_deref(),
        Some("says \"hi\"\nsecond line")
    );
}

async fn reimporting_creates_no_duplicates(db: &Db) {
    let file = "set,name,condition,status,sku,external_id\n\
                1,A,New,LISTED,SKU-1,\n\
                2,B,New,LISTED,,EXT-2\n\
                3,C,New,LISTED,SKU-3,EXT-3\n\
                4,D,New,LISTED,SKU-1,\n\
                5,E,New,LISTED,,\n";
    let first = import(db, file.as_bytes()).await;
    assert_eq!(first.created, 4);
    assert_eq!(first.duplicates.len(), 1);
    assert_eq!(first.duplicates[0].line, 5);
    assert_eq!(first.duplicates[0].first_line, Some(2), "repeats line 2");
    let second = import(db, file.as_bytes()).await;
    // Only the row with neither a SKU nor an external id can be created again.
    assert_eq!(second.created, 1);
    let skipped: Vec<(u64, &str, Option<u64>)> = second
        .duplicates
        .iter()
        .map(|d| (d.line, d.column, d.first_line))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (2, "sku", None),
            (3, "external_id", None),
            (4, "sku", None),
            (5, "sku", None)
        ]
    );
    assert_eq!(count(db).await, 5);
    let dry = inventory_import::import(
        db,
        &parsed(file.as_bytes()).rows,
        ImportOptions {
            dry_run: true,
            ..COMMIT
        },
    )
    .await
    .expect("dry run");
    assert_eq!((dry.dry_run, dry.created), (true, 1));
    assert_eq!(count(db).await, 5, "a dry run writes nothing");
}

async fn fresh_like(db: &Db) -> TestDb {
    match db.backend() {
        Backend::Sqlite => crate::helpers::sqlite().await,
        Backend::Postgres => crate::helpers::postgres()
            .await
            .expect("postgres configured"),
    }
}

async fn export_then_import_into_a_fresh_database_gives_equal_units(db: &Db) {
    let file = "set,name,condition,status,location,cost,price,currency,sku,external_id,purchase_date,notes,created_at\n\
                75192,\"Falcon, \"\"UCS\"\"\",New,LISTED,A-10,\"£1,234.50\",649.99,GBP,S-1,E-1,31/1/2026,\"two\nlines\",2025-03-01T10:00:00Z\n\
                10294,Titanic,Used,SOLD,,,,,,,,,2025-02-01T09:00:00+01:00\n\
                42143,Ferrari,New,not yet received,B-2,0.5,,EUR,,E-3,2026-01-31,,\n\
                4000,Café,New,RETURNED,C-1,12,13,JPY,S-4,,,,2024-12-31 23:59:59\n";
    import(db, file.as_bytes()).await;
    let before = all_units(db).await;
    assert_eq!(before.len(), 4);
    let bytes = inventory_csv::export(&before, &Default::default()).expect("export");
    let fresh = fresh_like(db).await;
    let outcome = import(&fresh.db, &bytes).await;
    assert_eq!(outcome.created, 4);
    let after = all_units(&fresh.db).await;
    let comparable = |rows: &[InventoryRow]| -> Vec<InventoryRow> {
        rows.iter()
            .map(|r| InventoryRow {
                id: brickdesk::domain::InventoryItemId::new(1).expect("id"),
                updated_at: r.created_at,
                ..r.clone()
            })
            .collect()
    };
    assert_eq!(comparable(&after), comparable(&before));
    // FIFO order survives: oldest first on both sides.
    let sets: Vec<&str> = after
        .iter()
        .map(|r| r.details.set_number.as_str())
        .collect();
    assert_eq!(sets[..3], ["4000", "10294", "75192"]);
}

async fn imported_units_are_searchable_and_start_their_history(db: &Db) {
    import(db, sample::synthetic_csv(1_200).as_bytes()).await;
    let query = InventoryQuery {
        search: Some("TIME MACHINE".into()),
        ..InventoryQuery::default()
    };
    let (found, total) = inventory::list(db, &query).await.expect("search");
    assert_eq!(total, 200, "every sixth generated row is the Time Machine");
    let last = found.last().expect("a match");
    let history = brickdesk::db::audit::for_entity(db, "inventory_item", &last.id.to_string())
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "inventory_create");
    let details: Value = serde_json::from_str(&history[0].details_json).expect("json");
    assert_eq!(details["via"], "csv_import");
    assert_eq!(details["set_number"], last.details.set_number.as_str());
    assert_eq!(
        details["line"], 1_200,
        "row i = 1,198: the 1,199th data row, on line 1,200"
    );
}

on_both_backends! {
    searchable_with_history => imported_units_are_searchable_and_start_their_history;
    ten_thousand_rows => ten_thousand_rows_store_exactly_ten_thousand_units;
    bad_row_7431 => a_bad_row_7431_imports_nothing_and_every_bad_line_is_named;
    bom => a_file_with_a_bom_imports;
    windows_1252 => windows_1252_input_is_decoded;
    quoted_fields => quoted_fields_keep_commas_quotes_and_newlines;
    duplicate_reimport => reimporting_creates_no_duplicates;
    export_import_round_trip => export_then_import_into_a_fresh_database_gives_equal_units;
}

mod cli;
mod http;
