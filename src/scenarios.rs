//! What-if scenarios: the forecast of the served dataset rerun with changed levers, on request.
//!
//! Planners argue about assumptions ("what if in-migration halves", "what if the pipeline is
//! two years late", "what if we build 300 a year"). A [`WhatIf`] is such a set of changes,
//! checked against the ranges of [`LEVERS`]; an [`Engine`] holds one data load's dataset and
//! parameters and reruns [`crate::model::run`] with them ([`WhatIf::params`]), keeping the
//! results of recent parameter sets in a cache bounded in entries and in bytes, so identical
//! requests are computed once and a flood of different ones cannot grow the memory.
//!
//! Each result carries a [`Summary`]: the municipal totals by year (population, dwellings
//! needed, gap, care-place balance), the same for the base scenario, and the difference at the
//! horizon. Pure: no HTTP here (the routes are in `crate::web`), no files.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::domain::Dataset;
use crate::model::{DemandRow, Levers, ModelParams, ModelRun};

/// One lever a what-if may change: its parameter name, range and meaning.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LeverSpec {
    /// Query parameter (and JSON key) name.
    pub name: &'static str,
    /// Smallest value accepted.
    pub min: f64,
    /// Largest value accepted.
    pub max: f64,
    /// Whole numbers only.
    pub integer: bool,
    /// Unit of the value.
    pub unit: &'static str,
    /// What it changes, in a planner's words.
    pub description: &'static str,
}

/// Every lever of a what-if, with its range. `net_migration_multiplier` and
/// `net_migration_per_year` exclude each other.
pub const LEVERS: &[LeverSpec] = &[
    LeverSpec {
        name: "net_migration_multiplier",
        min: 0.0,
        max: 5.0,
        integer: false,
        unit: "× estimated net migration",
        description: "Net migration × this (1: as estimated; 0: births and deaths only)",
    },
    LeverSpec {
        name: "net_migration_per_year",
        min: -100_000.0,
        max: 100_000.0,
        integer: false,
        unit: "persons a year",
        description: "Net migration of this many persons a year, by the estimated age profile",
    },
    LeverSpec {
        name: "pipeline_delay_years",
        min: 0.0,
        max: 20.0,
        integer: true,
        unit: "years",
        description: "Every pipeline project completes this many years later",
    },
    LeverSpec {
        name: "completions_per_year",
        min: 0.0,
        max: 100_000.0,
        integer: false,
        unit: "dwellings a year",
        description: "Dwellings completed a year across the municipality, replacing the \
                      pipeline's timing",
    },
    LeverSpec {
        name: "care_places_per_100_80_plus",
        min: 0.0,
        max: 50.0,
        integer: false,
        unit: "places per 100 persons 80+",
        description: "Care-home places (särskilt boende) needed per 100 persons aged 80+",
    },
    LeverSpec {
        name: "vacancy_reserve",
        min: 0.0,
        max: 0.1,
        integer: false,
        unit: "share of dwellings",
        description: "Vacancy reserve (omflyttningsreserv): share of dwellings kept free for \
                      moves (0.01 = 1 %)",
    },
    LeverSpec {
        name: "mortality_improvement",
        min: 0.0,
        max: 3.0,
        integer: false,
        unit: "× national trend",
        description: "Mortality improvement × this (1: the national trend; 0: the base \
                      year's death rates)",
    },
    LeverSpec {
        name: "fertility_multiplier",
        min: 0.0,
        max: 3.0,
        integer: false,
        unit: "× estimated level",
        description: "Fertility × this (1: the municipality's estimated level)",
    },
    LeverSpec {
        name: "headship_trend",
        min: -3.0,
        max: 3.0,
        integer: false,
        unit: "% a year",
        description: "Household quotients change by this many per cent a year after the base \
                      year (positive: smaller households, more dwellings per person)",
    },
];

/// The what-if parameter that leaves pipeline projects out: a project id, repeated or
/// comma-separated (`exclude_project=P1,P2`).
pub const EXCLUDE_PROJECT: &str = "exclude_project";

/// Why a what-if parameter cannot be used: the parameter, the value given and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter '{parameter}' = '{value}': {why}")]
pub struct ParamError {
    /// The parameter at fault.
    pub parameter: String,
    /// The value given.
    pub value: String,
    /// What it takes instead.
    pub why: String,
}

impl ParamError {
    fn new(parameter: &str, value: &str, why: impl Into<String>) -> Self {
        Self {
            parameter: parameter.to_string(),
            value: value.to_string(),
            why: why.into(),
        }
    }
}

