//! The model's results: one row per district and year, with stable property names (they are
//! the field names of the `demand` layer, the OGC API collection and the CSV; documented in
//! `docs/model.md`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::Serialize;

use super::{Cohorts, Levers, Pyramid};

/// Demand and gap for one district in one year. Field names are the public property names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandRow {
    /// District code.
    pub district: Label,
    /// District name.
    pub name: Label,
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
    /// Households (hushåll): household quotients × persons outside care homes, × the
    /// district's calibration factor.
    pub households: f64,
    /// The district's household-quotient calibration factor: occupied dwellings of the base
    /// year (stock × (1 − vacancy reserve)) ÷ the households the built-in quotients give; 1
    /// where the stock is unknown.
    pub headship_calibration: f64,
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
    /// Persons who moved into the district's new dwellings since the base year (cumulative).
    pub new_dwelling_movers: f64,
    /// True when the district's dwellings held its population back this year.
    pub housing_constrained: bool,
    /// Care-home places needed (särskilt boende) = ratio × persons 80+.
    pub care_places_needed: f64,
    /// Care-home places in the stock (specialbostad) in the base year.
    pub care_places_existing: f64,
    /// Care-home places in pipeline projects expected by this year (cumulative).
    pub care_places_pipeline: f64,
    /// Care-place balance = existing + pipeline − needed; negative: a shortage.
    pub care_place_balance: f64,
    /// Persons living in care homes (taken out before households are counted): the places
    /// needed, capped at the persons 80+.
    pub persons_in_care: f64,
    /// Dependency ratio (försörjningsbörda) = (0–19 + 65+) / (20–64); NaN (written as null)
    /// when nobody is 20–64.
    pub dependency_ratio: f64,
    /// Small flats needed: dwellings for the households whose head is under 30.
    pub small_flats_needed: f64,
    /// Family dwellings (3–4 rooms or småhus) needed: households with a head of 30–64.
    pub family_dwellings_needed: f64,
    /// Accessible flats needed: households with a head of 65–79.
    pub accessible_flats_needed: f64,
    /// Senior dwellings needed: households with a head of 80+ living outside care homes. The
    /// four types add up to `dwellings_needed`.
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
    /// The scenario the run used (`base` or a name from the manifest).
    pub scenario: String,
    /// The levers of that scenario.
    pub levers: Levers,
    /// The municipality by single year of age: observed base year, then each projected year.
    #[serde(skip)]
    pub municipal: Vec<(i32, Pyramid)>,
    /// Population by year, district, sex and band behind the rows (not serialized: large).
    #[serde(skip)]
    pub cohorts: Cohorts,
}

/// A district's code or name in its [`DemandRow`]s: one text shared by all of the district's
/// rows (a clone copies a pointer, not the text). Reads as a `&str`, compares with strings,
/// and is written as a plain string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Label(Arc<str>);

impl Label {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Label {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Self {
        Self(Arc::from(s))
    }
}

impl From<String> for Label {
    fn from(s: String) -> Self {
        Self(Arc::from(s))
    }
}

impl From<Label> for String {
    fn from(l: Label) -> Self {
        l.0.to_string()
    }
}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Label {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Label> for str {
    fn eq(&self, other: &Label) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Label> for &str {
    fn eq(&self, other: &Label) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Label> for String {
    fn eq(&self, other: &Label) -> bool {
        **self == *other.0
    }
}
