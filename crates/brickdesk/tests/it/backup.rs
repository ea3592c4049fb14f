//! Backups taken while the app writes, restored into a new folder and
//! found whole; files that are not sound backups refused with the old
//! database untouched; a restore refused while a server holds the folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use brickdesk::backup::{self, BackupError};
use brickdesk::config::{BackupSchedule, DemoMode};
use brickdesk::db::{self, Db};
use serde_json::json;

use crate::helpers::{TestApp, get_json, raw_count};

/// One write of client `client`'s `n`th turn: a unit through the API,
/// a CSV import of two units, or (while `orders` has some left) the
/// confirmation of one order, which links its units.
async fn write_once(
    owner: &reqwest::Client,
    base: &str,
    (client, n): (usize, usize),
    orders: &tokio::sync::Mutex<Vec<String>>,
) {
    let set = format!("9{client:02}{n:04}");
    let resp = match client % 4 {
        0 => match orders.lock().await.pop() {
            Some(order) => {
                let body =
                    json!({ "archive_location": "SOLD-BACKUP", "orders": [{ "order_id": order }] });
                owner
                    .post(format!("{base}/api/orders/confirm"))
                    .json(&body)
                    .send()
                    .await
            }
            None => return,
        },
        1 => {
            let csv = format!(
                "set,name,condition,status\n{set}1,Imported,New,LISTED\n{set}2,Imported,New,LISTED\n"
            );
            owner
                .post(format!("{base}/api/inventory/import"))
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
        }
        _ => {
            let unit = json!({ "set_number": set, "item_name": "Backup test",
                               "condition": "New", "status": "LISTED", "cost": "10.00" });
            owner
                .post(format!("{base}/api/inventory"))
                .json(&unit)
                .send()
                .await
        }
    };
    let resp = resp.expect("write");
    assert!(
        resp.status().is_success(),
        "a write during the backup: {}",
        resp.status()
    );
}

/// 16 clients writing (units, imports, confirmations) until `stop` is set;
/// each returns how many writes it made.
async fn spawn_writers(
    app: &TestApp,
    owner: &reqwest::Client,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    let offered = get_json(owner, format!("{}/api/orders/confirm", app.address)).await;
    let orders: Vec<String> = offered["orders"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|o| o["order_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !orders.is_empty(),
        "the demo has orders to confirm: {offered}"
    );
    let orders = Arc::new(tokio::sync::Mutex::new(orders));
    (0..16)
        .map(|client| {
            let (owner, stop, orders) = (owner.clone(), Arc::clone(stop), Arc::clone(&orders));
            let base = app.address.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    write_once(&owner, &base, (client, n), &orders).await;
                    n += 1;
                }
                n
            })
        })
        .collect()
}

/// One number a query on `db` answers.
async fn units(db: &Db) -> i64 {
    db::inventory::count(db, None).await.expect("count units")
}

/// The restored database: sound, every link's unit and line present.
async fn assert_consistent(path: &Path) -> Db {
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open restored");
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(pool)
        .await
        .expect("foreign keys");
    assert!(
        broken.is_empty(),
        "no row points at a missing one: {broken:?}"
    );
    let orphans = raw_count(
        &db,
        "SELECT COUNT(*) FROM order_item_links l \
         LEFT JOIN inventory_items u ON u.id = l.inventory_item_id \
         LEFT JOIN order_items i ON i.id = l.order_item_id \
         WHERE u.id IS NULL OR i.id IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "every link's unit and line are there");
    db
}

#[tokio::test]
async fn a_backup_taken_while_16_clients_write_restores_whole() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    const LINKS: &str = "SELECT COUNT(*) FROM order_item_links";
    assert!(
        raw_count(&app.db, LINKS).await > 0,
        "the demo has linked units to carry over"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let demo_units = units(&app.db).await;
    let writers = spawn_writers(&app, &owner, &stop).await;
    // Let the writers get going before the copy starts.
    while units(&app.db).await < demo_units + 300 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let folder = tempfile::tempdir().expect("temp dir");
    let out = folder.path().join("copy.db");
    let before = (units(&app.db).await, raw_count(&app.db, LINKS).await);
    let done = backup::backup(&app.db, "sqlite://unused", &out)
        .await
        .expect("backup");
    let after = (units(&app.db).await, raw_count(&app.db, LINKS).await);
    stop.store(true, Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.expect("writer");
    }
    assert!(done.bytes > 0 && out.is_file());
    assert!(written >= 200, "the clients kept writing: {written} writes");
    assert!(
        matches!(
            backup::backup(&app.db, "sqlite://unused", &out).await,
            Err(BackupError::Exists(_))
        ),
        "an existing file is not overwritten"
    );

    let data = tempfile::tempdir().expect("new data folder");
    let database = data.path().join("brickdesk.db");
    let restored = backup::restore(data.path(), &database, &out)
        .await
        .expect("restore");
    assert_eq!(restored.previous, None, "the new folder had no database");
    let db = assert_consistent(&database).await;
    let copied = (units(&db).await, raw_count(&db, LINKS).await);
    // Units and links only grow while the clients write: a copy of one
    // moment of the backup lies between what was read before and after.
    assert!(
        before.0 <= copied.0 && copied.0 <= after.0 && before.1 <= copied.1 && copied.1 <= after.1,
        "units and links: {before:?} ≤ {copied:?} ≤ {after:?}"
    );
    db.close().await;
}

/// `file` with only its first half.
fn truncated_copy(file: &Path, to: &Path) -> PathBuf {
    let bytes = std::fs::read(file).expect("read");
    std::fs::write(to, &bytes[..bytes.len() / 2]).expect("write");
    to.to_path_buf()
}

#[tokio::test]
async fn a_bad_file_is_refused_and_the_database_kept() {
    let app = TestApp::builder().spawn().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let good = folder.path().join("good.db");
    backup::backup(&app.db, "sqlite://unused", &good)
        .await
        .expect("backup");
    let data = tempfile::tempdir().expect("data folder");
    let database = data.path().join("brickdesk.db");
    backup::restore(data.path(), &database, &good)
        .await
        .expect("first restore");
    let kept = std::fs::read(&database).expect("the database");

    let garbage = folder.path().join("notes.txt");
    std::fs::write(&garbage, "not a database, just some notes\n".repeat(200)).expect("write");
    let newer = folder.path().join("newer.db");
    std::fs::copy(&good, &newer).expect("copy");
    {
        let db = Db::connect(&format!("sqlite://{}", newer.display()))
            .await
            .expect("open");
        let Db::Sqlite(pool) = &db else {
            unreachable!()
        };
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', TRUE, x'00', 0)",
        )
        .execute(pool)
        .await
        .expect("a newer migration");
        db.close().await;
    }
    let cases = [
        (
            truncated_copy(&good, &folder.path().join("half.db")),
            "cannot be restored",
        ),
        (garbage, "does not read as a SQLite database"),
        (newer, "newer Brickdesk"),
        (folder.path().join("missing.db"), "no such file"),
    ];
    for (file, why) in cases {
        let err = backup::restore(data.path(), &database, &file)
            .await
            .expect_err("a bad file is refused");
        let text = err.to_string();
        assert!(matches!(err, BackupError::Refused { .. }), "{text}");
        assert!(
            text.contains(why) && text.contains("nothing was replaced"),
            "{text}"
        );
        assert_eq!(
            std::fs::read(&database).expect("the database"),
            kept,
            "{file:?}: untouched"
        );
    }

    let restored = backup::restore(data.path(), &database, &good)
        .await
        .expect("restore again");
    let previous = restored.previous.expect("the old database is kept aside");
    assert_eq!(std::fs::read(previous).expect("kept aside"), kept);
}

