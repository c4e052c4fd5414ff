//! Address points read column by column through GDAL's Arrow stream (GeoPackage, by a reader
//! per range of FIDs) and FlatGeobuf read directly give exactly what the feature-by-feature
//! reader (`columnar = false`) and the direct CSV reader give: the sample dataset's address
//! points, converted at test time with ogr2ogr to GeoPackage and FlatGeobuf (with and without
//! a spatial index),
//! sum to the same population, residences and join counts, and bad rows get the same messages
//! (file, row, field, value).

use std::path::{Path, PathBuf};
use std::process::Command;

use housing_need::config::Manifest;
use housing_need::ingest::{Finding, Report};

use crate::support::root;

/// The sample dataset's `[population]` lines for its CSV of address points.
const CSV_POPULATION: &str = "source = \"address_points.csv\"\ncrs = \"EPSG:3006\"\nopen_options = [\"X_POSSIBLE_NAMES=x\", \"Y_POSSIBLE_NAMES=y\", \"KEEP_GEOM_COLUMNS=NO\"]\n";

/// The sample dataset in a temporary folder, its address points edited by `edit` (line by
/// line, header included) and converted to `address_points.gpkg` and `.fgb`, with a manifest
/// per way of reading them.
struct Sample {
    dir: tempfile::TempDir,
}

