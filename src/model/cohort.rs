//! The cohort-component step: one year of survival, ageing, migration and births for one
//! district, on a flat `[sex][band]` array (sex 0 = men, 1 = women).
//!
//! Order of operations within a year (all stocks are 31 December, all flows are the calendar
//! year, flows are counted by the band people are in at the end of the year):
//! 1. survive: every band loses `1 − exp(−m)` of its people;
//! 2. age: `1 / width` of each closed band's survivors (a fifth for five-year bands) moves up
//!    one band; the open band keeps its survivors and receives the movers from below;
//! 3. out-migrate: `rate × persons` leave each band;
//! 4. in-migrate: the in-migrants of the year are added to their bands;
//! 5. births: `Σ fertility(band) × women(band)` over 15–49 (the women after migration), times
//!    the infant survival, enter band 0 split by the share of boys.

use crate::domain::Sex;

use super::rates::Demography;

/// Population by year, district, sex and band: the projection's own arrays, kept for callers
/// that need more detail than [`super::DemandRow`] (per band and sex).
#[derive(Debug, Clone, PartialEq)]
pub struct Cohorts {
    /// Years, ascending: the observed years, then the projected ones.
    pub years: Vec<i32>,
    /// Number of districts.
    pub districts: usize,
    /// Number of age bands.
    pub bands: usize,
    /// Persons, indexed `((year index × districts + district) × 2 + sex) × bands + band`: one
    /// year's districts lie together, as the projection steps them.
    pub persons: Vec<f64>,
}

impl Cohorts {
    /// Values per district and year (`2 × bands`).
    pub fn stride(&self) -> usize {
        2 * self.bands
    }

    /// The `[sex][band]` array of `district` in `year`, if that year is in the run.
    pub fn slice(&self, year: i32, district: usize) -> Option<&[f64]> {
        let y = self.years.iter().position(|&t| t == year)?;
        if district >= self.districts {
            return None;
        }
        let s = self.stride();
        let start = (y * self.districts + district) * s;
        self.persons.get(start..start + s)
    }

    /// Persons of `sex` (`Total`: both) in `band` of `district` in `year`.
    pub fn get(&self, year: i32, district: usize, sex: Sex, band: usize) -> Option<f64> {
        let p = self.slice(year, district)?;
        if band >= self.bands {
            return None;
        }
        Some(match sex {
            Sex::Male => p[band],
            Sex::Female => p[self.bands + band],
            Sex::Total => p[band] + p[self.bands + band],
        })
    }

    /// Persons by band (both sexes) of `district` in `year`.
    pub fn by_band(&self, year: i32, district: usize) -> Option<Vec<f64>> {
        let p = self.slice(year, district)?;
        Some((0..self.bands).map(|b| p[b] + p[self.bands + b]).collect())
    }
}

/// The components of one year's change, in persons.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Components {
    /// Deaths (of the people present at the start of the year).
    pub deaths: f64,
    /// Births surviving to the end of the year.
    pub births: f64,
    /// Out-migrants.
    pub out_migrants: f64,
    /// In-migrants.
    pub in_migrants: f64,
}

/// Steps 1–2 for one sex: survival then ageing, in place. `survival[b]` is the one-year
/// survival, `ageing[b]` the share of a band moving up (0 for the open top band). Returns
/// the deaths.
///
/// With no deaths and five-year bands, `[100, 50, 0]` becomes `[80, 60, 10]`: each band keeps
/// four fifths and passes one fifth up; the open band keeps everything it has.
pub fn survive_and_age(persons: &mut [f64], survival: &[f64], ageing: &[f64]) -> f64 {
    let mut deaths = 0.0;
    let mut moving_in = 0.0;
    let last = persons.len().saturating_sub(1);
    for (b, p) in persons.iter_mut().enumerate() {
        let survivors = *p * survival[b];
        deaths += *p - survivors;
        let moving_up = if b == last {
            0.0
        } else {
            survivors * ageing[b]
        };
        *p = survivors - moving_up + moving_in;
        moving_in = moving_up;
    }
    deaths
}

