//! From a [`Dataset`]'s records to the model's flat arrays: observed population by year,
//! district, sex and band; migration rates and in-migrant counts; dwelling stock and care-home
//! places. Done once per run, so the yearly loop never touches a record or a map.

use crate::domain::{Dataset, DwellingType, Sex};

/// Observed population in an array laid out `[year][district][sex][band]` with room for the
/// projected years after the observed ones (the projection fills them in place).
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub years: Vec<i32>,
    /// Districts per year in `persons`.
    pub districts: usize,
    pub stride: usize,
    pub persons: Vec<f64>,
    /// District-years given only as both sexes (`t`) and split 50/50.
    pub split_total: usize,
    /// District-years with both a split and a `t` total: the total was ignored.
    pub ignored_total: usize,
    /// Records pointing outside the districts or bands (skipped).
    pub skipped: usize,
}

impl Observed {
    /// The observed years, and whether any record is for both sexes (`t`).
    fn scan_years(ds: &Dataset) -> (Vec<i32>, bool) {
        let mut any_total = false;
        let years = distinct_years(ds.population.iter().map(|r| {
            any_total |= r.sex == Sex::Total;
            r.year
        }));
        (years, any_total)
    }

    /// Reads the population; the array keeps room for `extra_years` more years per district.
    /// `None` without population records.
    ///
    /// The years are first guessed from a sample of the records and checked against every
    /// record while it is read, so one pass is enough when the sample saw every year (it always
    /// does for tables ordered by district or by year); else the years are scanned and the
    /// records read again.
    pub fn read(ds: &Dataset, extra_years: u32) -> Option<Self> {
        let n = ds.population.len();
        let samples = n.min(257);
        let guess = distinct_years(
            (0..samples).map(|i| ds.population[i * (n - 1) / (samples - 1).max(1)].year),
        );
        if guess.is_empty() {
            return None;
        }
        Self::build(ds, guess, extra_years, true).or_else(|| {
            let (years, _) = Self::scan_years(ds);
            Self::build(ds, years, extra_years, false)
        })
    }

    /// Reads the population of `years` (ascending, not empty). `strict`: gives up (`None`) on
    /// a record of another year; else such records are skipped.
    fn build(ds: &Dataset, years: Vec<i32>, extra_years: u32, strict: bool) -> Option<Self> {
        let (nd, nb) = (ds.districts.len(), ds.bands.len());
        let stride = 2 * nb;
        let ny = years.len();
        let total_years = ny + extra_years as usize;
        let cells = ny * nd;
        let mut persons = vec![0.0; nd * total_years * stride];
        // Records for both sexes, `[district][year][band]` (allocated at the first one).
        let mut totals: Vec<f64> = Vec::new();
        let mut has_split = vec![false; cells];
        let mut has_total = vec![false; cells];
        let mut skipped = 0;
        let (mut last_year, mut last_index) = (None, None);
        for r in &ds.population {
            if last_year != Some(r.year) {
                last_year = Some(r.year);
                last_index = years.binary_search(&r.year).ok();
                if strict && last_index.is_none() {
                    return None;
                }
            }
            if r.district >= nd || r.band >= nb {
                skipped += 1;
                continue;
            }
            let Some(y) = last_index else {
                continue;
            };
            let cell = r.district * ny + y;
            let at = (y * nd + r.district) * stride + r.band;
            match r.sex {
                Sex::Male => {
                    persons[at] += r.persons;
                    has_split[cell] = true;
                }
                Sex::Female => {
                    persons[at + nb] += r.persons;
                    has_split[cell] = true;
                }
                Sex::Total => {
                    if totals.is_empty() {
                        totals = vec![0.0; cells * nb];
                    }
                    totals[cell * nb + r.band] += r.persons;
                    has_total[cell] = true;
                }
            }
        }
        let (mut split_total, mut ignored_total) = (0, 0);
        for cell in 0..cells {
            if !has_total[cell] {
                continue;
            }
            if has_split[cell] {
                ignored_total += 1;
                continue;
            }
            split_total += 1;
            let start = ((cell % ny) * nd + cell / ny) * stride;
            for b in 0..nb {
                let half = totals[cell * nb + b] * 0.5;
                persons[start + b] = half;
                persons[start + nb + b] = half;
            }
        }
        Some(Self {
            years,
            districts: nd,
            stride,
            persons,
            split_total,
            ignored_total,
            skipped,
        })
    }

