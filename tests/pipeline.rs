//! Building-process bottlenecks on hand-made pipelines with known medians, P80, WIP and
//! over-limit counts.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failed test

use approx::assert_relative_eq;
use chrono::NaiveDate;
use housing_need::domain::{DwellingType, Project, ProjectStage, StageDates, Tenure};
use housing_need::pipeline::{
    analyze, analyze_with, district_coverage, milestones, project_status, DistrictCoverage,
    ExpectedDurations, Passage,
};

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
    // Beyond the 70 days: C 10, D 30, E 90 days and the waiting W1 21 days, × 10 dwellings.
    assert_eq!((s.late_passages, s.delay_passages), (4, 7));
    assert_relative_eq!(s.excess_dwelling_days, 10.0 * (10.0 + 30.0 + 90.0 + 21.0));
    // The five decided projects now wait for startbesked: 314, 304, 284, 264 and 204 days
    // × 10 dwellings = 13,700 dwelling-days; beyond the expected 90 days: 224 + 214 + 194 +
    // 174 + 114 = 920 days × 10 = 9,200 against bygglov's 1,510: that is the bottleneck.
    let st = &report.stages[Passage::Startbesked as usize];
    assert_relative_eq!(st.dwelling_days_waiting, 13_700.0);
    assert_relative_eq!(st.excess_dwelling_days, 9_200.0);
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
    assert!(s.anslag_estimated);
    // No anslag recorded: posted 2018-11-08 (adoption + 7 days), 53 days before the snapshot.
    assert_eq!(s.days_in_stage, Some(53));
    assert_eq!(s.days_over, 53 - 21);
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

#[test]
fn laga_kraft_counts_three_weeks_from_the_posting_not_from_the_adoption() {
    use ProjectStage::*;
    // Adopted 1 November, minutes posted 20 November (19 days: over the 14 + 2 days of
    // kommunallagen), in force 11 December: 40 days after the adoption but exactly the
    // 21 days of the appeal period after the posting.
    let p = project(
        "P",
        30.0,
        &[
            (Antagande, "2018-11-01"),
            (Anslag, "2018-11-20"),
            (LagaKraft, "2018-12-11"),
        ],
        false,
    );
    let report = analyze(&[p], d("2018-12-31"), 4);
    let lk = &report.stages[Passage::LagaKraft as usize];
    assert_eq!(lk.passages, 1);
    assert_relative_eq!(lk.median_days.unwrap(), 21.0);
    assert_eq!((lk.over_limit, lk.limit_applicable), (0, 1));
    assert_relative_eq!(lk.excess_dwelling_days, 0.0);
    let anslag = &report.stages[Passage::Anslag as usize];
    assert_eq!(anslag.legal_limit_days, Some(16));
    assert_eq!((anslag.over_limit, anslag.limit_applicable), (1, 1));
    assert_relative_eq!(anslag.excess_dwelling_days, 30.0 * 3.0);
    assert_eq!(report.anslag_estimated, 0);
    assert_eq!(report.bottleneck, Some(Passage::Anslag));
}

#[test]
fn a_missing_anslag_is_the_adoption_plus_seven_days_and_never_a_lead_time() {
    use ProjectStage::*;
    let as_of = d("2018-12-31");
    // In force 26 days after the adoption: 19 days after the estimated posting, within 21.
    let in_force = project(
        "F",
        10.0,
        &[(Antagande, "2018-10-01"), (LagaKraft, "2018-10-27")],
        false,
    );
    // In force 4 days after the adoption: the estimate is no later than laga kraft.
    let fast = project(
        "G",
        10.0,
        &[(Antagande, "2018-10-01"), (LagaKraft, "2018-10-05")],
        false,
    );
    // Adopted 3 days before the snapshot: the minutes are taken as not yet posted.
    let fresh = project("N", 10.0, &[(Antagande, "2018-12-28")], false);

    let m = milestones(&in_force, as_of);
    assert!(m.anslag_estimated);
    assert_eq!(m.dates.get(Anslag), Some(d("2018-10-08")));
    assert_eq!(
        milestones(&fast, as_of).dates.get(Anslag),
        Some(d("2018-10-05"))
    );
    let m = milestones(&fresh, as_of);
    assert!(!m.anslag_estimated);
    assert_eq!(m.dates.get(Anslag), None);
    let s = project_status(&fresh, as_of);
    assert_eq!(s.stage, Some(Passage::Anslag));
    assert_eq!(s.days_in_stage, Some(3));
    assert!(s.date_problems.is_empty());

    let report = analyze(&[in_force, fast, fresh], as_of, 4);
    assert_eq!(report.anslag_estimated, 2);
    let lk = &report.stages[Passage::LagaKraft as usize];
    assert_eq!(lk.passages, 2);
    assert_eq!((lk.over_limit, lk.limit_applicable), (0, 2));
    assert_relative_eq!(lk.median_days.unwrap(), (19.0 + 0.0) / 2.0);
    // Estimated postings are not lead times of the anslag stage; the fresh one waits there.
    let anslag = &report.stages[Passage::Anslag as usize];
    assert_eq!(anslag.passages, 0);
    assert_eq!(anslag.projects_waiting, 1);
}

