//! The demand model's correctness gates: observed years reproduce the inputs, a closed
//! population without deaths or births only ages, a hand-computed three-district case for
//! households, demand, care places and gap, conservation (districts add up to the municipal
//! projection on summed inputs), and the dependency ratio of observed years.
//!
//! Datasets are built by hand here (small squares as districts); the default dataset is used
//! where it loads.
// Loops over sex and age index several arrays at once, as the formulas in the docs do.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;
use std::path::Path;

use approx::assert_relative_eq;
use chrono::NaiveDate;
use geo::{polygon, MultiPolygon};

use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, MigrationRecord, PopulationRecord,
    Project, ProjectStage, Sex, StageDates, Tenure,
};
use housing_need::model::{self, DemandRow, ModelParams, ModelRun};

const BANDS: usize = 17;

/// The input of `benches/model.rs`, at any number of districts.
#[path = "../benches/support/synthetic.rs"]
mod synthetic;

fn square(x0: f64, y0: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0),
        (x: x0 + 1000.0, y: y0),
        (x: x0 + 1000.0, y: y0 + 1000.0),
        (x: x0, y: y0 + 1000.0),
        (x: x0, y: y0),
    ]])
}

fn district(i: usize) -> District {
    let x = 350_000.0 + 1000.0 * i as f64;
    District {
        id: format!("D{i}"),
        name: format!("District {i}"),
        geometry: square(x, 6_420_000.0),
        geometry_lonlat: square(12.5 + 0.01 * i as f64, 57.9),
    }
}

fn dataset(n_districts: usize) -> Dataset {
    Dataset {
        name: "test".into(),
        municipality: Some("9999".into()),
        bands: AgeBands::five_year(80),
        districts: (0..n_districts).map(district).collect(),
        population: Vec::new(),
        residences: Vec::new(),
        migration: Vec::new(),
        dwellings: Vec::new(),
        indicators: Vec::new(),
        transit: Vec::new(),
        projects: Vec::new(),
        as_of: None,
        series: Default::default(),
    }
}

fn pop(district: usize, year: i32, sex: Sex, band: usize, persons: f64) -> PopulationRecord {
    PopulationRecord {
        district,
        year,
        sex,
        band,
        persons,
    }
}

fn dwellings(district: usize, year: i32, t: DwellingType, n: f64) -> DwellingRecord {
    DwellingRecord {
        district,
        year,
        dwelling_type: t,
        tenure: Tenure::Hyresratt,
        dwellings: n,
    }
}

/// A deterministic, varied population: every district, year, sex and band gets whole persons.
fn varied_population(ds: &mut Dataset, years: &[i32]) {
    for d in 0..ds.districts.len() {
        for &y in years {
            for (s, sex) in [Sex::Male, Sex::Female].into_iter().enumerate() {
                for b in 0..BANDS {
                    let v = ((d * 37 + b * 11 + s * 5 + (y as usize % 7) * 3) % 60 + 10) as f64;
                    ds.population.push(pop(d, y, sex, b, v));
                }
            }
        }
    }
}

/// Migration per district with rates that differ between districts.
fn varied_migration(ds: &mut Dataset, years: &[i32], per_district: bool) {
    for d in 0..ds.districts.len() {
        for &y in years {
            for sex in [Sex::Male, Sex::Female] {
                for b in 0..BANDS {
                    let i = ((d * 13 + b * 7 + y as usize) % 9) as f64;
                    ds.migration.push(MigrationRecord {
                        district: per_district.then_some(d),
                        year: y,
                        sex,
                        band: b,
                        in_migrants: 1.0 + i,
                        out_migrants: 0.5 + (i * (d + 1) as f64) % 6.0,
                    });
                }
            }
        }
    }
}

fn project(id: &str, district: usize, stage: ProjectStage, date: &str, n: f64) -> Project {
    let mut dates = StageDates::default();
    dates.set(
        stage,
        Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("an ISO date")),
    );
    Project {
        id: id.into(),
        name: id.into(),
        district: Some(district),
        geometry: None,
        geometry_lonlat: None,
        dwellings: n,
        dwelling_type: DwellingType::Flerbostadshus,
        tenure: Tenure::Hyresratt,
        dates,
        appealed: false,
    }
}

fn row<'a>(run: &'a ModelRun, district: &str, year: i32) -> &'a DemandRow {
    run.rows
        .iter()
        .find(|r| r.district == district && r.year == year)
        .unwrap_or_else(|| panic!("no row for {district} {year}"))
}

