//! Datasets that must load: the good fixture with every part, and the forms real files come
//! in (`;` separators, a byte-order mark, å ä ö, SCB's code suffix, address points).

use approx::assert_relative_eq;
use housing_need::domain::{Dataset, Sex, TransitMode};

use crate::support::{check, report};

fn dataset(manifest: &str) -> Dataset {
    let r = report(manifest);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    r.dataset.expect("a dataset without problems")
}

fn persons(d: &Dataset, district: &str, year: i32) -> f64 {
    let i = d
        .districts
        .iter()
        .position(|x| x.id == district)
        .expect("district present");
    d.population
        .iter()
        .filter(|r| r.district == i && r.year == year)
        .map(|r| r.persons)
        .sum()
}

#[test]
fn the_good_dataset_prints_its_summary() {
    let run = check("tests/fixtures/good/good.toml");
    run.assert_ok();
    for line in [
        "districts:  3",
        "area:       3.0 km² (EPSG:3006)",
        "persons 2017: 60",
        "persons 2018: 66",
        "migration   2 records",
        "dwellings   3 records",
        "indicators  3 records",
        "transit     2 records",
        "pipeline    2 records",
        "warnings:   none",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
}

#[test]
fn the_good_dataset_loads_every_part_in_sweref_and_lonlat() {
    let d = dataset("tests/fixtures/good/good.toml");
    let names: Vec<&str> = d.districts.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["Centrum", "Ängabo", "Brogården"]);
    assert_relative_eq!(d.districts[1].area_m2(), 1e6, epsilon = 1e-3);
    // The lon/lat copy of Centrum lies in Alingsås.
    let c = &d.districts[0].geometry_lonlat.0[0].exterior().0[0];
    assert!(
        (12.4..12.6).contains(&c.x) && (57.8..58.0).contains(&c.y),
        "{c:?}"
    );

    // A municipal migration row has no district.
    assert!(d
        .migration
        .iter()
        .any(|m| m.district.is_none() && m.in_migrants == 40.0));

    // The station, given in CRS84 (12.5318 E 57.9269 N), is held in SWEREF 99 TM where
    // `gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006` puts it: E 353829.16 N 6423240.26.
    let station = d
        .transit
        .iter()
        .find(|s| s.mode == TransitMode::Rail)
        .unwrap();
    assert_relative_eq!(station.point_lonlat.x(), 12.5318, epsilon = 1e-9);
    assert_relative_eq!(station.point_lonlat.y(), 57.9269, epsilon = 1e-9);
    assert_relative_eq!(station.point.x(), 353_829.16, epsilon = 0.01);
    assert_relative_eq!(station.point.y(), 6_423_240.26, epsilon = 0.01);

    // The point project is in Centrum, the polygon project in Brogården.
    let district_of = |id: &str| {
        let p = d.projects.iter().find(|p| p.id == id).unwrap();
        d.districts[p.district.unwrap()].name.clone()
    };
    assert_eq!(district_of("P1"), "Centrum");
    assert_eq!(district_of("P2"), "Brogården");
    assert!(d.projects.iter().any(|p| p.id == "P2" && p.appealed));
    assert_eq!(
        d.as_of.map(|a| a.to_string()).as_deref(),
        Some("2024-12-31")
    );
}

#[test]
fn semicolon_separated_tables_with_decimal_commas_are_read() {
    let run = check("tests/fixtures/accepted/semicolon.toml");
    run.assert_ok();
    assert!(run.stdout.contains("persons 2018: 50"), "{}", run.stdout);
    let d = dataset("tests/fixtures/accepted/semicolon.toml");
    let low_econ = d
        .indicators
        .iter()
        .find(|i| i.indicator == "low_econ")
        .unwrap();
    assert_relative_eq!(low_econ.value, 0.135);
}

#[test]
fn a_utf8_byte_order_mark_is_ignored() {
    let run = check("tests/fixtures/accepted/bom.toml");
    run.assert_ok();
    assert!(run.stdout.contains("persons 2018: 50"), "{}", run.stdout);
}

#[test]
fn swedish_letters_in_fields_headers_and_values_are_read() {
    let run = check("tests/fixtures/accepted/swedish.toml");
    run.assert_ok();
    assert!(run.stdout.contains("persons 2018: 59"), "{}", run.stdout);
    let d = dataset("tests/fixtures/accepted/swedish.toml");
    assert_eq!(d.districts[1].name, "Ängabo");
    assert_eq!(d.districts[2].name, "Östlyckan-Brogården");
    let women_80 = d
        .population
        .iter()
        .find(|r| r.sex == Sex::Female && d.bands.as_slice()[r.band].to_string() == "80+")
        .unwrap();
    assert_eq!(women_80.persons, 9.0);
}

#[test]
fn a_code_suffix_is_stripped_before_joining() {
    let run = check("tests/fixtures/accepted/suffix.toml");
    run.assert_ok();
    let d = dataset("tests/fixtures/accepted/suffix.toml");
    assert_eq!(persons(&d, "1489002", 2018), 21.0);
}