#[test]
fn an_appealed_plan_is_expected_to_take_the_courts_time() {
    use ProjectStage::*;
    // Posted 5 January, in force 1 September: 239 days from the posting, 57 beyond the
    // expected 21 + 161 days of an appealed plan.
    let p = project(
        "A",
        40.0,
        &[
            (Antagande, "2017-01-02"),
            (Anslag, "2017-01-05"),
            (LagaKraft, "2017-09-01"),
        ],
        true,
    );
    let report = analyze(&[p], d("2018-12-31"), 4);
    let lk = &report.stages[Passage::LagaKraft as usize];
    assert_eq!(lk.expected_days, 21);
    assert_eq!(lk.expected_days_appealed, Some(182));
    assert_eq!(
        lk.limit_applicable, 0,
        "the 3 weeks do not bind an appealed plan"
    );
    assert_eq!(lk.late_passages, 1);
    assert_relative_eq!(lk.excess_dwelling_days, 40.0 * 57.0);
}

/// Construction holds by far the most dwelling-days waiting, but within its expected duration.
fn waiting_pipeline() -> Vec<Project> {
    use ProjectStage::*;
    vec![
        // Building since 1 January 2017: 729 days, within the expected 730.
        project("C", 100.0, &[(Startbesked, "2017-01-01")], false),
        // A bygglov application waiting 121 days: 51 beyond the 10 weeks.
        project("B", 10.0, &[(BygglovApplication, "2018-09-01")], false),
        // A bygglov decided in 90 days (20 beyond), then waiting 274 days for startbesked
        // (184 beyond the expected 90).
        project(
            "D",
            20.0,
            &[
                (BygglovApplication, "2018-01-01"),
                (BygglovDecision, "2018-04-01"),
            ],
            false,
        ),
    ]
}

#[test]
fn the_bottleneck_is_the_stage_most_beyond_its_expected_duration() {
    let as_of = d("2018-12-31");
    let report = analyze(&waiting_pipeline(), as_of, 4);
    let construction = &report.stages[Passage::Construction as usize];
    assert_relative_eq!(construction.dwelling_days_waiting, 100.0 * 729.0);
    assert_relative_eq!(construction.excess_dwelling_days, 0.0);
    let bygglov = &report.stages[Passage::Bygglov as usize];
    assert_relative_eq!(bygglov.excess_dwelling_days, 10.0 * 51.0 + 20.0 * 20.0);
    assert_eq!((bygglov.late_passages, bygglov.delay_passages), (2, 2));
    let startbesked = &report.stages[Passage::Startbesked as usize];
    assert_relative_eq!(startbesked.excess_dwelling_days, 20.0 * 184.0);
    assert_eq!(report.bottleneck, Some(Passage::Startbesked));

    // With 400 days expected before startbesked, the bygglov decisions are the bottleneck.
    let expected = ExpectedDurations {
        startbesked: 400,
        ..ExpectedDurations::default()
    };
    let report = analyze_with(&waiting_pipeline(), as_of, 4, &expected);
    assert_relative_eq!(
        report.stages[Passage::Startbesked as usize].excess_dwelling_days,
        0.0
    );
    assert_eq!(report.bottleneck, Some(Passage::Bygglov));

    // The table shows why: each stage's excess beside its raw waiting.
    let text = housing_need::commands::bottlenecks::render_table(&report);
    println!("{text}");
    assert!(text.contains("excess dw-days"), "{text}");
    assert!(
        text.contains("Bottleneck: bygglov — 2 of 2 passages"),
        "{text}"
    );
    assert!(
        text.contains("construction holds the most dwelling-days waiting, 72,900, but only 0"),
        "{text}"
    );
}

