//! Runs the subcommands.

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
                let url = cli.global.resolved_database_url();
                let database = Db::connect(&url).await?;
                database.migrate().await?;
                database.close().await;
                println!("migrations applied to {}", db::redact(&url));
                Ok(())
            }
            None => unreachable_default(),
        }
    })
}

fn unreachable_default() -> anyhow::Result<()> {
    // `Cli::parse_with_default` always fills in `serve`.
    anyhow::bail!("no command given; try `brickdesk serve`")
}
