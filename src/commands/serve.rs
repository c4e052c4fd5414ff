//! `housing-need serve`.

use std::process::ExitCode;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
}

/// Runs `serve`.
pub fn run(args: ServeArgs) -> crate::Result<ExitCode> {
    let manifest = crate::config::Manifest::load(&args.data.manifest)?;
    let dataset = crate::ingest::load(&manifest)?;
    println!("{}", dataset.summary());
    Ok(ExitCode::SUCCESS)
}
