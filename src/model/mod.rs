//! The housing-demand model: a cohort-component forecast by single year of age for the
//! municipality and its districts, households by the household-quotient method calibrated per
//! district, dwelling demand by type, care-home places, and the gap against stock and pipeline.
//! Pure functions of domain values and parameters (no I/O, no GDAL, no HTTP); every formula,
//! default and source is in `docs/model.md`.
//!
//! [`run`] is the entry point:
//! 1. the observed population by district and band ([`inputs`]) and, by single year of age, the
//!    municipal series ([`municipal_series`]: the dataset's own single years, or its bands split
//!    by [`split_bands`]);
//! 2. net migration by sex and single age: the dataset's in- and out-migration where given,
//!    otherwise the residual estimate from the series ([`residual`]); the fertility level from
//!    the age-0 counts; mortality from the national table anchored to the base year
//!    ([`national`]);
//! 3. the scenario's levers on net migration, construction, mortality and fertility;
//! 4. year by year, the municipal projection (the control total) and the districts constrained to
//!    it and led by their new dwellings ([`forecast`]);
//! 5. per district and year a [`DemandRow`] ([`households`], [`dwellings_needed`], [`gap`], …).
//!
//! **Layout.** A national dataset (6,160 districts × 101 ages × 2 sexes × 10 years) must run in
//! well under a second's share of a request, so the hot data are flat and allocated once:
//! - the population by band, observed and projected, is one array `[year][district][sex][band]`
//!   ([`Cohorts::persons`]) with room for the projected years from the start: a year's
//!   districts lie together, as the projection writes them;
//! - the districts' single-year state is one `Vec<Pyramid>` (`[district][sex][age]`), stepped
//!   in place year after year ([`forecast::project_districts`]): each block of four districts
//!   is read once and written over, on two threads, by a kernel that advances the sums along
//!   the ages (births, totals, bands) of the four side by side;
//! - the year's constants (survival, migration coefficients, band limits, the split of bands
//!   into ages) are worked out once a year or once a run, never per district;
//! - rows are made in blocks of 64 districts whose years are first gathered together; a
//!   district's code and name are one shared [`Label`] for all its rows.
//!
//! Every district's arithmetic is the same sequence of operations as the formula's plain loop,
//! sums included, so the layout does not change a result in its last bit (a digest of the whole
//! output on the committed datasets is pinned in `tests/model.rs`).

// Loops over sex and age index several arrays at once, as the formulas in the docs do.
#![allow(clippy::needless_range_loop)]

mod ages;
pub mod backtest;
mod cohort;
mod demand;
pub mod forecast;
mod inputs;
pub mod national;
mod output;
mod params;
mod pipeline;
mod rates;

pub use ages::{aggregate, band_ages, split_bands, total as aggregate_total, Pyramid, AGES};
pub use cohort::Cohorts;
pub use demand::{
    care_places_needed, dependency_ratio, dwellings_needed, gap, households, outside_care,
    per_1000, stock_after_demolition,
};
pub use forecast::{residual, Residual};
pub use output::{DemandRow, Label, ModelRun};
pub use params::{Levers, ModelParams, PersonsPerDwelling};
pub use pipeline::{completions, expected_completion, persons_per_dwelling, Completions};
pub use rates::{default_headship, headship, HEADSHIP};

use crate::domain::{Dataset, Sex};
use ages::{Splitter, EMPTY};
use forecast::{project_districts, step, DistrictYear, Rates};
use inputs::{Housing, Observed, ObservedMigration};
use national::National;

/// The version of the model's method, echoed in outputs so a number can be traced.
pub const MODEL_VERSION: &str = "2.0 (single-year cohort-component, housing-led districts)";

