//! The housing-demand model: cohort-component projection per district and year, households by
//! the household-quotient method, dwelling demand by type, care-home places, and the gap against
//! stock and pipeline. Pure functions of domain values and parameters (no I/O, no GDAL, no
//! HTTP); every formula and default is in `docs/model.md`.
//!
//! [`run`] is the entry point. It reads the dataset's records once into flat arrays indexed by
//! district, sex and band, prepares every rate once, then steps the population a year at a time
//! ([`project_step`]) and turns each district-year into a [`DemandRow`]
//! ([`households`], [`dwellings_needed`], [`gap`], [`dependency_ratio`]).

mod cohort;
mod demand;
mod inputs;
mod output;
mod params;
mod pipeline;
mod rates;

use cohort::step_in_place;
pub use cohort::{births, project_step, survive_and_age, Cohorts, Components};
pub use demand::{
    care_places_needed, dependency_ratio, dwellings_needed, gap, households, outside_care,
    per_1000, stock_after_demolition,
};
pub use output::{DemandRow, ModelRun};
pub use params::{ModelParams, PersonsPerDwelling, Scenario, ScenarioScale, SexRates};
pub use pipeline::{completions, expected_completion, persons_per_dwelling, Completions};
pub use rates::{
    default_death_rates_female, default_death_rates_male, default_headship, fertility_by_band,
    open_band_rate, Demography, DEATH_RATES_FEMALE_2018, DEATH_RATES_MALE_2018, FERTILITY_2018,
    HEADSHIP,
};

use crate::domain::Dataset;
use inputs::{Housing, Migration, MigrationMode, Observed, QuickScan};

