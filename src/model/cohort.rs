//! The projection's population by year, district, sex and the dataset's age bands: what the
//! single-year forecast ([`super::forecast`]) aggregates back to for every output.

use crate::domain::Sex;

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
