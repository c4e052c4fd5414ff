//! The long CSV tables: population, migration, dwellings and indicators. Every value is checked
//! (district code, year, sex, age band, counts) and every problem is reported with file, row,
//! field and value; duplicate keys are problems too, since summing or picking one would hide
//! an error in the source.

use std::collections::HashMap;
use std::path::PathBuf;

use super::csv_table::{Columns, CsvFile, Need, Row, Wanted};
use super::districts::CodeMatch;
use super::gdal_source::display_path;
use super::{scb, values, Ctx, Findings, Problem};
use crate::config::{Manifest, TableSource};
use crate::domain::{
    AgeBand, AgeRecord, DwellingRecord, DwellingType, IndicatorRecord, MigrationRecord,
    PopulationRecord, ProjectStage, Sex, Tenure,
};

/// Our column names per manifest part, for checking the keys of `[part.columns]`.
fn known_columns(part: &str) -> Vec<&'static str> {
    match part {
        "population" => vec!["district", "year", "sex", "age_band", "age", "persons"],
        "municipal_population" => vec!["region", "year", "sex", "age", "persons"],
        "completions" => vec!["district", "year", "dwellings"],
        "migration" => vec![
            "district",
            "year",
            "sex",
            "age_band",
            "in_migrants",
            "out_migrants",
        ],
        "dwellings" => vec!["district", "year", "type", "tenure", "dwellings"],
        "indicators" => vec!["district", "year", "indicator", "value"],
        "transit" => vec!["stop_id", "name", "departures_per_hour", "mode"],
        "pipeline" => {
            let mut v = vec![
                "project_id",
                "name",
                "dwellings",
                "type",
                "tenure",
                "appealed",
                "district",
            ];
            v.extend(ProjectStage::ALL.iter().map(|s| s.code()));
            v
        }
        _ => Vec::new(),
    }
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
                    Problem::new(
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

/// Opens a table part's CSV and finds its columns. `year` is required unless the manifest
/// gives one year for the whole table.
pub(crate) fn open_table(
    ctx: &Ctx<'_>,
    source: &TableSource,
    path: &str,
    wanted: &[Wanted<'_>],
    found: &mut Findings,
) -> Option<(CsvFile, Columns)> {
    let file = display_path(ctx.manifest, path);
    let csv = CsvFile::open(&file, found)?;
    let cols = csv.columns(source, wanted, found)?;
    Some((csv, cols))
}

/// The `year` column spec: required, or optional when `TableSource::year` is set.
pub(crate) fn year_need(source: &TableSource) -> Need {
    if source.year.is_some() {
        Need::Optional
    } else {
        Need::Required
    }
}

/// Reads one cell and records a problem when `parse` rejects it.
pub(crate) struct Cells<'a> {
    /// The file, for messages.
    pub file: &'a PathBuf,
    /// Data row of a table, or FID of a layer.
    pub row: Option<u64>,
}

impl Cells<'_> {
    /// Parses `value` (from column `field`) with `parse`; a problem on failure.
    pub fn parse<T>(
        &self,
        field: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
        found: &mut Findings,
    ) -> Option<T> {
        match parse(value) {
            Ok(v) => Some(v),
            Err(message) => {
                found.problem(
                    Problem::new(self.file, message)
                        .at_row(self.row)
                        .in_field(field)
                        .with_value(value),
                );
                None
            }
        }
    }
}

/// The year of a row: its own column, or the table's `year`.
pub(crate) fn row_year(
    cells: &Cells<'_>,
    field: &str,
    value: Option<&str>,
    default: Option<i32>,
    found: &mut Findings,
) -> Option<i32> {
    match (value, default) {
        (Some(v), _) => cells.parse(field, v, values::year, found),
        (None, Some(y)) => Some(y),
        (None, None) => None,
    }
}

/// A sex code (`m`, `f`, `t` and SCB's spellings); `t` when the table has no sex column.
pub(crate) fn parse_sex(raw: &str) -> Result<Sex, String> {
    raw.parse::<Sex>()
}

