//! `housing-need check`.

use std::process::ExitCode;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
}

/// Runs `check`.
pub fn run(args: CheckArgs) -> crate::Result<ExitCode> {
    let manifest = crate::config::Manifest::load(&args.data.manifest)?;
    let dataset = crate::ingest::load(&manifest)?;
    println!("{}", dataset.summary());
    Ok(ExitCode::SUCCESS)
}
