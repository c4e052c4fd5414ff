//! The long CSV tables: population, migration, dwellings and indicators, each its schema (the
//! columns, [`super::rows::Column`]) and its checks (district code, year, sex, age band,
//! counts), read through [`super::rows::read`]. Every problem is reported with file, row, field
//! and value; duplicate keys are problems too, since summing or picking one would hide an
//! error in the source. SCB's own download formats go to [`super::scb`] instead.
//!
//! A new table: its schema and reader here (or in its own file, as [`super::series`]), its
//! manifest part in [`crate::config::Manifest`], its schema in [`schemas`] (for checking
//! `[part.columns]`), its records in [`crate::domain`].

use std::collections::HashMap;

use super::codes::{parse_band, parse_dwelling_type, parse_tenure};
use super::csv_table::{open_csv, CsvFile};
use super::finding::Location;
use super::rows::{self, optional, required, Column, Duplicates, Row, YEAR};
use super::{points, scb, series, values, Ctx, Finding, Findings};
use crate::config::{Manifest, TableSource};
use crate::domain::{
    AgeRecord, DwellingRecord, DwellingType, IndicatorRecord, MigrationRecord, PopulationRecord,
    Sex, Tenure,
};

/// Population by district and age band.
const POPULATION: [Column; 5] = [
    required("district"),
    YEAR,
    optional("sex"),
    required("age_band"),
    required("persons"),
];

/// Migration by district (empty: the municipality) and age band.
const MIGRATION: [Column; 6] = [
    optional("district"),
    YEAR,
    optional("sex"),
    required("age_band"),
    required("in_migrants"),
    required("out_migrants"),
];

/// Dwelling stock by district, type and tenure.
const DWELLINGS: [Column; 5] = [
    required("district"),
    YEAR,
    required("type"),
    required("tenure"),
    required("dwellings"),
];

/// Indicators by district.
const INDICATORS: [Column; 4] = [
    required("district"),
    YEAR,
    required("indicator"),
    required("value"),
];

/// The schemas a manifest part may be read with.
fn schemas(part: &str) -> Vec<Vec<Column>> {
    match part {
        "population" => vec![
            POPULATION.to_vec(),
            series::SINGLE_YEAR.to_vec(),
            points::ADDRESS_POINTS.to_vec(),
        ],
        "municipal_population" => vec![series::MUNICIPAL_SINGLE_YEAR.to_vec()],
        "completions" => vec![series::COMPLETIONS.to_vec()],
        "migration" => vec![MIGRATION.to_vec()],
        "dwellings" => vec![DWELLINGS.to_vec()],
        "indicators" => vec![INDICATORS.to_vec()],
        "transit" => vec![points::transit::TRANSIT.to_vec()],
        "pipeline" => vec![points::pipeline::schema(true)],
        _ => Vec::new(),
    }
}

/// Our column names for a manifest part, for checking the keys of `[part.columns]`: every
/// schema's names once, a name new in a later schema placed before the next name it shares.
fn known_columns(part: &str) -> Vec<&'static str> {
    let mut known: Vec<&'static str> = Vec::new();
    for schema in schemas(part) {
        for (k, column) in schema.iter().enumerate() {
            if known.contains(&column.name) {
                continue;
            }
            let next = schema[k + 1..]
                .iter()
                .find_map(|n| known.iter().position(|x| *x == n.name));
            match next {
                Some(at) => known.insert(at, column.name),
                None => known.push(column.name),
            }
        }
    }
    known
}

/// A key under `[part.columns]` that is not one of our column names is a typo the planner
/// would otherwise never notice (the mapping would silently not apply).
pub(crate) fn check_column_keys(manifest: &Manifest, found: &mut Findings) {
    let parts: [(&str, Option<&TableSource>); 8] = [
        ("population", Some(&manifest.population)),
        (
            "municipal_population",
            manifest.municipal_population.as_ref(),
        ),
        ("completions", manifest.completions.as_ref()),
        ("migration", manifest.migration.as_ref()),
        ("dwellings", manifest.dwellings.as_ref()),
        ("indicators", manifest.indicators.as_ref()),
        ("transit", manifest.transit.as_ref()),
        ("pipeline", manifest.pipeline.as_ref()),
    ];
    for (part, source) in parts {
        let Some(source) = source else { continue };
        let known = known_columns(part);
        for key in source.columns.keys() {
            if !known.contains(&key.as_str()) {
                found.problem(
                    Finding::new(
                        &manifest.path,
                        format!(
                            "unknown column key under [{part}.columns] (known: {})",
                            known.join(", ")
                        ),
                    )
                    .in_field(&format!("{part}.columns.{key}"))
                    .with_value(key),
                );
            }
        }
    }
}

