//! The `brickdesk` command: its flags ([`args`]) and the subcommands.

mod accounts;
mod amazon;
pub mod args;
mod backup;
mod fees;
pub mod inventory;
mod jobs;

use anyhow::Context;

use crate::db::{self, Db};
use crate::startup::Application;
use args::{Cli, Command, GlobalArgs, SimArgs};

/// Runs the command the user asked for on a fresh Tokio runtime.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // A command that works on the SQLite database holds its data folder
    // as a server does, so a restore cannot swap the file under it.
    let works_on_database = matches!(
        cli.command,
        Some(
            Command::Migrate
                | Command::User(_)
                | Command::Token(_)
                | Command::Inventory(_)
                | Command::Fees(_)
                | Command::Sync(_)
                | Command::Backfill(_)
                | Command::Amazon(_)
        )
    );
    let _lock = match Db::sqlite_file(&cli.global.resolved_database_url()) {
        Some(_) if works_on_database => {
            Some(crate::backup::DataDirLock::shared(&cli.global.data_dir)?)
        }
        _ => None,
    };
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Serve(serve)) => {
                let config = serve.resolve(&cli.global)?;
                let app = Application::build(config).await?;
                app.run_until_stopped().await.context("serving HTTP")
            }
            Some(Command::Openapi) => {
                println!("{}", crate::web::openapi::document_json());
                Ok(())
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
            Some(Command::Sim(args)) => run_sim(args).await,
            Some(Command::User(cmd)) => accounts::user(&open(&cli.global).await?, cmd).await,
            Some(Command::Token(cmd)) => accounts::token(&open(&cli.global).await?, cmd).await,
            Some(Command::Inventory(cmd)) => inventory::run(&open(&cli.global).await?, cmd).await,
            Some(Command::Fees(cmd)) => {
                fees::run(&cli.global, &open(&cli.global).await?, cmd).await
            }
            Some(Command::Sync(args)) => {
                jobs::sync(&cli.global, &open(&cli.global).await?, args).await
            }
            Some(Command::Backfill(args)) => {
                jobs::backfill(&cli.global, &open(&cli.global).await?, args).await
            }
            Some(Command::Amazon(cmd)) => {
                amazon::run(&cli.global, &open(&cli.global).await?, cmd).await
            }
            Some(Command::Backup(args)) => backup::backup(&cli.global, &args).await,
            Some(Command::Restore(args)) => backup::restore(&cli.global, &args).await,
            Some(Command::Healthcheck(args)) => healthcheck(&args.url).await,
            None => anyhow::bail!("no command given; try `brickdesk serve`"),
        }
    })
}

/// Connects to the configured database and brings its schema up to date.
async fn open(global: &GlobalArgs) -> anyhow::Result<Db> {
    let database = Db::connect(&global.resolved_database_url()).await?;
    database.migrate().await?;
    Ok(database)
}

/// Succeeds when `url` answers 200 within five seconds.
async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let resp = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .with_context(|| format!("{url} does not answer"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {body}");
    println!("{body}");
    Ok(())
}

async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    let faults = spapi_sim::FaultSpec::parse(&args.faults).context("--faults")?;
    let marketplaces = spapi_sim::parse_marketplaces(&args.marketplaces)
        .map_err(|e| anyhow::anyhow!("--marketplaces: {e}"))?;
    let config = spapi_sim::SimConfig {
        seed: args.seed,
        orders: args.orders,
        time_scale: args.time_scale,
        faults,
        control_enabled: args.control,
        marketplaces: marketplaces.clone(),
        ..spapi_sim::SimConfig::default()
    };
    let sim = spapi_sim::SimServer::spawn(config, args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    println!(
        "SP-API simulator on {} ({} orders, seed {}, time x{})",
        sim.base_url(),
        args.orders,
        args.seed,
        args.time_scale
    );
    println!("  LWA token URL: {}", sim.lwa_token_url());
    println!("  client id:     {}", spapi_sim::DEMO_CLIENT_ID);
    println!("  client secret: {}", spapi_sim::DEMO_CLIENT_SECRET);
    println!("  refresh token: {}", spapi_sim::DEMO_REFRESH_TOKEN);
    println!("  marketplaces:  {}", marketplaces.join(","));
    let stop = sim.shutdown_token();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    sim.serve_forever().await.context("serving the simulator")
}
