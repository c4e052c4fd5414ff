//! The real DeSO 2025 areas of Alingsås (SCB) from the shared real-data folder next to the
//! repository: `check` passes, and the per-district totals equal the CSV's own sums per DeSO.

use std::collections::BTreeMap;

use crate::support::{check, report, root};

const MANIFEST: &str = "tests/realdata/deso2025.toml";

#[test]
fn real_deso2025_passes_and_matches_the_csv_sums() {
    let folder = root().join("../shared/realdata/deso2025_am-dashboard");
    if !folder.is_dir() {
        println!(
            "skipped: {} is absent (the real open data sits next to the repository, not in it)",
            folder.display()
        );
        return;
    }
    let run = check(MANIFEST);
    run.assert_ok();
    assert!(run.stdout.contains("districts:  23"), "{}", run.stdout);

    let dataset = report(MANIFEST).dataset.expect("real data loads");
    let mut loaded: BTreeMap<String, f64> = BTreeMap::new();
    for r in &dataset.population {
        assert_eq!(r.year, 2025);
        *loaded
            .entry(dataset.districts[r.district].id.clone())
            .or_default() += r.persons;
    }

    // The CSV's own sums per DeSO, read independently of the loader.
    let csv = std::fs::read_to_string(folder.join("alingsas_deso2025_pop_age_sex.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let deso = header.iter().position(|h| *h == "deso").unwrap();
    let persons = header.iter().position(|h| *h == "persons").unwrap();
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        *expected.entry(f[deso].to_string()).or_default() += f[persons].parse::<f64>().unwrap();
    }
    assert_eq!(expected.len(), 23);
    assert_eq!(loaded, expected);

    // The polygons' own `pop` total, for comparison: SCB rounds each band, so they differ.
    let geojson: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("alingsas_deso2025.geojson")).unwrap(),
    )
    .unwrap();
    let pop: f64 = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["pop"].as_f64().unwrap())
        .sum();
    let bands: f64 = loaded.values().sum();
    assert_eq!(pop, 42_855.0);
    println!(
        "real DeSO 2025 (Alingsås): {} districts, {bands:.0} persons summed over age bands, \
         {pop:.0} in the polygons' `pop` (difference {:+.0}: SCB's rounding)",
        dataset.districts.len(),
        bands - pop
    );
}
