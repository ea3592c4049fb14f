//! Scheduled runs against the real simulator, on SQLite and PostgreSQL:
//! two processes looking at one schedule at the same moments run each
//! interval's sync once; a failed run is tried again sooner, backing off;
//! a scheduled sync of v0 headers is followed by their backfill; and the
//! app syncs by itself, without a click, and says when it will next.

use std::time::Duration;

use brickdesk::amazon::backfill::BackfillJob;
use brickdesk::amazon::connection::SimEndpoints;
use brickdesk::amazon::sync::SyncJob;
use brickdesk::db::Db;
use brickdesk::db::schedules;
use brickdesk::domain::JobState;
use brickdesk::jobs::Job;
use brickdesk::schedule::{Scheduled, Scheduler};
use time::OffsetDateTime;

use crate::amazon_sync::{
    SAFETY_NET, headers_only, jobs_for, jobs_reaching, missing_items, sim, stored_orders, truth_via,
};
use crate::helpers::{get_text, on_both_backends};
use crate::promises::{api_get, app_on_sim_configured};

const HOUR: Duration = Duration::from_secs(3_600);

/// Sync jobs stored, oldest first: (state, started).
async fn sync_jobs(db: &Db) -> Vec<JobState> {
    let rows: Vec<(JobState,)> = db
        .all(
            &sea_query::Query::select()
                .column(sea_query::Alias::new("state"))
                .from(sea_query::Alias::new("jobs"))
                .and_where(sea_query::ExprTrait::eq(
                    sea_query::Expr::col(sea_query::Alias::new("kind")),
                    "sync",
                ))
                .order_by(sea_query::Alias::new("id"), sea_query::Order::Asc)
                .to_owned(),
        )
        .await
        .expect("sync jobs");
    rows.into_iter().map(|(s,)| s).collect()
}

async fn two_processes_run_each_interval_once(db: &Db) {
    let sim = sim(40, 400.0, "").await;
    // Two job machineries on one database: two owners, as two processes.
    let (a, b) = (
        Scheduler::new(jobs_for(db, &sim), true),
        Scheduler::new(jobs_for(db, &sim), true),
    );
    let t0 = OffsetDateTime::now_utc();
    let mut winners = Vec::new();
    for round in 0..4u32 {
        let at = t0 + HOUR * round;
        let (ra, rb) = tokio::join!(
            a.run_due(Scheduled::Sync, HOUR, at),
            b.run_due(Scheduled::Sync, HOUR, at)
        );
        let (ra, rb) = (ra.expect("a looks"), rb.expect("b looks"));
        assert!(
            ra.is_some() != rb.is_some(),
            "round {round}: exactly one process runs it ({ra:?} / {rb:?})"
        );
        winners.push(ra.is_some());
        let ended = ra.or(rb).expect("the run");
        assert_eq!(ended.state, JobState::Done, "{ended:?}");
        // Half an interval later nothing is due, in either process.
        let half = at + HOUR / 2;
        let (ra, rb) = tokio::join!(
            a.run_due(Scheduled::Sync, HOUR, half),
            b.run_due(Scheduled::Sync, HOUR, half)
        );
        assert!(ra.expect("a looks").is_none() && rb.expect("b looks").is_none());
    }
    assert_eq!(
        sync_jobs(db).await,
        [JobState::Done; 4],
        "one sync per interval"
    );
    let schedule = schedules::get(db, SyncJob::KIND)
        .await
        .expect("read")
        .expect("set up");
    assert_eq!(schedule.failures, 0);
    assert_eq!(schedule.next_at, brickdesk::db::stored_time(t0 + HOUR * 4));
    assert_eq!(
        stored_orders(db).await,
        truth_via(&sim, true).0,
        "the first run synced"
    );
    sim.shutdown().await.unwrap();
}

