//! The API's OpenAPI document over HTTP and from the command line.

use crate::helpers::{TestApp, run_cli};

#[tokio::test]
async fn the_document_is_public_and_the_command_prints_the_same() {
    let app = TestApp::builder().spawn().await;
    let resp = reqwest::get(format!("{}/api/openapi.json", app.address))
        .await
        .expect("request");
    assert_eq!(resp.status(), 200, "served without a sign-in");
    assert!(
        resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let served: serde_json::Value = resp.json().await.expect("JSON");
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/api/inventory/{id}"]["patch"].is_object());

    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_cli(dir.path(), &["openapi"], &[], "").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed, served);
}