/// Runs the whole model on `dataset`: observed years copied from the inputs, then a projection
/// from the last observed year (the base year) to base + `params.horizon`. Never fails: what
/// cannot be used is left out and said in [`ModelRun::notes`].
pub fn run(dataset: &Dataset, params: &ModelParams) -> ModelRun {
    let mut notes: Vec<String> = params
        .validate(&dataset.bands)
        .into_iter()
        .map(|p| format!("parameter problem: {p}"))
        .collect();
    let (nd, nb) = (dataset.districts.len(), dataset.bands.len());
    let stride = 2 * nb;
    let (demography, replaced) = Demography::new(params, &dataset.bands);
    for table in replaced {
        notes.push(format!(
            "model.{table} does not fit the dataset's {nb} age bands: the built-in table was used"
        ));
    }
    let horizon = params.horizon.min(100);
    // The population and the migration records (a pass that needs no base year), with the
    // dwellings, are read side by side.
    let (obs, quick, housing) = std::thread::scope(|s| {
        let other = s.spawn(|| {
            (
                QuickScan::scan(dataset, params.rate_years),
                Housing::build(dataset),
            )
        });
        let obs = Observed::read(dataset, horizon);
        let (quick, housing) = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (obs, quick, housing)
    });
    let Some(mut obs) = obs else {
        notes.push("no population data: nothing to project".into());
        return ModelRun {
            base_year: 0,
            horizon_year: 0,
            first_year: 0,
            rows: Vec::new(),
            notes,
            scenario: params.scenario,
            cohorts: Cohorts {
                years: Vec::new(),
                districts: nd,
                bands: nb,
                persons: Vec::new(),
            },
        };
    };
    let base_year = *obs.years.last().unwrap_or(&0);
    let scan = quick.resolve(dataset, base_year, params.rate_years);
    let (headship, headship_replaced) = Demography::headship(params, &dataset.bands);
    if headship_replaced {
        notes.push(format!(
            "model.headship does not fit the dataset's {nb} age bands: the built-in table was used"
        ));
    }
    if obs.split_total > 0 {
        notes.push(format!(
            "population given only for both sexes (t) in {} district-years: split 50/50 between \
             men and women for survival and fertility",
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

    let mut migration = Migration::finish(scan, &obs, nd);
    let scale = params.in_migration_scale();
    let completions = completions(&dataset.projects, nd, params, base_year, horizon);
    notes.extend(migration_notes(&migration, params, &completions, scale));
    if completions.without_district > 0 {
        notes.push(format!(
            "{} pipeline project(s) lie in no district and were left out",
            completions.without_district
        ));
    }

    let observed_years = obs.years.len();
    let first_year = obs.years[0];
    let cohorts = project(
        &mut obs,
        &mut migration,
        &completions,
        &demography,
        params,
        nd,
        horizon,
    );

    let rows = demand_rows(
        dataset,
        params,
        &cohorts,
        &housing,
        &completions,
        &headship,
        observed_years,
        &mut notes,
    );
    debug_assert_eq!(cohorts.persons.len(), cohorts.years.len() * nd * stride);
    ModelRun {
        base_year,
        horizon_year: base_year + horizon as i32,
        first_year,
        rows,
        notes,
        scenario: params.scenario,
        cohorts,
    }
}

fn migration_notes(
    m: &Migration,
    params: &ModelParams,
    completions: &Completions,
    scale: f64,
) -> Vec<String> {
    let span = match (m.years.first(), m.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let scenario =
        format!("scenario {:?} (in-migration × {scale})", params.scenario).to_lowercase();
    let mut notes = Vec::new();
    match m.mode {
        MigrationMode::Closed => notes.push(
            "no migration data: the population is projected as closed (births and deaths \
             only, no in- or out-migration)"
                .to_string(),
        ),
        MigrationMode::Municipal => {
            let housing_led = params.housing_led && completions.persons.iter().any(|p| *p > 0.0);
            notes.push(format!(
                "migration is given for the whole municipality only ({span}): municipal \
                 out-migration rates for every district; in-migrants spread over districts {}; {scenario}",
                if housing_led {
                    "into expected new dwellings first (housing-led), the rest by population share"
                } else {
                    "by population share"
                }
            ));
        }
        MigrationMode::District => {
            notes.push(format!(
                "migration per district ({span}): local out-migration rates and in-migrant \
                 counts{}; {scenario}",
                if params.align_to_municipal {
                    ", districts aligned to the municipal projection"
                } else {
                    ""
                }
            ));
            if m.ignored_municipal > 0 {
                notes.push(format!(
                    "{} migration records without a district were ignored (others have one)",
                    m.ignored_municipal
                ));
            }
        }
    }
    notes
}

/// The cohort-component projection: observed years, then `horizon` projected years.
///
/// Each projected year is a copy of the year before, stepped in place in the cohort array. The
/// districts are stepped in two halves on two threads; between years the main thread does what
/// couples the districts (the spread of municipal in-migrants, the alignment to the municipal
/// projection, whose scaling of a year is applied when the next year is stepped).
fn project(
    obs: &mut Observed,
    migration: &mut Migration,
    completions: &Completions,
    demography: &Demography,
    params: &ModelParams,
    nd: usize,
    horizon: u32,
) -> Cohorts {
    let nb = demography.bands;
    let stride = 2 * nb;
    let base_year = *obs.years.last().unwrap_or(&0);
    let mut years = obs.years.clone();
    years.extend((1..=horizon as i32).map(|k| base_year + k));
    let observed = obs.years.len();
    let plane = nd * stride;
    let mut persons = std::mem::take(&mut obs.persons);

    let scale = params.in_migration_scale();
    // In-migrants per year with the scenario applied, and their municipal sums by sex and band.
    for v in &mut migration.in_migrants {
        *v *= scale;
    }
    let migration = &*migration;
    let mut municipal_in = vec![0.0; stride];
    if migration.mode != MigrationMode::Closed {
        for (i, v) in migration.in_migrants.iter().enumerate() {
            municipal_in[i % stride] += v;
        }
    }
    let municipal_in_total: f64 = municipal_in.iter().sum();
    let align = params.align_to_municipal && migration.mode == MigrationMode::District;
    let mut municipal = vec![0.0; stride];
    if align {
        let base = &persons[(observed - 1) * plane..observed * plane];
        for p in base.chunks_exact(stride) {
            for (m, p) in municipal.iter_mut().zip(p) {
                *m += p;
            }
        }
    }
    let mut weights = vec![0.0; nd];
    // Scaling of the year just stepped (all ones without alignment).
    let mut factors = vec![1.0; stride];
    let h = completions.years;
    let half_cells = (nd / 2) * stride;
    let ctx = Stepper {
        migration,
        demography,
        municipal_in: &municipal_in,
        stride,
    };

    for k in 1..=horizon + 1 {
        // Year `k − 1` is scaled (when aligned) and year `k` stepped; the last round only scales.
        let y = observed + k as usize - 1;
        let survival = (k <= horizon).then(|| demography.survival(k));
        let (before, after) = persons.split_at_mut(y * plane);
        let previous = &mut before[(y - 1) * plane..];
        if k <= horizon && migration.mode == MigrationMode::Municipal {
            let new_persons = |d: usize| {
                if params.housing_led && h > 0 {
                    completions.persons[d * h + k as usize - 1]
                } else {
                    0.0
                }
            };
            spread_weights(
                previous,
                stride,
                municipal_in_total,
                new_persons,
                &mut weights,
            );
        }
        let round = Round {
            survival: survival.as_deref(),
            factors: (align && k > 1).then_some(&factors[..]),
            weights: &weights,
        };
        let next = if k <= horizon {
            &mut after[..plane]
        } else {
            &mut []
        };
        let (prev_a, prev_b) = previous.split_at_mut(half_cells);
        let (next_a, next_b) = next.split_at_mut(half_cells.min(next.len()));
        let mut sums = std::thread::scope(|s| {
            s.spawn(|| ctx.round(&round, prev_b, next_b, nd / 2, false));
            ctx.round(&round, prev_a, next_a, 0, align)
        });
        if let (Some(survival), true) = (&survival, align) {
            project_step(
                &mut municipal,
                demography,
                survival,
                &migration.municipal_out_rate,
                &municipal_in,
            );
            // The first half's sums continued over the second half: the districts are added
            // in their order.
            for p in after[half_cells..plane].chunks_exact(stride) {
                for (s, p) in sums.iter_mut().zip(p) {
                    *s += p;
                }
            }
            for ((f, m), s) in factors.iter_mut().zip(&municipal).zip(&sums) {
                *f = if *s > 0.0 { m / s } else { 1.0 };
            }
        }
    }
    Cohorts {
        years,
        districts: nd,
        bands: nb,
        persons,
    }
}

/// What stays the same through the projection's rounds.
struct Stepper<'a> {
    migration: &'a Migration,
    demography: &'a Demography,
    /// Municipal in-migrants per year `[sex][band]`, scenario applied.
    municipal_in: &'a [f64],
    stride: usize,
}

/// One round of the projection: finish the year just stepped, step the next.
struct Round<'a> {
    /// Survival of the year to step; `None` in the last round (no step).
    survival: Option<&'a [f64]>,
    /// Alignment factors `[sex][band]` of the year just stepped, when it is to be scaled.
    factors: Option<&'a [f64]>,
    /// Shares of the municipal in-migrants by district.
    weights: &'a [f64],
}

impl Stepper<'_> {
    /// The round for the districts from `first` on: `previous` holds them in the year just
    /// stepped (scaled here by the round's factors), `next` receives the year stepped from it
    /// (empty in the last round). Returns the sums of `next` by sex and band when `sum` (for
    /// the alignment; else empty).
    fn round(
        &self,
        round: &Round<'_>,
        previous: &mut [f64],
        next: &mut [f64],
        first: usize,
        sum: bool,
    ) -> Vec<f64> {
        let stride = self.stride;
        let m = self.migration;
        let mut sums = vec![0.0; if sum { stride } else { 0 }];
        let mut in_buf = vec![0.0; stride];
        let zero = vec![0.0; stride];
        if let Some(factors) = round.factors {
            for p in previous.chunks_exact_mut(stride) {
                for (p, f) in p.iter_mut().zip(factors) {
                    *p *= f;
                }
            }
        }
        let Some(survival) = round.survival else {
            return sums;
        };
        next.copy_from_slice(previous);
        for (i, p) in next.chunks_exact_mut(stride).enumerate() {
            let d = first + i;
            let out_rate: &[f64] = match m.mode {
                MigrationMode::Closed => &zero,
                MigrationMode::Municipal => &m.out_rate[..stride],
                MigrationMode::District => &m.out_rate[d * stride..(d + 1) * stride],
            };
            let in_migrants: &[f64] = match m.mode {
                MigrationMode::Closed => &zero,
                MigrationMode::Municipal => {
                    for (b, v) in in_buf.iter_mut().zip(self.municipal_in) {
                        *b = v * round.weights[d];
                    }
                    &in_buf
                }
                MigrationMode::District => &m.in_migrants[d * stride..(d + 1) * stride],
            };
            step_in_place(p, self.demography, survival, out_rate, in_migrants);
            if sum {
                for (s, p) in sums.iter_mut().zip(p.iter()) {
                    *s += p;
                }
            }
        }
        sums
    }
}

/// Shares of the municipal in-migrants going to each district in a year. Housing-led: the
/// persons expected to move into new dwellings (`new_persons(d)`) are served first (scaled down
/// when they exceed the in-migrants), the rest is spread by the districts' population at the
/// start of the year. Without new dwellings: by population share alone.
fn spread_weights(
    current: &[f64],
    stride: usize,
    total_in: f64,
    new_persons: impl Fn(usize) -> f64,
    weights: &mut [f64],
) {
    let nd = weights.len();
    let pop = |d: usize| -> f64 { current[d * stride..(d + 1) * stride].iter().sum() };
    let total_pop: f64 = (0..nd).map(pop).sum();
    let total_new: f64 = (0..nd).map(&new_persons).sum();
    let pop_share = |d: usize| {
        if total_pop > 0.0 {
            pop(d) / total_pop
        } else {
            1.0 / nd as f64
        }
    };
    if total_new <= 0.0 || total_in <= 0.0 {
        for (d, w) in weights.iter_mut().enumerate() {
            *w = pop_share(d);
        }
        return;
    }
    let fill = (total_in / total_new).min(1.0);
    let rest = (total_in - total_new).max(0.0);
    for (d, w) in weights.iter_mut().enumerate() {
        *w = (new_persons(d) * fill + rest * pop_share(d)) / total_in;
    }
}

/// Age groups of the output, as band indices.
struct Groups {
    young: Vec<usize>,
    working: Vec<usize>,
    old_65_79: Vec<usize>,
    old_80: Vec<usize>,
    young_adults: Vec<usize>,
    family: Vec<usize>,
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
            young_adults: b.indices_within(20, Some(29)),
            family: b.indices_within(30, Some(49)),
        }
    }
}

