//! The demand model's correctness gates: observed years reproduce the inputs, a closed
//! population without deaths or births only ages, a hand-computed three-district case for
//! households, demand, care places and gap, conservation (districts add up to the municipal
//! projection on summed inputs), and the dependency ratio of observed years.
//!
//! Datasets are built by hand here (small squares as districts); the default dataset is used
//! where it loads.

use std::collections::BTreeMap;
use std::path::Path;

use approx::assert_relative_eq;
use chrono::NaiveDate;
use geo::{polygon, MultiPolygon};

use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, MigrationRecord, PopulationRecord,
    Project, ProjectStage, Sex, StageDates, Tenure,
};
use housing_need::model::{self, DemandRow, ModelParams, ModelRun, Scenario, SexRates};

const BANDS: usize = 17;

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

/// Parameters with no deaths, no births and no infant deaths.
fn no_deaths_no_births() -> ModelParams {
    ModelParams {
        death_rates: Some(SexRates {
            male: vec![0.0; BANDS],
            female: vec![0.0; BANDS],
        }),
        fertility: Some(vec![0.0; 7]),
        infant_mortality: 0.0,
        ..ModelParams::default()
    }
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
        .map(|r| (r.district.clone(), r.year))
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

#[test]
fn without_deaths_births_or_migration_people_only_age() {
    let mut ds = dataset(1);
    ds.population.push(pop(0, 2018, Sex::Male, 0, 100.0));
    ds.population.push(pop(0, 2018, Sex::Male, 1, 50.0));
    ds.population.push(pop(0, 2018, Sex::Female, 15, 10.0));
    ds.population.push(pop(0, 2018, Sex::Female, 16, 5.0));
    let params = ModelParams {
        horizon: 2,
        ..no_deaths_no_births()
    };
    let run = model::run(&ds, &params);
    let m = |year, band| run.cohorts.get(year, 0, Sex::Male, band).unwrap();
    let f = |year, band| run.cohorts.get(year, 0, Sex::Female, band).unwrap();
    // One year: each band keeps four fifths and passes a fifth up.
    assert_relative_eq!(m(2019, 0), 80.0, max_relative = 1e-12);
    assert_relative_eq!(m(2019, 1), 50.0 * 0.8 + 100.0 * 0.2, max_relative = 1e-12);
    assert_relative_eq!(m(2019, 2), 10.0, max_relative = 1e-12);
    // The open band 80+ keeps everyone and receives a fifth of 75–79.
    assert_relative_eq!(f(2019, 15), 8.0, max_relative = 1e-12);
    assert_relative_eq!(f(2019, 16), 7.0, max_relative = 1e-12);
    // Two years.
    assert_relative_eq!(m(2020, 0), 64.0, max_relative = 1e-12);
    assert_relative_eq!(m(2020, 1), 64.0, max_relative = 1e-12);
    assert_relative_eq!(m(2020, 2), 20.0, max_relative = 1e-12);
    assert_relative_eq!(m(2020, 3), 2.0, max_relative = 1e-12);
    assert_relative_eq!(f(2020, 15), 6.4, max_relative = 1e-12);
    assert_relative_eq!(f(2020, 16), 8.6, max_relative = 1e-12);
    // Nobody is lost.
    for year in [2019, 2020] {
        assert_relative_eq!(
            row(&run, "D0", year).population,
            165.0,
            max_relative = 1e-12
        );
    }
}

/// Three districts, base year 2018, two projected years, no deaths, births or migration.
/// Headship 0 below 20, 0.5 for 20–79 and 0.8 for 80+; vacancy reserve 2 %; demolitions 1 %
/// a year; care places 13 per 100 persons 80+; every pipeline stage completes with
/// probability 0.5 one year after it was reached.
#[test]
fn three_districts_two_years_by_hand() {
    let mut ds = dataset(3);
    // A: 200 persons 40–44, 100 women 80+, 20 care-home places, 180 dwellings, 30 flats
    //    at startbesked in June 2018.
    ds.population.push(pop(0, 2018, Sex::Male, 8, 100.0));
    ds.population.push(pop(0, 2018, Sex::Female, 8, 100.0));
    ds.population.push(pop(0, 2018, Sex::Female, 16, 100.0));
    ds.dwellings
        .push(dwellings(0, 2018, DwellingType::Specialbostad, 20.0));
    ds.dwellings
        .push(dwellings(0, 2018, DwellingType::Flerbostadshus, 120.0));
    ds.dwellings
        .push(dwellings(0, 2018, DwellingType::Smahus, 60.0));
    ds.projects.push(project(
        "P1",
        0,
        ProjectStage::Startbesked,
        "2018-06-01",
        30.0,
    ));
    // B: 100 persons 20–24, 50 men 75–79, 70 dwellings.
    ds.population.push(pop(1, 2018, Sex::Male, 4, 50.0));
    ds.population.push(pop(1, 2018, Sex::Female, 4, 50.0));
    ds.population.push(pop(1, 2018, Sex::Male, 15, 50.0));
    ds.dwellings
        .push(dwellings(1, 2018, DwellingType::Flerbostadshus, 70.0));
    // C: nobody, 5 dwellings.
    ds.dwellings
        .push(dwellings(2, 2018, DwellingType::Smahus, 5.0));

    let mut headship = vec![0.5; BANDS];
    headship[..4].fill(0.0);
    headship[16] = 0.8;
    let params = ModelParams {
        horizon: 2,
        vacancy_reserve: 0.02,
        demolition_rate: 0.01,
        headship: Some(headship),
        stage_completion_probability: vec![0.5; 10],
        stage_years_to_completion: vec![1.0; 10],
        ..no_deaths_no_births()
    };
    let run = model::run(&ds, &params);
    assert_eq!(run.rows.len(), 9);
    let eps = 1e-9;

    // District A.
    let a18 = row(&run, "D0", 2018);
    assert_relative_eq!(a18.persons_in_care, 20.0, max_relative = eps);
    assert_relative_eq!(a18.households, 0.5 * 200.0 + 0.8 * 80.0, max_relative = eps);
    assert_relative_eq!(a18.dwellings_needed, 164.0 / 0.98, max_relative = eps);
    assert_relative_eq!(a18.dwellings_stock, 180.0, max_relative = eps);
    assert_relative_eq!(a18.dwellings_pipeline, 0.0);
    assert_relative_eq!(a18.gap, 164.0 / 0.98 - 180.0, max_relative = eps);
    assert_relative_eq!(a18.care_places_needed, 13.0, max_relative = eps);
    assert_relative_eq!(a18.dependency_ratio, 0.5, max_relative = eps);
    for year in [2019, 2020] {
        let k = year - 2018;
        let a = row(&run, "D0", year);
        assert!(!a.observed);
        assert_relative_eq!(a.population, 300.0, max_relative = eps);
        // 20 % of 80+ in care, as observed in the base year.
        assert_relative_eq!(a.persons_in_care, 20.0, max_relative = eps);
        assert_relative_eq!(a.households, 164.0, max_relative = eps);
        let stock = 180.0 * 0.99_f64.powi(k);
        assert_relative_eq!(a.dwellings_stock, stock, max_relative = eps);
        // The project reached startbesked mid-2018: expected in 2019, 30 × 0.5.
        assert_relative_eq!(a.dwellings_pipeline, 15.0, max_relative = eps);
        let gap = 164.0 / 0.98 - (stock + 15.0);
        assert_relative_eq!(a.gap, gap, max_relative = eps);
        assert_relative_eq!(a.gap_per_1000, gap / 300.0 * 1000.0, max_relative = eps);
        assert_relative_eq!(a.care_places_needed, 13.0, max_relative = eps);
        assert_relative_eq!(a.senior_dwellings_needed, 0.0, epsilon = 1e-9);
    }

    // District B: a fifth of 75–79 turns 80 each year; of the 100 persons 20–24, 20 are 25–29
    // after one year, and in the second year 4 of those turn 30.
    let expect_b = [
        (2018, 50.0, 0.0, 0.0),
        (2019, 40.0, 10.0, 0.0),
        (2020, 32.0, 18.0, 4.0),
    ];
    for (year, p75, p80, p30) in expect_b {
        let b = row(&run, "D1", year);
        let households = 0.5 * 100.0 + 0.5 * p75 + 0.8 * p80;
        assert_relative_eq!(b.population_65_79, p75, max_relative = eps);
        assert_relative_eq!(b.population_80_plus, p80, epsilon = 1e-9);
        // No care-home places in B: nobody in care.
        assert_relative_eq!(b.persons_in_care, 0.0);
        assert_relative_eq!(b.households, households, max_relative = eps);
        assert_relative_eq!(b.dwellings_needed, households / 0.98, max_relative = eps);
        let stock = 70.0 * 0.99_f64.powi(year - 2018);
        assert_relative_eq!(b.dwellings_stock, stock, max_relative = eps);
        assert_relative_eq!(b.dwellings_pipeline, 0.0);
        assert_relative_eq!(b.gap, households / 0.98 - stock, max_relative = eps);
        assert_relative_eq!(b.care_places_needed, 0.13 * p80, epsilon = 1e-9);
        // Demand by type against 2018: 20–29 loses those turning 30, 65–79 shrinks, 80+ grows.
        assert_relative_eq!(b.small_flats_needed, -0.5 * p30 / 0.98, epsilon = 1e-9);
        assert_relative_eq!(b.family_dwellings_needed, 0.5 * p30 / 0.98, epsilon = 1e-9);
        assert_relative_eq!(
            b.accessible_flats_needed,
            0.5 * (p75 - 50.0) / 0.98,
            epsilon = 1e-9
        );
        assert_relative_eq!(b.senior_dwellings_needed, 0.8 * p80 / 0.98, epsilon = 1e-9);
        assert_relative_eq!(b.dependency_ratio, (p75 + p80) / 100.0, max_relative = eps);
    }

    // District C: nobody lives there; ratios are NaN (null in the outputs).
    for year in [2018, 2019, 2020] {
        let c = row(&run, "D2", year);
        assert_eq!(c.population, 0.0);
        let stock = 5.0 * 0.99_f64.powi(year - 2018);
        assert_relative_eq!(c.gap, -stock, max_relative = eps);
        assert!(c.gap_per_1000.is_nan());
        assert!(c.dependency_ratio.is_nan());
    }
}

/// Sums a dataset's districts into one: population, migration, dwellings and projects.
fn summed(ds: &Dataset) -> Dataset {
    let mut one = dataset(1);
    one.bands = ds.bands.clone();
    let mut population: BTreeMap<(i32, Sex, usize), f64> = BTreeMap::new();
    for r in &ds.population {
        *population.entry((r.year, r.sex, r.band)).or_default() += r.persons;
    }
    one.population = population
        .into_iter()
        .map(|((year, sex, band), persons)| pop(0, year, sex, band, persons))
        .collect();
    let mut migration: BTreeMap<(bool, i32, Sex, usize), (f64, f64)> = BTreeMap::new();
    for r in &ds.migration {
        let e = migration
            .entry((r.district.is_some(), r.year, r.sex, r.band))
            .or_default();
        e.0 += r.in_migrants;
        e.1 += r.out_migrants;
    }
    one.migration = migration
        .into_iter()
        .map(|((has, year, sex, band), (i, o))| MigrationRecord {
            district: has.then_some(0),
            year,
            sex,
            band,
            in_migrants: i,
            out_migrants: o,
        })
        .collect();
    one.dwellings = ds
        .dwellings
        .iter()
        .map(|r| DwellingRecord {
            district: 0,
            ..r.clone()
        })
        .collect();
    one.projects = ds
        .projects
        .iter()
        .map(|p| Project {
            district: p.district.map(|_| 0),
            ..p.clone()
        })
        .collect();
    one
}

/// Asserts that the districts of `run` add up to `municipal` (a one-district run on the summed
/// inputs) in every year, band and sex, and in the population groups of the rows.
fn assert_conserved(run: &ModelRun, municipal: &ModelRun, bands: usize) {
    assert_eq!(run.cohorts.years, municipal.cohorts.years);
    let nd = run.cohorts.districts;
    for &year in &run.cohorts.years {
        for sex in [Sex::Male, Sex::Female] {
            for b in 0..bands {
                let sum: f64 = (0..nd)
                    .map(|d| run.cohorts.get(year, d, sex, b).expect("a cell"))
                    .sum();
                let m = municipal.cohorts.get(year, 0, sex, b).expect("a cell");
                assert_relative_eq!(sum, m, max_relative = 1e-9, epsilon = 1e-9);
            }
        }
        let rows: Vec<&DemandRow> = run.rows.iter().filter(|r| r.year == year).collect();
        let m = municipal
            .rows
            .iter()
            .find(|r| r.year == year)
            .expect("a municipal row");
        let total = |f: fn(&DemandRow) -> f64| rows.iter().map(|r| f(r)).sum::<f64>();
        assert_relative_eq!(total(|r| r.population), m.population, max_relative = 1e-9);
        assert_relative_eq!(
            total(|r| r.population_0_19),
            m.population_0_19,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            total(|r| r.population_20_64),
            m.population_20_64,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            total(|r| r.population_65_79),
            m.population_65_79,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            total(|r| r.population_80_plus),
            m.population_80_plus,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            total(|r| r.dwellings_stock),
            m.dwellings_stock,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            total(|r| r.dwellings_pipeline),
            m.dwellings_pipeline,
            max_relative = 1e-9,
            epsilon = 1e-9
        );
    }
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

#[test]
fn districts_add_up_to_the_municipal_projection_with_district_migration() {
    let ds = synthetic_for_conservation(true);
    let params = ModelParams::default();
    let run = model::run(&ds, &params);
    let municipal = model::run(&summed(&ds), &params);
    assert_conserved(&run, &municipal, BANDS);
}

#[test]
fn districts_add_up_to_the_municipal_projection_with_municipal_migration() {
    let ds = synthetic_for_conservation(false);
    let params = ModelParams::default();
    let run = model::run(&ds, &params);
    assert!(
        run.notes.iter().any(|n| n.contains("housing-led")),
        "{:?}",
        run.notes
    );
    let municipal = model::run(&summed(&ds), &params);
    assert_conserved(&run, &municipal, BANDS);
}

/// The default dataset, when ingest can load it.
fn default_dataset() -> Option<(Dataset, ModelParams)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas/alingsas.toml");
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
fn districts_add_up_to_the_municipal_projection_on_the_default_dataset() {
    let Some((ds, params)) = default_dataset() else {
        return;
    };
    let run = model::run(&ds, &params);
    let municipal = model::run(&summed(&ds), &params);
    assert_conserved(&run, &municipal, ds.bands.len());
}

#[test]
fn seed_comparison_on_the_default_dataset() {
    let Some((ds, params)) = default_dataset() else {
        return;
    };
    let run = model::run(&ds, &params);
    println!("{}", housing_need::commands::analyze::seed_comparison(&run));
    let (year, seed_65_79, seed_80) = housing_need::commands::analyze::SEED_2027;
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
fn scenarios_scale_in_migration() {
    let ds = synthetic_for_conservation(true);
    let at_horizon = |scenario| {
        let run = model::run(
            &ds,
            &ModelParams {
                scenario,
                ..ModelParams::default()
            },
        );
        run.rows
            .iter()
            .filter(|r| r.year == run.horizon_year)
            .map(|r| r.population)
            .sum::<f64>()
    };
    let (low, base, high) = (
        at_horizon(Scenario::Low),
        at_horizon(Scenario::Base),
        at_horizon(Scenario::High),
    );
    assert!(low < base && base < high, "{low} {base} {high}");
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
    assert!(
        run.notes.iter().any(|n| n.contains("closed")),
        "{:?}",
        run.notes
    );
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
        fertility = [0.004, 0.03, 0.09, 0.12, 0.07, 0.015, 0.001]
        [persons_per_new_dwelling]
        smahus = 3.0
        "#,
    )
    .expect("valid parameters");
    assert_eq!(params.horizon, 5);
    assert_eq!(params.scenario, Scenario::High);
    assert_relative_eq!(params.in_migration_scale(), 1.2);
    assert_relative_eq!(params.persons_per_new_dwelling.smahus, 3.0);
    assert_relative_eq!(params.persons_per_new_dwelling.rental_flat, 2.0);
    assert_relative_eq!(params.vacancy_reserve, 0.01);
    assert!(params.validate(&AgeBands::five_year(80)).is_empty());
    let wrong: ModelParams = toml::from_str("headship = [0.5, 0.5]").expect("parses");
    assert_eq!(wrong.validate(&AgeBands::five_year(80)).len(), 1);
    assert!(toml::from_str::<ModelParams>("no_such_parameter = 1").is_err());
}
