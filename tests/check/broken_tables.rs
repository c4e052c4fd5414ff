//! Broken values in tables: each exits 1 with `FILE: row N: field 'F': value 'V': message`.

use crate::support::check;

#[test]
fn an_unknown_district_code_is_named_with_its_row() {
    check("tests/fixtures/broken/unknown_district.toml").assert_problem(
        "tests/fixtures/broken/unknown_district.csv: row 2: field 'district': value '1489999': unknown district code",
    );
}

#[test]
fn an_unknown_age_band_is_named_with_the_bands_expected() {
    let run = check("tests/fixtures/broken/unknown_band.toml");
    run.assert_problem(
        "tests/fixtures/broken/unknown_band.csv: row 2: field 'age_band': value '85-89': unknown age band",
    );
    assert!(run.stdout.contains("0-4, 5-9, … 80+"), "{}", run.stdout);
}

#[test]
fn a_negative_count_is_a_problem() {
    check("tests/fixtures/broken/negative_count.toml").assert_problem(
        "tests/fixtures/broken/negative_count.csv: row 2: field 'persons': value '-4': negative count",
    );
}

#[test]
fn a_non_numeric_count_is_a_problem() {
    check("tests/fixtures/broken/non_numeric_count.toml").assert_problem(
        "tests/fixtures/broken/non_numeric_count.csv: row 2: field 'persons': value '..': not a number",
    );
}

#[test]
fn a_fractional_count_is_a_problem() {
    check("tests/fixtures/broken/fractional_count.toml").assert_problem(
        "tests/fixtures/broken/fractional_count.csv: row 2: field 'persons': value '2.5': fractional count",
    );
}

#[test]
fn a_year_that_is_not_an_integer_is_a_problem() {
    check("tests/fixtures/broken/non_integer_year.toml").assert_problem(
        "tests/fixtures/broken/non_integer_year.csv: row 2: field 'year': value '2018.5': year is not an integer",
    );
}

#[test]
fn a_missing_column_lists_the_columns_found() {
    check("tests/fixtures/broken/missing_column.toml").assert_problem(
        "tests/fixtures/broken/missing_column.csv: field 'persons': missing column 'persons' (columns found: district, year, sex, age_band, antal)",
    );
}

#[test]
fn a_duplicate_key_names_the_first_row() {
    check("tests/fixtures/broken/duplicate_key.toml").assert_problem(
        "tests/fixtures/broken/duplicate_key.csv: row 3: duplicate row for this district, year, sex and age band: same as row 1",
    );
}

#[test]
fn a_code_suffix_without_strip_suffix_says_how_to_fix_it() {
    check("tests/fixtures/broken/suffix_not_stripped.toml").assert_problem(
        "tests/fixtures/accepted/population_suffix.csv: row 1: field 'district': value '1489001_DeSO2025': unknown district code: '1489001' is a district; set strip_suffix = \"_DeSO2025\" under [districts]",
    );
}

#[test]
fn wide_attributes_of_the_district_layer_are_checked_like_table_cells() {
    let run = check("tests/fixtures/broken/attributes.toml");
    let layer = "tests/fixtures/broken/districts_attributes.geojson";
    run.assert_problem(&format!(
        "{layer}: row 0: field 'sysselsatta': value 'ca 80': not a number"
    ));
    run.assert_problem(&format!(
        "{layer}: row 1: field 'dist_tenure_1': value '-3': negative count"
    ));
    run.assert_problem(&format!(
        "{layer}: row 2: field 'dist_tenure_1': value '2.5': fractional count"
    ));
    run.assert_problem(&format!(
        "{layer}: field 'low_econ': no field 'low_econ' in layer 'districts_attributes' (named by districts.indicators[1]"
    ));
    run.assert_problem(
        "tests/fixtures/broken/attributes.toml: field 'districts.dwellings[1].tenure': value 'kooperativ': unknown tenure",
    );
}
