//! Built-in demographic tables (death, fertility and household rates) and the per-run
//! [`Demography`] prepared from them once, so that the yearly step only reads flat slices.
//!
//! The tables are by five-year band starting at 0, 5, … 95 and an open band 100+; a dataset's
//! open band (80+ in SCB's TAB6574, up to 100+) gets the life-table rate of everything above
//! its start: for an open band the right rate is deaths over person-years of the whole band,
//! which in a life table is 1 / (remaining life expectancy at its start age).

use crate::domain::AgeBands;

use super::ModelParams;

/// Central death rates of men around 2018 (SCB), by five-year band 0–4 … 95–99 and 100+.
pub const DEATH_RATES_MALE_2018: [f64; 21] = [
    0.00052, 0.00007, 0.00009, 0.00030, 0.00063, 0.00068, 0.00073, 0.00089, 0.00126, 0.00200,
    0.00315, 0.00504, 0.00886, 0.0138, 0.0219, 0.0368, 0.0644, 0.1208, 0.2243, 0.3795, 0.5750,
];

/// Central death rates of women around 2018 (SCB), by five-year band 0–4 … 95–99 and 100+.
pub const DEATH_RATES_FEMALE_2018: [f64; 21] = [
    0.00044, 0.00006, 0.00007, 0.00017, 0.00023, 0.00026, 0.00031, 0.00047, 0.00073, 0.00126,
    0.00200, 0.00315, 0.00552, 0.00862, 0.0138, 0.0242, 0.0460, 0.0920, 0.1840, 0.3335, 0.5290,
];

/// Age-specific fertility around 2018 (SCB), births per woman and year for 15–19 … 45–49;
/// 5 × the sum is the total fertility rate 1.76.
pub const FERTILITY_2018: [f64; 7] = [0.0050, 0.0380, 0.0970, 0.1270, 0.0700, 0.0145, 0.0010];

/// Household quotients (hushållskvoter, oldest person as reference) by five-year band 0–4 …
/// 75–79 and 80+ (applied to every band from 80 up). See `docs/model.md` for their source.
pub const HEADSHIP: [f64; 17] = [
    0.0, 0.0, 0.0, 0.03, 0.40, 0.57, 0.54, 0.52, 0.52, 0.54, 0.57, 0.61, 0.645, 0.68, 0.71, 0.77,
    0.89,
];

/// The open-band death rate from five-year rates: the life-table rate of the stationary
/// population from the band's start age up, = 1 / e(start). `table[i]` is the rate of the band
/// starting at `5 i`; its last entry is an open band itself.
pub fn open_band_rate(table: &[f64], first: usize) -> f64 {
    let mut survivors = 1.0_f64;
    let (mut deaths, mut person_years) = (0.0, 0.0);
    let last = table.len() - 1;
    for (i, &m) in table.iter().enumerate().skip(first.min(last)) {
        if i == last || m <= 0.0 {
            // Open end: everyone left dies at rate m (or lives on forever if m is 0).
            if m > 0.0 {
                deaths += survivors;
                person_years += survivors / m;
            }
            break;
        }
        let five_year_survival = (-5.0 * m).exp();
        let died = survivors * (1.0 - five_year_survival);
        deaths += died;
        person_years += died / m;
        survivors *= five_year_survival;
    }
    if person_years > 0.0 {
        deaths / person_years
    } else {
        0.0
    }
}

/// A built-in table (by five-year start age) laid onto a dataset's bands, the open band taking
/// `open(table, index of its start)`.
fn onto_bands(table: &[f64], bands: &AgeBands, open: impl Fn(&[f64], usize) -> f64) -> Vec<f64> {
    bands
        .as_slice()
        .iter()
        .map(|b| {
            let i = usize::from(b.lo / 5).min(table.len() - 1);
            match b.hi {
                Some(_) => table[i],
                None => open(table, i),
            }
        })
        .collect()
}

/// The default death rates of men for `bands`.
pub fn default_death_rates_male(bands: &AgeBands) -> Vec<f64> {
    onto_bands(&DEATH_RATES_MALE_2018, bands, open_band_rate)
}

/// The default death rates of women for `bands`.
pub fn default_death_rates_female(bands: &AgeBands) -> Vec<f64> {
    onto_bands(&DEATH_RATES_FEMALE_2018, bands, open_band_rate)
}

/// The default household quotients for `bands`.
pub fn default_headship(bands: &AgeBands) -> Vec<f64> {
    onto_bands(&HEADSHIP, bands, |t, i| t[i.min(t.len() - 1)])
}

