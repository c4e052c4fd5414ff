//! The batch commands a planner runs on the default dataset: `analyze` writes every layer
//! (districts, demand, flags with reasons, projects) and `bottlenecks` prints the stage table
//! with the same numbers the service serves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::path::PathBuf;
use std::process::Command;

use gdal::vector::LayerAccess;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample/alingsas-sample.toml")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_housing-need"))
}

#[test]
fn analyze_writes_flags_with_reasons_and_projects_to_the_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.gpkg");
    let status = bin()
        .args(["analyze", "--data"])
        .arg(manifest())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ds = gdal::Dataset::open(&out).unwrap();
    let count = |name: &str| ds.layer_by_name(name).unwrap().feature_count();
    assert_eq!(count("districts"), 22);
    assert_eq!(count("demand"), 22 * 13, "22 districts × 2016–2028");
    assert_eq!(count("flags"), 44, "22 districts × densify/upgrade");
    assert_eq!(count("projects"), 40);

    let mut flags = ds.layer_by_name("flags").unwrap();
    let mut flagged = 0;
    for f in flags.features() {
        let reasons = f
            .field_as_string(f.field_index("reasons").unwrap())
            .unwrap()
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&reasons).unwrap();
        let list = parsed.as_array().unwrap();
        assert!(!list.is_empty(), "every flag carries the rules evaluated");
        assert!(list
            .iter()
            .all(|r| r.get("rule").is_some() && r.get("met").is_some()));
        let text = f
            .field_as_string(f.field_index("reason_text").unwrap())
            .unwrap()
            .unwrap();
        assert!(!text.is_empty());
        if f.field_as_integer(f.field_index("flagged").unwrap())
            .unwrap()
            == Some(1)
        {
            flagged += 1;
        }
    }
    assert!(flagged > 0, "the sample data flags some districts");

    let mut projects = ds.layer_by_name("projects").unwrap();
    let stages: Vec<Option<String>> = projects
        .features()
        .map(|f| f.field_as_string(f.field_index("stage").unwrap()).unwrap())
        .collect();
    assert!(stages.iter().any(|s| s.as_deref() == Some("bygglov")));
}

#[test]
fn bottlenecks_prints_the_stage_table_and_names_the_bottleneck() {
    let out = bin()
        .args(["bottlenecks", "--data"])
        .arg(manifest())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    println!("{text}");
    for stage in [
        "planbesked",
        "laga_kraft",
        "bygglov",
        "startbesked",
        "construction",
    ] {
        assert!(text.contains(stage), "table lists {stage}");
    }
    assert!(text.contains("Bottleneck: "));
    assert!(text.contains("Pipeline against the need"));

    // The JSON the command prints is the analysis the service serves at /bottlenecks.
    let json = bin()
        .args(["bottlenecks", "--json", "--data"])
        .arg(manifest())
        .output()
        .unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let m = housing_need::config::Manifest::load(&manifest()).unwrap();
    let ds = housing_need::ingest::load(&m).unwrap();
    let analysis = housing_need::analysis::Analysis::compute(&ds, &m);
    let served = serde_json::to_value(&analysis.bottlenecks).unwrap();
    assert_eq!(printed["stages"], served["stages"]);
    assert_eq!(printed["bottleneck"], served["bottleneck"]);
    assert_eq!(printed["districts"], served["districts"]);
}

/// The binary copied alone into an empty folder, as an operator installs it.
fn lone_binary(dir: &std::path::Path) -> PathBuf {
    let copy = dir.join("housing-need");
    std::fs::copy(env!("CARGO_BIN_EXE_housing-need"), &copy).unwrap();
    copy
}

#[test]
fn a_binary_copied_alone_analyzes_its_embedded_dataset_from_any_folder() {
    let install = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(lone_binary(install.path()))
        .current_dir(work.path())
        .args(["analyze", "--out", "o.gpkg"])
        .env_remove("HOUSING_NEED_DATA")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("/vsimem/"), "reads the embedded dataset");
    let ds = gdal::Dataset::open(work.path().join("o.gpkg")).unwrap();
    let count = |name: &str| ds.layer_by_name(name).unwrap().feature_count();
    // The default is the real municipality: SCB's 23 DeSO 2025 areas, base year 2025 and ten
    // years ahead, two flags per area, and no pipeline (so no projects layer).
    assert_eq!(count("districts"), 23);
    assert_eq!(count("demand"), 23 * 11);
    assert_eq!(count("flags"), 46);
    assert!(ds.layer_by_name("projects").is_err());
    // What the data lack is said, not left out silently.
    assert!(stderr.contains("Missing: no pipeline projects"), "{stderr}");
    // Nothing but the output appeared beside it.
    let mut written: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(written, ["o.gpkg"]);
}

