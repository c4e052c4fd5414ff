//! One data load's results: the model run, the flags and the bottleneck analysis, computed once
//! from a validated dataset and shared by `serve`, `analyze` and the dashboard.

use crate::config::Manifest;
use crate::domain::Dataset;
use crate::flags::FlagResult;
use crate::model::ModelRun;
use crate::pipeline::BottleneckReport;

/// Quarters over which the bottleneck throughput is averaged by default.
pub const THROUGHPUT_QUARTERS: u32 = 8;

/// Everything computed from one dataset.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Projection, households, demand and gap per district and year.
    pub run: ModelRun,
    /// Densify and upgrade flags, one per district and kind, with reasons.
    pub flags: Vec<FlagResult>,
    /// Building-process stages and the bottleneck.
    pub bottlenecks: BottleneckReport,
    /// The manifest's named scenarios (`[model.scenarios.NAME]`), each run in full: published
    /// as `demand-NAME` beside the served forecast.
    pub scenarios: Vec<(String, ModelRun)>,
    /// The dataset's own notes (the manifest's `[dataset] notes`): which inputs are real,
    /// estimated, synthetic or missing. Published beside every result, never dropped.
    pub notes: Vec<String>,
    /// Error bands by horizon from backtests over the dataset's history, or why there are
    /// none (too few years).
    pub bands: Result<crate::uncertainty::ErrorBands, String>,
}

impl Analysis {
    /// Runs the model, evaluates the flags (on the base-year address points when the dataset
    /// has them, else on a grid over each district) and analyses the pipeline.
    pub fn compute(dataset: &Dataset, manifest: &Manifest) -> Self {
        let run = crate::model::run(dataset, &manifest.model);
        let flags =
            crate::flags::evaluate(dataset, &run, &dataset.residences, &[], &manifest.flags);
        let mut bottlenecks = crate::pipeline::analyze_dataset_with(
            dataset,
            THROUGHPUT_QUARTERS,
            &manifest.bottlenecks,
        );
        bottlenecks.districts = crate::pipeline::district_coverage(dataset, &run);
        let scenarios = manifest
            .model
            .scenarios
            .keys()
            .map(|name| {
                let mut p = manifest.model.clone();
                p.scenario = name.clone();
                (name.clone(), crate::model::run(dataset, &p))
            })
            .collect();
        let bands = crate::uncertainty::error_bands(dataset, &manifest.model);
        Self {
            run,
            flags,
            bottlenecks,
            scenarios,
            notes: manifest.dataset.notes.clone(),
            bands,
        }
    }
}
