//! From persons to dwellings: households (household-quotient method), dwellings needed, stock
//! after demolitions, the gap, care-home places and the dependency ratio. Each is a small pure
//! function with its formula in the doc comment; [`super::run`] applies them per district and
//! year.

/// Persons living in care homes (särskilt boende), taken out of the bands from `first_band` up
/// (the bands of 80+) in proportion to their populations. Returns the persons living in
/// ordinary dwellings by band. `occupants` is capped at the persons of those bands.
pub fn outside_care(persons: &[f64], first_band: usize, occupants: f64) -> Vec<f64> {
    let mut out = vec![0.0; persons.len()];
    outside_care_into(persons, first_band, occupants, &mut out);
    out
}

/// [`outside_care`] into a buffer of the same length as `persons`.
pub(crate) fn outside_care_into(
    persons: &[f64],
    first_band: usize,
    occupants: f64,
    out: &mut [f64],
) {
    let old: f64 = persons.iter().skip(first_band).sum();
    let taken = occupants.clamp(0.0, old.max(0.0));
    let keep = if old > 0.0 { 1.0 - taken / old } else { 1.0 };
    for (b, (o, p)) in out.iter_mut().zip(persons).enumerate() {
        *o = if b >= first_band { p * keep } else { *p };
    }
}

/// Households (hushåll) by the household-quotient method:
/// `H = Σ_band headship(band) × persons(band)`, with `persons` already outside care homes
/// (see [`outside_care`]). The reference person of a household is its oldest member.
///
/// ```
/// use housing_need::model::households;
/// assert_eq!(households(&[10.0, 20.0], &[0.0, 0.5]), 10.0);
/// ```
pub fn households(persons: &[f64], headship: &[f64]) -> f64 {
    persons.iter().zip(headship).map(|(p, h)| p * h).sum()
}

/// Dwellings needed (bostadsbehov) = `households / (1 − vacancy_reserve)`.
///
/// ```
/// use housing_need::model::dwellings_needed;
/// assert!((dwellings_needed(99.0, 0.01) - 100.0).abs() < 1e-12);
/// ```
pub fn dwellings_needed(households: f64, vacancy_reserve: f64) -> f64 {
    households / (1.0 - vacancy_reserve)
}

/// Stock `years` after the base year: `base_stock × (1 − demolition_rate)^years`.
pub fn stock_after_demolition(base_stock: f64, demolition_rate: f64, years: u32) -> f64 {
    base_stock * (1.0 - demolition_rate).powi(years as i32)
}

/// Gap (underskott) = `dwellings_needed − (stock + pipeline)`; positive: a shortage.
pub fn gap(dwellings_needed: f64, stock: f64, pipeline: f64) -> f64 {
    dwellings_needed - (stock + pipeline)
}

/// `value / population × 1000`; NaN (written as null) when the population is 0.
pub fn per_1000(value: f64, population: f64) -> f64 {
    if population > 0.0 {
        value / population * 1000.0
    } else {
        f64::NAN
    }
}

/// Care-home places needed (särskilt boende) = `per_100 / 100 × persons 80+`.
pub fn care_places_needed(persons_80_plus: f64, per_100: f64) -> f64 {
    persons_80_plus * per_100 / 100.0
}

/// Dependency ratio (försörjningsbörda) = `(persons 0–19 + persons 65+) / persons 20–64`;
/// `None` when nobody is 20–64.
///
/// ```
/// use housing_need::model::dependency_ratio;
/// assert_eq!(dependency_ratio(30.0, 50.0, 20.0), Some(1.0));
/// assert_eq!(dependency_ratio(3.0, 0.0, 2.0), None);
/// ```
pub fn dependency_ratio(young_0_19: f64, working_20_64: f64, old_65_plus: f64) -> Option<f64> {
    (working_20_64 > 0.0).then(|| (young_0_19 + old_65_plus) / working_20_64)
}