/// Every dataset under `geodata/` is embedded; read from GDAL's memory (as the binary reads its
/// default dataset), each loads exactly as it does from disk, so any of them can become the
/// default by changing `embedded::DEFAULT_MANIFEST`.
#[test]
fn every_embedded_dataset_loads_from_memory_as_from_disk() {
    use housing_need::{config::Manifest, embedded, ingest};
    let default = embedded::default_manifest().unwrap();
    let mount = default.parent().unwrap().parent().unwrap().to_path_buf();
    let manifests: Vec<&str> = embedded::geodata_files()
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.ends_with(".toml") && name.matches('/').count() == 1)
        .collect();
    assert!(manifests.len() >= 2, "{manifests:?}");
    for name in manifests {
        let disk = ingest::check(
            &Manifest::load(
                &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("geodata")
                    .join(name),
            )
            .unwrap(),
        );
        let memory = ingest::check(&Manifest::load(&mount.join(name)).unwrap());
        let problems =
            |r: &ingest::Report| r.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert!(
            problems(&disk).is_empty(),
            "{name} on disk: {:?}",
            problems(&disk)
        );
        assert!(
            problems(&memory).is_empty(),
            "{name} in memory: {:?}",
            problems(&memory)
        );
        assert_eq!(
            disk.warnings.len(),
            memory.warnings.len(),
            "{name}: warnings"
        );
        let (d, m) = (disk.dataset.unwrap(), memory.dataset.unwrap());
        assert_eq!(d.districts.len(), m.districts.len(), "{name}: districts");
        assert_eq!(
            d.population.len(),
            m.population.len(),
            "{name}: population rows"
        );
        assert_eq!(d.projects.len(), m.projects.len(), "{name}: projects");
    }
}

/// The stderr of `command` run with stderr piped (a terminal's `TERM` set, no `RUST_LOG`,
/// `NO_COLOR` or `HOUSING_NEED_DATA`), after checking that it succeeded and that the log is plain
/// lines: no escape sequences (colours, bars) and no carriage returns (redrawn lines).
fn piped_log(command: &mut Command) -> String {
    let out = command
        .env("TERM", "xterm")
        .env_remove("HOUSING_NEED_DATA")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "terminal control in a piped log: {stderr:?}"
    );
    stderr
}

/// Piped (as under systemd or into a file), the log is plain text, and `analyze` shows each
/// stage's time and memory once: in the table at the end.
#[test]
fn piped_logs_have_no_colours_and_stage_figures_are_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.gpkg");
    let stderr = piped_log(bin().args(["analyze", "--out"]).arg(out));
    let figures: Vec<&str> = stderr.lines().filter(|l| l.ends_with(" MB peak")).collect();
    let table = stderr
        .split("time and peak memory per stage:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no stage table: {stderr}"));
    let in_table: Vec<&str> = table.lines().filter(|l| l.ends_with(" MB peak")).collect();
    assert!(in_table.len() >= 5, "{table}");
    assert_eq!(
        figures, in_table,
        "stage figures outside the table: {stderr}"
    );
}

#[test]
fn log_colours_only_on_a_terminal_without_no_color() {
    use housing_need::commands::log_colours;
    use std::ffi::OsStr;
    assert!(log_colours(true, None));
    assert!(log_colours(true, Some(OsStr::new(""))));
    assert!(!log_colours(true, Some(OsStr::new("1"))));
    assert!(!log_colours(false, None));
}