#[test]
fn no_bottleneck_when_every_stage_keeps_its_expected_duration() {
    use ProjectStage::*;
    let p = project("C", 100.0, &[(Startbesked, "2017-01-01")], false);
    let report = analyze(&[p], d("2018-12-31"), 4);
    assert_eq!(report.bottleneck, None);
}

#[test]
fn anslag_shares_the_adoptions_completion_parameters_in_the_model() {
    use housing_need::model::{expected_completion, ModelParams};
    use ProjectStage::*;
    let params = ModelParams::default();
    let adopted = project("A", 10.0, &[(Antagande, "2018-03-01")], false);
    let posted = project(
        "B",
        10.0,
        &[(Antagande, "2018-03-01"), (Anslag, "2018-03-01")],
        false,
    );
    assert_eq!(
        expected_completion(&adopted, &params, 2018),
        expected_completion(&posted, &params, 2018)
    );
    // Startbesked keeps the last of the ten parameters.
    let started = project("S", 10.0, &[(Startbesked, "2018-03-01")], false);
    let (_, p) = expected_completion(&started, &params, 2018).unwrap();
    assert_relative_eq!(p, params.stage_completion_probability[9]);
}

mod coverage {
    use super::*;
    use housing_need::domain::{AgeBands, Dataset, District};
    use housing_need::model::{Cohorts, DemandRow, ModelRun};

    fn district(id: &str) -> District {
        District {
            id: id.into(),
            name: id.into(),
            geometry: geo::MultiPolygon(vec![]),
            geometry_lonlat: geo::MultiPolygon(vec![]),
        }
    }

    fn row(district: &str, year: i32, needed: f64, stock: f64, pipeline: f64) -> DemandRow {
        DemandRow {
            district: district.into(),
            name: district.into(),
            year,
            observed: false,
            population: 0.0,
            population_0_19: 0.0,
            population_20_64: 0.0,
            population_65_79: 0.0,
            population_80_plus: 0.0,
            households: 0.0,
            headship_calibration: 1.0,
            dwellings_needed: needed,
            dwellings_stock: stock,
            dwellings_pipeline: pipeline,
            gap: needed - stock - pipeline,
            gap_per_1000: f64::NAN,
            new_dwelling_movers: 0.0,
            housing_constrained: false,
            care_places_needed: 0.0,
            care_places_existing: 0.0,
            care_places_pipeline: 0.0,
            care_place_balance: 0.0,
            persons_in_care: 0.0,
            dependency_ratio: f64::NAN,
            small_flats_needed: 0.0,
            family_dwellings_needed: 0.0,
            accessible_flats_needed: 0.0,
            senior_dwellings_needed: 0.0,
        }
    }

    fn dataset(projects: Vec<Project>) -> Dataset {
        Dataset {
            name: "t".into(),
            municipality: None,
            bands: AgeBands::five_year(80),
            districts: vec![district("A"), district("B"), district("C")],
            population: vec![],
            residences: vec![],
            migration: vec![],
            dwellings: vec![],
            indicators: vec![],
            transit: vec![],
            projects,
            as_of: Some(d("2018-12-31")),
            series: Default::default(),
        }
    }

    fn run(rows: Vec<DemandRow>) -> ModelRun {
        ModelRun {
            base_year: 2018,
            horizon_year: 2028,
            first_year: 2018,
            rows,
            notes: vec![],
            scenario: "base".into(),
            levers: Default::default(),
            municipal: Vec::new(),
            cohorts: Cohorts {
                years: vec![],
                districts: 0,
                bands: 0,
                persons: vec![],
            },
        }
    }

