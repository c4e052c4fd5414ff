//! The synthetic dataset generator (`housing-need generate`) at a small scale: what it writes
//! is a valid dataset, the same for the same seed, and its address points read the same from
//! CSV, GeoPackage and FlatGeobuf.

use housing_need::config::Manifest;
use housing_need::synthetic::{generate, PointFormat, Scale};

fn scale(seed: u64) -> Scale {
    Scale {
        districts: 30,
        persons: 4_000,
        years: 2,
        seed,
        point_formats: vec![PointFormat::GeoPackage, PointFormat::FlatGeobuf],
    }
}

#[test]
fn a_generated_dataset_checks_clean_in_every_point_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let done = generate(dir.path(), &scale(7)).expect("generate");
    assert_eq!(done.manifests.len(), 3);
    assert_eq!(done.persons, 4_000);
    let mut populations = Vec::new();
    for manifest in &done.manifests {
        let manifest = Manifest::load(manifest).expect("manifest");
        let report = housing_need::ingest::check(&manifest);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let dataset = report.dataset.expect("dataset");
        assert_eq!(dataset.districts.len(), 30);
        let base: f64 = dataset
            .population
            .iter()
            .filter(|r| r.year == 2018)
            .map(|r| r.persons)
            .sum();
        assert_eq!(base, 4_000.0, "{}", manifest.path.display());
        let join = &report.joins[0];
        assert_eq!((join.points, join.outside), (done.address_rows, 0));
        populations.push(
            dataset
                .population
                .iter()
                .map(|r| (r.district, r.year, r.sex, r.band, r.persons))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(populations[0], populations[1], "CSV and GeoPackage");
    assert_eq!(populations[0], populations[2], "CSV and FlatGeobuf");
}

#[test]
fn the_same_seed_writes_the_same_files_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let text = Scale {
        point_formats: vec![],
        ..scale(1)
    };
    generate(a.path(), &text).expect("generate");
    generate(b.path(), &text).expect("generate");
    generate(c.path(), &Scale { seed: 2, ..text }).expect("generate");
    for name in ["address_points.csv", "migration.csv", "projects.csv"] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(name)).expect("read");
        assert_eq!(read(&a), read(&b), "{name}");
        assert_ne!(read(&a), read(&c), "{name}");
    }
}
