//! The real app over HTTP, and the binary's handling of bad configuration.

use std::process::Command;

use brickdesk::config::DemoMode;

use crate::helpers::{TestApp, send_json, send_text};

#[tokio::test]
async fn healthz_answers_ok_with_a_database() {
    let app = TestApp::builder().spawn().await;
    let (status, body) = send_json(app.client.get(format!("{}/healthz", app.address))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn healthz_reports_a_dead_database() {
    let app = TestApp::builder().spawn().await;
    app.db.close().await;
    let (status, body) = send_json(app.client.get(format!("{}/healthz", app.address))).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
}

#[tokio::test]
async fn demo_mode_serves_the_demo_seller() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let (status, html) = send_text(owner.get(&app.address)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Demo mode — connected to the built-in Amazon simulator"));
    assert!(
        html.contains("All</span><span class=\"card-count\">300</span>"),
        "{html}"
    );
}

#[tokio::test]
async fn without_demo_the_dashboard_is_empty() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let (status, html) = send_text(owner.get(&app.address)).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Demo mode"));
    assert!(html.contains("Amazon orders have not been synced yet"));
    assert_eq!(html.matches("✓ nothing to do").count(), 4, "{html}");
}

fn run_brickdesk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brickdesk"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("BRICKDESK_DATABASE_URL")
        .env("BRICKDESK_LOG", "off")
        .output()
        .expect("run brickdesk")
}

fn assert_one_clear_error(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{stderr}"
    );
}

#[test]
fn bad_database_url_is_one_clear_error() {
    let out = run_brickdesk(&["migrate", "--database-url", "mysql://nope"]);
    assert_one_clear_error(&out, "bad database URL");
}

#[test]
fn unreachable_postgres_is_one_clear_error() {
    // Port 1 on loopback: nothing listens there.
    let out = run_brickdesk(&[
        "migrate",
        "--database-url",
        "postgres://u:secret@127.0.0.1:1/db",
    ]);
    assert_one_clear_error(&out, "cannot connect to the database");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("secret"),
        "password is redacted"
    );
}

#[test]
fn unwritable_data_dir_is_one_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let data_dir = file.join("data");
    let out = run_brickdesk(&["migrate", "--data-dir", &data_dir.to_string_lossy()]);
    assert_one_clear_error(&out, "data directory problem");
}

#[test]
fn bad_time_zone_is_one_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_brickdesk(&[
        "serve",
        "--data-dir",
        &dir.path().to_string_lossy(),
        "--time-zone",
        "Mars/Olympus",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_one_clear_error(&out, "unknown time zone");
}

#[tokio::test]
async fn test_connection_reaches_the_demo_simulator() {
    let app = TestApp::builder().demo(DemoMode::On).spawn().await;
    let owner = app.owner().await;
    let (status, html) =
        send_text(owner.post(format!("{}/settings/amazon/test", app.address))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Connected. Amazon issued an access token"),
        "{html}"
    );
}

#[tokio::test]
async fn test_connection_without_credentials_says_what_to_do() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let (_, html) = send_text(owner.post(format!("{}/settings/amazon/test", app.address))).await;
    assert!(
        html.contains("Amazon not configured: save your credentials first."),
        "{html}"
    );
}

#[tokio::test]
async fn the_binary_without_a_subcommand_serves_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_brickdesk"))
        .args([
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &dir.path().to_string_lossy(),
        ])
        .env_remove("DATABASE_URL")
        .env_remove("BRICKDESK_DATABASE_URL")
        .env("BRICKDESK_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start brickdesk");
    let client = reqwest::Client::new();
    let mut healthy = false;
    // Up to 60 s for a cold start on a busy machine: a safety net only.
    for _ in 0..600 {
        if let Ok(resp) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            healthy = resp.status() == 200;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let login = client
        .get(format!("http://127.0.0.1:{port}/login"))
        .send()
        .await
        .map(|r| r.status().as_u16());
    // SIGTERM, as systemd and docker stop it: in-flight work ends, the
    // process exits by itself and cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(term.success());
    let mut stopped = None;
    for _ in 0..300 {
        stopped = child.try_wait().expect("try_wait");
        if stopped.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if stopped.is_none() {
        let _ = child.kill();
    }
    let output = child.wait_with_output().expect("wait");
    assert!(
        stopped.is_some_and(|s| s.success()),
        "SIGTERM stops the server with success: {stopped:?}"
    );
    assert!(healthy, "GET /healthz answered 200");
    assert_eq!(login.ok(), Some(200), "a page is served");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("/setup?token="),
        "the owner setup link is printed: {stdout}"
    );
    assert!(
        dir.path().join("brickdesk.db").exists(),
        "SQLite in the data folder"
    );
}

#[test]
fn backup_and_restore_from_the_command_line_with_json_logs() {
    let dir = tempfile::tempdir().expect("tmp");
    let (data, copy) = (dir.path().join("data"), dir.path().join("copy.db"));
    let (data, copy) = (data.to_string_lossy(), copy.to_string_lossy());
    assert!(
        run_brickdesk(&["migrate", "--data-dir", &data])
            .status
            .success()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_brickdesk"))
        .args([
            "--log-format",
            "json",
            "--data-dir",
            &data,
            "backup",
            "--out",
            &copy,
        ])
        .env_remove("DATABASE_URL")
        .env_remove("BRICKDESK_DATABASE_URL")
        .env("BRICKDESK_LOG", "sqlx=debug")
        .output()
        .expect("run brickdesk backup");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("is not in the backup"),
        "the secret key's reminder: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "DEBUG" && l["target"] == "sqlx::query"),
        "every log line is a JSON object: {stderr}"
    );
    let again = run_brickdesk(&["--data-dir", &data, "backup", "--out", &copy]);
    assert_one_clear_error(&again, "exists already");
    let target = dir.path().join("restored").to_string_lossy().into_owned();
    let restored = run_brickdesk(&["--data-dir", &target, "restore", &copy]);
    let stdout = String::from_utf8_lossy(&restored.stdout);
    assert!(
        restored.status.success() && stdout.contains("there was no database to replace"),
        "{stdout}"
    );
    let postgres = run_brickdesk(&[
        "--data-dir",
        &target,
        "--database-url",
        "postgres://u@127.0.0.1:1/x",
        "restore",
        &copy,
    ]);
    assert_one_clear_error(&postgres, "use pg_restore");
}

#[test]
fn the_systemd_unit_verifies() {
    let unit = include_str!("../../../../packaging/brickdesk.service");
    let Ok(found) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: the unit is not verified here");
        return;
    };
    assert!(found.status.success());
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("brickdesk.service");
    // The unit names the installed binary; here it is the one just built.
    let unit = unit.replace("/usr/local/bin/brickdesk", env!("CARGO_BIN_EXE_brickdesk"));
    std::fs::write(&path, unit).expect("write unit");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

#[tokio::test]
async fn the_healthcheck_command_asks_the_server() {
    let app = TestApp::builder().spawn().await;
    let url = format!("{}/healthz", app.address);
    let healthy =
        tokio::task::spawn_blocking(move || run_brickdesk(&["healthcheck", "--url", &url]))
            .await
            .expect("run");
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    assert!(String::from_utf8_lossy(&healthy.stdout).contains("\"status\":\"ok\""));
    let down = run_brickdesk(&["healthcheck", "--url", "http://127.0.0.1:1/healthz"]);
    assert_one_clear_error(&down, "does not answer");
}
