//! Model parameters (`[model]` in the manifest), each with a default.
//!
//! Every default is cited in `docs/model.md`. Tables that depend on the dataset's age bands
//! (death rates, headship rates) are optional: left out, the model takes its built-in tables for
//! the dataset's bands; given, they must have one value per band of the dataset
//! ([`ModelParams::validate`] says so before a run, and [`crate::model::run`] falls back to the
//! built-in table with a note when they do not).

use serde::Deserialize;

use crate::domain::AgeBands;

/// Model parameters; every field has a default documented in `docs/model.md`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelParams {
    /// Years projected beyond the base year (the last observed year).
    pub horizon: u32,
    /// Vacancy reserve (omflyttningsreserv), share of dwellings kept free for moves.
    pub vacancy_reserve: f64,
    /// Demolitions per year as a share of stock.
    pub demolition_rate: f64,
    /// Care-home places (särskilt boende) needed per 100 persons aged 80+.
    pub care_places_per_100_80_plus: f64,

    /// Years of population change (or of migration records) whose mean gives the net
    /// migration by age: the residual estimate's window. Default 10.
    pub migration_window: u32,
    /// Share of boys among births (SCB: 51.3 %).
    pub boys_share: f64,
    /// Send completed new dwellings' residents to their districts (housing-led districts);
    /// `false`: migration follows the population only.
    pub housing_led: bool,
    /// Persons moving into one new dwelling, by kind.
    pub persons_per_new_dwelling: PersonsPerDwelling,
    /// How far past its base-year persons per dwelling a district may fill its dwellings
    /// (0.15: 15 %) before housing holds its population back.
    pub capacity_margin: f64,
    /// The levers of the base scenario.
    pub levers: Levers,
    /// Named scenarios: levers that replace the base scenario's where given.
    pub scenarios: std::collections::BTreeMap<String, Levers>,
    /// The scenario to run (`base` or a name of [`Self::scenarios`]).
    pub scenario: String,

    /// Household quotients (hushållskvoter) by band of the dataset: households whose oldest
    /// member is in the band, per person of the band. Default: our table in `docs/model.md`.
    pub headship: Option<Vec<f64>>,

    /// Probability that a project standing in a stage is completed, for the stages
    /// planbesked_request, planbesked, planuppdrag, samrad, granskning, antagande, laga_kraft,
    /// bygglov_application, bygglov_decision, startbesked (ten values).
    pub stage_completion_probability: Vec<f64>,
    /// Expected years from reaching a stage to moving in, for the same ten stages.
    pub stage_years_to_completion: Vec<f64>,
}

/// What planners argue about: the levers of a scenario (`[model.levers]` for the base,
/// `[model.scenarios.NAME]` for named ones; a named scenario's unset levers keep the base's).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Levers {
    /// Net migration × this (1: as estimated). Range 0–5.
    pub net_migration_multiplier: Option<f64>,
    /// Net migration of this many persons a year instead, by the estimated age profile.
    pub net_migration_per_year: Option<f64>,
    /// Every pipeline project completes this many years later. Range 0–20.
    pub pipeline_delay_years: Option<u32>,
    /// Dwellings completed a year across the municipality, replacing the pipeline's timing.
    pub completions_per_year: Option<f64>,
    /// Mortality improvement × this (1: the national trend; 0: rates stay at the base year's).
    /// Range 0–3.
    pub mortality_improvement: Option<f64>,
    /// Fertility × this (1: the municipality's estimated level). Range 0–3.
    pub fertility_multiplier: Option<f64>,
    /// Household-quotient trend: every household quotient changes by this many per cent a
    /// year after the base year, `h(b, t) = h(b) × (1 + g / 100)^(t − base)` (negative: larger
    /// households). Range −3–3.
    pub headship_trend: Option<f64>,
    /// Pipeline projects left out, by project id (a plan that may not happen).
    pub exclude_projects: Option<Vec<String>>,
}

impl Levers {
    /// These levers with `over`'s set values taking precedence.
    pub fn overlaid(&self, over: &Levers) -> Levers {
        Levers {
            net_migration_multiplier: over
                .net_migration_multiplier
                .or(self.net_migration_multiplier),
            net_migration_per_year: over.net_migration_per_year.or(self.net_migration_per_year),
            pipeline_delay_years: over.pipeline_delay_years.or(self.pipeline_delay_years),
            completions_per_year: over.completions_per_year.or(self.completions_per_year),
            mortality_improvement: over.mortality_improvement.or(self.mortality_improvement),
            fertility_multiplier: over.fertility_multiplier.or(self.fertility_multiplier),
            headship_trend: over.headship_trend.or(self.headship_trend),
            exclude_projects: over
                .exclude_projects
                .clone()
                .or_else(|| self.exclude_projects.clone()),
        }
    }
}

/// Persons per new dwelling by kind (used for housing-led in-migration).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersonsPerDwelling {
    /// Detached and terraced houses (småhus).
    pub smahus: f64,
    /// Rental flats (hyresrätt in flerbostadshus).
    pub rental_flat: f64,
    /// Tenant-owned flats (bostadsrätt in flerbostadshus).
    pub bostadsratt_flat: f64,
    /// Flats of other or unknown tenure, and other buildings.
    pub other_flat: f64,
    /// Special housing (specialbostad): places.
    pub special: f64,
}

