//! `brickdesk sync` and `brickdesk backfill`: run the job in this process
//! (or follow the one another process runs) with an indicatif progress
//! bar. Ctrl-C stops a job this command started.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{AmazonArgs, BackfillArgs, GlobalArgs, SyncArgs};
use crate::amazon::backfill::BackfillJob;
use crate::amazon::connection::AmazonSetup;
use crate::amazon::sync::{SyncJob, SyncParams};
use crate::amazon::{AmazonAccess, backfill};
use crate::auth::secrets::SecretBox;
use crate::db::Db;
use crate::db::jobs::{self as store, JobRow};
use crate::domain::JobState;
use crate::jobs::{Job, Jobs, Started};

/// How a command reaches Amazon: the stored credentials, at the URLs of
/// `amazon` when given.
pub(crate) fn setup(amazon: &AmazonArgs) -> AmazonSetup {
    AmazonSetup {
        demo_sim: None,
        api_url_override: amazon.amazon_api_url.clone(),
        lwa_url_override: amazon.amazon_lwa_url.clone(),
        backfill_report_threshold: None,
    }
}

pub(crate) fn jobs_for(global: &GlobalArgs, db: &Db, amazon: &AmazonArgs) -> anyhow::Result<Jobs> {
    let secrets = SecretBox::load_or_create(global.secret_key.as_deref(), &global.data_dir)?;
    let setup = setup(amazon);
    let jobs = Jobs::new(db.clone());
    crate::amazon::register_jobs(
        &jobs,
        &AmazonAccess::new(Arc::new(setup), secrets, db.clone()),
    );
    Ok(jobs)
}

/// `brickdesk sync`.
pub async fn sync(global: &GlobalArgs, db: &Db, args: SyncArgs) -> anyhow::Result<()> {
    let params = SyncParams {
        api: args.api,
        window_days: args.window_days.max(1),
        until: None,
    };
    let jobs = jobs_for(global, db, &args.amazon)?;
    let job = follow::<SyncJob>(&jobs, params, "orders").await?;
    let counts = job.detail::<SyncJob>()?.counts;
    println!(
        "Sync {}: {} new, {} updated, {} unchanged, {} failed.",
        job.state, counts.new, counts.updated, counts.unchanged, counts.failed
    );
    finish(&job)
}

/// `brickdesk backfill`.
pub async fn backfill(global: &GlobalArgs, db: &Db, args: BackfillArgs) -> anyhow::Result<()> {
    let params = backfill::BackfillParams {
        api: args.api,
        mode: args.mode,
        report_threshold: Some(args.report_threshold),
    };
    let jobs = jobs_for(global, db, &args.amazon)?;
    let job = follow::<BackfillJob>(&jobs, params, "orders").await?;
    println!(
        "Backfill {}: {}/{} orders, {} success, {} failed.",
        job.state,
        job.progress.processed,
        job.progress.total,
        job.progress.success,
        job.progress.failed
    );
    finish(&job)
}

pub(crate) fn finish(job: &JobRow) -> anyhow::Result<()> {
    let errors = job.errors()?;
    for e in errors.iter().rev().take(10).rev() {
        eprintln!("  error: {e}");
    }
    match job.state {
        JobState::Done | JobState::Stopped => Ok(()),
        other => anyhow::bail!("the job ended {other}"),
    }
}

/// Starts the job (or finds the live one) and shows its progress until
/// it ends. Ctrl-C stops a job this process runs.
pub(crate) async fn follow<J: Job>(
    jobs: &Jobs,
    params: J::Params,
    unit: &str,
) -> anyhow::Result<JobRow> {
    let kind = J::KIND;
    let started = jobs.start::<J>(params).await?;
    let (id, ours) = match &started {
        Started::New(j) => (j.id, true),
        Started::AlreadyRunning(j) => {
            eprintln!(
                "A {kind} is already running (job {}, held by {}); following it.",
                j.id,
                j.owner.as_deref().unwrap_or("?")
            );
            (j.id, false)
        }
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {kind} [{{bar:40}}] {{pos}}/{{len}} {unit} {{msg}} ({{elapsed}}, ~{{eta}} left)"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut interrupted = false;
    let job = loop {
        let job = store::get(jobs.db(), id)
            .await?
            .context("the job vanished")?;
        bar.set_length(job.progress.total.max(0) as u64);
        bar.set_position(job.progress.processed.max(0) as u64);
        let note = match job.state {
            JobState::RateLimited => " — rate limit reached, waiting".to_owned(),
            JobState::Stopping => " — stopping".to_owned(),
            _ => String::new(),
        };
        bar.set_message(format!(
            "{} ok, {} failed{note}",
            job.progress.success, job.progress.failed
        ));
        if !job.is_live() {
            break job;
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                if ours {
                    bar.println("Stopping…");
                    jobs.stop(kind).await?;
                } else {
                    bar.abandon_with_message("detached; the job goes on in the other process");
                    return store::get(jobs.db(), id).await?.context("the job vanished");
                }
            }
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    };
    bar.finish_and_clear();
    Ok(job)
}
