//! Model parameters (`[model]` in the manifest), each with a default.

use serde::Deserialize;

/// Model parameters; every field has a default documented in `docs/model.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelParams {
    /// Years projected beyond the base year.
    pub horizon: u32,
    /// Vacancy reserve (omflyttningsreserv), share of dwellings kept free for moves.
    pub vacancy_reserve: f64,
    /// Demolitions per year as a share of stock.
    pub demolition_rate: f64,
    /// Care-home places per 100 persons aged 80+.
    pub care_places_per_100_80_plus: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            horizon: 10,
            vacancy_reserve: 0.01,
            demolition_rate: 0.0005,
            care_places_per_100_80_plus: 13.0,
        }
    }
}