#[test]
fn observed_years_reproduce_the_inputs_exactly() {
    let mut ds = dataset(3);
    varied_population(&mut ds, &[2016, 2017, 2018]);
    varied_migration(&mut ds, &[2016, 2017, 2018], true);
    let run = model::run(&ds, &ModelParams::default());
    assert_eq!(run.first_year, 2016);
    assert_eq!(run.base_year, 2018);
    assert_eq!(run.horizon_year, 2028);
    assert_eq!(run.rows.len(), 3 * 13);
    for r in &ds.population {
        let got = run.cohorts.get(r.year, r.district, r.sex, r.band).unwrap();
        assert_eq!(got, r.persons, "{r:?}");
    }
    let mut totals: BTreeMap<(usize, i32), f64> = BTreeMap::new();
    for r in &ds.population {
        *totals.entry((r.district, r.year)).or_default() += r.persons;
    }
    for ((d, y), total) in totals {
        let row = row(&run, &format!("D{d}"), y);
        assert_eq!(row.population, total);
        assert!(row.observed);
    }
    assert!(run
        .rows
        .iter()
        .filter(|r| r.year > 2018)
        .all(|r| !r.observed));
    // Rows are ordered by district, then year.
    let keys: Vec<(String, i32)> = run
        .rows
        .iter()
        .map(|r| (r.district.to_string(), r.year))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn population_given_for_both_sexes_only_is_split_and_said() {
    let mut ds = dataset(2);
    for d in 0..2 {
        for b in 0..BANDS {
            ds.population
                .push(pop(d, 2018, Sex::Total, b, (b * 3 + d + 1) as f64));
        }
    }
    let run = model::run(&ds, &ModelParams::default());
    for r in &ds.population {
        assert_eq!(
            run.cohorts.get(2018, r.district, Sex::Total, r.band),
            Some(r.persons)
        );
        assert_eq!(
            run.cohorts.get(2018, r.district, Sex::Female, r.band),
            Some(r.persons / 2.0)
        );
    }
    assert!(
        run.notes.iter().any(|n| n.contains("split 50/50")),
        "{:?}",
        run.notes
    );
    assert!(
        run.notes.iter().any(|n| n.contains("closed")),
        "{:?}",
        run.notes
    );
}

/// The default dataset, when ingest can load it.
fn default_dataset() -> Option<(Dataset, ModelParams)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample/alingsas-sample.toml");
    let manifest = match housing_need::config::Manifest::load(&path) {
        Ok(m) => m,
        Err(e) => {
            println!("skipped: the default manifest does not load: {e}");
            return None;
        }
    };
    match housing_need::ingest::load(&manifest) {
        Ok(ds) => Some((ds, manifest.model)),
        Err(e) => {
            println!("skipped: the default dataset does not load yet: {e}");
            None
        }
    }
}

#[test]
fn seed_comparison_on_the_default_dataset() {
    let Some((ds, params)) = default_dataset() else {
        return;
    };
    let run = model::run(&ds, &params);
    println!("{}", housing_need::commands::analyze::seed_comparison(&run));
    let (year, seed_65_79, seed_80) = housing_need::commands::analyze::seed_2027();
    // The seed's table: Statisticon's 2027 figures for Alingsås.
    assert_eq!((year, seed_65_79, seed_80), (2027, 6948.0, 3479.0));
    let total = |f: fn(&DemandRow) -> f64| {
        run.rows
            .iter()
            .filter(|r| r.year == year)
            .map(f)
            .sum::<f64>()
    };
    let p65 = total(|r| r.population_65_79);
    let p80 = total(|r| r.population_80_plus);
    assert!(
        ((p65 - seed_65_79) / seed_65_79).abs() < 0.10,
        "65-79: {p65}"
    );
    assert!(((p80 - seed_80) / seed_80).abs() < 0.10, "80+: {p80}");
}

#[test]
fn dependency_ratio_of_observed_years_equals_the_inputs() {
    let mut ds = dataset(4);
    varied_population(&mut ds, &[2017, 2018]);
    let run = model::run(&ds, &ModelParams::default());
    let mut groups: BTreeMap<(usize, i32), [f64; 3]> = BTreeMap::new();
    for r in &ds.population {
        let g = groups.entry((r.district, r.year)).or_default();
        let lo = ds.bands.as_slice()[r.band].lo;
        let i = match lo {
            0..=19 => 0,
            20..=64 => 1,
            _ => 2,
        };
        g[i] += r.persons;
    }
    for ((d, y), [young, working, old]) in groups {
        let row = row(&run, &format!("D{d}"), y);
        assert_relative_eq!(
            row.dependency_ratio,
            (young + old) / working,
            max_relative = 1e-12
        );
    }
}

#[test]
fn dependency_ratio_of_the_default_dataset_equals_its_inputs() {
    let Some((ds, params)) = default_dataset() else {
        return;
    };
    let run = model::run(&ds, &params);
    let (mut young, mut working, mut old) = (0.0, 0.0, 0.0);
    for r in ds.population.iter().filter(|r| r.year == run.base_year) {
        match ds.bands.as_slice()[r.band].lo {
            0..=19 => young += r.persons,
            20..=64 => working += r.persons,
            _ => old += r.persons,
        }
    }
    let rows: Vec<&DemandRow> = run
        .rows
        .iter()
        .filter(|r| r.year == run.base_year)
        .collect();
    let sum = |f: fn(&DemandRow) -> f64| rows.iter().map(|r| f(r)).sum::<f64>();
    let municipal =
        (sum(|r| r.population_0_19) + sum(|r| r.population_65_79) + sum(|r| r.population_80_plus))
            / sum(|r| r.population_20_64);
    assert_relative_eq!(municipal, (young + old) / working, max_relative = 1e-12);
    println!(
        "dependency ratio {}: {municipal:.3} (seed: 0.86 in Alingsås 2018)",
        run.base_year
    );
}

