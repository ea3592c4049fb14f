//! "Resume is automatic: a job whose process died (… otherwise a heartbeat
//! older than 10 s) is marked interrupted and resumed from its cursor by
//! the next supervisor pass of any running Brickdesk." The dead process is
//! one on another host (so only its heartbeat can tell): its job rows are
//! written straight into the database, one beating now, one that stopped
//! beating a minute ago. First with a `Jobs` of the test's own, then with
//! the whole application's supervisor and HTTP API.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use brickdesk::db::jobs::{self as store, JobProgress, JobRow};
use brickdesk::db::schema::Jobs as JobsTable;
use brickdesk::db::{Db, stored_time};
use brickdesk::domain::{JobId, JobKind, JobState};
use brickdesk::jobs::{Job, JobContext, JobError, Jobs, Started};
use sea_query::{Expr, ExprTrait, Query};
use serde_json::Value;
use time::OffsetDateTime;

use super::{api_get, app_on_sim, on_both_databases};
use crate::amazon_sync::SAFETY_NET;
use crate::helpers::{TestApp, TestDb, send_json};

/// The owner id of a Brickdesk on another machine: its pid means nothing
/// here, so only the heartbeat says whether it is alive.
const ELSEWHERE: &str = "another-host.example:4242:0badf00d";
/// Older than the 10 s after which a heartbeat is stale.
const LONG_AGO: time::Duration = time::Duration::minutes(1);

/// The kinds of this test's two jobs (its process runs no other job).
const STALE_KIND: JobKind = JobKind::Sync;
const FRESH_KIND: JobKind = JobKind::Backfill;

/// Sets a job's heartbeat to `at`.
async fn beat_at(db: &Db, id: JobId, at: OffsetDateTime) {
    let n = db
        .execute(
            &Query::update()
                .table(JobsTable::Table)
                .value(JobsTable::HeartbeatAt, stored_time(at))
                .and_where(Expr::col(JobsTable::Id).eq(id))
                .to_owned(),
        )
        .await
        .expect("set heartbeat");
    assert_eq!(n, 1);
}

/// A running job of `kind` held by [`ELSEWHERE`], 4 of 10 done, at
/// `cursor`, whose last heartbeat was `age` ago.
async fn left_by_another_host(db: &Db, kind: JobKind, cursor: &str, age: time::Duration) -> JobRow {
    let job = store::insert_running(db, kind, "{}", ELSEWHERE)
        .await
        .expect("insert job");
    let progress = JobProgress {
        total: 10,
        processed: 4,
        success: 4,
        cursor: Some(cursor.to_owned()),
        errors_json: "[]".into(),
        detail_json: "{}".into(),
        ..JobProgress::default()
    };
    let state = store::write_progress(db, job.id, ELSEWHERE, &progress)
        .await
        .expect("progress");
    assert_eq!(state, Some(JobState::Running));
    if age > time::Duration::ZERO {
        beat_at(db, job.id, OffsetDateTime::now_utc() - age).await;
    }
    store::get(db, job.id).await.expect("get").expect("job")
}

/// The other host, alive: it beats its job every half second until
/// dropped (then it is as dead as a SIGKILLed process).
struct Beating(tokio::task::JoinHandle<()>);

impl Beating {
    /// The other host dies: no beat after this returns.
    async fn die(mut self) {
        self.0.abort();
        let _ = (&mut self.0).await;
    }
}

