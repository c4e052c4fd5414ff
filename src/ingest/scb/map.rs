//! From an [`ScbTable`] to our records: population, migration and dwellings.
//!
//! - **Regions** are district codes (suffix stripped as for every table); the municipality's
//!   own row (`1489 Alingsås` in a table by DeSO) is a total and left out, except in migration,
//!   where it is the municipal table. Codes that are neither are one problem naming them.
//! - **Totals** (`totalt`, `1+2`, `TotSa`, `totalt ålder`) are left out where the parts they
//!   total are present, so nothing is counted twice. A dimension the part does not use
//!   (civilstånd, hustyp in a population table) is read at its total when it has one, and
//!   summed over its categories otherwise.
//! - **Ages** (`0 år`, `100+ år`, `80- år`, `-4`, `5-9 år`) are summed into the dataset's bands;
//!   an age group that straddles two bands, groups that overlap, and a band the groups do not
//!   cover whole are problems.
//! - **Time** is a year (`2024`); `year = …` in the manifest keeps that year only (or gives it
//!   to a table without time). Months and quarters are a problem.
//! - **Measures** (tabellinnehåll): the part's value column name in `columns` picks one
//!   (`columns = { persons = "Folkmängd" }`), by code or label; a table of one measure needs
//!   none; migration finds `Inflyttningar`/`Utflyttningar` on its own.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::{parse, Category, Format, Role, ScbTable};
use crate::config::TableSource;
use crate::domain::{DwellingRecord, DwellingType, MigrationRecord, PopulationRecord, Sex, Tenure};
use crate::ingest::districts::CodeMatch;
use crate::ingest::gdal_source::display_path;
use crate::ingest::{Ctx, Finding, Findings};

/// The format of a table part: `Some` when it is one of SCB's (named by `format`, or found by
/// content: JSON, or a CSV whose header has none of our column names for the part, `ours`, as
/// mapped by `columns`); `None` for our long CSV. An unknown `format` is a problem (and `None`).
pub(crate) fn format_of(
    ctx: &Ctx<'_>,
    part: &str,
    source: &TableSource,
    path: &str,
    ours: &[&str],
    found: &mut Findings,
) -> Option<Format> {
    if let Some(name) = &source.format {
        if name.trim().eq_ignore_ascii_case("csv") {
            return None;
        }
        return match Format::from_name(name) {
            Some(f) => Some(f),
            None => {
                found.problem(
                    Finding::new(
                        &ctx.manifest.path,
                        "unknown format (expected csv, pxweb-csv, jsonstat2 or pxweb-json)",
                    )
                    .in_field(&format!("{part}.format"))
                    .with_value(name),
                );
                None
            }
        };
    }
    let file = display_path(ctx.manifest, path);
    let bytes = crate::embedded::read(&file).ok()?; // a missing file is reported by the CSV reader
    match Format::sniff(&bytes) {
        Format::PxwebCsv => {
            let text = super::csv::decode(&bytes[..bytes.len().min(64 * 1024)]);
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let names: Vec<String> = ours
                .iter()
                .map(|c| source.column(c).to_lowercase())
                .collect();
            let has_ours = first
                .split([',', ';', '\t'])
                .any(|h| names.contains(&h.trim().trim_matches('"').trim().to_lowercase()));
            (!has_ours).then_some(Format::PxwebCsv)
        }
        other => Some(other),
    }
}