    /// The `[sex][band]` array of district `d` in year index `y`.
    pub fn at(&self, d: usize, y: usize) -> &[f64] {
        let start = (y * self.districts + d) * self.stride;
        &self.persons[start..start + self.stride]
    }

    /// Index of the observed year nearest to `year` (the earlier on a tie).
    pub fn nearest(&self, year: i32) -> usize {
        let mut best = 0;
        for (i, &y) in self.years.iter().enumerate() {
            if (y - year).abs() < (self.years[best] - year).abs() {
                best = i;
            }
        }
        best
    }
}

/// Where migration is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MigrationMode {
    /// No migration data: closed population.
    Closed,
    /// One table for the whole municipality.
    Municipal,
    /// Per district.
    District,
}

/// Migration prepared for the projection.
#[derive(Debug, Clone)]
pub(crate) struct Migration {
    pub mode: MigrationMode,
    /// Years whose mean gives the rates.
    pub years: Vec<i32>,
    /// Out-migration rates `[unit][sex][band]`; one unit when municipal, one per district.
    pub out_rate: Vec<f64>,
    /// Pooled municipal out-migration rates `[sex][band]`.
    pub municipal_out_rate: Vec<f64>,
    /// Mean in-migrants per year `[unit][sex][band]` (not yet scaled by the scenario).
    pub in_migrants: Vec<f64>,
    /// Records with a district code while others had none (ignored), and vice versa.
    pub ignored_municipal: usize,
}

/// Migration records summed over the rate years, before the population is known.
#[derive(Debug, Clone)]
pub(crate) struct MigrationScan {
    mode: MigrationMode,
    years: Vec<i32>,
    units: usize,
    /// In-migrants summed over the years `[unit][sex][band]` (men and women records).
    in_sum: Vec<f64>,
    /// Out-migrants, the same.
    out_sum: Vec<f64>,
    /// Records for both sexes (`t`): in- and out-migrants `[unit][year][band]` (empty when none).
    in_total: Vec<f64>,
    out_total: Vec<f64>,
    ignored_municipal: usize,
}

impl MigrationScan {
    /// Sums the migration records of the last `rate_years` years up to `base_year`.
    pub fn scan(ds: &Dataset, base_year: i32, rate_years: u32) -> Self {
        let (nd, nb) = (ds.districts.len(), ds.bands.len());
        let stride = 2 * nb;
        let (mut any_district, mut any_total) = (false, false);
        let mut years = distinct_years(
            ds.migration
                .iter()
                .inspect(|r| {
                    any_district |= r.district.is_some();
                    any_total |= r.sex == Sex::Total;
                })
                .filter(|r| r.year <= base_year)
                .map(|r| r.year),
        );
        let keep = (rate_years.max(1) as usize).min(years.len());
        years.drain(..years.len() - keep);
        let mode = if years.is_empty() {
            MigrationMode::Closed
        } else if any_district {
            MigrationMode::District
        } else {
            MigrationMode::Municipal
        };
        let units = if mode == MigrationMode::District {
            nd
        } else {
            1
        };
        let ny = years.len();
        let t_len = if any_total { units * ny * nb } else { 0 };
        let mut scan = Self {
            mode,
            units,
            in_sum: vec![0.0; units * stride],
            out_sum: vec![0.0; units * stride],
            in_total: vec![0.0; t_len],
            out_total: vec![0.0; t_len],
            ignored_municipal: 0,
            years,
        };
        if mode == MigrationMode::Closed {
            return scan;
        }
        let (mut last_year, mut last_index) = (None, None);
        for r in &ds.migration {
            if last_year != Some(r.year) {
                last_year = Some(r.year);
                last_index = scan.years.binary_search(&r.year).ok();
            }
            let Some(y) = last_index else {
                continue;
            };
            if r.band >= nb {
                continue;
            }
            let unit = match (mode, r.district) {
                (MigrationMode::District, Some(d)) if d < nd => d,
                (MigrationMode::Municipal, _) => 0,
                _ => {
                    scan.ignored_municipal += 1;
                    continue;
                }
            };
            match r.sex {
                Sex::Male | Sex::Female => {
                    let i = unit * stride + usize::from(r.sex == Sex::Female) * nb + r.band;
                    scan.in_sum[i] += r.in_migrants;
                    scan.out_sum[i] += r.out_migrants;
                }
                Sex::Total => {
                    let i = (unit * ny + y) * nb + r.band;
                    scan.in_total[i] += r.in_migrants;
                    scan.out_total[i] += r.out_migrants;
                }
            }
        }
        scan
    }
}