#[test]
fn pipeline_is_cumulative_from_the_year_after_the_base() {
    let mut ds = dataset(1);
    ds.population.push(pop(0, 2018, Sex::Female, 6, 100.0));
    ds.dwellings
        .push(dwellings(0, 2018, DwellingType::Flerbostadshus, 50.0));
    // Moved into in 2017: already stock. Startbesked 2018-03: expected 2019 (1.7 years).
    let mut done = project("done", 0, ProjectStage::Inflyttning, "2017-05-01", 10.0);
    done.dates.set(
        ProjectStage::Startbesked,
        NaiveDate::from_ymd_opt(2016, 1, 1),
    );
    ds.projects.push(done);
    ds.projects.push(project(
        "start",
        0,
        ProjectStage::Startbesked,
        "2018-03-01",
        20.0,
    ));
    ds.projects.push(project(
        "plan",
        0,
        ProjectStage::Planuppdrag,
        "2018-01-15",
        100.0,
    ));
    let params = ModelParams::default();
    let run = model::run(&ds, &params);
    let p = |year| row(&run, "D0", year).dwellings_pipeline;
    assert_eq!(p(2018), 0.0);
    assert_relative_eq!(p(2019), 20.0 * 0.97, max_relative = 1e-12);
    // Planuppdrag in January 2018 + 6.3 years: 2024, with probability 0.6.
    assert_relative_eq!(p(2023), 20.0 * 0.97, max_relative = 1e-12);
    assert_relative_eq!(p(2024), 20.0 * 0.97 + 60.0, max_relative = 1e-12);
    assert_relative_eq!(p(2028), 20.0 * 0.97 + 60.0, max_relative = 1e-12);
}

#[test]
fn real_deso_2025_data_runs_and_keeps_the_base_year() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata/alingsas-deso2025/alingsas-deso2025.toml");
    let Ok(manifest) = housing_need::config::Manifest::load(&path) else {
        println!("skipped: {} does not load", path.display());
        return;
    };
    let ds = match housing_need::ingest::load(&manifest) {
        Ok(ds) => ds,
        Err(e) => {
            println!("skipped: the real data do not load here: {e}");
            return;
        }
    };
    let run = model::run(&ds, &manifest.model);
    assert_eq!(run.base_year, 2025);
    assert_eq!(run.horizon_year, 2035);
    // Open: net migration estimated from the kommun's series, positive as it has been.
    assert!(
        run.notes.iter().any(|n| n.contains("residual")),
        "{:?}",
        run.notes
    );
    let net: f64 = run
        .municipal
        .windows(2)
        .map(|w| model::aggregate_total(&w[1].1) - model::aggregate_total(&w[0].1))
        .sum();
    assert!(net > 0.0, "the population grows: {net}");
    let mut input: BTreeMap<usize, f64> = BTreeMap::new();
    for r in ds.population.iter().filter(|r| r.year == 2025) {
        *input.entry(r.district).or_default() += r.persons;
    }
    for (d, district) in ds.districts.iter().enumerate() {
        let r = row(&run, &district.id, 2025);
        assert_eq!(
            r.population,
            input.get(&d).copied().unwrap_or(0.0),
            "{}",
            district.id
        );
    }
    let total: f64 = run
        .rows
        .iter()
        .filter(|r| r.year == 2035)
        .map(|r| r.population)
        .sum();
    println!(
        "real DeSO 2025 data: {} districts, 2035 population {total:.0}",
        ds.districts.len()
    );
}

fn synthetic_for_conservation(per_district_migration: bool) -> Dataset {
    let mut ds = dataset(5);
    varied_population(&mut ds, &[2014, 2015, 2016, 2017, 2018]);
    varied_migration(
        &mut ds,
        &[2014, 2015, 2016, 2017, 2018],
        per_district_migration,
    );
    for d in 0..5 {
        ds.dwellings.push(dwellings(
            d,
            2018,
            DwellingType::Flerbostadshus,
            300.0 + d as f64,
        ));
    }
    ds.projects
        .push(project("P1", 1, ProjectStage::Samrad, "2016-03-01", 120.0));
    ds.projects.push(project(
        "P2",
        3,
        ProjectStage::Startbesked,
        "2018-09-01",
        40.0,
    ));
    ds
}

mod outputs {
    //! `analyze`'s writers: GeoPackage, GeoJSON and CSV, read back as a user's tool would.

    use super::*;
    use gdal::vector::LayerAccess;
    use housing_need::export;
    use housing_need::layers::Layers;

    fn small_run() -> (Dataset, ModelRun) {
        let ds = synthetic_for_conservation(true);
        let run = model::run(
            &ds,
            &ModelParams {
                horizon: 3,
                ..ModelParams::default()
            },
        );
        (ds, run)
    }

