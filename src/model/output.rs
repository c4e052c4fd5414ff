//! The model's results: one row per district and year, with stable property names (they are
//! the field names of the `demand` layer, the OGC API collection and the CSV; documented in
//! `docs/model.md`).

use serde::Serialize;

use super::{Cohorts, Scenario};

/// Demand and gap for one district in one year. Field names are the public property names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandRow {
    /// District code.
    pub district: String,
    /// District name.
    pub name: String,
    /// Year (31 December).
    pub year: i32,
    /// True for observed years (inputs), false for projected years.
    pub observed: bool,
    /// Total population.
    pub population: f64,
    /// Persons aged 0–19.
    pub population_0_19: f64,
    /// Persons aged 20–64.
    pub population_20_64: f64,
    /// Persons aged 65–79.
    pub population_65_79: f64,
    /// Persons aged 80 and over.
    pub population_80_plus: f64,
    /// Households (hushåll), household-quotient method.
    pub households: f64,
    /// Dwellings needed = households / (1 − vacancy reserve).
    pub dwellings_needed: f64,
    /// Dwelling stock in the base year less demolitions to this year.
    pub dwellings_stock: f64,
    /// Pipeline completions expected by this year (cumulative from the base year).
    pub dwellings_pipeline: f64,
    /// Gap = dwellings_needed − (dwellings_stock + dwellings_pipeline); positive: shortage.
    pub gap: f64,
    /// Gap per 1,000 inhabitants; NaN (written as null) when the population is 0.
    pub gap_per_1000: f64,
    /// Care-home places needed (särskilt boende) for persons 80+.
    pub care_places_needed: f64,
    /// Persons living in care homes (observed places in observed years, the base-year share of
    /// 80+ after); taken out before households are counted.
    pub persons_in_care: f64,
    /// Dependency ratio (försörjningsbörda) = (0–19 + 65+) / (20–64); NaN (written as null)
    /// when nobody is 20–64.
    pub dependency_ratio: f64,
    /// Small flats needed beyond the base year: the change since the base year of the households
    /// headed by persons 20–29, / (1 − vacancy reserve). Signed: negative when the group shrinks.
    pub small_flats_needed: f64,
    /// Family dwellings (3–4 rooms or småhus) needed beyond the base year: the same for 30–49.
    pub family_dwellings_needed: f64,
    /// Accessible flats needed beyond the base year: the same for 65–79.
    pub accessible_flats_needed: f64,
    /// Senior dwellings needed beyond the base year: the same for 80+ living outside care homes.
    pub senior_dwellings_needed: f64,
}

/// A whole model run.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRun {
    /// Last observed year (the projection starts from it).
    pub base_year: i32,
    /// Last projected year.
    pub horizon_year: i32,
    /// First observed year.
    pub first_year: i32,
    /// One row per district and year, ordered by district (input order) then year.
    pub rows: Vec<DemandRow>,
    /// Plain-language notes about the run (e.g. "no migration data: closed population").
    pub notes: Vec<String>,
    /// The migration scenario the run used.
    pub scenario: Scenario,
    /// Population by year, district, sex and band behind the rows (not serialized: large).
    #[serde(skip)]
    pub cohorts: Cohorts,
}