/// The municipality by single year of age for every year the dataset can give: the
/// `[municipal_population]` series where given; else the districts' own single-year records
/// summed; else the districts' bands summed and split by `shape(year)`. The second value says
/// which.
pub fn municipal_series(
    dataset: &Dataset,
    banded: impl Fn(i32) -> Option<Vec<f64>>,
    years: &[i32],
    national: &National,
) -> (Vec<(i32, Pyramid)>, &'static str) {
    let from_records = |municipal: bool| {
        let mut out: Vec<(i32, Pyramid)> = Vec::new();
        for r in &dataset.series.ages {
            if r.district.is_none() != municipal {
                continue;
            }
            let s = match r.sex {
                Sex::Male => 0,
                Sex::Female => 1,
                Sex::Total => continue,
            };
            let at = match out.binary_search_by_key(&r.year, |(y, _)| *y) {
                Ok(i) => i,
                Err(i) => {
                    out.insert(i, (r.year, EMPTY));
                    i
                }
            };
            out[at].1[s][usize::from(r.age).min(AGES - 1)] += r.persons;
        }
        out
    };
    let municipal = from_records(true);
    if !municipal.is_empty() {
        return (municipal, "the municipal single-year series");
    }
    let districts = from_records(false);
    if !districts.is_empty() {
        return (districts, "the districts' single-year population, summed");
    }
    let nb = dataset.bands.len();
    let out = years
        .iter()
        .filter_map(|&y| {
            let b = banded(y)?;
            let mut p = EMPTY;
            for s in 0..2 {
                p[s] = split_bands(
                    &b[s * nb..(s + 1) * nb],
                    &dataset.bands,
                    national.structure(s, y),
                );
            }
            Some((y, p))
        })
        .collect();
    (
        out,
        "the districts' bands summed and split into single years by Sweden's age structure",
    )
}

