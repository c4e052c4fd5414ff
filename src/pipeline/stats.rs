//! Per-stage statistics and the bottleneck.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::delay::{excess_dwelling_days, DurationBasis, ExpectedDurations};
use super::stages::{fee_reduction_share, milestones, project_status, Passage, ProjectStatus};
use crate::domain::{Project, ProjectStage};

/// The `p`-th percentile (0–100) of `values` by linear interpolation between closest ranks
/// (the method of numpy's default and Excel's `PERCENTILE.INC`):
/// with the values sorted ascending as x₀ … xₙ₋₁, `h = (n − 1) · p / 100`, and
/// `P = x⌊h⌋ + (h − ⌊h⌋) · (x⌊h⌋₊₁ − x⌊h⌋)`. `None` for no values.
///
/// ```
/// use housing_need::pipeline::percentile;
/// assert_eq!(percentile(&[10.0, 20.0, 30.0, 40.0], 50.0), Some(25.0));
/// assert_eq!(percentile(&[10.0, 20.0, 30.0, 40.0, 50.0], 80.0), Some(42.0));
/// ```
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    crate::stats::quantile(values, p / 100.0)
}

/// Figures for one stage (passage) of the building process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageStats {
    /// Stage code.
    pub stage: Passage,
    /// Projects waiting in the stage on the snapshot date (work in progress).
    pub projects_waiting: usize,
    /// Dwellings in those projects.
    pub dwellings_waiting: f64,
    /// Completed passages (both milestones dated, in order).
    pub passages: usize,
    /// Median lead time of completed passages, days.
    pub median_days: Option<f64>,
    /// 80th percentile lead time of completed passages, days.
    pub p80_days: Option<f64>,
    /// Mean lead time of completed passages, days (used for Little's law).
    pub mean_days: Option<f64>,
    /// Age of the oldest waiting project, days.
    pub oldest_waiting_days: Option<i64>,
    /// Σ dwellings × days waiting over the waiting projects (dwelling-days).
    pub dwelling_days_waiting: f64,
    /// Completed passages per quarter, mean over the last `throughput_quarters` quarters.
    pub throughput_per_quarter: f64,
    /// Little's law: expected WIP = throughput per day × mean lead time (projects).
    pub littles_law_wip: Option<f64>,
    /// Statutory limit in days, where one applies.
    pub legal_limit_days: Option<i64>,
    /// Passages (completed and waiting) that the limit applies to.
    pub limit_applicable: usize,
    /// Of those, over the limit.
    pub over_limit: usize,
    /// `over_limit / limit_applicable`.
    pub share_over_limit: Option<f64>,
    /// Bygglov only: fee reduction owed, summed as a number of whole fees (each late decision
    /// owes ⌈weeks over⌉ / 5 of its fee, at most one).
    pub fee_reduction_fees: Option<f64>,
    /// Bygglov only: decisions later than even the extended limit (20 weeks).
    pub over_extended_limit: Option<usize>,
    /// Expected duration in days: the statutory limit where the law sets one, otherwise a
    /// documented expected duration (for laga kraft: a plan not appealed).
    pub expected_days: i64,
    /// Laga kraft only: the expected duration of an appealed plan.
    pub expected_days_appealed: Option<i64>,
    /// Where `expected_days` comes from.
    pub expected_basis: DurationBasis,
    /// Passages (completed and waiting) measured against the expected duration.
    pub delay_passages: usize,
    /// Of those, longer than expected.
    pub late_passages: usize,
    /// Σ dwellings × max(0, days − expected) over those passages: dwelling-days beyond the
    /// expected duration. The bottleneck is the stage where this is largest.
    pub excess_dwelling_days: f64,
}

/// The report's note when there are no pipeline projects.
pub const NO_PIPELINE: &str =
    "No pipeline: the dataset has no housing projects ([pipeline] in the \
     manifest), so no stage can be measured and there is no snapshot date.";