/// An age band that is one of the dataset's bands, as its index.
pub(crate) fn parse_band(ctx: &Ctx<'_>, raw: &str) -> Result<usize, String> {
    let band: AgeBand = raw.parse().map_err(|e: crate::domain::ParseAgeBandError| {
        format!("{e}; this dataset's bands are {}", bands_text(ctx))
    })?;
    ctx.bands.index_of(band).ok_or_else(|| {
        format!(
            "unknown age band '{band}': this dataset's bands are {} (the open band is set by dataset.open_band)",
            bands_text(ctx)
        )
    })
}

fn bands_text(ctx: &Ctx<'_>) -> String {
    let b = ctx.bands.as_slice();
    match (b.first(), b.get(1), b.last()) {
        (Some(a), Some(c), Some(z)) => format!("{a}, {c}, … {z}"),
        _ => "none".into(),
    }
}

/// The district of a row: a problem for an empty or unknown code. `Ok(None)` means "do not
/// check further" (the district's own feature had a problem, already reported).
pub(crate) fn row_district(
    ctx: &Ctx<'_>,
    cells: &Cells<'_>,
    field: &str,
    raw: &str,
    found: &mut Findings,
) -> Result<Option<usize>, ()> {
    if raw.trim().is_empty() {
        found.problem(
            Problem::new(cells.file, "empty district code")
                .at_row(cells.row)
                .in_field(field)
                .with_value(raw),
        );
        return Err(());
    }
    match ctx.districts.lookup(raw) {
        CodeMatch::Found(i) => Ok(Some(i)),
        CodeMatch::Unchecked => Ok(None),
        CodeMatch::Unknown => {
            let stripped = ctx.districts.normalize(raw);
            let shown = if stripped != raw.trim() {
                format!("unknown district code '{stripped}' (suffix stripped): ")
            } else {
                "unknown district code: ".to_string()
            };
            let hint = suffix_hint(ctx, raw).unwrap_or_else(|| ctx.districts.known_hint());
            found.problem(
                Problem::new(cells.file, format!("{shown}{hint}"))
                    .at_row(cells.row)
                    .in_field(field)
                    .with_value(raw),
            );
            Err(())
        }
    }
}

/// When a code is a known district plus a suffix (`1489C1010_DeSO2025`), the manifest most
/// likely lacks `strip_suffix`: say so.
fn suffix_hint(ctx: &Ctx<'_>, raw: &str) -> Option<String> {
    let (head, tail) = raw.trim().rsplit_once('_')?;
    match ctx.districts.lookup(head) {
        CodeMatch::Found(_) | CodeMatch::Unchecked => Some(format!(
            "'{head}' is a district; set strip_suffix = \"_{tail}\" under [districts]"
        )),
        CodeMatch::Unknown => None,
    }
}

/// Remembers the row of each key and reports a second row with the same key.
pub(crate) struct Duplicates<K> {
    first: HashMap<K, Option<u64>>,
}