impl Drop for Beating {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn keep_beating(db: &Db, id: JobId) -> Beating {
    let db = db.clone();
    Beating(tokio::spawn(async move {
        loop {
            let state = store::heartbeat(&db, id, ELSEWHERE).await.expect("beat");
            assert_eq!(state, Some(JobState::Running), "still held by its owner");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }))
}

/// A job row without its heartbeat time (which the beating changes).
fn without_beat(row: Option<JobRow>) -> JobRow {
    JobRow {
        heartbeat_at: None,
        ..row.expect("job")
    }
}

/// (kind, cursor it started from) of every run, in order.
type Runs = Arc<Mutex<Vec<(JobKind, Option<String>)>>>;

/// A job of `$kind` that records where it started and ends at once.
macro_rules! recorder {
    ($name:ident, $kind:expr) => {
        struct $name(Runs);

        impl Job for $name {
            const KIND: JobKind = $kind;
            type Params = Value;
            type Detail = Value;

            async fn run(&self, ctx: JobContext<Self>, _params: Value) -> Result<(), JobError> {
                self.0
                    .lock()
                    .expect("runs")
                    .push((ctx.kind(), ctx.cursor()));
                Ok(())
            }
        }
    };
}

recorder!(StaleProbe, STALE_KIND);
recorder!(FreshProbe, FRESH_KIND);

/// This test's process: runners of both kinds that record where they
/// started and end at once.
fn process(db: &Db) -> (Jobs, Runs) {
    let jobs = Jobs::new(db.clone());
    let runs: Runs = Arc::default();
    jobs.register(StaleProbe(Arc::clone(&runs)));
    jobs.register(FreshProbe(Arc::clone(&runs)));
    (jobs, runs)
}

fn runs_of(runs: &Runs) -> Vec<(JobKind, Option<String>)> {
    runs.lock().expect("runs").clone()
}

async fn finished(jobs: &Jobs, id: JobId) -> JobRow {
    tokio::time::timeout(SAFETY_NET, jobs.wait(id))
        .await
        .expect("the job ends")
        .expect("job row")
}

async fn stale_job_resumed_fresh_one_left_alone(t: TestDb) {
    let db = &t.db;
    let stale = left_by_another_host(db, STALE_KIND, "page-7", LONG_AGO).await;
    let fresh = left_by_another_host(db, FRESH_KIND, "page-3", time::Duration::ZERO).await;
    let other_host = keep_beating(db, fresh.id);
    let (jobs, runs) = process(db);
    assert_ne!(jobs.owner(), ELSEWHERE);

    let resumed = jobs.recover().await.expect("supervisor pass");
    let ids: Vec<JobId> = resumed.iter().map(|j| j.id).collect();
    assert_eq!(ids, [stale.id], "only the stale job is resumed");
    assert_eq!(resumed[0].owner.as_deref(), Some(jobs.owner()));
    let done = finished(&jobs, stale.id).await;
    assert_eq!(done.state, JobState::Done, "{done:?}");
    assert_eq!(
        (done.progress.processed, done.progress.total),
        (4, 10),
        "the counts carry over"
    );
    assert_eq!(
        runs_of(&runs),
        [(STALE_KIND, Some("page-7".to_owned()))],
        "resumed once, from its cursor"
    );

    // The fresh one is exactly as its owner left it, and a start of its
    // kind joins it instead of running a second job.
    assert_eq!(
        without_beat(store::get(db, fresh.id).await.expect("get")),
        without_beat(Some(fresh.clone()))
    );
    match jobs.start::<FreshProbe>(serde_json::json!({})).await {
        Ok(Started::AlreadyRunning(live)) => assert_eq!(live.id, fresh.id),
        other => panic!("expected the live job of the other host, got {other:?}"),
    }
    assert_eq!(runs_of(&runs).len(), 1, "nothing else ran");

    // Once its owner dies and stops beating, the next pass resumes it.
    other_host.die().await;
    beat_at(db, fresh.id, OffsetDateTime::now_utc() - LONG_AGO).await;
    let resumed = jobs.recover().await.expect("supervisor pass");
    assert_eq!(resumed.iter().map(|j| j.id).collect::<Vec<_>>(), [fresh.id]);
    assert_eq!(finished(&jobs, fresh.id).await.state, JobState::Done);
    assert_eq!(runs_of(&runs)[1], (FRESH_KIND, Some("page-3".to_owned())));
}

/// A job whose stored parameters its runner cannot read (a hand edit, an
/// older or newer version) is resumed like any other, then fails saying
/// why: it never runs on made-up parameters, and its kind is free again.
async fn unreadable_params_fail_the_resumed_job(t: TestDb) {
    let db = &t.db;
    let job = store::insert_running(db, STALE_KIND, "{\"since\": ", ELSEWHERE)
        .await
        .expect("insert job");
    beat_at(db, job.id, OffsetDateTime::now_utc() - LONG_AGO).await;
    let (jobs, runs) = process(db);

    let resumed = jobs.recover().await.expect("supervisor pass");
    assert_eq!(resumed.iter().map(|j| j.id).collect::<Vec<_>>(), [job.id]);
    let done = finished(&jobs, job.id).await;
    assert_eq!(done.state, JobState::Failed, "{done:?}");
    let errors = done.errors().expect("errors read");
    assert!(
        errors
            .iter()
            .any(|e| e.contains(&format!("the stored parameters of job {}", job.id))),
        "{errors:?}"
    );
    assert!(runs_of(&runs).is_empty(), "the runner never ran");
    match jobs.start::<StaleProbe>(serde_json::json!({})).await {
        Ok(Started::New(row)) => {
            assert_eq!(finished(&jobs, row.id).await.state, JobState::Done);
        }
        other => panic!("expected a new job of the kind, got {other:?}"),
    }
    assert_eq!(runs_of(&runs), [(STALE_KIND, None)]);
}

/// `GET path` until `done` says so; the last answer.
async fn poll(app: &TestApp, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let wait = async {
        loop {
            let body = api_get(app, token, path).await;
            if done(&body) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    tokio::time::timeout(SAFETY_NET, wait)
        .await
        .unwrap_or_else(|_| panic!("{path} never reached the awaited state"))
}

async fn the_apps_supervisor_resumes_only_the_stale_job(t: TestDb) {
    // Another host left a sync that stopped beating and a backfill that
    // still beats, before this Brickdesk starts.
    let sim = crate::amazon_sync::sim(30, 10.0, "").await;
    let stale = left_by_another_host(&t.db, JobKind::Sync, "not-a-sync-cursor", LONG_AGO).await;
    let fresh = left_by_another_host(&t.db, JobKind::Backfill, "{}", time::Duration::ZERO).await;
    let _other_host = keep_beating(&t.db, fresh.id);
    let (app, token) = app_on_sim(t, &sim).await;

    // The start-up pass resumed the sync, which stored the orders. (An
    // `interrupted` job is one the pass marked and is about to take.)
    let sync = poll(&app, &token, "/api/integrations/amazon/sync", |s| {
        s["isRunning"] == false && s["state"] != "interrupted"
    })
    .await;
    assert_eq!(sync["jobId"], stale.id.get(), "{sync}");
    assert_eq!(sync["state"], "done", "{sync}");
    let stored = crate::amazon_sync::stored_orders(&app.db).await.len() as i64;
    assert!(stored > 0, "the resumed sync stored orders");
    assert_eq!(sync["new"].as_i64(), Some(stored), "{sync}");
    let resumed = store::get(&app.db, stale.id)
        .await
        .expect("get")
        .expect("job");
    assert_ne!(resumed.owner.as_deref(), Some(ELSEWHERE), "taken over");

    // The same pass left the live backfill alone: the API shows it
    // running, a start joins it, and its row is untouched.
    let progress = api_get(&app, &token, "/api/orders/backfill").await;
    assert_eq!(
        (
            &progress["jobId"],
            &progress["state"],
            &progress["isRunning"]
        ),
        (&fresh.id.get().into(), &"running".into(), &true.into()),
        "{progress}"
    );
    let (status, started) = send_json(
        app.client
            .post(format!("{}/api/orders/backfill", app.address))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "joined, not created: {started}");
    assert_eq!(started["jobId"], fresh.id.get());
    assert_eq!(
        without_beat(store::get(&app.db, fresh.id).await.expect("get")),
        without_beat(Some(fresh)),
        "owner, state and progress as the other host left them"
    );
    sim.shutdown().await.expect("simulator stops");
}

on_both_databases! {
    stale_resumed_fresh_left_alone => stale_job_resumed_fresh_one_left_alone;
    app_supervisor_resumes_only_the_stale_job => the_apps_supervisor_resumes_only_the_stale_job;
    unreadable_params_fail_a_resumed_job => unreadable_params_fail_the_resumed_job;
}
