//! Everything a rule may look at, measured once per evaluation: per district the horizon gap,
//! density, accessibility, the police-area share and the latest value of every indicator; and
//! the parameters. Rules read from here and never measure themselves, so two rules looking at
//! the same thing always see the same value.

use std::collections::{BTreeMap, HashMap};

use geo::{BoundingRect, Contains, MultiPolygon, Rect};

use super::access::{accessibility, Accessibility};
use super::params::FlagParams;
use super::residents::{resident_samples, ResidentSample, DEFAULT_GRID_SPACING_M};
use super::Residence;
use crate::domain::{Dataset, District, Sex};
use crate::model::ModelRun;

/// A value observed in a given year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// The value.
    pub value: f64,
    /// Its year.
    pub year: i32,
}

/// What was measured for one district.
#[derive(Debug, Clone)]
pub struct DistrictFacts {
    /// Gap at the horizon year (model run); `None` when the run has no row for it.
    pub gap_horizon: Option<f64>,
    /// Dwelling stock at the horizon year (model run), the base of the gap share.
    pub stock_horizon: Option<f64>,
    /// Dwellings in the latest year the dataset has for the district (all types and tenures).
    pub dwellings: Option<Observed>,
    /// Residents in the latest year the dataset has for the district.
    pub residents: Option<Observed>,
    /// Land area in hectares (EPSG:3006).
    pub area_ha: f64,
    /// The residents accessibility and the police-area share are weighted by.
    pub sample: ResidentSample,
    /// Distances from those residents to stops and stations.
    pub access: Accessibility,
    /// Share (0–1) of the sample inside a police "utsatt område"; `None` when no areas given.
    pub vulnerable_area_share: Option<f64>,
    /// Latest value of each indicator (`district,year,indicator,value` rows).
    pub indicators: BTreeMap<String, Observed>,
}

impl DistrictFacts {
    /// Dwellings per hectare of land; `None` without dwellings or area.
    pub fn dwellings_per_ha(&self) -> Option<f64> {
        per_ha(self.dwellings, self.area_ha)
    }
    /// Residents per hectare of land; `None` without population or area.
    pub fn residents_per_ha(&self) -> Option<f64> {
        per_ha(self.residents, self.area_ha)
    }
    /// Latest value of `indicator`, if the district has it.
    pub fn indicator(&self, indicator: &str) -> Option<Observed> {
        self.indicators.get(indicator).copied()
    }
}

fn per_ha(v: Option<Observed>, area_ha: f64) -> Option<f64> {
    v.filter(|_| area_ha > 0.0).map(|o| o.value / area_ha)
}

/// The measured world the rules evaluate.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Thresholds.
    pub params: &'a FlagParams,
    /// Districts, in dataset order.
    pub districts: &'a [District],
    /// Facts per district, indexed like `districts`.
    pub facts: Vec<DistrictFacts>,
    /// Horizon year of the model run.
    pub horizon_year: i32,
    /// True when police "utsatta områden" were given.
    pub vulnerable_areas_given: bool,
}