/// A set of changes to the served forecast: a named scenario of the manifest to start from
/// (none: the served one), levers over it, and the care-place ratio and vacancy reserve.
/// Unset values keep the served forecast's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIf {
    /// A named scenario of the manifest (`[model.scenarios.NAME]`) or `base`.
    pub scenario: Option<String>,
    /// Levers over the scenario's.
    pub levers: Levers,
    /// Care-home places per 100 persons 80+.
    pub care_places_per_100_80_plus: Option<f64>,
    /// Vacancy reserve (share).
    pub vacancy_reserve: Option<f64>,
}

impl WhatIf {
    /// Sets lever `name` from its text `value`, checked against [`LEVERS`]; `scenario` must
    /// be `base` or one of `scenarios`. An unknown name is an error naming the levers.
    pub fn set(&mut self, name: &str, value: &str, scenarios: &[String]) -> Result<(), ParamError> {
        let v = value.trim();
        if name == EXCLUDE_PROJECT {
            return Err(ParamError::new(
                name,
                value,
                "projects are left out with WhatIf::exclude, which knows the dataset's projects",
            ));
        }
        if name == "scenario" {
            if v == "base" || scenarios.iter().any(|s| s == v) {
                self.scenario = Some(v.to_string());
                return Ok(());
            }
            let mut names = vec!["base".to_string()];
            names.extend(scenarios.iter().cloned());
            return Err(ParamError::new(
                name,
                value,
                format!("no such scenario; the manifest's are {}", names.join(", ")),
            ));
        }
        let Some(spec) = LEVERS.iter().find(|l| l.name == name) else {
            return Err(ParamError::new(
                name,
                value,
                format!(
                    "not a lever; the levers are scenario, {}, {EXCLUDE_PROJECT}",
                    LEVERS.iter().map(|l| l.name).collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let range = if spec.integer {
            format!("a whole number from {} to {}", spec.min, spec.max)
        } else {
            format!("a number from {} to {}", spec.min, spec.max)
        };
        let x: f64 = v
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| ParamError::new(name, value, format!("expected {range}")))?;
        if !(spec.min..=spec.max).contains(&x) || (spec.integer && x.fract() != 0.0) {
            return Err(ParamError::new(
                name,
                value,
                format!("out of range: expected {range} ({})", spec.unit),
            ));
        }
        let l = &mut self.levers;
        match name {
            "net_migration_multiplier" => l.net_migration_multiplier = Some(x),
            "net_migration_per_year" => l.net_migration_per_year = Some(x),
            "pipeline_delay_years" => l.pipeline_delay_years = Some(x as u32),
            "completions_per_year" => l.completions_per_year = Some(x),
            "mortality_improvement" => l.mortality_improvement = Some(x),
            "fertility_multiplier" => l.fertility_multiplier = Some(x),
            "headship_trend" => l.headship_trend = Some(x),
            "care_places_per_100_80_plus" => self.care_places_per_100_80_plus = Some(x),
            "vacancy_reserve" => self.vacancy_reserve = Some(x),
            _ => {}
        }
        Ok(())
    }

    /// Leaves out the pipeline projects named in `value` (ids, comma-separated), each of
    /// which must be one of `projects` (the dataset's project ids). The ids are kept sorted and
    /// once each, so the same set in any order is the same what-if.
    pub fn exclude(&mut self, value: &str, projects: &[String]) -> Result<(), ParamError> {
        let mut ids = self.levers.exclude_projects.take().unwrap_or_default();
        for id in value.split(',').map(str::trim) {
            if id.is_empty() {
                return Err(ParamError::new(
                    EXCLUDE_PROJECT,
                    value,
                    "expected project ids separated by commas",
                ));
            }
            if !projects.iter().any(|p| p == id) {
                let shown: Vec<&str> = projects.iter().take(20).map(String::as_str).collect();
                return Err(ParamError::new(
                    EXCLUDE_PROJECT,
                    id,
                    if projects.is_empty() {
                        "no such project: the dataset has no pipeline projects".to_string()
                    } else {
                        format!(
                            "no such project; the dataset's projects are {}{}",
                            shown.join(", "),
                            if projects.len() > shown.len() {
                                format!(" … ({} in all, see /collections/projects)", projects.len())
                            } else {
                                String::new()
                            }
                        )
                    },
                ));
            }
            ids.push(id.to_string());
        }
        ids.sort();
        ids.dedup();
        self.levers.exclude_projects = Some(ids);
        Ok(())
    }

    /// Checks what single values cannot: net migration as a multiplier and as persons a year
    /// at once is ambiguous.
    pub fn check(&self) -> Result<(), ParamError> {
        if let (Some(_), Some(n)) = (
            self.levers.net_migration_multiplier,
            self.levers.net_migration_per_year,
        ) {
            return Err(ParamError::new(
                "net_migration_per_year",
                &n.to_string(),
                "give net migration either as net_migration_multiplier or as \
                 net_migration_per_year, not both",
            ));
        }
        Ok(())
    }

    /// The model parameters of this what-if over the served ones: the levers of the served
    /// scenario (or of [`Self::scenario`]) overlaid by [`Self::levers`], run as `base`.
    pub fn params(&self, served: &ModelParams) -> ModelParams {
        let mut p = served.clone();
        let start = match self.scenario.as_deref() {
            None => served.active_levers(),
            Some("base") => Some(served.levers.clone()),
            Some(name) => served
                .scenarios
                .get(name)
                .map(|s| served.levers.overlaid(s)),
        }
        .unwrap_or_else(|| served.levers.clone());
        p.levers = start.overlaid(&self.levers);
        p.scenario = "base".into();
        if let Some(v) = self.care_places_per_100_80_plus {
            p.care_places_per_100_80_plus = v;
        }
        if let Some(v) = self.vacancy_reserve {
            p.vacancy_reserve = v;
        }
        p
    }

    /// The parameters set, as `(name, value)` in a fixed order: the echo of a response and
    /// the cache key.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let l = &self.levers;
        let num = |v: Option<f64>| v.map(|x| x.to_string());
        [
            ("scenario", self.scenario.clone()),
            ("net_migration_multiplier", num(l.net_migration_multiplier)),
            ("net_migration_per_year", num(l.net_migration_per_year)),
            (
                "pipeline_delay_years",
                l.pipeline_delay_years.map(|x| x.to_string()),
            ),
            ("completions_per_year", num(l.completions_per_year)),
            (
                "care_places_per_100_80_plus",
                num(self.care_places_per_100_80_plus),
            ),
            ("vacancy_reserve", num(self.vacancy_reserve)),
            ("mortality_improvement", num(l.mortality_improvement)),
            ("fertility_multiplier", num(l.fertility_multiplier)),
            ("headship_trend", num(l.headship_trend)),
            (
                EXCLUDE_PROJECT,
                l.exclude_projects.as_ref().map(|ids| ids.join(",")),
            ),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// The parameters set as a query string (`net_migration_multiplier=1.5&…`), empty for
    /// none: the cache key and the echo.
    pub fn query(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Municipal totals of one year (the districts summed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    /// Year.
    pub year: i32,
    /// Observed (true) or projected.
    pub observed: bool,
    /// Population.
    pub population: f64,
    /// Dwellings needed.
    pub dwellings_needed: f64,
    /// Dwelling stock less demolitions.
    pub dwellings_stock: f64,
    /// Pipeline completions expected by the year.
    pub dwellings_pipeline: f64,
    /// Gap: needed − (stock + pipeline).
    pub gap: f64,
    /// Care-home places needed.
    pub care_places_needed: f64,
    /// Care-place balance: existing + pipeline − needed.
    pub care_place_balance: f64,
}

/// The municipal totals of `rows` by year.
pub fn totals(rows: &[DemandRow]) -> Vec<Totals> {
    let mut out: Vec<Totals> = Vec::new();
    for r in rows {
        let at = match out.binary_search_by_key(&r.year, |t| t.year) {
            Ok(i) => i,
            Err(i) => {
                out.insert(
                    i,
                    Totals {
                        year: r.year,
                        observed: r.observed,
                        population: 0.0,
                        dwellings_needed: 0.0,
                        dwellings_stock: 0.0,
                        dwellings_pipeline: 0.0,
                        gap: 0.0,
                        care_places_needed: 0.0,
                        care_place_balance: 0.0,
                    },
                );
                i
            }
        };
        let t = &mut out[at];
        t.population += r.population;
        t.dwellings_needed += r.dwellings_needed;
        t.dwellings_stock += r.dwellings_stock;
        t.dwellings_pipeline += r.dwellings_pipeline;
        t.gap += r.gap;
        t.care_places_needed += r.care_places_needed;
        t.care_place_balance += r.care_place_balance;
    }
    out
}

/// Scenario − base at the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Population.
    pub population: f64,
    /// Dwellings needed.
    pub dwellings_needed: f64,
    /// Pipeline completions.
    pub dwellings_pipeline: f64,
    /// Gap.
    pub gap: f64,
    /// Care-place balance.
    pub care_place_balance: f64,
}

/// What a what-if changes, for the whole municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Base year (last observed).
    pub base_year: i32,
    /// Last projected year.
    pub horizon_year: i32,
    /// The what-if at the horizon.
    pub horizon: Option<Totals>,
    /// The served (base) forecast at the horizon.
    pub base: Option<Totals>,
    /// What-if − base at the horizon.
    pub difference: Option<Difference>,
    /// The what-if's municipal totals, every year.
    pub years: Vec<Totals>,
    /// The served forecast's municipal totals, every year.
    pub base_years: Vec<Totals>,
}

/// One what-if's result: the demand rows (the published `demand` layer's source rows), the
/// run's notes and the summary.
#[derive(Debug)]
pub struct Outcome {
    /// The what-if.
    pub whatif: WhatIf,
    /// One row per district and year.
    pub rows: Vec<DemandRow>,
    /// The run's notes (what was estimated, and how).
    pub notes: Vec<String>,
    /// The municipal summary against the base.
    pub summary: Summary,
}

impl Outcome {
    /// Rough bytes held (for the cache's bound).
    pub fn bytes(&self) -> usize {
        // The codes and names are shared between a district's rows: counting them per row
        // overstates, which is the safe side for a bound.
        let strings: usize = self
            .rows
            .iter()
            .map(|r| r.district.len() + r.name.len())
            .sum();
        let notes: usize = self.notes.iter().map(String::capacity).sum();
        std::mem::size_of::<Self>()
            + self.rows.capacity() * std::mem::size_of::<DemandRow>()
            + strings
            + notes
            + (self.summary.years.capacity() + self.summary.base_years.capacity())
                * std::mem::size_of::<Totals>()
    }
}

/// Most what-ifs kept, and most bytes they may hold together (estimated by
/// [`Outcome::bytes`]; one over a large dataset may hold more than the budget alone: it is then
/// kept by itself).
pub use crate::lru::CacheLimits;

/// Recently used what-ifs.
type Lru = crate::lru::Lru<Arc<Outcome>>;

/// One data load's what-if engine: the dataset and parameters served, the base forecast and
/// a bounded cache of recent what-ifs.
#[derive(Debug)]
pub struct Engine {
    dataset: Arc<Dataset>,
    params: ModelParams,
    base: Vec<Totals>,
    base_year: i32,
    horizon_year: i32,
    first_year: i32,
    cache: Mutex<Lru>,
    limits: CacheLimits,
}

/// Cache statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// What-ifs kept.
    pub entries: usize,
    /// Their estimated bytes.
    pub bytes: usize,
}

impl Engine {
    /// An engine over `dataset` and the served `params`, whose forecast is `served` (the run
    /// behind the published `demand` layer). The dataset is kept without what the model does
    /// not read (geometries, address points, stops, indicators).
    pub fn new(dataset: &Dataset, params: &ModelParams, served: &ModelRun) -> Self {
        Self::with_limits(dataset, params, served, CacheLimits::default())
    }

    /// [`Engine::new`] with other cache limits.
    pub fn with_limits(
        dataset: &Dataset,
        params: &ModelParams,
        served: &ModelRun,
        limits: CacheLimits,
    ) -> Self {
        let mut ds = Dataset {
            name: dataset.name.clone(),
            municipality: dataset.municipality.clone(),
            bands: dataset.bands.clone(),
            districts: Vec::with_capacity(dataset.districts.len()),
            population: dataset.population.clone(),
            residences: Vec::new(),
            migration: dataset.migration.clone(),
            dwellings: dataset.dwellings.clone(),
            indicators: Vec::new(),
            transit: Vec::new(),
            projects: dataset.projects.clone(),
            as_of: dataset.as_of,
            series: dataset.series.clone(),
        };
        for d in &dataset.districts {
            ds.districts.push(crate::domain::District {
                id: d.id.clone(),
                name: d.name.clone(),
                geometry: geo::MultiPolygon(Vec::new()),
                geometry_lonlat: geo::MultiPolygon(Vec::new()),
            });
        }
        for p in &mut ds.projects {
            p.geometry = None;
            p.geometry_lonlat = None;
        }
        Self {
            dataset: Arc::new(ds),
            params: params.clone(),
            base: totals(&served.rows),
            base_year: served.base_year,
            horizon_year: served.horizon_year,
            first_year: served.first_year,
            cache: Mutex::new(Lru::default()),
            limits,
        }
    }

    /// The dataset's name.
    pub fn dataset_name(&self) -> &str {
        &self.dataset.name
    }

    /// First observed, base and horizon year of the served forecast.
    pub fn years(&self) -> (i32, i32, i32) {
        (self.first_year, self.base_year, self.horizon_year)
    }

    /// The served parameters.
    pub fn params(&self) -> &ModelParams {
        &self.params
    }

    /// Ids of the dataset's pipeline projects.
    pub fn project_ids(&self) -> Vec<String> {
        self.dataset.projects.iter().map(|p| p.id.clone()).collect()
    }

    /// The dataset's pipeline projects (without geometry).
    pub fn projects(&self) -> &[crate::domain::Project] {
        &self.dataset.projects
    }

    /// Names of the manifest's named scenarios.
    pub fn scenario_names(&self) -> Vec<String> {
        self.params.scenarios.keys().cloned().collect()
    }

    /// The served forecast's municipal totals by year.
    pub fn base_totals(&self) -> &[Totals] {
        &self.base
    }

    /// The result of `whatif`: from the cache when the same parameters were asked for
    /// recently, else computed (and kept). Blocking: a model run.
    pub fn run(&self, whatif: &WhatIf) -> Arc<Outcome> {
        let key = whatif.query();
        if let Some(hit) = self.lock().get(&key) {
            return hit;
        }
        let out = Arc::new(self.compute(whatif));
        let bytes = out.bytes();
        self.lock().put(key, Arc::clone(&out), bytes, self.limits);
        out
    }

    /// Whether the result of `whatif` is cached.
    pub fn is_cached(&self, whatif: &WhatIf) -> bool {
        let key = whatif.query();
        self.lock().contains(&key)
    }

    /// What the cache holds now.
    pub fn cache_stats(&self) -> CacheStats {
        let c = self.lock();
        CacheStats {
            entries: c.len(),
            bytes: c.bytes(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        match self.cache.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Runs the model for `whatif` (no cache).
    pub fn compute(&self, whatif: &WhatIf) -> Outcome {
        let run = crate::model::run(&self.dataset, &whatif.params(&self.params));
        let years = totals(&run.rows);
        let at = |t: &[Totals]| t.iter().find(|t| t.year == run.horizon_year).copied();
        let (horizon, base) = (at(&years), at(&self.base));
        let difference = horizon.zip(base).map(|(s, b)| Difference {
            population: s.population - b.population,
            dwellings_needed: s.dwellings_needed - b.dwellings_needed,
            dwellings_pipeline: s.dwellings_pipeline - b.dwellings_pipeline,
            gap: s.gap - b.gap,
            care_place_balance: s.care_place_balance - b.care_place_balance,
        });
        Outcome {
            whatif: whatif.clone(),
            summary: Summary {
                base_year: run.base_year,
                horizon_year: run.horizon_year,
                horizon,
                base,
                difference,
                years,
                base_years: self.base.clone(),
            },
            rows: run.rows,
            notes: run.notes,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn levers_are_checked_against_their_ranges() {
        let mut w = WhatIf::default();
        assert!(w.set("net_migration_multiplier", "1.5", &[]).is_ok());
        assert_eq!(w.levers.net_migration_multiplier, Some(1.5));
        let e = w.set("net_migration_multiplier", "6", &[]).unwrap_err();
        assert_eq!(e.parameter, "net_migration_multiplier");
        assert!(e.why.contains("0 to 5"), "{e}");
        assert!(w.set("pipeline_delay_years", "1.5", &[]).is_err());
        assert!(w.set("pipeline_delay_years", "2", &[]).is_ok());
        assert!(w.set("vacancy_reserve", "NaN", &[]).is_err());
        assert!(w.set("fertility", "1", &[]).is_err());
        assert!(w.set("scenario", "high", &["high".into()]).is_ok());
        assert!(w.set("scenario", "low", &["high".into()]).is_err());
        assert_eq!(
            w.query(),
            "scenario=high&net_migration_multiplier=1.5&pipeline_delay_years=2"
        );
        w.set("net_migration_per_year", "100", &[]).unwrap();
        assert!(w.check().is_err());
    }
}