/// A table part's file: one of SCB's download formats (read by [`scb::map`]), or our long CSV,
/// opened.
enum Table {
    Scb(scb::Format),
    Csv(CsvFile),
}

/// Opens table part `part`'s file `path`: as one of SCB's formats when `scb` allows them and
/// the file is one, else as our long CSV. `None` after a problem.
fn open_table(
    ctx: &Ctx<'_>,
    part: &str,
    source: &TableSource,
    path: &str,
    scb: bool,
    found: &mut Findings,
) -> Option<Table> {
    if scb {
        let ours = known_columns(part);
        if let Some(format) = scb::map::format_of(ctx, part, source, path, &ours, found) {
            return Some(Table::Scb(format));
        }
    }
    open_csv(ctx, path, found).map(Table::Csv)
}

/// The keys of the tables by age band (population, migration): year (column 1), sex (2) and
/// band (3) after the district; one row per key, and a key either per sex or in total.
struct BandKeys<D> {
    dups: Duplicates<(D, i32, Sex, usize)>,
    mix: SexMix<(D, i32, usize)>,
}

impl<D: std::hash::Hash + Eq + Clone> BandKeys<D> {
    fn new() -> Self {
        Self {
            dups: Duplicates::new(),
            mix: SexMix::new(),
        }
    }
    /// A row's year, sex (a total when the table has no sex column) and band.
    fn parse(
        &self,
        ctx: &Ctx<'_>,
        row: &Row<'_>,
        found: &mut Findings,
    ) -> (Option<i32>, Option<Sex>, Option<usize>) {
        let year = row.year(1, found);
        let sex = row.sex(2, found);
        let band = row.parse(3, |s| parse_band(ctx, s), found);
        (year, sex, band)
    }
    /// True when the row's key is new (a problem otherwise); a total beside per-sex rows is a
    /// problem too.
    fn accept(
        &mut self,
        district: D,
        year: i32,
        sex: Sex,
        band: usize,
        row: &Row<'_>,
        found: &mut Findings,
    ) -> bool {
        let key = (district.clone(), year, sex, band);
        let what = "row for this district, year, sex and age band";
        if self.dups.seen(key, &row.at, what, found) {
            return false;
        }
        self.mix
            .add((district, year, band), sex, &row.at, row.name(2), found);
        true
    }
}

/// Checks that a table has either per-sex rows or total rows for a key, not both (they would be
/// counted twice).
struct SexMix<K> {
    kinds: HashMap<K, (bool, bool, Option<u64>)>,
}

impl<K: std::hash::Hash + Eq + Clone> SexMix<K> {
    fn new() -> Self {
        Self {
            kinds: HashMap::new(),
        }
    }
    fn add(&mut self, key: K, sex: Sex, at: &Location<'_>, field: &str, found: &mut Findings) {
        let e = self.kinds.entry(key).or_insert((false, false, at.row));
        let total = sex == Sex::Total;
        if total {
            e.0 = true;
        } else {
            e.1 = true;
        }
        if e.0 && e.1 {
            found.problem(
                at.finding(
                    format!(
                        "both a total (t) and a per-sex row for the same district, year and band (see row {}); they would be counted twice",
                        e.2.map(|r| r.to_string()).unwrap_or_else(|| "?".into())
                    ),
                )
                .in_field(field)
                .with_value(sex.code()),
            );
            // Report once per key.
            e.0 = false;
            e.1 = false;
        }
    }
}

