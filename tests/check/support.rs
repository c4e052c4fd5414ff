//! Running the binary and loading fixtures.

use std::path::PathBuf;
use std::process::Command;

use housing_need::config::Manifest;
use housing_need::ingest::Report;

/// The repository root; fixtures and the binary's working directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, for messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts exit code 1 (problems found) and that a line of output starts with `line`.
    pub fn assert_problem(&self, line: &str) {
        assert_eq!(
            self.code,
            Some(1),
            "expected exit 1; output:\n{}",
            self.all()
        );
        assert!(
            self.stdout.lines().any(|l| l.starts_with(line)),
            "no line starting with {line:?} in:\n{}",
            self.all()
        );
    }

    /// Asserts exit code 0 and a line `ok: …`.
    pub fn assert_ok(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "expected exit 0; output:\n{}",
            self.all()
        );
        assert!(
            self.stdout.contains("\nok: "),
            "no ok line in:\n{}",
            self.all()
        );
    }
}

/// `housing-need <args>` run from the repository root, so paths in messages are relative.
pub fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_housing-need"))
        .args(args)
        .current_dir(root())
        .env_remove("HOUSING_NEED_DATA")
        .env_remove("RUST_LOG")
        .output()
        .expect("the housing-need binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `housing-need check --data <manifest>` (a path relative to the repository root).
pub fn check(manifest: &str) -> Run {
    run(&["check", "--data", manifest])
}

/// The library's check of a manifest relative to the repository root.
pub fn report(manifest: &str) -> Report {
    let m = Manifest::load(&root().join(manifest)).expect("fixture manifest parses");
    housing_need::ingest::check(&m)
}
