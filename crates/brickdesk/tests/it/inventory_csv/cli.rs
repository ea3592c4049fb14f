//! `brickdesk inventory import|export` as a person runs them.

use std::process::{Command, Output};

fn brickdesk(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brickdesk"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("BRICKDESK_DATABASE_URL")
        .env("BRICKDESK_LOG", "off")
        .output()
        .expect("run brickdesk")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn import_dry_run_import_and_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("stock.csv");
    std::fs::write(
        &file,
        "set,name,condition,status,sku,price\n75192,Falcon,New,LISTED,S-1,\"£649.99\"\n10294,Titanic,Used,BACKLOG,S-2,\n",
    )
    .expect("write csv");
    let path = file.to_str().expect("utf-8 path");

    let dry = brickdesk(dir.path(), &["inventory", "import", path, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("would create 2 unit(s)"));

    let real = brickdesk(dir.path(), &["inventory", "import", path]);
    assert!(real.status.success(), "{}", text(&real.stderr));
    assert!(text(&real.stdout).contains("created 2 unit(s); 0 duplicate(s)"));

    let again = brickdesk(dir.path(), &["inventory", "import", path]);
    assert!(text(&again.stdout).contains("created 0 unit(s); 2 duplicate(s)"));
    assert!(text(&again.stderr).contains("line 3: skipped: sku 'S-2' is already in the inventory"));

    let out = dir.path().join("listed.csv");
    let export = brickdesk(
        dir.path(),
        &[
            "inventory",
            "export",
            "--status",
            "listed",
            "--out",
            out.to_str().expect("path"),
        ],
    );
    assert!(export.status.success(), "{}", text(&export.stderr));
    let exported = text(&std::fs::read(&out).expect("exported file"));
    assert!(
        exported.contains("75192,Falcon,New,LISTED,,,649.99,GBP,S-1"),
        "{exported}"
    );
    assert!(!exported.contains("Titanic"));
}

#[test]
fn a_bad_file_lists_every_problem_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "set,name,condition,status\n1,A,Mint,LISTED\n2,B,New,LISTED\n3,,New,LOST\n",
    )
    .expect("write csv");
    let out = brickdesk(
        dir.path(),
        &["inventory", "import", file.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 2, column condition: 'Mint' is not one of: New, Used"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4, column name: is required"),
        "{stderr}"
    );
    assert!(stderr.contains("line 4, column status: 'LOST'"), "{stderr}");
    assert!(
        stderr.contains("3 problem(s) on 2 line(s); nothing was imported"),
        "{stderr}"
    );
    let export = brickdesk(dir.path(), &["inventory", "export"]);
    assert_eq!(
        text(&export.stdout).lines().count(),
        1,
        "header only: nothing stored"
    );
}