/// `district,year,sex,age_band,persons`: population by district (folkmängd).
/// A table with an `age` column instead of `age_band` is by single year of age
/// ([`super::series`]): its records come back by single year too (the second value).
pub(crate) fn population(
    ctx: &Ctx<'_>,
    path: &str,
    found: &mut Findings,
) -> (Vec<PopulationRecord>, Vec<AgeRecord>) {
    let source = &ctx.manifest.population;
    let mut csv = match open_table(ctx, "population", source, path, true, found) {
        Some(Table::Csv(csv)) => csv,
        Some(Table::Scb(format)) => {
            let banded = scb::map::population(ctx, source, path, format, found);
            return (banded, Vec::new());
        }
        None => return (Vec::new(), Vec::new()),
    };
    if series::is_single_year(source, &csv.headers) {
        let (ages, banded) = series::population_by_age_in(ctx, source, csv, false, found);
        return (banded, ages);
    }
    let mut out = Vec::new();
    let mut keys = BandKeys::new();
    rows::read(&mut csv, source, &POPULATION, found, |row, found| {
        let district = row.district(ctx, 0, found);
        let (year, sex, band) = keys.parse(ctx, row, found);
        let persons = row.count(4, found);
        if let (Ok(Some(district)), Some(year), Some(sex), Some(band), Some(persons)) =
            (district, year, sex, band, persons)
        {
            if !keys.accept(district, year, sex, band, row, found) {
                return;
            }
            out.push(PopulationRecord {
                district,
                year,
                sex,
                band,
                persons,
            });
        }
    });
    (out, Vec::new())
}

/// `district,year,sex,age_band,in_migrants,out_migrants`; an empty district is the municipal
/// table (`MigrationRecord::district = None`) that the model spreads over districts.
pub(crate) fn migration(
    ctx: &Ctx<'_>,
    source: &TableSource,
    found: &mut Findings,
) -> Vec<MigrationRecord> {
    let Some(path) = table_path(ctx, "migration", source, found) else {
        return Vec::new();
    };
    let mut csv = match open_table(ctx, "migration", source, path, true, found) {
        Some(Table::Csv(csv)) => csv,
        Some(Table::Scb(format)) => return scb::map::migration(ctx, source, path, format, found),
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut keys = BandKeys::new();
    rows::read(&mut csv, source, &MIGRATION, found, |row, found| {
        // `Some(None)`: municipal row; `None`: a problem (or not checkable).
        let district: Option<Option<usize>> = if row.text(0).trim().is_empty() {
            Some(None)
        } else {
            match row.district(ctx, 0, found) {
                Ok(Some(i)) => Some(Some(i)),
                _ => None,
            }
        };
        let (year, sex, band) = keys.parse(ctx, row, found);
        let inm = row.count(4, found);
        let outm = row.count(5, found);
        if let (Some(district), Some(year), Some(sex), Some(band), Some(inm), Some(outm)) =
            (district, year, sex, band, inm, outm)
        {
            if !keys.accept(district, year, sex, band, row, found) {
                return;
            }
            out.push(MigrationRecord {
                district,
                year,
                sex,
                band,
                in_migrants: inm,
                out_migrants: outm,
            });
        }
    });
    out
}

/// `district,year,type,tenure,dwellings`: dwelling stock (bostadsbestånd).
pub(crate) fn dwellings(
    ctx: &Ctx<'_>,
    source: &TableSource,
    found: &mut Findings,
) -> Vec<DwellingRecord> {
    let Some(path) = table_path(ctx, "dwellings", source, found) else {
        return Vec::new();
    };
    let mut csv = match open_table(ctx, "dwellings", source, path, true, found) {
        Some(Table::Csv(csv)) => csv,
        Some(Table::Scb(format)) => return scb::map::dwellings(ctx, source, path, format, found),
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    rows::read(&mut csv, source, &DWELLINGS, found, |row, found| {
        let district = row.district(ctx, 0, found);
        let year = row.year(1, found);
        let kind = row.parse(2, parse_dwelling_type, found);
        let tenure = row.parse(3, parse_tenure, found);
        let n = row.count(4, found);
        if let (Ok(Some(district)), Some(year), Some(kind), Some(tenure), Some(n)) =
            (district, year, kind, tenure, n)
        {
            if dups.seen(
                (district, year, kind, tenure),
                &row.at,
                "row for this district, year, type and tenure",
                found,
            ) {
                return;
            }
            out.push(DwellingRecord {
                district,
                year,
                dwelling_type: kind,
                tenure,
                dwellings: n,
            });
        }
    });
    out
}

/// `district,year,indicator,value`: indicators per district (values may be fractional).
pub(crate) fn indicators(
    ctx: &Ctx<'_>,
    source: &TableSource,
    found: &mut Findings,
) -> Vec<IndicatorRecord> {
    let Some(path) = table_path(ctx, "indicators", source, found) else {
        return Vec::new();
    };
    let Some(Table::Csv(mut csv)) = open_table(ctx, "indicators", source, path, false, found)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    rows::read(&mut csv, source, &INDICATORS, found, |row, found| {
        let district = row.district(ctx, 0, found);
        let year = row.year(1, found);
        let indicator = row.id(2, "indicator name", found);
        let value = row.parse(3, values::number, found);
        if let (Ok(Some(district)), Some(year), Some(indicator), Some(value)) =
            (district, year, indicator, value)
        {
            if dups.seen(
                (district, year, indicator.clone()),
                &row.at,
                "row for this district, year and indicator",
                found,
            ) {
                return;
            }
            out.push(IndicatorRecord {
                district,
                year,
                indicator,
                value,
            });
        }
    });
    out
}

/// The CSV path of a table-only part; `source` (a GDAL layer) is not read for these parts.
fn table_path<'s>(
    ctx: &Ctx<'_>,
    part: &str,
    source: &'s TableSource,
    found: &mut Findings,
) -> Option<&'s str> {
    match (&source.path, &source.source) {
        (Some(p), None) => Some(p.as_str()),
        (_, Some(_)) => {
            found.problem(
                Finding::new(
                    &ctx.manifest.path,
                    format!("[{part}] is read from a CSV table: give `path`, not `source`"),
                )
                .in_field(&format!("{part}.source")),
            );
            None
        }
        (None, None) => {
            found.problem(
                Finding::new(
                    &ctx.manifest.path,
                    format!("[{part}] needs `path` (a CSV table)"),
                )
                .in_field(&format!("{part}.path")),
            );
            None
        }
    }
}

