//! The `[flags]` table of the manifest: every threshold of every rule, each with a default
//! documented (with its source) in `docs/flags.md`.

use serde::Deserialize;

/// Flag parameters (`[flags]` in the manifest); every field has a default, so an empty or absent
/// table gives the documented rules.
///
/// Shares we compute (transit and station accessibility, the police-area share) are fractions
/// 0–1; indicator thresholds are in the indicator's own unit (percent for `employment`,
/// `low_econ` and `crowding`, the survey's scale for `safety_score`, the class 1–5 for
/// `regso_type`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlagParams {
    // --- densification candidate (förtätning) ---
    /// Gap rule: the horizon-year gap must exceed this share of the district's dwelling stock …
    pub gap_share_of_stock: f64,
    /// … or this number of dwellings (whichever is lower).
    pub gap_dwellings: f64,
    /// A stop is frequent with at least this many departures per hour (weekdays 06–20).
    pub frequent_departures_per_hour: f64,
    /// Walking radius to a frequent stop, metres (straight line, EPSG:3006).
    pub stop_radius_m: f64,
    /// Transit-access rule: share of residents within `stop_radius_m` of a frequent stop, at
    /// least (0–1).
    pub transit_share_min: f64,
    /// Radius around a railway station, metres (straight line, EPSG:3006).
    pub station_radius_m: f64,
    /// Station-access rule: share of residents within `station_radius_m` of a railway station,
    /// at least (0–1).
    pub station_share_min: f64,
    /// Density rule: dwellings per hectare of land below this target.
    pub density_below_dwellings_per_ha: f64,
    /// Spacing of the sample grid used for a district without address points, metres.
    pub grid_spacing_m: f64,

    // --- safety / upgrade (upprustning) ---
    /// RegSO area type (områdestyp) at most this value flags the district on its own (1–2:
    /// areas with socio-economic challenges).
    pub regso_max_type: f64,
    /// Share of the district's residents inside a police "utsatt område" that flags the
    /// district on its own, at least (0–1).
    pub vulnerable_share_min: f64,
    /// Employment rate 20–64 (`employment`, %) below this counts as a secondary indicator.
    pub employment_below: f64,
    /// Low economic standard (`low_econ`, %) at or above this quantile of the municipality's
    /// districts counts as a secondary indicator (0.8 = the top quintile).
    pub low_econ_quantile: f64,
    /// Crowding (`crowding`, %) above the municipal mean counts as a secondary indicator; the
    /// mean is weighted by residents when true, a plain mean of the districts when false.
    pub crowding_mean_weighted: bool,
    /// Safety-survey score (`safety_score`) below this counts as a secondary indicator.
    pub safety_score_below: f64,
    /// Number of secondary indicators that must be met to flag a district.
    pub min_secondary: u32,
}

impl Default for FlagParams {
    fn default() -> Self {
        Self {
            gap_share_of_stock: 0.02,
            gap_dwellings: 25.0,
            frequent_departures_per_hour: 1.0,
            stop_radius_m: 400.0,
            transit_share_min: 0.5,
            station_radius_m: 1200.0,
            station_share_min: 0.5,
            density_below_dwellings_per_ha: 20.0,
            grid_spacing_m: 100.0,
            regso_max_type: 2.0,
            vulnerable_share_min: 0.5,
            employment_below: 60.0,
            low_econ_quantile: 0.8,
            crowding_mean_weighted: true,
            safety_score_below: 5.5,
            min_secondary: 2,
        }
    }
}

/// `[flags]` values that cannot be used, every one listed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("[flags]: {}", .problems.join("; "))]
pub struct FlagParamsError {
    /// One message per bad value, naming the key.
    pub problems: Vec<String>,
}

impl FlagParams {
    /// Checks every value; lists every problem at once.
    ///
    /// [`crate::flags::evaluate`] never panics on bad values (a non-positive grid spacing falls
    /// back to the default), but `check` should report them.
    pub fn validate(&self) -> Result<(), FlagParamsError> {
        let mut problems = Vec::new();
        let mut positive = |key: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                problems.push(format!("{key} = {v}: must be a positive number"));
            }
        };
        positive("stop_radius_m", self.stop_radius_m);
        positive("station_radius_m", self.station_radius_m);
        positive("grid_spacing_m", self.grid_spacing_m);
        positive(
            "density_below_dwellings_per_ha",
            self.density_below_dwellings_per_ha,
        );
        let mut non_negative = |key: &str, v: f64| {
            if !(v.is_finite() && v >= 0.0) {
                problems.push(format!("{key} = {v}: must be zero or more"));
            }
        };
        non_negative("gap_share_of_stock", self.gap_share_of_stock);
        non_negative("gap_dwellings", self.gap_dwellings);
        non_negative(
            "frequent_departures_per_hour",
            self.frequent_departures_per_hour,
        );
        for (key, v) in [
            ("transit_share_min", self.transit_share_min),
            ("station_share_min", self.station_share_min),
            ("vulnerable_share_min", self.vulnerable_share_min),
            ("low_econ_quantile", self.low_econ_quantile),
        ] {
            if !(0.0..=1.0).contains(&v) {
                problems.push(format!("{key} = {v}: must lie between 0 and 1"));
            }
        }
        if !(1.0..=5.0).contains(&self.regso_max_type) {
            problems.push(format!(
                "regso_max_type = {}: RegSO area types are 1 to 5",
                self.regso_max_type
            ));
        }
        for (key, v) in [
            ("employment_below", self.employment_below),
            ("safety_score_below", self.safety_score_below),
        ] {
            if !v.is_finite() {
                problems.push(format!("{key} = {v}: must be a number"));
            }
        }
        if self.min_secondary == 0 {
            problems.push(
                "min_secondary = 0: at least one secondary indicator must be required".into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FlagParamsError { problems })
        }
    }
}
