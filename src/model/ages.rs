//! Single years of age inside the model, and the way between them and a dataset's bands.
//!
//! The projection runs by single year of age 0…99 and 100+ ([`AGES`] values) and sex: ageing a
//! fifth of a five-year band a year smears cohorts (in a closed test the 80+ band comes out 8 %
//! high after five years). A dataset given in bands is **split** into single years in
//! proportion to a shape, which preserves every band total exactly:
//!
//! `p(a) = P(band) × shape(a) / Σ_{a' ∈ band} shape(a')`, uniform within the band when the
//! shape has nothing there.
//!
//! The shape is the municipality's own single-year structure where the dataset has one (a
//! municipal series by single age), otherwise Sweden's population by single age and sex
//! ([`super::national`]): both are smooth across band edges, so the split does not put steps
//! into the cohorts. Results are **aggregated** back to the dataset's bands for every output.

use crate::domain::AgeBands;

pub use super::national::AGES;

/// Persons by sex (0 = men, 1 = women) and single age.
pub type Pyramid = [[f64; AGES]; 2];

/// An empty pyramid.
pub const EMPTY: Pyramid = [[0.0; AGES]; 2];

/// The single ages `lo..=hi` a band covers (the open band runs to 100+).
pub fn band_ages(bands: &AgeBands, band: usize) -> std::ops::RangeInclusive<usize> {
    let b = bands.as_slice()[band];
    let lo = usize::from(b.lo).min(AGES - 1);
    let hi = b.hi.map_or(AGES - 1, |h| usize::from(h).min(AGES - 1));
    lo..=hi
}

/// Splits one sex's band totals (`by_band[i]` for band `i` of `bands`) into single ages in
/// proportion to `shape`; band totals are kept exactly.
///
/// ```
/// use housing_need::domain::AgeBands;
/// use housing_need::model::split_bands;
/// let bands = AgeBands::five_year(80);
/// let mut by_band = vec![0.0; bands.len()];
/// by_band[0] = 10.0; // 0–4
/// let shape = [1.0; 101];
/// let ages = split_bands(&by_band, &bands, &shape);
/// assert_eq!(ages[0..5], [2.0; 5]);
/// ```
pub fn split_bands(by_band: &[f64], bands: &AgeBands, shape: &[f64; AGES]) -> [f64; AGES] {
    let mut out = [0.0; AGES];
    Splitter::new(bands, shape).split_into(by_band, &mut out);
    out
}

/// [`split_bands`] with the shape's sums over each band worked out once, for splitting many
/// districts by the same shape.
#[derive(Debug, Clone)]
pub(crate) struct Splitter {
    shape: [f64; AGES],
    /// Per band: first and last age, width, and the shape's weight `Σ max(shape, 0)`.
    bands: Vec<(usize, usize, f64, f64)>,
}

impl Splitter {
    pub fn new(bands: &AgeBands, shape: &[f64; AGES]) -> Self {
        let bands = (0..bands.len())
            .map(|i| {
                let ages = band_ages(bands, i);
                let (lo, hi) = (*ages.start(), *ages.end());
                let width = (hi - lo + 1) as f64;
                let weight: f64 = shape[ages].iter().map(|v| v.max(0.0)).sum();
                (lo, hi, width, weight)
            })
            .collect();
        Self {
            shape: *shape,
            bands,
        }
    }

    /// Adds the split of `by_band` to `out` (zeros for the split alone).
    pub fn split_into(&self, by_band: &[f64], out: &mut [f64; AGES]) {
        for (&total, &(lo, hi, width, weight)) in by_band.iter().zip(&self.bands) {
            for a in lo..hi + 1 {
                out[a] += if weight > 0.0 {
                    total * self.shape[a].max(0.0) / weight
                } else {
                    total / width
                };
            }
        }
    }
}

/// Sums single ages into the dataset's bands.
pub fn aggregate(ages: &[f64; AGES], bands: &AgeBands, out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate().take(bands.len()) {
        *o = ages[band_ages(bands, i)].iter().sum();
    }
}

/// Sum of ages `lo..=hi` of both sexes.
pub fn both(p: &Pyramid, lo: usize, hi: usize) -> f64 {
    let hi = hi.min(AGES - 1);
    p[0][lo..=hi].iter().sum::<f64>() + p[1][lo..=hi].iter().sum::<f64>()
}

/// Total persons of a pyramid.
pub fn total(p: &Pyramid) -> f64 {
    both(p, 0, AGES - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_band_totals_and_follows_the_shape() {
        let bands = AgeBands::five_year(80);
        let by_band: Vec<f64> = (0..bands.len()).map(|i| 100.0 + i as f64).collect();
        let mut shape = [0.0; AGES];
        for (a, s) in shape.iter_mut().enumerate() {
            *s = 1.0 + a as f64;
        }
        let ages = split_bands(&by_band, &bands, &shape);
        let mut back = vec![0.0; bands.len()];
        aggregate(&ages, &bands, &mut back);
        for (a, b) in back.iter().zip(&by_band) {
            assert!((a - b).abs() < 1e-9);
        }
        // Within 0–4 the shape is 1, 2, 3, 4, 5 (sum 15): age 4 gets 5/15 of 100.
        assert!((ages[4] - 100.0 * 5.0 / 15.0).abs() < 1e-12);
        // The open band 80+ covers 80…100.
        assert!((ages[80..].iter().sum::<f64>() - 116.0).abs() < 1e-9);
    }

    #[test]
    fn a_shape_with_nothing_in_a_band_splits_evenly() {
        let bands = AgeBands::five_year(80);
        let mut by_band = vec![0.0; bands.len()];
        by_band[1] = 5.0;
        let ages = split_bands(&by_band, &bands, &[0.0; AGES]);
        assert_eq!(ages[5..10], [1.0; 5]);
    }
}
