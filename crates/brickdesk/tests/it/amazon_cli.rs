//! `brickdesk amazon connect` and `brickdesk amazon test` against the
//! simulator: a server connected without a browser, the secrets read from
//! the environment or standard input and stored encrypted, a refused
//! marketplace leaving nothing stored, and a failed check saying why.

use brickdesk::amazon::credentials;
use brickdesk::auth::secrets::SecretBox;
use brickdesk::db::{self, Db};

use crate::amazon_sync::sim;
use std::process::Output;

use crate::helpers::run_cli;

const UK: &str = "A1F83G8C2ARO7P";
const DE: &str = "A1PA6795UKMFR9";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn database(dir: &std::path::Path) -> Db {
    let url = format!("sqlite://{}", dir.join("brickdesk.db").display());
    Db::connect(&url).await.expect("connect")
}

/// `brickdesk amazon connect` for the simulator at `api`/`lwa` with
/// `--marketplaces markets`, `env` set and `stdin` typed.
async fn connect(
    dir: &std::path::Path,
    (api, lwa): (&str, &str),
    markets: &str,
    env: &[(&str, &str)],
    stdin: &str,
) -> Output {
    let args = [
        "amazon",
        "connect",
        "--region",
        "eu",
        "--client-id",
        spapi_sim::DEMO_CLIENT_ID,
        "--marketplaces",
        markets,
        "--amazon-api-url",
        api,
        "--amazon-lwa-url",
        lwa,
    ];
    run_cli(dir, &args, env, stdin).await
}

/// Asserts `out` failed and said `message` on standard error.
fn failed_saying(out: &Output, message: &str) {
    let err = text(&out.stderr);
    assert!(!out.status.success() && err.contains(message), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_is_connected_from_the_command_line() {
    let sim = sim(5, 400.0, "").await;
    let (api, lwa) = (sim.base_url(), sim.lwa_token_url());
    let at = (api.as_str(), lwa.as_str());
    let dir = tempfile::tempdir().expect("temp dir");

    // A marketplace of another region is refused; nothing is stored.
    let refused = connect(dir.path(), at, "ATVPDKIKX0DER", &[], "").await;
    failed_saying(
        &refused,
        "Amazon.com (ATVPDKIKX0DER) is not in the eu region.",
    );
    assert!(
        !credentials::configured(&database(dir.path()).await)
            .await
            .expect("read")
    );
    // No secret anywhere: refused before anything is stored.
    let silent = connect(dir.path(), at, UK, &[], "").await;
    failed_saying(&silent, "no LWA client secret given");
    assert!(
        !credentials::configured(&database(dir.path()).await)
            .await
            .expect("read")
    );

    // The secrets from standard input when the environment has none.
    let typed = format!(
        "{}\n{}\n",
        spapi_sim::DEMO_CLIENT_SECRET,
        spapi_sim::DEMO_REFRESH_TOKEN
    );
    let done = connect(dir.path(), at, &format!("{UK},{DE}"), &[], &typed).await;
    assert!(done.status.success(), "{}", text(&done.stderr));
    let out = text(&done.stdout);
    assert!(
        out.contains(&format!(
            "Amazon credentials stored (region eu, marketplaces {UK},{DE})."
        )) && out.contains("Connected."),
        "{out}"
    );
    let db = database(dir.path()).await;
    let secrets = SecretBox::load_or_create(None, dir.path()).expect("key");
    let stored = credentials::load(&db, &secrets)
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(stored.marketplace_ids, [UK, DE]);
    assert_eq!(stored.refresh_token, spapi_sim::DEMO_REFRESH_TOKEN);
    let raw = db::settings::get(&db, "amazon.refresh_token")
        .await
        .expect("read")
        .expect("stored");
    assert!(
        !raw.contains(spapi_sim::DEMO_REFRESH_TOKEN),
        "kept encrypted"
    );

    // From the environment, over what was stored; then `amazon test`.
    let env = [
        (
            "BRICKDESK_AMAZON_CLIENT_SECRET",
            spapi_sim::DEMO_CLIENT_SECRET,
        ),
        (
            "BRICKDESK_AMAZON_REFRESH_TOKEN",
            spapi_sim::DEMO_REFRESH_TOKEN,
        ),
    ];
    let again = connect(dir.path(), at, UK, &env, "").await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    let test = |lwa: String| {
        let api = api.clone();
        let dir = dir.path().to_owned();
        async move {
            let args = [
                "amazon",
                "test",
                "--amazon-api-url",
                &api,
                "--amazon-lwa-url",
                &lwa,
            ];
            run_cli(&dir, &args, &[], "").await
        }
    };
    let ok = test(lwa.clone()).await;
    assert!(
        ok.status.success() && text(&ok.stdout).contains("Connected."),
        "{}",
        text(&ok.stderr)
    );
    let failed = test(format!("{}/auth/o2/nowhere", sim.base_url())).await;
    failed_saying(&failed, "Amazon refused the credentials");
    sim.shutdown().await.expect("stop");
}
