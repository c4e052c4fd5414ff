//! The forecast's single-year inputs: population by single year of age and sex (a district
//! table with an `age` column, or the municipality's own series), and completed dwellings by
//! year. SCB publishes both this way (BE0101A `region,year,sex,age,persons` with ages `0…99` and
//! `100+`; TAB4572 completions by year).

use crate::config::TableSource;
use crate::domain::{AgeRecord, CompletionRecord, PopulationRecord, Sex};

use super::csv_table::{CsvFile, Need};
use super::gdal_source::display_path;
use super::tables::{
    open_table, parse_sex, row_district, row_year, value_of, year_need, Cells, Duplicates,
};
use super::{values, Ctx, Findings, Problem};

/// A single year of age: `0`…`99`, `100+` (also `37 år`, `100+ år`); 100 stands for 100+.
pub(crate) fn parse_age(raw: &str) -> Result<u8, String> {
    let t = raw.trim().trim_end_matches("år").trim();
    let (t, open) = match t.strip_suffix('+') {
        Some(t) => (t.trim(), true),
        None => (t, false),
    };
    let err = || format!("unknown age '{raw}' (expected a whole number 0…99, or 100+)");
    let a: u8 = t.parse().map_err(|_| err())?;
    match (a, open) {
        (0..=99, false) => Ok(a),
        (100, _) => Ok(100),
        _ => Err(err()),
    }
}

/// A sex that is men or women (a single-year table is always split by sex).
fn parse_split_sex(raw: &str) -> Result<Sex, String> {
    match parse_sex(raw)? {
        Sex::Total => Err(format!(
            "'{raw}': single-year tables need men and women (m/f, män/kvinnor, 1/2), not a total"
        )),
        s => Ok(s),
    }
}

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
    let file = display_path(ctx.manifest, path);
    match CsvFile::open(&file, found) {
        Some(csv) => population_by_age_in(ctx, source, csv, municipal, found),
        None => (Vec::new(), Vec::new()),
    }
}

/// [`population_by_age`] on a CSV already opened (the population part opens its file once to
/// see whether it is by band or by single year).
pub(crate) fn population_by_age_in(
    ctx: &Ctx<'_>,
    source: &TableSource,
    csv: CsvFile,
    municipal: bool,
    found: &mut Findings,
) -> (Vec<AgeRecord>, Vec<PopulationRecord>) {
    let place = if municipal { "region" } else { "district" };
    let wanted = [
        (
            place,
            if municipal {
                Need::Optional
            } else {
                Need::Required
            },
        ),
        ("year", year_need(source)),
        ("sex", Need::Required),
        ("age", Need::Required),
        ("persons", Need::Required),
    ];
    let Some(cols) = csv.columns(source, &wanted, found) else {
        return (Vec::new(), Vec::new());
    };
    let municipality = ctx.manifest.dataset.municipality.as_deref();
    let mut ages = Vec::new();
    let mut dups = Duplicates::new();
    csv.each_row(found, |row, found| {
        let cells = Cells {
            file: &csv.file,
            row: Some(row.row),
        };
        let district = if municipal {
            if let (Some(raw), Some(code)) = (value_of(row, &cols, 0), municipality) {
                let got = raw.split_whitespace().next().unwrap_or("");
                if got != code {
                    found.problem(
                        Problem::new(
                            cells.file,
                            format!(
                                "region '{got}' is not the dataset's municipality {code} \
                                 (dataset.municipality)"
                            ),
                        )
                        .at_row(cells.row)
                        .in_field(cols.name(0))
                        .with_value(raw),
                    );
                    return;
                }
            }
            Ok(None)
        } else {
            row_district(ctx, &cells, cols.name(0), row.get(cols.get(0)), found)
        };
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let sex = cells.parse(cols.name(2), row.get(cols.get(2)), parse_split_sex, found);
        let age = cells.parse(cols.name(3), row.get(cols.get(3)), parse_age, found);
        let persons = cells.parse(cols.name(4), row.get(cols.get(4)), values::count, found);
        if let (Ok(district), Some(year), Some(sex), Some(age), Some(persons)) =
            (district, year, sex, age, persons)
        {
            if !municipal && district.is_none() {
                return;
            }
            if dups.seen(
                (district, year, sex, age),
                &cells,
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
            Problem::new(
                &ctx.manifest.path,
                "[completions] needs `path` (a CSV table)",
            )
            .in_field("completions"),
        );
        return Vec::new();
    };
    let wanted = [
        ("district", Need::Optional),
        ("year", year_need(source)),
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
        let district = match value_of(row, &cols, 0) {
            Some(raw) if !raw.trim().is_empty() => {
                row_district(ctx, &cells, cols.name(0), raw, found)
            }
            _ => Ok(None),
        };
        let year = row_year(
            &cells,
            cols.name(1),
            value_of(row, &cols, 1),
            source.year,
            found,
        );
        let dwellings = cells.parse(cols.name(2), row.get(cols.get(2)), values::count, found);
        if let (Ok(district), Some(year), Some(dwellings)) = (district, year, dwellings) {
            if dups.seen(
                (district, year),
                &cells,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_as_scb_writes_them() {
        assert_eq!(parse_age("0"), Ok(0));
        assert_eq!(parse_age("37 år"), Ok(37));
        assert_eq!(parse_age("100+"), Ok(100));
        assert_eq!(parse_age("100+ år"), Ok(100));
        assert!(parse_age("101").is_err());
        assert!(parse_age("80+").is_err());
        assert!(parse_age("x").is_err());
    }
}
