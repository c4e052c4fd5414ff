//! Building-process bottlenecks: per stage lead times, work in progress, throughput, share over
//! the statutory limits, and the stage with the most delay beyond its expected duration.
//!
//! The municipality asks to "kartlägga byggprocesser och identifiera flaskhalsar". Every figure
//! here is computed from the stage dates of the pipeline projects and the snapshot date
//! (`[dataset] as_of`); formulas are in `docs/bottlenecks.md`.

mod coverage;
mod delay;
mod stages;
mod stats;

pub use coverage::{district_coverage, DistrictCoverage};
pub use delay::{excess_dwelling_days, BottleneckParams, DurationBasis, ExpectedDurations};
pub use stages::{
    fee_reduction_share, milestones, project_status, Milestones, Passage, ProjectStatus,
    ANSLAG_DEFAULT_LAG_DAYS, ANSLAG_LIMIT_DAYS, BYGGLOV_EXTENDED_LIMIT_DAYS, BYGGLOV_LIMIT_DAYS,
    LAGA_KRAFT_LIMIT_DAYS, PLANBESKED_LIMIT_DAYS,
};
pub use stats::{analyze, analyze_with, percentile, BottleneckReport, StageStats, NO_PIPELINE};

/// Bottleneck analysis of a dataset's pipeline on its snapshot date (`[dataset] as_of`, or the
/// latest stage date in the pipeline when the manifest gives none), with the default expected
/// durations. A dataset without pipeline projects and without `as_of` has no snapshot date: the
/// report's `as_of` is `None` and its `note` says there is no pipeline.
pub fn analyze_dataset(dataset: &crate::domain::Dataset, quarters: u32) -> BottleneckReport {
    analyze_dataset_with(dataset, quarters, &BottleneckParams::default())
}

/// [`analyze_dataset`] with the manifest's `[bottlenecks]` parameters.
pub fn analyze_dataset_with(
    dataset: &crate::domain::Dataset,
    quarters: u32,
    params: &BottleneckParams,
) -> BottleneckReport {
    let as_of = dataset.as_of.or_else(|| {
        dataset
            .projects
            .iter()
            .flat_map(|p| p.dates.dates.iter().flatten().copied())
            .max()
    });
    // Without any date the figures are all empty; the date the analysis runs on is not shown.
    let mut report = analyze_with(
        &dataset.projects,
        as_of.unwrap_or_default(),
        quarters,
        &params.expected_days,
    );
    report.as_of = as_of;
    report
}
