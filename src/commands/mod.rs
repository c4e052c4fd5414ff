//! The command line: `serve`, `analyze`, `check`. Each subcommand lives in its own file with its
//! own arguments; this module only composes them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that ends quietly when stdout is closed (`housing-need check | head`) instead of
/// panicking on the broken pipe.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `eprintln!` for the commands' messages: written with the progress bars lifted (so a line
/// never lands over a spinner), and never a panic when stderr is closed.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        crate::progress::suspend(|| {
            let _ = writeln!(std::io::stderr(), $($t)*);
        });
    }};
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

pub mod analyze;
pub mod backtest;
pub mod bottlenecks;
pub mod check;
pub mod generate;
pub mod serve;

/// Housing need per district for a Swedish municipality: projection, demand, gap; served as
/// OGC API - Features.
#[derive(Debug, Parser)]
#[command(name = "housing-need", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v: debug, -vv: trace). `RUST_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dataset and its results over HTTP (OGC API - Features).
    Serve(serve::ServeArgs),
    /// Run the model and write results to a GeoPackage, GeoJSON or a folder of CSV files.
    Analyze(analyze::AnalyzeArgs),
    /// Validate a dataset and list every problem with file, row and field.
    Check(check::CheckArgs),
    /// Rerun the forecast from an earlier base year and compare it with what happened.
    Backtest(backtest::BacktestArgs),
    /// Show where the building process stalls: per-stage lead times, queues, legal limits.
    Bottlenecks(bottlenecks::BottlenecksArgs),
    /// Write a synthetic dataset at a chosen scale (for benchmarks and tests).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// `--data`: the manifest to use (shared by every subcommand).
#[derive(Debug, Clone, clap::Args)]
pub struct DataArg {
    /// Dataset manifest (TOML). Default: the dataset embedded in the binary (real Alingsås,
    /// SCB's DeSO 2025 areas: `geodata/alingsas-deso2025/alingsas-deso2025.toml` in the source
    /// tree). The synthetic sample is `geodata/alingsas-sample/alingsas-sample.toml`.
    #[arg(long = "data", short = 'd', env = "HOUSING_NEED_DATA")]
    pub manifest: Option<PathBuf>,
}

impl DataArg {
    /// The manifest to load: `--data`, or the embedded default dataset (mounted for GDAL under
    /// `/vsimem/`, see [`crate::embedded`]), so the binary runs from any folder.
    pub fn manifest_path(&self) -> crate::Result<PathBuf> {
        match &self.manifest {
            Some(path) => Ok(path.clone()),
            None => Ok(crate::embedded::default_manifest()?),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> crate::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Check(args) => check::run(args),
        Command::Bottlenecks(args) => bottlenecks::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Generate(args) => generate::run(args),
    }
}

/// Logs to stderr with an env filter (`RUST_LOG`), defaulting to `info` (or more with `-v`).
/// Colours only when stderr is a terminal and `NO_COLOR` is unset or empty (see
/// [`log_colours`]): piped, redirected or under systemd the lines are plain text. Live progress
/// bars likewise only on a terminal ([`crate::progress::bars_wanted`]).
pub fn init_tracing(verbose: u8) {
    use std::io::IsTerminal as _;
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let colours = log_colours(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    if crate::progress::bars_wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("TERM").as_deref(),
    ) {
        crate::progress::show_bars();
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| crate::progress::LogWriter)
        .with_ansi(colours)
        .init();
}

/// Whether log lines carry ANSI colours: only on a terminal, and not when `NO_COLOR` is set to
/// a non-empty value (<https://no-color.org>).
pub fn log_colours(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}