impl Sample {
    fn new(edit: impl Fn(usize, &str) -> String) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let from = root().join("geodata/alingsas-sample");
        for entry in std::fs::read_dir(&from).expect("sample dataset") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("file name").to_owned();
            std::fs::copy(&path, dir.path().join(name)).expect("copy");
        }
        let csv = dir.path().join("address_points.csv");
        let text = std::fs::read_to_string(&csv).expect("address points");
        let edited: Vec<String> = text.lines().enumerate().map(|(i, l)| edit(i, l)).collect();
        std::fs::write(&csv, edited.join("\n") + "\n").expect("write");
        let gpkg = dir.path().join("address_points.gpkg");
        ogr2ogr(&[
            "-f",
            "GPKG",
            path(&gpkg),
            path(&csv),
            "-oo",
            "X_POSSIBLE_NAMES=x",
            "-oo",
            "Y_POSSIBLE_NAMES=y",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
            "-oo",
            "AUTODETECT_TYPE=YES",
            "-a_srs",
            "EPSG:3006",
            "-nln",
            "address_points",
        ]);
        // Without a spatial index FlatGeobuf keeps the features' order and NULL geometries.
        let fgb = dir.path().join("address_points.fgb");
        ogr2ogr(&[
            "-f",
            "FlatGeobuf",
            path(&fgb),
            path(&gpkg),
            "-lco",
            "SPATIAL_INDEX=NO",
        ]);
        // And with one, as ogr2ogr writes it by default: the index between header and features.
        ogr2ogr(&[
            "-f",
            "FlatGeobuf",
            path(&dir.path().join("address_points_indexed.fgb")),
            path(&gpkg),
        ]);
        let manifest = std::fs::read_to_string(dir.path().join("alingsas-sample.toml"))
            .expect("sample manifest");
        assert!(manifest.contains(CSV_POPULATION), "{manifest}");
        for (name, population) in [
            ("csv", CSV_POPULATION.to_string()),
            ("gpkg", "source = \"address_points.gpkg\"\n".to_string()),
            (
                "gpkg-features",
                "source = \"address_points.gpkg\"\ncolumnar = false\n".to_string(),
            ),
            ("fgb", "source = \"address_points.fgb\"\n".to_string()),
            (
                "fgb-features",
                "source = \"address_points.fgb\"\ncolumnar = false\n".to_string(),
            ),
            (
                "fgb-indexed",
                "source = \"address_points_indexed.fgb\"\n".to_string(),
            ),
        ] {
            let text = manifest.replace(CSV_POPULATION, &population);
            std::fs::write(dir.path().join(format!("{name}.toml")), text).expect("manifest");
        }
        Self { dir }
    }

    /// The library's check with the manifest `name` (`csv`, `gpkg`, `gpkg-features`, …).
    fn report(&self, name: &str) -> Report {
        let path: PathBuf = self.dir.path().join(format!("{name}.toml"));
        let manifest = Manifest::load(&path).expect("manifest parses");
        housing_need::ingest::check(&manifest)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (Debian package gdal-bin) is installed");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a read of address points comes to: population records, residences and the join.
type Summary = (
    Vec<(usize, i32, String, usize, f64)>,
    Vec<(f64, f64, usize, f64)>,
    (u64, u64, f64),
);

fn summary(report: &Report) -> Summary {
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let dataset = report.dataset.as_ref().expect("dataset");
    let join = report
        .joins
        .iter()
        .find(|j| j.part == "population")
        .expect("population join");
    (
        dataset
            .population
            .iter()
            .map(|r| {
                (
                    r.district,
                    r.year,
                    format!("{:?}", r.sex),
                    r.band,
                    r.persons,
                )
            })
            .collect(),
        dataset
            .residences
            .iter()
            .map(|r| (r.point.x(), r.point.y(), r.district, r.persons))
            .collect(),
        (join.points, join.outside, join.amount_outside),
    )
}

#[test]
fn columnar_reads_sum_to_what_the_feature_and_csv_readers_sum_to() {
    let sample = Sample::new(|_, line| line.to_string());
    let csv = summary(&sample.report("csv"));
    assert!(csv.0.len() > 1000 && csv.1.len() > 1000, "a real sample");
    assert!(csv.2 .0 > 100_000, "every address row read: {:?}", csv.2);
    for name in ["gpkg", "gpkg-features", "fgb", "fgb-features"] {
        assert_eq!(summary(&sample.report(name)), csv, "{name}");
    }
    // With a spatial index the features are in the index's order, after it: the same sums.
    let indexed = summary(&sample.report("fgb-indexed"));
    assert_eq!((&indexed.0, &indexed.2), (&csv.0, &csv.2), "fgb-indexed");
    // The binary says (at debug level) which way it read them.
    let arrow = "reading column by column through GDAL's Arrow stream";
    let ranges = "2 readers, each its own range of FIDs";
    let direct = "reading FlatGeobuf features directly";
    for (name, said, unsaid) in [
        ("gpkg", vec![arrow], vec![direct]),
        ("gpkg-features", vec![], vec![arrow, direct]),
        ("fgb", vec![direct], vec![arrow]),
        ("fgb-indexed", vec![direct], vec![arrow]),
        ("fgb-features", vec![], vec![arrow, direct]),
    ] {
        let manifest = sample.dir.path().join(format!("{name}.toml"));
        let run = crate::support::run(&["check", "-v", "--data", path(&manifest)]);
        assert_eq!(run.code, Some(0), "{}", run.all());
        for line in said {
            assert!(
                run.stderr.contains(line),
                "{name}: no {line:?}: {}",
                run.stderr
            );
        }
        for line in unsaid {
            assert!(
                !run.stderr.contains(line),
                "{name}: {line:?}: {}",
                run.stderr
            );
        }
        // On two cores or more a GeoPackage this size is read by a reader per range of FIDs.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if name == "gpkg" && cores == 2 {
            assert!(run.stderr.contains(ranges), "{}", run.stderr);
        }
    }
}

/// A problem's row, field, value and message.
type Located = (Option<u64>, Option<String>, Option<String>, String);

/// Problems without the file, which differs between the formats.
fn located(problems: &[Finding]) -> Vec<Located> {
    problems
        .iter()
        .map(|p| (p.row, p.field.clone(), p.value.clone(), p.message.clone()))
        .collect()
}

