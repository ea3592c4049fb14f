//! `brickdesk --version` names the package version and the git commit the
//! binary was built from.

use std::process::Command;

#[test]
fn version_names_the_package_version_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_brickdesk"))
        .arg("--version")
        .env("BRICKDESK_LOG", "off")
        .output()
        .expect("run brickdesk --version");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // `brickdesk 0.1.0 (7ebb91d)`, or `(unknown)` outside a git checkout.
    let line = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout:?}");
    let commit = line
        .strip_prefix(concat!("brickdesk ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("`brickdesk VERSION (COMMIT)`: {line:?}"));
    assert!(
        commit == "unknown"
            || ((7..=40).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "a short commit hash or unknown: {commit:?}"
    );
}
