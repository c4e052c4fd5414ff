//! Reading a dataset: GDAL for every vector source, the `csv` crate for tables; reprojection to
//! SWEREF 99 TM (EPSG:3006) through GDAL; validation that lists every problem with file, row or
//! feature, field and value. Nothing here is half-loaded: [`load`] returns a whole [`Dataset`]
//! or every problem found.
//!
//! This is the only module that touches GDAL; everything it returns is `geo` types.
//!
//! Every finding is a [`Finding`] located by file, row or FID, field and value, with a
//! [`Severity`]:
//! - a problem makes the dataset unusable (a missing file, an unknown district code, a
//!   negative count…); [`load`] fails with all of them at once;
//! - a warning is something a planner should see but that does not stop the load: address
//!   points outside every district (counted, with examples, never silently dropped), pipeline
//!   stage dates out of order or after the snapshot date, districts without population.
//!
//! [`check`] returns both, plus the counts of every spatial join ([`PointJoin`]), for the
//! `check` command.
//!
//! Where things are:
//! - `rows`: the one row reader. A table or layer is a schema (its columns: name, required or
//!   optional) plus its checks (a closure per row); the reader finds the columns through the
//!   manifest's `[part.columns]`, walks a CSV (`csv_table`) or a GDAL layer (`layer_rows`)
//!   and locates every value for messages;
//! - `values` (counts, numbers, years, dates, flags) and `codes` (district codes, sexes, age
//!   bands, ages, dwelling types, tenures, modes): what a value may be, as parsers;
//! - `tables` (population, migration, dwellings, indicators) and `series` (single-year
//!   population, completions): the CSV tables, each its schema and checks;
//! - `points`: the point layers: `address` points (at scale through `direct_csv` for a plain
//!   CSV or `arrow`, over `arrow_stream`, for another GDAL layer, both added up in parallel by
//!   `sum`), `transit` stops, `pipeline` projects, and the spatial `join`;
//! - `districts` (polygons, `validity` for where a ring crosses itself) and `scb` (SCB's own
//!   download formats, mapped to the same records);
//! - `finding`: the [`Finding`] type and the collector every reader records into.
//!
//! A new table: a schema and a reader in `tables` (its checks in the closure), its part in
//! [`crate::config::Manifest`], its records in [`crate::domain`], and its call in [`check`]. A
//! new column of an existing table: one entry in its schema and one parse in its checks. A new
//! kind of value: a parser in `values` or `codes`. A new input format: a `rows::RowSource`
//! (for row-shaped sources) or a reader that yields the same records (as `scb`).

use chrono::NaiveDate;

use crate::config::Manifest;
use crate::domain::{AgeBands, Dataset};

mod arrow_stream;
mod codes;
mod csv_table;
mod districts;
mod finding;
mod gdal_source;
mod layer_rows;
mod points;
mod rows;
pub mod scb;
mod series;
mod tables;
mod validity;
mod values;

pub(crate) use finding::Findings;
pub use finding::{Finding, OutsidePoint, PointJoin, Severity};
pub(crate) use gdal_source::{gdal_message, hide_password, is_postgres};

/// Model, flag and bottleneck parameters out of range are problems of the manifest, reported
/// with the key (`model.vacancy_reserve`, `flags.stop_radius_m`, …) like any other field.
fn check_parameters(manifest: &Manifest, bands: &crate::domain::AgeBands, found: &mut Findings) {
    for message in manifest.model.validate(bands) {
        found.problem(Finding::new(&manifest.path, message).in_field("[model]"));
    }
    if let Err(e) = manifest.flags.validate() {
        for message in e.problems {
            found.problem(Finding::new(&manifest.path, message).in_field("[flags]"));
        }
    }
    for message in manifest.bottlenecks.validate() {
        found.problem(Finding::new(&manifest.path, message).in_field("[bottlenecks]"));
    }
    // `columnar` chooses how address points are read; elsewhere it would silently do nothing.
    let sections = [
        ("municipal_population", &manifest.municipal_population),
        ("completions", &manifest.completions),
        ("migration", &manifest.migration),
        ("dwellings", &manifest.dwellings),
        ("indicators", &manifest.indicators),
        ("transit", &manifest.transit),
        ("pipeline", &manifest.pipeline),
    ];
    for (name, section) in sections {
        if let Some(columnar) = section.as_ref().and_then(|s| s.columnar) {
            found.warning(
                Finding::new(
                    &manifest.path,
                    format!(
                        "`columnar` applies to [population] (address points) only; \
                         ignored under [{name}]"
                    ),
                )
                .in_field(&format!("{name}.columnar"))
                .with_value(&columnar.to_string()),
            );
        }
    }
}

/// Everything [`check`] found: the dataset when there is no problem, every problem, every
/// warning and the counts of every spatial join.
#[derive(Debug, Clone)]
pub struct Report {
    /// The loaded dataset; `Some` exactly when `problems` is empty.
    pub dataset: Option<Dataset>,
    /// Every problem found (the dataset is unusable when there is any).
    pub problems: Vec<Finding>,
    /// Every warning (the dataset loads nonetheless).
    pub warnings: Vec<Finding>,
    /// How each point layer joined to the districts.
    pub joins: Vec<PointJoin>,
}

/// A dataset that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Every problem found (at least one).
    #[error("{} problem(s) in dataset:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Finding>),
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
            let (population, points) = points::address::address_points(&ctx, source, &mut found);
            residences = points;
            population
        }
        (Some(_), Some(_)) => {
            found.problem(
                Finding::new(
                    &manifest.path,
                    "[population] names both `path` (a table) and `source` (address points); give one",
                )
                .in_field("population"),
            );
            Vec::new()
        }
        (None, None) => {
            found.problem(
                Finding::new(
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
                Finding::new(
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
        .map(|s| points::transit::transit(&ctx, s, &mut found))
        .unwrap_or_default();
    let projects = manifest
        .pipeline
        .as_ref()
        .map(|s| points::pipeline::pipeline(&ctx, s, &mut found))
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

/// The dataset's age bands from `dataset.open_band`: a multiple of 5 from 50 to 100.
fn dataset_bands(manifest: &Manifest, found: &mut Findings) -> AgeBands {
    let open = manifest.dataset.open_band;
    if !(50..=100).contains(&open) || !open.is_multiple_of(5) {
        found.problem(
            Finding::new(
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
                Finding::new(&manifest.path, message)
                    .in_field("dataset.as_of")
                    .with_value(raw),
            );
            None
        }
    }
}

/// A warning per population year listing districts without any population rows in it.
fn districts_without_population(manifest: &Manifest, dataset: &Dataset) -> Vec<Finding> {
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
            let mut warning = Finding::new(
                &file,
                format!(
                    "{} of {} districts have no population in {year}: {}{more}",
                    missing.len(),
                    dataset.districts.len(),
                    shown.join(", ")
                ),
            );
            warning.severity = Severity::Warning;
            out.push(warning);
        }
    }
    out
}
