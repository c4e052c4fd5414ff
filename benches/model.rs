//! The whole model on a synthetic national-scale input: 6,160 districts (as many as SCB's
//! DeSO), 17 age bands, both sexes, five observed years with migration per district, dwelling
//! stock and a pipeline, projected ten years. The data are generated here at run time.
//!
//! Run with `cargo bench --bench model`; besides criterion's estimate it prints the median of
//! its own timed runs.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::time::Instant;

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, Criterion};
use geo::{polygon, MultiPolygon};

use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, MigrationRecord, PopulationRecord,
    Project, ProjectStage, Sex, StageDates, Tenure,
};
use housing_need::model::{self, ModelParams};

const DISTRICTS: usize = 6160;
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

fn synthetic() -> Dataset {
    let bands = AgeBands::five_year(80);
    let nb = bands.len();
    let mut rng = Lcg(42);
    let districts = (0..DISTRICTS)
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
    let mut population = Vec::with_capacity(DISTRICTS * YEARS.len() * 2 * nb);
    let mut migration = Vec::with_capacity(DISTRICTS * YEARS.len() * 2 * nb);
    let mut dwellings = Vec::new();
    let mut projects = Vec::new();
    for d in 0..DISTRICTS {
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

fn bench_model(c: &mut Criterion) {
    let dataset = synthetic();
    let params = ModelParams::default();
    let mut group = c.benchmark_group("model");
    group.sample_size(20);
    group.bench_function("run_6160_districts_10_years", |b| {
        b.iter(|| model::run(black_box(&dataset), black_box(&params)))
    });
    group.finish();

    let runs = 21;
    let cpu_before = process_cpu_seconds();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let run = model::run(&dataset, &params);
            black_box(run.rows.len());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let cpu = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(a, b)| (a - b) * 1000.0 / runs as f64);
    times.sort_by(f64::total_cmp);
    let run = model::run(&dataset, &params);
    println!(
        "model::run on {DISTRICTS} districts, {} observed + {} projected years ({} rows): \
         median {:.1} ms wall over {runs} runs (min {:.1}, max {:.1}){}",
        run.cohorts.years.len() - params.horizon as usize,
        params.horizon,
        run.rows.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        cpu.map(|c| format!("; mean CPU time {c:.1} ms per run"))
            .unwrap_or_default()
    );
}

/// User + system CPU time of this process in seconds, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Wall time on a busy machine overstates the model's own cost; this does not.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the whole line (utime, stime) are 11 and 12 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

criterion_group!(benches, bench_model);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
