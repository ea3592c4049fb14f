//! Reconcile Fees over HTTP and in a real browser.

use brickdesk::auth::Role;
use brickdesk::db;
use brickdesk::domain::{JobKind, JobState};
use serde_json::Value;
use spapi_sim::{FaultSpec, RunningSim};

use super::{ago, fetch, order, sell, shipment, sim, start_job};
use crate::helpers::{PASSWORD, TestApp, connect_in_settings};

const API: &str = "/api/admin/reconcile-amazon-fees";

/// The app talking to `sim` with the demo credentials saved by the owner;
/// returns the owner's client.
async fn app_on(sim: &RunningSim) -> (TestApp, reqwest::Client) {
    let app = TestApp::builder().amazon_sim(sim).spawn().await;
    let owner = app.owner().await;
    connect_in_settings(&app, &owner, &[spapi_sim::DEMO_MARKETPLACE_ID]).await;
    (app, owner)
}

async fn json(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

async fn text(client: &reqwest::Client, url: String) -> String {
    let resp = client.get(url).send().await.expect("get");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("body")
}

#[tokio::test]
async fn preview_writes_nothing_run_fetches_and_updates_and_pages_show_it() {
    let sim = sim().await;
    let paid = order("203-0000011-0000011", &[("20000000000011", 2, 2500)]);
    let waiting = order("203-0000012-0000012", &[("20000000000012", 1, 999)]);
    let sale = shipment("t11", &paid, ago(60 * 30), 0, &[("Commission", -765)]);
    sim.update_seller(|s| {
        s.upsert_order(paid.clone());
        s.upsert_order(waiting.clone());
        s.add_event(sale);
    });
    let (app, owner) = app_on(&sim).await;
    let units = sell(&app.db, &paid, 1200).await;
    sell(&app.db, &waiting, 500).await;
    let url = format!("{}{API}", app.address);

    let (status, preview) = json(owner.get(&url)).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["count"], 0, "nothing fetched yet: {preview}");
    assert_eq!(preview["missing"], 3);
    assert_eq!(preview["based_on"], "stored_events");
    assert_eq!(preview["events_fetched_up_to"], Value::Null);
    assert_eq!(preview["note"], "No fee events fetched from Amazon yet");
    assert_eq!(preview["unreadable_events"], 0);
    assert_eq!(db::fees::count_events(&app.db).await.expect("count"), 0);

    let (status, run) = json(owner.post(&url)).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["updated"], 2, "{run}");
    let job_url = format!(
        "{}{}",
        app.address,
        run["status_url"].as_str().expect("status url")
    );
    let (status, job) = json(owner.get(&job_url)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(
        (job["state"].clone(), job["phase"].clone()),
        ("done".into(), "done".into())
    );
    assert_eq!(job["job_id"], run["job_id"]);
    assert_eq!(job["result"]["updated"], 2);
    assert_eq!(job["fetch"]["events_new"], 1);
    assert_eq!(
        run["message"],
        "Updated 2 items; 1 item still waiting for Amazon to post fees"
    );
    assert_eq!(run["missing"], 1);
    assert_eq!(run["fetched"]["events_new"], 1);

    let (_, again) = json(owner.get(&url)).await;
    assert_eq!(
        (again["count"].clone(), again["unchanged"].clone()),
        (0.into(), 2.into())
    );
    assert!(
        again["events_fetched_up_to"].is_string()
            && again["note"]
                .as_str()
                .is_some_and(|n| n.starts_with("Based on fee events fetched up to ")),
        "{again}"
    );
    let (_, second) = json(owner.post(&url)).await;
    assert_eq!(second["updated"], 0);

    let page = text(&owner, format!("{}/inventory/{}", app.address, units[0][0])).await;
    assert!(
        page.contains("Amazon fees") && page.contains("Reconciled"),
        "{page}"
    );
    // 2,500 gross, -383 commission (first unit takes the odd penny): net 21.17, profit 9.17.
    assert!(page.contains("£21.17") && page.contains("£9.17"), "{page}");
    assert!(page.contains("Shipment"));

    let (_, unit) = json(owner.get(format!("{}/api/inventory/{}", app.address, units[0][0]))).await;
    assert_eq!(unit["fees"]["net_minor"], 2117, "{unit}");
    assert_eq!(unit["fees"]["profit_minor"], 917);
    assert_eq!(unit["fees"]["fees_minor"]["commission"], -383);

    let csv = text(&owner, format!("{}/inventory/export.csv", app.address)).await;
    let header = csv.lines().next().unwrap_or_default();
    assert!(header.ends_with(",total_fees,net,profit"), "{header}");
    assert!(csv.contains(",reconciled,25.00,0.00,0.00,-3.83,"), "{csv}");
    assert!(
        csv.lines().any(|l| l.ends_with(",-3.83,21.17,9.17")),
        "{csv}"
    );

    let orders = text(&owner, format!("{}/orders", app.address)).await;
    assert!(orders.contains("1 item missing fee data"), "{orders}");
    assert!(
        orders.contains("Based on fee events fetched up to "),
        "{orders}"
    );
    // The banner shows a fees job's stored result, never text from the address.
    let shown = text(
        &owner,
        format!("{}/orders?fees_job={}", app.address, run["job_id"]),
    )
    .await;
    assert!(
        shown.contains("Updated 2 items; 1 item still waiting for Amazon to post fees"),
        "{shown}"
    );
    let spoof = owner
        .get(format!("{}/orders", app.address))
        .query(&[("fees", "Updated 999 items"), ("fees_job", "x")])
        .send()
        .await
        .expect("get");
    let spoof = spoof.text().await.expect("body");
    assert!(!spoof.contains("Updated 999 items"), "{spoof}");
    let other_job = text(&owner, format!("{}/orders?fees_job=999999", app.address)).await;
    assert!(!other_job.contains("id=\"fees-result\""), "{other_job}");

    app.add_user("sam", Role::Staff).await;
    let (staff, _) = app.sign_in("sam", PASSWORD).await;
    let resp = staff.get(&url).send().await.expect("staff preview");
    assert_eq!(resp.status(), 403);
    sim.shutdown().await.expect("stop sim");
}