#[tokio::test]
async fn a_restore_is_refused_while_a_server_holds_the_folder() {
    let data = tempfile::tempdir().expect("data folder");
    let dir = data.path().to_path_buf();
    let app = TestApp::builder()
        .configure(move |c| c.data_dir = dir)
        .spawn()
        .await;
    let copy = data.path().join("copy.db");
    backup::backup(&app.db, "sqlite://unused", &copy)
        .await
        .expect("backup while serving");
    let err = backup::restore(data.path(), &data.path().join("brickdesk.db"), &copy)
        .await
        .expect_err("refused while serving");
    assert!(matches!(err, BackupError::InUse(_)), "{err}");
    drop(app);
}

#[tokio::test]
async fn a_command_on_the_database_holds_the_folder_as_a_server_does() {
    let data = tempfile::tempdir().expect("data folder");
    let held = backup::DataDirLock::exclusive(data.path()).expect("a restore's lock");
    let out = crate::helpers::run_cli(data.path(), &["migrate"], &[], "").await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("a Brickdesk server is using"),
        "{said}"
    );
    drop(held);
    let out = crate::helpers::run_cli(data.path(), &["migrate"], &[], "").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn scheduled_backups_are_taken_at_start_and_the_oldest_deleted() {
    let data = tempfile::tempdir().expect("data folder");
    let dir = data.path().to_path_buf();
    let every = std::time::Duration::from_secs(3600);
    let app = TestApp::builder()
        .configure(move |c| {
            c.data_dir = dir;
            c.backups = Some(BackupSchedule { every, keep: 2 });
        })
        .spawn()
        .await;
    let backups = backup::scheduled_dir(data.path());
    let mut waited = 0;
    while backup::scheduled_backups(&backups).is_empty() {
        assert!(waited < 500, "a backup is taken at start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
    }
    let first = backup::scheduled_backups(&backups);
    assert_eq!(first.len(), 1, "one backup, the next due in an hour");
    let later = |hours: i64| first[0].0 + time::Duration::hours(hours);
    for hours in [1, 2, 3] {
        backup::take_scheduled(&app.db, &backups, 2, later(hours))
            .await
            .expect("scheduled backup");
    }
    let kept: Vec<_> = backup::scheduled_backups(&backups)
        .into_iter()
        .map(|(at, _)| at)
        .collect();
    assert_eq!(kept, [later(2), later(3)], "the two newest are kept");
    for (_, file) in backup::scheduled_backups(&backups) {
        let findings = db::backup::inspect_sqlite_file(&file)
            .await
            .expect("readable");
        assert!(findings.problems.is_empty() && findings.migration.is_some());
    }
}

#[tokio::test]
async fn postgres_backups_point_to_pg_dump() {
    if let Some(t) = crate::helpers::postgres().await {
        let err = backup::backup(&t.db, &t.url, Path::new("/tmp/brickdesk.dump"))
            .await
            .expect_err("not by Brickdesk");
        let text = err.to_string();
        assert!(
            text.contains("pg_dump --format=custom --file='/tmp/brickdesk.dump'"),
            "{text}"
        );
    }
}
