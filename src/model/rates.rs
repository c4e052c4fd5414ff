//! Household quotients (hushållskvoter) by age band: the built-in table and its fit to a
//! dataset's bands. Mortality and fertility are national tables by single year of age
//! ([`super::national`]).

use crate::domain::AgeBands;

use super::ModelParams;

/// Household quotients (hushållskvoter, oldest person as reference) by five-year band 0–4 …
/// 75–79 and 80+ (applied to every band from 80 up). See `docs/model.md` for their source. The
/// model calibrates them per district to the occupied dwellings of the base year.
pub const HEADSHIP: [f64; 17] = [
    0.0, 0.0, 0.0, 0.03, 0.40, 0.57, 0.54, 0.52, 0.52, 0.54, 0.57, 0.61, 0.645, 0.68, 0.71, 0.77,
    0.89,
];

/// The default household quotients for `bands` (a band takes the quotient of the five-year
/// band it starts in; every band from 80 up takes the 80+ quotient).
pub fn default_headship(bands: &AgeBands) -> Vec<f64> {
    bands
        .as_slice()
        .iter()
        .map(|b| HEADSHIP[usize::from(b.lo / 5).min(HEADSHIP.len() - 1)])
        .collect()
}

/// The household quotients for `bands` from `params` (the built-in table when missing or of
/// the wrong length; `true` when a given table was replaced).
pub fn headship(params: &ModelParams, bands: &AgeBands) -> (Vec<f64>, bool) {
    match &params.headship {
        Some(h) if h.len() == bands.len() && h.iter().all(|x| *x >= 0.0) => (h.clone(), false),
        other => (default_headship(bands), other.is_some()),
    }
}