/// The whole bottleneck analysis.
#[derive(Debug, Clone, Serialize)]
pub struct BottleneckReport {
    /// Snapshot date: `[dataset] as_of`, or the latest stage date in the pipeline; `None`
    /// (`null` in JSON) when the dataset has no pipeline projects and names no snapshot date.
    pub as_of: Option<NaiveDate>,
    /// Why the report is empty, when it is: the dataset has no pipeline projects. `None` (`null`)
    /// when there are projects.
    pub note: Option<String>,
    /// Per-stage figures in process order.
    pub stages: Vec<StageStats>,
    /// The stage with the most dwelling-days beyond its expected duration (`None` when no
    /// stage runs over).
    pub bottleneck: Option<Passage>,
    /// Projects whose anslag date is estimated from the adoption date (none recorded).
    pub anslag_estimated: usize,
    /// Share of adopted plans that were appealed.
    pub appeal_rate: Option<f64>,
    /// Median days from planuppdrag to startbesked over projects with both dates.
    pub median_plan_to_start_days: Option<f64>,
    /// Per-project status.
    pub projects: Vec<ProjectStatus>,
    /// Quarters over which throughput is averaged.
    pub throughput_quarters: u32,
    /// Per district: pipeline against the model's need by the horizon (filled by
    /// [`crate::analysis::Analysis`], empty from [`analyze`] alone).
    pub districts: Vec<super::DistrictCoverage>,
}

fn quarter_index(d: NaiveDate) -> i32 {
    d.year() * 4 + (d.month0() / 3) as i32
}

/// Analyses `projects` on the snapshot date `as_of` with the default expected durations; see
/// [`analyze_with`].
pub fn analyze(projects: &[Project], as_of: NaiveDate, quarters: u32) -> BottleneckReport {
    analyze_with(projects, as_of, quarters, &ExpectedDurations::default())
}