impl<'a> Context<'a> {
    /// Measures everything for `dataset` and `run`. `residences` are address points with
    /// persons (may be empty: districts are then sampled on a grid); `vulnerable_areas` are
    /// police "utsatta områden" in EPSG:3006 (may be empty: the rule reports them missing).
    pub fn new(
        dataset: &'a Dataset,
        run: &ModelRun,
        residences: &[Residence],
        vulnerable_areas: &[MultiPolygon<f64>],
        params: &'a FlagParams,
    ) -> Self {
        let n = dataset.districts.len();
        let spacing = if params.grid_spacing_m.is_finite() && params.grid_spacing_m > 0.0 {
            params.grid_spacing_m
        } else {
            DEFAULT_GRID_SPACING_M
        };
        let geometries: Vec<&MultiPolygon<f64>> =
            dataset.districts.iter().map(|d| &d.geometry).collect();
        let samples = resident_samples(&geometries, residences, spacing);
        let access = accessibility(
            &samples,
            &dataset.transit,
            params.frequent_departures_per_hour,
        );

        let by_code: HashMap<&str, usize> = dataset
            .districts
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.as_str(), i))
            .collect();
        let mut horizon: Vec<Option<(f64, f64)>> = vec![None; n];
        for row in run.rows.iter().filter(|r| r.year == run.horizon_year) {
            if let Some(&i) = by_code.get(row.district.as_str()) {
                horizon[i] = Some((row.gap, row.dwellings_stock));
            }
        }

        let dwellings = latest_sums(
            n,
            dataset
                .dwellings
                .iter()
                .map(|r| (r.district, r.year, r.dwellings)),
        );
        let residents = latest_residents(dataset, n);
        let indicators = latest_indicators(dataset, n);

        let areas: Vec<(Rect<f64>, &MultiPolygon<f64>)> = vulnerable_areas
            .iter()
            .filter_map(|a| a.bounding_rect().map(|r| (r, a)))
            .collect();

        let facts = samples
            .into_iter()
            .zip(access)
            .zip(indicators)
            .enumerate()
            .map(|(i, ((sample, access), indicators))| {
                let vulnerable_area_share = if vulnerable_areas.is_empty() {
                    None
                } else {
                    sample.share(|p| {
                        areas.iter().any(|(r, a)| {
                            p.x() >= r.min().x
                                && p.x() <= r.max().x
                                && p.y() >= r.min().y
                                && p.y() <= r.max().y
                                && a.contains(&p)
                        })
                    })
                };
                DistrictFacts {
                    gap_horizon: horizon[i].map(|h| h.0),
                    stock_horizon: horizon[i].map(|h| h.1),
                    dwellings: dwellings[i],
                    residents: residents[i],
                    area_ha: dataset.districts[i].area_ha(),
                    sample,
                    access,
                    vulnerable_area_share,
                    indicators,
                }
            })
            .collect();

        Self {
            params,
            districts: &dataset.districts,
            facts,
            horizon_year: run.horizon_year,
            vulnerable_areas_given: !vulnerable_areas.is_empty(),
        }
    }

    /// The latest value of `indicator` for every district (`None` where missing).
    pub fn indicator_all(&self, indicator: &str) -> Vec<Option<Observed>> {
        self.facts.iter().map(|f| f.indicator(indicator)).collect()
    }
}

/// Per district, the sum of the values in its latest year.
fn latest_sums(
    n: usize,
    records: impl Iterator<Item = (usize, i32, f64)>,
) -> Vec<Option<Observed>> {
    let mut out: Vec<Option<Observed>> = vec![None; n];
    for (district, year, value) in records {
        let Some(slot) = out.get_mut(district) else {
            continue;
        };
        match slot {
            Some(o) if o.year > year => {}
            Some(o) if o.year == year => o.value += value,
            _ => *slot = Some(Observed { value, year }),
        }
    }
    out
}

/// Residents per district in its latest population year: men plus women where the table is
/// split by sex, the `t` (both sexes) rows where it is not, never both.
fn latest_residents(dataset: &Dataset, n: usize) -> Vec<Option<Observed>> {
    let mut by_sex: BTreeMap<(usize, i32), (f64, f64, bool)> = BTreeMap::new();
    for r in &dataset.population {
        let e = by_sex
            .entry((r.district, r.year))
            .or_insert((0.0, 0.0, false));
        if r.sex == Sex::Total {
            e.1 += r.persons;
        } else {
            e.0 += r.persons;
            e.2 = true;
        }
    }
    latest_sums(
        n,
        by_sex
            .into_iter()
            .map(|((d, y), (split, total, has_split))| {
                (d, y, if has_split { split } else { total })
            }),
    )
}

/// Latest value of every indicator per district; of two rows for the same year the later wins.
fn latest_indicators(dataset: &Dataset, n: usize) -> Vec<BTreeMap<String, Observed>> {
    let mut out: Vec<BTreeMap<String, Observed>> = vec![BTreeMap::new(); n];
    for r in &dataset.indicators {
        let Some(map) = out.get_mut(r.district) else {
            continue;
        };
        if !r.value.is_finite() {
            continue;
        }
        let new = Observed {
            value: r.value,
            year: r.year,
        };
        map.entry(r.indicator.clone())
            .and_modify(|o| {
                if r.year >= o.year {
                    *o = new;
                }
            })
            .or_insert(new);
    }
    out
}
