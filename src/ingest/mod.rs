//! Reading a dataset: GDAL for every vector source, the `csv` crate for tables; reprojection to
//! SWEREF 99 TM (EPSG:3006) through GDAL; validation that lists every problem with file, row or
//! feature, field and value. Nothing here is half-loaded: [`load`] returns a whole [`Dataset`]
//! or every problem found.
//!
//! This is the only module that touches GDAL; everything it returns is `geo` types.
//!
//! Two kinds of findings are kept apart:
//! - a [`Problem`] makes the dataset unusable (a missing file, an unknown district code, a
//!   negative count…); [`load`] fails with all of them at once;
//! - a [`Warning`] is something a planner should see but that does not stop the load: address
//!   points outside every district (counted, with examples, never silently dropped), pipeline
//!   stage dates out of order or after the snapshot date, districts without population.
//!
//! [`check`] returns both, plus the counts of every spatial join ([`PointJoin`]), for the
//! `check` command.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::Manifest;
use crate::domain::{AgeBands, Dataset};

mod arrow_stream;
mod csv_table;
mod districts;
mod gdal_source;
mod points;
mod points_arrow;
mod points_csv;
mod points_sum;
pub mod scb;
mod series;
mod tables;
mod validity;
mod values;

pub(crate) use gdal_source::{gdal_message, hide_password, is_postgres};

/// Model, flag and bottleneck parameters out of range are problems of the manifest, reported
/// with the key (`model.vacancy_reserve`, `flags.stop_radius_m`, …) like any other field.
fn check_parameters(manifest: &Manifest, bands: &crate::domain::AgeBands, found: &mut Findings) {
    for message in manifest.model.validate(bands) {
        found.problem(Problem::new(&manifest.path, message).in_field("[model]"));
    }
    if let Err(e) = manifest.flags.validate() {
        for message in e.problems {
            found.problem(Problem::new(&manifest.path, message).in_field("[flags]"));
        }
    }
    for message in manifest.bottlenecks.validate() {
        found.problem(Problem::new(&manifest.path, message).in_field("[bottlenecks]"));
    }
}

/// One thing wrong with a dataset, located as precisely as the source allows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The file (or connection string) the problem is in.
    pub file: PathBuf,
    /// 1-based data row of a table (header not counted), or feature id (FID) of a layer.
    pub row: Option<u64>,
    /// Field or column concerned.
    pub field: Option<String>,
    /// The offending value as read.
    pub value: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(
            f,
            &self.file,
            self.row,
            self.field.as_deref(),
            self.value.as_deref(),
            &self.message,
        )
    }
}

/// Something a planner should know that does not stop the dataset from loading: points in no
/// district, pipeline dates out of order or after the snapshot date, districts without
/// population. Located like a [`Problem`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Warning {
    /// The file (or connection string) the warning is about.
    pub file: PathBuf,
    /// 1-based data row of a table, or feature id (FID) of a layer; `None` for a whole file.
    pub row: Option<u64>,
    /// Field or column concerned.
    pub field: Option<String>,
    /// The value concerned, as read.
    pub value: Option<String>,
    /// What the planner should know.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(
            f,
            &self.file,
            self.row,
            self.field.as_deref(),
            self.value.as_deref(),
            &self.message,
        )
    }
}

/// `FILE: row N: field 'F': value 'V': message`, leaving out what is unknown.
fn write_located(
    f: &mut fmt::Formatter<'_>,
    file: &Path,
    row: Option<u64>,
    field: Option<&str>,
    value: Option<&str>,
    message: &str,
) -> fmt::Result {
    write!(f, "{}", file.display())?;
    if let Some(row) = row {
        write!(f, ": row {row}")?;
    }
    if let Some(field) = field {
        write!(f, ": field '{field}'")?;
    }
    if let Some(value) = value {
        write!(f, ": value '{value}'")?;
    }
    write!(f, ": {message}")
}

/// How a point layer joined to the districts: how many points were read, how many fell in no
/// district, and a few of those as examples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PointJoin {
    /// Manifest part the points belong to (`population`, `pipeline`).
    pub part: String,
    /// The point source.
    pub file: PathBuf,
    /// Points read.
    pub points: u64,
    /// Points that fell in no district.
    pub outside: u64,
    /// Persons (or dwellings, for the pipeline) carried by the points outside; not counted in
    /// any district.
    pub amount_outside: f64,
    /// Up to five of the points outside.
    pub examples: Vec<OutsidePoint>,
}

/// One point that fell in no district.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutsidePoint {
    /// Feature id (for a CSV read through GDAL: the 1-based data row).
    pub fid: Option<u64>,
    /// Easting in EPSG:3006.
    pub e: f64,
    /// Northing in EPSG:3006.
    pub n: f64,
}

