//! `housing-need check`: validates a dataset and lists every problem, one per line, as
//! `FILE: row N: field 'F': value 'V': message`, then exits 1; on a good dataset prints its
//! summary and any warnings (points in no district, pipeline dates out of order…) and exits 0.
//! A manifest that cannot be read exits 2 (through the crate error) naming its path.

use std::process::ExitCode;

use crate::ingest::{PointJoin, Report};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
    /// Print one JSON document (`ok`, `summary`, `problems`, `warnings`, `joins`) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `check`: exit code 0 when the dataset is usable, 1 when it has problems.
pub fn run(args: CheckArgs) -> crate::Result<ExitCode> {
    crate::progress::table_at_end();
    let manifest = crate::config::Manifest::load(&args.data.manifest_path()?)?;
    let report = crate::ingest::check(&manifest);
    say!(
        "time and peak memory per stage:\n{}",
        crate::progress::summary_text().trim_end()
    );
    if args.json {
        print_json(&report, &manifest.dataset.notes);
    } else {
        print_text(&manifest.path, &report, &manifest.dataset.notes);
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_text(manifest: &std::path::Path, report: &Report, notes: &[String]) {
    if !report.problems.is_empty() {
        for p in &report.problems {
            outln!("{p}");
        }
        if !report.warnings.is_empty() {
            outln!();
            outln!("warnings ({}):", report.warnings.len());
            for w in &report.warnings {
                outln!("  {w}");
            }
        }
        outln!();
        outln!(
            "{} problem{} in {}; the dataset cannot be used until they are fixed",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            manifest.display()
        );
        return;
    }
    if let Some(dataset) = &report.dataset {
        out!("{}", dataset.summary());
    }
    for note in notes {
        outln!("note:       {note}");
    }
    for join in &report.joins {
        outln!("{}", join_line(join));
    }
    if report.warnings.is_empty() {
        outln!("warnings:   none");
    } else {
        outln!("warnings ({}):", report.warnings.len());
        for w in &report.warnings {
            outln!("  {w}");
        }
    }
    outln!("ok: {}", manifest.display());
}

/// `population: 100000 address points, 3 in no district (7 persons not counted)`.
fn join_line(join: &PointJoin) -> String {
    let (noun, amount) = match join.part.as_str() {
        "population" => ("address points", "persons"),
        "pipeline" => ("projects", "dwellings"),
        _ => ("features", ""),
    };
    let mut line = format!(
        "{:<11} {} {noun} located in districts",
        format!("{}:", join.part),
        join.points
    );
    if join.outside > 0 {
        line.push_str(&format!(
            ", {} in no district ({:.0} {amount} not counted)",
            join.outside, join.amount_outside
        ));
    } else {
        line.push_str(", all inside one");
    }
    line
}

fn print_json(report: &Report, notes: &[String]) {
    let doc = serde_json::json!({
        "ok": report.problems.is_empty(),
        "summary": report.dataset.as_ref().map(|d| d.summary()),
        "notes": notes,
        "problems": report.problems,
        "warnings": report.warnings,
        "joins": report.joins,
    });
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => outln!("{text}"),
        Err(e) => say!("error: cannot write the report as JSON: {e}"),
    }
}