/// Reads and parses an SCB file; every parse problem is reported with the file.
fn read(ctx: &Ctx<'_>, path: &str, format: Format, found: &mut Findings) -> Option<Table> {
    let file = display_path(ctx.manifest, path);
    let bytes = match crate::embedded::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            found.problem(Finding::new(&file, "file not found"));
            return None;
        }
        Err(e) => {
            found.problem(Finding::new(&file, format!("cannot read file: {e}")));
            return None;
        }
    };
    match parse(&bytes, Some(format)) {
        Ok(table) => {
            // A cell twice (a row repeated in a CSV) would be summed: a problem, as in our tables.
            let mut seen: HashMap<&[usize], u64> = HashMap::new();
            let mut duplicate = false;
            for c in &table.cells {
                if let Some(first) = seen.insert(&c.categories, c.row) {
                    duplicate = true;
                    found.problem(
                        Finding::new(
                            &file,
                            format!("duplicate cell: same categories as row {first}"),
                        )
                        .at_row(Some(c.row)),
                    );
                }
            }
            (!duplicate).then_some(Table { file, table })
        }
        Err(errors) => {
            for e in errors {
                let mut p =
                    Finding::new(&file, format!("{} ({})", e.message, format.name())).at_row(e.row);
                p.field = e.field;
                p.value = e.value;
                found.problem(p);
            }
            None
        }
    }
}

struct Table {
    file: PathBuf,
    table: ScbTable,
}

/// What each category of each dimension means for the part being read; built once per table,
/// every problem reported once per category rather than once per cell.
struct Plan {
    /// Per dimension, per category: whether cells in it are read (totals beside their parts,
    /// and the categories of unused dimensions that have a total, are not).
    keep: Vec<Vec<bool>>,
    /// Per region category: `Some(Some(i))` district `i`, `Some(None)` the municipality,
    /// `None` unknown or unchecked (left out).
    region: Vec<Option<Option<usize>>>,
    /// Per age category: the band index.
    band: Vec<Option<usize>>,
    /// Per sex category.
    sex: Vec<Sex>,
    /// Per time category: the year.
    year: Vec<Option<i32>>,
    dims: Dims,
}

#[derive(Clone, Copy)]
struct Dims {
    region: usize,
    age: Option<usize>,
    sex: Option<usize>,
    time: Option<usize>,
    contents: Option<usize>,
    building: Option<usize>,
    tenure: Option<usize>,
}

/// The roles a part reads; the others are read at their total (or summed).
fn uses(part: &str, role: Role) -> bool {
    match role {
        Role::Region | Role::Time | Role::Contents => true,
        Role::Age | Role::Sex => part != "dwellings",
        Role::BuildingType | Role::Tenure => part == "dwellings",
        Role::Other => false,
    }
}

