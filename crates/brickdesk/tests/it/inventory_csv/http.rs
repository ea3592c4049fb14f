//! The CSV routes through a real server with a signed-in owner.

use super::*;
use crate::helpers::{hidden_value, multipart_body};

const FILE: &str = "set_number,item_name,condition,status,sku,listing_price\n\
                    75192,Millennium Falcon,New,LISTED,S-1,\"£649.99\"\n\
                    10294,<b>Titanic</b>,Used,BACKLOG,S-2,\n";

async fn post_api(
    client: &reqwest::Client,
    address: &str,
    dry_run: &str,
    body: &[u8],
) -> (u16, Value) {
    let resp = client
        .post(format!("{address}/api/inventory/import?dry_run={dry_run}"))
        .header("content-type", "text/csv")
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

#[tokio::test]
async fn api_dry_run_then_import_then_duplicates() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let (status, body) = post_api(&owner, &app.address, "true", FILE.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["would_create"], 2);
    assert_eq!(count(&app.db).await, 0);
    let (status, body) = post_api(&owner, &app.address, "false", FILE.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 2);
    assert_eq!(body["encoding"], "utf-8");
    assert_eq!(count(&app.db).await, 2);
    let (_, body) = post_api(&owner, &app.address, "false", FILE.as_bytes()).await;
    assert_eq!(body["created"], 0);
    assert_eq!(body["duplicates"][1]["line"], 3);
    assert_eq!(
        body["duplicates"][1]["reason"],
        "sku 'S-2' is already in the inventory"
    );
    assert_eq!(count(&app.db).await, 2);
}

#[tokio::test]
async fn api_refuses_a_bad_file_with_every_row_listed() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let file = ten_thousand_with_bad_lines(&[7_431, 9_000]);
    let (status, body) = post_api(&owner, &app.address, "false", file.as_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_csv");
    let rows = body["error"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lines: Vec<i64> = rows.iter().filter_map(|r| r["line"].as_i64()).collect();
    assert_eq!(lines, vec![7_431, 9_000]);
    assert_eq!(rows[0]["column"], "Condition");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nothing was imported"))
    );
    assert_eq!(count(&app.db).await, 0);
    let (status, body) = post_api(&owner, &app.address, "maybe", FILE.as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request");
    let (status, body) = post_api(&owner, &app.address, "false", b"").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["rows"][0]["reason"], "the file is empty");
}

#[tokio::test]
async fn csv_routes_need_a_signed_in_user() {
    let app = TestApp::builder().spawn().await;
    let (status, _) = post_api(&app.client, &app.address, "false", FILE.as_bytes()).await;
    assert_eq!(status, 401);
    for path in ["/inventory/import", "/inventory/export.csv"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 303, "{path} redirects to sign-in");
    }
    assert_eq!(count(&app.db).await, 0);
}

#[tokio::test]
async fn export_downloads_the_filtered_view_and_imports_back() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    post_api(&owner, &app.address, "false", FILE.as_bytes()).await;
    let resp = owner
        .get(format!(
            "{}/inventory/export.csv?status=listed&sort=listing_price&dir=desc",
            app.address
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let disposition = resp
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"brickdesk-inventory-"),
        "{disposition}"
    );
    let bytes = resp.bytes().await.expect("body");
    let back = parsed(&bytes);
    assert_eq!(back.rows.len(), 1, "only the LISTED unit");
    assert_eq!(back.rows[0].unit.details.sku.as_deref(), Some("S-1"));
    assert_eq!(back.rows[0].unit.details.listing_price_minor, Some(64_999));
    let resp = owner
        .get(format!("{}/inventory/export.csv?status=LOST", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn browser_upload_previews_then_imports() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let form = owner
        .get(format!("{}/inventory/import", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(form.status(), 200);
    assert!(
        form.text()
            .await
            .expect("html")
            .contains("enctype=\"multipart/form-data\"")
    );

    let boundary = "----brickdeskTestBoundary7MA4YWxk";
    let cp1252 =
        b"set,name,condition,status,price\r\n21330,Caf\xE9,New,LISTED,\"\xA31,234.50\"\r\n";
    let upload = |content: &[u8]| {
        owner
            .post(format!("{}/inventory/import/preview", app.address))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart_body(boundary, "stock.csv", content))
            .send()
    };
    let preview = upload(cp1252).await.expect("request");
    assert_eq!(preview.status(), 200);
    let html = preview.text().await.expect("html");
    assert!(html.contains("read as Windows-1252"), "{html}");
    assert!(html.contains("Café"));
    assert!(html.contains("£1,234.50"));
    assert_eq!(count(&app.db).await, 0, "a preview writes nothing");

    let commit = owner
        .post(format!("{}/inventory/import", app.address))
        .form(&[
            ("filename", "stock.csv"),
            ("file_b64", hidden_value(&html, "file_b64")),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(commit.status(), 200);
    assert!(
        commit
            .text()
            .await
            .expect("html")
            .contains("Created <strong>1</strong>")
    );
    assert_eq!(all_units(&app.db).await[0].details.item_name, "Café");

    let bad = upload(b"set,name,condition,status\n1,Falcon,New,<script>x</script>\n")
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    let html = bad.text().await.expect("html");
    assert!(html.contains("Nothing can be imported"));
    assert!(
        html.contains("&#60;script&#62;x") || html.contains("&lt;script&gt;x"),
        "escaped: {html}"
    );
    assert!(!html.contains("<script>x"));
}

#[tokio::test]
async fn api_accepts_a_file_larger_than_axums_default_limit() {
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    // 10,000 rows with a 200-character note each: about 3 MB, over the
    // 2 MB axum allows by default.
    let note = "n".repeat(200);
    let file = sample::synthetic_csv(10_000).replace(",,2025-", &format!(",{note},2025-"));
    assert!(file.len() > 3_000_000, "{}", file.len());
    let (status, body) = post_api(&owner, &app.address, "true", file.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["would_create"], 10_000);
}
