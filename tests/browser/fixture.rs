//! A small hand-made dataset for the in-process tests of the dashboard's endpoints: two
//! districts with Swedish names, population for two observed years, a few pipeline projects,
//! and flags in the shape the flags module writes. The model and the bottleneck analysis run
//! on it for real.

use chrono::NaiveDate;
use geo::{polygon, MultiPolygon};
use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, PopulationRecord, Project,
    ProjectStage, Sex, StageDates, Tenure,
};
use housing_need::model::{self, ModelParams, ModelRun};
use housing_need::pipeline::{self, BottleneckReport};

fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0),
        (x: x0 + side, y: y0),
        (x: x0 + side, y: y0 + side),
        (x: x0, y: y0 + side),
        (x: x0, y: y0),
    ]])
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn project(
    id: &str,
    name: &str,
    district: usize,
    dwellings: f64,
    dates: &[(ProjectStage, &str)],
) -> Project {
    let mut sd = StageDates::default();
    for (stage, d) in dates {
        sd.set(*stage, Some(date(d)));
    }
    Project {
        id: id.into(),
        name: name.into(),
        district: Some(district),
        geometry: None,
        geometry_lonlat: None,
        dwellings,
        dwelling_type: DwellingType::Flerbostadshus,
        tenure: Tenure::Hyresratt,
        dates: sd,
        appealed: false,
    }
}

/// Two districts, "Sörhaga" and "Östra Ängabo", observed 2017 and 2018.
pub fn dataset() -> Dataset {
    let districts = vec![
        District {
            id: "1489X01".into(),
            name: "Sörhaga".into(),
            geometry: square(350_000.0, 6_420_000.0, 1000.0),
            geometry_lonlat: square(12.50, 57.92, 0.01),
        },
        District {
            id: "1489X02".into(),
            name: "Östra Ängabo".into(),
            geometry: square(351_000.0, 6_420_000.0, 1000.0),
            geometry_lonlat: square(12.51, 57.92, 0.01),
        },
    ];
    let mut population = Vec::new();
    for (d, scale) in [(0usize, 1.0_f64), (1, 1.6)] {
        for year in [2017, 2018] {
            for band in 0..17 {
                for (sex, f) in [(Sex::Male, 1.0), (Sex::Female, 1.05)] {
                    let old = if band >= 13 { 1.4 } else { 1.0 };
                    let grow = if year == 2018 { 1.02 } else { 1.0 };
                    population.push(PopulationRecord {
                        district: d,
                        year,
                        sex,
                        band,
                        persons: (60.0 * scale * f * old * grow).round(),
                    });
                }
            }
        }
    }
    let dwellings = [(0usize, 900.0, 30.0), (1, 1400.0, 45.0)]
        .iter()
        .flat_map(|&(d, flats, care)| {
            [2017, 2018].into_iter().flat_map(move |year| {
                [
                    DwellingRecord {
                        district: d,
                        year,
                        dwelling_type: DwellingType::Flerbostadshus,
                        tenure: Tenure::Hyresratt,
                        dwellings: flats,
                    },
                    DwellingRecord {
                        district: d,
                        year,
                        dwelling_type: DwellingType::Specialbostad,
                        tenure: Tenure::Hyresratt,
                        dwellings: care,
                    },
                ]
            })
        })
        .collect();
    use ProjectStage::*;
    let projects = vec![
        project(
            "P1",
            "Kv. Åkern",
            0,
            40.0,
            &[
                (BygglovApplication, "2018-01-01"),
                (BygglovDecision, "2018-02-20"),
            ],
        ),
        project(
            "P2",
            "Kv. Ängen",
            1,
            24.0,
            &[
                (BygglovApplication, "2018-03-01"),
                (BygglovDecision, "2018-07-01"),
            ],
        ),
        project(
            "P3",
            "Kv. Öster",
            1,
            60.0,
            &[(PlanbeskedRequest, "2018-06-01")],
        ),
        project(
            "P4",
            "Kv. Norr",
            0,
            12.0,
            &[(BygglovApplication, "2018-11-01")],
        ),
    ];
    Dataset {
        name: "Testkommun <Ödsmål> & co".into(),
        municipality: Some("9999".into()),
        bands: AgeBands::five_year(80),
        districts,
        population,
        residences: Vec::new(),
        migration: Vec::new(),
        dwellings,
        indicators: Vec::new(),
        transit: Vec::new(),
        projects,
        as_of: Some(date("2018-12-31")),
        series: Default::default(),
    }
}

/// The model run on [`dataset`] with default parameters.
pub fn run(ds: &Dataset) -> ModelRun {
    model::run(ds, &ModelParams::default())
}

/// The bottleneck analysis of [`dataset`].
pub fn report(ds: &Dataset) -> BottleneckReport {
    pipeline::analyze_dataset(ds, 8)
}

/// The flags of the fixture, evaluated by the flags module with its default rules.
pub fn flags(ds: &Dataset, run: &ModelRun) -> Vec<housing_need::flags::FlagResult> {
    housing_need::flags::evaluate(
        ds,
        run,
        &ds.residences,
        &[],
        &housing_need::flags::FlagParams::default(),
    )
}

/// The fixture's published layers: with its flags, or without any.
pub fn layers(ds: &Dataset, run: &ModelRun, with_flags: bool) -> housing_need::layers::Layers {
    let flags = if with_flags {
        flags(ds, run)
    } else {
        Vec::new()
    };
    housing_need::layers::Layers::from_parts(ds, run, &flags, Some(&report(ds)))
}
