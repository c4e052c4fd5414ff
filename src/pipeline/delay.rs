//! Expected duration of each stage, and the delay beyond it that names the bottleneck.
//!
//! Raw waiting (dwellings × days in a stage) always names construction: building takes years
//! even when nothing goes wrong. The building-process team asks where projects take *longer
//! than they should*, so every stage gets an expected duration — the statutory limit where the
//! law sets one, otherwise a documented expected duration — and the bottleneck is the stage
//! with the most dwelling-days beyond it. Sources are in `docs/bottlenecks.md`.

use serde::{Deserialize, Serialize};

use super::stages::{
    Passage, ANSLAG_LIMIT_DAYS, BYGGLOV_LIMIT_DAYS, LAGA_KRAFT_LIMIT_DAYS, PLANBESKED_LIMIT_DAYS,
};

/// Where a stage's expected duration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationBasis {
    /// A time limit set by law (planbesked, anslag, laga kraft, bygglov).
    Statutory,
    /// A documented expected duration (national figures or our assumption; a parameter).
    Expected,
}

/// Expected durations, in days, of the stages without a statutory limit, and of an appealed
/// plan's way to laga kraft. The defaults and their sources are in `docs/bottlenecks.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpectedDurations {
    /// Planbesked → planuppdrag (default 90: the plan is started within a quarter).
    pub planuppdrag: i64,
    /// Planuppdrag → samråd (default 365).
    pub samrad: i64,
    /// Samråd → granskning (default 180).
    pub granskning: i64,
    /// Granskning → antagande (default 180; with the two before, planuppdrag → antagande in
    /// two years and samråd → antagande in one, SKR's national medians).
    pub antagande: i64,
    /// Anslag → laga kraft of an appealed plan (default 182: the 21-day appeal period and the
    /// courts' mean 5.3 months, 161 days).
    pub laga_kraft_appealed: i64,
    /// Laga kraft → complete bygglov application (default 365).
    pub bygglov_application: i64,
    /// Bygglov → startbesked (default 90).
    pub startbesked: i64,
    /// Startbesked → inflyttning (default 730: two years of construction).
    pub construction: i64,
}

impl Default for ExpectedDurations {
    fn default() -> Self {
        Self {
            planuppdrag: 90,
            samrad: 365,
            granskning: 180,
            antagande: 180,
            laga_kraft_appealed: LAGA_KRAFT_LIMIT_DAYS + 161,
            bygglov_application: 365,
            startbesked: 90,
            construction: 730,
        }
    }
}

impl ExpectedDurations {
    /// Expected duration of `passage` for a project (`appealed`: its plan was appealed), and
    /// where it comes from. Statutory limits are fixed by law: planbesked 122 days, anslag 16,
    /// laga kraft 21 from the anslag (unless appealed), bygglov 70.
    ///
    /// ```
    /// use housing_need::pipeline::{DurationBasis, ExpectedDurations, Passage};
    /// let e = ExpectedDurations::default();
    /// assert_eq!(e.days(Passage::Bygglov, false), (70, DurationBasis::Statutory));
    /// assert_eq!(e.days(Passage::LagaKraft, false), (21, DurationBasis::Statutory));
    /// assert_eq!(e.days(Passage::LagaKraft, true), (182, DurationBasis::Expected));
    /// assert_eq!(e.days(Passage::Construction, false), (730, DurationBasis::Expected));
    /// ```
    pub fn days(&self, passage: Passage, appealed: bool) -> (i64, DurationBasis) {
        use DurationBasis::{Expected, Statutory};
        match passage {
            Passage::Planbesked => (PLANBESKED_LIMIT_DAYS, Statutory),
            Passage::Planuppdrag => (self.planuppdrag, Expected),
            Passage::Samrad => (self.samrad, Expected),
            Passage::Granskning => (self.granskning, Expected),
            Passage::Antagande => (self.antagande, Expected),
            Passage::Anslag => (ANSLAG_LIMIT_DAYS, Statutory),
            Passage::LagaKraft if appealed => (self.laga_kraft_appealed, Expected),
            Passage::LagaKraft => (LAGA_KRAFT_LIMIT_DAYS, Statutory),
            Passage::BygglovApplication => (self.bygglov_application, Expected),
            Passage::Bygglov => (BYGGLOV_LIMIT_DAYS, Statutory),
            Passage::Startbesked => (self.startbesked, Expected),
            Passage::Construction => (self.construction, Expected),
        }
    }
}

impl ExpectedDurations {
    /// Each parameter with its key under `[bottlenecks.expected_days]`.
    fn entries(&self) -> [(&'static str, i64); 8] {
        [
            ("planuppdrag", self.planuppdrag),
            ("samrad", self.samrad),
            ("granskning", self.granskning),
            ("antagande", self.antagande),
            ("laga_kraft_appealed", self.laga_kraft_appealed),
            ("bygglov_application", self.bygglov_application),
            ("startbesked", self.startbesked),
            ("construction", self.construction),
        ]
    }
}

/// `[bottlenecks]` in the manifest: parameters of the bottleneck analysis; every one has a
/// default.
///
/// ```toml
/// [bottlenecks.expected_days]
/// samrad = 270        # the municipality's own target from planuppdrag to samråd
/// construction = 540
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BottleneckParams {
    /// Expected durations, in days, of the stages without a statutory limit.
    pub expected_days: ExpectedDurations,
}

impl BottleneckParams {
    /// Problems with the parameters, each naming its key (`bottlenecks.expected_days.samrad`).
    pub fn validate(&self) -> Vec<String> {
        self.expected_days
            .entries()
            .iter()
            .filter(|(_, v)| *v < 0)
            .map(|(k, v)| format!("bottlenecks.expected_days.{k}: {v} days is negative"))
            .collect()
    }
}

/// Dwelling-days beyond the expected duration of one passage (completed or still waiting):
/// `dwellings × max(0, days − expected)`.
///
/// ```
/// use housing_need::pipeline::excess_dwelling_days;
/// assert_eq!(excess_dwelling_days(10.0, 100, 70), 300.0);
/// assert_eq!(excess_dwelling_days(10.0, 60, 70), 0.0);
/// ```
pub fn excess_dwelling_days(dwellings: f64, days: i64, expected: i64) -> f64 {
    dwellings * (days - expected).max(0) as f64
}