    #[test]
    fn geopackage_has_one_demand_feature_per_district_and_year() {
        let (ds, run) = small_run();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("out.gpkg");
        let written = export::write(&path, &Layers::from_parts(&ds, &run, &[], None), |_| {})
            .expect("written");
        assert_eq!(written.count("demand"), 5 * 8);
        // Written again: overwritten, and said so.
        let mut said = Vec::new();
        export::write(&path, &Layers::from_parts(&ds, &run, &[], None), |m| {
            said.push(m.to_string())
        })
        .expect("written");
        assert!(
            said.iter().any(|m| m.starts_with("overwriting")),
            "{said:?}"
        );

        let gpkg = gdal::Dataset::open(&path).expect("opens");
        let demand = gpkg.layer_by_name("demand").expect("demand layer");
        assert_eq!(demand.feature_count(), 40);
        let srs = demand.spatial_ref().expect("a CRS");
        assert_eq!(srs.auth_code().expect("EPSG code"), 3006);
        let fields: Vec<(String, u32)> = demand
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect();
        let names: Vec<&str> = fields.iter().map(|f| f.0.as_str()).collect();
        let columns = housing_need::layers::demand::columns();
        let expected: Vec<&str> = columns.iter().map(|c| c.field.name.as_str()).collect();
        assert_eq!(names, expected);
        let type_of = |name: &str| fields.iter().find(|f| f.0 == name).map(|f| f.1);
        use gdal::vector::OGRFieldType;
        assert_eq!(type_of("year"), Some(OGRFieldType::OFTInteger));
        assert_eq!(type_of("observed"), Some(OGRFieldType::OFTInteger));
        assert_eq!(type_of("gap_per_1000"), Some(OGRFieldType::OFTReal));
        assert_eq!(type_of("district"), Some(OGRFieldType::OFTString));
        let districts = gpkg.layer_by_name("districts").expect("districts layer");
        assert_eq!(districts.feature_count(), 5);
        let styles = gpkg.layer_by_name("layer_styles").expect("QGIS styles");
        assert_eq!(styles.feature_count(), 2);
        // Nothing but the output is left in the folder.
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(files, vec![std::ffi::OsString::from("out.gpkg")]);
    }

    #[test]
    fn geojson_is_crs84_with_the_row_properties() {
        let (ds, run) = small_run();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("out.geojson");
        export::write(&path, &Layers::from_parts(&ds, &run, &[], None), |_| {}).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let features = json["features"].as_array().expect("features");
        assert_eq!(features.len(), 40);
        let f = &features[0];
        assert_eq!(f["id"], "D0-2014");
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        let first = &f["geometry"]["coordinates"][0][0][0];
        assert_relative_eq!(first[0].as_f64().expect("lon"), 12.5);
        assert_relative_eq!(first[1].as_f64().expect("lat"), 57.9);
        assert_eq!(f["properties"]["observed"], true);
        assert_eq!(f["properties"]["year"], 2014);
        let keys: Vec<&str> = f["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), housing_need::layers::demand::columns().len());
    }

    #[test]
    fn a_folder_gets_demand_and_districts_csv() {
        let (ds, run) = small_run();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("results");
        export::write(&out, &Layers::from_parts(&ds, &run, &[], None), |_| {}).expect("written");
        let mut reader = csv::Reader::from_path(out.join("demand.csv")).expect("demand.csv");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(header[0], "district");
        assert_eq!(header.len(), housing_need::layers::demand::columns().len());
        assert_eq!(reader.records().count(), 40);
        let districts = csv::Reader::from_path(out.join("districts.csv"))
            .expect("districts.csv")
            .records()
            .count();
        assert_eq!(districts, 5);
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let (ds, run) = small_run();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("missing-folder").join("out.gpkg");
        assert!(export::write(&path, &Layers::from_parts(&ds, &run, &[], None), |_| {}).is_err());
        assert!(!path.exists());
        assert!(export::write(
            &dir.path().join("out.shp"),
            &Layers::from_parts(&ds, &run, &[], None),
            |_| {}
        )
        .is_err());
        assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 0);
    }
}

#[test]
fn model_parameters_read_from_toml_with_defaults_for_the_rest() {
    let params: ModelParams = toml::from_str(
        r#"
        horizon = 5
        scenario = "high"
        [levers]
        net_migration_multiplier = 0.9
        [scenarios.high]
        net_migration_multiplier = 1.5
        pipeline_delay_years = 2
        [persons_per_new_dwelling]
        smahus = 3.0
        "#,
    )
    .expect("valid parameters");
    assert_eq!(params.horizon, 5);
    assert_eq!(params.scenario, "high");
    let levers = params.active_levers().expect("a scenario of the manifest");
    assert_eq!(levers.net_migration_multiplier, Some(1.5));
    assert_eq!(levers.pipeline_delay_years, Some(2));
    assert_relative_eq!(params.persons_per_new_dwelling.smahus, 3.0);
    assert_relative_eq!(params.persons_per_new_dwelling.rental_flat, 2.0);
    assert_relative_eq!(params.vacancy_reserve, 0.01);
    assert!(params.validate(&AgeBands::five_year(80)).is_empty());
    let wrong: ModelParams = toml::from_str("headship = [0.5, 0.5]").expect("parses");
    assert_eq!(wrong.validate(&AgeBands::five_year(80)).len(), 1);
    assert!(toml::from_str::<ModelParams>("no_such_parameter = 1").is_err());
}

/// The forecast on real and sample data: backtests, calibration, demand by type, levers.
mod forecast {
    use super::*;
    use housing_need::model::backtest::backtest;
    use housing_need::model::forecast::{residual, step, Rates};
    use housing_need::model::national::national;
    use housing_need::model::{municipal_series, Levers, Pyramid, AGES};