/// Fertility rates laid onto `bands` (zero outside 15–49).
pub fn fertility_by_band(asfr: &[f64], bands: &AgeBands) -> Vec<f64> {
    bands
        .as_slice()
        .iter()
        .map(|b| match b.hi {
            Some(hi) if b.lo >= 15 && hi <= 49 => asfr
                .get(usize::from((b.lo - 15) / 5))
                .copied()
                .unwrap_or(0.0),
            _ => 0.0,
        })
        .collect()
}

/// Everything the yearly step needs, prepared once per run: flat arrays indexed
/// `sex * bands + band` (sex 0 = men, 1 = women).
#[derive(Debug, Clone, PartialEq)]
pub struct Demography {
    /// Number of bands.
    pub bands: usize,
    /// Central death rates, `[sex][band]`.
    pub death_rates: Vec<f64>,
    /// Yearly decline of the death rates (0.01 = 1 % a year).
    pub mortality_decline: f64,
    /// Share of a band moving up one band in a year: 1 / width (0 for the open band).
    pub ageing: Vec<f64>,
    /// Births per woman and year by band (0 outside 15–49).
    pub fertility: Vec<f64>,
    /// Share of boys among births.
    pub boys_share: f64,
    /// Share of the newborn alive at the end of their first calendar year.
    pub infant_survival: f64,
}

impl Demography {
    /// Prepares the rates for `bands` from `params` (built-in tables where a parameter table is
    /// missing or has the wrong length; the second value lists what was replaced).
    pub fn new(params: &ModelParams, bands: &AgeBands) -> (Self, Vec<String>) {
        let n = bands.len();
        let mut replaced = Vec::new();
        let valid = |v: &[f64], len: usize| v.len() == len && v.iter().all(|x| *x >= 0.0);
        let (male, female) = match &params.death_rates {
            Some(d) if valid(&d.male, n) && valid(&d.female, n) => {
                (d.male.clone(), d.female.clone())
            }
            other => {
                if other.is_some() {
                    replaced.push("death_rates".to_string());
                }
                (
                    default_death_rates_male(bands),
                    default_death_rates_female(bands),
                )
            }
        };
        let asfr = match &params.fertility {
            Some(f) if valid(f, 7) => f.clone(),
            other => {
                if other.is_some() {
                    replaced.push("fertility".to_string());
                }
                FERTILITY_2018.to_vec()
            }
        };
        let mut death_rates = male;
        death_rates.extend(female);
        let ageing = bands
            .as_slice()
            .iter()
            .map(|b| b.width().map_or(0.0, |w| 1.0 / f64::from(w)))
            .collect();
        let demography = Self {
            bands: n,
            death_rates,
            mortality_decline: params.mortality_decline.clamp(0.0, 0.5),
            ageing,
            fertility: fertility_by_band(&asfr, bands),
            boys_share: params.boys_share.clamp(0.0, 1.0),
            infant_survival: 1.0 - params.infant_mortality.clamp(0.0, 1.0),
        };
        (demography, replaced)
    }

    /// One-year survival `exp(−m)` by `[sex][band]` in the `k`-th projected year (k ≥ 1),
    /// death rates lowered by the mortality decline for `k − 1` years.
    pub fn survival(&self, k: u32) -> Vec<f64> {
        let factor = (1.0 - self.mortality_decline).powi(k.saturating_sub(1) as i32);
        self.death_rates
            .iter()
            .map(|m| (-m * factor).exp())
            .collect()
    }

    /// The household quotients for `bands` from `params` (the built-in table when missing or
    /// of the wrong length; `true` when a given table was replaced).
    pub fn headship(params: &ModelParams, bands: &AgeBands) -> (Vec<f64>, bool) {
        match &params.headship {
            Some(h) if h.len() == bands.len() && h.iter().all(|x| *x >= 0.0) => (h.clone(), false),
            other => (default_headship(bands), other.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_fertility_is_1_76() {
        let tfr: f64 = FERTILITY_2018.iter().sum::<f64>() * 5.0;
        assert!((tfr - 1.76).abs() < 0.01, "{tfr}");
    }

    #[test]
    fn open_band_rate_is_reciprocal_life_expectancy() {
        // A single open band with rate m: e = 1/m.
        assert!((open_band_rate(&[0.1], 0) - 0.1).abs() < 1e-12);
        let m = open_band_rate(&DEATH_RATES_MALE_2018, 16);
        let f = open_band_rate(&DEATH_RATES_FEMALE_2018, 16);
        // Remaining life expectancy at 80 around 2018: 8½ (men) and 10 years (women).
        assert!((8.0..9.0).contains(&(1.0 / m)), "e80 men {}", 1.0 / m);
        assert!((9.5..10.5).contains(&(1.0 / f)), "e80 women {}", 1.0 / f);
    }
}
