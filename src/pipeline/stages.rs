//! The passages of the building process and their statutory time limits.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{Project, ProjectStage};

/// A stage a project waits in: the passage from one milestone to the next.
///
/// A project is *in* the stage after its last dated milestone: with `planbesked_request` as its
/// last date it waits in [`Passage::Planbesked`] (for the municipality's planbesked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Passage {
    /// Request → planbesked (legal limit 4 months, PBL 5 kap. 2 §).
    Planbesked,
    /// Planbesked → planuppdrag (the plan is started).
    Planuppdrag,
    /// Planuppdrag → samråd (consultation on a draft plan).
    Samrad,
    /// Samråd → granskning (review).
    Granskning,
    /// Granskning → antagande (adoption).
    Antagande,
    /// Antagande → laga kraft (3 weeks when not appealed).
    LagaKraft,
    /// Laga kraft → complete bygglov application.
    BygglovApplication,
    /// Complete application → bygglov decision (10 weeks, extendable once by 10, PBL 9 kap. 27 §).
    Bygglov,
    /// Bygglov → startbesked.
    Startbesked,
    /// Startbesked → slutbesked / inflyttning (construction).
    Construction,
}

impl Passage {
    /// All passages in process order.
    pub const ALL: [Passage; 10] = [
        Self::Planbesked,
        Self::Planuppdrag,
        Self::Samrad,
        Self::Granskning,
        Self::Antagande,
        Self::LagaKraft,
        Self::BygglovApplication,
        Self::Bygglov,
        Self::Startbesked,
        Self::Construction,
    ];

    /// Stable code used in outputs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Planbesked => "planbesked",
            Self::Planuppdrag => "planuppdrag",
            Self::Samrad => "samrad",
            Self::Granskning => "granskning",
            Self::Antagande => "antagande",
            Self::LagaKraft => "laga_kraft",
            Self::BygglovApplication => "bygglov_application",
            Self::Bygglov => "bygglov",
            Self::Startbesked => "startbesked",
            Self::Construction => "construction",
        }
    }

    /// The milestone that opens this passage.
    pub fn start(self) -> ProjectStage {
        ProjectStage::ALL[self as usize]
    }

    /// The milestone that closes this passage.
    pub fn end(self) -> ProjectStage {
        ProjectStage::ALL[self as usize + 1]
    }

    /// The passage that waits for `milestone` to be reached (`None` for the first milestone).
    pub fn ending_at(milestone: ProjectStage) -> Option<Passage> {
        (milestone as usize).checked_sub(1).map(|i| Self::ALL[i])
    }

    /// Statutory time limit in days, where the law sets one:
    /// - planbesked: 4 months from the request (PBL 5 kap. 2 §), taken as 122 days;
    /// - laga kraft: 3 weeks after adoption when the plan is not appealed (21 days);
    /// - bygglov: 10 weeks from a complete application (70 days; the extension by another
    ///   10 weeks is reported separately, see [`BYGGLOV_EXTENDED_LIMIT_DAYS`]).
    pub fn legal_limit_days(self, appealed: bool) -> Option<i64> {
        match self {
            Self::Planbesked => Some(PLANBESKED_LIMIT_DAYS),
            Self::LagaKraft if !appealed => Some(LAGA_KRAFT_LIMIT_DAYS),
            Self::Bygglov => Some(BYGGLOV_LIMIT_DAYS),
            _ => None,
        }
    }
}

/// Planbesked: 4 months (PBL 5 kap. 2 §), counted as 122 days.
pub const PLANBESKED_LIMIT_DAYS: i64 = 122;
/// Laga kraft: 3 weeks after the adoption is announced, when not appealed.
pub const LAGA_KRAFT_LIMIT_DAYS: i64 = 21;
/// Bygglov: 10 weeks from a complete application (PBL 9 kap. 27 §).
pub const BYGGLOV_LIMIT_DAYS: i64 = 70;
/// Bygglov with the one extension the law allows: 20 weeks.
pub const BYGGLOV_EXTENDED_LIMIT_DAYS: i64 = 140;

/// Fee reduction owed for a late bygglov decision, as a share of the fee: one fifth for every
/// started week beyond the time limit (PBL 12 kap. 8 a §), at most the whole fee.
///
/// `reduction = min(1, ⌈days_over / 7⌉ / 5)`
///
/// ```
/// use housing_need::pipeline::fee_reduction_share;
/// assert_eq!(fee_reduction_share(0), 0.0);
/// assert_eq!(fee_reduction_share(1), 0.2);   // one started week
/// assert_eq!(fee_reduction_share(8), 0.4);   // two started weeks
/// assert_eq!(fee_reduction_share(40), 1.0);  // six started weeks: the whole fee
/// ```
pub fn fee_reduction_share(days_over: i64) -> f64 {
    if days_over <= 0 {
        return 0.0;
    }
    let started_weeks = (days_over + 6) / 7;
    (started_weeks as f64 / 5.0).min(1.0)
}

/// Where one project stands on the snapshot date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectStatus {
    /// Project id.
    pub project: String,
    /// The passage it waits in; `None` when completed (inflyttning reached) or not started.
    pub stage: Option<Passage>,
    /// True when inflyttning is reached.
    pub completed: bool,
    /// Days since the last milestone (for a waiting project).
    pub days_in_stage: Option<i64>,
    /// True when the current wait exceeds the stage's legal limit.
    pub over_limit: bool,
    /// Days beyond the legal limit (0 when within it or no limit applies).
    pub days_over: i64,
    /// Data problems that made some passages unusable (dates out of order, future dates).
    pub date_problems: Vec<String>,
}

/// Status of `project` on `as_of`.
pub fn project_status(project: &Project, as_of: NaiveDate) -> ProjectStatus {
    let dates = &project.dates;
    let mut problems = Vec::new();
    let mut prev: Option<(ProjectStage, NaiveDate)> = None;
    for stage in ProjectStage::ALL {
        if let Some(d) = dates.get(stage) {
            if d > as_of {
                problems.push(format!(
                    "{} {d} is after the snapshot date {as_of}",
                    stage.code()
                ));
            }
            if let Some((ps, pd)) = prev {
                if d < pd {
                    problems.push(format!("{} {d} is before {} {pd}", stage.code(), ps.code()));
                }
            }
            prev = Some((stage, d));
        }
    }
    let last = dates.last_reached();
    let completed = last == Some(ProjectStage::Inflyttning);
    let stage = match last {
        Some(s) if !completed => Passage::ALL.get(s as usize).copied(),
        _ => None,
    };
    let days_in_stage = match (stage, last.and_then(|s| dates.get(s))) {
        (Some(_), Some(d)) => Some((as_of - d).num_days().max(0)),
        _ => None,
    };
    let limit = stage.and_then(|p| p.legal_limit_days(project.appealed));
    let days_over = match (limit, days_in_stage) {
        (Some(l), Some(d)) if d > l => d - l,
        _ => 0,
    };
    ProjectStatus {
        project: project.id.clone(),
        stage,
        completed,
        days_in_stage,
        over_limit: days_over > 0,
        days_over,
        date_problems: problems,
    }
}