/// Runs the whole model on `dataset`: observed years copied from the inputs, then a projection
/// from the last observed year (the base year) to base + `params.horizon`. Never fails: what
/// cannot be used is left out and said in [`ModelRun::notes`].
pub fn run(dataset: &Dataset, params: &ModelParams) -> ModelRun {
    let mut notes: Vec<String> = params
        .validate(&dataset.bands)
        .into_iter()
        .map(|p| format!("parameter problem: {p}"))
        .collect();
    let levers = params
        .active_levers()
        .unwrap_or_else(|| params.levers.clone());
    let scenario = if params.active_levers().is_some() {
        params.scenario.clone()
    } else {
        "base".to_string()
    };
    let (nd, nb) = (dataset.districts.len(), dataset.bands.len());
    let stride = 2 * nb;
    let horizon = params.horizon.min(100);
    let housing = Housing::build(dataset);
    let Some(mut obs) = Observed::read(dataset, horizon) else {
        notes.push("no population data: nothing to project".into());
        return ModelRun {
            base_year: 0,
            horizon_year: 0,
            first_year: 0,
            rows: Vec::new(),
            notes,
            scenario,
            levers,
            municipal: Vec::new(),
            cohorts: Cohorts {
                years: Vec::new(),
                districts: nd,
                bands: nb,
                persons: Vec::new(),
            },
        };
    };
    let base_year = *obs.years.last().unwrap_or(&0);
    let base_index = obs.years.len() - 1;
    let (headship, headship_replaced) = rates::headship(params, &dataset.bands);
    if headship_replaced {
        notes.push(format!(
            "model.headship does not fit the dataset's {nb} age bands: the built-in table was used"
        ));
    }
    if obs.split_total > 0 {
        notes.push(format!(
            "population given only for both sexes (t) in {} district-years: split 50/50 between \
             men and women",
            obs.split_total
        ));
    }
    if obs.ignored_total > 0 {
        notes.push(format!(
            "{} district-years had both men/women and a total (t): the total was ignored",
            obs.ignored_total
        ));
    }
    if obs.skipped > 0 {
        notes.push(format!(
            "{} population records pointed outside the districts or bands and were skipped",
            obs.skipped
        ));
    }
    let national = national::national();

    // 1. The municipal series and the districts' base-year pyramids.
    let observed_years = obs.years.clone();
    let banded_sum = |y: i32| -> Option<Vec<f64>> {
        let yi = observed_years.binary_search(&y).ok()?;
        let mut sum = vec![0.0; stride];
        for d in 0..nd {
            for (s, v) in sum.iter_mut().zip(obs.at(d, yi)) {
                *s += v;
            }
        }
        Some(sum)
    };
    let (series, series_source) = municipal_series(dataset, banded_sum, &observed_years, national);
    let series: Vec<(i32, Pyramid)> = series
        .into_iter()
        .filter(|(y, _)| *y <= base_year)
        .collect();
    let own_base = series
        .iter()
        .find(|(y, _)| *y == base_year)
        .map(|(_, p)| *p);
    let shape =
        |s: usize| -> [f64; AGES] { own_base.map_or(*national.structure(s, base_year), |p| p[s]) };
    let splitters = [0, 1].map(|s| Splitter::new(&dataset.bands, &shape(s)));
    // The districts' base-year pyramids: their own single years where given, else their bands
    // split.
    let mut base: Vec<Pyramid> = vec![EMPTY; nd];
    let mut own_ages = vec![false; nd];
    for r in dataset.series.ages.iter().filter(|r| r.year == base_year) {
        let (Some(d), Some(s)) = (r.district, sex_index(r.sex)) else {
            continue;
        };
        if d < nd {
            own_ages[d] = true;
            base[d][s][usize::from(r.age).min(AGES - 1)] += r.persons;
        }
    }
    for (d, p) in base.iter_mut().enumerate() {
        if !own_ages[d] {
            let b = obs.at(d, base_index);
            for (s, splitter) in splitters.iter().enumerate() {
                splitter.split_into(&b[s * nb..(s + 1) * nb], &mut p[s]);
            }
        }
    }
    let mut municipal_base = EMPTY;
    for p in &base {
        for (m, v) in municipal_base.iter_mut().flatten().zip(p.iter().flatten()) {
            *m += v;
        }
    }
    if !own_ages.contains(&true) {
        notes.push(format!(
            "population by band split into single years in proportion to {}",
            if own_base.is_some() && series_source.starts_with("the municipal") {
                "the municipality's own single-year structure of the base year"
            } else {
                "Sweden's population by single year of age (SCB)"
            }
        ));
    }

    // 2. Net migration and fertility.
    let window = params.migration_window.clamp(1, 30);
    let estimate = forecast::residual(&series, national, base_year, window);
    let (mut net, migration_note) = match ObservedMigration::read(dataset, base_year, window) {
        Some(m) => {
            let mut p = EMPTY;
            for s in 0..2 {
                splitters[s].split_into(&m.net[s * nb..(s + 1) * nb], &mut p[s]);
            }
            let note = format!(
                "net migration from the dataset's in- and out-migration, mean of {} ({} a \
                 year), split into single years by the population's age structure",
                year_span(&m.years),
                fmt0(ages::total(&p))
            );
            (p, note)
        }
        None => match &estimate {
            Some(r) => (
                r.net,
                format!(
                    "net migration estimated by the residual (cohort-change) method from {}, \
                     mean of {}–{} ({} years): {} a year",
                    series_source,
                    r.first_year,
                    r.last_year,
                    r.years,
                    fmt0(ages::total(&r.net))
                ),
            ),
            None => (
                EMPTY,
                "no migration data and fewer than two years of population: the population is \
                 projected as closed (births and deaths only)"
                    .to_string(),
            ),
        },
    };
    notes.push(migration_note);
    let fertility_level = match &estimate {
        Some(r) if r.fertility_level.is_finite() && r.fertility_level > 0.0 => {
            notes.push(format!(
                "fertility: Sweden's age schedule of {base_year} (TFR {:.2}) × the municipality's \
                 level {:.3}, estimated from its age-0 counts {}–{} (births ≈ {} a year)",
                national::tfr(&national.fertility(base_year)),
                r.fertility_level,
                r.first_year,
                r.last_year,
                fmt0(r.births)
            ));
            r.fertility_level
        }
        _ => {
            notes.push(format!(
                "fertility: Sweden's age schedule of {base_year} (TFR {:.2}) unscaled: one year \
                 of population is not enough to estimate the municipality's level",
                national::tfr(&national.fertility(base_year))
            ));
            1.0
        }
    };
    notes.push(format!(
        "mortality: Sweden's death rates by single age of {} (SCB), improving by the 2010–2018 \
         trend{}",
        base_year.clamp(national.first_year, national.last_year()),
        match levers.mortality_improvement {
            Some(f) if f != 1.0 => format!(" × {f}"),
            _ => String::new(),
        }
    ));

    // 3. Scenario levers on migration.
    if let Some(m) = levers.net_migration_multiplier {
        for v in net.iter_mut().flatten() {
            *v *= m;
        }
    }
    if let Some(target) = levers.net_migration_per_year {
        let profile = forecast::mover_profile(&net, &municipal_base);
        let now = ages::total(&net);
        if now.abs() > 1.0 {
            let f = target / now;
            for v in net.iter_mut().flatten() {
                *v *= f;
            }
        } else {
            for (v, p) in net.iter_mut().flatten().zip(profile.iter().flatten()) {
                *v = target * p;
            }
        }
    }

    // 4. Construction.
    let delay = levers.pipeline_delay_years.unwrap_or(0).min(20);
    let excluded = levers.exclude_projects.as_deref().unwrap_or_default();
    let kept: std::borrow::Cow<[crate::domain::Project]> = if excluded.is_empty() {
        std::borrow::Cow::Borrowed(&dataset.projects)
    } else {
        let kept: Vec<_> = dataset
            .projects
            .iter()
            .filter(|p| !excluded.contains(&p.id))
            .cloned()
            .collect();
        notes.push(format!(
            "pipeline: {} project(s) left out ({})",
            dataset.projects.len() - kept.len(),
            excluded.join(", ")
        ));
        std::borrow::Cow::Owned(kept)
    };
    let mut completions = completions(&kept, nd, params, base_year, horizon, delay);
    if completions.without_district > 0 {
        notes.push(format!(
            "{} pipeline project(s) lie in no district and were left out",
            completions.without_district
        ));
    }
    let h = horizon as usize;
    let mean_ppd = mean_persons_per_dwelling(&completions, params);
    if let Some(per_year) = levers.completions_per_year {
        spread_completions(
            &mut completions,
            |_| per_year,
            mean_ppd,
            &housing,
            base_year,
        );
        notes.push(format!(
            "construction: {per_year} dwellings a year, spread over districts by the pipeline's \
             shares (or the stock's)"
        ));
    }
    let mut known_after = std::collections::BTreeMap::new();
    for r in dataset
        .series
        .completions
        .iter()
        .filter(|r| r.year > base_year)
    {
        *known_after.entry(r.year).or_insert(0.0) += r.dwellings;
    }
    if !known_after.is_empty() && levers.completions_per_year.is_none() {
        spread_completions(
            &mut completions,
            |k| {
                known_after
                    .get(&(base_year + k as i32 + 1))
                    .copied()
                    .unwrap_or(0.0)
            },
            mean_ppd,
            &housing,
            base_year,
        );
        notes.push(format!(
            "construction: the dwellings completed {} (known) are used instead of a pipeline",
            year_span(&known_after.keys().copied().collect::<Vec<_>>())
        ));
    }
    let movers_profile = forecast::mover_profile(&net, &municipal_base);
    let (adjust, reference) = construction_adjustment(
        dataset,
        &mut completions,
        &housing,
        base_year,
        window,
        mean_ppd,
    );
    if let Some(note) = reference {
        notes.push(note);
    }

    // 5. Rates and the year-by-year projection.
    let mut fertility = national.fertility(base_year);
    let f_mult = fertility_level * levers.fertility_multiplier.unwrap_or(1.0);
    for f in &mut fertility {
        *f *= f_mult;
    }
    let rates = Rates {
        national,
        base_year,
        improvement_factor: levers.mortality_improvement.unwrap_or(1.0),
        fertility,
        boys_share: params.boys_share.clamp(0.0, 1.0),
    };
    let capacity_base: Option<Vec<f64>> = housing.stock_year(base_year).map(|sy| {
        (0..nd)
            .map(|d| {
                let stock = housing.ordinary[sy * nd + d];
                let persons = ages::total(&base[d]);
                if stock > 0.0 && persons > 0.0 {
                    persons / stock * (1.0 + params.capacity_margin.max(0.0))
                } else {
                    f64::INFINITY
                }
            })
            .collect()
    });
    let stock_base: Vec<f64> = housing.stock_year(base_year).map_or(vec![0.0; nd], |sy| {
        housing.ordinary[sy * nd..(sy + 1) * nd].to_vec()
    });

    let mut municipal = vec![(base_year, municipal_base)];
    let mut pop = base;
    let mut constrained = vec![false; nd * h];
    let mut cumulative = vec![0.0; nd];
    let (mut clamped, mut moved_by_capacity) = (0.0, 0.0);
    let plane = nd * stride;
    for k in 1..=h {
        let year = base_year + k as i32;
        let survival = rates.survival(year);
        let mut year_net = net;
        if adjust {
            let extra: f64 = (0..nd)
                .map(|d| completions.persons[d * h + k - 1])
                .sum::<f64>()
                - completions.reference_persons;
            for (v, p) in year_net
                .iter_mut()
                .flatten()
                .zip(movers_profile.iter().flatten())
            {
                *v += extra * p;
            }
        }
        let mut control = EMPTY;
        let r = step(
            &municipal[k - 1].1,
            &survival,
            &rates.fertility,
            rates.boys_share,
            &year_net,
            &mut control,
        );
        clamped += r.clamped;
        let movers: Vec<f64> = (0..nd)
            .map(|d| {
                if params.housing_led {
                    completions.persons[d * h + k - 1]
                } else {
                    0.0
                }
            })
            .collect();
        for d in 0..nd {
            cumulative[d] += completions.dwellings[d * h + k - 1];
        }
        let capacity: Option<Vec<f64>> = capacity_base.as_ref().map(|ppd| {
            (0..nd)
                .map(|d| {
                    let dwellings =
                        stock_after_demolition(stock_base[d], params.demolition_rate, k as u32)
                            + cumulative[d];
                    ppd[d] * dwellings
                })
                .collect()
        });
        // The districts' year, aggregated to the dataset's bands into the cohort array.
        let yi = obs.years.len() + k - 1;
        let out = project_districts(
            &mut pop,
            &municipal[k - 1].1,
            &rates,
            &DistrictYear {
                survival: &survival,
                net: &year_net,
                movers: &movers,
                mover_profile: &movers_profile,
                capacity: capacity.as_deref().filter(|_| nd > 1),
                control: &control,
            },
            Some((
                &dataset.bands,
                &mut obs.persons[yi * plane..(yi + 1) * plane],
            )),
        );
        clamped += out.clamped;
        moved_by_capacity += out.moved_by_capacity;
        for d in out.constrained {
            constrained[d * h + k - 1] = true;
        }
        municipal.push((year, control));
    }
    // The single-year state is not needed any more: freed before the rows are made, so that a
    // run holds less at its peak.
    drop(pop);
    if clamped > 0.5 {
        notes.push(format!(
            "{} persons would have been negative (more net out-migration than people in an \
             age) and were set to 0",
            fmt0(clamped)
        ));
    }
    let held: Vec<&str> = (0..nd)
        .filter(|d| constrained[d * h..(d + 1) * h].iter().any(|c| *c))
        .map(|d| dataset.districts[d].id.as_str())
        .collect();
    if !held.is_empty() {
        notes.push(format!(
            "housing held back the population of {} district(s) ({}): {} persons went to \
             districts with room instead (capacity: dwellings × base-year persons per dwelling \
             × {:.2})",
            held.len(),
            held.iter().take(10).cloned().collect::<Vec<_>>().join(", "),
            fmt0(moved_by_capacity),
            1.0 + params.capacity_margin
        ));
    }
    let mut years = obs.years.clone();
    years.extend((1..=horizon as i32).map(|k| base_year + k));
    let cohorts = Cohorts {
        years,
        districts: nd,
        bands: nb,
        persons: std::mem::take(&mut obs.persons),
    };
    let rows = demand_rows(
        dataset,
        params,
        levers.headship_trend,
        &cohorts,
        &housing,
        &completions,
        &constrained,
        &headship,
        observed_years.len(),
        &mut notes,
    );
    ModelRun {
        base_year,
        horizon_year: base_year + horizon as i32,
        first_year: observed_years[0],
        rows,
        notes,
        scenario,
        levers,
        municipal,
        cohorts,
    }
}

