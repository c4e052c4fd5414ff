//! `housing-need bottlenecks`: where the building process stalls, as a readable table.

use std::process::ExitCode;

use crate::pipeline::{BottleneckReport, DurationBasis, Passage, StageStats};

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
        say!(
            "{}: the dataset has no [pipeline] projects: nothing to analyse",
            manifest.path.display()
        );
        return Ok(ExitCode::from(1));
    }
    let run = crate::model::run(&dataset, &manifest.model);
    let mut report =
        crate::pipeline::analyze_dataset_with(&dataset, args.quarters, &manifest.bottlenecks);
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

/// The expected duration of a stage as printed: `122 §` for a statutory limit, `21 § / 182`
/// for laga kraft (not appealed / appealed).
fn expected_label(s: &StageStats) -> String {
    let statutory = if s.expected_basis == DurationBasis::Statutory {
        " §"
    } else {
        ""
    };
    match s.expected_days_appealed {
        Some(a) if a != s.expected_days => format!("{}{statutory} / {a}", s.expected_days),
        _ => format!("{}{statutory}", s.expected_days),
    }
}

/// The expected duration in words: `70 days (statutory)`, `21 days (statutory; 182 when
/// appealed)`.
fn expected_words(s: &StageStats) -> String {
    let basis = if s.expected_basis == DurationBasis::Statutory {
        " (statutory"
    } else {
        " ("
    };
    let appealed = match s.expected_days_appealed {
        Some(a) if a != s.expected_days => format!("{a} when appealed"),
        _ => String::new(),
    };
    let inner = [basis.trim_start_matches(" ("), appealed.as_str()]
        .iter()
        .filter(|t| !t.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("; ");
    if inner.is_empty() {
        format!("{} days", s.expected_days)
    } else {
        format!("{} days ({inner})", s.expected_days)
    }
}

/// A whole number with thousands separated by commas: `574,156`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// The stage table as plain text (also used by tests).
pub fn render_table(r: &BottleneckReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Building-process stages on {} ({} projects; lead times in days; throughput: passages \
         per quarter over the last {} quarters)\n\n",
        r.as_of
            .map_or_else(|| "no snapshot date".to_string(), |d| d.to_string()),
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
    out.push_str(&format!(
        "\nDelay beyond the expected duration (days; § = statutory limit, otherwise a documented \
         expected duration; excess = Σ dwellings × max(0, days − expected) over completed and \
         waiting passages):\n\n{:<20} {:>11} {:>9} {:>6} {:>16} {:>16}\n",
        "stage", "expected", "passages", "late", "excess dw-days", "waiting dw-days"
    ));
    for s in &r.stages {
        let marker = if Some(s.stage) == r.bottleneck {
            " ◀ bottleneck"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<20} {:>11} {:>9} {:>6} {:>16} {:>16}{}\n",
            s.stage.code(),
            expected_label(s),
            s.delay_passages,
            s.late_passages,
            thousands(s.excess_dwelling_days),
            thousands(s.dwelling_days_waiting),
            marker,
        ));
    }
    out.push('\n');
    match r.bottleneck {
        Some(b) => {
            let s = &r.stages[b as usize];
            out.push_str(&format!(
                "Bottleneck: {} — {} of {} passages took longer than the expected {}: \
                 {} dwelling-days beyond it, the most of any stage.\n",
                b.code(),
                s.late_passages,
                s.delay_passages,
                expected_words(s),
                thousands(s.excess_dwelling_days),
            ));
            let most_waiting = r
                .stages
                .iter()
                .max_by(|a, b| a.dwelling_days_waiting.total_cmp(&b.dwelling_days_waiting))
                .filter(|w| w.stage != b && w.dwelling_days_waiting > 0.0);
            if let Some(w) = most_waiting {
                out.push_str(&format!(
                    "({} holds the most dwelling-days waiting, {}, but only {} beyond its \
                     expected {}.)\n",
                    w.stage.code(),
                    thousands(w.dwelling_days_waiting),
                    thousands(w.excess_dwelling_days),
                    expected_words(w),
                ));
            }
        }
        None => out.push_str("Bottleneck: none (no stage runs over its expected duration).\n"),
    }
    if r.anslag_estimated > 0 {
        out.push_str(&format!(
            "Anslag: {} project(s) record no posting date of the adoption minutes; it is taken as \
             the adoption date + {} days, and laga kraft's 3 weeks run from it.\n",
            r.anslag_estimated,
            crate::pipeline::ANSLAG_DEFAULT_LAG_DAYS
        ));
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
             probability of the project's stage; covered = min(expected, need); beyond = \
             dwellings beyond the need, which house people moving in):\n\n"
        ));
        out.push_str(&format!(
            "{:<10} {:<18} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>9}\n",
            "district",
            "name",
            "in pipe",
            "expected",
            "need",
            "covered",
            "share",
            "beyond",
            "shortfall"
        ));
        let share = |covered: f64, need: f64| {
            if need > 0.0 {
                format!("{:.0} %", covered / need * 100.0)
            } else {
                "–".into()
            }
        };
        for d in &r.districts {
            out.push_str(&format!(
                "{:<10} {:<18} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>6} {:>7.0} {:>9.0}\n",
                d.district,
                d.name.chars().take(18).collect::<String>(),
                d.dwellings_in_pipeline,
                d.expected_by_horizon,
                d.need_by_horizon,
                d.covered,
                share(d.covered, d.need_by_horizon),
                d.beyond_need,
                d.shortfall,
            ));
        }
        let sum = |f: fn(&crate::pipeline::DistrictCoverage) -> f64| -> f64 {
            r.districts.iter().map(f).sum()
        };
        let need = sum(|d| d.need_by_horizon.max(0.0));
        let covered = sum(|d| d.covered);
        out.push_str(&format!(
            "{:<29} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>6} {:>7.0} {:>9.0}\n",
            "municipality (need > 0)",
            sum(|d| d.dwellings_in_pipeline),
            sum(|d| d.expected_by_horizon),
            need,
            covered,
            share(covered, need),
            sum(|d| d.beyond_need),
            sum(|d| d.shortfall),
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
