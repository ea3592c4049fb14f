//! The fees job stopped, or interrupted by its process going away, in
//! the middle of its fetch: a later run (a new one after a stop, the same
//! one resumed from its cursor after an interruption) ends with the same
//! report and the same figures on every unit as a run never interrupted.

use std::time::Duration;

use brickdesk::amazon::fees::{FeesJob, FeesParams, FeesStatus, Figures, RunReport};
use brickdesk::db::jobs as store;
use brickdesk::db::{self, Db};
use brickdesk::domain::{InventoryItemId, JobId, JobState};
use brickdesk::jobs::{Job, Jobs};
use spapi_sim::{FaultSpec, RunningSim};
use time::OffsetDateTime;

use super::{ago, order, run_job, sell, shipment, sim, start_job};
use crate::amazon_sync::jobs_for;
use crate::helpers::on_both_backends;

/// Two orders whose sales fall in different posted-date windows: one
/// placed 300 days ago (so a first fetch has two windows), one five days
/// ago; both sold. Returns the simulator and the units, in order.
async fn seller(db: &Db) -> (RunningSim, Vec<InventoryItemId>) {
    let sim = sim().await;
    let mut old = order("203-0000051-0000051", &[("50000000000051", 2, 1999)]);
    old.created = OffsetDateTime::now_utc() - time::Duration::days(300);
    old.last_updated = old.created + time::Duration::days(1);
    let new = order("203-0000052-0000052", &[("50000000000052", 1, 4999)]);
    let old_sale = shipment(
        "t51",
        &old,
        old.created + time::Duration::days(2),
        399,
        &[("Commission", -612)],
    );
    let new_sale = shipment("t52", &new, ago(60 * 30), 0, &[("Commission", -765)]);
    sim.update_seller(|s| {
        s.upsert_order(old.clone());
        s.upsert_order(new.clone());
        s.add_event(old_sale);
        s.add_event(new_sale);
    });
    let mut units: Vec<InventoryItemId> = sell(db, &old, 900).await.concat();
    units.extend(sell(db, &new, 2000).await.concat());
    (sim, units)
}

async fn figures(db: &Db, units: &[InventoryItemId]) -> Vec<Option<Figures>> {
    let mut out = Vec::new();
    for unit in units {
        let row = db::fees::fees_of(db, *unit).await.expect("read fees");
        out.push(row.as_ref().map(Figures::from_row));
    }
    out
}

/// The report and figures of a run never interrupted, on a database of
/// its own.
async fn uninterrupted() -> (RunReport, Vec<Option<Figures>>) {
    let t = crate::helpers::sqlite().await;
    let (sim, units) = seller(&t.db).await;
    let job = run_job(&t.db, &sim, FeesParams::default()).await;
    assert_eq!((job.fetch.windows_total, job.fetch.pages), (2, 2));
    let report = job.report.expect("reconciled");
    assert_eq!(report.updated, 3, "{report:?}");
    let figures = figures(&t.db, &units).await;
    assert!(
        figures
            .iter()
            .all(|f| f.as_ref().is_some_and(|f| f.state == "reconciled"))
    );
    sim.shutdown().await.expect("stop sim");
    (report, figures)
}

/// Starts a fees job and waits until it has stored its first window.
/// The second request (the second window's first page) answers slowly, so
/// the job is then certainly mid-way.
async fn started_mid_way(db: &Db, sim: &RunningSim) -> (Jobs, JobId) {
    sim.set_faults(FaultSpec::parse("slow@10s#2").expect("fault spec"));
    let jobs = jobs_for(db, sim);
    let id = start_job(&jobs).await;
    let wait = async {
        loop {
            let row = store::get(db, id).await.expect("read job").expect("job");
            let job = FeesStatus::from_row(&row).expect("a fees job");
            if job.fetch.windows_done >= 1 {
                return;
            }
            assert!(job.is_running, "ended before its first window: {row:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the first window is stored");
    (jobs, id)
}

async fn a_stopped_fees_job_then_a_new_run_end_as_an_uninterrupted_run(db: &Db) {
    let (expected, expected_figures) = uninterrupted().await;
    let (sim, units) = seller(db).await;
    let (jobs, id) = started_mid_way(db, &sim).await;
    jobs.stop(FeesJob::KIND).await.expect("stop");
    let row = tokio::time::timeout(Duration::from_secs(30), jobs.wait(id))
        .await
        .expect("the job stops")
        .expect("job row");
    assert_eq!(row.state, JobState::Stopped, "{row:?}");
    let stopped = FeesStatus::from_row(&row).expect("a fees job");
    assert_eq!(
        (stopped.fetch.windows_total, stopped.fetch.windows_done),
        (2, 1)
    );
    assert_eq!(stopped.report, None, "stopped before reconciling");
    assert_eq!(
        db::fees::count_events(db).await.expect("count"),
        1,
        "the first window's event is kept"
    );
    assert_eq!(db::fees::count_missing(db).await.expect("missing"), 3);

    sim.set_faults(FaultSpec::default());
    let second = run_job(db, &sim, FeesParams::default()).await;
    assert_ne!(second.id, id);
    assert_eq!(second.report.as_ref(), Some(&expected));
    assert_eq!(figures(db, &units).await, expected_figures);
    assert_eq!(db::fees::count_events(db).await.expect("count"), 2);
    sim.shutdown().await.expect("stop sim");
}

async fn an_interrupted_fees_job_resumes_from_its_cursor(db: &Db) {
    let (expected, expected_figures) = uninterrupted().await;
    let (sim, units) = seller(db).await;
    let (first, id) = started_mid_way(db, &sim).await;
    // The process goes away: its job is left interrupted with its cursor.
    first.shutdown(Duration::from_secs(5)).await;
    let row = store::get(db, id).await.expect("read").expect("job");
    assert_eq!(row.state, JobState::Interrupted, "{row:?}");
    assert!(row.progress.cursor.is_some());

    sim.set_faults(FaultSpec::default());
    let calls = |sim: &RunningSim| {
        sim.stats()
            .by_operation
            .get("listFinancialEvents")
            .copied()
            .unwrap_or(0)
    };
    let before = calls(&sim);
    let second = jobs_for(db, &sim);
    let resumed = second.recover().await.expect("recover");
    assert_eq!(resumed.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    let row = tokio::time::timeout(Duration::from_secs(60), second.wait(id))
        .await
        .expect("the resumed job ends")
        .expect("job row");
    assert_eq!(row.state, JobState::Done, "{row:?}");
    let job = FeesStatus::from_row(&row).expect("a fees job");
    assert_eq!(
        (job.fetch.windows_done, job.fetch.pages),
        (2, 2),
        "one page per window, across both processes"
    );
    assert_eq!(calls(&sim) - before, 1, "resumed at the second window");
    assert_eq!(job.report.as_ref(), Some(&expected));
    assert_eq!(figures(db, &units).await, expected_figures);
    sim.shutdown().await.expect("stop sim");
}

on_both_backends! {
    stopped_then_run_again => a_stopped_fees_job_then_a_new_run_end_as_an_uninterrupted_run;
    interrupted_then_resumed => an_interrupted_fees_job_resumes_from_its_cursor;
}