    fn load(rel: &str) -> (Dataset, ModelParams) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let manifest = housing_need::config::Manifest::load(&path).expect("manifest");
        let ds = housing_need::ingest::load(&manifest).expect("dataset");
        (ds, manifest.model)
    }

    fn mape(b: &housing_need::model::backtest::Backtest, group: &str) -> f64 {
        b.summary
            .iter()
            .find(|s| s.group == group)
            .map(|s| s.mape)
            .unwrap_or(f64::NAN)
    }

    /// The municipality's own forecast made from 2017 (the seed) missed 2018–2025 by MAPE 1.49 %
    /// (65–79) and 1.23 % (80+); ours, from the same base year with the same data, must do
    /// better, and the total within 1 %.
    #[test]
    fn backtest_from_2017_beats_the_municipality_s_own_forecast() {
        let (ds, params) = load("geodata/alingsas-kommun/alingsas-kommun.toml");
        for base in [2012, 2015] {
            let b = backtest(&ds, &params, base, false).expect("backtest");
            println!("{}", housing_need::commands::backtest::table(&b, &ds.name));
        }
        let b = backtest(&ds, &params, 2017, false).expect("backtest");
        println!("{}", housing_need::commands::backtest::table(&b, &ds.name));
        assert_eq!(b.rows.iter().filter(|r| r.group == "total").count(), 8);
        assert!(mape(&b, "total") <= 1.0, "{}", mape(&b, "total"));
        assert!(mape(&b, "65-79") < 1.49, "{}", mape(&b, "65-79"));
        assert!(mape(&b, "80+") < 1.23, "{}", mape(&b, "80+"));
        assert!(b.notes.iter().any(|n| n.contains("residual")));
    }

    /// A second real municipality, Borås, which the method was not designed on: the same
    /// command, the same bars for the ages the seed published (the total is printed, not held:
    /// from 2017 it misses by 1.6 %, mostly 0–19).
    #[test]
    fn backtest_on_boras_a_series_the_model_was_not_designed_on() {
        let (ds, params) = load("tests/fixtures/boras-1490/boras.toml");
        for base in [2012, 2015] {
            let b = backtest(&ds, &params, base, false).expect("backtest");
            println!("{}", housing_need::commands::backtest::table(&b, &ds.name));
        }
        let b = backtest(&ds, &params, 2017, false).expect("backtest");
        println!("{}", housing_need::commands::backtest::table(&b, &ds.name));
        assert_eq!(b.rows.iter().filter(|r| r.group == "total").count(), 8);
        assert!(mape(&b, "65-79") < 1.49, "{}", mape(&b, "65-79"));
        assert!(mape(&b, "80+") < 1.23, "{}", mape(&b, "80+"));
    }

    /// Another municipality in the same layout: a synthetic series made with known migration
    /// replaces Alingsås's; the residual estimate read through the manifest recovers it.
    #[test]
    fn another_municipality_s_series_in_the_same_layout() {
        let n = national();
        let rates = Rates {
            national: n,
            base_year: 2017,
            improvement_factor: 1.0,
            fertility: n.fertility(2017),
            boys_share: 0.513,
        };
        let mut p: Pyramid = [[0.0; AGES]; 2];
        for s in 0..2 {
            for a in 0..AGES {
                p[s][a] = 3000.0 * (-(a as f64) / 70.0).exp() + if a == 45 { 800.0 } else { 0.0 };
            }
        }
        let mut known: Pyramid = [[0.0; AGES]; 2];
        for s in 0..2 {
            known[s][0] = 10.0;
            for a in 1..AGES {
                known[s][a] = match a {
                    1..=12 => 30.0,
                    18..=23 => -90.0,
                    24..=40 => 50.0,
                    66..=75 => 10.0,
                    _ => 0.0,
                };
            }
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-kommun");
        for f in ["kommun.geojson", "alingsas-kommun.toml"] {
            std::fs::copy(src.join(f), dir.path().join(f)).expect("copied");
        }
        let mut csv = String::from("region,year,sex,age,persons\n");
        let write = |year: i32, p: &Pyramid, csv: &mut String| {
            for (s, sex) in ["men", "women"].iter().enumerate() {
                for a in 0..AGES {
                    let age = if a == 100 {
                        "100+".to_string()
                    } else {
                        a.to_string()
                    };
                    csv.push_str(&format!("1489,{year},{sex},{age},{:.0}\n", p[s][a]));
                }
            }
        };
        write(2005, &p, &mut csv);
        for t in 2006..=2017 {
            let mut next = [[0.0; AGES]; 2];
            step(
                &p,
                &rates.survival(t),
                &n.fertility(t),
                0.513,
                &known,
                &mut next,
            );
            write(t, &next, &mut csv);
            p = next;
        }
        std::fs::write(dir.path().join("population.csv"), csv).expect("written");
        std::fs::write(dir.path().join("completions.csv"), "year,dwellings\n").expect("written");
        let manifest =
            housing_need::config::Manifest::load(&dir.path().join("alingsas-kommun.toml"))
                .expect("manifest");
        let ds = housing_need::ingest::load(&manifest).expect("the same layout loads");
        let (series, _) = municipal_series(&ds, |_| None, &[], n);
        assert_eq!(series.len(), 13);
        let est = residual(&series, n, 2017, 10).expect("an estimate");
        let k: f64 = known.iter().flatten().sum();
        let e: f64 = est.net.iter().flatten().sum();
        println!("known net migration {k:.1} a year, estimated {e:.1}");
        assert!(((e - k) / k).abs() < 0.02, "{e} vs {k}");
        // And the backtest command's path runs on it.
        let b = backtest(&ds, &manifest.model, 2012, false).expect("backtest");
        assert!(mape(&b, "total") < 0.5, "{}", mape(&b, "total"));
    }

    fn households_and_types_add_up(rel: &str) {
        let (ds, params) = load(rel);
        let run = model::run(&ds, &params);
        let stock_year = ds
            .dwellings
            .iter()
            .filter(|r| r.dwelling_type != DwellingType::Specialbostad && r.year <= run.base_year)
            .map(|r| r.year)
            .max()
            .expect("a stock");
        let mut checked = 0;
        for (i, d) in ds.districts.iter().enumerate() {
            let stock: f64 = ds
                .dwellings
                .iter()
                .filter(|r| {
                    r.district == i
                        && r.year == stock_year
                        && r.dwelling_type != DwellingType::Specialbostad
                })
                .map(|r| r.dwellings)
                .sum();
            let row = row(&run, &d.id, run.base_year);
            if stock > 0.0 {
                let occupied = stock * (1.0 - params.vacancy_reserve);
                assert!(
                    ((row.households - occupied) / occupied).abs() < 0.001,
                    "{}: {} households, {occupied} occupied",
                    d.id,
                    row.households
                );
                checked += 1;
            }
        }
        assert!(checked > 0);
        for r in &run.rows {
            let types = r.small_flats_needed
                + r.family_dwellings_needed
                + r.accessible_flats_needed
                + r.senior_dwellings_needed;
            assert!(
                (types - r.dwellings_needed).abs() < 1e-6 * r.dwellings_needed.max(1.0),
                "{} {}: types {types} need {}",
                r.district,
                r.year,
                r.dwellings_needed
            );
            assert!(r.population >= 0.0);
        }
        assert!(run.cohorts.persons.iter().all(|p| *p >= 0.0));
        assert!(run.notes.iter().any(|n| n.contains("net migration")));
        assert!(run.notes.iter().any(|n| n.contains("fertility")));
        assert!(run
            .notes
            .iter()
            .any(|n| n.contains("calibrated per district")));
        println!("{rel}: {checked} districts calibrated; notes:");
        for n in &run.notes {
            println!("  {n}");
        }
    }

    #[test]
    fn sample_households_equal_occupied_dwellings_and_types_add_up() {
        households_and_types_add_up("geodata/alingsas-sample/alingsas-sample.toml");
    }

    #[test]
    fn real_deso_households_equal_occupied_dwellings_and_types_add_up() {
        households_and_types_add_up("geodata/alingsas-deso2025/alingsas-deso2025.toml");
    }

    /// The real DeSO data raise both kinds of flag from the real indicators, with reasons; the
    /// gap is what remains to be planned (assumed construction houses movers but is not counted
    /// as pipeline), not the whole need.
    #[test]
    fn real_deso_data_raise_densify_and_upgrade_flags() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("geodata/alingsas-deso2025/alingsas-deso2025.toml");
        let manifest = housing_need::config::Manifest::load(&path).expect("manifest");
        let ds = housing_need::ingest::load(&manifest).expect("dataset");
        let run = model::run(&ds, &manifest.model);
        let flags = housing_need::flags::evaluate(&ds, &run, &ds.residences, &[], &manifest.flags);
        for kind in [
            housing_need::flags::FlagKind::Densify,
            housing_need::flags::FlagKind::Upgrade,
        ] {
            let raised: Vec<_> = flags
                .iter()
                .filter(|f| f.flag == kind && f.flagged)
                .collect();
            assert!(!raised.is_empty(), "no {kind:?} flag");
            assert!(raised.iter().all(|f| !f.reasons.is_empty()));
        }
        let horizon: Vec<&DemandRow> = run
            .rows
            .iter()
            .filter(|r| r.year == run.horizon_year)
            .collect();
        let need: f64 = horizon.iter().map(|r| r.dwellings_needed).sum();
        let gap: f64 = horizon.iter().map(|r| r.gap).sum();
        assert!(gap > 0.0 && gap < 0.2 * need, "gap {gap} of need {need}");
        assert!(horizon.iter().all(|r| r.dwellings_pipeline == 0.0));
        assert!(horizon.iter().any(|r| r.new_dwelling_movers > 0.0));
    }

    /// Net migration × 0: the municipality changes only by births and deaths, so every cohort
    /// shrinks by exactly its survival.
    #[test]
    fn no_migration_leaves_only_births_and_deaths() {
        let (ds, mut params) = load("geodata/alingsas-kommun/alingsas-kommun.toml");
        params.levers = Levers {
            net_migration_multiplier: Some(0.0),
            ..Levers::default()
        };
        let run = model::run(&ds, &params);
        let n = national();
        for w in run.municipal.windows(2) {
            let ((_, p0), (year, p1)) = (&w[0], &w[1]);
            for s in 0..2 {
                for a in 1..AGES - 1 {
                    let survival = (-n.death_rate(s, a, *year, run.base_year, 1.0)).exp();
                    assert_relative_eq!(p1[s][a], p0[s][a - 1] * survival, max_relative = 1e-9);
                }
            }
        }
    }

    /// A two-year pipeline delay moves the completed dwellings and their movers two years later.
    #[test]
    fn a_pipeline_delay_moves_dwellings_and_movers() {
        let (ds, params) = load("geodata/alingsas-sample/alingsas-sample.toml");
        let base = model::run(&ds, &params);
        let mut p = params.clone();
        p.levers.pipeline_delay_years = Some(2);
        let late = model::run(&ds, &p);
        let mut moved = 0.0;
        for r in base
            .rows
            .iter()
            .filter(|r| !r.observed && r.year + 2 <= base.horizon_year)
        {
            let l = row(&late, &r.district, r.year + 2);
            // Projects already due in the first projected year stay there plus two.
            assert!(
                l.dwellings_pipeline <= r.dwellings_pipeline + 1e-9 || r.year == base.base_year + 1
            );
            moved += r.new_dwelling_movers;
        }
        let total = |run: &ModelRun, y: i32| -> (f64, f64) {
            run.rows
                .iter()
                .filter(|r| r.year == y)
                .fold((0.0, 0.0), |a, r| {
                    (a.0 + r.dwellings_pipeline, a.1 + r.new_dwelling_movers)
                })
        };
        for y in base.base_year + 1..=base.horizon_year - 2 {
            let (d0, m0) = total(&base, y);
            let (d2, m2) = total(&late, y + 2);
            // Projects due after the horizon do not come back in; within it, the same amounts.
            assert_relative_eq!(d0, d2, max_relative = 1e-9);
            assert_relative_eq!(m0, m2, max_relative = 1e-9);
        }
        assert!(moved > 0.0);
    }
}

