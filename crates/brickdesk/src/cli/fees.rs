//! `brickdesk fees sync` (the fees job, in this process) and `brickdesk
//! fees reconcile`.

use super::args::{FeesCommand, GlobalArgs};
use super::jobs::{finish, follow, jobs_for};
use crate::amazon::fees::{self, FeesJob, FeesParams, FeesStatus};
use crate::db::Db;

/// Runs a fees subcommand.
pub async fn run(global: &GlobalArgs, db: &Db, cmd: FeesCommand) -> anyhow::Result<()> {
    match cmd {
        FeesCommand::Sync(args) => {
            let jobs = jobs_for(global, db, &args.amazon)?;
            let params = FeesParams {
                user_id: None,
                fetch_only: args.fetch_only,
            };
            let row = follow::<FeesJob>(&jobs, params, "windows").await?;
            let job = FeesStatus::from_row(&row)?;
            let f = &job.fetch;
            println!(
                "{} event line(s) fetched, {} new ({} could not be read).",
                f.events_seen, f.events_new, f.unreadable_new
            );
            if let Some(why) = &job.fetch_error {
                anyhow::bail!("fees could not be fetched: {why}");
            }
            match &job.report {
                Some(report) => {
                    for s in &report.skipped {
                        println!("unit {} skipped: {}", s.inventory_item_id, s.reason);
                    }
                    println!("{}", report.message);
                }
                None if job.state == crate::domain::JobState::Done => println!(
                    "{} item(s) missing fee data; run `brickdesk fees reconcile`.",
                    crate::db::fees::count_missing(db).await?
                ),
                None => {}
            }
            finish(&row)
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
            if plan.unreadable_events > 0 {
                println!(
                    "{} stored fee event(s) could not be read; their orders' items are skipped",
                    plan.unreadable_events
                );
            }
            println!(
                "{}; nothing was fetched (`brickdesk fees sync` fetches).",
                fees::fetched_up_to_text(fees::watermark(db).await?)
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
