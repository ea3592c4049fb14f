//! The picking-list PDF, read back with pdftotext.

use super::{seed, snapshot};
use crate::helpers::TestApp;

#[tokio::test]
async fn picking_list_pdf_reads_back_with_pdftotext() {
    if let Err(e) = std::process::Command::new("pdftotext").arg("-v").output() {
        crate::helpers::Optional::Pdftotext.skip(&format!("cannot run pdftotext ({e})"));
        return;
    }
    let app = TestApp::builder().spawn().await;
    let owner = app.owner().await;
    let f = seed(&app.db).await;
    let before = snapshot(&app.db).await;
    let resp = owner
        .get(format!("{}/api/picking-list/amazon", app.address))
        .send()
        .await
        .expect("pdf");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("inline")
    );
    let pdf = resp.bytes().await.expect("body");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("pick.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("utf-8"), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext reads the PDF");
    // Columns are laid out with runs of spaces: compare with single spaces.
    let text = String::from_utf8(out.stdout)
        .expect("utf-8")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{text}"))
    };
    assert!(
        text.contains("Amazon Picking List")
            && text.contains("Orders: 4")
            && text.contains("Units: 8")
    );
    assert!(text.contains("Page 1 / 1"), "page numbers:\n{text}");
    // Groups in natural order, no location last, then the unmatched lines.
    let order = [
        at("A-2 ("),
        at("A-10 ("),
        at("B-3 ("),
        at("S12 ("),
        at("No location ("),
        text.rfind("Unmatched").expect("Unmatched section"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "group order {order:?}:\n{text}"
    );
    for id in [
        "203-0000001-0000001",
        "203-0000002-0000002",
        "203-0000003-0000003",
        "203-0000004-0000004",
    ] {
        at(id);
    }
    assert!(
        !text.contains("203-0000005-0000005") && !text.contains("203-0000006-0000006"),
        "only Paid orders"
    );
    // Every unit to pick: one tick row per location row, with the set numbers.
    assert_eq!(text.matches("75192").count(), 4, "{text}");
    assert_eq!(text.matches("10294").count(), 1, "{text}");
    // The title is printed literally, not run as Typst markup.
    assert!(
        text.contains("#exit()") && text.contains("$y$") && text.contains("<script>"),
        "{text}"
    );
    let _ = f;
    assert_eq!(snapshot(&app.db).await, before, "the PDF writes nothing");

    let json: serde_json::Value = owner
        .get(format!(
            "{}/api/picking-list/amazon?format=json",
            app.address
        ))
        .send()
        .await
        .expect("json")
        .json()
        .await
        .expect("json body");
    assert_eq!(json["orders"], 4);
    assert_eq!(json["groups"][0]["label"], "A-2");
}
