//! Reference series drawn beside the model's municipal totals.
//!
//! Alingsås kommun's strategic analysis quotes the municipality's population forecast of 2018,
//! made by Statisticon, for persons 65–79 and 80+ in 2016–2027 (2016–2018 observed, the rest
//! forecast). The dashboard draws it as a dotted line next to the model's own projection, so a
//! planner sees at once where the two agree. It belongs to that municipality only: datasets of
//! other municipalities get no reference line.

use serde::Serialize;

/// An external population forecast for one municipality.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceForecast {
    /// Label shown in the chart legend.
    pub label: &'static str,
    /// Where the figures come from.
    pub source: &'static str,
    /// First year of the series.
    pub first_year: i32,
    /// Persons aged 65–79, one value per year from `first_year`.
    pub population_65_79: &'static [f64],
    /// Persons aged 80 and over, one value per year from `first_year`.
    pub population_80_plus: &'static [f64],
}

/// Alingsås kommun (1489): the municipality's 2018 forecast (Statisticon), 2016–2027.
pub const ALINGSAS_2018: ReferenceForecast = ReferenceForecast {
    label: "Municipality's 2018 forecast (kommunens befolkningsprognos 2018, Statisticon)",
    source: "Alingsås kommun, strategisk analys, Trend 1: Demografi (Statisticon)",
    first_year: 2016,
    population_65_79: &[
        6519.0, 6654.0, 6756.0, 6855.0, 6983.0, 7105.0, 7125.0, 7093.0, 7045.0, 7024.0, 6990.0,
        6948.0,
    ],
    population_80_plus: &[
        2271.0, 2315.0, 2365.0, 2420.0, 2489.0, 2552.0, 2672.0, 2846.0, 3011.0, 3164.0, 3317.0,
        3479.0,
    ],
};

/// The reference forecast for a municipality code (kommunkod), if we have one.
pub fn for_municipality(code: Option<&str>) -> Option<&'static ReferenceForecast> {
    match code.map(str::trim) {
        Some("1489") => Some(&ALINGSAS_2018),
        _ => None,
    }
}