async fn a_failed_run_retries_sooner_and_backs_off(db: &Db) {
    let sim = sim(10, 400.0, "").await;
    // Amazon's login refuses this process: every sync it starts fails.
    let (refused, _) = jobs_reaching(
        db,
        SimEndpoints {
            api_base_url: sim.base_url(),
            lwa_token_url: format!("{}/auth/o2/nowhere", sim.base_url()),
            time_scale: sim.config().time_scale,
        },
    );
    let failing = Scheduler::new(refused, true);
    let t0 = OffsetDateTime::now_utc();
    let at = |seconds: i64| t0 + time::Duration::seconds(seconds);
    let schedule = || async {
        schedules::get(db, SyncJob::KIND)
            .await
            .expect("read")
            .expect("set up")
    };
    // Fails at 0 s: tried again 30 s after, then 60 s after the second.
    for (start, failures, retry) in [(0, 1, 30), (30, 2, 90)] {
        if start > 0 {
            let early = failing.run_due(Scheduled::Sync, HOUR, at(start - 1)).await;
            assert!(early.expect("looks").is_none(), "not due before {start} s");
        }
        let ended = failing
            .run_due(Scheduled::Sync, HOUR, at(start))
            .await
            .expect("looks")
            .expect("due");
        assert_eq!(ended.state, JobState::Failed, "{ended:?}");
        let s = schedule().await;
        assert_eq!(
            (s.failures, s.next_at),
            (failures, brickdesk::db::stored_time(at(retry))),
            "after the failure at {start} s"
        );
        assert_eq!(s.job_id, Some(ended.id));
    }
    // A process that reaches Amazon runs the retry; the count starts again.
    let working = Scheduler::new(jobs_for(db, &sim), true);
    assert!(
        working
            .run_due(Scheduled::Sync, HOUR, at(89))
            .await
            .expect("looks")
            .is_none()
    );
    let ended = working
        .run_due(Scheduled::Sync, HOUR, at(90))
        .await
        .expect("looks")
        .expect("due");
    assert_eq!(ended.state, JobState::Done, "{ended:?}");
    let s = schedule().await;
    assert_eq!(s.failures, 0);
    assert_eq!(s.next_at, brickdesk::db::stored_time(at(90) + HOUR));
    sim.shutdown().await.unwrap();
}

async fn a_scheduled_sync_backfills_orders_without_lines(db: &Db) {
    // A v0 sync left every order without its lines.
    let (sim, jobs) = headers_only(db, 30, 400.0, "").await;
    let headers = stored_orders(db).await.len();
    assert!(headers > 20, "{headers} orders stored");
    assert_eq!(missing_items(db).await, headers as i64);
    let scheduler = Scheduler::new(jobs.clone(), true);
    let ended = scheduler
        .run_due(Scheduled::Sync, HOUR, OffsetDateTime::now_utc() + HOUR)
        .await
        .expect("looks")
        .expect("due an interval after the first sync");
    assert_eq!(ended.state, JobState::Done);
    let backfill = jobs
        .latest(BackfillJob::KIND)
        .await
        .expect("read")
        .expect("a backfill was started after the sync");
    let backfill = tokio::time::timeout(SAFETY_NET, jobs.wait(backfill.id))
        .await
        .expect("the backfill ends")
        .expect("row");
    assert_eq!(backfill.state, JobState::Done, "{backfill:?}");
    assert_eq!(missing_items(db).await, 0);
    sim.shutdown().await.unwrap();
}

on_both_backends! {
    two_processes_on_one_database_run_each_interval_once => two_processes_run_each_interval_once;
    a_failed_scheduled_run_retries_sooner_and_backs_off => a_failed_run_retries_sooner_and_backs_off;
    a_scheduled_sync_backfills_orders_without_lines => a_scheduled_sync_backfills_orders_without_lines;
}

#[tokio::test]
async fn the_app_syncs_by_itself_and_says_when_next() {
    let sim = sim(25, 400.0, "").await;
    let (app, token) = app_on_sim_configured(crate::helpers::sqlite().await, &sim, |c| {
        c.sync_every = Some(Duration::from_secs(60));
    })
    .await;
    // Nobody clicks Sync Orders: the schedule's first run syncs.
    let synced = async {
        loop {
            let body = api_get(&app, &token, "/api/integrations/amazon/sync").await;
            if body["state"] == "done" {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let body = tokio::time::timeout(SAFETY_NET, synced)
        .await
        .expect("a scheduled sync ran");
    let orders = truth_via(&sim, true).0.len();
    assert_eq!(body["new"], orders, "{body}");
    let next = body["nextSyncAt"].as_str().expect("the next run is given");
    let next = OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let wait = next - OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::seconds(30) && wait <= time::Duration::seconds(60),
        "next run an interval after this one: {wait}"
    );
    let (client, _) = app.sign_in("owner", crate::helpers::PASSWORD).await;
    let page = get_text(&client, format!("{}/orders/amazon", app.address)).await;
    assert!(
        page.contains("Last synced just now · next in "),
        "the page says when: {page}"
    );
    sim.shutdown().await.unwrap();
}
