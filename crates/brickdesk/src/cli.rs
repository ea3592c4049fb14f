//! Runs the subcommands.

mod accounts;
mod bench;
mod inventory;

use anyhow::Context;

use crate::config::{Cli, Command, Config};
use crate::db::{self, Db};
use crate::startup::Application;

/// Runs the command the user asked for on a fresh Tokio runtime.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Serve(serve)) => {
                let config = Config::from_args(&cli.global, &serve)?;
                let app = Application::build(config).await?;
                app.run_until_stopped().await.context("serving HTTP")
            }
            Some(Command::Migrate) => {
                let database = open(&cli.global).await?;
                database.close().await;
                println!(
                    "migrations applied to {}",
                    db::redact(&cli.global.resolved_database_url())
                );
                Ok(())
            }
            Some(Command::User(cmd)) => accounts::user(&open(&cli.global).await?, cmd).await,
            Some(Command::Token(cmd)) => accounts::token(&open(&cli.global).await?, cmd).await,
            Some(Command::Inventory(cmd)) => inventory::run(&open(&cli.global).await?, cmd).await,
            Some(Command::Bench(cmd)) => bench::run(&cli.global, cmd).await,
            None => anyhow::bail!("no command given; try `brickdesk serve`"),
        }
    })
}

/// Connects to the configured database and brings its schema up to date.
async fn open(global: &crate::config::GlobalArgs) -> anyhow::Result<Db> {
    let database = Db::connect(&global.resolved_database_url()).await?;
    database.migrate().await?;
    Ok(database)
}
