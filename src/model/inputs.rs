//! From a [`Dataset`]'s records to the model's flat arrays: observed population by year,
//! district, sex and band; migration rates and in-migrant counts; dwelling stock and care-home
//! places. Done once per run, so the yearly loop never touches a record or a map.

use crate::domain::{Dataset, DwellingType, Sex};

/// Observed population in an array laid out `[district][year][sex][band]` with room for the
/// projected years after the observed ones (the projection fills them in place).
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub years: Vec<i32>,
    /// Years per district in `persons`: observed + projected.
    pub total_years: usize,
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
    pub fn scan_years(ds: &Dataset) -> (Vec<i32>, bool) {
        let mut any_total = false;
        let years = distinct_years(ds.population.iter().map(|r| {
            any_total |= r.sex == Sex::Total;
            r.year
        }));
        (years, any_total)
    }

    /// Reads the population of `years` (from [`Self::scan_years`]); the array keeps room for
    /// `extra_years` more years per district.
    pub fn build(ds: &Dataset, years: Vec<i32>, any_total: bool, extra_years: u32) -> Self {
        let (nd, nb) = (ds.districts.len(), ds.bands.len());
        let stride = 2 * nb;
        let ny = years.len();
        let total_years = ny + extra_years as usize;
        let cells = ny * nd;
        let mut persons = vec![0.0; nd * total_years * stride];
        let mut totals = vec![0.0; if any_total { cells * nb } else { 0 }];
        let mut has_split = vec![false; cells];
        let mut has_total = vec![false; cells];
        let mut skipped = 0;
        let (mut last_year, mut last_index) = (None, 0);
        for r in &ds.population {
            if r.district >= nd || r.band >= nb {
                skipped += 1;
                continue;
            }
            let y = if last_year == Some(r.year) {
                last_index
            } else {
                let Ok(y) = years.binary_search(&r.year) else {
                    continue;
                };
                (last_year, last_index) = (Some(r.year), y);
                y
            };
            let cell = r.district * ny + y;
            let at = (r.district * total_years + y) * stride + r.band;
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
            let start = ((cell / ny) * total_years + cell % ny) * stride;
            for b in 0..nb {
                let half = totals[cell * nb + b] * 0.5;
                persons[start + b] = half;
                persons[start + nb + b] = half;
            }
        }
        Self {
            years,
            total_years,
            stride,
            persons,
            split_total,
            ignored_total,
            skipped,
        }
    }

    /// The `[sex][band]` array of district `d` in year index `y`.
    pub fn at(&self, d: usize, y: usize) -> &[f64] {
        let start = (d * self.total_years + y) * self.stride;
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
        let mut out_den = vec![0.0; units * stride];
        for &py in &pop_year {
            for d in 0..nd {
                let unit = if mode == MigrationMode::District {
                    d
                } else {
                    0
                };
                for (den, p) in out_den[unit * stride..(unit + 1) * stride]
                    .iter_mut()
                    .zip(obs.at(d, py))
                {
                    *den += p;
                }
            }
        }
        let mut municipal_out_rate = vec![0.0; stride];
        for (i, rate) in municipal_out_rate.iter_mut().enumerate() {
            let num: f64 = (0..units).map(|u| out_sum[u * stride + i]).sum();
            let den: f64 = (0..units).map(|u| out_den[u * stride + i]).sum();
            *rate = if den > 0.0 { (num / den).min(1.0) } else { 0.0 };
        }
        let out_rate = out_sum
            .iter()
            .zip(&out_den)
            .enumerate()
            .map(|(i, (n, d))| {
                if *d > 0.0 {
                    (n / d).min(1.0)
                } else {
                    municipal_out_rate[i % stride]
                }
            })
            .collect();
        let in_migrants = in_sum
            .iter()
            .map(|v| if ny > 0 { v / ny as f64 } else { 0.0 })
            .collect();
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