/// The household-quotient trend by hand: +1 % a year multiplies the households (and every
/// type of dwelling needed) of the second projected year by 1.01² = 1.0201, and leaves the
/// observed years and the calibration alone.
#[test]
fn the_household_quotient_trend_compounds_from_the_base_year() {
    let Some((ds, params)) = default_dataset() else {
        return;
    };
    let base = model::run(&ds, &params);
    let mut p = params.clone();
    p.levers.headship_trend = Some(1.0);
    let trend = model::run(&ds, &p);
    assert_eq!(base.rows.len(), trend.rows.len());
    let mut checked = 0;
    for (b, t) in base.rows.iter().zip(&trend.rows) {
        assert_eq!(b.population, t.population);
        assert_eq!(b.headship_calibration, t.headship_calibration);
        let k = b.year - base.base_year;
        let factor = if k > 0 { 1.01f64.powi(k) } else { 1.0 };
        if k == 2 {
            assert_relative_eq!(factor, 1.0201, max_relative = 1e-15);
        }
        for (x, y) in [
            (b.households, t.households),
            (b.dwellings_needed, t.dwellings_needed),
            (b.small_flats_needed, t.small_flats_needed),
            (b.family_dwellings_needed, t.family_dwellings_needed),
            (b.accessible_flats_needed, t.accessible_flats_needed),
            (b.senior_dwellings_needed, t.senior_dwellings_needed),
        ] {
            assert_relative_eq!(y, x * factor, max_relative = 1e-12);
        }
        assert_relative_eq!(
            t.gap,
            t.dwellings_needed - t.dwellings_stock - t.dwellings_pipeline,
            epsilon = 1e-9
        );
        checked += 1;
    }
    assert!(checked > 0);
}