fn sum_of(v: &[f64], idx: &[usize]) -> f64 {
    idx.iter().map(|&i| v[i]).sum()
}

/// Turns the cohorts into one [`DemandRow`] per district and year.
#[allow(clippy::too_many_arguments)]
fn demand_rows(
    ds: &Dataset,
    params: &ModelParams,
    cohorts: &Cohorts,
    housing: &Housing,
    completions: &Completions,
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
    let stride = cohorts.stride();
    let band_totals = |yi: usize, d: usize, out: &mut [f64]| {
        let start = (yi * nd + d) * stride;
        let p = &cohorts.persons[start..start + stride];
        for b in 0..nb {
            out[b] = p[b] + p[nb + b];
        }
    };

    // Care-home occupancy: observed places where given for the year, else the district's
    // share of 80+ in care in the latest year with places up to the base year.
    let care_year = housing.special_year(base_year);
    let default_ratio = params.care_places_per_100_80_plus / 100.0;
    // The special-housing year and the observed year (index) whose 80+ it is set against.
    let care = care_year.map(|sy| {
        let year = housing.special_years[sy];
        let yi = cohorts.years[..observed_years]
            .iter()
            .enumerate()
            .min_by_key(|(_, y)| (**y - year).abs())
            .map_or(base_index, |(i, _)| i);
        (sy, yi)
    });
    // The share of 80+ of district `d` in care; `persons`: its persons by band in the year of
    // `care`.
    let care_ratio = |d: usize, persons: Option<&[f64]>| match (care, persons) {
        (Some((sy, _)), Some(persons)) => {
            let old = sum_of(persons, &groups.old_80);
            let places = housing.special[sy * nd + d];
            if old > 0.0 {
                (places / old).min(1.0)
            } else {
                0.0
            }
        }
        _ => default_ratio,
    };
    if care_year.is_none() {
        notes.push(format!(
            "no special housing (specialbostad) in the dataset: {} per 100 persons 80+ are \
             assumed to live in care homes",
            params.care_places_per_100_80_plus
        ));
    }
    let stock_base_year = housing.stock_year(base_year);
    if stock_base_year.is_none() {
        notes.push(
            "no dwelling stock in the dataset: stock is 0 and the gap is the whole need".into(),
        );
    } else if let Some(sy) = stock_base_year {
        if housing.years[sy] != base_year {
            notes.push(format!(
                "dwelling stock of {} used for the base year {base_year}",
                housing.years[sy]
            ));
        }
    }

    let h = completions.years;
    // Persons in care, households and the households of the four demand groups of district
    // `d` in year index `yi` whose persons by band are `buf` (`care_ratio`: the district's
    // share of 80+ in care); `outside` receives those outside care.
    let parts = |yi: usize, d: usize, buf: &[f64], care_ratio: f64, outside: &mut [f64]| {
        let p80 = sum_of(buf, &groups.old_80);
        let in_care = match housing.special_years.binary_search(&cohorts.years[yi]) {
            Ok(sy) if yi < observed_years => housing.special[sy * nd + d].min(p80),
            _ => care_ratio * p80,
        };
        demand::outside_care_into(buf, groups.first_80, in_care, outside);
        let group = |idx: &[usize]| -> f64 { idx.iter().map(|&i| outside[i] * headship[i]).sum() };
        let g = [
            group(&groups.young_adults),
            group(&groups.family),
            group(&groups.old_65_79),
            group(&groups.old_80),
        ];
        (in_care, households(outside, headship), g)
    };

    // The rows of the districts in `range` (in a vector with room for `capacity` rows), with
    // their base-year households and stock.
    // The persons by band are gathered a block of districts at a time, year by year (a year's
    // districts lie together in the cohorts).
    const BLOCK: usize = 32;
    let rows_of = |range: std::ops::Range<usize>, capacity: usize| {
        let mut block = vec![0.0; BLOCK * ny * nb];
        let mut outside = vec![0.0; nb];
        let mut rows = Vec::with_capacity(capacity);
        let (mut base_households, mut base_stock_total) = (0.0, 0.0);
        for d in range.clone() {
            let i = (d - range.start) % BLOCK;
            if i == 0 {
                let end = (d + BLOCK).min(range.end);
                for yi in 0..ny {
                    for e in d..end {
                        let at = ((e - d) * ny + yi) * nb;
                        band_totals(yi, e, &mut block[at..at + nb]);
                    }
                }
            }
            let district = &ds.districts[d];
            let by_year = |yi: usize| &block[(i * ny + yi) * nb..(i * ny + yi + 1) * nb];
            let ratio = care_ratio(d, care.map(|(_, yi)| by_year(yi)));
            // The demand by type is measured against the base year.
            let base_groups = parts(base_index, d, by_year(base_index), ratio, &mut outside).2;
            let mut pipeline = 0.0;
            for yi in 0..ny {
                let year = cohorts.years[yi];
                let observed = yi < observed_years;
                let buf = by_year(yi);
                let (in_care, hh, g) = parts(yi, d, buf, ratio, &mut outside);
                let population: f64 = buf.iter().sum();
                let p80 = sum_of(buf, &groups.old_80);
                let needed = dwellings_needed(hh, params.vacancy_reserve);
                let k = year - base_year;
                let stock = if observed {
                    housing
                        .stock_year(year)
                        .map_or(0.0, |sy| housing.ordinary[sy * nd + d])
                } else {
                    let base = stock_base_year.map_or(0.0, |sy| housing.ordinary[sy * nd + d]);
                    stock_after_demolition(base, params.demolition_rate, k as u32)
                };
                if !observed && h > 0 && (k as usize) <= h {
                    pipeline += completions.dwellings[d * h + k as usize - 1];
                }
                let pipe = if observed { 0.0 } else { pipeline };
                if yi == base_index {
                    base_households += hh;
                    base_stock_total += stock;
                }
                let added = |i: usize| (g[i] - base_groups[i]) / reserve;
                let the_gap = gap(needed, stock, pipe);
                let young = sum_of(buf, &groups.young);
                let working = sum_of(buf, &groups.working);
                let p65_79 = sum_of(buf, &groups.old_65_79);
                rows.push(DemandRow {
                    district: district.id.clone(),
                    name: district.name.clone(),
                    year,
                    observed,
                    population,
                    population_0_19: young,
                    population_20_64: working,
                    population_65_79: p65_79,
                    population_80_plus: p80,
                    households: hh,
                    dwellings_needed: needed,
                    dwellings_stock: stock,
                    dwellings_pipeline: pipe,
                    gap: the_gap,
                    gap_per_1000: per_1000(the_gap, population),
                    care_places_needed: care_places_needed(p80, params.care_places_per_100_80_plus),
                    persons_in_care: in_care,
                    dependency_ratio: dependency_ratio(young, working, p65_79 + p80)
                        .unwrap_or(f64::NAN),
                    small_flats_needed: added(0),
                    family_dwellings_needed: added(1),
                    accessible_flats_needed: added(2),
                    senior_dwellings_needed: added(3),
                });
            }
        }
        (rows, base_households, base_stock_total)
    };
    // The two halves of the districts on two threads.
    let half = nd / 2;
    let ((mut rows, h1, s1), (second, h2, s2)) = std::thread::scope(|s| {
        let second = s.spawn(|| rows_of(half..nd, (nd - half) * ny));
        let first = rows_of(0..half, nd * ny);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    rows.extend(second);
    let (base_households, base_stock_total) = (h1 + h2, s1 + s2);
    if base_stock_total > 0.0 {
        notes.push(format!(
            "base year {base_year}: {base_households:.0} households against {base_stock_total:.0} \
             dwellings (ratio {:.3})",
            base_households / base_stock_total
        ));
    }
    rows
}
