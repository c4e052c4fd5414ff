//! The crate's modules point one way: `scripts/module-graph` lists every module under `src/`
//! with the modules it imports, and fails when siblings import each other in a loop.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn module_graph(src: &Path) -> Output {
    Command::new(root().join("scripts/module-graph"))
        .arg("--src")
        .arg(src)
        .output()
        .expect("scripts/module-graph runs (it needs python3)")
}

#[test]
fn src_has_no_import_loop() {
    let out = module_graph(&root().join("src"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.ends_with("no import loop\n"), "{stdout}");
    // Every module is listed with what it imports.
    for line in [
        "  ingest::rows -> ",
        "  ingest::tables -> ",
        "  layers -> analysis, domain, flags, model, pipeline",
        "  domain -> -",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}

#[test]
fn a_loop_between_siblings_is_found_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(
        src.join("a/mod.rs"),
        "mod x;\nmod y;\n// crate::b in a comment is not an import\n",
    )
    .unwrap();
    // a::x -> a::y -> a::x, through a group and a `super::` path.
    std::fs::write(src.join("a/x.rs"), "use super::{y::Y, z};\npub struct X;\n").unwrap();
    std::fs::write(src.join("a/y.rs"), "pub struct Y(crate::a::x::X);\n").unwrap();
    // b -> a is one way: no loop at the top.
    std::fs::write(src.join("b.rs"), "use crate::a;\n").unwrap();
    let out = module_graph(src);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("  a::x -> a, a::y\n"), "{stdout}");
    assert!(stdout.contains("  b -> a\n"), "{stdout}");
    assert!(stdout.contains("  a -> -\n"), "{stdout}");
    assert!(stdout.contains("import loop: a::x <-> a::y"), "{stdout}");
    assert!(!stdout.contains("import loop: a <-> b"), "{stdout}");

    // Without the edge back, the same tree has none.
    std::fs::write(src.join("a/y.rs"), "pub struct Y;\n").unwrap();
    let out = module_graph(src);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.ends_with("no import loop\n"), "{stdout}");
}
