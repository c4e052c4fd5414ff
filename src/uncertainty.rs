//! Uncertainty from our own track record: empirical error bands by horizon.
//!
//! Every forecast errs, and the backtest ([`crate::model::backtest`]) measures by how much. Where
//! the served dataset has a long enough population history (the municipal single-year series,
//! or the districts' own years), the whole forecast is rerun from every base year that leaves at
//! least [`MIN_HISTORY`] years of history before it and one observed year after it, and the
//! relative error of the municipality's total population, `e = projected / observed − 1`, is
//! collected by horizon (years after the base year). The band at horizon `h` is the 10th and
//! 90th percentile of those errors (linear interpolation between order statistics).
//!
//! A projected figure `P` at horizon `h` then has the range of outcomes the past errors allow:
//! `low = P / (1 + e₉₀(h))`, `high = P / (1 + e₁₀(h))` (a forecast that ran 2 % high would have
//! met the truth at `P / 1.02`). Horizons beyond the longest backtested one take the longest
//! one's band. Observed years have no band (`low = high =` the value).

use serde::Serialize;

use crate::domain::{Dataset, District, PopulationRecord, Sex};
use crate::model::backtest::backtest;
use crate::model::ModelParams;

/// Years of history a backtest's base year needs before it (the migration estimate's minimum).
pub const MIN_HISTORY: i32 = 5;
/// Lower percentile of the band.
pub const LOW_PERCENTILE: f64 = 10.0;
/// Upper percentile of the band.
pub const HIGH_PERCENTILE: f64 = 90.0;

/// The band at one horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Years after the base year.
    pub horizon: i32,
    /// Backtests that reached this horizon.
    pub samples: usize,
    /// 10th percentile of the relative error (projected / observed − 1).
    pub error_low: f64,
    /// 90th percentile of the relative error.
    pub error_high: f64,
}

/// One backtest's error of the total population at one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrackRecord {
    /// Base year of the rerun.
    pub base_year: i32,
    /// Year compared.
    pub year: i32,
    /// Projected total population.
    pub projected: f64,
    /// Observed total population.
    pub observed: f64,
}

/// Error bands by horizon and the backtests behind them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBands {
    /// What the backtests ran on (`the municipal single-year series 2000–2025`).
    pub source: String,
    /// Base years backtested.
    pub base_years: Vec<i32>,
    /// Bands for horizons 1, 2, … (index `h − 1`).
    pub bands: Vec<Band>,
    /// Every compared figure.
    pub record: Vec<TrackRecord>,
}

impl ErrorBands {
    /// The band at `horizon` years (the longest one's beyond it); `None` for `horizon < 1`.
    pub fn at(&self, horizon: i32) -> Option<&Band> {
        if horizon < 1 {
            return None;
        }
        self.bands
            .get(horizon as usize - 1)
            .or_else(|| self.bands.last())
    }

    /// `(low, high)` for a projected `value` at `horizon`: `value / (1 + e₉₀)`,
    /// `value / (1 + e₁₀)`; the value itself for `horizon < 1` (observed).
    pub fn range(&self, value: f64, horizon: i32) -> (f64, f64) {
        match self.at(horizon) {
            None => (value, value),
            Some(b) => {
                let a = value / (1.0 + b.error_high);
                let c = value / (1.0 + b.error_low);
                (a.min(c), a.max(c))
            }
        }
    }
}

/// The `p`-th percentile of `v` (sorted or not), linear between order statistics.
pub fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(f64::total_cmp);
    let pos = (p / 100.0).clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < s.len() {
        s[i] + (s[i + 1] - s[i]) * f
    } else {
        s[i]
    }
}

