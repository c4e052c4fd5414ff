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

    /// Number of most recent observed migration years whose mean gives the migration rates.
    pub rate_years: u32,
    /// Migration scenario: `low`, `base` or `high`; scales in-migration by [`Self::scenario_scale`].
    pub scenario: Scenario,
    /// In-migration multipliers of the three scenarios.
    pub scenario_scale: ScenarioScale,
    /// Annual central death rates by sex and band of the dataset (deaths per person and year).
    /// Default: Swedish rates around 2018 (SCB), the open band from life expectancy.
    pub death_rates: Option<SexRates>,
    /// Relative yearly decline of every death rate during the projection (0.01: rates fall 1 % a
    /// year). Default 0.01.
    pub mortality_decline: f64,
    /// Age-specific fertility rates (births per woman and year) for women 15–19, 20–24, …,
    /// 45–49: exactly seven values. Default: Swedish rates around 2018, TFR 1.76.
    pub fertility: Option<Vec<f64>>,
    /// Share of boys among births.
    pub boys_share: f64,
    /// Deaths among the newborn before the end of their first calendar year, per birth.
    pub infant_mortality: f64,
    /// When migration is given per district, scale every district's projection (by sex and band,
    /// each year) so that the districts add up to the municipal projection made with pooled
    /// rates (avstämning mot kommunprognosen).
    pub align_to_municipal: bool,
    /// When migration is municipal only and pipeline completions are known, send in-migrants to
    /// the new dwellings first (new dwellings × persons per new dwelling) and the rest by
    /// population share. `false`: by population share only.
    pub housing_led: bool,
    /// Persons moving into one new dwelling, by kind.
    pub persons_per_new_dwelling: PersonsPerDwelling,

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

/// Migration scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Low in-migration.
    Low,
    /// The observed mean in-migration.
    #[default]
    Base,
    /// High in-migration.
    High,
}

/// In-migration multipliers of the scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioScale {
    /// Multiplier of the low scenario.
    pub low: f64,
    /// Multiplier of the base scenario.
    pub base: f64,
    /// Multiplier of the high scenario.
    pub high: f64,
}

impl Default for ScenarioScale {
    fn default() -> Self {
        Self {
            low: 0.8,
            base: 1.0,
            high: 1.2,
        }
    }
}

/// A table of rates by band, one for men and one for women.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SexRates {
    /// Men, one value per band of the dataset.
    pub male: Vec<f64>,
    /// Women, one value per band of the dataset.
    pub female: Vec<f64>,
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
    /// The in-migration multiplier of the chosen scenario.
    pub fn in_migration_scale(&self) -> f64 {
        match self.scenario {
            Scenario::Low => self.scenario_scale.low,
            Scenario::Base => self.scenario_scale.base,
            Scenario::High => self.scenario_scale.high,
        }
    }

    /// Every problem with these parameters for a dataset with `bands`, in plain words (empty:
    /// fine). [`crate::model::run`] never fails: it replaces what is wrong by the built-in
    /// default and says so in its notes.
    pub fn validate(&self, bands: &AgeBands) -> Vec<String> {
        let mut problems = Vec::new();
        let n = bands.len();
        let share = |name: &str, v: f64, max: f64, problems: &mut Vec<String>| {
            if !(0.0..=max).contains(&v) || v.is_nan() {
                problems.push(format!("model.{name} = {v}: must lie in 0..={max}"));
            }
        };
        share("vacancy_reserve", self.vacancy_reserve, 0.5, &mut problems);
        share("demolition_rate", self.demolition_rate, 0.5, &mut problems);
        share(
            "mortality_decline",
            self.mortality_decline,
            0.5,
            &mut problems,
        );
        share("boys_share", self.boys_share, 1.0, &mut problems);
        share(
            "infant_mortality",
            self.infant_mortality,
            1.0,
            &mut problems,
        );
        share(
            "care_places_per_100_80_plus",
            self.care_places_per_100_80_plus,
            100.0,
            &mut problems,
        );
        if self.horizon > 100 {
            problems.push(format!(
                "model.horizon = {}: at most 100 years",
                self.horizon
            ));
        }
        if self.rate_years == 0 {
            problems.push("model.rate_years = 0: at least one year".into());
        }
        let s = self.scenario_scale;
        for (name, v) in [("low", s.low), ("base", s.base), ("high", s.high)] {
            if !(v >= 0.0 && v.is_finite()) {
                problems.push(format!(
                    "model.scenario_scale.{name} = {v}: must be 0 or more"
                ));
            }
        }
        let nonneg = |name: &str, v: &[f64], problems: &mut Vec<String>| {
            if v.iter().any(|x| !(*x >= 0.0 && x.is_finite())) {
                problems.push(format!("model.{name}: every value must be 0 or more"));
            }
        };
        if let Some(d) = &self.death_rates {
            for (sex, v) in [("male", &d.male), ("female", &d.female)] {
                if v.len() != n {
                    problems.push(format!(
                        "model.death_rates.{sex} has {} values; the dataset has {n} age bands",
                        v.len()
                    ));
                }
                nonneg(&format!("death_rates.{sex}"), v, &mut problems);
            }
        }
        if let Some(f) = &self.fertility {
            if f.len() != 7 {
                problems.push(format!(
                    "model.fertility has {} values; expected 7 (15-19, 20-24, … 45-49)",
                    f.len()
                ));
            }
            nonneg("fertility", f, &mut problems);
        }
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
            rate_years: 5,
            scenario: Scenario::Base,
            scenario_scale: ScenarioScale::default(),
            death_rates: None,
            mortality_decline: 0.01,
            fertility: None,
            boys_share: 0.513,
            infant_mortality: 0.002,
            align_to_municipal: true,
            housing_led: true,
            persons_per_new_dwelling: PersonsPerDwelling::default(),
            headship: None,
            stage_completion_probability: vec![
                0.40, 0.50, 0.60, 0.70, 0.75, 0.80, 0.85, 0.90, 0.92, 0.97,
            ],
            stage_years_to_completion: vec![7.1, 6.8, 6.3, 5.3, 4.6, 4.0, 3.2, 2.4, 2.1, 1.7],
        }
    }
}