/// Analyses `projects` on the snapshot date `as_of`; throughput is the mean number of completed
/// passages per quarter over the `quarters` quarters ending with the snapshot's quarter, and
/// the bottleneck is the stage with the most dwelling-days beyond its `expected` duration.
///
/// A project without an anslag date gets the estimate of [`milestones`]; that estimate opens
/// the laga kraft passage but is never counted as an anslag lead time.
pub fn analyze_with(
    projects: &[Project],
    as_of: NaiveDate,
    quarters: u32,
    expected: &ExpectedDurations,
) -> BottleneckReport {
    let quarters = quarters.max(1);
    let statuses: Vec<ProjectStatus> = projects.iter().map(|p| project_status(p, as_of)).collect();
    let dates: Vec<_> = projects.iter().map(|p| milestones(p, as_of)).collect();
    let last_q = quarter_index(as_of);
    let first_q = last_q - quarters as i32 + 1;

    let mut stages = Vec::new();
    for passage in Passage::ALL {
        let (start, end) = (passage.start(), passage.end());
        let mut durations = Vec::new();
        let mut in_window = 0usize;
        let mut applicable = 0usize;
        let mut over = 0usize;
        let mut fee = 0.0;
        let mut over_ext = 0usize;
        let mut limit_seen = None;
        let (mut delay_passages, mut late, mut excess) = (0usize, 0usize, 0.0);
        let mut measure = |p: &Project, days: i64| {
            let (e, _) = expected.days(passage, p.appealed);
            delay_passages += 1;
            if days > e {
                late += 1;
                excess += excess_dwelling_days(p.dwellings, days, e);
            }
        };
        for (p, m) in projects.iter().zip(&dates) {
            if passage == Passage::Anslag && m.anslag_estimated {
                continue; // an estimate, not an observed posting
            }
            let limit = passage.legal_limit_days(p.appealed);
            if let (Some(a), Some(b)) = (m.dates.get(start), m.dates.get(end)) {
                if b < a || b > as_of {
                    continue; // reported as a date problem on the project
                }
                let days = (b - a).num_days();
                durations.push(days as f64);
                measure(p, days);
                if (first_q..=last_q).contains(&quarter_index(b)) {
                    in_window += 1;
                }
                if let Some(l) = limit {
                    limit_seen = Some(l);
                    applicable += 1;
                    if days > l {
                        over += 1;
                        if passage == Passage::Bygglov {
                            fee += fee_reduction_share(days - l);
                            if days > super::BYGGLOV_EXTENDED_LIMIT_DAYS {
                                over_ext += 1;
                            }
                        }
                    }
                }
            }
        }
        let mut waiting = 0usize;
        let mut dwellings_waiting = 0.0;
        let mut oldest = None::<i64>;
        let mut dwelling_days = 0.0;
        for (p, s) in projects.iter().zip(&statuses) {
            if s.stage != Some(passage) {
                continue;
            }
            waiting += 1;
            dwellings_waiting += p.dwellings;
            let days = s.days_in_stage.unwrap_or(0);
            oldest = Some(oldest.map_or(days, |o| o.max(days)));
            dwelling_days += p.dwellings * days as f64;
            measure(p, days);
            if let Some(l) = passage.legal_limit_days(p.appealed) {
                limit_seen = Some(l);
                applicable += 1;
                if days > l {
                    over += 1;
                    if passage == Passage::Bygglov && days > super::BYGGLOV_EXTENDED_LIMIT_DAYS {
                        over_ext += 1;
                    }
                }
            }
        }
        let mean =
            (!durations.is_empty()).then(|| durations.iter().sum::<f64>() / durations.len() as f64);
        let throughput = in_window as f64 / quarters as f64;
        // Little's law: L = λ·W with λ per day (a quarter is 365.25/4 days).
        let littles = mean.map(|w| throughput / (365.25 / 4.0) * w);
        stages.push(StageStats {
            stage: passage,
            projects_waiting: waiting,
            dwellings_waiting,
            passages: durations.len(),
            median_days: percentile(&durations, 50.0),
            p80_days: percentile(&durations, 80.0),
            mean_days: mean,
            oldest_waiting_days: oldest,
            dwelling_days_waiting: dwelling_days,
            throughput_per_quarter: throughput,
            littles_law_wip: littles,
            legal_limit_days: limit_seen.or_else(|| passage.legal_limit_days(false)),
            limit_applicable: applicable,
            over_limit: over,
            share_over_limit: (applicable > 0).then(|| over as f64 / applicable as f64),
            fee_reduction_fees: (passage == Passage::Bygglov).then_some(fee),
            over_extended_limit: (passage == Passage::Bygglov).then_some(over_ext),
            expected_days: expected.days(passage, false).0,
            expected_days_appealed: (passage == Passage::LagaKraft)
                .then(|| expected.days(passage, true).0),
            expected_basis: expected.days(passage, false).1,
            delay_passages,
            late_passages: late,
            excess_dwelling_days: excess,
        });
    }
    let bottleneck = stages
        .iter()
        .filter(|s| s.excess_dwelling_days > 0.0)
        .max_by(|a, b| a.excess_dwelling_days.total_cmp(&b.excess_dwelling_days))
        .map(|s| s.stage);

    let adopted: Vec<&Project> = projects
        .iter()
        .filter(|p| p.dates.get(ProjectStage::Antagande).is_some())
        .collect();
    let appeal_rate = (!adopted.is_empty())
        .then(|| adopted.iter().filter(|p| p.appealed).count() as f64 / adopted.len() as f64);
    let plan_to_start: Vec<f64> = projects
        .iter()
        .filter_map(|p| {
            let a = p.dates.get(ProjectStage::Planuppdrag)?;
            let b = p.dates.get(ProjectStage::Startbesked)?;
            (b >= a).then(|| (b - a).num_days() as f64)
        })
        .collect();
    BottleneckReport {
        as_of: Some(as_of),
        note: projects.is_empty().then(|| NO_PIPELINE.to_string()),
        stages,
        bottleneck,
        anslag_estimated: dates.iter().filter(|m| m.anslag_estimated).count(),
        appeal_rate,
        median_plan_to_start_days: percentile(&plan_to_start, 50.0),
        projects: statuses,
        throughput_quarters: quarters,
        districts: Vec::new(),
    }
}