    #[test]
    fn a_pipeline_beyond_the_need_covers_it_once() {
        use ProjectStage::*;
        let mut projects = vec![
            project("P1", 300.0, &[(Startbesked, "2018-05-01")], false),
            project("P2", 40.0, &[(Planuppdrag, "2018-05-01")], false),
            project(
                "P3",
                50.0,
                &[(Startbesked, "2016-05-01"), (Inflyttning, "2018-06-01")],
                false,
            ),
            project("P4", 20.0, &[(Startbesked, "2018-05-01")], false),
        ];
        projects[1].district = Some(1);
        projects[3].district = None;
        let ds = dataset(projects);
        // A needs 1,100 − 1,000 = 100 and expects 290: covered 100 (100 %), 190 beyond.
        // B needs 500 − 400 = 100 and expects 30: covered 30 %, 70 short.
        // C has more stock than need: nothing to cover.
        let run = run(vec![
            row("A", 2027, 1_090.0, 1_000.0, 280.0),
            row("A", 2028, 1_100.0, 1_000.0, 290.0),
            row("B", 2028, 500.0, 400.0, 30.0),
            row("C", 2028, 300.0, 320.0, 0.0),
        ]);
        let c = district_coverage(&ds, &run);
        assert_eq!(c.len(), 3);
        let a = &c[0];
        assert_eq!(
            (a.projects_in_pipeline, a.dwellings_in_pipeline),
            (1, 300.0)
        );
        assert_relative_eq!(a.need_by_horizon, 100.0);
        assert_relative_eq!(a.covered, 100.0);
        assert_relative_eq!(a.covered_share.unwrap(), 1.0);
        assert_relative_eq!(a.beyond_need, 190.0);
        assert_relative_eq!(a.shortfall, 0.0);
        let b = &c[1];
        assert_eq!((b.projects_in_pipeline, b.dwellings_in_pipeline), (1, 40.0));
        assert_relative_eq!(b.covered, 30.0);
        assert_relative_eq!(b.covered_share.unwrap(), 0.3);
        assert_relative_eq!(b.beyond_need, 0.0);
        assert_relative_eq!(b.shortfall, 70.0);
        let cc = &c[2];
        assert_relative_eq!(cc.need_by_horizon, -20.0);
        assert_eq!(cc.covered_share, None);
        assert_relative_eq!(cc.shortfall, 0.0);
    }

    /// The coverage as it was computed before it was indexed: a search over every model row
    /// and every project for each district.
    fn by_search(dataset: &Dataset, run: &ModelRun) -> Vec<(f64, usize, f64, f64)> {
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
                            && p.dates.last_reached() != Some(ProjectStage::Inflyttning)
                    })
                    .collect();
                let (need, expected) = row.map_or((0.0, 0.0), |r| {
                    (r.dwellings_needed - r.dwellings_stock, r.dwellings_pipeline)
                });
                (
                    open.iter().map(|p| p.dwellings).sum(),
                    open.len(),
                    need,
                    expected,
                )
            })
            .collect()
    }

    #[test]
    fn indexed_coverage_equals_the_search_on_the_default_dataset() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let m = housing_need::config::Manifest::load(
            &root.join("geodata/alingsas-sample/alingsas-sample.toml"),
        )
        .unwrap();
        let ds = housing_need::ingest::load(&m).unwrap();
        let run = housing_need::model::run(&ds, &m.model);
        let indexed = district_coverage(&ds, &run);
        let searched = by_search(&ds, &run);
        assert_eq!(indexed.len(), searched.len());
        for (c, (in_pipe, projects, need, expected)) in indexed.iter().zip(searched) {
            let DistrictCoverage {
                dwellings_in_pipeline,
                projects_in_pipeline,
                need_by_horizon,
                expected_by_horizon,
                ..
            } = c;
            assert_eq!(*dwellings_in_pipeline, in_pipe, "{}", c.district);
            assert_eq!(*projects_in_pipeline, projects, "{}", c.district);
            assert_eq!(*need_by_horizon, need, "{}", c.district);
            assert_eq!(*expected_by_horizon, expected, "{}", c.district);
            // Never covered more than once, whatever the pipeline holds.
            assert!(c.covered <= need.max(0.0) + 1e-9, "{}", c.district);
            assert!(c.covered_share.is_none_or(|s| s <= 1.0), "{}", c.district);
            assert_relative_eq!(c.covered + c.beyond_need, expected, epsilon = 1e-9);
        }
        assert!(indexed.iter().any(|c| c.beyond_need > 0.0));
    }
}

