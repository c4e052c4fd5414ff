//! Building-process bottlenecks on hand-made pipelines with known medians, P80, WIP and
//! over-limit counts.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failed test

use approx::assert_relative_eq;
use chrono::NaiveDate;
use housing_need::domain::{DwellingType, Project, ProjectStage, StageDates, Tenure};
use housing_need::pipeline::{analyze, project_status, Passage};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn project(id: &str, dwellings: f64, dates: &[(ProjectStage, &str)], appealed: bool) -> Project {
    let mut sd = StageDates::default();
    for (stage, date) in dates {
        sd.set(*stage, Some(d(date)));
    }
    Project {
        id: id.into(),
        name: id.into(),
        district: Some(0),
        geometry: None,
        geometry_lonlat: None,
        dwellings,
        dwelling_type: DwellingType::Flerbostadshus,
        tenure: Tenure::Hyresratt,
        dates: sd,
        appealed,
    }
}

/// Five bygglov decisions taking 50, 60, 80, 100 and 160 days, and two applications waiting.
fn bygglov_pipeline() -> Vec<Project> {
    use ProjectStage::*;
    let app = "2018-01-01";
    let mut v: Vec<Project> = [(50, "A"), (60, "B"), (80, "C"), (100, "D"), (160, "E")]
        .iter()
        .map(|(days, id)| {
            let decision = d(app) + chrono::Duration::days(*days);
            let decision = decision.format("%Y-%m-%d").to_string();
            project(
                id,
                10.0,
                &[(BygglovApplication, app), (BygglovDecision, &decision)],
                false,
            )
        })
        .collect();
    v.push(project(
        "W1",
        10.0,
        &[(BygglovApplication, "2018-10-01")],
        false,
    ));
    v.push(project(
        "W2",
        20.0,
        &[(BygglovApplication, "2018-12-01")],
        false,
    ));
    v
}

#[test]
fn bygglov_lead_times_wip_and_limits() {
    let report = analyze(&bygglov_pipeline(), d("2018-12-31"), 4);
    let s = report
        .stages
        .iter()
        .find(|s| s.stage == Passage::Bygglov)
        .unwrap();
    assert_eq!(s.passages, 5);
    assert_relative_eq!(s.median_days.unwrap(), 80.0);
    // h = 4 · 0.8 = 3.2 → 100 + 0.2 · (160 − 100) = 112
    assert_relative_eq!(s.p80_days.unwrap(), 112.0);
    assert_eq!(s.projects_waiting, 2);
    assert_relative_eq!(s.dwellings_waiting, 30.0);
    // W1 has waited 91 days, W2 30 days.
    assert_eq!(s.oldest_waiting_days, Some(91));
    assert_relative_eq!(s.dwelling_days_waiting, 10.0 * 91.0 + 20.0 * 30.0);
    // Over 70 days: C (80), D (100), E (160) and the waiting W1 (91).
    assert_eq!(s.limit_applicable, 7);
    assert_eq!(s.over_limit, 4);
    assert_relative_eq!(s.share_over_limit.unwrap(), 4.0 / 7.0);
    // Fee reductions: C 10 days over → 2 started weeks → 2/5; D 30 → 5 weeks → 1; E → 1.
    assert_relative_eq!(s.fee_reduction_fees.unwrap(), 2.4);
    assert_eq!(s.over_extended_limit, Some(1));
    // The five decided projects now wait for startbesked: 314 + 304 + 284 + 264 + 204 days
    // × 10 dwellings = 13,700 dwelling-days against bygglov's 1,510: that is the bottleneck.
    let st = &report.stages[Passage::Startbesked as usize];
    assert_relative_eq!(st.dwelling_days_waiting, 13_700.0);
    assert_eq!(report.bottleneck, Some(Passage::Startbesked));
}

#[test]
fn throughput_counts_passages_ending_in_the_window() {
    // Decisions on 2018-02-20, 03-02, 03-22, 04-11 and 06-10: all in 2018, four quarters
    // ending 2018Q4 → 5 / 4 per quarter.
    let report = analyze(&bygglov_pipeline(), d("2018-12-31"), 4);
    let s = &report.stages[Passage::Bygglov as usize];
    assert_relative_eq!(s.throughput_per_quarter, 1.25);
    // Little's law: λ = 1.25 / 91.3125 per day, W = mean(50, 60, 80, 100, 160) = 90 days.
    assert_relative_eq!(
        s.littles_law_wip.unwrap(),
        1.25 / (365.25 / 4.0) * 90.0,
        max_relative = 1e-12
    );
    // Two quarters (2018Q3–Q4): none of the decisions fall there.
    let report = analyze(&bygglov_pipeline(), d("2018-12-31"), 2);
    assert_relative_eq!(
        report.stages[Passage::Bygglov as usize].throughput_per_quarter,
        0.0
    );
}

