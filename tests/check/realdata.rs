//! The committed real dataset `geodata/alingsas-deso2025/` (SCB's 23 DeSO 2025 areas of
//! Alingsås): `check` passes, the per-district totals equal the population CSV's own sums per
//! DeSO, and the tenure counts and indicators that are fields of the polygons are loaded as
//! dwellings and indicators.

use std::collections::BTreeMap;

use housing_need::domain::Tenure;

use crate::support::{check, report, root};

const MANIFEST: &str = "geodata/alingsas-deso2025/alingsas-deso2025.toml";

#[test]
fn real_deso2025_passes_and_matches_the_csv_sums() {
    let folder = root().join("geodata/alingsas-deso2025/deso2025_am-dashboard");
    let run = check(MANIFEST);
    run.assert_ok();
    assert!(run.stdout.contains("districts:  23"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("note:       Missing: no pipeline projects"));

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

    // The polygons' own `pop` total, for comparison: SCB perturbs each cell (CKM), so they
    // differ by a few persons.
    let geojson: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("alingsas_deso2025.geojson")).unwrap(),
    )
    .unwrap();
    let features = geojson["features"].as_array().unwrap();
    let pop: f64 = features
        .iter()
        .map(|f| f["properties"]["pop"].as_f64().unwrap())
        .sum();
    let bands: f64 = loaded.values().sum();
    assert_eq!(pop, 42_855.0);
    assert!((bands - pop).abs() <= 50.0, "{bands} against {pop}");
    println!(
        "real DeSO 2025 (Alingsås): {} districts, {bands:.0} persons summed over age bands, \
         {pop:.0} in the polygons' `pop` (difference {:+.0}: SCB's cell-key noise)",
        dataset.districts.len(),
        bands - pop
    );

    // Dwellings by tenure and the indicators are fields of the polygons: every one is loaded.
    let field = |f: &serde_json::Value, key: &str| f["properties"][key].as_f64().unwrap();
    let rental: f64 = features.iter().map(|f| field(f, "dist_tenure_1")).sum();
    let stock: f64 = features
        .iter()
        .map(|f| {
            [
                "dist_tenure_1",
                "dist_tenure_2",
                "dist_tenure_3",
                "dist_tenure_OVRIGT",
            ]
            .iter()
            .map(|k| field(f, k))
            .sum::<f64>()
        })
        .sum();
    let loaded_rental: f64 = dataset
        .dwellings
        .iter()
        .filter(|r| r.tenure == Tenure::Hyresratt && r.year == 2025)
        .map(|r| r.dwellings)
        .sum();
    let loaded_stock: f64 = dataset.dwellings.iter().map(|r| r.dwellings).sum();
    assert_eq!(loaded_rental, rental);
    assert_eq!(loaded_stock, stock);
    println!("dwellings 2025: {loaded_stock:.0}, of which {loaded_rental:.0} hyresrätt");
    let employment: Vec<f64> = dataset
        .indicators
        .iter()
        .filter(|r| r.indicator == "employment" && r.year == 2024)
        .map(|r| r.value)
        .collect();
    assert_eq!(employment.len(), 23);
    let regso_types = dataset
        .indicators
        .iter()
        .filter(|r| r.indicator == "regso_type")
        .count();
    assert_eq!(regso_types, 46);
}
