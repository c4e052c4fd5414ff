//! The `housing-need` command: a thin layer over the library.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = housing_need::commands::Cli::parse();
    housing_need::commands::init_tracing(cli.verbose);
    match housing_need::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Not `eprintln!`, which panics when stderr is closed.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}