fn plan(
    ctx: &Ctx<'_>,
    part: &str,
    t: &Table,
    source: &TableSource,
    found: &mut Findings,
) -> Option<Plan> {
    let table = &t.table;
    let file = &t.file;
    let problems_before = found.problems.len();
    let Some(region) = table.dimension(Role::Region) else {
        found.problem(Finding::new(
            file,
            format!(
                "the table has no region dimension (dimensions: {}); download it by region (kommun, DeSO or RegSO)",
                dims_text(table)
            ),
        ));
        return None;
    };
    let dims = Dims {
        region,
        age: table.dimension(Role::Age),
        sex: table.dimension(Role::Sex),
        time: table.dimension(Role::Time),
        contents: table.dimension(Role::Contents),
        building: table.dimension(Role::BuildingType),
        tenure: table.dimension(Role::Tenure),
    };
    if part != "dwellings" && dims.age.is_none() {
        found.problem(Finding::new(
            file,
            format!(
                "the table has no age (ålder) dimension (dimensions: {}); {part} is needed by age",
                dims_text(table)
            ),
        ));
    }
    if dims.time.is_none() && source.year.is_none() {
        found.problem(Finding::new(
            file,
            "the table has no time (år) dimension; give the year it describes with `year = …`",
        ));
    }

    // Which categories are read.
    let keep: Vec<Vec<bool>> = table
        .dimensions
        .iter()
        .map(|d| {
            let totals: Vec<bool> = d.categories.iter().map(Category::is_total).collect();
            let any_total = totals.iter().any(|t| *t);
            let all_total = totals.iter().all(|t| *t);
            if d.role == Role::Region || d.role == Role::Contents || d.role == Role::Time {
                vec![true; totals.len()]
            } else if uses(part, d.role) {
                // Totals beside their parts are left out; a total alone is kept.
                totals.iter().map(|t| !t || all_total).collect()
            } else if any_total {
                totals
            } else {
                vec![true; totals.len()]
            }
        })
        .collect();

    // Regions.
    let municipality = ctx.manifest.dataset.municipality.as_deref().map(str::trim);
    let mut unknown: Vec<(&Category, u64)> = Vec::new();
    let first_row = first_rows(table, region);
    let region_map: Vec<Option<Option<usize>>> = table.dimensions[region]
        .categories
        .iter()
        .enumerate()
        .map(|(k, c)| match ctx.districts.lookup(&c.code) {
            CodeMatch::Found(i) => Some(Some(i)),
            CodeMatch::Unchecked => None,
            CodeMatch::Unknown if Some(c.code.as_str()) == municipality => Some(None),
            CodeMatch::Unknown => {
                if first_row[k].is_some() {
                    unknown.push((c, first_row[k].unwrap_or(0)));
                }
                None
            }
        })
        .collect();
    if !unknown.is_empty() {
        let codes: Vec<&str> = unknown.iter().map(|(c, _)| c.code.as_str()).collect();
        let shown = codes.iter().take(8).copied().collect::<Vec<_>>().join(", ");
        let more = if codes.len() > 8 {
            format!(" and {} more", codes.len() - 8)
        } else {
            String::new()
        };
        found.problem(
            Finding::new(
                file,
                format!(
                    "{} region code{} of the table {} not districts: {shown}{more}; {}",
                    codes.len(),
                    if codes.len() == 1 { "" } else { "s" },
                    if codes.len() == 1 { "is" } else { "are" },
                    division_hint(ctx, &codes)
                ),
            )
            .at_row(Some(unknown[0].1))
            .in_field(&table.dimensions[region].label)
            .with_value(&unknown[0].0.text()),
        );
    }

    // Ages.
    let mut band = Vec::new();
    if let Some(age) = dims.age.filter(|_| part != "dwellings") {
        band = age_bands(ctx, t, age, &keep[age], found);
    }
    // Sexes.
    let sex: Vec<Sex> = match dims.sex {
        Some(d) => table.dimensions[d]
            .categories
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if c.is_total() {
                    return Sex::Total;
                }
                match c.label.parse::<Sex>().or_else(|_| c.code.parse::<Sex>()) {
                    Ok(s) => s,
                    Err(_) => {
                        if keep[d][k] && part != "dwellings" {
                            found.problem(
                                Finding::new(
                                    file,
                                    "unknown sex (expected män/kvinnor, 1/2 or totalt)",
                                )
                                .in_field(&table.dimensions[d].label)
                                .with_value(&c.text()),
                            );
                        }
                        Sex::Total
                    }
                }
            })
            .collect(),
        None => Vec::new(),
    };
    // Years.
    let year: Vec<Option<i32>> = match dims.time {
        Some(d) => table.dimensions[d]
            .categories
            .iter()
            .map(|c| {
                let y = c.code.trim().parse::<i32>().ok().filter(|y| (1800..=2200).contains(y));
                if y.is_none() {
                    found.problem(
                        Finding::new(
                            file,
                            "time is not a year (a table by month or quarter?); download it by year (år)",
                        )
                        .in_field(&table.dimensions[d].label)
                        .with_value(&c.text()),
                    );
                }
                y
            })
            .collect(),
        None => Vec::new(),
    };
    if let (Some(wanted), Some(d)) = (source.year, dims.time) {
        if !year.contains(&Some(wanted)) {
            let years: Vec<String> = year.iter().flatten().map(i32::to_string).collect();
            found.problem(
                Finding::new(
                    file,
                    format!(
                        "the table has no year {wanted} (named by {part}.year); its years: {}",
                        years.join(", ")
                    ),
                )
                .in_field(&table.dimensions[d].label),
            );
        }
    }
    (found.problems.len() == problems_before).then_some(Plan {
        keep,
        region: region_map,
        band,
        sex,
        year,
        dims,
    })
}

