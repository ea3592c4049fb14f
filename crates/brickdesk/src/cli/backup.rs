//! `brickdesk backup` and `brickdesk restore`.

use anyhow::Context;

use super::args::{BackupArgs, GlobalArgs, RestoreArgs};
use crate::backup::{self, SECRET_KEY_REMINDER};
use crate::db::{self, Db};

/// Writes the copy and says where, with the secret key's reminder.
pub async fn backup(global: &GlobalArgs, args: &BackupArgs) -> anyhow::Result<()> {
    let url = global.resolved_database_url();
    // The copy is of the database as it is: no migration runs first.
    let database = Db::connect(&url).await?;
    let done = backup::backup(&database, &url, &args.out).await;
    database.close().await;
    let done = done?;
    println!(
        "backed up {} to {} ({} KiB)",
        db::redact(&url),
        done.path.display(),
        done.bytes.div_ceil(1024)
    );
    println!("{SECRET_KEY_REMINDER}");
    Ok(())
}

/// Restores the file into the configured data folder and says what it did.
pub async fn restore(global: &GlobalArgs, args: &RestoreArgs) -> anyhow::Result<()> {
    let url = global.resolved_database_url();
    let database = Db::sqlite_file(&url).with_context(|| {
        format!(
            "restore replaces a SQLite database; {} is not one (on PostgreSQL use pg_restore)",
            db::redact(&url)
        )
    })?;
    let restored = backup::restore(&global.data_dir, &database, &args.file).await?;
    println!(
        "restored {} into {} (migration {} brought up to {})",
        args.file.display(),
        database.display(),
        restored.from_migration,
        restored.migration
    );
    match restored.previous {
        Some(previous) => println!("the database it replaced is kept as {}", previous.display()),
        None => println!("there was no database to replace"),
    }
    Ok(())
}