impl fmt::Display for OutsidePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fid {
            Some(fid) => write!(f, "FID {fid}")?,
            None => write!(f, "a feature without FID")?,
        }
        write!(f, " at E {:.1} N {:.1} (EPSG:3006)", self.e, self.n)
    }
}

/// Everything [`check`] found: the dataset when there is no problem, every problem, every
/// warning and the counts of every spatial join.
#[derive(Debug, Clone)]
pub struct Report {
    /// The loaded dataset; `Some` exactly when `problems` is empty.
    pub dataset: Option<Dataset>,
    /// Every problem found (the dataset is unusable when there is any).
    pub problems: Vec<Problem>,
    /// Every warning (the dataset loads nonetheless).
    pub warnings: Vec<Warning>,
    /// How each point layer joined to the districts.
    pub joins: Vec<PointJoin>,
}

/// A dataset that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Every problem found (at least one).
    #[error("{} problem(s) in dataset:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Loads and validates the dataset a manifest names. Warnings are logged (`tracing`, level
/// warn); use [`check`] to get them as values.
///
/// Blocking (GDAL and file I/O): call it at start-up or inside `spawn_blocking`.
pub fn load(manifest: &Manifest) -> Result<Dataset, IngestError> {
    let report = check(manifest);
    for w in &report.warnings {
        tracing::warn!("{w}");
    }
    match report.dataset {
        Some(dataset) if report.problems.is_empty() => Ok(dataset),
        _ => Err(IngestError::Invalid(report.problems)),
    }
}

/// Reads and validates every part of the dataset, collecting every problem and warning rather
/// than stopping at the first. The dataset is returned only when there is no problem.
pub fn check(manifest: &Manifest) -> Report {
    gdal_source::route_gdal_messages();
    let mut found = Findings::default();

    let bands = dataset_bands(manifest, &mut found);
    let as_of = as_of_date(manifest, &mut found);
    tables::check_column_keys(manifest, &mut found);
    check_parameters(manifest, &bands, &mut found);

    let stage = crate::progress::Stage::start("read districts");
    let districts = districts::load(manifest, &mut found);
    stage.end();
    let ctx = Ctx {
        manifest,
        bands: &bands,
        districts: &districts,
        as_of,
    };

    let stage = crate::progress::Stage::start("read population");
    let mut residences = Vec::new();
    let mut single_years = Vec::new();
    let population = match (&manifest.population.path, &manifest.population.source) {
        (Some(path), None) => {
            let (banded, ages) = tables::population(&ctx, path, &mut found);
            single_years = ages;
            banded
        }
        (None, Some(source)) => {
            let (population, points) = points::address_points(&ctx, source, &mut found);
            residences = points;
            population
        }
        (Some(_), Some(_)) => {
            found.problem(
                Problem::new(
                    &manifest.path,
                    "[population] names both `path` (a table) and `source` (address points); give one",
                )
                .in_field("population"),
            );
            Vec::new()
        }
        (None, None) => {
            found.problem(
                Problem::new(
                    &manifest.path,
                    "[population] needs `path` (a CSV table) or `source` (address points)",
                )
                .in_field("population"),
            );
            Vec::new()
        }
    };
    if let Some(source) = &manifest.municipal_population {
        match source.path.as_deref() {
            Some(path) => {
                single_years
                    .extend(series::population_by_age(&ctx, source, path, true, &mut found).0);
            }
            None => found.problem(
                Problem::new(
                    &manifest.path,
                    "[municipal_population] needs `path` (a CSV table)",
                )
                .in_field("municipal_population"),
            ),
        }
    }
    stage.end();
    let stage = crate::progress::Stage::start("read tables");
    let completions = manifest
        .completions
        .as_ref()
        .map(|s| series::completions(&ctx, s, &mut found))
        .unwrap_or_default();
    let migration = manifest
        .migration
        .as_ref()
        .map(|s| tables::migration(&ctx, s, &mut found))
        .unwrap_or_default();
    let mut dwellings = manifest
        .dwellings
        .as_ref()
        .map(|s| tables::dwellings(&ctx, s, &mut found))
        .unwrap_or_default();
    let mut indicators = manifest
        .indicators
        .as_ref()
        .map(|s| tables::indicators(&ctx, s, &mut found))
        .unwrap_or_default();
    stage.end();
    let stage = crate::progress::Stage::start("read transit and pipeline");
    let transit = manifest
        .transit
        .as_ref()
        .map(|s| points::transit(&ctx, s, &mut found))
        .unwrap_or_default();
    let projects = manifest
        .pipeline
        .as_ref()
        .map(|s| points::pipeline(&ctx, s, &mut found))
        .unwrap_or_default();

    stage.end();
    let mut districts = districts;
    tables::merge_attributes(&mut districts, &mut indicators, &mut dwellings, &mut found);

    let Findings {
        problems,
        mut warnings,
        joins,
    } = found;
    let dataset = if problems.is_empty() {
        let dataset = Dataset {
            name: manifest.dataset.name.clone(),
            municipality: manifest.dataset.municipality.clone(),
            bands,
            districts: districts.list,
            population,
            residences,
            migration,
            dwellings,
            indicators,
            transit,
            projects,
            as_of,
            series: crate::domain::Series {
                ages: single_years,
                completions,
            },
        };
        warnings.extend(districts_without_population(manifest, &dataset));
        Some(dataset)
    } else {
        None
    };
    Report {
        dataset,
        problems,
        warnings,
        joins,
    }
}

