//! `housing-need analyze`.

use std::process::ExitCode;

/// Arguments of `analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
}

/// Runs `analyze`.
pub fn run(args: AnalyzeArgs) -> crate::Result<ExitCode> {
    let manifest = crate::config::Manifest::load(&args.data.manifest)?;
    let dataset = crate::ingest::load(&manifest)?;
    println!("{}", dataset.summary());
    Ok(ExitCode::SUCCESS)
}