/// One pass over every migration record that needs no base year, so that it can run beside
/// the population scan: men and women summed per district (and for records without a
/// district), with the distinct years. It stands for [`MigrationScan::scan`] whenever every
/// year is one the rates use (see [`QuickScan::resolve`]); it gives up early (and the exact
/// scan is made) on records for both sexes or more years than the rates use.
#[derive(Debug, Clone)]
pub(crate) struct QuickScan {
    /// Distinct years of the records read, ascending.
    years: Vec<i32>,
    any_district: bool,
    /// Gave up: a record for both sexes, or too many years.
    incomplete: bool,
    /// Sums per district `[district][sex][band]` (empty when no record has a district).
    district_in: Vec<f64>,
    district_out: Vec<f64>,
    /// Sums of the records without a district `[sex][band]`.
    municipal_in: Vec<f64>,
    municipal_out: Vec<f64>,
    /// Records (in bands) without a district, and with a district outside the dataset's.
    without_district: usize,
    outside: usize,
}

impl QuickScan {
    /// Reads the migration records once; `rate_years` bounds the years worth keeping.
    pub fn scan(ds: &Dataset, rate_years: u32) -> Self {
        let (nd, nb) = (ds.districts.len(), ds.bands.len());
        let stride = 2 * nb;
        let keep = rate_years.max(1) as usize;
        let mut q = Self {
            years: Vec::new(),
            any_district: false,
            incomplete: false,
            district_in: Vec::new(),
            district_out: Vec::new(),
            municipal_in: vec![0.0; stride],
            municipal_out: vec![0.0; stride],
            without_district: 0,
            outside: 0,
        };
        let mut last_year = None;
        for r in &ds.migration {
            if last_year != Some(r.year) {
                last_year = Some(r.year);
                if let Err(i) = q.years.binary_search(&r.year) {
                    q.years.insert(i, r.year);
                    if q.years.len() > keep {
                        q.incomplete = true;
                        break;
                    }
                }
            }
            let female = match r.sex {
                Sex::Male => 0,
                Sex::Female => nb,
                Sex::Total => {
                    q.incomplete = true;
                    break;
                }
            };
            q.any_district |= r.district.is_some();
            if r.band >= nb {
                continue;
            }
            let i = female + r.band;
            match r.district {
                Some(d) if d < nd => {
                    if q.district_in.is_empty() {
                        q.district_in = vec![0.0; nd * stride];
                        q.district_out = vec![0.0; nd * stride];
                    }
                    q.district_in[d * stride + i] += r.in_migrants;
                    q.district_out[d * stride + i] += r.out_migrants;
                }
                Some(_) => q.outside += 1,
                None => {
                    q.municipal_in[i] += r.in_migrants;
                    q.municipal_out[i] += r.out_migrants;
                    q.without_district += 1;
                }
            }
        }
        q
    }