fn sex_index(sex: Sex) -> Option<usize> {
    match sex {
        Sex::Male => Some(0),
        Sex::Female => Some(1),
        Sex::Total => None,
    }
}

fn fmt0(v: f64) -> String {
    format!("{v:.0}")
}

fn year_span(years: &[i32]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// Mean persons per new ordinary dwelling of the pipeline (the ordinary-flat default without
/// one).
fn mean_persons_per_dwelling(c: &Completions, params: &ModelParams) -> f64 {
    let d: f64 = c.dwellings.iter().sum();
    let p: f64 = c.persons.iter().sum();
    if d > 0.0 {
        p / d
    } else {
        params.persons_per_new_dwelling.other_flat
    }
}

/// Replaces the pipeline's timing by `per_year` dwellings a year, spread over districts by the
/// pipeline's shares (by the base-year stock's without a pipeline).
fn spread_completions(
    c: &mut Completions,
    per_year: impl Fn(usize) -> f64,
    ppd: f64,
    housing: &Housing,
    base_year: i32,
) {
    let h = c.years;
    if h == 0 {
        return;
    }
    let nd = c.dwellings.len() / h;
    let mut weight: Vec<f64> = (0..nd)
        .map(|d| c.dwellings[d * h..(d + 1) * h].iter().sum())
        .collect();
    if weight.iter().sum::<f64>() <= 0.0 {
        weight = housing.stock_year(base_year).map_or(vec![1.0; nd], |sy| {
            housing.ordinary[sy * nd..(sy + 1) * nd].to_vec()
        });
    }
    let total: f64 = weight.iter().sum::<f64>().max(1e-12);
    for d in 0..nd {
        for k in 0..h {
            let v = per_year(k) * weight[d] / total;
            c.dwellings[d * h + k] = v;
            c.persons[d * h + k] = v * ppd;
        }
    }
}

/// Housing-led municipal migration: when the completed dwellings of the window's years are
/// known (at least half of them), each projected year's net migration moves by the persons of
/// the dwellings completed beyond the window's mean, `(C_t − C̄) × persons per new dwelling`,
/// by the new-build mover profile; and when no pipeline is known, construction is taken to go
/// on at the window's mean. Returns whether to adjust, and a note.
fn construction_adjustment(
    dataset: &Dataset,
    completions: &mut Completions,
    housing: &Housing,
    base_year: i32,
    window: u32,
    ppd: f64,
) -> (bool, Option<String>) {
    let first = base_year - window as i32 + 1;
    let mut by_year = std::collections::BTreeMap::new();
    for r in &dataset.series.completions {
        if (first..=base_year).contains(&r.year) {
            *by_year.entry(r.year).or_insert(0.0) += r.dwellings;
        }
    }
    if by_year.is_empty() {
        return (false, None);
    }
    if (by_year.len() as u32) * 2 < window {
        return (
            false,
            Some(format!(
                "completed dwellings known for only {} of the {window} window years: migration \
                 is not adjusted to the construction volume",
                by_year.len()
            )),
        );
    }
    let mean = by_year.values().sum::<f64>() / by_year.len() as f64;
    completions.reference_persons = mean * ppd;
    let pipeline: f64 = completions.dwellings.iter().sum();
    let note = if pipeline <= 0.0 {
        // No pipeline: building goes on at the window's pace, spread by the stock.
        spread_completions(completions, |_| mean, ppd, housing, base_year);
        completions.assumed = true;
        format!(
            "construction: no pipeline, so {} dwellings a year are assumed (the mean completed \
             {}–{}) to house the estimated migration; they are not counted as pipeline, so the \
             gap is what remains to be planned",
            fmt0(mean),
            by_year.keys().next().unwrap_or(&first),
            by_year.keys().last().unwrap_or(&base_year)
        )
    } else {
        format!(
            "housing-led migration: each dwelling completed beyond the {}–{} mean of {} a year \
             brings {ppd:.2} net in-migrants by the new-build mover profile",
            by_year.keys().next().unwrap_or(&first),
            by_year.keys().last().unwrap_or(&base_year),
            fmt0(mean)
        )
    };
    (true, Some(note))
}

/// Age groups of the output, as band indices.
struct Groups {
    young: Vec<usize>,
    working: Vec<usize>,
    old_65_79: Vec<usize>,
    old_80: Vec<usize>,
    first_80: usize,
}

impl Groups {
    fn new(ds: &Dataset) -> Self {
        let b = &ds.bands;
        let old_80 = b.indices_within(80, None);
        Self {
            young: b.indices_within(0, Some(19)),
            working: b.indices_within(20, Some(64)),
            old_65_79: b.indices_within(65, Some(79)),
            first_80: old_80.first().copied().unwrap_or(b.len()),
            old_80,
        }
    }
}

fn sum_of(v: &[f64], idx: &[usize]) -> f64 {
    idx.iter().map(|&i| v[i]).sum()
}

/// Turns the cohorts into one [`DemandRow`] per district and year.
///
/// Per district and year: persons in care = min(ratio × 80+, 80+); households
/// `H = c_d × Σ_band headship(band) × persons outside care(band)`, with the calibration factor
/// `c_d = stock_d × (1 − vacancy) / H⁰_d` from the base year (1 without stock); dwellings needed
/// `H / (1 − vacancy)`, split by the head's age into the four types (which add up to it); the gap
/// against the stock less demolitions plus the pipeline; the care-place balance. With a
/// household-quotient trend `g` (% a year), the households of projected year `t` and their
/// types are multiplied by `(1 + g / 100)^(t − base)`; the calibration stays the base year's.
#[allow(clippy::too_many_arguments)]
fn demand_rows(
    ds: &Dataset,
    params: &ModelParams,
    headship_trend: Option<f64>,
    cohorts: &Cohorts,
    housing: &Housing,
    completions: &Completions,
    constrained: &[bool],
    headship: &[f64],
    observed_years: usize,
    notes: &mut Vec<String>,
) -> Vec<DemandRow> {
    let nd = ds.districts.len();
    let nb = cohorts.bands;
    let ny = cohorts.years.len();
    let base_index = observed_years - 1;
    let base_year = cohorts.years[base_index];
    let groups = Groups::new(ds);
    let reserve = 1.0 - params.vacancy_reserve;
    let ratio = params.care_places_per_100_80_plus;
    let stride = cohorts.stride();
    let h = completions.years;
    let small: Vec<usize> = (0..nb)
        .filter(|&b| ds.bands.as_slice()[b].lo < 30)
        .collect();
    let family: Vec<usize> = (0..nb)
        .filter(|&b| (30..65).contains(&ds.bands.as_slice()[b].lo))
        .collect();
    let stock_base_year = housing.stock_year(base_year);
    let special_base = housing.special_year(base_year);
    if stock_base_year.is_none() {
        notes.push(
            "no dwelling stock in the dataset: stock is 0, households are not calibrated and the \
             gap is the whole need"
                .into(),
        );
    } else if let Some(sy) = stock_base_year {
        if housing.years[sy] != base_year {
            notes.push(format!(
                "dwelling stock of {} used for the base year {base_year}",
                housing.years[sy]
            ));
        }
    }
    notes.push(format!(
        "care homes: {ratio} places per 100 persons 80+ needed (and taken out before households \
         are counted)"
    ));
    // The rows of the districts in `range`, with the range of their calibration factors.
    // Districts are read in blocks: each year's values of a block lie together in the cohort
    // array, and are copied district by district into `local` before the block's rows are made.
    const BLOCK: usize = 64;
    let rows_of = |range: std::ops::Range<usize>, capacity: usize| {
        let mut outside = vec![0.0; nb];
        let mut buf = vec![0.0; nb];
        let mut local = vec![0.0; BLOCK * ny * stride];
        let mut rows = Vec::with_capacity(capacity);
        let (mut cal_min, mut cal_max) = (f64::INFINITY, f64::NEG_INFINITY);
        for d in range.clone() {
            let j = (d - range.start) % BLOCK;
            if j == 0 {
                let end = (d + BLOCK).min(range.end);
                for yi in 0..ny {
                    let year = &cohorts.persons[(yi * nd + d) * stride..(yi * nd + end) * stride];
                    for (k, v) in year.chunks_exact(stride).enumerate() {
                        local[(k * ny + yi) * stride..(k * ny + yi + 1) * stride]
                            .copy_from_slice(v);
                    }
                }
            }
            let district = &ds.districts[d];
            // One text per district, shared by its rows.
            let (code, name) = (
                Label::from(district.id.as_str()),
                Label::from(district.name.as_str()),
            );
            let persons = |yi: usize, out: &mut [f64]| {
                let start = (j * ny + yi) * stride;
                let p = &local[start..start + stride];
                for b in 0..nb {
                    out[b] = p[b] + p[nb + b];
                }
            };
            let raw_households = |buf: &[f64], outside: &mut [f64]| -> (f64, f64) {
                let p80 = sum_of(buf, &groups.old_80);
                let in_care = (p80 * ratio / 100.0).min(p80);
                demand::outside_care_into(buf, groups.first_80, in_care, outside);
                (in_care, households(outside, headship))
            };
            persons(base_index, &mut buf);
            let (_, base_raw) = raw_households(&buf, &mut outside);
            let base_stock = stock_base_year.map_or(0.0, |sy| housing.ordinary[sy * nd + d]);
            let calibration = if base_stock > 0.0 && base_raw > 0.0 {
                base_stock * reserve / base_raw
            } else {
                1.0
            };
            if base_stock > 0.0 && base_raw > 0.0 {
                cal_min = cal_min.min(calibration);
                cal_max = cal_max.max(calibration);
            }
            let care_existing = special_base.map_or(0.0, |sy| housing.special[sy * nd + d]);
            let (mut pipeline, mut care_pipeline, mut movers) = (0.0, 0.0, 0.0);
            for yi in 0..ny {
                let year = cohorts.years[yi];
                let observed = yi < observed_years;
                persons(yi, &mut buf);
                let (in_care, raw) = raw_households(&buf, &mut outside);
                // The household-quotient trend, from the year after the base year on.
                let trend = headship_trend
                    .filter(|_| !observed && year > base_year)
                    .map(|g| (1.0 + g / 100.0).powi(year - base_year));
                let with_trend = |v: f64| trend.map_or(v, |t| v * t);
                let hh = with_trend(raw * calibration);
                let population: f64 = buf.iter().sum();
                let p80 = sum_of(&buf, &groups.old_80);
                let needed = dwellings_needed(hh, params.vacancy_reserve);
                let k = year - base_year;
                let stock = if observed {
                    housing
                        .stock_year(year)
                        .map_or(0.0, |sy| housing.ordinary[sy * nd + d])
                } else {
                    stock_after_demolition(base_stock, params.demolition_rate, k as u32)
                };
                let mut held = false;
                if !observed && h > 0 && (k as usize) <= h {
                    let i = d * h + k as usize - 1;
                    if !completions.assumed {
                        pipeline += completions.dwellings[i];
                    }
                    care_pipeline += completions.care_places[i];
                    movers += completions.persons[i];
                    held = constrained.get(i).copied().unwrap_or(false);
                }
                let pipe = if observed { 0.0 } else { pipeline };
                let care_pipe = if observed { 0.0 } else { care_pipeline };
                let the_gap = gap(needed, stock, pipe);
                let young = sum_of(&buf, &groups.young);
                let working = sum_of(&buf, &groups.working);
                let p65_79 = sum_of(&buf, &groups.old_65_79);
                let of = |idx: &[usize]| -> f64 {
                    with_trend(
                        idx.iter().map(|&i| outside[i] * headship[i]).sum::<f64>() * calibration
                            / reserve,
                    )
                };
                let needed_care = care_places_needed(p80, ratio);
                rows.push(DemandRow {
                    district: code.clone(),
                    name: name.clone(),
                    year,
                    observed,
                    population,
                    population_0_19: young,
                    population_20_64: working,
                    population_65_79: p65_79,
                    population_80_plus: p80,
                    households: hh,
                    headship_calibration: calibration,
                    dwellings_needed: needed,
                    dwellings_stock: stock,
                    dwellings_pipeline: pipe,
                    gap: the_gap,
                    gap_per_1000: per_1000(the_gap, population),
                    new_dwelling_movers: if observed { 0.0 } else { movers },
                    housing_constrained: held,
                    care_places_needed: needed_care,
                    care_places_existing: care_existing,
                    care_places_pipeline: care_pipe,
                    care_place_balance: care_existing + care_pipe - needed_care,
                    persons_in_care: in_care,
                    dependency_ratio: dependency_ratio(young, working, p65_79 + p80)
                        .unwrap_or(f64::NAN),
                    small_flats_needed: of(&small),
                    family_dwellings_needed: of(&family),
                    accessible_flats_needed: of(&groups.old_65_79),
                    senior_dwellings_needed: of(&groups.old_80),
                });
            }
        }
        (rows, cal_min, cal_max)
    };
    let half = nd / 2;
    let ((mut rows, min1, max1), (second, min2, max2)) = std::thread::scope(|sc| {
        let second = sc.spawn(|| rows_of(half..nd, (nd - half) * ny));
        // The first half's vector has room for the second's, which is appended to it.
        let first = rows_of(0..half, nd * ny);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    rows.extend(second);
    let (cal_min, cal_max) = (min1.min(min2), max1.max(max2));
    if cal_min.is_finite() {
        notes.push(format!(
            "household quotients calibrated per district so that base-year households equal \
             occupied dwellings (stock × (1 − {})): factors {cal_min:.2}–{cal_max:.2}",
            params.vacancy_reserve
        ));
    }
    rows
}
