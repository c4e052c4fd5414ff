//! `housing-need bottlenecks`: where the building process stalls, as a readable table.

use std::process::ExitCode;

use crate::pipeline::{BottleneckReport, Passage};

/// Arguments of `bottlenecks`.
#[derive(Debug, clap::Args)]
pub struct BottlenecksArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
    /// Quarters over which throughput is averaged (ending with the snapshot's quarter).
    #[arg(long, default_value_t = 8)]
    pub quarters: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `bottlenecks`.
pub fn run(args: BottlenecksArgs) -> crate::Result<ExitCode> {
    let manifest = crate::config::Manifest::load(&args.data.manifest_path()?)?;
    let dataset = crate::ingest::load(&manifest)?;
    if dataset.projects.is_empty() {
        eprintln!(
            "{}: the dataset has no [pipeline] projects: nothing to analyse",
            manifest.path.display()
        );
        return Ok(ExitCode::from(1));
    }
    let run = crate::model::run(&dataset, &manifest.model);
    let mut report = crate::pipeline::analyze_dataset(&dataset, args.quarters);
    report.districts = crate::pipeline::district_coverage(&dataset, &run);
    if args.json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        outln!("{text}");
    } else {
        out!("{}", render_table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "–".into())
}

/// The stage table as plain text (also used by tests).
pub fn render_table(r: &BottleneckReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Building-process stages on {} ({} projects; lead times in days; throughput: passages \
         per quarter over the last {} quarters)\n\n",
        r.as_of,
        r.projects.len(),
        r.throughput_quarters
    ));
    out.push_str(&format!(
        "{:<20} {:>5} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9}\n",
        "stage",
        "wip",
        "dwell.",
        "median",
        "p80",
        "oldest",
        "thr/q",
        "little",
        "limit",
        "over",
        "share"
    ));
    for s in &r.stages {
        let marker = if Some(s.stage) == r.bottleneck {
            " ◀ bottleneck"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<20} {:>5} {:>8.0} {:>7} {:>7} {:>7} {:>7.2} {:>7} {:>7} {:>6} {:>9}{}\n",
            s.stage.code(),
            s.projects_waiting,
            s.dwellings_waiting,
            opt(s.median_days, 0),
            opt(s.p80_days, 0),
            s.oldest_waiting_days
                .map(|d| d.to_string())
                .unwrap_or_else(|| "–".into()),
            s.throughput_per_quarter,
            opt(s.littles_law_wip, 1),
            s.legal_limit_days
                .map(|d| d.to_string())
                .unwrap_or_else(|| "–".into()),
            if s.limit_applicable > 0 {
                format!("{}/{}", s.over_limit, s.limit_applicable)
            } else {
                "–".into()
            },
            s.share_over_limit
                .map(|x| format!("{:.0} %", x * 100.0))
                .unwrap_or_else(|| "–".into()),
            marker,
        ));
    }
    out.push('\n');
    match r.bottleneck {
        Some(b) => {
            let s = &r.stages[b as usize];
            out.push_str(&format!(
                "Bottleneck: {} — {} projects with {:.0} dwellings waiting, {:.0} dwelling-days \
                 in all (the most of any stage).\n",
                b.code(),
                s.projects_waiting,
                s.dwellings_waiting,
                s.dwelling_days_waiting
            ));
        }
        None => out.push_str("Bottleneck: none (no project is waiting).\n"),
    }
    let bygglov = &r.stages[Passage::Bygglov as usize];
    if let Some(fees) = bygglov.fee_reduction_fees {
        out.push_str(&format!(
            "Bygglov: {} of {} decisions over 10 weeks, {} over the extended 20 weeks; fee \
             reductions owed amount to {fees:.1} whole fees.\n",
            bygglov.over_limit,
            bygglov.limit_applicable,
            bygglov.over_extended_limit.unwrap_or(0)
        ));
    }
    if let Some(a) = r.appeal_rate {
        out.push_str(&format!(
            "Appealed plans: {:.0} % of adopted plans.\n",
            a * 100.0
        ));
    }
    if let Some(d) = r.median_plan_to_start_days {
        out.push_str(&format!(
            "Median planuppdrag → startbesked: {:.1} years (national reference: 4.8 years).\n",
            d / 365.25
        ));
    }
    if !r.districts.is_empty() {
        let horizon = r.districts[0].horizon_year;
        out.push_str(&format!(
            "\nPipeline against the need by {horizon} (expected = dwellings × completion \
             probability of the project's stage):\n\n"
        ));
        out.push_str(&format!(
            "{:<10} {:<18} {:>9} {:>9} {:>9} {:>8} {:>9}\n",
            "district", "name", "in pipe", "expected", "need", "covered", "shortfall"
        ));
        for d in &r.districts {
            out.push_str(&format!(
                "{:<10} {:<18} {:>9.0} {:>9.0} {:>9.0} {:>8} {:>9.0}\n",
                d.district,
                d.name.chars().take(18).collect::<String>(),
                d.dwellings_in_pipeline,
                d.expected_by_horizon,
                d.need_by_horizon,
                d.covered_share
                    .map(|x| format!("{:.0} %", x * 100.0))
                    .unwrap_or_else(|| "–".into()),
                d.shortfall,
            ));
        }
        let need: f64 = r.districts.iter().map(|d| d.need_by_horizon.max(0.0)).sum();
        let expected: f64 = r.districts.iter().map(|d| d.expected_by_horizon).sum();
        let shortfall: f64 = r.districts.iter().map(|d| d.shortfall).sum();
        out.push_str(&format!(
            "{:<29} {:>9} {:>9.0} {:>9.0} {:>8} {:>9.0}\n",
            "municipality (need > 0 summed)",
            "",
            expected,
            need,
            if need > 0.0 {
                format!("{:.0} %", expected / need * 100.0)
            } else {
                "–".into()
            },
            shortfall
        ));
    }
    let problems: usize = r.projects.iter().map(|p| p.date_problems.len()).sum();
    if problems > 0 {
        out.push_str(&format!(
            "{problems} date problem(s) in projects; those passages are left out (run `check`).\n"
        ));
    }
    out
}
