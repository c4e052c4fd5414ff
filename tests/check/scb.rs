//! SCB's download formats read directly: the real samples of `tests/fixtures/pxweb/` (other
//! regions, see its SOURCE.md) each parse as the table they are, and hand-made files in the
//! variants the samples lack load through a manifest with the same numbers as their long-CSV
//! twin; a table by RegSO for DeSO districts fails naming the codes.

use std::collections::BTreeMap;

use housing_need::domain::{Dataset, DwellingType, Sex, Tenure};
use housing_need::ingest::scb::{parse, Format, Role, ScbTable};

use crate::support::{check, report, root};

fn table(name: &str) -> ScbTable {
    let bytes = std::fs::read(root().join("tests/fixtures/pxweb").join(name)).expect("fixture");
    parse(&bytes, None).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// The value of the cell whose categories have these codes, dimension by dimension.
fn value(t: &ScbTable, codes: &[&str]) -> Option<f64> {
    t.cells
        .iter()
        .find(|c| {
            codes
                .iter()
                .enumerate()
                .all(|(d, code)| t.category(c, d).code == *code)
        })
        .and_then(|c| c.value)
}

fn roles(t: &ScbTable) -> Vec<Role> {
    t.dimensions.iter().map(|d| d.role).collect()
}

fn dataset(manifest: &str) -> Dataset {
    let r = report(manifest);
    assert!(r.problems.is_empty(), "{manifest}: {:#?}", r.problems);
    r.dataset.expect("a dataset without problems")
}

#[test]
fn jsonstat2_tab638_is_one_cell_of_population_by_civil_status() {
    let t = table("pxweb_v2_jsonstat2_TAB638_riket_rOpenGov-pxweb.json");
    assert_eq!(t.format, Format::JsonStat2);
    assert_eq!(
        roles(&t),
        [
            Role::Region,
            Role::Other,
            Role::Age,
            Role::Sex,
            Role::Contents,
            Role::Time
        ]
    );
    assert_eq!(t.cells.len(), 1);
    // Riket, ogifta, 0 år, män, Folkmängd, 2024.
    assert_eq!(
        value(&t, &["00", "OG", "0", "1", "BE0101N1", "2024"]),
        Some(50_937.0)
    );
    assert_eq!(t.dimensions[2].categories[0].label, "0 år");
}

#[test]
fn jsonstat2_tab6471_is_population_by_county_ten_year_age_sex_and_month() {
    let t = table("pxweb_v2_jsonstat2_TAB6471_lan_alder10_kon_manad_pxwebpy.json");
    assert_eq!(
        roles(&t),
        [
            Role::Region,
            Role::Age,
            Role::Sex,
            Role::Contents,
            Role::Time
        ]
    );
    assert_eq!(t.cells.len(), 21 * 11 * 3 * 4);
    let sex = &t.dimensions[2].categories;
    assert!(sex[0].is_total(), "{:?}", sex[0]);
    assert!(!sex[1].is_total() && !sex[2].is_total());
    // The total is men + women in every county, age group and month (before 2025's noise).
    let mut checked = 0;
    for region in &t.dimensions[0].categories {
        for age in &t.dimensions[1].categories {
            let get =
                |s: &str| value(&t, &[&region.code, &age.code, s, "000007SF", "2026M01"]).unwrap();
            let (total, men, women) = (get("TotSa"), get("1"), get("2"));
            assert!((total - men - women).abs() <= 15.0, "{region:?} {age:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 21 * 11);
    assert_eq!(t.dimensions[1].categories[10].label, "100+ år");
}

#[test]
fn pxweb_v1_json_befolkningny_is_population_by_civil_status_and_year() {
    let t = table("pxweb_v1_json_BefolkningNy_riket_civilstand_rOpenGov-pxweb.json");
    assert_eq!(t.format, Format::PxwebJson);
    assert_eq!(roles(&t), [Role::Other, Role::Time, Role::Contents]);
    assert_eq!(t.cells.len(), 12);
    assert_eq!(value(&t, &["OG", "2015", "BE0101N1"]), Some(5_157_443.0));
    assert_eq!(value(&t, &["G", "2017", "BE0101N1"]), Some(3_358_397.0));
}

#[test]
fn pxweb_v1_json_bo0104_loads_as_kungsbackas_dwellings_by_house_type() {
    let t = table("pxweb_v1_json_BO0104T01_kungsbacka_hustyp_indikator-dashboard.json");
    assert_eq!(
        roles(&t),
        [Role::Region, Role::BuildingType, Role::Time, Role::Contents]
    );
    assert_eq!(t.cells.len(), 10);

    let run = check("tests/fixtures/pxweb/kungsbacka.toml");
    run.assert_ok();
    let d = dataset("tests/fixtures/pxweb/kungsbacka.toml");
    let get = |kind: DwellingType, year: i32| {
        d.dwellings
            .iter()
            .find(|r| r.dwelling_type == kind && r.year == year)
            .map(|r| (r.tenure, r.dwellings))
    };
    assert_eq!(d.dwellings.len(), 10);
    assert_eq!(
        get(DwellingType::Smahus, 2020),
        Some((Tenure::Okand, 24_560.0))
    );
    assert_eq!(
        get(DwellingType::Smahus, 2024),
        Some((Tenure::Okand, 25_143.0))
    );
    assert!(get(DwellingType::Flerbostadshus, 2022).is_some());
}

#[test]
fn latin1_statistikdatabasen_csv_is_migration_by_municipality_wide_by_measure_and_year() {
    let t = table("scb_csv_latin1_flyttningar_1968_1996_VG-kommuner_TOUDAI.csv");
    assert_eq!(t.format, Format::PxwebCsv);
    assert_eq!(
        roles(&t),
        [Role::Region, Role::Age, Role::Contents, Role::Time]
    );
    // 15 municipalities × one age total × 9 measures × 29 years (1968–1996).
    assert_eq!(t.dimensions[0].categories.len(), 15);
    assert_eq!(t.dimensions[2].categories.len(), 9);
    assert_eq!(t.dimensions[3].categories.len(), 29);
    assert_eq!(t.cells.len(), 15 * 9 * 29);
    let harryda = &t.dimensions[0].categories[0];
    assert_eq!(
        (harryda.code.as_str(), harryda.label.as_str()),
        ("1401", "Härryda")
    );
    assert!(t.dimensions[1].categories[0].is_total(), "totalt ålder");
    assert_eq!(
        value(&t, &["1401", "totalt ålder", "Inflyttningar", "1968"]),
        Some(1262.0)
    );
    assert!(value(&t, &["1480", "totalt ålder", "Flyttningsöverskott", "1996"]).is_some());
}

fn population(d: &Dataset) -> BTreeMap<(String, i32, Sex, usize), f64> {
    d.population
        .iter()
        .map(|r| {
            (
                (d.districts[r.district].id.clone(), r.year, r.sex, r.band),
                r.persons,
            )
        })
        .collect()
}

#[test]
fn a_latin1_csv_with_title_lines_totals_and_missing_cells_loads_as_its_long_twin() {
    let run = check("tests/fixtures/pxweb/latin1.toml");
    run.assert_ok();
    assert!(
        run.stdout
            .contains("2 cells of SCB's table are missing (`..`) and left out"),
        "{}",
        run.stdout
    );
    let scb = dataset("tests/fixtures/pxweb/latin1.toml");
    let twin = dataset("tests/fixtures/pxweb/twin.toml");
    // The totals over ages and the municipality's own rows are not counted.
    assert_eq!(population(&scb), population(&twin));
    assert_eq!(scb.population.len(), 3 * 2 * 2 * 17 - 2);
    let sum = |d: &Dataset| d.population.iter().map(|r| r.persons).sum::<f64>();
    assert_eq!(sum(&scb), sum(&twin));
    println!(
        "SCB CSV (Latin-1) and its long twin: {} persons each",
        sum(&scb)
    );
}

#[test]
fn jsonstat2_with_a_sex_total_loads_as_the_twins_2018() {
    let run = check("tests/fixtures/pxweb/jsonstat2.toml");
    run.assert_ok();
    let scb = dataset("tests/fixtures/pxweb/jsonstat2.toml");
    let twin: BTreeMap<_, _> = population(&dataset("tests/fixtures/pxweb/twin.toml"))
        .into_iter()
        .filter(|(k, _)| k.1 == 2018)
        .collect();
    // TotSa beside men and women is left out: no Sex::Total record.
    assert!(scb.population.iter().all(|r| r.sex != Sex::Total));
    assert_eq!(population(&scb), twin);
}

#[test]
fn municipal_migration_with_years_as_rows_is_the_municipal_table() {
    let run = check("tests/fixtures/pxweb/migration_kommun.toml");
    run.assert_ok();
    let d = dataset("tests/fixtures/pxweb/migration_kommun.toml");
    assert_eq!(d.migration.len(), 2 * 2 * 17);
    assert!(d.migration.iter().all(|r| r.district.is_none()));

    // Against the file, read independently.
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/pxweb/flyttningar_kommun_tab.csv"))
            .unwrap();
    let mut inm = 0.0;
    let mut outm = 0.0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').map(|s| s.trim_matches('"')).collect();
        inm += f[4].parse::<f64>().unwrap();
        outm += f[5].parse::<f64>().unwrap();
    }
    let loaded_in: f64 = d.migration.iter().map(|r| r.in_migrants).sum();
    let loaded_out: f64 = d.migration.iter().map(|r| r.out_migrants).sum();
    assert_eq!((loaded_in, loaded_out), (inm, outm));
}

#[test]
fn a_regso_table_for_deso_districts_fails_naming_the_codes() {
    check("tests/fixtures/pxweb/regso_for_deso.toml").assert_problem(
        "tests/fixtures/pxweb/folkmangd_regso.csv: row 1: field 'region': value '1489R001 Alingsås centrum': 3 region codes of the table are not districts: 1489R001, 1489R002, 1489R003; the table is by RegSO but the districts are DeSO",
    );
}

#[test]
fn ten_year_age_groups_do_not_fit_five_year_bands() {
    check("tests/fixtures/pxweb/ten_year_bands.toml").assert_problem(
        "tests/fixtures/pxweb/folkmangd_10ar.csv: field 'ålder': value '0-9 år': age group does not fit this dataset's bands",
    );
}

#[test]
fn single_years_of_age_are_summed_into_bands_and_sex_totals_left_out() {
    let manifest = "tests/fixtures/pxweb/single_years.toml";
    check(manifest).assert_ok();
    let d = dataset(manifest);
    assert_eq!(d.population.len(), 3 * 2 * 17);
    assert!(d.population.iter().all(|r| r.sex != Sex::Total));

    // The file's single years summed by hand into five-year bands (80+ holds 80 … 100+).
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/pxweb/folkmangd_ettarsklasser.csv"))
            .unwrap();
    let mut expected: BTreeMap<(String, i32, Sex, usize), f64> = BTreeMap::new();
    for line in text.lines().skip(3) {
        let f: Vec<&str> = line.split(',').map(|s| s.trim_matches('"')).collect();
        let sex = match f[2] {
            "1" => Sex::Male,
            "2" => Sex::Female,
            _ => continue,
        };
        let age: usize = f[1]
            .trim_end_matches(" år")
            .trim_end_matches('+')
            .parse()
            .unwrap();
        let band = (age / 5).min(16);
        *expected
            .entry((f[0].to_string(), 2018, sex, band))
            .or_default() += f[3].parse::<f64>().unwrap();
    }
    assert_eq!(population(&d), expected);
}

#[test]
fn a_year_the_table_lacks_and_an_unknown_format_are_problems() {
    let run = check("tests/fixtures/pxweb/wrong_year.toml");
    run.assert_problem(
        "tests/fixtures/pxweb/folkmangd_latin1.csv: field 'år': the table has no year 2025 (named by population.year); its years: 2017, 2018",
    );
    run.assert_problem(
        "tests/fixtures/pxweb/wrong_year.toml: field 'migration.format': value 'px': unknown format",
    );
}
