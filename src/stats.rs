//! Small statistics shared by the flags (municipal quantiles and means) and the pipeline
//! analysis (lead-time percentiles).

/// The `q`-quantile (0–1) of `values` by linear interpolation between closest ranks (numpy's
/// default, Excel's `PERCENTILE.INC`): with the values sorted ascending as x₀ … xₙ₋₁,
/// `h = (n − 1) · q` and `Q = x⌊h⌋ + (h − ⌊h⌋) · (x⌊h⌋₊₁ − x⌊h⌋)`. `None` for no values.
///
/// # Examples
/// ```
/// use housing_need::flags::stats::quantile;
/// // The top quintile of five districts starts at 4.2: only the district with 5 is in it.
/// assert_eq!(quantile(&[3.0, 1.0, 5.0, 2.0, 4.0], 0.8), Some(4.2));
/// assert_eq!(quantile(&[], 0.8), None);
/// ```
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// Mean of `(value, weight)` pairs, Σ value·weight / Σ weight; `None` when the weights sum to
/// zero or less.
///
/// # Examples
/// ```
/// use housing_need::flags::stats::weighted_mean;
/// // 10 % crowding among 1,000 residents and 20 % among 3,000: 17.5 % of all residents.
/// assert_eq!(weighted_mean(&[(10.0, 1000.0), (20.0, 3000.0)]), Some(17.5));
/// ```
pub fn weighted_mean(pairs: &[(f64, f64)]) -> Option<f64> {
    let w: f64 = pairs.iter().map(|p| p.1).sum();
    if w > 0.0 {
        Some(pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / w)
    } else {
        None
    }
}
