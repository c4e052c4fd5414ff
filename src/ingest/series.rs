//! The forecast's single-year inputs: population by single year of age and sex (a district
//! table with an `age` column, or the municipality's own series), and completed dwellings by
//! year. SCB publishes both this way (BE0101A `region,year,sex,age,persons` with ages `0…99` and
//! `100+`; TAB4572 completions by year). Each is its schema and its checks, read through
//! [`super::rows::read`].

use crate::config::TableSource;
use crate::domain::{AgeRecord, CompletionRecord, PopulationRecord, Sex};

use super::codes::{parse_age, parse_split_sex};
use super::csv_table::{open_csv, CsvFile};
use super::rows::{self, optional, required, Column, Duplicates, YEAR};
use super::{Ctx, Finding, Findings};

/// Population of districts by single year of age.
pub(crate) const SINGLE_YEAR: [Column; 5] = [
    required("district"),
    YEAR,
    required("sex"),
    required("age"),
    required("persons"),
];

/// The municipality's population by single year of age; `region`, when there, must be the
/// dataset's municipality.
pub(crate) const MUNICIPAL_SINGLE_YEAR: [Column; 5] = [
    optional("region"),
    YEAR,
    required("sex"),
    required("age"),
    required("persons"),
];

/// Dwellings completed by year, for the municipality or (with `district`) by district.
pub(crate) const COMPLETIONS: [Column; 3] = [optional("district"), YEAR, required("dwellings")];

/// Whether a population CSV is by single year of age: it has an `age` column and no
/// `age_band` column (after the manifest's column mapping).
pub(crate) fn is_single_year(source: &TableSource, headers: &[String]) -> bool {
    let has = |ours: &str| {
        let theirs = source.column(ours);
        headers.iter().any(|h| h.eq_ignore_ascii_case(theirs))
    };
    has("age") && !has("age_band")
}

/// `district,year,sex,age,persons` (district table) or `region,year,sex,age,persons` (the
/// municipal series, `municipal = true`, where `region` is optional and must be the dataset's
/// municipality when both are known). Returns the single-year records and, for a district table,
/// the same persons by the dataset's bands for every other part of the service.
pub(crate) fn population_by_age(
    ctx: &Ctx<'_>,
    source: &TableSource,
    path: &str,
    municipal: bool,
    found: &mut Findings,
) -> (Vec<AgeRecord>, Vec<PopulationRecord>) {
    match open_csv(ctx, path, found) {
        Some(csv) => population_by_age_in(ctx, source, csv, municipal, found),
        None => (Vec::new(), Vec::new()),
    }
}

/// [`population_by_age`] on a CSV already opened (the population part opens its file once to
/// see whether it is by band or by single year).
pub(crate) fn population_by_age_in(
    ctx: &Ctx<'_>,
    source: &TableSource,
    mut csv: CsvFile,
    municipal: bool,
    found: &mut Findings,
) -> (Vec<AgeRecord>, Vec<PopulationRecord>) {
    let schema = if municipal {
        &MUNICIPAL_SINGLE_YEAR
    } else {
        &SINGLE_YEAR
    };
    let municipality = ctx.manifest.dataset.municipality.as_deref();
    let mut ages = Vec::new();
    let mut dups = Duplicates::new();
    let read = rows::read(&mut csv, source, schema, found, |row, found| {
        let district = if municipal {
            if let (Some(raw), Some(code)) = (row.get(0), municipality) {
                let got = raw.split_whitespace().next().unwrap_or("");
                if got != code {
                    found.problem(
                        row.at
                            .finding(format!(
                                "region '{got}' is not the dataset's municipality {code} \
                                 (dataset.municipality)"
                            ))
                            .in_field(row.name(0))
                            .with_value(&raw),
                    );
                    return;
                }
            }
            Ok(None)
        } else {
            row.district(ctx, 0, found)
        };
        let year = row.year(1, found);
        let sex = row.parse(2, parse_split_sex, found);
        let age = row.parse(3, parse_age, found);
        let persons = row.count(4, found);
        if let (Ok(district), Some(year), Some(sex), Some(age), Some(persons)) =
            (district, year, sex, age, persons)
        {
            if !municipal && district.is_none() {
                return;
            }
            if dups.seen(
                (district, year, sex, age),
                &row.at,
                "row for this place, year, sex and age",
                found,
            ) {
                return;
            }
            ages.push(AgeRecord {
                district,
                year,
                sex,
                age,
                persons,
            });
        }
    });
    if !read {
        return (Vec::new(), Vec::new());
    }
    if municipal {
        return (ages, Vec::new());
    }
    // The same persons by band.
    let mut banded: std::collections::BTreeMap<(usize, i32, u8, usize), f64> = Default::default();
    for r in &ages {
        let Some(d) = r.district else { continue };
        let band = ctx
            .bands
            .as_slice()
            .iter()
            .position(|b| b.contains(r.age))
            .unwrap_or(ctx.bands.len() - 1);
        let sex = u8::from(r.sex == Sex::Female);
        *banded.entry((d, r.year, sex, band)).or_insert(0.0) += r.persons;
    }
    let records = banded
        .into_iter()
        .map(|((district, year, sex, band), persons)| PopulationRecord {
            district,
            year,
            sex: if sex == 0 { Sex::Male } else { Sex::Female },
            band,
            persons,
        })
        .collect();
    (ages, records)
}

/// `year,dwellings` with an optional `district` column: dwellings completed in new construction.
pub(crate) fn completions(
    ctx: &Ctx<'_>,
    source: &TableSource,
    found: &mut Findings,
) -> Vec<CompletionRecord> {
    let Some(path) = source.path.as_deref() else {
        found.problem(
            Finding::new(
                &ctx.manifest.path,
                "[completions] needs `path` (a CSV table)",
            )
            .in_field("completions"),
        );
        return Vec::new();
    };
    let Some(mut csv) = open_csv(ctx, path, found) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dups = Duplicates::new();
    rows::read(&mut csv, source, &COMPLETIONS, found, |row, found| {
        let district = match row.get(0) {
            Some(raw) if !raw.trim().is_empty() => row.district(ctx, 0, found),
            _ => Ok(None),
        };
        let year = row.year(1, found);
        let dwellings = row.count(2, found);
        if let (Ok(district), Some(year), Some(dwellings)) = (district, year, dwellings) {
            if dups.seen(
                (district, year),
                &row.at,
                "row for this district and year",
                found,
            ) {
                return;
            }
            out.push(CompletionRecord {
                district,
                year,
                dwellings,
            });
        }
    });
    out
}