/// Births in a year: `Σ fertility(band) × women(band)`.
pub fn births(women: &[f64], fertility: &[f64]) -> f64 {
    women.iter().zip(fertility).map(|(w, f)| w * f).sum()
}

/// One projection year for one district, in place on its `[sex][band]` array: survive, age,
/// out-migrate (`out_rate`, `[sex][band]`), in-migrate (`in_migrants`, `[sex][band]`), births.
/// `survival` is [`Demography::survival`] of the year.
pub fn project_step(
    persons: &mut [f64],
    demography: &Demography,
    survival: &[f64],
    out_rate: &[f64],
    in_migrants: &[f64],
) -> Components {
    let n = demography.bands;
    let mut c = Components::default();
    for sex in 0..2 {
        let range = sex * n..(sex + 1) * n;
        c.deaths += survive_and_age(
            &mut persons[range.clone()],
            &survival[range],
            &demography.ageing,
        );
    }
    for ((p, r), i) in persons.iter_mut().zip(out_rate).zip(in_migrants) {
        let out = *p * r;
        *p += i - out;
        c.out_migrants += out;
        c.in_migrants += i;
    }
    let born = births(&persons[n..2 * n], &demography.fertility) * demography.infant_survival;
    persons[0] += born * demography.boys_share;
    persons[n] += born * (1.0 - demography.boys_share);
    c.births = born;
    c
}

/// [`project_step`] without the components: the same arithmetic in the same order, for the
/// projection's inner loop.
pub(crate) fn step_in_place(
    persons: &mut [f64],
    demography: &Demography,
    survival: &[f64],
    out_rate: &[f64],
    in_migrants: &[f64],
) {
    let n = demography.bands;
    let (men, women) = persons.split_at_mut(n);
    for (p, s) in [(men, &survival[..n]), (women, &survival[n..2 * n])] {
        let mut moving_in = 0.0;
        let last = n.saturating_sub(1);
        for (b, ((p, s), a)) in p.iter_mut().zip(s).zip(&demography.ageing).enumerate() {
            let survivors = *p * s;
            let moving_up = if b == last { 0.0 } else { survivors * a };
            *p = survivors - moving_up + moving_in;
            moving_in = moving_up;
        }
    }
    for ((p, r), i) in persons.iter_mut().zip(out_rate).zip(in_migrants) {
        let out = *p * r;
        *p += i - out;
    }
    let born = births(&persons[n..2 * n], &demography.fertility) * demography.infant_survival;
    persons[0] += born * demography.boys_share;
    persons[n] += born * (1.0 - demography.boys_share);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ageing_without_deaths_moves_a_fifth_up() {
        let mut p = [100.0, 50.0, 0.0];
        let d = survive_and_age(&mut p, &[1.0; 3], &[0.2, 0.2, 0.0]);
        assert_eq!(p, [80.0, 60.0, 10.0]);
        assert_eq!(d, 0.0);
    }

    #[test]
    fn step_in_place_is_project_step() {
        let bands = crate::domain::AgeBands::five_year(80);
        let (demography, _) = Demography::new(&super::super::ModelParams::default(), &bands);
        let n = bands.len();
        let persons: Vec<f64> = (0..2 * n).map(|i| 100.0 + 7.3 * i as f64).collect();
        let out: Vec<f64> = (0..2 * n).map(|i| 0.01 + 0.001 * i as f64).collect();
        let inn: Vec<f64> = (0..2 * n).map(|i| 3.0 + 0.5 * i as f64).collect();
        let survival = demography.survival(3);
        let (mut a, mut b) = (persons.clone(), persons);
        project_step(&mut a, &demography, &survival, &out, &inn);
        step_in_place(&mut b, &demography, &survival, &out, &inn);
        assert_eq!(a, b);
    }
}