/// The dataset as one district (the municipality) over the years of its municipal single-year
/// series, for backtests where the districts have too few years of their own.
fn municipal_view(dataset: &Dataset) -> Option<Dataset> {
    let municipal: Vec<_> = dataset
        .series
        .ages
        .iter()
        .filter(|r| r.district.is_none())
        .collect();
    if municipal.is_empty() {
        return None;
    }
    let mut population: Vec<PopulationRecord> = Vec::new();
    let nb = dataset.bands.len();
    let mut cells: std::collections::BTreeMap<(i32, u8, usize), f64> = Default::default();
    for r in &municipal {
        let sex = match r.sex {
            Sex::Male => 0,
            Sex::Female => 1,
            Sex::Total => 2,
        };
        *cells
            .entry((r.year, sex, dataset.bands.index_of_age(r.age)))
            .or_insert(0.0) += r.persons;
    }
    for ((year, sex, band), persons) in cells {
        population.push(PopulationRecord {
            district: 0,
            year,
            sex: [Sex::Male, Sex::Female, Sex::Total][sex as usize],
            band: band.min(nb.saturating_sub(1)),
            persons,
        });
    }
    let mut series = dataset.series.clone();
    series.ages.retain(|r| r.district.is_none());
    series
        .completions
        .iter_mut()
        .for_each(|c| c.district = None);
    let mut migration = dataset.migration.clone();
    migration.iter_mut().for_each(|m| m.district = None);
    Some(Dataset {
        name: dataset.name.clone(),
        municipality: dataset.municipality.clone(),
        bands: dataset.bands.clone(),
        districts: vec![District {
            id: dataset
                .municipality
                .clone()
                .unwrap_or_else(|| "municipality".into()),
            name: "municipality".into(),
            geometry: geo::MultiPolygon(Vec::new()),
            geometry_lonlat: geo::MultiPolygon(Vec::new()),
        }],
        population,
        residences: Vec::new(),
        migration,
        dwellings: Vec::new(),
        indicators: Vec::new(),
        transit: Vec::new(),
        projects: Vec::new(),
        as_of: None,
        series,
    })
}

/// Error bands from backtests over `dataset`'s history, or `None` (with the reason) when it
/// has too few years: the municipal single-year series where it is longer than the
/// districts' own years, else the dataset itself.
pub fn error_bands(dataset: &Dataset, params: &ModelParams) -> Result<ErrorBands, String> {
    let own = dataset.population_years();
    let view = municipal_view(dataset);
    let (ds, source) = match &view {
        Some(v) if v.population_years().len() > own.len() => {
            (v, "the municipal single-year series")
        }
        _ => (dataset, "the districts' population"),
    };
    let years = ds.population_years();
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Err("no population".into());
    };
    let base_years: Vec<i32> = years
        .iter()
        .copied()
        .filter(|y| *y >= first + MIN_HISTORY && *y < last)
        .collect();
    if base_years.is_empty() {
        return Err(format!(
            "{source} covers {first}–{last}: a backtest needs {MIN_HISTORY} years of history \
             and a later year to compare with"
        ));
    }
    let mut p = params.clone();
    p.scenario = "base".into();
    p.levers = Default::default();
    let mut record = Vec::new();
    for &y in &base_years {
        let Ok(b) = backtest(ds, &p, y, false) else {
            continue;
        };
        record.extend(
            b.rows
                .iter()
                .filter(|r| r.group == "total" && r.observed > 0.0)
                .map(|r| TrackRecord {
                    base_year: y,
                    year: r.year,
                    projected: r.projected,
                    observed: r.observed,
                }),
        );
    }
    let longest = record
        .iter()
        .map(|r| r.year - r.base_year)
        .max()
        .unwrap_or(0)
        .min(params.horizon as i32);
    let bands = (1..=longest)
        .map(|h| {
            let e: Vec<f64> = record
                .iter()
                .filter(|r| r.year - r.base_year == h)
                .map(|r| r.projected / r.observed - 1.0)
                .collect();
            Band {
                horizon: h,
                samples: e.len(),
                error_low: percentile(&e, LOW_PERCENTILE),
                error_high: percentile(&e, HIGH_PERCENTILE),
            }
        })
        .collect::<Vec<_>>();
    if bands.is_empty() {
        return Err("no backtest could be compared".into());
    }
    Ok(ErrorBands {
        source: format!("{source} {first}–{last}"),
        base_years,
        bands,
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn percentiles_interpolate() {
        let v = [3.0, 1.0, 2.0, 4.0, 5.0];
        assert_relative_eq!(percentile(&v, 50.0), 3.0);
        assert_relative_eq!(percentile(&v, 10.0), 1.4);
        assert_relative_eq!(percentile(&v, 90.0), 4.6);
        assert!(percentile(&[], 10.0).is_nan());
    }

    #[test]
    fn a_forecast_that_ran_high_widens_downwards() {
        let bands = ErrorBands {
            source: String::new(),
            base_years: vec![],
            bands: vec![Band {
                horizon: 1,
                samples: 3,
                error_low: -0.01,
                error_high: 0.04,
            }],
            record: vec![],
        };
        let (lo, hi) = bands.range(1040.0, 1);
        assert_relative_eq!(lo, 1000.0);
        assert_relative_eq!(hi, 1040.0 / 0.99);
        // Beyond the longest horizon: the longest one's band; observed: no band.
        assert_eq!(bands.range(1040.0, 5), (lo, hi));
        assert_eq!(bands.range(7.0, 0), (7.0, 7.0));
    }
}
