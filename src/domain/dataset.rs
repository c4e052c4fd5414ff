//! A whole validated dataset: what ingest hands to the model, flags, pipeline and API.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;

use super::{
    AgeBands, District, DwellingRecord, IndicatorRecord, MigrationRecord, PopulationRecord,
    Project, Residence, Series, TransitStop,
};

/// Everything a manifest names, loaded, validated and joined to districts.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Dataset title from the manifest.
    pub name: String,
    /// Municipality code (kommunkod), e.g. `1489`.
    pub municipality: Option<String>,
    /// The age bands every table of this dataset uses.
    pub bands: AgeBands,
    /// Districts, in file order.
    pub districts: Vec<District>,
    /// Population by district, year, sex and band (summed over address points when given so).
    pub population: Vec<PopulationRecord>,
    /// Address points of the latest observed year with their persons (all ages), when the
    /// population came as address points; empty for a table. Used for accessibility.
    pub residences: Vec<Residence>,
    /// Migration by district (or municipality), year, sex and band.
    pub migration: Vec<MigrationRecord>,
    /// Dwelling stock.
    pub dwellings: Vec<DwellingRecord>,
    /// Indicators per district.
    pub indicators: Vec<IndicatorRecord>,
    /// Transit stops.
    pub transit: Vec<TransitStop>,
    /// Pipeline projects.
    pub projects: Vec<Project>,
    /// The date the pipeline snapshot describes (dates after it are errors).
    pub as_of: Option<NaiveDate>,
    /// Single-year population and completed dwellings for the forecast.
    pub series: Series,
}

/// What `check` prints for a good dataset.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// Dataset title.
    pub name: String,
    /// Number of districts.
    pub districts: usize,
    /// Total land area in km² (EPSG:3006).
    pub area_km2: f64,
    /// Persons per observed year.
    pub persons_per_year: BTreeMap<i32, f64>,
    /// Age bands used.
    pub bands: Vec<String>,
    /// Optional parts and their record counts (0 when absent).
    pub parts: BTreeMap<String, usize>,
}

impl Dataset {
    /// Observed population years, ascending.
    pub fn population_years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self.population.iter().map(|r| r.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    }

    /// Summary for `check` and `serve` start-up.
    pub fn summary(&self) -> Summary {
        let mut persons_per_year = BTreeMap::new();
        for r in &self.population {
            *persons_per_year.entry(r.year).or_insert(0.0) += r.persons;
        }
        let mut parts = BTreeMap::new();
        parts.insert("migration".to_string(), self.migration.len());
        parts.insert("dwellings".to_string(), self.dwellings.len());
        parts.insert("indicators".to_string(), self.indicators.len());
        parts.insert("transit".to_string(), self.transit.len());
        parts.insert("pipeline".to_string(), self.projects.len());
        Summary {
            name: self.name.clone(),
            districts: self.districts.len(),
            area_km2: self.districts.iter().map(|d| d.area_m2()).sum::<f64>() / 1e6,
            persons_per_year,
            bands: self
                .bands
                .as_slice()
                .iter()
                .map(|b| b.to_string())
                .collect(),
            parts,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset:    {}", self.name)?;
        writeln!(f, "districts:  {}", self.districts)?;
        writeln!(f, "area:       {:.1} km² (EPSG:3006)", self.area_km2)?;
        writeln!(f, "age bands:  {}", self.bands.join(", "))?;
        for (year, persons) in &self.persons_per_year {
            writeln!(f, "persons {year}: {persons:.0}")?;
        }
        for (part, n) in &self.parts {
            if *n == 0 {
                writeln!(f, "{part:<11} absent")?;
            } else {
                writeln!(f, "{part:<11} {n} records")?;
            }
        }
        Ok(())
    }
}
