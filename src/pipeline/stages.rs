//! The passages of the building process and their statutory time limits.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{Project, ProjectStage, StageDates};

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
    /// Antagande → anslag: the minutes are justified and the justification posted on the
    /// municipality's notice board (at the latest 14 + 2 days, kommunallagen 5 kap. 69 § and
    /// 8 kap. 12 §).
    Anslag,
    /// Anslag → laga kraft (3 weeks from the posting when not appealed, kommunallagen 13 kap.
    /// 5 §, PBL 13 kap. 16 §).
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
    pub const ALL: [Passage; 11] = [
        Self::Planbesked,
        Self::Planuppdrag,
        Self::Samrad,
        Self::Granskning,
        Self::Antagande,
        Self::Anslag,
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
            Self::Anslag => "anslag",
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
    /// - anslag: the minutes justified within 14 days of the meeting (kommunallagen 5 kap.
    ///   69 §) and the justification posted at the latest the second day after (8 kap. 12 §):
    ///   16 days from the adoption;
    /// - laga kraft: 3 weeks from the posting (anslag) when the plan is not appealed (21 days;
    ///   kommunallagen 13 kap. 5 §, PBL 13 kap. 16 §), not 3 weeks from the adoption;
    /// - bygglov: 10 weeks from a complete application (70 days; the extension by another
    ///   10 weeks is reported separately, see [`BYGGLOV_EXTENDED_LIMIT_DAYS`]).
    pub fn legal_limit_days(self, appealed: bool) -> Option<i64> {
        match self {
            Self::Planbesked => Some(PLANBESKED_LIMIT_DAYS),
            Self::Anslag => Some(ANSLAG_LIMIT_DAYS),
            Self::LagaKraft if !appealed => Some(LAGA_KRAFT_LIMIT_DAYS),
            Self::Bygglov => Some(BYGGLOV_LIMIT_DAYS),
            _ => None,
        }
    }
}

/// Planbesked: 4 months (PBL 5 kap. 2 §), counted as 122 days.
pub const PLANBESKED_LIMIT_DAYS: i64 = 122;
/// Anslag: at the latest 16 days after the adoption (minutes justified within 14 days,
/// kommunallagen 5 kap. 69 §; the justification posted at the latest the second day after,
/// 8 kap. 12 §).
pub const ANSLAG_LIMIT_DAYS: i64 = 16;
/// Laga kraft: 3 weeks from the day the justified adoption minutes are posted on the notice
/// board (anslag), when not appealed (kommunallagen 13 kap. 5 §, PBL 13 kap. 16 §).
pub const LAGA_KRAFT_LIMIT_DAYS: i64 = 21;
/// The anslag date assumed when a project records none: the adoption date plus 7 days (the
/// minutes are commonly justified within a week of the meeting and posted the same or the next
/// day; the law allows up to 16 days, [`ANSLAG_LIMIT_DAYS`]).
pub const ANSLAG_DEFAULT_LAG_DAYS: i64 = 7;
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

/// The milestone dates the analysis works with: the recorded ones, and an anslag date estimated
/// when the project records none.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestones {
    /// Dates indexed like [`ProjectStage::ALL`].
    pub dates: StageDates,
    /// True when the anslag date is estimated (see [`milestones`]), not recorded.
    pub anslag_estimated: bool,
}

/// The dates of `project` as the analysis on `as_of` uses them.
///
/// When the project has an adoption (antagande) but no anslag date, the anslag is estimated as
/// `antagande + ANSLAG_DEFAULT_LAG_DAYS` (7 days), and no later than the next recorded
/// milestone (a plan in force has been posted). When that estimate lies after `as_of` and no
/// later milestone is recorded, the minutes are taken as not yet posted: the project waits in
/// [`Passage::Anslag`].
///
/// ```
/// use chrono::NaiveDate;
/// use housing_need::domain::{DwellingType, Project, ProjectStage, StageDates, Tenure};
/// use housing_need::pipeline::milestones;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let mut dates = StageDates::default();
/// dates.set(ProjectStage::Antagande, Some(d("2018-03-05")));
/// let p = Project {
///     id: "P".into(), name: "P".into(), district: None, geometry: None,
///     geometry_lonlat: None, dwellings: 10.0, dwelling_type: DwellingType::Smahus,
///     tenure: Tenure::Aganderatt, dates, appealed: false,
/// };
/// let m = milestones(&p, d("2018-12-31"));
/// assert!(m.anslag_estimated);
/// assert_eq!(m.dates.get(ProjectStage::Anslag), Some(d("2018-03-12")));
/// // Four days after the adoption the minutes are not taken as posted yet.
/// assert_eq!(milestones(&p, d("2018-03-09")).dates.get(ProjectStage::Anslag), None);
/// ```
pub fn milestones(project: &Project, as_of: NaiveDate) -> Milestones {
    let mut dates = project.dates.clone();
    let mut anslag_estimated = false;
    if let (Some(adopted), None) = (
        dates.get(ProjectStage::Antagande),
        dates.get(ProjectStage::Anslag),
    ) {
        let estimate = adopted + chrono::Duration::days(ANSLAG_DEFAULT_LAG_DAYS);
        let next_recorded = ProjectStage::ALL[ProjectStage::Anslag as usize + 1..]
            .iter()
            .find_map(|s| dates.get(*s));
        let estimate = match next_recorded {
            Some(next) => Some(estimate.min(next).max(adopted)),
            None => (estimate <= as_of).then_some(estimate),
        };
        if estimate.is_some() {
            dates.set(ProjectStage::Anslag, estimate);
            anslag_estimated = true;
        }
    }
    Milestones {
        dates,
        anslag_estimated,
    }
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
    /// True when the anslag date the analysis uses is estimated from the adoption date (the
    /// project records none).
    pub anslag_estimated: bool,
    /// Data problems that made some passages unusable (dates out of order, future dates).
    pub date_problems: Vec<String>,
}

/// Status of `project` on `as_of` (with the anslag date of [`milestones`]).
pub fn project_status(project: &Project, as_of: NaiveDate) -> ProjectStatus {
    // Problems are those of the recorded dates; an estimate is never out of order.
    let mut problems = Vec::new();
    let mut prev: Option<(ProjectStage, NaiveDate)> = None;
    for stage in ProjectStage::ALL {
        if let Some(d) = project.dates.get(stage) {
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
    let m = milestones(project, as_of);
    let dates = &m.dates;
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
        anslag_estimated: m.anslag_estimated,
        date_problems: problems,
    }
}
