//! Manifest errors: a manifest that cannot be read exits 2 naming it; a typo in a column key is
//! a problem rather than a silently ignored mapping.

use crate::support::{check, run};

#[test]
fn a_missing_manifest_exits_2_naming_it() {
    let r = check("tests/fixtures/broken/no_such_manifest.toml");
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr
            .contains("tests/fixtures/broken/no_such_manifest.toml: cannot read manifest"),
        "{}",
        r.all()
    );
}

#[test]
fn invalid_toml_exits_2_naming_the_manifest_and_line() {
    let r = check("tests/fixtures/broken/invalid.toml");
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.contains("tests/fixtures/broken/invalid.toml"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("line 1"), "{}", r.all());
}

#[test]
fn an_unknown_column_key_is_a_problem() {
    check("tests/fixtures/broken/column_typo.toml").assert_problem(
        "tests/fixtures/broken/column_typo.toml: field 'population.columns.persns': value 'persns': unknown column key under [population.columns]",
    );
}

#[test]
fn check_has_help() {
    let r = run(&["check", "--help"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains("--json"), "{}", r.stdout);
}

#[test]
fn parameters_out_of_range_are_problems_naming_the_key() {
    let r = check("tests/fixtures/broken/bad_parameters.toml");
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.stdout.contains("field '[model]'"), "{}", r.all());
    assert!(r.stdout.contains("vacancy_reserve"), "{}", r.all());
    assert!(r.stdout.contains("field '[flags]'"), "{}", r.all());
    assert!(r.stdout.contains("stop_radius_m = -400"), "{}", r.all());
}

#[test]
fn columnar_outside_population_is_a_warning_naming_the_key() {
    // The sample dataset with `columnar = false` under [transit], where it has no effect.
    let dir = tempfile::tempdir().unwrap();
    let from = crate::support::root().join("geodata/alingsas-sample");
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let manifest = dir.path().join("alingsas-sample.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let transit = "[transit]\nsource = \"transit_stops.geojson\"\n";
    assert!(text.contains(transit), "{text}");
    let edited = text.replace(transit, &format!("{transit}columnar = false\n"));
    std::fs::write(&manifest, edited).unwrap();
    let r = check(manifest.to_str().unwrap());
    assert_eq!(r.code, Some(0), "a warning, not a problem: {}", r.all());
    assert!(
        r.all().contains(
            "field 'transit.columnar': value 'false': `columnar` applies to [population] \
             (address points) only; ignored under [transit]"
        ),
        "{}",
        r.all()
    );
}