#[test]
fn address_points_are_joined_and_the_one_outside_is_counted() {
    let run = check("tests/fixtures/accepted/address_points.toml");
    run.assert_ok();
    assert!(
        run.stdout.contains("population: 5 address points located in districts, 1 in no district (3 persons not counted)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("address_points.csv: 1 of 5 address points lie in no district (3 persons not counted in any district), e.g. FID 5 at E 340000.0 N 6410000.0"),
        "{}",
        run.stdout
    );

    let r = report("tests/fixtures/accepted/address_points.toml");
    assert_eq!(r.joins[0].outside, 1);
    let d = r.dataset.unwrap();
    assert_eq!(persons(&d, "1489001", 2018), 3.0);
    assert_eq!(persons(&d, "1489002", 2018), 2.0);
    assert_eq!(persons(&d, "1489003", 2018), 4.0);
}

#[test]
fn pipeline_date_and_location_warnings_are_listed_and_the_projects_load() {
    let run = check("tests/fixtures/accepted/pipeline_warnings.toml");
    run.assert_ok();
    for line in [
        "projects_warnings.geojson: row 0: field 'samrad': value '2020-03-01': stage dates out of order: samrad 2020-03-01 is before planuppdrag 2020-05-01",
        "projects_warnings.geojson: row 1: field 'inflyttning': value '2026-09-01': date is after the dataset's as_of date 2024-12-31",
        "projects_warnings.geojson: row 2: field 'geometry': value 'P3': project lies in no district",
        "pipeline    3 records",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
}

#[test]
fn json_output_lists_problems_with_row_and_field() {
    let run = crate::support::run(&[
        "check",
        "--json",
        "--data",
        "tests/fixtures/broken/negative_count.toml",
    ]);
    assert_eq!(run.code, Some(1));
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    let p = &doc["problems"][0];
    assert_eq!(p["file"], "tests/fixtures/broken/negative_count.csv");
    assert_eq!(p["row"], 2);
    assert_eq!(p["field"], "persons");
    assert_eq!(p["value"], "-4");
}

#[test]
fn transit_stops_from_a_lat_lon_csv_are_read_with_x_as_longitude() {
    let run = check("tests/fixtures/accepted/transit_lonlat.toml");
    run.assert_ok();
    assert!(
        run.stdout.contains("transit     2 records"),
        "{}",
        run.stdout
    );
    let d = dataset("tests/fixtures/accepted/transit_lonlat.toml");
    let station = d
        .transit
        .iter()
        .find(|s| s.name == "Alingsås station")
        .unwrap();
    assert_eq!(station.mode, TransitMode::Rail);
    assert_relative_eq!(station.point_lonlat.x(), 12.5318, epsilon = 1e-9);
    // Where `gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006` puts 57.9269 N 12.5318 E.
    assert_relative_eq!(station.point.x(), 353_829.16, epsilon = 0.01);
    assert_relative_eq!(station.point.y(), 6_423_240.26, epsilon = 0.01);
    let kullen = d
        .transit
        .iter()
        .find(|s| s.name == "Kullen, Alingsås")
        .unwrap();
    assert_eq!(kullen.mode, TransitMode::Bus);
    assert_relative_eq!(kullen.departures_per_hour, 1.5);
}

#[test]
fn indicators_and_tenure_counts_are_read_from_fields_of_the_district_layer() {
    let run = check("tests/fixtures/accepted/attributes.toml");
    run.assert_ok();
    assert!(
        run.stdout.contains("dwellings   9 records"),
        "{}",
        run.stdout
    );
    // B3's employment is null: no value, not a zero.
    assert!(
        run.stdout.contains("indicators  5 records"),
        "{}",
        run.stdout
    );

    let d = dataset("tests/fixtures/accepted/attributes.toml");
    let brogarden = d.districts.iter().position(|x| x.id == "1489003").unwrap();
    let centrum = d.districts.iter().position(|x| x.id == "1489001").unwrap();
    let value = |district: usize, name: &str| {
        d.indicators
            .iter()
            .find(|r| r.district == district && r.indicator == name)
            .map(|r| (r.year, r.value))
    };
    assert_eq!(value(centrum, "employment"), Some((2024, 81.5)));
    assert_eq!(value(brogarden, "employment"), None);
    assert_eq!(value(brogarden, "low_econ"), Some((2024, 11.0)));
    let own = d
        .dwellings
        .iter()
        .find(|r| r.district == centrum && r.tenure == housing_need::domain::Tenure::Aganderatt)
        .unwrap();
    assert_eq!(own.dwellings, 300.0);
    assert_eq!(own.year, 2025);
    assert_eq!(
        own.dwelling_type,
        housing_need::domain::DwellingType::Smahus
    );
    let rental: f64 = d
        .dwellings
        .iter()
        .filter(|r| r.tenure == housing_need::domain::Tenure::Hyresratt)
        .map(|r| r.dwellings)
        .sum();
    assert_eq!(rental, 530.0);
}