mod identity {
    //! Pins a digest of the model's whole output (every row's fields, the notes, the cohort
    //! array and the municipal pyramids, bit for bit) on the committed datasets, their named
    //! scenarios, a few levers, the backtests of the real series and the synthetic input of
    //! `benches/model.rs`. A change to the arithmetic, however small, changes a digest: a change
    //! meant to leave the results alone (a faster layout, say) must leave them all as they are.

    use super::*;
    use housing_need::model::{backtest, Levers};

    /// FNV-1a, 64 bits: stable across platforms and compiler versions.
    struct Fnv(u64);

    impl Fnv {
        fn new() -> Self {
            Self(0xcbf2_9ce4_8422_2325)
        }
        fn bytes(&mut self, b: &[u8]) {
            for x in b {
                self.0 ^= u64::from(*x);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        fn f64s(&mut self, v: &[f64]) {
            for x in v {
                self.bytes(&x.to_bits().to_le_bytes());
            }
        }
    }

    /// The digest of a run: rows by their `Debug` form (which writes every float exactly),
    /// notes, years, cohorts and municipal pyramids by their bits.
    fn digest(run: &ModelRun) -> u64 {
        let mut h = Fnv::new();
        for r in &run.rows {
            h.bytes(format!("{r:?}").as_bytes());
        }
        for n in &run.notes {
            h.bytes(n.as_bytes());
        }
        h.bytes(format!("{} {} {}", run.base_year, run.horizon_year, run.first_year).as_bytes());
        h.bytes(format!("{:?}", run.cohorts.years).as_bytes());
        h.f64s(&run.cohorts.persons);
        for (y, p) in &run.municipal {
            h.bytes(&y.to_le_bytes());
            for row in p {
                h.f64s(row);
            }
        }
        h.0
    }

    fn load(rel: &str) -> Option<(Dataset, ModelParams)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let manifest = housing_need::config::Manifest::load(&path).ok()?;
        let ds = housing_need::ingest::load(&manifest).ok()?;
        Some((ds, manifest.model))
    }

