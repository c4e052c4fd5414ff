//! `housing-need generate` (hidden, for development): writes a synthetic dataset in our format
//! at a chosen scale, seeded and deterministic, for `scripts/bench-national` and the tests.
//! See [`crate::synthetic`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::synthetic::{self, PointFormat, Scale};

/// Arguments of `generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write into (created if missing; files in it are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of districts (6,160 = SCB's DeSO).
    #[arg(long, default_value_t = 6160)]
    pub districts: usize,
    /// Persons in the base year, over all districts.
    #[arg(long, default_value_t = 10_500_000)]
    pub persons: u64,
    /// Observed years, ending with 2018.
    #[arg(long, default_value_t = 3)]
    pub years: u32,
    /// Seed of the generator: the same seed and scale write the same files.
    #[arg(long, default_value_t = 6160)]
    pub seed: u64,
    /// Formats of the address points besides CSV, comma-separated: `gpkg`, `fgb`.
    #[arg(long, value_delimiter = ',')]
    pub points: Vec<PointFormat>,
}

/// Runs `generate` and prints what it wrote.
pub fn run(args: GenerateArgs) -> crate::Result<ExitCode> {
    let started = Instant::now();
    let scale = Scale {
        districts: args.districts,
        persons: args.persons,
        years: args.years,
        seed: args.seed,
        point_formats: args.points,
    };
    let done = synthetic::generate(&args.out, &scale)?;
    outln!(
        "{} districts, {} persons, {} address rows, {} projects in {:.1} s",
        scale.districts,
        done.persons,
        done.address_rows,
        done.projects,
        started.elapsed().as_secs_f64()
    );
    for m in &done.manifests {
        outln!("{}", m.display());
    }
    Ok(ExitCode::SUCCESS)
}