#[test]
fn project_is_in_the_stage_after_its_last_date() {
    use ProjectStage::*;
    let p = project(
        "P",
        40.0,
        &[
            (Planbesked, "2016-01-10"),
            (Planuppdrag, "2016-03-01"),
            (Samrad, "2017-05-01"),
        ],
        false,
    );
    let s = project_status(&p, d("2018-12-31"));
    assert_eq!(s.stage, Some(Passage::Granskning));
    assert_eq!(
        s.days_in_stage,
        Some((d("2018-12-31") - d("2017-05-01")).num_days())
    );
    assert!(!s.over_limit, "granskning has no statutory limit");
    assert!(!s.completed);
}

#[test]
fn laga_kraft_limit_applies_only_without_appeal() {
    use ProjectStage::*;
    let plain = project("P", 10.0, &[(Antagande, "2018-11-01")], false);
    let appealed = project("Q", 10.0, &[(Antagande, "2018-11-01")], true);
    let s = project_status(&plain, d("2018-12-31"));
    assert_eq!(s.stage, Some(Passage::LagaKraft));
    assert!(s.over_limit);
    assert_eq!(s.days_over, 60 - 21);
    let s = project_status(&appealed, d("2018-12-31"));
    assert!(!s.over_limit);
    let report = analyze(&[plain, appealed], d("2018-12-31"), 4);
    assert_relative_eq!(report.appeal_rate.unwrap(), 0.5);
}

#[test]
fn planbesked_over_four_months() {
    use ProjectStage::*;
    let late = project(
        "L",
        5.0,
        &[
            (PlanbeskedRequest, "2018-01-01"),
            (Planbesked, "2018-06-01"),
        ],
        false,
    );
    let on_time = project(
        "T",
        5.0,
        &[
            (PlanbeskedRequest, "2018-01-01"),
            (Planbesked, "2018-03-01"),
        ],
        false,
    );
    let report = analyze(&[late, on_time], d("2018-12-31"), 4);
    let s = &report.stages[Passage::Planbesked as usize];
    assert_eq!(s.over_limit, 1);
    assert_eq!(s.limit_applicable, 2);
    assert_eq!(s.legal_limit_days, Some(122));
}

#[test]
fn out_of_order_and_future_dates_are_reported_not_fatal() {
    use ProjectStage::*;
    let broken = project(
        "X",
        12.0,
        &[
            (Planuppdrag, "2017-06-01"),
            (Samrad, "2017-01-01"),
            (Granskning, "2019-05-01"),
        ],
        false,
    );
    let s = project_status(&broken, d("2018-12-31"));
    assert_eq!(s.date_problems.len(), 2, "{:?}", s.date_problems);
    assert!(s.date_problems.iter().any(|m| m.contains("before")));
    assert!(s
        .date_problems
        .iter()
        .any(|m| m.contains("after the snapshot")));
    let report = analyze(&[broken], d("2018-12-31"), 4);
    // The reversed passage and the future one are not counted as lead times.
    assert_eq!(report.stages[Passage::Samrad as usize].passages, 0);
    assert_eq!(report.stages[Passage::Granskning as usize].passages, 0);
    assert_eq!(report.projects.len(), 1);
}

#[test]
fn completed_project_waits_nowhere() {
    use ProjectStage::*;
    let done = project(
        "D",
        30.0,
        &[(Startbesked, "2016-01-01"), (Inflyttning, "2017-09-01")],
        false,
    );
    let s = project_status(&done, d("2018-12-31"));
    assert!(s.completed);
    assert_eq!(s.stage, None);
    let report = analyze(&[done], d("2018-12-31"), 4);
    assert!(report.stages.iter().all(|s| s.projects_waiting == 0));
    assert_eq!(report.bottleneck, None);
    assert_relative_eq!(
        report.stages[Passage::Construction as usize]
            .median_days
            .unwrap(),
        (d("2017-09-01") - d("2016-01-01")).num_days() as f64
    );
}