/// The first row each category of dimension `d` is used in (`None`: no cell uses it).
fn first_rows(table: &ScbTable, d: usize) -> Vec<Option<u64>> {
    let mut out = vec![None; table.dimensions[d].categories.len()];
    for c in &table.cells {
        let slot = &mut out[c.categories[d]];
        if slot.is_none() {
            *slot = Some(c.row);
        }
    }
    out
}

/// Why codes may not match: a table by RegSO (`1489R001`) for DeSO districts (`1489A0010`),
/// or the other way round; otherwise a few of the districts' codes.
fn division_hint(ctx: &Ctx<'_>, codes: &[&str]) -> String {
    let kind = |c: &str| -> Option<&'static str> {
        let b = c.as_bytes();
        if b.len() == 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'R' {
            Some("RegSO")
        } else if b.len() == 9 && b[..4].iter().all(u8::is_ascii_digit) && b"ABC".contains(&b[4]) {
            Some("DeSO")
        } else {
            None
        }
    };
    let table_kind = codes.iter().find_map(|c| kind(c));
    let district_kind = ctx.districts.list.iter().find_map(|d| kind(&d.id));
    match (table_kind, district_kind) {
        (Some(t), Some(d)) if t != d => format!(
            "the table is by {t} but the districts are {d} ({}); download the table by {d}",
            ctx.districts.file.display()
        ),
        _ => ctx.districts.known_hint(),
    }
}

