//! Backups and restores of the SQLite database (README "Backup and
//! restore"). A backup is a consistent copy taken while the server goes
//! on serving; a restore replaces the database of a stopped data folder
//! with a checked copy and keeps the previous one aside. On PostgreSQL
//! `pg_dump` is the tool, and the command says how to call it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::db::{self, Db, DbError};

/// The file in a data folder that a serving process holds a shared lock
/// on, and a restore an exclusive one.
const LOCK_FILE: &str = "brickdesk.lock";

/// What the secret key is for, said with every backup: it is not in it.
pub const SECRET_KEY_REMINDER: &str = "The secret key (BRICKDESK_SECRET_KEY, else secret.key in the data \
     folder) is not in the backup: without it the stored Amazon credentials cannot be read \
     and must be entered again. Keep a copy of it apart from the backups.";

/// A backup or restore that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database is PostgreSQL: `pg_dump` backs it up.
    #[error(
        "this database is PostgreSQL: back it up with pg_dump, e.g.\n  {command}\nand restore it with pg_restore"
    )]
    Postgres {
        /// The `pg_dump` command for the configured database.
        command: String,
    },
    /// The target file exists already.
    #[error("{0} exists already; choose a new file name")]
    Exists(PathBuf),
    /// A server is using the data folder.
    #[error(
        "a Brickdesk server is using {0}; stop it first (a backup can be taken while it runs, a restore cannot)"
    )]
    InUse(PathBuf),
    /// The file to restore is not a sound Brickdesk database.
    #[error("{path} cannot be restored: {reason}; nothing was replaced")]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be read, written or moved.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// The `pg_dump` command that backs up the PostgreSQL database `url`
/// into `out` (custom format, for `pg_restore`).
pub fn pg_dump_command(url: &str, out: &Path) -> String {
    format!(
        "pg_dump --format=custom --file='{}' '{}'",
        out.display(),
        url
    )
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct BackupDone {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Copies the database of `database_url` to `out` while the server may
/// go on writing. The copy is written beside `out` and renamed into
/// place when complete, so `out` is never a partial file.
pub async fn backup(db: &Db, database_url: &str, out: &Path) -> Result<BackupDone, BackupError> {
    if !matches!(db, Db::Sqlite(_)) {
        return Err(BackupError::Postgres {
            command: pg_dump_command(database_url, out),
        });
    }
    if out.exists() {
        return Err(BackupError::Exists(out.to_path_buf()));
    }
    let partial = with_suffix(out, ".partial");
    // A partial file left by a backup that was killed is of no use.
    let _ = std::fs::remove_file(&partial);
    if let Err(e) = db::backup::sqlite_copy_to(db, &partial).await {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io_error(format!("flushing {}", partial.display())))?;
    std::fs::rename(&partial, out)
        .map_err(io_error(format!("moving the copy to {}", out.display())))?;
    let bytes = std::fs::metadata(out)
        .map_err(io_error(format!("reading {}", out.display())))?
        .len();
    Ok(BackupDone {
        path: out.to_path_buf(),
        bytes,
    })
}

/// A lock on a data folder: shared while a server serves from it,
/// exclusive while a restore replaces its database. Released on drop.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// The lock a serving process holds; several servers may share it.
    pub fn shared(data_dir: &Path) -> Result<DataDirLock, BackupError> {
        Self::take(data_dir, rustix::fs::FlockOperation::NonBlockingLockShared)
    }

    /// The lock a restore holds; refused while any server holds its own.
    pub fn exclusive(data_dir: &Path) -> Result<DataDirLock, BackupError> {
        Self::take(
            data_dir,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        )
    }

    fn take(data_dir: &Path, how: rustix::fs::FlockOperation) -> Result<DataDirLock, BackupError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| DbError::DataDir(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(format!("opening {}", path.display())))?;
        match rustix::fs::flock(&file, how) {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                Err(BackupError::InUse(data_dir.to_path_buf()))
            }
            Err(e) => Err(BackupError::Io {
                what: format!("locking {}", path.display()),
                source: e.into(),
            }),
        }
    }
}

/// A finished restore.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Where the database that was replaced now is (`None`: there was none).
    pub previous: Option<PathBuf>,
    /// The migration level of the file restored.
    pub from_migration: i64,
    /// The level after this build's newer migrations ran.
    pub migration: i64,
}

