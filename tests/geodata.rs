//! The embedded default dataset is made by its generator: rebuilding it gives the committed
//! files byte for byte, and it loads with the seed's observed totals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::path::Path;
use std::process::Command;

#[test]
fn generator_rebuilds_the_default_dataset_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/make-geodata"))
        .arg("--check")
        .output()
        .expect("python3 runs the generator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(
        out.status.success(),
        "geodata/alingsas-sample differs from a fresh build:\n{text}"
    );
}

#[test]
fn default_dataset_has_the_seeds_observed_totals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = housing_need::config::Manifest::load(
        &root.join("geodata/alingsas-sample/alingsas-sample.toml"),
    )
    .unwrap();
    let ds = housing_need::ingest::load(&m).unwrap();
    let bands = &ds.bands;
    let b65_79 = bands.indices_within(65, Some(79));
    let b80 = bands.indices_within(80, None);
    // The seed's table "Utvecklingen av antalet äldre i Alingsås" for the observed years.
    for (year, want_65_79, want_80) in [
        (2016, 6519.0, 2271.0),
        (2017, 6654.0, 2315.0),
        (2018, 6756.0, 2365.0),
    ] {
        let sum = |idx: &[usize]| -> f64 {
            ds.population
                .iter()
                .filter(|r| r.year == year && idx.contains(&r.band))
                .map(|r| r.persons)
                .sum()
        };
        assert_eq!(sum(&b65_79), want_65_79, "65–79 in {year}");
        assert_eq!(sum(&b80), want_80, "80+ in {year}");
    }
    assert!(ds.districts.len() >= 20 && ds.districts.len() <= 25);
    assert!(
        ds.residences.len() >= 15_000,
        "{} address points",
        ds.residences.len()
    );
}
