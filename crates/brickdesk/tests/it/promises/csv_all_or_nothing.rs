//! "CSV import (… all-or-nothing …)": a failure in the middle of *writing*
//! 10,000 valid rows (not a row the parser refuses) leaves the database as
//! it was. A trigger refuses one row's INSERT; the file goes through the
//! real path, `POST /api/inventory/import` with a bearer token.

use brickdesk::db::schema::{AuditLog, InventoryItems};
use brickdesk::db::{Backend, Db};
use brickdesk::inventory_csv::sample;
use serde_json::{Value, json};

use super::{error_code, on_both_databases, rows_in, token_for};
use crate::helpers::{TestApp, TestDb, all_units, raw, send_json};

/// Rows of the big file.
const ROWS: usize = 10_000;
/// The file line (header = 1) the trigger refuses: in the import's
/// eighth 1,000-row INSERT, so seven have been written by then.
const BAD_LINE: usize = 7_431;
/// The set number only that line carries, the trigger's condition.
const BAD_SET: &str = "99999";
/// Units stored before the big import.
const KEPT: &str = "set,name,condition,status,sku\n\
                    75192,Kept one,New,LISTED,KEEP-1\n\
                    10294,Kept two,Used,BACKLOG,KEEP-2\n\
                    42143,Kept three,New,LISTED,KEEP-3\n";

/// The synthetic 10,000-row file with [`BAD_SET`] on [`BAD_LINE`].
fn file_with_one_refused_row() -> String {
    let mut lines: Vec<String> = sample::synthetic_csv(ROWS)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), ROWS + 1, "header plus one line per row");
    let line = &mut lines[BAD_LINE - 1];
    let (_, rest) = line.split_once(',').expect("the set number comes first");
    *line = format!("{BAD_SET},{rest}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with(BAD_SET)).count(),
        1,
        "only one row carries the refused set number"
    );
    lines.join("\r\n")
}

/// A trigger that aborts the INSERT of a unit with [`BAD_SET`].
async fn install_trigger(db: &Db) {
    match db.backend() {
        Backend::Sqlite => {
            raw(
                db,
                "CREATE TRIGGER promise_boom BEFORE INSERT ON inventory_items \
                 WHEN NEW.set_number = '99999' BEGIN SELECT RAISE(ABORT, 'boom'); END",
            )
            .await;
        }
        Backend::Postgres => {
            raw(
                db,
                "CREATE FUNCTION promise_boom() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'boom'; END $$",
            )
            .await;
            raw(
                db,
                "CREATE TRIGGER promise_boom BEFORE INSERT ON inventory_items FOR EACH ROW \
                 WHEN (NEW.set_number = '99999') EXECUTE FUNCTION promise_boom()",
            )
            .await;
        }
    }
}

async fn drop_trigger(db: &Db) {
    match db.backend() {
        Backend::Sqlite => raw(db, "DROP TRIGGER promise_boom").await,
        Backend::Postgres => raw(db, "DROP TRIGGER promise_boom ON inventory_items").await,
    }
}

/// Everything an import writes: the units as listed, and the history.
async fn stored(db: &Db) -> (String, i64, i64) {
    (
        format!("{:?}", all_units(db).await),
        rows_in(db, InventoryItems::Table).await,
        rows_in(db, AuditLog::Table).await,
    )
}

async fn import(app: &TestApp, token: &str, file: &str) -> (u16, Value) {
    send_json(
        app.client
            .post(format!(
                "{}/api/inventory/import?dry_run=false",
                app.address
            ))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(file.to_owned()),
    )
    .await
}

async fn a_failure_while_writing_leaves_the_database_as_it_was(t: TestDb) {
    let app = TestApp::builder().on(t).spawn().await;
    let token = token_for(&app, "importer").await;
    let (status, body) = import(&app, &token, KEPT).await;
    assert_eq!((status, &body["created"]), (200, &json!(3)), "{body}");
    let before = stored(&app.db).await;
    assert_eq!(before.1, 3);

    install_trigger(&app.db).await;
    let file = file_with_one_refused_row();
    let (status, body) = import(&app, &token, &file).await;
    assert!(
        (400..600).contains(&status),
        "the import answers an error: {status} {body}"
    );
    error_code(&body);
    assert!(body.get("created").is_none(), "{body}");
    assert_eq!(
        stored(&app.db).await,
        before,
        "no unit and no history entry of the 10,000 rows is kept"
    );

    if app.db.backend() == Backend::Postgres {
        // Sequences are not rolled back: the ids the rows before the
        // refused one drew stay drawn. So those rows had been written
        // inside the transaction when it failed, and were undone with it.
        let (status, unit) = send_json(
            app.client
                .post(format!("{}/api/inventory", app.address))
                .bearer_auth(&token)
                .json(&json!({"set_number": "60000", "item_name": "After", "condition": "New", "status": "BACKLOG"})),
        )
        .await;
        assert_eq!(status, 201, "{unit}");
        let id = unit["id"].as_i64().expect("id");
        assert!(
            id > 3 + 7_000,
            "seven INSERTs were written before the failure: next id {id}"
        );
    }

    // Without the trigger the same file imports whole: the refused row
    // was the only thing in its way.
    drop_trigger(&app.db).await;
    let units_before = rows_in(&app.db, InventoryItems::Table).await;
    let (status, body) = import(&app, &token, &file).await;
    assert_eq!((status, &body["created"]), (200, &json!(ROWS)), "{body}");
    assert_eq!(
        rows_in(&app.db, InventoryItems::Table).await,
        units_before + ROWS as i64
    );
}

on_both_databases! {
    csv_import_failing_mid_write => a_failure_while_writing_leaves_the_database_as_it_was;
}