#[tokio::test]
async fn the_card_shows_the_fees_job_while_it_runs_and_how_it_ended() {
    let sim = sim().await;
    let (app, owner) = app_on(&sim).await;
    // Amazon's first answer takes a while: the job is certainly running.
    sim.set_faults(FaultSpec::parse("slow@10s#1").expect("fault spec"));
    let jobs = crate::amazon_sync::jobs_for(&app.db, &sim);
    let id = start_job(&jobs).await;
    let orders = text(&owner, format!("{}/orders", app.address)).await;
    assert!(
        orders.contains("Fetching fee events: window 1 of 1")
            && orders.contains(&format!("data-fees-job=\"{id}\"")),
        "{orders}"
    );
    let (status, job) = json(owner.get(format!("{}{API}/jobs/{id}", app.address))).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["is_running"], true, "{job}");
    assert_eq!(job["result"], Value::Null);
    jobs.stop(JobKind::Fees).await.expect("stop");
    let row = jobs.wait(id).await.expect("job");
    assert_eq!(row.state, JobState::Stopped);
    let orders = text(&owner, format!("{}/orders?fees_job={id}", app.address)).await;
    assert!(!orders.contains("id=\"fees-running\""), "{orders}");
    assert!(
        orders.contains("The fee reconciliation was stopped before it finished"),
        "{orders}"
    );
    let (status, _) = json(owner.get(format!("{}{API}/jobs/999999", app.address))).await;
    assert_eq!(status, 404);
    sim.set_faults(FaultSpec::default());
    sim.shutdown().await.expect("stop sim");
}

#[tokio::test]
async fn clicking_reconcile_fees_updates_as_many_items_as_the_preview_counted() {
    let Some(browser) = crate::browser::Browser::start().await else {
        return;
    };
    let sim = sim().await;
    let a = order("203-0000021-0000021", &[("30000000000021", 3, 1999)]);
    let b = order("203-0000022-0000022", &[("30000000000022", 1, 8999)]);
    let c = order("203-0000023-0000023", &[("30000000000023", 1, 4500)]);
    sim.update_seller(|s| {
        for o in [&a, &b, &c] {
            s.upsert_order(o.clone());
        }
        s.add_event(shipment(
            "t21",
            &a,
            ago(60 * 40),
            0,
            &[("Commission", -918)],
        ));
        s.add_event(shipment(
            "t22",
            &b,
            ago(60 * 20),
            0,
            &[("Commission", -1377)],
        ));
    });
    let (app, owner) = app_on(&sim).await;
    for o in [&a, &b, &c] {
        sell(&app.db, o, 1000).await;
    }
    // Fetched beforehand (as `brickdesk fees sync` does), so the preview
    // sees the same events the button will reconcile.
    fetch(&app.db, &sim).await;
    let (_, preview) = json(owner.get(format!("{}{API}", app.address))).await;
    let n = preview["count"].as_u64().expect("count");
    assert_eq!(n, 4, "{preview}");

    app.add_user("anna", Role::Owner).await;
    browser.sign_in(&app, "anna").await;
    browser
        .client
        .goto(&format!("{}/orders", app.address))
        .await
        .expect("open /orders");
    let missing = browser.find("#missing-fees").await;
    assert_eq!(
        missing.text().await.expect("text"),
        "5 items missing fee data"
    );
    browser
        .find("#reconcile-fees button[type=submit]")
        .await
        .click()
        .await
        .expect("click Reconcile Fees");
    browser.wait_for_text(&format!("Updated {n} items")).await;
    let missing = browser.find("#missing-fees").await;
    assert_eq!(
        missing.text().await.expect("text"),
        "1 item missing fee data"
    );
    sim.shutdown().await.expect("stop sim");
}