    /// The scan for `base_year`: this one when it read every record and all its years are
    /// rate years up to `base_year` (the same sums, in the same order, as the exact scan);
    /// else the exact [`MigrationScan::scan`].
    pub fn resolve(self, ds: &Dataset, base_year: i32, rate_years: u32) -> MigrationScan {
        let fits = !self.incomplete
            && self.years.len() <= rate_years.max(1) as usize
            && self.years.last().is_none_or(|&y| y <= base_year);
        if !fits {
            return MigrationScan::scan(ds, base_year, rate_years);
        }
        let (nd, nb) = (ds.districts.len(), ds.bands.len());
        let stride = 2 * nb;
        let mode = if self.years.is_empty() {
            MigrationMode::Closed
        } else if self.any_district {
            MigrationMode::District
        } else {
            MigrationMode::Municipal
        };
        let (units, in_sum, out_sum, ignored_municipal) = match mode {
            MigrationMode::Closed => (1, vec![0.0; stride], vec![0.0; stride], 0),
            MigrationMode::Municipal => (1, self.municipal_in, self.municipal_out, 0),
            MigrationMode::District => {
                let (i, o) = if self.district_in.is_empty() {
                    (vec![0.0; nd * stride], vec![0.0; nd * stride])
                } else {
                    (self.district_in, self.district_out)
                };
                (nd, i, o, self.without_district + self.outside)
            }
        };
        MigrationScan {
            mode,
            years: self.years,
            units,
            in_sum,
            out_sum,
            in_total: Vec::new(),
            out_total: Vec::new(),
            ignored_municipal,
        }
    }
}

impl Migration {
    /// Rates and counts from the summed records and the observed population.
    pub fn finish(scan: MigrationScan, obs: &Observed, nd: usize) -> Self {
        let MigrationScan {
            mode,
            years,
            units,
            mut in_sum,
            mut out_sum,
            in_total,
            out_total,
            ignored_municipal,
        } = scan;
        let stride = obs.stride;
        let nb = stride / 2;
        let ny = years.len();
        // The observed population year standing in for each migration year.
        let pop_year: Vec<usize> = years.iter().map(|&y| obs.nearest(y)).collect();
        // Persons of `unit` (a district, or all districts when municipal) in observed year
        // index `py`, sex-band index `i`.
        let pop = |unit: usize, py: usize, i: usize| -> f64 {
            if mode == MigrationMode::District {
                obs.at(unit, py)[i]
            } else {
                (0..nd).map(|d| obs.at(d, py)[i]).sum()
            }
        };
        if !in_total.is_empty() {
            // Records for both sexes: out-migrants split by the sexes' population shares (the
            // same rate for both), in-migrants half and half.
            for unit in 0..units {
                for (y, &py) in pop_year.iter().enumerate() {
                    for b in 0..nb {
                        let t = (unit * ny + y) * nb + b;
                        let (it, ot) = (in_total[t], out_total[t]);
                        if it == 0.0 && ot == 0.0 {
                            continue;
                        }
                        let (pm, pf) = (pop(unit, py, b), pop(unit, py, nb + b));
                        let share_m = if pm + pf > 0.0 { pm / (pm + pf) } else { 0.5 };
                        let at = unit * stride + b;
                        out_sum[at] += ot * share_m;
                        out_sum[at + nb] += ot * (1.0 - share_m);
                        in_sum[at] += it * 0.5;
                        in_sum[at + nb] += it * 0.5;
                    }
                }
            }
        }
        // Population at risk: the summed end-of-year populations of the same years.
        // Each sum in the order of the years, then of the districts.
        let mut out_den = vec![0.0; units * stride];
        if mode == MigrationMode::District {
            // Per district, the two halves of the districts on two threads.
            let sum_years = |den: &mut [f64], first: usize| {
                for &py in &pop_year {
                    for (i, den) in den.chunks_exact_mut(stride).enumerate() {
                        for (den, p) in den.iter_mut().zip(obs.at(first + i, py)) {
                            *den += p;
                        }
                    }
                }
            };
            let half = nd / 2;
            let (a, b) = out_den.split_at_mut(half * stride);
            std::thread::scope(|s| {
                s.spawn(|| sum_years(b, half));
                sum_years(a, 0);
            });
        } else {
            for &py in &pop_year {
                for d in 0..nd {
                    for (den, p) in out_den[..stride].iter_mut().zip(obs.at(d, py)) {
                        *den += p;
                    }
                }
            }
        }
        let (mut num, mut den) = (vec![0.0; stride], vec![0.0; stride]);
        for (o, d) in out_sum
            .chunks_exact(stride)
            .zip(out_den.chunks_exact(stride))
        {
            for i in 0..stride {
                num[i] += o[i];
                den[i] += d[i];
            }
        }
        let municipal_out_rate: Vec<f64> = num
            .iter()
            .zip(&den)
            .map(|(n, d)| if *d > 0.0 { (n / d).min(1.0) } else { 0.0 })
            .collect();
        // The sums become the rates and the means in place.
        let mut out_rate = out_sum;
        for (i, (rate, d)) in out_rate.iter_mut().zip(&out_den).enumerate() {
            *rate = if *d > 0.0 {
                (*rate / d).min(1.0)
            } else {
                municipal_out_rate[i % stride]
            };
        }
        let mut in_migrants = in_sum;
        for v in &mut in_migrants {
            *v = if ny > 0 { *v / ny as f64 } else { 0.0 };
        }
        Self {
            mode,
            years,
            out_rate,
            municipal_out_rate,
            in_migrants,
            ignored_municipal,
        }
    }
}