fn dims_text(table: &ScbTable) -> String {
    table
        .dimensions
        .iter()
        .map(|d| d.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An SCB age category as years `lo..=hi` (`None`: open): `0 år`, `100+ år`, `80- år`, `-4`,
/// `5-9 år`, `0-9`.
fn age_range(c: &Category) -> Option<(u8, Option<u8>)> {
    let one = |s: &str| -> Option<(u8, Option<u8>)> {
        let t = s
            .trim()
            .trim_end_matches("år")
            .trim()
            .replace(['–', '—'], "-");
        if let Some(lo) = t.strip_suffix('+').or_else(|| t.strip_suffix('-')) {
            return Some((lo.trim().parse().ok()?, None));
        }
        if let Some(hi) = t.strip_prefix('-') {
            return Some((0, Some(hi.trim().parse().ok()?)));
        }
        if let Some((a, b)) = t.split_once('-') {
            let (lo, hi): (u8, u8) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            return (lo <= hi).then_some((lo, Some(hi)));
        }
        let n: u8 = t.parse().ok()?;
        Some((n, Some(n)))
    };
    one(&c.label).or_else(|| one(&c.code))
}

/// The band of each age category; problems for groups that fit no band, overlap, or leave a
/// band incomplete.
fn age_bands(
    ctx: &Ctx<'_>,
    t: &Table,
    d: usize,
    keep: &[bool],
    found: &mut Findings,
) -> Vec<Option<usize>> {
    let dim = &t.table.dimensions[d];
    let bands = ctx.bands.as_slice();
    let label = &dim.label;
    let mut out = vec![None; dim.categories.len()];
    // Years 0..=open covered, per band.
    let top = ctx.bands.open_from();
    let mut covered: BTreeMap<u8, &Category> = BTreeMap::new();
    for (k, c) in dim.categories.iter().enumerate() {
        if !keep[k] {
            continue;
        }
        if c.is_total() {
            found.problem(
                Finding::new(
                    &t.file,
                    "the table has only a total over ages; download it by age (ålder)",
                )
                .in_field(label)
                .with_value(&c.text()),
            );
            continue;
        }
        let Some((lo, hi)) = age_range(c) else {
            found.problem(
                Finding::new(
                    &t.file,
                    "not an age group (expected e.g. `0 år`, `5-9 år`, `80- år`, `100+ år`)",
                )
                .in_field(label)
                .with_value(&c.text()),
            );
            continue;
        };
        let b = ctx.bands.index_of_age(lo);
        let fits = match (bands[b].hi, hi) {
            (None, _) => true,
            (Some(bh), Some(h)) => h <= bh,
            (Some(_), None) => false,
        };
        if !fits {
            found.problem(
                Finding::new(
                    &t.file,
                    format!(
                        "age group does not fit this dataset's bands ({}, {}, … {}): it runs past band {}",
                        bands[0],
                        bands.get(1).map(|x| x.to_string()).unwrap_or_default(),
                        bands[bands.len() - 1],
                        bands[b]
                    ),
                )
                .in_field(label)
                .with_value(&c.text()),
            );
            continue;
        }
        // Years this group covers below the open band start (the open band needs only one).
        let upto = hi.unwrap_or(top).min(top);
        for a in lo..=upto {
            if let Some(other) = covered.insert(a, c) {
                if other != c {
                    found.problem(
                        Finding::new(
                            &t.file,
                            format!(
                                "age groups overlap: '{}' and '{}' both hold age {a}",
                                other.text(),
                                c.text()
                            ),
                        )
                        .in_field(label)
                        .with_value(&c.text()),
                    );
                    break;
                }
            }
        }
        out[k] = Some(b);
    }
    // Every band whole: ages lo..=hi, and the open band's start.
    if !out.iter().all(Option::is_none) {
        for band in bands {
            let last = band.hi.unwrap_or(band.lo);
            let missing: Vec<u8> = (band.lo..=last)
                .filter(|a| !covered.contains_key(a))
                .collect();
            if !missing.is_empty() {
                found.problem(
                    Finding::new(
                        &t.file,
                        format!(
                            "the age groups do not cover band {band} (ages {} missing); download every age",
                            missing
                                .iter()
                                .map(u8::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .in_field(label),
                );
            }
        }
    }
    out
}

/// The measures (contents categories) of a table, as `code label` for messages.
fn measures_text(table: &ScbTable, d: usize) -> String {
    table.dimensions[d]
        .categories
        .iter()
        .map(Category::text)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The contents category holding our `column`: named in `columns`, found by `defaults`, or the
/// only one.
fn measure(
    t: &Table,
    d: Option<usize>,
    source: &TableSource,
    part: &str,
    column: &str,
    defaults: &[&str],
    found: &mut Findings,
) -> Option<Option<usize>> {
    let Some(d) = d else {
        return Some(None); // no contents dimension: every cell is the measure
    };
    let cats = &t.table.dimensions[d].categories;
    let eq = |c: &Category, name: &str| {
        c.code.eq_ignore_ascii_case(name.trim())
            || c.label.to_lowercase() == name.trim().to_lowercase()
    };
    if let Some(name) = source.columns.get(column) {
        return match cats.iter().position(|c| eq(c, name)) {
            Some(i) => Some(Some(i)),
            None => {
                found.problem(
                    Finding::new(
                        &t.file,
                        format!(
                            "no measure '{name}' (named by {part}.columns.{column}) in the table; its measures: {}",
                            measures_text(&t.table, d)
                        ),
                    )
                    .in_field(&t.table.dimensions[d].label)
                    .with_value(name),
                );
                None
            }
        };
    }
    if let Some(i) = cats.iter().position(|c| defaults.iter().any(|n| eq(c, n))) {
        return Some(Some(i));
    }
    if cats.len() == 1 && defaults.is_empty() {
        return Some(Some(0));
    }
    found.problem(
        Finding::new(
            &t.file,
            format!(
                "cannot tell which measure is {column}: the table has {}; name it with columns = {{ {column} = \"…\" }} under [{part}]",
                measures_text(&t.table, d)
            ),
        )
        .in_field(&t.table.dimensions[d].label),
    );
    None
}

/// The cells to read: kept in every dimension, of the manifest's year when it gives one and the
/// table has time. Returns (cell, district, year) and counts missing values.
fn each_cell<'a>(
    t: &'a Table,
    p: &'a Plan,
    source: &'a TableSource,
    missing: &'a mut usize,
) -> impl Iterator<Item = (&'a super::Cell, Option<usize>, i32)> + 'a {
    t.table.cells.iter().filter_map(move |c| {
        if !c.categories.iter().enumerate().all(|(d, &k)| p.keep[d][k]) {
            return None;
        }
        let district = p.region[c.categories[p.dims.region]]?;
        let year = match p.dims.time {
            Some(d) => p.year[c.categories[d]]?,
            None => source.year?,
        };
        if source.year.is_some_and(|y| y != year) {
            return None;
        }
        if c.value.is_none() {
            *missing += 1;
            return None;
        }
        Some((c, district, year))
    })
}

fn warn_missing(t: &Table, missing: usize, found: &mut Findings) {
    if missing > 0 {
        found.warning(Finding::new(
            &t.file,
            format!(
                "{missing} cell{} of SCB's table {} missing (`..`) and left out",
                if missing == 1 { "" } else { "s" },
                if missing == 1 { "is" } else { "are" }
            ),
        ));
    }
}

/// A `[population]` part from an SCB file.
pub(crate) fn population(
    ctx: &Ctx<'_>,
    source: &TableSource,
    path: &str,
    format: Format,
    found: &mut Findings,
) -> Vec<PopulationRecord> {
    let Some(t) = read(ctx, path, format, found) else {
        return Vec::new();
    };
    let Some(p) = plan(ctx, "population", &t, source, found) else {
        return Vec::new();
    };
    let Some(persons) = measure(
        &t,
        p.dims.contents,
        source,
        "population",
        "persons",
        &[],
        found,
    ) else {
        return Vec::new();
    };
    let mut sums: BTreeMap<(usize, i32, Sex, usize), f64> = BTreeMap::new();
    let mut missing = 0;
    for (c, district, year) in each_cell(&t, &p, source, &mut missing) {
        let Some(district) = district else { continue }; // the municipality's own total
        if let (Some(d), Some(m)) = (p.dims.contents, persons) {
            if c.categories[d] != m {
                continue;
            }
        }
        let Some(band) = p.dims.age.and_then(|d| p.band[c.categories[d]]) else {
            continue;
        };
        let sex = p
            .dims
            .sex
            .map(|d| p.sex[c.categories[d]])
            .unwrap_or(Sex::Total);
        *sums.entry((district, year, sex, band)).or_default() += c.value.unwrap_or(0.0);
    }
    warn_missing(&t, missing, found);
    sums.into_iter().map(PopulationRecord::from_sum).collect()
}

/// A `[migration]` part from an SCB file: `Inflyttningar` and `Utflyttningar` (or the measures
/// named by `columns`); the municipality's own rows are the municipal table.
pub(crate) fn migration(
    ctx: &Ctx<'_>,
    source: &TableSource,
    path: &str,
    format: Format,
    found: &mut Findings,
) -> Vec<MigrationRecord> {
    let Some(t) = read(ctx, path, format, found) else {
        return Vec::new();
    };
    let Some(p) = plan(ctx, "migration", &t, source, found) else {
        return Vec::new();
    };
    if p.dims.contents.is_none() {
        found.problem(Finding::new(
            &t.file,
            "the table has no measures (tabellinnehåll); migration needs Inflyttningar and Utflyttningar",
        ));
        return Vec::new();
    }
    let inm = measure(
        &t,
        p.dims.contents,
        source,
        "migration",
        "in_migrants",
        &["inflyttningar", "inflyttade"],
        found,
    );
    let outm = measure(
        &t,
        p.dims.contents,
        source,
        "migration",
        "out_migrants",
        &["utflyttningar", "utflyttade"],
        found,
    );
    let (Some(Some(inm)), Some(Some(outm))) = (inm, outm) else {
        return Vec::new();
    };
    // (district or the municipality, year, sex, band) → (in, out).
    type Key = (Option<usize>, i32, Sex, usize);
    let mut sums: BTreeMap<Key, (f64, f64)> = BTreeMap::new();
    let mut missing = 0;
    let contents = p.dims.contents.unwrap_or(0);
    for (c, district, year) in each_cell(&t, &p, source, &mut missing) {
        let m = c.categories[contents];
        if m != inm && m != outm {
            continue;
        }
        let Some(band) = p.dims.age.and_then(|d| p.band[c.categories[d]]) else {
            continue;
        };
        let sex = p
            .dims
            .sex
            .map(|d| p.sex[c.categories[d]])
            .unwrap_or(Sex::Total);
        let e = sums.entry((district, year, sex, band)).or_default();
        if m == inm {
            e.0 += c.value.unwrap_or(0.0);
        } else {
            e.1 += c.value.unwrap_or(0.0);
        }
    }
    warn_missing(&t, missing, found);
    sums.into_iter()
        .map(|((district, year, sex, band), (i, o))| MigrationRecord {
            district,
            year,
            sex,
            band,
            in_migrants: i,
            out_migrants: o,
        })
        .collect()
}

/// A house type (hustyp) as SCB codes or writes it.
fn building_type(c: &Category) -> Option<DwellingType> {
    let by_code = match c.code.trim().to_uppercase().as_str() {
        "SMÅHUS" | "SMAHUS" => Some(DwellingType::Smahus),
        "FLERBOST" | "FLERBOSTADSHUS" => Some(DwellingType::Flerbostadshus),
        "SPEC" | "SPECBOST" | "SPECIALBOSTAD" => Some(DwellingType::Specialbostad),
        "ÖVRHUS" | "OVRHUS" | "ÖVRIGT" | "ÖVRIGA" | "US" => Some(DwellingType::Ovrigt),
        _ => None,
    };
    by_code
        .or_else(|| DwellingType::parse(&c.label))
        .or_else(|| DwellingType::parse(&c.code))
        .or_else(|| {
            (c.label.trim().to_lowercase() == "uppgift saknas").then_some(DwellingType::Ovrigt)
        })
}

/// A tenure (upplåtelseform) as SCB codes or writes it.
fn tenure(c: &Category) -> Option<Tenure> {
    match c.code.trim().to_uppercase().as_str() {
        "US" | "UPPGIFT SAKNAS" | "OVRIGT" | "ÖVRIGT" => return Some(Tenure::Okand),
        _ => {}
    }
    Tenure::parse(&c.label).or_else(|| Tenure::parse(&c.code))
}

/// A `[dwellings]` part from an SCB file: by region, year, house type (hustyp; `ovrigt` when
/// absent) and tenure (upplåtelseform; `okand` when absent).
pub(crate) fn dwellings(
    ctx: &Ctx<'_>,
    source: &TableSource,
    path: &str,
    format: Format,
    found: &mut Findings,
) -> Vec<DwellingRecord> {
    let Some(t) = read(ctx, path, format, found) else {
        return Vec::new();
    };
    let Some(p) = plan(ctx, "dwellings", &t, source, found) else {
        return Vec::new();
    };
    let Some(count) = measure(
        &t,
        p.dims.contents,
        source,
        "dwellings",
        "dwellings",
        &[],
        found,
    ) else {
        return Vec::new();
    };
    let mut types: HashMap<usize, DwellingType> = HashMap::new();
    let mut tenures: HashMap<usize, Tenure> = HashMap::new();
    let mut bad = false;
    for (dim, is_type) in [(p.dims.building, true), (p.dims.tenure, false)] {
        let Some(d) = dim else { continue };
        for (k, c) in t.table.dimensions[d].categories.iter().enumerate() {
            if !p.keep[d][k] || c.is_total() {
                continue;
            }
            let ok = if is_type {
                building_type(c).map(|x| types.insert(k, x)).is_some()
            } else {
                tenure(c).map(|x| tenures.insert(k, x)).is_some()
            };
            if !ok {
                bad = true;
                found.problem(
                    Finding::new(
                        &t.file,
                        if is_type {
                            "unknown house type (expected småhus, flerbostadshus, specialbostäder, övriga hus)"
                        } else {
                            "unknown tenure (expected hyresrätt, bostadsrätt, äganderätt, uppgift saknas)"
                        },
                    )
                    .in_field(&t.table.dimensions[d].label)
                    .with_value(&c.text()),
                );
            }
        }
    }
    if bad {
        return Vec::new();
    }
    let mut sums: BTreeMap<(usize, i32, DwellingType, Tenure), f64> = BTreeMap::new();
    let mut missing = 0;
    for (c, district, year) in each_cell(&t, &p, source, &mut missing) {
        let Some(district) = district else { continue };
        if let (Some(d), Some(m)) = (p.dims.contents, count) {
            if c.categories[d] != m {
                continue;
            }
        }
        let kind = match p.dims.building {
            Some(d) => match types.get(&c.categories[d]) {
                Some(k) => *k,
                None => continue, // a total
            },
            None => DwellingType::Ovrigt,
        };
        let ten = match p.dims.tenure {
            Some(d) => match tenures.get(&c.categories[d]) {
                Some(k) => *k,
                None => continue,
            },
            None => Tenure::Okand,
        };
        *sums.entry((district, year, kind, ten)).or_default() += c.value.unwrap_or(0.0);
    }
    warn_missing(&t, missing, found);
    sums.into_iter()
        .map(
            |((district, year, dwelling_type, tenure), dwellings)| DwellingRecord {
                district,
                year,
                dwelling_type,
                tenure,
                dwellings,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(code: &str, label: &str) -> Category {
        Category {
            code: code.into(),
            label: label.into(),
        }
    }

    #[test]
    fn scb_age_spellings() {
        assert_eq!(age_range(&cat("0", "0 år")), Some((0, Some(0))));
        assert_eq!(age_range(&cat("100+", "100+ år")), Some((100, None)));
        assert_eq!(age_range(&cat("80-", "80- år")), Some((80, None)));
        assert_eq!(age_range(&cat("-4", "-4")), Some((0, Some(4))));
        assert_eq!(age_range(&cat("5-9", "5-9 år")), Some((5, Some(9))));
        // The label wins; a code like TAB6471's `100+10` is only a fallback.
        assert_eq!(age_range(&cat("100+10", "100+ år")), Some((100, None)));
        assert_eq!(age_range(&cat("tot", "totalt ålder")), None);
    }

    #[test]
    fn house_types_and_tenures_by_code_or_label() {
        assert_eq!(
            building_type(&cat("FLERBOST", "FLERBOST")),
            Some(DwellingType::Flerbostadshus)
        );
        assert_eq!(
            building_type(&cat("SPECBOST", "specialbostäder")),
            Some(DwellingType::Specialbostad)
        );
        assert_eq!(
            building_type(&cat("ÖVRHUS", "övriga hus")),
            Some(DwellingType::Ovrigt)
        );
        assert_eq!(tenure(&cat("2", "bostadsrätt")), Some(Tenure::Bostadsratt));
        assert_eq!(tenure(&cat("US", "uppgift saknas")), Some(Tenure::Okand));
        assert_eq!(tenure(&cat("X", "kooperativ hyresrätt")), None);
    }
}
