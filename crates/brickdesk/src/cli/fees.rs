//! `brickdesk fees sync` and `brickdesk fees reconcile`.

use anyhow::Context;
use clap::{Args, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::amazon::connection::{AmazonSetup, explain};
use crate::amazon::fees::{self, FeeError, SyncProgress};
use crate::auth::secrets::SecretBox;
use crate::config::GlobalArgs;
use crate::db::Db;

/// Amazon fees onto sold units.
#[derive(Debug, Clone, Subcommand)]
pub enum FeesCommand {
    /// Fetch Amazon's financial events posted since the last sync (Ctrl-C
    /// stops; the next sync resumes).
    Sync(AmazonArgs),
    /// Share the stored events across sold units (`--dry-run`: show what
    /// would change, write nothing).
    Reconcile {
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Where Amazon is, when not the seller's region.
#[derive(Debug, Clone, Args)]
pub struct AmazonArgs {
    /// SP-API base URL instead of the region's host (e.g. a `brickdesk sim`).
    #[arg(long, env = "BRICKDESK_AMAZON_API_URL")]
    pub amazon_api_url: Option<String>,
    /// LWA token URL instead of Amazon's.
    #[arg(long, env = "BRICKDESK_AMAZON_LWA_URL")]
    pub amazon_lwa_url: Option<String>,
}

/// Runs a fees subcommand.
pub async fn run(global: &GlobalArgs, db: &Db, cmd: FeesCommand) -> anyhow::Result<()> {
    match cmd {
        FeesCommand::Sync(args) => {
            let secrets =
                SecretBox::load_or_create(global.secret_key.as_deref(), &global.data_dir)?;
            let setup = AmazonSetup {
                demo_sim: None,
                api_url_override: args.amazon_api_url,
                lwa_url_override: args.amazon_lwa_url,
                backfill_report_threshold: None,
            };
            let client = setup
                .client(db, &secrets)
                .await?
                .context("Amazon not configured: save credentials at /settings/amazon first")?;
            let cancel = CancellationToken::new();
            let stop = cancel.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            let report = |p: &SyncProgress| {
                eprint!(
                    "\rwindow {}/{}: {} page(s), {} event line(s), {} new   ",
                    p.windows_done, p.windows_total, p.pages, p.events_seen, p.events_new
                );
            };
            match fees::sync(db, &client, &cancel, &report).await {
                Ok(p) => {
                    eprintln!();
                    println!(
                        "{} event line(s) fetched, {} new. {} item(s) missing fee data; run `brickdesk fees reconcile`.",
                        p.events_seen,
                        p.events_new,
                        crate::db::fees::count_missing(db).await?
                    );
                    Ok(())
                }
                Err(FeeError::Cancelled(p)) => {
                    eprintln!();
                    anyhow::bail!(
                        "stopped after {} of {} window(s); the next sync resumes from there",
                        p.windows_done,
                        p.windows_total
                    )
                }
                Err(FeeError::Amazon(e)) => anyhow::bail!(explain(&e)),
                Err(other) => Err(other.into()),
            }
        }
        FeesCommand::Reconcile { dry_run: true } => {
            let plan = fees::preview(db).await?;
            for c in &plan.changes {
                println!(
                    "unit {} ({} {}), order {}: net {} -> {} ({})",
                    c.inventory_item_id,
                    c.set_number,
                    c.item_name,
                    c.amazon_order_id,
                    c.current
                        .as_ref()
                        .map_or_else(|| "none".to_owned(), |f| f.net_minor.to_string()),
                    c.new.net_minor,
                    c.new.state
                );
            }
            for s in &plan.skipped {
                println!("unit {} skipped: {}", s.inventory_item_id, s.reason);
            }
            println!(
                "would update {} item(s); {} unchanged; {} not posted yet",
                plan.changes.len(),
                plan.unchanged,
                plan.not_posted
            );
            Ok(())
        }
        FeesCommand::Reconcile { dry_run: false } => {
            let report = fees::run(db, None).await?;
            for s in &report.skipped {
                println!("unit {} skipped: {}", s.inventory_item_id, s.reason);
            }
            println!("{}", report.message);
            Ok(())
        }
    }
}
