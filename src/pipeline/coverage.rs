//! The chain from planned to completed dwellings compared with the need, per district.
//!
//! A district's pipeline can hold far more dwellings than its own households need: those
//! dwellings house people moving in. Counting them as "coverage" would show a district covered
//! several times over, so the pipeline is split into the part that meets the need and the part
//! beyond it (see `docs/bottlenecks.md`).

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::{Dataset, ProjectStage};
use crate::model::{DemandRow, ModelRun};

/// Per district: what the pipeline is expected to deliver by the horizon against the need the
/// model estimates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictCoverage {
    /// District code.
    pub district: String,
    /// District name.
    pub name: String,
    /// Horizon year of the model run.
    pub horizon_year: i32,
    /// Dwellings in projects not yet moved into (nominal, every stage).
    pub dwellings_in_pipeline: f64,
    /// Projects not yet moved into.
    pub projects_in_pipeline: usize,
    /// Dwellings the pipeline is expected to complete by the horizon (each project's dwellings
    /// × the completion probability of its stage; the model's `dwellings_pipeline`).
    pub expected_by_horizon: f64,
    /// Need by the horizon = dwellings needed − stock after demolitions (the gap before the
    /// pipeline); negative when the stock exceeds the need.
    pub need_by_horizon: f64,
    /// Dwellings of the pipeline that meet the need: `min(expected, max(0, need))`.
    pub covered: f64,
    /// `covered / need` when the need is positive: at most 1.
    pub covered_share: Option<f64>,
    /// Dwellings expected beyond the need, `max(0, expected − max(0, need))`: they house people
    /// moving in (the pipeline's own movers), not the district's need.
    pub beyond_need: f64,
    /// `max(0, need − expected)`: dwellings still to be planned.
    pub shortfall: f64,
}

/// What a district's need is compared with, from its horizon row of the model run.
///
/// - `need` = `dwellings_needed − dwellings_stock`,
/// - `expected` = `dwellings_pipeline` (cumulative expected completions).
///
/// When the model counts the residents new dwellings bring, their households are in
/// `dwellings_needed`; this is the one place to take them out of the need.
fn need_and_expected(row: &DemandRow) -> (f64, f64) {
    (
        row.dwellings_needed - row.dwellings_stock,
        row.dwellings_pipeline,
    )
}

/// Coverage of the need by the pipeline, per district, at the run's horizon year:
///
/// - need = `dwellings_needed − dwellings_stock` of the horizon row,
/// - expected = `dwellings_pipeline` of the horizon row,
/// - covered = min(expected, max(0, need)), covered share = covered / need (need > 0),
/// - beyond the need = max(0, expected − max(0, need)), shortfall = max(0, need − expected).
///
/// Linear in districts, model rows and projects: the horizon rows are indexed by district
/// code and the open projects summed by district in one pass each.
pub fn district_coverage(dataset: &Dataset, run: &ModelRun) -> Vec<DistrictCoverage> {
    let n = dataset.districts.len();
    let mut horizon: HashMap<&str, &DemandRow> = HashMap::with_capacity(n);
    for row in run.rows.iter().filter(|r| r.year == run.horizon_year) {
        horizon.entry(row.district.as_str()).or_insert(row);
    }
    let mut open = vec![(0usize, 0.0f64); n];
    for p in &dataset.projects {
        if p.dates.last_reached() == Some(ProjectStage::Inflyttning) {
            continue;
        }
        if let Some(slot) = p.district.and_then(|i| open.get_mut(i)) {
            slot.0 += 1;
            slot.1 += p.dwellings;
        }
    }
    dataset
        .districts
        .iter()
        .zip(open)
        .map(|(d, (projects, dwellings))| {
            let (need, expected) = horizon
                .get(d.id.as_str())
                .map_or((0.0, 0.0), |r| need_and_expected(r));
            let needed = need.max(0.0);
            let covered = expected.min(needed);
            DistrictCoverage {
                district: d.id.clone(),
                name: d.name.clone(),
                horizon_year: run.horizon_year,
                dwellings_in_pipeline: dwellings,
                projects_in_pipeline: projects,
                expected_by_horizon: expected,
                need_by_horizon: need,
                covered,
                covered_share: (need > 0.0).then(|| covered / need),
                beyond_need: (expected - needed).max(0.0),
                shortfall: (need - expected).max(0.0),
            }
        })
        .collect()
}