/// What is real, estimated or missing travels with every output of the default dataset: the
/// GeoPackage's layer descriptions (QGIS's abstract) and file metadata, each GeoJSON's `notes`
/// member, and the CSV folder's `NOTES.txt`.
#[test]
fn every_output_carries_the_dataset_notes() {
    use gdal::Metadata;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("geodata")
        .join(housing_need::embedded::DEFAULT_MANIFEST);
    let notes = housing_need::config::Manifest::load(&path)
        .unwrap()
        .dataset
        .notes;
    assert!(notes.iter().any(|n| n.starts_with("Missing:")), "{notes:?}");
    let dir = tempfile::tempdir().unwrap();
    let analyze = |out: &str| {
        let run = bin()
            .args(["analyze", "--out"])
            .arg(dir.path().join(out))
            .env_remove("HOUSING_NEED_DATA")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{stderr}");
        stderr
    };
    // The run's own notes (estimated inputs), as analyze prints them.
    let stderr = analyze("o.gpkg");
    let run_notes: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("note: "))
        .collect();
    assert!(!run_notes.is_empty(), "{stderr}");
    let all: Vec<&str> = notes
        .iter()
        .map(String::as_str)
        .chain(run_notes.iter().copied())
        .collect();

    let gpkg = gdal::Dataset::open(dir.path().join("o.gpkg")).unwrap();
    let file_notes = gpkg.metadata_item("NOTES", "").unwrap_or_default();
    for layer in gpkg.layers() {
        let name = layer.name();
        if name == "layer_styles" {
            continue;
        }
        let description = layer.metadata_item("DESCRIPTION", "").unwrap_or_default();
        let title = layer.metadata_item("IDENTIFIER", "").unwrap_or_default();
        assert!(!title.is_empty(), "{name}: no title");
        for note in &all {
            assert!(
                description.contains(note),
                "{name}: '{note}' not in {description}"
            );
            assert!(
                file_notes.contains(note),
                "'{note}' not in the file's NOTES"
            );
        }
    }

    analyze("o.geojson");
    let mut geojson = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "geojson") {
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            let listed: Vec<&str> = doc["notes"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no notes", file.display()))
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            assert_eq!(listed, all, "{}", file.display());
            geojson += 1;
        }
    }
    assert!(geojson >= 3, "demand and the layers beside it");

    analyze("csv/");
    let text = std::fs::read_to_string(dir.path().join("csv/NOTES.txt")).unwrap();
    for note in &all {
        assert!(
            text.contains(&format!("- {note}\n")),
            "'{note}' not in NOTES.txt: {text}"
        );
    }
    assert!(text.contains("demand.csv"), "{text}");
}

/// Piped, `check` draws no progress bars: no escape sequences, no carriage returns, only lines.
#[test]
fn piped_check_draws_no_progress_bars() {
    let stderr = piped_log(bin().args(["check", "--data"]).arg(manifest()));
    assert!(
        stderr.contains("time and peak memory per stage:\n  read districts"),
        "{stderr}"
    );
}

#[test]
fn progress_bars_only_on_a_terminal_that_can_draw_them() {
    use housing_need::progress::bars_wanted;
    assert!(bars_wanted(true, None));
    assert!(bars_wanted(true, Some("xterm-256color".as_ref())));
    assert!(!bars_wanted(true, Some("dumb".as_ref())));
    assert!(!bars_wanted(false, Some("xterm".as_ref())));
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), `check` draws a spinner per
/// stage and a bar with the bytes of the address points read, then clears them.
#[test]
fn check_on_a_terminal_draws_a_bar_per_stage() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to give the command a pseudo-terminal");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made = bin()
        .args([
            "generate",
            "--districts",
            "20",
            "--persons",
            "200000",
            "--years",
            "1",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let toml = dir.path().join("national.toml");
    let line = format!(
        "'{}' check --data '{}'",
        env!("CARGO_BIN_EXE_housing-need"),
        toml.display()
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    // The spinner reads "⠁ read population 0s"; the table's line has spaces after the name.
    let spinner = shown
        .match_indices("read population ")
        .any(|(i, m)| shown[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(
        spinner && shown.contains("\r\u{1b}[2K"),
        "no stage spinner drawn and cleared: {shown:?}"
    );
    assert!(
        shown.contains("address points [") && shown.contains(" MiB "),
        "no bar for the address points: {shown:?}"
    );
    assert!(shown.contains("ok: "), "{shown}");
}
