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

use crate::helpers::TestApp;

/// Units created through the API by 16 clients until `stop` is set.
fn spawn_writers(
    app: &TestApp,
    owner: &reqwest::Client,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    (0..16)
        .map(|client| {
            let (owner, stop) = (owner.clone(), Arc::clone(stop));
            let api = format!("{}/api/inventory", app.address);
            tokio::spawn(async move {
                let mut created = 0;
                while !stop.load(Ordering::Relaxed) {
                    let unit = json!({ "set_number": format!("9{client:02}{created:04}"), "item_name": "Backup test",
                                       "condition": "New", "status": "LISTED", "cost": "10.00" });
                    let resp = owner.post(&api).json(&unit).send().await.expect("create");
                    assert_eq!(resp.status(), 201, "a unit is created while the backup runs");
                    created += 1;
                }
                created
            })
        })
        .collect()
}

/// One number a query on `db` answers.
async fn number(db: &Db, sql: &'static str) -> i64 {
    let Db::Sqlite(pool) = db else {
        panic!("a SQLite database")
    };
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.expect(sql);
    n
}

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
    let orphans = number(
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
    let links = number(&app.db, "SELECT COUNT(*) FROM order_item_links").await;
    assert!(links > 0, "the demo has linked units to carry over");
    let stop = Arc::new(AtomicBool::new(false));
    let demo_units = units(&app.db).await;
    let writers = spawn_writers(&app, &owner, &stop);
    // Let the writers get going before the copy starts.
    while units(&app.db).await < demo_units + 300 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let folder = tempfile::tempdir().expect("temp dir");
    let out = folder.path().join("copy.db");
    let before = units(&app.db).await;
    let done = backup::backup(&app.db, "sqlite://unused", &out)
        .await
        .expect("backup");
    let after = units(&app.db).await;
    stop.store(true, Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.expect("writer");
    }
    assert!(done.bytes > 0 && out.is_file());
    assert!(written >= 300, "the clients kept writing: {written} units");
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
    let copied = units(&db).await;
    assert!(
        (before..=after).contains(&copied),
        "the copy is the database at one moment of the backup: {before} ≤ {copied} ≤ {after}"
    );
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM order_item_links").await,
        links
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