/// Dwelling stock and care-home places per district.
#[derive(Debug, Clone)]
pub(crate) struct Housing {
    /// Years with any dwelling record (ordinary or special), ascending.
    pub years: Vec<i32>,
    /// Ordinary dwellings (all types but specialbostad) `[year][district]`.
    pub ordinary: Vec<f64>,
    /// Years with any specialbostad record, ascending.
    pub special_years: Vec<i32>,
    /// Specialbostad places `[special year][district]`.
    pub special: Vec<f64>,
}

impl Housing {
    pub fn build(ds: &Dataset) -> Self {
        let nd = ds.districts.len();
        let mut years: Vec<i32> = ds
            .dwellings
            .iter()
            .filter(|r| r.dwelling_type != DwellingType::Specialbostad)
            .map(|r| r.year)
            .collect();
        years.sort_unstable();
        years.dedup();
        let mut special_years: Vec<i32> = ds
            .dwellings
            .iter()
            .filter(|r| r.dwelling_type == DwellingType::Specialbostad)
            .map(|r| r.year)
            .collect();
        special_years.sort_unstable();
        special_years.dedup();
        let mut ordinary = vec![0.0; years.len() * nd];
        let mut special = vec![0.0; special_years.len() * nd];
        for r in ds.dwellings.iter().filter(|r| r.district < nd) {
            if r.dwelling_type == DwellingType::Specialbostad {
                if let Ok(y) = special_years.binary_search(&r.year) {
                    special[y * nd + r.district] += r.dwellings;
                }
            } else if let Ok(y) = years.binary_search(&r.year) {
                ordinary[y * nd + r.district] += r.dwellings;
            }
        }
        Self {
            years,
            ordinary,
            special_years,
            special,
        }
    }

    /// The year of ordinary stock to use for `year`: that year if given, else the latest
    /// earlier one, else the earliest.
    pub fn stock_year(&self, year: i32) -> Option<usize> {
        latest_at_or_before(&self.years, year)
    }

    /// The special-housing year to use for the care ratio at `year`.
    pub fn special_year(&self, year: i32) -> Option<usize> {
        latest_at_or_before(&self.special_years, year)
    }
}

/// The distinct years of `years`, ascending; fast for the usual long runs of one year.
fn distinct_years(years: impl Iterator<Item = i32>) -> Vec<i32> {
    let mut out: Vec<i32> = Vec::new();
    let mut last = None;
    for y in years {
        if last == Some(y) {
            continue;
        }
        last = Some(y);
        if let Err(i) = out.binary_search(&y) {
            out.insert(i, y);
        }
    }
    out
}

