//! `housing-need analyze`: load a dataset, run the model, write the results to a GeoPackage, a
//! GeoJSON file, a folder of CSV files or a PostGIS database (`PG:…`). Progress goes to stderr;
//! the output format follows the file name.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::model::ModelRun;

/// Arguments of `analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
    /// Output: `FILE.gpkg` (every layer, EPSG:3006), `FILE.geojson` (CRS84), a folder (`DIR/`
    /// or a path without extension) for one CSV per layer, or a PostGIS database
    /// (`PG:dbname=… active_schema=…`: one table per layer, EPSG:3006, the previous run's tables
    /// replaced in one transaction). An existing output file is overwritten.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Print the model's municipal 2027 figures for 65–79 and 80+ next to the seed's forecast
    /// (Statisticon 2018: 6,948 and 3,479) with the deviation in %.
    #[arg(long)]
    pub compare_seed: bool,
    /// Scenario to run (overrides `[model] scenario`): `base` or a name of the manifest's
    /// `[model.scenarios]`.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Years to project beyond the base year (overrides `[model] horizon`).
    #[arg(long)]
    pub horizon: Option<u32>,
}

/// The seed's forecast for its last year, 2027 (Statisticon, Befolkningsprognos 2018–2027,
/// Alingsås kommun): the year, persons 65–79 and 80+, from the series the dashboard draws
/// ([`crate::web::reference::ALINGSAS_2018`]).
pub fn seed_2027() -> (i32, f64, f64) {
    let seed = &crate::web::reference::ALINGSAS_2018;
    let last = |series: &[f64]| series.last().copied().unwrap_or(f64::NAN);
    let years = seed.population_65_79.len() as i32;
    (
        seed.first_year + years - 1,
        last(seed.population_65_79),
        last(seed.population_80_plus),
    )
}

/// Runs `analyze`.
pub fn run(args: AnalyzeArgs) -> crate::Result<ExitCode> {
    crate::progress::table_at_end();
    let manifest_path = args.data.manifest_path()?;
    let manifest = crate::config::Manifest::load(&manifest_path)?;
    say!("loading {}", manifest_path.display());
    let dataset = crate::ingest::load(&manifest)?;
    for note in &manifest.dataset.notes {
        say!("data note: {note}");
    }
    let mut params = manifest.model.clone();
    if let Some(s) = &args.scenario {
        if s != "base" && !params.scenarios.contains_key(s) {
            say!(
                "error: --scenario {s}: the manifest's scenarios are base{}",
                params
                    .scenarios
                    .keys()
                    .map(|k| format!(", {k}"))
                    .collect::<String>()
            );
            return Ok(ExitCode::from(2));
        }
        params.scenario = s.clone();
    }
    if let Some(h) = args.horizon {
        params.horizon = h;
    }
    for problem in params.validate(&dataset.bands) {
        say!("warning: {problem}");
    }
    let observed = dataset.population_years().len();
    say!(
        "projecting {} districts from {observed} observed year{} …",
        dataset.districts.len(),
        if observed == 1 { "" } else { "s" }
    );
    let started = std::time::Instant::now();
    let stage = crate::progress::Stage::start("model");
    let run = crate::model::run(&dataset, &params);
    stage.end();
    say!(
        "projected {}–{} (base year {}) in {:.1} ms",
        run.first_year,
        run.horizon_year,
        run.base_year,
        started.elapsed().as_secs_f64() * 1000.0
    );
    for note in &run.notes {
        say!("note: {note}");
    }
    if args.compare_seed {
        outln!("{}", seed_comparison(&run));
    }
    let stage = crate::progress::Stage::start("flags and bottlenecks");
    let flags = crate::flags::evaluate(&dataset, &run, &dataset.residences, &[], &manifest.flags);
    let flagged = flags.iter().filter(|f| f.flagged).count();
    say!(
        "flags: {flagged} of {} district flags raised (densify, upgrade)",
        flags.len()
    );
    let report = crate::pipeline::analyze_dataset_with(
        &dataset,
        crate::analysis::THROUGHPUT_QUARTERS,
        &manifest.bottlenecks,
    );
    let mut layers = crate::layers::Layers::from_parts(&dataset, &run, &flags, Some(&report));
    // Every output says what the data are: the dataset's notes, then the run's.
    layers.notes = manifest
        .dataset
        .notes
        .iter()
        .chain(&run.notes)
        .cloned()
        .collect();
    stage.end();
    let stage = crate::progress::Stage::start("write");
    let written = crate::export::write(&args.out, &layers, |message| {
        say!("{message}");
    })?;
    stage.end();
    say!("{written}");
    say!(
        "time and peak memory per stage:\n{}",
        crate::progress::summary_text().trim_end()
    );
    Ok(ExitCode::SUCCESS)
}

/// The municipal figures for 65–79 and 80+ in the seed's year next to its forecast, as text.
pub fn seed_comparison(run: &ModelRun) -> String {
    let (year, seed_65_79, seed_80) = seed_2027();
    let rows = run.rows.iter().filter(|r| r.year == year);
    let (mut p65, mut p80, mut n) = (0.0, 0.0, 0);
    for r in rows {
        p65 += r.population_65_79;
        p80 += r.population_80_plus;
        n += 1;
    }
    if n == 0 {
        return format!(
            "seed comparison: the run covers {}–{}, not {year}",
            run.first_year, run.horizon_year
        );
    }
    let dev = |model: f64, seed: f64| (model - seed) / seed * 100.0;
    format!(
        "seed comparison, municipality {year} (base year {}):\n\
         \x20 age     model   seed (Statisticon 2018)   deviation\n\
         \x20 65-79  {p65:>6.0}   {seed_65_79:>6.0}                   {:>+6.1} %\n\
         \x20 80+    {p80:>6.0}   {seed_80:>6.0}                   {:>+6.1} %",
        run.base_year,
        dev(p65, seed_65_79),
        dev(p80, seed_80),
    )
}