/// What every part loader needs: the manifest, the age bands, the districts read so far and the
/// snapshot date.
pub(crate) struct Ctx<'a> {
    pub manifest: &'a Manifest,
    pub bands: &'a AgeBands,
    pub districts: &'a districts::Districts,
    pub as_of: Option<NaiveDate>,
}

/// Problems, warnings and join counts gathered while reading.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    pub joins: Vec<PointJoin>,
}

impl Findings {
    /// Records a problem.
    pub fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
    /// Records a warning (built like a problem, then kept apart).
    pub fn warning(&mut self, p: Problem) {
        self.warnings.push(Warning {
            file: p.file,
            row: p.row,
            field: p.field,
            value: p.value,
            message: p.message,
        });
    }
}

impl Problem {
    /// A problem with a whole file.
    pub(crate) fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            row: None,
            field: None,
            value: None,
            message: message.into(),
        }
    }
    /// At data row or FID `row`.
    pub(crate) fn at_row(mut self, row: Option<u64>) -> Self {
        self.row = row;
        self
    }
    /// In field `field`.
    pub(crate) fn in_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    /// With the offending value.
    pub(crate) fn with_value(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }
}

/// The dataset's age bands from `dataset.open_band`: a multiple of 5 from 50 to 100.
fn dataset_bands(manifest: &Manifest, found: &mut Findings) -> AgeBands {
    let open = manifest.dataset.open_band;
    if !(50..=100).contains(&open) || !open.is_multiple_of(5) {
        found.problem(
            Problem::new(
                &manifest.path,
                "the open age band must start at a multiple of 5 from 50 to 100 (80 as in SCB's TAB6574)",
            )
            .in_field("dataset.open_band")
            .with_value(&open.to_string()),
        );
        return AgeBands::five_year(80);
    }
    AgeBands::five_year(open)
}

/// `dataset.as_of` as a date.
fn as_of_date(manifest: &Manifest, found: &mut Findings) -> Option<NaiveDate> {
    let raw = manifest.dataset.as_of.as_deref()?;
    match values::date(raw) {
        Ok(d) => Some(d),
        Err(message) => {
            found.problem(
                Problem::new(&manifest.path, message)
                    .in_field("dataset.as_of")
                    .with_value(raw),
            );
            None
        }
    }
}

/// A warning per population year listing districts without any population rows in it.
fn districts_without_population(manifest: &Manifest, dataset: &Dataset) -> Vec<Warning> {
    let file = manifest
        .population
        .path
        .as_deref()
        .or(manifest.population.source.as_deref())
        .map(|s| gdal_source::display_path(manifest, s))
        .unwrap_or_else(|| manifest.path.clone());
    let mut out = Vec::new();
    for year in dataset.population_years() {
        let mut seen = vec![false; dataset.districts.len()];
        for r in dataset.population.iter().filter(|r| r.year == year) {
            if let Some(s) = seen.get_mut(r.district) {
                *s = true;
            }
        }
        let missing: Vec<&str> = dataset
            .districts
            .iter()
            .zip(&seen)
            .filter(|(_, s)| !**s)
            .map(|(d, _)| d.id.as_str())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(5).copied().collect();
            let more = if missing.len() > shown.len() {
                format!(" and {} more", missing.len() - shown.len())
            } else {
                String::new()
            };
            out.push(Warning {
                file: file.clone(),
                row: None,
                field: None,
                value: None,
                message: format!(
                    "{} of {} districts have no population in {year}: {}{more}",
                    missing.len(),
                    dataset.districts.len(),
                    shown.join(", ")
                ),
            });
        }
    }
    out
}
