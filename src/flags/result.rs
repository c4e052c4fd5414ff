//! What the flags produce: one [`FlagResult`] per district and flag kind, each with the
//! [`Reason`] of every rule evaluated, met or not. Field names are the public property names of
//! the `flags` layer and collection (documented in `docs/flags.md`); do not rename them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::residents::ResidentBasis;

/// The two kinds of flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Densification candidate (förtätning): need, transit access and room to build.
    Densify,
    /// Safety / upgrade (upprustning av otrygga eller socialt utsatta stadsdelar).
    Upgrade,
}

impl FlagKind {
    /// Both kinds, in output order.
    pub const ALL: [FlagKind; 2] = [FlagKind::Densify, FlagKind::Upgrade];

    /// `densify` or `upgrade`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Densify => "densify",
            Self::Upgrade => "upgrade",
        }
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How a rule compares its value with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// Met when value > threshold.
    #[serde(rename = ">")]
    Above,
    /// Met when value ≥ threshold.
    #[serde(rename = ">=")]
    AtLeast,
    /// Met when value < threshold.
    #[serde(rename = "<")]
    Below,
    /// Met when value ≤ threshold.
    #[serde(rename = "<=")]
    AtMost,
}

impl Comparison {
    /// True when `value` meets `threshold` in this sense.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Above => value > threshold,
            Self::AtLeast => value >= threshold,
            Self::Below => value < threshold,
            Self::AtMost => value <= threshold,
        }
    }
    /// The symbol used in `reason_text`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Above => ">",
            Self::AtLeast => "≥",
            Self::Below => "<",
            Self::AtMost => "≤",
        }
    }
}

/// Unit of a reason's value and threshold, for labels and `reason_text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share 0–1 (shown as percent in `reason_text`).
    Share,
    /// Percent 0–100, as the indicator is published.
    Percent,
    /// Dwellings.
    Dwellings,
    /// Dwellings per hectare of land.
    DwellingsPerHa,
    /// A class or score without unit (RegSO area type, survey score).
    Score,
}

/// Why a rule was met, not met, or could not be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Rule name (`gap`, `transit_access`, …).
    pub rule: String,
    /// Indicator the rule looked at (`gap_horizon`, `transit_share_400m`, `employment`, …).
    pub indicator: String,
    /// The district's value; `None` when the indicator is missing.
    pub value: Option<f64>,
    /// The threshold it was compared with (for relative rules the computed municipal figure);
    /// `None` when it could not be computed.
    pub threshold: Option<f64>,
    /// The comparison: `>`, `>=`, `<` or `<=`.
    pub comparison: Comparison,
    /// Unit of value and threshold.
    pub unit: Unit,
    /// Year of the value (latest year of the indicator for the district), when it has one.
    pub year: Option<i32>,
    /// `Some(true)` met, `Some(false)` not met, `None` indicator missing (never treated as 0).
    pub met: Option<bool>,
    /// Plain-language detail: how the threshold was derived, or why the value is missing.
    pub note: String,
}

impl Reason {
    /// A reason comparing `value` with `threshold`; `met` is `None` unless both are given.
    #[allow(clippy::too_many_arguments)]
    pub fn compare(
        rule: &str,
        indicator: impl Into<String>,
        unit: Unit,
        value: Option<f64>,
        comparison: Comparison,
        threshold: Option<f64>,
        year: Option<i32>,
        note: impl Into<String>,
    ) -> Self {
        let met = match (value, threshold) {
            (Some(v), Some(t)) => Some(comparison.holds(v, t)),
            _ => None,
        };
        Self {
            rule: rule.to_string(),
            indicator: indicator.into(),
            value,
            threshold,
            comparison,
            unit,
            year,
            met,
            note: note.into(),
        }
    }

