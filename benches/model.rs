//! The whole model on a synthetic national-scale input: 6,160 districts (as many as SCB's
//! DeSO), 17 age bands, both sexes, five observed years with migration per district, dwelling
//! stock and a pipeline, projected ten years. The data are generated here at run time.
//!
//! Run with `cargo bench --bench model`; besides criterion's estimate it prints the median of
//! its own timed runs. `cargo bench --bench model -- --once` runs the model once and nothing else,
//! for an instruction count: `valgrind --tool=callgrind target/release/deps/model-* --once`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::time::Instant;

use criterion::{black_box, criterion_group, Criterion};

use housing_need::model::{self, ModelParams};

#[path = "support/synthetic.rs"]
mod synthetic;

const DISTRICTS: usize = 6160;

fn bench_model(c: &mut Criterion) {
    let dataset = synthetic::synthetic(DISTRICTS);
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
    // `-- --once`: generate the input and run the model once, nothing else (for instruction
    // counts under `valgrind --tool=callgrind`, where criterion's many runs would take long).
    if std::env::args().any(|a| a == "--once") {
        let dataset = synthetic::synthetic(DISTRICTS);
        let run = model::run(&dataset, &ModelParams::default());
        println!("{} rows", black_box(run.rows.len()));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