/// Adds the indicators and dwellings read from fields of the district layer to those of the
/// `[indicators]` and `[dwellings]` tables. A value given both ways (same district, year and
/// indicator; same district, year, type and tenure) is a problem: it would be counted twice or
/// one would silently win.
pub(crate) fn merge_attributes(
    districts: &mut super::districts::Districts,
    indicators: &mut Vec<IndicatorRecord>,
    dwellings: &mut Vec<DwellingRecord>,
    found: &mut Findings,
) {
    let file = districts.file.clone();
    let both = |what: String, table: &str, district: usize, found: &mut Findings| {
        let code = districts
            .list
            .get(district)
            .map(|d| d.id.clone())
            .unwrap_or_default();
        found.problem(
            Finding::new(
                &file,
                format!(
                    "{what} is given both as a field of the district layer and in the [{table}] table; give it once"
                ),
            )
            .with_value(&code),
        );
    };
    let in_table: std::collections::HashSet<(usize, i32, String)> = indicators
        .iter()
        .map(|r| (r.district, r.year, r.indicator.clone()))
        .collect();
    for r in std::mem::take(&mut districts.indicators) {
        if in_table.contains(&(r.district, r.year, r.indicator.clone())) {
            both(
                format!("indicator '{}' of {}", r.indicator, r.year),
                "indicators",
                r.district,
                found,
            );
            continue;
        }
        indicators.push(r);
    }
    let in_table: std::collections::HashSet<(usize, i32, DwellingType, Tenure)> = dwellings
        .iter()
        .map(|r| (r.district, r.year, r.dwelling_type, r.tenure))
        .collect();
    for r in std::mem::take(&mut districts.dwellings) {
        if in_table.contains(&(r.district, r.year, r.dwelling_type, r.tenure)) {
            both(
                format!(
                    "dwellings of type {} and tenure {} in {}",
                    r.dwelling_type.code(),
                    r.tenure.code(),
                    r.year
                ),
                "dwellings",
                r.district,
                found,
            );
            continue;
        }
        dwellings.push(r);
    }
}
