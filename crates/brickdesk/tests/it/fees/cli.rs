//! `brickdesk fees sync` (the fees job, in process) and `brickdesk fees
//! reconcile` as a person runs them.

use std::process::Output;

use brickdesk::amazon::credentials;
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::{self, Db};

use super::{ago, order, sell, shipment, sim};
use crate::helpers::sim_credentials;

async fn brickdesk(data_dir: &std::path::Path, args: &[&str]) -> Output {
    crate::helpers::run_cli(data_dir, args, &[], "").await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_then_dry_run_then_reconcile() {
    let sim = sim().await;
    let o = order("203-0000031-0000031", &[("40000000000031", 2, 1234)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(shipment(
            "t31",
            &o,
            ago(60 * 26),
            0,
            &[("Commission", -377)],
        ));
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("brickdesk.db").display());
    let database = Db::connect(&url).await.expect("connect");
    database.migrate().await.expect("migrate");
    sell(&database, &o, 500).await;
    let secrets = SecretBox::load_or_create(None, dir.path()).expect("secret key");
    let mut tx = database.begin().await.expect("begin");
    let owner = db::users::create(&mut tx, "owner", "x", brickdesk::auth::Role::Owner)
        .await
        .expect("owner");
    tx.commit().await.expect("commit");
    credentials::save(&database, &secrets, &sim_credentials(), Some(owner))
        .await
        .expect("save credentials");
    database.close().await;

    let (api, lwa) = (sim.base_url(), sim.lwa_token_url());
    let sync = brickdesk(
        dir.path(),
        &[
            "fees",
            "sync",
            "--fetch-only",
            "--amazon-api-url",
            &api,
            "--amazon-lwa-url",
            &lwa,
        ],
    )
    .await;
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    let out = text(&sync.stdout);
    assert!(
        out.contains("1 event line(s) fetched, 1 new (0 could not be read).")
            && out.contains("2 item(s) missing fee data"),
        "{out}"
    );

    let dry = brickdesk(dir.path(), &["fees", "reconcile", "--dry-run"]).await;
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("would update 2 item(s)"),
        "{}",
        text(&dry.stdout)
    );
    let run = brickdesk(dir.path(), &["fees", "reconcile"]).await;
    assert!(
        text(&run.stdout).contains("Updated 2 items"),
        "{}",
        text(&run.stdout)
    );
    let again = brickdesk(dir.path(), &["fees", "reconcile"]).await;
    assert!(text(&again.stdout).contains("Updated 0 items"));
    // The whole job: fetch (nothing new) and reconcile (nothing to change).
    let job = brickdesk(
        dir.path(),
        &[
            "fees",
            "sync",
            "--amazon-api-url",
            &api,
            "--amazon-lwa-url",
            &lwa,
        ],
    )
    .await;
    assert!(job.status.success(), "{}", text(&job.stderr));
    let out = text(&job.stdout);
    assert!(
        out.contains(", 0 new (0 could not be read).") && out.contains("Updated 0 items"),
        "{out}"
    );

    let offline = brickdesk(
        dir.path(),
        &[
            "fees",
            "sync",
            "--amazon-api-url",
            "http://127.0.0.1:9",
            "--amazon-lwa-url",
            &lwa,
        ],
    )
    .await;
    assert!(!offline.status.success());
    assert!(
        text(&offline.stderr).contains("could not be reached"),
        "{}",
        text(&offline.stderr)
    );
    sim.shutdown().await.expect("stop sim");
}
