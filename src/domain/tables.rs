//! Tabular facts per district: population, migration, dwellings, indicators; and the point
//! layers: transit stops and pipeline projects.

use chrono::NaiveDate;
use geo::{Geometry, Point};

use super::Sex;

/// Persons of one sex and age band in one district and year (folkmängd).
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationRecord {
    /// Index into [`super::Dataset::districts`].
    pub district: usize,
    /// Year (end of year, 31 December, as SCB counts).
    pub year: i32,
    /// Sex, or [`Sex::Total`] when the source has no split.
    pub sex: Sex,
    /// Index into the dataset's [`super::AgeBands`].
    pub band: usize,
    /// Persons (whole numbers in the sources; `f64` because the model projects fractions).
    pub persons: f64,
}

impl PopulationRecord {
    /// The record of one summed cell: `((district, year, sex, band), persons)`, as the readers
    /// that add up counts into a map keyed by the cell produce them.
    pub fn from_sum(
        ((district, year, sex, band), persons): ((usize, i32, Sex, usize), f64),
    ) -> Self {
        Self {
            district,
            year,
            sex,
            band,
            persons,
        }
    }
}

/// In- and out-migrants (inflyttade, utflyttade) of one sex and band during one year.
/// `district` is `None` for a municipal table that the model spreads over districts.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRecord {
    /// District index, or `None` for the whole municipality.
    pub district: Option<usize>,
    /// Year of the moves.
    pub year: i32,
    /// Sex, or [`Sex::Total`].
    pub sex: Sex,
    /// Index into the dataset's [`super::AgeBands`].
    pub band: usize,
    /// Persons moving into the municipality (to this district).
    pub in_migrants: f64,
    /// Persons moving out of the municipality (from this district).
    pub out_migrants: f64,
}

/// Kind of dwelling (hustyp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DwellingType {
    /// Detached, semi-detached and terraced houses (småhus).
    Smahus,
    /// Flats in multi-dwelling buildings (flerbostadshus).
    Flerbostadshus,
    /// Special housing for the elderly or disabled (specialbostad, särskilt boende);
    /// counted as care-home places.
    Specialbostad,
    /// Other buildings (övriga hus).
    Ovrigt,
}

impl DwellingType {
    /// Parses the codes used in our files and SCB's spellings.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_lowercase().as_str() {
            "smahus" | "småhus" => Some(Self::Smahus),
            "flerbostadshus" | "flerbostad" | "fbh" => Some(Self::Flerbostadshus),
            "specialbostad" | "specialbostäder" | "special" | "sarskilt_boende"
            | "särskilt boende" => Some(Self::Specialbostad),
            "ovrigt" | "övrigt" | "övriga hus" | "ovriga" => Some(Self::Ovrigt),
            _ => None,
        }
    }
    /// Code used in our files and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Smahus => "smahus",
            Self::Flerbostadshus => "flerbostadshus",
            Self::Specialbostad => "specialbostad",
            Self::Ovrigt => "ovrigt",
        }
    }
}

/// Tenure (upplåtelseform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tenure {
    /// Rental (hyresrätt).
    Hyresratt,
    /// Tenant-owned (bostadsrätt).
    Bostadsratt,
    /// Owner-occupied (äganderätt).
    Aganderatt,
    /// Unknown (uppgift saknas).
    Okand,
}

impl Tenure {
    /// Parses the codes used in our files and SCB's spellings/codes (1, 2, 3).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_lowercase().as_str() {
            "hyresratt" | "hyresrätt" | "1" => Some(Self::Hyresratt),
            "bostadsratt" | "bostadsrätt" | "2" => Some(Self::Bostadsratt),
            "aganderatt" | "äganderätt" | "3" => Some(Self::Aganderatt),
            "okand" | "okänd" | "ovrigt" | "uppgift saknas" | "" => Some(Self::Okand),
            _ => None,
        }
    }
    /// Code used in our files and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Hyresratt => "hyresratt",
            Self::Bostadsratt => "bostadsratt",
            Self::Aganderatt => "aganderatt",
            Self::Okand => "okand",
        }
    }
}

/// Dwellings of one type and tenure in one district and year (bostadsbestånd).
#[derive(Debug, Clone, PartialEq)]
pub struct DwellingRecord {
    /// District index.
    pub district: usize,
    /// Year.
    pub year: i32,
    /// Type of dwelling.
    pub dwelling_type: DwellingType,
    /// Tenure.
    pub tenure: Tenure,
    /// Number of dwellings (for `specialbostad`: places).
    pub dwellings: f64,
}

/// One indicator value (e.g. `employment`, `low_econ`, `crowding`, `safety_score`,
/// `regso_type`) for a district and year.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRecord {
    /// District index.
    pub district: usize,
    /// Year.
    pub year: i32,
    /// Indicator name as given in the file.
    pub indicator: String,
    /// Value.
    pub value: f64,
}

/// Mode of a transit stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitMode {
    /// Bus stop.
    Bus,
    /// Railway station.
    Rail,
    /// Anything else (tram, ferry, unknown).
    Other,
}

/// A public-transport stop (hållplats) with its weekday frequency.
#[derive(Debug, Clone)]
pub struct TransitStop {
    /// Stop id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position in EPSG:3006.
    pub point: Point<f64>,
    /// Position in CRS84 (lon, lat).
    pub point_lonlat: Point<f64>,
    /// Mean departures per hour, weekdays 06–20.
    pub departures_per_hour: f64,
    /// Bus, rail or other.
    pub mode: TransitMode,
}

