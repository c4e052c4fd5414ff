//! The chain from planned to completed dwellings compared with the need, per district.

use serde::Serialize;

use crate::domain::Dataset;
use crate::model::ModelRun;

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
    /// pipeline).
    pub need_by_horizon: f64,
    /// `expected_by_horizon / need_by_horizon` when the need is positive.
    pub covered_share: Option<f64>,
    /// `max(0, need − expected)`: dwellings still to be planned.
    pub shortfall: f64,
}

/// Coverage of the need by the pipeline, per district, at the run's horizon year:
///
/// - need = `dwellings_needed − dwellings_stock` of the horizon row,
/// - expected = `dwellings_pipeline` of the horizon row,
/// - covered share = expected / need (need > 0), shortfall = max(0, need − expected).
pub fn district_coverage(dataset: &Dataset, run: &ModelRun) -> Vec<DistrictCoverage> {
    dataset
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let row = run
                .rows
                .iter()
                .find(|r| r.district == d.id && r.year == run.horizon_year);
            let open: Vec<_> = dataset
                .projects
                .iter()
                .filter(|p| {
                    p.district == Some(i)
                        && p.dates.last_reached() != Some(crate::domain::ProjectStage::Inflyttning)
                })
                .collect();
            let (need, expected) = row.map_or((0.0, 0.0), |r| {
                (r.dwellings_needed - r.dwellings_stock, r.dwellings_pipeline)
            });
            DistrictCoverage {
                district: d.id.clone(),
                name: d.name.clone(),
                horizon_year: run.horizon_year,
                dwellings_in_pipeline: open.iter().map(|p| p.dwellings).sum(),
                projects_in_pipeline: open.len(),
                expected_by_horizon: expected,
                need_by_horizon: need,
                covered_share: (need > 0.0).then(|| expected / need),
                shortfall: (need - expected).max(0.0),
            }
        })
        .collect()
}