impl Default for PersonsPerDwelling {
    fn default() -> Self {
        Self {
            smahus: 2.7,
            rental_flat: 2.0,
            bostadsratt_flat: 1.8,
            other_flat: 1.9,
            special: 1.2,
        }
    }
}

impl ModelParams {
    /// The levers of the chosen scenario (the base's overlaid by the named one's), or `None`
    /// when [`Self::scenario`] names no scenario of the manifest.
    pub fn active_levers(&self) -> Option<Levers> {
        if self.scenario == "base" {
            return Some(self.levers.clone());
        }
        self.scenarios
            .get(&self.scenario)
            .map(|s| self.levers.overlaid(s))
    }

    /// Every problem with these parameters for a dataset with `bands`, in plain words (empty:
    /// fine). [`crate::model::run`] never fails: it replaces what is wrong by the built-in
    /// default and says so in its notes.
    pub fn validate(&self, bands: &AgeBands) -> Vec<String> {
        let mut problems = Vec::new();
        let n = bands.len();
        let range = |name: &str, v: f64, lo: f64, hi: f64, problems: &mut Vec<String>| {
            if !(lo..=hi).contains(&v) || v.is_nan() {
                problems.push(format!("model.{name} = {v}: must lie in {lo}..={hi}"));
            }
        };
        range(
            "vacancy_reserve",
            self.vacancy_reserve,
            0.0,
            0.5,
            &mut problems,
        );
        range(
            "demolition_rate",
            self.demolition_rate,
            0.0,
            0.5,
            &mut problems,
        );
        range("boys_share", self.boys_share, 0.0, 1.0, &mut problems);
        range(
            "capacity_margin",
            self.capacity_margin,
            0.0,
            2.0,
            &mut problems,
        );
        range(
            "care_places_per_100_80_plus",
            self.care_places_per_100_80_plus,
            0.0,
            100.0,
            &mut problems,
        );
        if self.horizon > 100 {
            problems.push(format!(
                "model.horizon = {}: at most 100 years",
                self.horizon
            ));
        }
        if !(1..=30).contains(&self.migration_window) {
            problems.push(format!(
                "model.migration_window = {}: must lie in 1..=30 years",
                self.migration_window
            ));
        }
        let mut levers = vec![("levers".to_string(), &self.levers)];
        levers.extend(
            self.scenarios
                .iter()
                .map(|(k, v)| (format!("scenarios.{k}"), v)),
        );
        for (at, l) in levers {
            let mut opt = |name: &str, v: Option<f64>, lo: f64, hi: f64| {
                if let Some(v) = v {
                    range(&format!("{at}.{name}"), v, lo, hi, &mut problems);
                }
            };
            opt(
                "net_migration_multiplier",
                l.net_migration_multiplier,
                0.0,
                5.0,
            );
            opt(
                "net_migration_per_year",
                l.net_migration_per_year,
                -1e6,
                1e6,
            );
            opt("completions_per_year", l.completions_per_year, 0.0, 1e6);
            opt("mortality_improvement", l.mortality_improvement, 0.0, 3.0);
            opt("fertility_multiplier", l.fertility_multiplier, 0.0, 3.0);
            opt(
                "pipeline_delay_years",
                l.pipeline_delay_years.map(f64::from),
                0.0,
                20.0,
            );
        }
        if self.active_levers().is_none() {
            problems.push(format!(
                "model.scenario = '{}': not 'base' nor a scenario of [model.scenarios] ({})",
                self.scenario,
                self.scenarios
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let nonneg = |name: &str, v: &[f64], problems: &mut Vec<String>| {
            if v.iter().any(|x| !(*x >= 0.0 && x.is_finite())) {
                problems.push(format!("model.{name}: every value must be 0 or more"));
            }
        };
        if let Some(h) = &self.headship {
            if h.len() != n {
                problems.push(format!(
                    "model.headship has {} values; the dataset has {n} age bands",
                    h.len()
                ));
            }
            nonneg("headship", h, &mut problems);
        }
        for (name, v) in [
            (
                "stage_completion_probability",
                &self.stage_completion_probability,
            ),
            ("stage_years_to_completion", &self.stage_years_to_completion),
        ] {
            if v.len() != 10 {
                problems.push(format!(
                    "model.{name} has {} values; expected 10 (planbesked_request … startbesked)",
                    v.len()
                ));
            }
            nonneg(name, v, &mut problems);
        }
        if self.stage_completion_probability.iter().any(|p| *p > 1.0) {
            problems.push("model.stage_completion_probability: values above 1".into());
        }
        problems
    }
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            horizon: 10,
            vacancy_reserve: 0.01,
            demolition_rate: 0.0005,
            care_places_per_100_80_plus: 13.0,
            migration_window: 10,
            boys_share: 0.513,
            housing_led: true,
            persons_per_new_dwelling: PersonsPerDwelling::default(),
            capacity_margin: 0.15,
            levers: Levers::default(),
            scenarios: Default::default(),
            scenario: "base".into(),
            headship: None,
            stage_completion_probability: vec![
                0.40, 0.50, 0.60, 0.70, 0.75, 0.80, 0.85, 0.90, 0.92, 0.97,
            ],
            stage_years_to_completion: vec![7.1, 6.8, 6.3, 5.3, 4.6, 4.0, 3.2, 2.4, 2.1, 1.7],
        }
    }
}
