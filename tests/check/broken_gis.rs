//! Broken district sources: each exits 1 naming the file and, where there is one, the feature
//! (FID) and field.

use std::process::Command;

use crate::support::{check, root};

#[test]
fn missing_files_are_all_listed() {
    let run = check("tests/fixtures/broken/missing_file.toml");
    run.assert_problem("tests/fixtures/broken/no_such_districts.geojson: file not found");
    run.assert_problem("tests/fixtures/broken/no_such_population.csv: file not found");
    assert!(run
        .stdout
        .contains("2 problems in tests/fixtures/broken/missing_file.toml"));
}

#[test]
fn a_text_file_named_gpkg_is_not_gis() {
    let run = check("tests/fixtures/broken/not_gis.toml");
    run.assert_problem("tests/fixtures/broken/not_gis.gpkg: cannot be read as a GIS vector source");
}

#[test]
fn a_csv_without_geometry_cannot_hold_districts() {
    let run = check("tests/fixtures/broken/csv_no_geometry.toml");
    run.assert_problem("tests/fixtures/good/population.csv: layer 'population' has no geometry");
}

#[test]
fn a_missing_layer_lists_the_layers_there_are() {
    let run = check("tests/fixtures/broken/missing_layer.toml");
    run.assert_problem(
        "tests/fixtures/good/districts.geojson: field 'layer': value 'delomraden': no layer named 'delomraden' (layers: districts)",
    );
}

#[test]
fn a_missing_id_field_lists_the_fields_there_are() {
    let run = check("tests/fixtures/broken/missing_id_field.toml");
    run.assert_problem(
        "tests/fixtures/good/districts.geojson: field 'deso': no field 'deso' in layer 'districts' (fields: nyko, namn)",
    );
}

#[test]
fn duplicate_district_ids_name_both_features() {
    let run = check("tests/fixtures/broken/duplicate_ids.toml");
    run.assert_problem(
        "tests/fixtures/broken/duplicate_ids.geojson: row 2: field 'nyko': value '1489001': duplicate district id: FID 0 and FID 2",
    );
}

#[test]
fn a_self_intersection_is_located_in_sweref_and_lonlat() {
    let run = check("tests/fixtures/broken/self_intersection.toml");
    run.assert_problem(
        "tests/fixtures/broken/self_intersection.geojson: row 0: field 'geometry': value '1489001': invalid geometry: self-intersection at E 350500.0 N 6422500.0 (EPSG:3006; lon 12.47",
    );
    assert!(run.stdout.contains("lat 57.91"), "{}", run.stdout);
}

#[test]
fn null_and_empty_geometries_are_problems() {
    let run = check("tests/fixtures/broken/empty_geometry.toml");
    run.assert_problem(
        "tests/fixtures/broken/empty_geometry.geojson: row 1: field 'geometry': value '1489002': empty or missing geometry",
    );
    run.assert_problem(
        "tests/fixtures/broken/empty_geometry.geojson: row 2: field 'geometry': value '1489003': empty or missing geometry",
    );
}

#[test]
fn a_source_without_crs_is_a_problem() {
    let run = check("tests/fixtures/broken/missing_crs.toml");
    run.assert_problem("tests/fixtures/broken/districts_wkt.csv: has no CRS");
    assert!(run.stdout.contains("under [districts]"), "{}", run.stdout);
}

#[test]
fn a_source_without_crs_is_accepted_when_the_manifest_declares_one() {
    let run = check("tests/fixtures/accepted/missing_crs_declared.toml");
    run.assert_ok();
    assert!(run.stdout.contains("area:       3.0 km²"), "{}", run.stdout);
}

/// A GeoPackage made at test time with ogr2ogr: two layers, districts read by layer name, and a
/// wrong layer name answered with both names.
#[test]
fn geopackage_layers_are_chosen_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("alingsas.gpkg");
    let fixtures = root().join("tests/fixtures/good");
    for (src, layer, update) in [
        ("districts.geojson", "delomraden", false),
        ("transit.geojson", "hallplatser", true),
    ] {
        let mut cmd = Command::new("ogr2ogr");
        if update {
            cmd.arg("-update");
        }
        let status = cmd
            .args(["-f", "GPKG"])
            .arg(&gpkg)
            .arg(fixtures.join(src))
            .args(["-nln", layer])
            .status()
            .expect("ogr2ogr (Debian package gdal-bin) is installed");
        assert!(status.success());
    }
    let population = fixtures.join("population.csv");
    let manifest = |layer: &str| {
        format!(
            "[dataset]\nname = \"GeoPackage\"\n\n[districts]\nsource = \"alingsas.gpkg\"\nlayer = \"{layer}\"\nid_field = \"nyko\"\nname_field = \"namn\"\n\n[population]\npath = {:?}\n",
            population.display().to_string()
        )
    };
    let good = dir.path().join("good.toml");
    std::fs::write(&good, manifest("delomraden")).unwrap();
    let run = crate::support::run(&["check", "--data", good.to_str().unwrap()]);
    run.assert_ok();
    assert!(run.stdout.contains("districts:  3"), "{}", run.stdout);

    let wrong = dir.path().join("wrong.toml");
    std::fs::write(&wrong, manifest("deso")).unwrap();
    let run = crate::support::run(&["check", "--data", wrong.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains("alingsas.gpkg: field 'layer': value 'deso': no layer named 'deso' (layers: delomraden, hallplatser)"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_address_points_name_row_field_and_value_the_same_with_or_without_gdal() {
    // The plain CSV is read directly; naming the layer sends the same file through GDAL.
    let direct = crate::support::report("tests/fixtures/broken/address_points.toml");
    let gdal = crate::support::report("tests/fixtures/broken/address_points_gdal.toml");
    let lines = |r: &housing_need::ingest::Report| -> Vec<String> {
        r.problems.iter().map(|p| p.to_string()).collect()
    };
    assert_eq!(lines(&direct), lines(&gdal));
    let run = check("tests/fixtures/broken/address_points.toml");
    let file = "tests/fixtures/broken/address_points.csv";
    run.assert_problem(&format!(
        "{file}: row 2: field 'geometry': empty or missing geometry"
    ));
    run.assert_problem(&format!(
        "{file}: row 3: field 'sex': value 'x': unknown sex 'x' (expected m, f or t)"
    ));
    // The blank line is not a row.
    run.assert_problem(&format!("{file}: row 4: field 'age_band': value '30-35'"));
    run.assert_problem(&format!(
        "{file}: row 5: field 'year': value '20x8': year is not an integer"
    ));
    run.assert_problem(&format!(
        "{file}: row 6: field 'persons': value '-1': negative count"
    ));
}