#[test]
fn bad_rows_are_named_the_same_column_by_column_feature_by_feature_and_from_csv() {
    // Data row 2 has no coordinates (a NULL geometry in GeoPackage and FlatGeobuf), row 4 a negative
    // count, row 5 an unknown sex, row 6 a fractional count (so `persons` is a Real field),
    // row 9 an unknown age band, row 12 a year out of range and row 100,000 an unknown sex.
    let sample = Sample::new(|i, line| {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        match i {
            2 => {
                cells[1].clear();
                cells[2].clear();
            }
            4 => cells[6] = "-1".into(),
            5 => cells[4] = "x".into(),
            6 => cells[6] = "2.5".into(),
            9 => cells[5] = "30-35".into(),
            12 => cells[3] = "1700".into(),
            // In the second half of the file: a GeoPackage this size is read by one reader
            // per range of FIDs, and the problems still come in the file's order.
            100_000 => cells[4] = "y".into(),
            _ => {}
        }
        cells.join(",")
    });
    let lines = |name: &str| -> Vec<String> {
        let report = sample.report(name);
        assert!(report.dataset.is_none(), "{name} has problems");
        report.problems.iter().map(|p| p.to_string()).collect()
    };
    let gpkg = lines("gpkg");
    assert_eq!(gpkg, lines("gpkg-features"), "GeoPackage");
    assert_eq!(lines("fgb"), lines("fgb-features"), "FlatGeobuf");
    for expected in [
        "address_points.gpkg: row 2: field 'geometry': empty or missing geometry",
        "address_points.gpkg: row 4: field 'persons': value '-1': negative count",
        "address_points.gpkg: row 5: field 'sex': value 'x': unknown sex 'x'",
        "address_points.gpkg: row 6: field 'persons': value '2.5': fractional count",
        "address_points.gpkg: row 9: field 'age_band': value '30-35'",
        "address_points.gpkg: row 12: field 'year': value '1700': year out of range",
        "address_points.gpkg: row 100000: field 'sex': value 'y': unknown sex 'y'",
    ] {
        assert!(
            gpkg.iter().any(|l| l.contains(expected)),
            "no {expected:?} in {gpkg:#?}"
        );
    }
    // FlatGeobuf numbers its features from 0, and GDAL may leave the feature without a
    // geometry out of it: the same fields, values and messages otherwise.
    let unnumbered = |name: &str| -> Vec<_> {
        located(&sample.report(name).problems)
            .into_iter()
            .filter(|p| p.1.as_deref() != Some("geometry"))
            .map(|(_, f, v, m)| (f, v, m))
            .collect()
    };
    assert_eq!(unnumbered("fgb"), unnumbered("gpkg"));
    // The CSV names the same rows, fields and values in the same words.
    assert_eq!(
        located(&sample.report("csv").problems),
        located(&sample.report("gpkg").problems)
    );
}

#[test]
fn a_quoted_field_past_the_first_megabyte_sends_the_csv_through_gdal() {
    // Data row 100,000 (some 4 MB into the file) has a quoted address holding the separator
    // and a line break; GDAL reads it as one field, as ogr2ogr did for the GeoPackage.
    let sample = Sample::new(|i, line| {
        if i != 100_000 {
            return line.to_string();
        }
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[0] = format!("\"{},\n{}\"", cells[0], cells[0]);
        cells.join(",")
    });
    let csv = sample.dir.path().join("address_points.csv");
    let text = std::fs::read_to_string(&csv).expect("address points");
    let quote = text.find('"').expect("the quoted field");
    assert!(
        quote > 1 << 20,
        "the quote is past the first megabyte: {quote}"
    );
    assert_eq!(
        summary(&sample.report("csv")),
        summary(&sample.report("gpkg-features"))
    );
    let run = crate::support::run(&[
        "check",
        "-v",
        "--data",
        path(&sample.dir.path().join("csv.toml")),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert!(
        run.stderr
            .contains("a quoted field past the first megabyte: read through GDAL"),
        "{}",
        run.stderr
    );
}
