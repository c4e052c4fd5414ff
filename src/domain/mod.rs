//! Pure domain values: districts, age bands, populations, migration, dwellings, indicators,
//! transit stops and pipeline projects.
//!
//! Nothing in here does I/O or knows about GDAL or HTTP: the ingest layer produces these values,
//! the model, flags, pipeline analysis, API and exporters consume them. Geometry is `geo` types
//! in SWEREF 99 TM (EPSG:3006) metres, with a lon/lat (CRS84) copy prepared once at load for
//! output, so no code outside ingest ever needs to reproject.

mod age;
mod dataset;
mod district;
mod tables;

pub use age::{AgeBand, AgeBands, ParseAgeBandError, Sex};
pub use dataset::{Dataset, Summary};
pub use district::{District, DistrictIndex};
pub use tables::{
    AgeRecord, CompletionRecord, DwellingRecord, DwellingType, IndicatorRecord, MigrationRecord,
    PopulationRecord, Project, ProjectStage, Residence, Series, StageDates, Tenure, TransitMode,
    TransitStop,
};