/// Stages of the Swedish building process (PBL), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStage {
    /// Request for a planbesked (the municipality's answer whether it will plan).
    PlanbeskedRequest,
    /// Planbesked given.
    Planbesked,
    /// Planning assignment (planuppdrag).
    Planuppdrag,
    /// Consultation (samråd).
    Samrad,
    /// Review (granskning).
    Granskning,
    /// Adoption (antagande).
    Antagande,
    /// The justified minutes of the adoption posted on the municipality's official notice board
    /// (anslag, tillkännagivande på anslagstavlan; kommunallagen 8 kap. 12 §): the appeal period
    /// of three weeks runs from this day, not from the adoption.
    Anslag,
    /// Plan in force (laga kraft).
    LagaKraft,
    /// Complete building-permit application (bygglovsansökan, komplett).
    BygglovApplication,
    /// Building permit decision (bygglov).
    BygglovDecision,
    /// Start permit (startbesked).
    Startbesked,
    /// Final permit / moving in (slutbesked, inflyttning).
    Inflyttning,
}

impl ProjectStage {
    /// All stages in process order.
    pub const ALL: [ProjectStage; 12] = [
        Self::PlanbeskedRequest,
        Self::Planbesked,
        Self::Planuppdrag,
        Self::Samrad,
        Self::Granskning,
        Self::Antagande,
        Self::Anslag,
        Self::LagaKraft,
        Self::BygglovApplication,
        Self::BygglovDecision,
        Self::Startbesked,
        Self::Inflyttning,
    ];
    /// Field name used in files and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Self::PlanbeskedRequest => "planbesked_request",
            Self::Planbesked => "planbesked",
            Self::Planuppdrag => "planuppdrag",
            Self::Samrad => "samrad",
            Self::Granskning => "granskning",
            Self::Antagande => "antagande",
            Self::Anslag => "anslag",
            Self::LagaKraft => "laga_kraft",
            Self::BygglovApplication => "bygglov_application",
            Self::BygglovDecision => "bygglov_decision",
            Self::Startbesked => "startbesked",
            Self::Inflyttning => "inflyttning",
        }
    }
}

/// The date each stage was reached (`None`: not yet, or not recorded).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageDates {
    /// Dates indexed like [`ProjectStage::ALL`].
    pub dates: [Option<NaiveDate>; ProjectStage::ALL.len()],
}

impl StageDates {
    /// Date of `stage`.
    pub fn get(&self, stage: ProjectStage) -> Option<NaiveDate> {
        self.dates[stage as usize]
    }
    /// Sets the date of `stage`.
    pub fn set(&mut self, stage: ProjectStage, date: Option<NaiveDate>) {
        self.dates[stage as usize] = date;
    }
    /// The last stage with a date, if any.
    pub fn last_reached(&self) -> Option<ProjectStage> {
        ProjectStage::ALL
            .iter()
            .rev()
            .copied()
            .find(|s| self.get(*s).is_some())
    }
}

/// A housing project in the pipeline (bostadsprojekt).
#[derive(Debug, Clone)]
pub struct Project {
    /// Project id.
    pub id: String,
    /// Name.
    pub name: String,
    /// District index, when the project lies in (or is coded to) a district.
    pub district: Option<usize>,
    /// Geometry in EPSG:3006 (point or polygon); `None` for a table row with a district code.
    pub geometry: Option<Geometry<f64>>,
    /// Geometry in CRS84.
    pub geometry_lonlat: Option<Geometry<f64>>,
    /// Number of dwellings planned.
    pub dwellings: f64,
    /// Dwelling type.
    pub dwelling_type: DwellingType,
    /// Tenure.
    pub tenure: Tenure,
    /// Stage dates.
    pub dates: StageDates,
    /// True when the adopted plan was appealed (överklagad).
    pub appealed: bool,
}

/// One address point of the population register with its persons (folkbokförda), in SWEREF 99
/// TM (EPSG:3006) metres, already joined to its district.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Residence {
    /// Position in EPSG:3006.
    pub point: Point<f64>,
    /// Index into [`crate::domain::Dataset::districts`].
    pub district: usize,
    /// Persons living at the point (all ages); points with no persons are ignored.
    pub persons: f64,
}

/// Persons of one sex and single year of age (0…99, and 100 for 100+) in one year: a district
/// (`Some`) or the whole municipality (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct AgeRecord {
    /// District index, or `None` for the municipality as a whole.
    pub district: Option<usize>,
    /// Year (31 December).
    pub year: i32,
    /// Men or women.
    pub sex: Sex,
    /// Age in whole years; 100 stands for 100+.
    pub age: u8,
    /// Persons.
    pub persons: f64,
}

/// Dwellings completed in new construction (färdigställda bostäder) in one year: a district
/// (`Some`) or the whole municipality (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRecord {
    /// District index, or `None` for the municipality as a whole.
    pub district: Option<usize>,
    /// Year of completion.
    pub year: i32,
    /// Dwellings completed.
    pub dwellings: f64,
}

/// The single-year inputs of the forecast, beside the banded tables every other part reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Population by single year of age: the districts' own (from a single-year population
    /// table; the same persons are also in [`super::Dataset::population`] by band) and the
    /// municipality's series (`[municipal_population]`, district `None`).
    pub ages: Vec<AgeRecord>,
    /// Completed dwellings by year.
    pub completions: Vec<CompletionRecord>,
}
