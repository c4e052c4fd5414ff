//! Expected pipeline completions: which projects add dwellings in which projected year.
//!
//! A project not yet moved into stands in the last stage it has reached. That stage gives a
//! completion probability and the expected years from reaching it to moving in; the expected
//! dwellings (dwellings × probability) arrive in the calendar year of
//! `stage date + years to completion`, or in the first projected year when that date is already
//! past. Projects moved into after the base year arrive in that year with certainty; those moved
//! into by the base year are in the stock already.

use chrono::Datelike;

use crate::domain::{DwellingType, Project, ProjectStage, Tenure};

use super::params::{ModelParams, PersonsPerDwelling};

/// Expected completions per district and projected year.
#[derive(Debug, Clone, PartialEq)]
pub struct Completions {
    /// Number of projected years (index `k − 1` is year `base + k`).
    pub years: usize,
    /// Expected ordinary dwellings (every type but specialbostad), `[district][k − 1]`.
    pub dwellings: Vec<f64>,
    /// Expected persons moving into ordinary new dwellings (dwellings × persons per new
    /// dwelling), `[district][k − 1]`.
    pub persons: Vec<f64>,
    /// Expected care-home places (specialbostad) opening, `[district][k − 1]`.
    pub care_places: Vec<f64>,
    /// Persons a year moving into the dwellings completed in the years the migration estimate
    /// comes from (the reference for housing-led migration; 0 when unknown).
    pub reference_persons: f64,
    /// Projects left out because they lie in no district.
    pub without_district: usize,
    /// Projects expected after the horizon.
    pub after_horizon: usize,
    /// True when the dwellings are not a pipeline but the assumed continuation of past
    /// building (a dataset without a pipeline): they house movers but are not counted as
    /// pipeline against the need, so the gap says what remains to be planned.
    pub assumed: bool,
}

/// Persons moving into one new dwelling of this kind.
pub fn persons_per_dwelling(
    p: &PersonsPerDwelling,
    dwelling_type: DwellingType,
    tenure: Tenure,
) -> f64 {
    match (dwelling_type, tenure) {
        (DwellingType::Smahus, _) => p.smahus,
        (DwellingType::Specialbostad, _) => p.special,
        (DwellingType::Flerbostadshus, Tenure::Hyresratt) => p.rental_flat,
        (DwellingType::Flerbostadshus, Tenure::Bostadsratt) => p.bostadsratt_flat,
        _ => p.other_flat,
    }
}

/// The projected year (`base + k`, k ≥ 1) in which a project is expected to be moved into, and
/// the probability that it is; `None` when it was moved into by the base year.
pub fn expected_completion(
    project: &Project,
    params: &ModelParams,
    base_year: i32,
) -> Option<(i32, f64)> {
    let stage = project.dates.last_reached();
    if stage == Some(ProjectStage::Inflyttning) {
        let year = project.dates.get(ProjectStage::Inflyttning)?.year();
        return (year > base_year).then_some((year, 1.0));
    }
    // No stage date at all: treated as a request for planbesked made in the base year.
    let stage = stage.unwrap_or(ProjectStage::PlanbeskedRequest);
    // One parameter per stage from planbesked_request to startbesked; anslag (the adoption
    // minutes posted, days after antagande) shares antagande's.
    let i = (stage as usize - usize::from(stage >= ProjectStage::Anslag)).min(9);
    let probability = params
        .stage_completion_probability
        .get(i)
        .copied()
        .unwrap_or(0.0)
        .clamp(0.0, 1.0);
    let years = params
        .stage_years_to_completion
        .get(i)
        .copied()
        .unwrap_or(0.0)
        .max(0.0);
    let reached = project
        .dates
        .get(stage)
        .map(|d| f64::from(d.year()) + f64::from(d.ordinal0()) / 365.25)
        .unwrap_or(f64::from(base_year) + 0.999);
    let year = (reached + years).floor() as i32;
    Some((year.max(base_year + 1), probability))
}

/// Expected completions of `projects` for `districts` districts over `horizon` years, every
/// project `delay` years later than its stage says (a scenario lever).
pub fn completions(
    projects: &[Project],
    districts: usize,
    params: &ModelParams,
    base_year: i32,
    horizon: u32,
    delay: u32,
) -> Completions {
    let h = horizon as usize;
    let mut c = Completions {
        years: h,
        dwellings: vec![0.0; districts * h],
        persons: vec![0.0; districts * h],
        care_places: vec![0.0; districts * h],
        reference_persons: 0.0,
        without_district: 0,
        after_horizon: 0,
        assumed: false,
    };
    for p in projects {
        let Some((year, probability)) = expected_completion(p, params, base_year) else {
            continue;
        };
        let year = year + delay as i32;
        let Some(d) = p.district.filter(|d| *d < districts) else {
            c.without_district += 1;
            continue;
        };
        let k = (year - base_year) as usize;
        if k == 0 || k > h {
            c.after_horizon += 1;
            continue;
        }
        let expected = p.dwellings * probability;
        let i = d * h + k - 1;
        if p.dwelling_type == DwellingType::Specialbostad {
            c.care_places[i] += expected;
        } else {
            c.dwellings[i] += expected;
            c.persons[i] += expected
                * persons_per_dwelling(&params.persons_per_new_dwelling, p.dwelling_type, p.tenure);
        }
    }
    c
}
