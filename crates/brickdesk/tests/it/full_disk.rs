//! A SQLite data folder on a small filesystem that fills up: writes fail
//! cleanly, `/healthz` says why, and once space is back every write works
//! again without a restart. Needs root to mount a tmpfs; without it the
//! test says so once and passes (under `CI` it fails instead).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{TestApp, in_ci};

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(SmallDisk { path, _dir: dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the filesystem of `dir` with one file; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let chunk = vec![0u8; 64 * 1024];
    while file.write_all(&chunk).is_ok() {}
    // Whatever is left is smaller than a chunk: take it byte by byte.
    while file.write_all(&[0]).is_ok() {}
    path
}

#[tokio::test]
async fn a_full_disk_fails_writes_cleanly_and_they_work_again_once_space_is_back() {
    let disk = match SmallDisk::mount(24) {
        Ok(d) => d,
        Err(why) if !in_ci() => {
            eprintln!("skipped the full-disk test: cannot mount a tmpfs ({why}); run as root");
            return;
        }
        Err(why) => panic!("CI needs a tmpfs for the full-disk test: {why}"),
    };
    let url = format!("sqlite://{}", disk.path.join("brickdesk.db").display());
    let app = TestApp::builder()
        .configure(|c| c.database_url = url)
        .spawn()
        .await;
    let owner = app.owner().await;
    let health = || async {
        let resp = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("healthz");
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.expect("health json"))
    };
    assert_eq!(health().await.0, 200);
    let add = |n: usize| {
        owner
            .post(format!("{}/api/inventory", app.address))
            .header("origin", app.address.as_str())
            .json(&json!({
                "set_number": format!("{n}-1"),
                "item_name": "Unit on a small disk",
                "condition": "New",
                "status": "BACKLOG",
                "notes": "n".repeat(2_000),
            }))
            .send()
    };

    let filler = fill(&disk.path);
    let (status, body) = health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, json!({"status": "degraded", "database": "disk-full"}));
    let mut stored = 0;
    let mut failures = 0;
    for n in 0..4_000 {
        let resp = add(n).await.expect("post");
        match resp.status().as_u16() {
            201 => stored += 1,
            status => {
                // Every connection stays usable: each failure is the clean
                // "cannot write" answer, never a wedged transaction's 500.
                let body: Value = resp.json().await.expect("error json");
                assert_eq!(
                    (status, &body["error"]["code"]),
                    (503, &json!("unavailable")),
                    "{body}"
                );
                failures += 1;
                if failures == 10 {
                    break;
                }
            }
        }
    }
    assert_eq!(failures, 10, "the disk never filled up");

    std::fs::remove_file(filler).expect("free the disk");
    assert_eq!(health().await.0, 200);
    // More writes than the pool has connections, so every one is used.
    for n in 0..24 {
        let resp = add(10_000 + n).await.expect("post");
        assert_eq!(resp.status(), 201, "write {n} after space came back");
        stored += 1;
    }
    let list: Value = owner
        .get(format!("{}/api/inventory?page_size=1", app.address))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], json!(stored), "nothing half-written: {list}");
}
