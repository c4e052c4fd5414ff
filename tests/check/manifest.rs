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