fn latest_at_or_before(years: &[i32], year: i32) -> Option<usize> {
    if years.is_empty() {
        return None;
    }
    Some(match years.binary_search(&year) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) => i - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgeBands, District, MigrationRecord, PopulationRecord};

    fn dataset(districts: usize) -> Dataset {
        Dataset {
            name: "t".into(),
            municipality: None,
            bands: AgeBands::five_year(80),
            districts: (0..districts)
                .map(|i| District {
                    id: format!("D{i}"),
                    name: format!("District {i}"),
                    geometry: geo::MultiPolygon(Vec::new()),
                    geometry_lonlat: geo::MultiPolygon(Vec::new()),
                })
                .collect(),
            population: Vec::new(),
            residences: Vec::new(),
            migration: Vec::new(),
            dwellings: Vec::new(),
            indicators: Vec::new(),
            transit: Vec::new(),
            projects: Vec::new(),
            as_of: None,
        }
    }

    fn person(district: usize, year: i32, sex: Sex, band: usize, persons: f64) -> PopulationRecord {
        PopulationRecord {
            district,
            year,
            sex,
            band,
            persons,
        }
    }

    #[test]
    fn a_year_the_sample_missed_is_still_read() {
        let mut ds = dataset(3);
        for i in 0..2000 {
            ds.population
                .push(person(i % 3, 2018, Sex::Male, i % 17, 1.0 + i as f64));
        }
        // One record of an earlier year between two sampled positions, and one for both sexes.
        ds.population[1001] = person(1, 2016, Sex::Female, 4, 7.0);
        ds.population[1002] = person(2, 2016, Sex::Total, 5, 8.0);
        let obs = Observed::read(&ds, 2).expect("population");
        assert_eq!(obs.years, vec![2016, 2018]);
        assert_eq!(obs.at(1, 0)[17 + 4], 7.0);
        assert_eq!(obs.at(2, 0)[5], 4.0);
        assert_eq!(obs.at(2, 0)[17 + 5], 4.0);
        assert_eq!(obs.split_total, 1);
        let (years, _) = Observed::scan_years(&ds);
        let exact = Observed::build(&ds, years, 2, false).expect("population");
        assert_eq!(obs.persons, exact.persons);
        assert_eq!(obs.persons.len(), 4 * 3 * 34);
    }

    fn migrant(district: Option<usize>, year: i32, sex: Sex, band: usize) -> MigrationRecord {
        MigrationRecord {
            district,
            year,
            sex,
            band,
            in_migrants: 1.0 + band as f64 + f64::from(year - 2000) * 0.1,
            out_migrants: 0.5 + band as f64 * 0.25,
        }
    }

    fn same(a: &MigrationScan, b: &MigrationScan) {
        assert_eq!(a.mode, b.mode);
        assert_eq!(a.years, b.years);
        assert_eq!(a.units, b.units);
        assert_eq!(a.in_sum, b.in_sum);
        assert_eq!(a.out_sum, b.out_sum);
        assert_eq!(a.in_total, b.in_total);
        assert_eq!(a.out_total, b.out_total);
        assert_eq!(a.ignored_municipal, b.ignored_municipal);
    }

    #[test]
    fn the_quick_migration_scan_equals_the_exact_one() {
        let cases: Vec<Vec<MigrationRecord>> = vec![
            // Per district, with records outside the districts, without one and off the bands.
            (2014..=2018)
                .flat_map(|y| {
                    (0..4).flat_map(move |d| {
                        (0..18).map(move |b| {
                            let district = if d == 3 { None } else { Some(d * 2) };
                            migrant(district, y, [Sex::Male, Sex::Female][b % 2], b)
                        })
                    })
                })
                .collect(),
            // Municipal only.
            (2016..=2018)
                .flat_map(|y| (0..17).map(move |b| migrant(None, y, Sex::Female, b)))
                .collect(),
            // Years after the base year, more years than the rates use, a record for both sexes.
            (2010..=2020)
                .map(|y| migrant(Some(1), y, Sex::Male, 3))
                .collect(),
            (2016..=2018)
                .map(|y| migrant(Some(0), y, Sex::Total, 2))
                .collect(),
            Vec::new(),
        ];
        for migration in cases {
            let mut ds = dataset(4);
            ds.migration = migration;
            for rate_years in [1, 3, 5] {
                let quick = QuickScan::scan(&ds, rate_years).resolve(&ds, 2018, rate_years);
                same(&quick, &MigrationScan::scan(&ds, 2018, rate_years));
            }
        }
    }
}
