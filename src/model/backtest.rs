//! Backtest: the whole forecast rerun from an earlier base year with only what was known then,
//! compared with what really happened.
//!
//! The dataset is cut at the base year `Y`: population (bands and single years), migration and
//! completed dwellings after `Y` are hidden, and so is the pipeline (its stage dates describe a
//! later snapshot). With `with_completions`, the dwellings really completed after `Y` are kept:
//! they stand in for the pipeline, which measures the housing-led part on its own. Every later
//! observed year is compared for the municipality by age group, and per district where districts
//! have later observations. Errors are `projected − observed`; the absolute percentage error is
//! `|error| / observed × 100`, and MAPE is its mean over the years compared.

use serde::Serialize;

use super::ages::{both, Pyramid};
use super::{municipal_series, national, run, ModelParams};
use crate::domain::Dataset;

/// The municipal age groups compared: name, first and last age (100 = 100+).
pub const GROUPS: [(&str, usize, usize); 5] = [
    ("total", 0, 100),
    ("0-19", 0, 19),
    ("20-64", 20, 64),
    ("65-79", 65, 79),
    ("80+", 80, 100),
];

/// One compared figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Year compared.
    pub year: i32,
    /// Years after the base year.
    pub horizon: i32,
    /// Age group (`total`, `0-19`, …) or `district:CODE` (total population of a district).
    pub group: String,
    /// Projected persons.
    pub projected: f64,
    /// Observed persons.
    pub observed: f64,
    /// Projected − observed.
    pub error: f64,
    /// |error| / observed × 100.
    pub abs_pct_error: f64,
}

/// Mean absolute percentage error of a group over the years compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Age group or district.
    pub group: String,
    /// Years compared.
    pub years: usize,
    /// MAPE in %.
    pub mape: f64,
}

/// A whole backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Base year of the rerun.
    pub base_year: i32,
    /// Whether completed dwellings after the base year were given to the run.
    pub with_completions: bool,
    /// Every compared figure, municipal groups first, then districts.
    pub rows: Vec<Comparison>,
    /// MAPE per municipal group (and over all districts, as `districts`).
    pub summary: Vec<Summary>,
    /// The run's notes (what was estimated, and how).
    pub notes: Vec<String>,
}

/// `dataset` as it was known at the end of `base_year`.
pub fn cut(dataset: &Dataset, base_year: i32, with_completions: bool) -> Dataset {
    let mut d = dataset.clone();
    d.population.retain(|r| r.year <= base_year);
    d.series.ages.retain(|r| r.year <= base_year);
    d.migration.retain(|r| r.year <= base_year);
    if !with_completions {
        d.series.completions.retain(|r| r.year <= base_year);
    }
    d.projects.clear();
    d.dwellings.retain(|r| r.year <= base_year);
    d
}

/// Runs the backtest from `base_year`; an error in plain words when the dataset cannot give one.
pub fn backtest(
    dataset: &Dataset,
    params: &ModelParams,
    base_year: i32,
    with_completions: bool,
) -> Result<Backtest, String> {
    let years = dataset.population_years();
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Err("the dataset has no population".into());
    };
    if base_year < first || base_year >= last {
        return Err(format!(
            "base year {base_year}: must lie in {first}…{} (the dataset's population covers \
             {first}–{last}, and a later year must remain to compare with)",
            last - 1
        ));
    }
    let known = cut(dataset, base_year, with_completions);
    if known.population_years().last() != Some(&base_year) {
        return Err(format!("no population observed in {base_year}"));
    }
    let mut p = params.clone();
    p.horizon = (last - base_year) as u32;
    let result = run(&known, &p);
    // What really happened: the full dataset's municipal series.
    let nb = dataset.bands.len();
    let nd = dataset.districts.len();
    let banded = |y: i32| -> Option<Vec<f64>> {
        let mut sum = vec![0.0; 2 * nb];
        let mut any = false;
        for r in dataset.population.iter().filter(|r| r.year == y) {
            any = true;
            match r.sex {
                crate::domain::Sex::Male => sum[r.band] += r.persons,
                crate::domain::Sex::Female => sum[nb + r.band] += r.persons,
                crate::domain::Sex::Total => {
                    sum[r.band] += r.persons / 2.0;
                    sum[nb + r.band] += r.persons / 2.0;
                }
            }
        }
        any.then_some(sum)
    };
    let (observed, _) = municipal_series(dataset, banded, &years, national::national());
    let mut rows = Vec::new();
    for (year, projected) in &result.municipal {
        if *year <= base_year {
            continue;
        }
        let Some((_, seen)) = observed.iter().find(|(y, _)| y == year) else {
            continue;
        };
        rows.extend(compare_groups(*year, base_year, projected, seen));
    }
    // Districts with later observations.
    for year in years.iter().filter(|y| **y > base_year) {
        let mut seen = vec![0.0; nd];
        for r in dataset.population.iter().filter(|r| r.year == *year) {
            if r.district < nd {
                seen[r.district] += r.persons;
            }
        }
        if nd < 2 {
            continue;
        }
        for row in result.rows.iter().filter(|r| r.year == *year) {
            let Some(d) = dataset.districts.iter().position(|x| x.id == row.district) else {
                continue;
            };
            rows.push(comparison(
                *year,
                base_year,
                format!("district:{}", row.district),
                row.population,
                seen[d],
            ));
        }
    }
    let mut summary: Vec<Summary> = GROUPS
        .iter()
        .map(|(g, _, _)| mape(&rows, |r| r.group == *g, g))
        .filter(|s| s.years > 0)
        .collect();
    let districts = mape(&rows, |r| r.group.starts_with("district:"), "districts");
    if districts.years > 0 {
        summary.push(districts);
    }
    Ok(Backtest {
        base_year,
        with_completions,
        rows,
        summary,
        notes: result.notes,
    })
}

fn compare_groups(year: i32, base: i32, projected: &Pyramid, seen: &Pyramid) -> Vec<Comparison> {
    GROUPS
        .iter()
        .map(|(g, lo, hi)| {
            comparison(
                year,
                base,
                g.to_string(),
                both(projected, *lo, *hi),
                both(seen, *lo, *hi),
            )
        })
        .collect()
}

fn comparison(year: i32, base: i32, group: String, projected: f64, observed: f64) -> Comparison {
    let error = projected - observed;
    Comparison {
        year,
        horizon: year - base,
        group,
        projected,
        observed,
        error,
        abs_pct_error: if observed > 0.0 {
            error.abs() / observed * 100.0
        } else {
            f64::NAN
        },
    }
}

fn mape(rows: &[Comparison], keep: impl Fn(&Comparison) -> bool, name: &str) -> Summary {
    let v: Vec<f64> = rows
        .iter()
        .filter(|r| keep(r) && r.abs_pct_error.is_finite())
        .map(|r| r.abs_pct_error)
        .collect();
    Summary {
        group: name.to_string(),
        years: v.len(),
        mape: if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        },
    }
}