impl<K: std::hash::Hash + Eq> Duplicates<K> {
    pub fn new() -> Self {
        Self {
            first: HashMap::new(),
        }
    }
    /// True (and a problem) when `key` was seen before.
    pub fn seen(&mut self, key: K, cells: &Cells<'_>, what: &str, found: &mut Findings) -> bool {
        if let Some(first) = self.first.get(&key) {
            found.problem(
                Problem::new(
                    cells.file,
                    format!(
                        "duplicate {what}: same as row {}",
                        first.map(|r| r.to_string()).unwrap_or_else(|| "?".into())
                    ),
                )
                .at_row(cells.row),
            );
            return true;
        }
        self.first.insert(key, cells.row);
        false
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
    fn add(&mut self, key: K, sex: Sex, cells: &Cells<'_>, field: &str, found: &mut Findings) {
        let e = self.kinds.entry(key).or_insert((false, false, cells.row));
        let total = sex == Sex::Total;
        if total {
            e.0 = true;
        } else {
            e.1 = true;
        }
        if e.0 && e.1 {
            found.problem(
                Problem::new(
                    cells.file,
                    format!(
                        "both a total (t) and a per-sex row for the same district, year and band (see row {}); they would be counted twice",
                        e.2.map(|r| r.to_string()).unwrap_or_else(|| "?".into())
                    ),
                )
                .at_row(cells.row)
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
    if let Some(format) = scb::map::format_of(
        ctx,
        "population",
        source,
        path,
        &known_columns("population"),
        found,
    ) {
        return (
            scb::map::population(ctx, source, path, format, found),
            Vec::new(),
        );
    }
    let Some(csv) = CsvFile::open(&display_path(ctx.manifest, path), found) else {
        return (Vec::new(), Vec::new());
    };
    if super::series::is_single_year(source, &csv.headers) {
        let (ages, banded) = super::series::population_by_age_in(ctx, source, csv, false, found);
        return (banded, ages);
    }
    let wanted = [
        ("district", Need::Required),
        ("year", year_need(source)),
        ("sex", Need::Optional),
        ("age_band", Need::Required),
        ("persons", Need::Required),
    ];
    let Some(cols) = csv.columns(source, &wanted, found) else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    let mut mix = SexMix::new();
    csv.each_row(found, |row, found| {
        let cells = Cells {
            file: &csv.file,
            row: Some(row.row),
        };
        let district = row_district(ctx, &cells, cols.name(0), row.get(cols.get(0)), found);
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let sex = match cols.get(2) {
            Some(_) => cells.parse(cols.name(2), row.get(cols.get(2)), parse_sex, found),
            None => Some(Sex::Total),
        };
        let band = cells.parse(
            cols.name(3),
            row.get(cols.get(3)),
            |s| parse_band(ctx, s),
            found,
        );
        let persons = cells.parse(cols.name(4), row.get(cols.get(4)), values::count, found);
        if let (Ok(Some(district)), Some(year), Some(sex), Some(band), Some(persons)) =
            (district, year, sex, band, persons)
        {
            if dups.seen(
                (district, year, sex, band),
                &cells,
                "row for this district, year, sex and age band",
                found,
            ) {
                return;
            }
            mix.add((district, year, band), sex, &cells, cols.name(2), found);
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

/// The value of wanted column `i`, or `None` when the (optional) column is absent.
pub(crate) fn value_of<'r>(row: &'r Row, cols: &Columns, i: usize) -> Option<&'r str> {
    cols.get(i).map(|at| row.get(Some(at)))
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
    if let Some(format) = scb::map::format_of(
        ctx,
        "migration",
        source,
        path,
        &known_columns("migration"),
        found,
    ) {
        return scb::map::migration(ctx, source, path, format, found);
    }
    let wanted = [
        ("district", Need::Optional),
        ("year", year_need(source)),
        ("sex", Need::Optional),
        ("age_band", Need::Required),
        ("in_migrants", Need::Required),
        ("out_migrants", Need::Required),
    ];
    let Some((csv, cols)) = open_table(ctx, source, path, &wanted, found) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    let mut mix = SexMix::new();
    csv.each_row(found, |row, found| {
        let cells = Cells {
            file: &csv.file,
            row: Some(row.row),
        };
        let raw_district = row.get(cols.get(0));
        // `Some(None)`: municipal row; `None`: a problem (or not checkable).
        let district: Option<Option<usize>> = if raw_district.trim().is_empty() {
            Some(None)
        } else {
            match row_district(ctx, &cells, cols.name(0), raw_district, found) {
                Ok(Some(i)) => Some(Some(i)),
                _ => None,
            }
        };
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let sex = match cols.get(2) {
            Some(_) => cells.parse(cols.name(2), row.get(cols.get(2)), parse_sex, found),
            None => Some(Sex::Total),
        };
        let band = cells.parse(
            cols.name(3),
            row.get(cols.get(3)),
            |s| parse_band(ctx, s),
            found,
        );
        let inm = cells.parse(cols.name(4), row.get(cols.get(4)), values::count, found);
        let outm = cells.parse(cols.name(5), row.get(cols.get(5)), values::count, found);
        if let (Some(district), Some(year), Some(sex), Some(band), Some(inm), Some(outm)) =
            (district, year, sex, band, inm, outm)
        {
            if dups.seen(
                (district, year, sex, band),
                &cells,
                "row for this district, year, sex and age band",
                found,
            ) {
                return;
            }
            mix.add((district, year, band), sex, &cells, cols.name(2), found);
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
    if let Some(format) = scb::map::format_of(
        ctx,
        "dwellings",
        source,
        path,
        &known_columns("dwellings"),
        found,
    ) {
        return scb::map::dwellings(ctx, source, path, format, found);
    }
    let wanted = [
        ("district", Need::Required),
        ("year", year_need(source)),
        ("type", Need::Required),
        ("tenure", Need::Required),
        ("dwellings", Need::Required),
    ];
    let Some((csv, cols)) = open_table(ctx, source, path, &wanted, found) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    csv.each_row(found, |row, found| {
        let cells = Cells {
            file: &csv.file,
            row: Some(row.row),
        };
        let district = row_district(ctx, &cells, cols.name(0), row.get(cols.get(0)), found);
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let kind = cells.parse(
            cols.name(2),
            row.get(cols.get(2)),
            parse_dwelling_type,
            found,
        );
        let tenure = cells.parse(cols.name(3), row.get(cols.get(3)), parse_tenure, found);
        let n = cells.parse(cols.name(4), row.get(cols.get(4)), values::count, found);
        if let (Ok(Some(district)), Some(year), Some(kind), Some(tenure), Some(n)) =
            (district, year, kind, tenure, n)
        {
            if dups.seen(
                (district, year, kind, tenure),
                &cells,
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

/// A dwelling type (hustyp).
pub(crate) fn parse_dwelling_type(raw: &str) -> Result<DwellingType, String> {
    DwellingType::parse(raw).ok_or_else(|| {
        "unknown dwelling type (expected smahus, flerbostadshus, specialbostad or ovrigt)".into()
    })
}

/// A tenure (upplåtelseform).
pub(crate) fn parse_tenure(raw: &str) -> Result<Tenure, String> {
    Tenure::parse(raw).ok_or_else(|| {
        "unknown tenure (expected hyresratt, bostadsratt, aganderatt or okand; SCB's 1, 2, 3)"
            .into()
    })
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
    let wanted = [
        ("district", Need::Required),
        ("year", year_need(source)),
        ("indicator", Need::Required),
        ("value", Need::Required),
    ];
    let Some((csv, cols)) = open_table(ctx, source, path, &wanted, found) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    csv.each_row(found, |row, found| {
        let cells = Cells {
            file: &csv.file,
            row: Some(row.row),
        };
        let district = row_district(ctx, &cells, cols.name(0), row.get(cols.get(0)), found);
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let indicator = row.get(cols.get(2)).trim().to_string();
        if indicator.is_empty() {
            found.problem(
                Problem::new(cells.file, "empty indicator name")
                    .at_row(cells.row)
                    .in_field(cols.name(2))
                    .with_value(""),
            );
        }
        let value = cells.parse(cols.name(3), row.get(cols.get(3)), values::number, found);
        if let (Ok(Some(district)), Some(year), false, Some(value)) =
            (district, year, indicator.is_empty(), value)
        {
            if dups.seen(
                (district, year, indicator.clone()),
                &cells,
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
                Problem::new(
                    &ctx.manifest.path,
                    format!("[{part}] is read from a CSV table: give `path`, not `source`"),
                )
                .in_field(&format!("{part}.source")),
            );
            None
        }
        (None, None) => {
            found.problem(
                Problem::new(
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
            Problem::new(
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