/// Replaces the SQLite database `database` of the stopped data folder
/// `data_dir` with the backup `file`: refused while a server holds the
/// folder, and refused, with nothing replaced, unless the file passes
/// SQLite's integrity check and is a Brickdesk database no newer than this
/// build. The database replaced is kept beside it; newer migrations run.
pub async fn restore(
    data_dir: &Path,
    database: &Path,
    file: &Path,
) -> Result<Restored, BackupError> {
    let _lock = DataDirLock::exclusive(data_dir)?;
    let refuse = |reason: String| BackupError::Refused {
        path: file.to_path_buf(),
        reason,
    };
    if !file.is_file() {
        return Err(refuse("there is no such file".into()));
    }
    let findings = db::backup::inspect_sqlite_file(file).await.map_err(|e| {
        // The driver's own words ("file is not a database") say why.
        let cause = std::error::Error::source(&e).map_or(e.to_string(), ToString::to_string);
        refuse(format!("it does not read as a SQLite database ({cause})"))
    })?;
    if !findings.problems.is_empty() {
        return Err(refuse(format!(
            "SQLite's integrity check failed: {}",
            findings.problems.join("; ")
        )));
    }
    let Some(from_migration) = findings.migration else {
        return Err(refuse("it is not a Brickdesk database".into()));
    };
    let newest = db::backup::newest_sqlite_migration();
    if from_migration > newest {
        return Err(refuse(format!(
            "it was written by a newer Brickdesk (migration {from_migration}; this one knows up to {newest}): upgrade Brickdesk first"
        )));
    }
    let incoming = with_suffix(database, ".restoring");
    std::fs::copy(file, &incoming)
        .and_then(|_| File::open(&incoming)?.sync_all())
        .map_err(io_error(format!(
            "copying {} into the data folder",
            file.display()
        )))?;
    let previous = set_aside(database)?;
    if let Err(e) = std::fs::rename(&incoming, database) {
        put_back(database, previous.as_deref());
        return Err(io_error(format!(
            "moving the copy to {}",
            database.display()
        ))(e));
    }
    let db = Db::connect(&format!("sqlite://{}", database.display())).await?;
    let migrated = db.migrate().await;
    db.close().await;
    migrated?;
    Ok(Restored {
        previous,
        from_migration,
        migration: newest,
    })
}

/// Moves `database` and its WAL files aside under one timestamped name;
/// the new name of the database, if there was one.
fn set_aside(database: &Path) -> Result<Option<PathBuf>, BackupError> {
    if !database.exists() {
        return Ok(None);
    }
    let stamp = OffsetDateTime::now_utc().format(STAMP).unwrap_or_default();
    let aside = with_suffix(database, &format!(".before-restore-{stamp}"));
    for extra in ["-wal", "-shm"] {
        let from = with_suffix(database, extra);
        if from.exists() {
            let to = with_suffix(&aside, extra);
            std::fs::rename(&from, &to)
                .map_err(io_error(format!("moving {} aside", from.display())))?;
        }
    }
    std::fs::rename(database, &aside)
        .map_err(io_error(format!("moving {} aside", database.display())))?;
    Ok(Some(aside))
}

/// Undoes [`set_aside`] after a failed restore, as far as it can.
fn put_back(database: &Path, aside: Option<&Path>) {
    let Some(aside) = aside else { return };
    for extra in ["", "-wal", "-shm"] {
        let from = with_suffix(aside, extra);
        if from.exists() {
            let _ = std::fs::rename(&from, with_suffix(database, extra));
        }
    }
}

/// `path` with `suffix` added to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where scheduled backups go in a data folder.
pub fn scheduled_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// When a backup was taken, or a database set aside, in its file name:
/// `brickdesk-20261206T183000Z.db`.
const STAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// The scheduled backups in `dir`, oldest first, with when each was
/// taken (read from its name; other files are not counted).
pub fn scheduled_backups(dir: &Path) -> Vec<(OffsetDateTime, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(OffsetDateTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stamp = name.strip_prefix("brickdesk-")?.strip_suffix(".db")?;
            let at = time::PrimitiveDateTime::parse(stamp, STAMP)
                .ok()?
                .assume_utc();
            Some((at, entry.path()))
        })
        .collect();
    found.sort();
    found
}

/// Takes the backup of `now` into `dir`, then deletes the oldest
/// scheduled backups beyond `keep`.
pub async fn take_scheduled(
    db: &Db,
    dir: &Path,
    keep: usize,
    now: OffsetDateTime,
) -> Result<BackupDone, BackupError> {
    std::fs::create_dir_all(dir).map_err(io_error(format!("creating {}", dir.display())))?;
    let stamp = now.format(STAMP).unwrap_or_default();
    let done = backup(db, "", &dir.join(format!("brickdesk-{stamp}.db"))).await?;
    let kept = scheduled_backups(dir);
    for (_, old) in kept.iter().take(kept.len().saturating_sub(keep)) {
        std::fs::remove_file(old).map_err(io_error(format!("deleting {}", old.display())))?;
    }
    Ok(done)
}

/// Backs the SQLite database up into `DATA_DIR/backups` every
/// `schedule.every` while the server runs, at once when the newest
/// backup is older than that.
pub fn spawn_scheduled(
    db: Db,
    data_dir: &Path,
    schedule: crate::config::BackupSchedule,
) -> tokio::task::JoinHandle<()> {
    let dir = scheduled_dir(data_dir);
    tokio::spawn(async move {
        loop {
            let now = OffsetDateTime::now_utc();
            let due = scheduled_backups(&dir)
                .last()
                .map_or(now, |(at, _)| *at + schedule.every);
            if due > now {
                tokio::time::sleep((due - now).try_into().unwrap_or_default()).await;
                continue;
            }
            match take_scheduled(&db, &dir, schedule.keep, now).await {
                Ok(done) => {
                    tracing::info!(path = %done.path.display(), bytes = done.bytes, "backup taken")
                }
                Err(e) => {
                    let error = format!("{:#}", anyhow::Error::new(e));
                    tracing::warn!(error, "scheduled backup failed; trying again later");
                    // A full disk or a lost folder is not mended by retrying at once.
                    let pause = schedule.every.min(std::time::Duration::from_secs(300));
                    tokio::time::sleep(pause).await;
                }
            }
        }
    })
}