/// The default manifest with its paths made absolute and `extra` appended, written to a
/// temporary folder.
fn default_manifest_with(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample");
    let text = std::fs::read_to_string(root.join("alingsas-sample.toml")).unwrap();
    let dir = root.display().to_string();
    let text = text
        .replace("source = \"", &format!("source = \"{dir}/"))
        .replace("path = \"", &format!("path = \"{dir}/"));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.toml");
    std::fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    (tmp, path)
}

#[test]
fn expected_durations_come_from_the_manifest() {
    use housing_need::config::Manifest;
    let (_tmp, path) = default_manifest_with("[bottlenecks.expected_days]\nsamrad = 1200\n");
    let m = Manifest::load(&path).unwrap();
    assert_eq!(m.bottlenecks.expected_days.samrad, 1200);
    assert_eq!(m.bottlenecks.expected_days.construction, 730);
    let ds = housing_need::ingest::load(&m).unwrap();
    let by_default = housing_need::pipeline::analyze_dataset(&ds, 8);
    assert_eq!(by_default.bottleneck, Some(Passage::Samrad));
    let analysis = housing_need::analysis::Analysis::compute(&ds, &m);
    let report = &analysis.bottlenecks;
    assert_eq!(report.stages[Passage::Samrad as usize].expected_days, 1200);
    // Without samråd's delay, the next largest excess is the bottleneck.
    let largest = report
        .stages
        .iter()
        .max_by(|a, b| a.excess_dwelling_days.total_cmp(&b.excess_dwelling_days))
        .unwrap();
    assert_ne!(report.bottleneck, Some(Passage::Samrad));
    assert_eq!(report.bottleneck, Some(largest.stage));
}

#[test]
fn a_negative_expected_duration_is_a_problem_of_the_manifest() {
    let (_tmp, path) = default_manifest_with("[bottlenecks.expected_days]\nstartbesked = -5\n");
    let m = housing_need::config::Manifest::load(&path).unwrap();
    let err = housing_need::ingest::load(&m).unwrap_err().to_string();
    assert!(
        err.contains("bottlenecks.expected_days.startbesked"),
        "{err}"
    );
}

#[test]
fn on_the_sample_the_bottleneck_is_the_largest_excess_not_the_longest_wait() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = housing_need::config::Manifest::load(
        &root.join("geodata/alingsas-sample/alingsas-sample.toml"),
    )
    .unwrap();
    let ds = housing_need::ingest::load(&m).unwrap();
    let report = housing_need::pipeline::analyze_dataset(&ds, 8);
    let most = |f: fn(&housing_need::pipeline::StageStats) -> f64| {
        report
            .stages
            .iter()
            .max_by(|a, b| f(a).total_cmp(&f(b)))
            .unwrap()
            .stage
    };
    // Construction holds the most dwelling-days waiting, as building always does …
    assert_eq!(most(|s| s.dwelling_days_waiting), Passage::Construction);
    // … but the bottleneck is where projects run furthest beyond their expected duration.
    assert_eq!(report.bottleneck, Some(most(|s| s.excess_dwelling_days)));
    assert_ne!(report.bottleneck, Some(Passage::Construction));
    // Laga kraft from the anslag: none of the plans not appealed is over three weeks.
    let lk = &report.stages[Passage::LagaKraft as usize];
    assert_eq!((lk.over_limit, lk.limit_applicable), (0, 20));
    assert_eq!(report.anslag_estimated, 16);
}

#[test]
fn the_default_dataset_has_no_pipeline_and_no_snapshot_date() {
    use housing_need::config::Manifest;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata")
        .join(housing_need::embedded::DEFAULT_MANIFEST);
    let m = Manifest::load(&path).unwrap();
    let ds = housing_need::ingest::load(&m).unwrap();
    assert!(
        ds.projects.is_empty(),
        "the default dataset now has a pipeline"
    );
    let analysis = housing_need::analysis::Analysis::compute(&ds, &m);
    let json = serde_json::to_value(&analysis.bottlenecks).unwrap();
    assert_eq!(json["as_of"], serde_json::Value::Null, "{}", json["as_of"]);
    assert_eq!(json["note"], housing_need::pipeline::NO_PIPELINE);
}