    /// One line for `reason_text`, e.g. `employment 58.5 < 60 (2018): met`.
    pub fn summary(&self) -> String {
        let status = match self.met {
            Some(true) => "met",
            Some(false) => "not met",
            None => "missing",
        };
        let year = self.year.map(|y| format!(" ({y})")).unwrap_or_default();
        match (self.value, self.threshold) {
            (Some(v), Some(t)) => format!(
                "{} {} {} {}{}: {}",
                self.indicator,
                format_value(v, self.unit),
                self.comparison.symbol(),
                format_value(t, self.unit),
                year,
                status
            ),
            (Some(v), None) => format!(
                "{} {}{}: {} ({})",
                self.indicator,
                format_value(v, self.unit),
                year,
                status,
                self.note
            ),
            (None, _) => format!("{}: {} ({})", self.indicator, status, self.note),
        }
    }
}

/// A number as a planner reads it: shares as whole percent, large numbers without decimals,
/// others with at most two decimals.
pub fn format_value(v: f64, unit: Unit) -> String {
    let (v, suffix) = match unit {
        Unit::Share => (v * 100.0, " %"),
        Unit::Percent => (v, " %"),
        Unit::DwellingsPerHa => (v, "/ha"),
        Unit::Dwellings | Unit::Score => (v, ""),
    };
    let text = if v.abs() >= 100.0 || unit == Unit::Share {
        format!("{v:.0}")
    } else {
        let t = format!("{v:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    format!("{text}{suffix}")
}

/// One flag for one district: whether it is raised, a score, every reason, and the measured
/// values flattened into simple properties so QGIS can label, filter and style on them.
///
/// Both kinds carry the same properties, so one layer holds both (filter `flag = 'densify'`
/// and `flagged = true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagResult {
    /// Feature id: `<district>:<flag>`.
    pub id: String,
    /// District code.
    pub district: String,
    /// District name.
    pub name: String,
    /// `densify` or `upgrade`.
    pub flag: FlagKind,
    /// True when the flag is raised.
    pub flagged: bool,
    /// `densify`: share of the conditions met (gap, access, density), 0–1. `upgrade`: number of
    /// secondary indicators met (0–4 with the default rules).
    pub score: f64,
    /// Rules of this flag that were met.
    pub rules_met: u32,
    /// Rules of this flag whose indicator was missing.
    pub rules_missing: u32,
    /// The verdict and every reason in one line, for labels and pop-ups.
    pub reason_text: String,
    /// Every rule evaluated for this flag, met or not.
    pub reasons: Vec<Reason>,
    /// Horizon year of the model run the gap is taken from.
    pub horizon_year: i32,
    /// Gap (dwellings needed − stock − pipeline) at the horizon year.
    pub gap_horizon: Option<f64>,
    /// Share (0–1) of residents within 400 m of a frequent stop.
    pub transit_share_400m: Option<f64>,
    /// Share (0–1) of residents within 600 m of a railway station.
    pub station_share_600m: Option<f64>,
    /// Share (0–1) of residents within 1,200 m of a railway station.
    pub station_share_1200m: Option<f64>,
    /// What the residents were taken to be: `address_points`, `area_grid` or `none`.
    pub access_basis: ResidentBasis,
    /// How distances were measured: `straight_line_epsg3006`.
    pub distance_method: String,
    /// Dwellings per hectare of land (latest observed year).
    pub dwellings_per_ha: Option<f64>,
    /// Residents per hectare of land (latest observed year).
    pub residents_per_ha: Option<f64>,
    /// SCB RegSO area type (områdestyp) 1–5, latest year.
    pub regso_type: Option<f64>,
    /// Share (0–1) of residents inside a police "utsatt område"; missing when no areas given.
    pub vulnerable_area_share: Option<f64>,
    /// Employment rate 20–64, %, latest year.
    pub employment: Option<f64>,
    /// Share with low economic standard, %, latest year.
    pub low_econ: Option<f64>,
    /// Share in overcrowded dwellings, %, latest year.
    pub crowding: Option<f64>,
    /// Safety-survey score, latest year.
    pub safety_score: Option<f64>,
    /// Index of the district in [`crate::domain::Dataset::districts`] (for the geometry; not
    /// a property).
    #[serde(skip)]
    pub district_index: usize,
}
