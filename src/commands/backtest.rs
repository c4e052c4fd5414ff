//! `housing-need backtest`: rerun the forecast from an earlier base year with only the data
//! known then, and compare every later observed year with what really happened (see
//! [`crate::model::backtest`]).

use std::process::ExitCode;

use crate::model::backtest::{backtest, Backtest};

/// Arguments of `backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The dataset (it needs population in the base year and in later years).
    #[command(flatten)]
    pub data: super::DataArg,
    /// The year to forecast from: population, migration and completions after it are hidden.
    #[arg(long)]
    pub base_year: i32,
    /// Keep the dwellings completed after the base year (measures the housing-led part).
    #[arg(long)]
    pub with_completions: bool,
    /// Print JSON (every comparison, the summary and the run's notes).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV: `year,horizon,group,projected,observed,error,abs_pct_error`.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `backtest`.
pub fn run(args: BacktestArgs) -> crate::Result<ExitCode> {
    let manifest_path = args.data.manifest_path()?;
    let manifest = crate::config::Manifest::load(&manifest_path)?;
    let dataset = crate::ingest::load(&manifest)?;
    let result = match backtest(
        &dataset,
        &manifest.model,
        args.base_year,
        args.with_completions,
    ) {
        Ok(r) => r,
        Err(message) => {
            say!("error: {}: {message}", manifest_path.display());
            return Ok(ExitCode::from(2));
        }
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
    } else if args.csv {
        outln!("year,horizon,group,projected,observed,error,abs_pct_error");
        for r in &result.rows {
            outln!(
                "{},{},{},{:.1},{:.0},{:.1},{:.3}",
                r.year,
                r.horizon,
                r.group,
                r.projected,
                r.observed,
                r.error,
                r.abs_pct_error
            );
        }
    } else {
        outln!("{}", table(&result, &dataset.name));
    }
    Ok(ExitCode::SUCCESS)
}

/// The plain-text table: municipal groups by year, then the summary.
pub fn table(b: &Backtest, name: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "backtest of {name}: forecast from {}{}, compared with what was observed",
        b.base_year,
        if b.with_completions {
            " (with the dwellings really completed)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "{:<6} {:<8} {:>10} {:>10} {:>8} {:>7}",
        "year", "group", "projected", "observed", "error", "|%|"
    );
    for r in b.rows.iter().filter(|r| !r.group.starts_with("district:")) {
        let _ = writeln!(
            s,
            "{:<6} {:<8} {:>10.0} {:>10.0} {:>+8.0} {:>7.2}",
            r.year, r.group, r.projected, r.observed, r.error, r.abs_pct_error
        );
    }
    let _ = writeln!(s, "MAPE (mean absolute % error over the years compared):");
    for m in &b.summary {
        let _ = writeln!(
            s,
            "  {:<10} {:>6.2} %  ({} figures)",
            m.group, m.mape, m.years
        );
    }
    let _ = writeln!(s, "notes:");
    for n in &b.notes {
        let _ = writeln!(s, "  {n}");
    }
    s
}
