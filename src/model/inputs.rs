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
}

/// Net migration from the dataset's in- and out-migration records: the mean over the window's
/// years (up to the base year) of `in − out` by sex and band, for the municipality (district
/// records summed when every record has a district; else the municipal records only).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedMigration {
    /// Mean net migrants a year, `[sex][band]`.
    pub net: Vec<f64>,
    /// Years used.
    pub years: Vec<i32>,
    /// Records of both sexes (`t`), split 50/50.
    pub split_total: usize,
}

impl ObservedMigration {
    /// `None` without migration records in the window.
    pub fn read(ds: &Dataset, base_year: i32, window: u32) -> Option<Self> {
        let nb = ds.bands.len();
        let first = base_year - window.max(1) as i32 + 1;
        let any_district = ds.migration.iter().any(|r| r.district.is_some());
        let mut net = vec![0.0; 2 * nb];
        let mut years = Vec::new();
        let mut split_total = 0;
        let mut last_year = None;
        for r in &ds.migration {
            if r.year < first || r.year > base_year || r.band >= nb {
                continue;
            }
            if any_district && r.district.is_none() {
                continue;
            }
            // Records come in long runs of one year: look a year up only when it changes.
            if last_year != Some(r.year) {
                last_year = Some(r.year);
                if let Err(i) = years.binary_search(&r.year) {
                    years.insert(i, r.year);
                }
            }
            let v = r.in_migrants - r.out_migrants;
            match r.sex {
                Sex::Male => net[r.band] += v,
                Sex::Female => net[nb + r.band] += v,
                Sex::Total => {
                    split_total += 1;
                    net[r.band] += v / 2.0;
                    net[nb + r.band] += v / 2.0;
                }
            }
        }
        if years.is_empty() {
            return None;
        }
        let n = years.len() as f64;
        for v in &mut net {
            *v /= n;
        }
        Some(Self {
            net,
            years,
            split_total,
        })
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
    use crate::domain::{AgeBands, District, PopulationRecord};

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
            series: Default::default(),
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
}
