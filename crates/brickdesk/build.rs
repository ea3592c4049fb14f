//! Records the git commit the binary is built from, for `brickdesk
//! --version` ("brickdesk 0.1.0 (7ebb91d)"), as `BRICKDESK_GIT_COMMIT`.
//!
//! `git rev-parse --short HEAD` when git and a checkout are there; without
//! the git command, the checkout's `HEAD` read directly; "unknown" outside
//! a checkout (a source archive): never a build failure. The script runs
//! again only when `HEAD` or the branch it points to moves.
//!
//! It also names the migrations folder: `sqlx::migrate!` embeds its files,
//! and once a build script names what it watches, cargo rebuilds for
//! nothing else, so an edited migration would not reach the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=migrations");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = match GitDir::find(&manifest_dir) {
        Some(git) => {
            git.watch();
            from_git_command(&manifest_dir)
                .or_else(|| git.read_head())
                .unwrap_or_else(|| "unknown".to_owned())
        }
        None => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=BRICKDESK_GIT_COMMIT={commit}");
}

/// `git rev-parse --short HEAD`, if git runs and answers a commit.
fn from_git_command(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    let hash = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && is_hash(&hash)).then_some(hash)
}

fn is_hash(s: &str) -> bool {
    (4..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A checkout's git folders: `dir` holds `HEAD`, `common` the refs (the
/// same folder except in a linked worktree).
struct GitDir {
    dir: PathBuf,
    common: PathBuf,
}

impl GitDir {
    /// The `.git` of the nearest enclosing checkout (a folder, or a file
    /// `gitdir: …` in a worktree or submodule).
    fn find(start: &Path) -> Option<GitDir> {
        let dot_git = start
            .ancestors()
            .map(|d| d.join(".git"))
            .find(|p| p.exists())?;
        let dir = if dot_git.is_dir() {
            dot_git
        } else {
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let target = text.strip_prefix("gitdir:")?.trim();
            dot_git.parent()?.join(target)
        };
        let common = std::fs::read_to_string(dir.join("commondir"))
            .map(|c| dir.join(c.trim()))
            .unwrap_or_else(|_| dir.clone());
        dir.join("HEAD").is_file().then_some(GitDir { dir, common })
    }

    /// The branch `HEAD` names (`refs/heads/main`), if not detached.
    fn head_ref(&self) -> Option<String> {
        let head = std::fs::read_to_string(self.dir.join("HEAD")).ok()?;
        head.strip_prefix("ref:").map(|r| r.trim().to_owned())
    }

    /// Asks cargo to rerun the script when HEAD or its branch moves. Only
    /// existing files are named: cargo would rerun every build for a
    /// missing one (a branch kept in `packed-refs` has no file of its own).
    fn watch(&self) {
        let mut files = vec![self.dir.join("HEAD")];
        if let Some(name) = self.head_ref() {
            files.push(self.dir.join(&name));
            files.push(self.common.join(&name));
        }
        files.push(self.common.join("packed-refs"));
        files.dedup();
        for file in files.iter().filter(|f| f.is_file()) {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }

    /// HEAD's commit read from the files, for a machine without git.
    fn read_head(&self) -> Option<String> {
        let full = match self.head_ref() {
            None => std::fs::read_to_string(self.dir.join("HEAD"))
                .ok()?
                .trim()
                .to_owned(),
            Some(name) => [self.dir.join(&name), self.common.join(&name)]
                .iter()
                .find_map(|f| std::fs::read_to_string(f).ok())
                .map(|s| s.trim().to_owned())
                .or_else(|| {
                    let packed = std::fs::read_to_string(self.common.join("packed-refs")).ok()?;
                    packed.lines().find_map(|line| {
                        let (hash, r) = line.split_once(' ')?;
                        (r.trim() == name).then(|| hash.to_owned())
                    })
                })?,
        };
        if is_hash(&full) {
            full.get(..7).map(str::to_owned)
        } else {
            None
        }
    }
}