    /// The runs pinned, by name, with their digests.
    fn digests() -> Vec<(String, u64)> {
        let mut out = Vec::new();
        if let Some((ds, params)) = load("geodata/alingsas-sample/alingsas-sample.toml") {
            out.push(("sample base".into(), digest(&model::run(&ds, &params))));
            for name in params.scenarios.keys() {
                let mut p = params.clone();
                p.scenario = name.clone();
                out.push((format!("sample {name}"), digest(&model::run(&ds, &p))));
            }
            let levers = [
                (
                    "per-year migration, no improvement",
                    Levers {
                        net_migration_per_year: Some(250.0),
                        mortality_improvement: Some(0.0),
                        ..Levers::default()
                    },
                ),
                (
                    "completions 300, fertility 1.3",
                    Levers {
                        completions_per_year: Some(300.0),
                        fertility_multiplier: Some(1.3),
                        ..Levers::default()
                    },
                ),
                (
                    "migration × 0, delay 5",
                    Levers {
                        net_migration_multiplier: Some(0.0),
                        pipeline_delay_years: Some(5),
                        ..Levers::default()
                    },
                ),
            ];
            for (name, levers) in levers {
                let mut p = params.clone();
                p.levers = levers;
                out.push((format!("sample {name}"), digest(&model::run(&ds, &p))));
            }
        } else {
            println!("skipped the sample dataset: it does not load here");
        }
        if let Some((ds, params)) = load("geodata/alingsas-kommun/alingsas-kommun.toml") {
            out.push(("kommun".into(), digest(&model::run(&ds, &params))));
            for base_year in [2012, 2015, 2017] {
                let b = backtest::backtest(&ds, &params, base_year, false).expect("a backtest");
                let mut h = Fnv::new();
                h.bytes(format!("{b:?}").as_bytes());
                out.push((format!("kommun backtest {base_year}"), h.0));
            }
        } else {
            println!("skipped the kommun dataset: it does not load here");
        }
        if let Some((ds, params)) = load("geodata/alingsas-deso2025/alingsas-deso2025.toml") {
            out.push(("deso2025".into(), digest(&model::run(&ds, &params))));
        } else {
            println!("skipped the DeSO 2025 dataset: it does not load here");
        }
        let ds = super::synthetic::synthetic(300);
        let crowded = ModelParams {
            capacity_margin: 0.0,
            levers: Levers {
                net_migration_multiplier: Some(5.0),
                ..Levers::default()
            },
            ..ModelParams::default()
        };
        let emptying = ModelParams {
            levers: Levers {
                net_migration_per_year: Some(-30_000.0),
                ..Levers::default()
            },
            ..ModelParams::default()
        };
        let mut notes = Vec::new();
        for (name, params) in [
            ("synthetic 300", ModelParams::default()),
            ("synthetic 300 crowded", crowded),
            ("synthetic 300 emptying", emptying),
        ] {
            let run = model::run(&ds, &params);
            notes.extend(run.notes.iter().cloned());
            out.push((name.into(), digest(&run)));
        }
        // The paths the sample seldom takes are pinned too: housing holding districts back, and
        // cells set to 0.
        for said in ["housing held back", "were set to 0"] {
            assert!(
                notes.iter().any(|n| n.contains(said)),
                "no synthetic run says \"{said}\" any more: {notes:?}"
            );
        }
        out
    }

    /// The digests of the runs above when the method last changed on purpose. A change to the
    /// model's arithmetic updates them in the same commit, saying why.
    const PINNED: &[(&str, u64)] = &[
        ("sample base", 0x7ac8047d77bc62ba),
        ("sample high", 0x6d81b3721426e70b),
        ("sample late", 0xf4fbafa0f9147fc5),
        (
            "sample per-year migration, no improvement",
            0xae11691c5b2ddcd8,
        ),
        ("sample completions 300, fertility 1.3", 0x351bdeefe0171905),
        ("sample migration × 0, delay 5", 0x39bec540b7380167),
        ("kommun", 0xd464860b7cf8c76b),
        ("kommun backtest 2012", 0x75dd9349b663e28b),
        ("kommun backtest 2015", 0xf63a66b5a8b3c3f3),
        ("kommun backtest 2017", 0xda9bae9f31c4a8c1),
        ("deso2025", 0xd50e0a09aac6753c),
        ("synthetic 300", 0xcc285ba3f3e23f9f),
        ("synthetic 300 crowded", 0x717e6fc64ed88c36),
        ("synthetic 300 emptying", 0x905e6b7ef0740ca5),
    ];

    #[test]
    fn the_whole_output_is_bit_identical_to_the_pinned_digests() {
        let got = digests();
        for (name, d) in &got {
            println!("    (\"{name}\", 0x{d:016x}),");
        }
        let mut checked = 0;
        for (name, d) in &got {
            match PINNED.iter().find(|(n, _)| n == name) {
                Some((_, want)) => {
                    assert_eq!(*d, *want, "{name}: 0x{d:016x}, pinned 0x{want:016x}");
                    checked += 1;
                }
                None => panic!("{name} has no pinned digest (0x{d:016x})"),
            }
        }
        assert!(checked > 0, "no run was compared");
    }
}
