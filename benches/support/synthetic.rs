//! A synthetic national-scale input for the model, generated at run time: districts as small
//! squares, 17 age bands, both sexes, five observed years with migration per district, dwelling
//! stock and a pipeline. Shared by `benches/model.rs` and the identity test in `tests/model.rs`.

use chrono::NaiveDate;
use geo::{polygon, MultiPolygon};

use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, MigrationRecord, PopulationRecord,
    Project, ProjectStage, Sex, StageDates, Tenure,
};

/// The observed years.
const YEARS: [i32; 5] = [2014, 2015, 2016, 2017, 2018];

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x, y: y),
        (x: x + size, y: y),
        (x: x + size, y: y + size),
        (x: x, y: y + size),
        (x: x, y: y),
    ]])
}

/// `count` synthetic districts with five observed years, migration per district, dwelling
/// stock and a pipeline in every stage.
pub fn synthetic(count: usize) -> Dataset {
    let bands = AgeBands::five_year(80);
    let nb = bands.len();
    let mut rng = Lcg(42);
    let districts = (0..count)
        .map(|i| {
            let (cx, cy) = ((i % 80) as f64, (i / 80) as f64);
            District {
                id: format!("D{i:04}"),
                name: format!("District {i}"),
                geometry: square(300_000.0 + cx * 1000.0, 6_400_000.0 + cy * 1000.0, 1000.0),
                geometry_lonlat: square(12.0 + cx * 0.01, 57.0 + cy * 0.01, 0.01),
            }
        })
        .collect();
    let mut population = Vec::with_capacity(count * YEARS.len() * 2 * nb);
    let mut migration = Vec::with_capacity(count * YEARS.len() * 2 * nb);
    let mut dwellings = Vec::new();
    let mut projects = Vec::new();
    for d in 0..count {
        let size = 500.0 + 2000.0 * rng.next();
        for &year in &YEARS {
            for sex in [Sex::Male, Sex::Female] {
                for band in 0..nb {
                    let persons = (size / nb as f64 * (0.5 + rng.next())).round();
                    population.push(PopulationRecord {
                        district: d,
                        year,
                        sex,
                        band,
                        persons,
                    });
                    migration.push(MigrationRecord {
                        district: Some(d),
                        year,
                        sex,
                        band,
                        in_migrants: (persons * 0.06 * rng.next()).round(),
                        out_migrants: (persons * 0.06 * rng.next()).round(),
                    });
                }
            }
        }
        for (t, tenure, share) in [
            (DwellingType::Smahus, Tenure::Aganderatt, 0.2),
            (DwellingType::Flerbostadshus, Tenure::Hyresratt, 0.15),
            (DwellingType::Flerbostadshus, Tenure::Bostadsratt, 0.1),
            (DwellingType::Specialbostad, Tenure::Hyresratt, 0.01),
        ] {
            dwellings.push(DwellingRecord {
                district: d,
                year: 2018,
                dwelling_type: t,
                tenure,
                dwellings: (size * share).round(),
            });
        }
        if d % 4 == 0 {
            let stage = ProjectStage::ALL[d / 4 % 10];
            let mut dates = StageDates::default();
            dates.set(stage, NaiveDate::from_ymd_opt(2017, 1 + (d % 12) as u32, 1));
            projects.push(Project {
                id: format!("P{d}"),
                name: format!("Project {d}"),
                district: Some(d),
                geometry: None,
                geometry_lonlat: None,
                dwellings: 20.0 + (d % 50) as f64,
                dwelling_type: DwellingType::Flerbostadshus,
                tenure: Tenure::Hyresratt,
                dates,
                appealed: false,
            });
        }
    }
    Dataset {
        name: "synthetic".into(),
        municipality: None,
        bands,
        districts,
        population,
        residences: Vec::new(),
        migration,
        dwellings,
        indicators: Vec::new(),
        transit: Vec::new(),
        projects,
        as_of: NaiveDate::from_ymd_opt(2018, 12, 31),
        series: Default::default(),
    }
}
