//! The dashboard page and the plain JSON/CSV endpoints for BI tools.
//!
//! Many people who need the numbers never open QGIS: politicians, the building-process team,
//! managers. They open a web page, or a spreadsheet. This module serves both from the same
//! service and the same data load:
//!
//! - `GET /dashboard`: a page (map of need by district, year slider, flags, district panel,
//!   bottlenecks, municipal totals) that reads the very OGC API QGIS reads, plus `/bottlenecks`;
//! - `GET /dashboard/assets/{file}`: its CSS and ES modules, compiled into the binary;
//! - `GET /vendor/{path}`: Leaflet, embedded from the pinned npm package (see [`vendor`]);
//! - `GET /bottlenecks`: the building-process analysis as JSON, or one of its tables as CSV
//!   (`?f=csv&table=stages|projects`);
//! - `GET /export/demand.csv|json`, `GET /export/flags.csv|json`: stable exports for Excel,
//!   Power BI and Grafana: the published `demand` and `flags` layers of [`crate::layers`]
//!   without geometry, written per request from the prepared collections the OGC API serves by
//!   [`table::collection_json`] and [`table::collection_csv`] (the same text as
//!   [`table::layer_json`] and [`table::layer_csv`] of the layers; a new field belongs in the
//!   layer, not here).
//!
//! Everything else is serialised once, in [`WebData::new`], when the data is loaded; a request
//! only picks prepared bytes (and answers `304 Not Modified` to a matching `If-None-Match`). The
//! columns, formats and the way BI tools read them are documented in `docs/dashboard.md`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde::Serialize;

use crate::api::Prepared;
use crate::domain::Dataset;
use crate::model::ModelRun;
use crate::pipeline::BottleneckReport;

mod assets;
pub mod reference;
mod routes;
pub mod scenarios;
pub mod table;
pub mod vendor;

pub use routes::{routes, routes_with, WebState};
use table::Json;

/// Why the dashboard data could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum WebDataError {
    /// A result could not be serialised to JSON.
    #[error("cannot serialise the {part} for the dashboard: {source}")]
    Json {
        /// Which result (`demand rows`, `flags`, `bottleneck report`).
        part: &'static str,
        /// Cause.
        source: serde_json::Error,
    },
    /// A table could not be written as CSV.
    #[error("cannot write the {part} as CSV: {source}")]
    Csv {
        /// Which table.
        part: &'static str,
        /// Cause.
        source: csv::Error,
    },
}

/// A prepared response body with its entity tag.
#[derive(Debug, Clone)]
pub(crate) struct PreparedBody {
    pub(crate) body: Bytes,
    pub(crate) etag: HeaderValue,
}

impl PreparedBody {
    /// A body built for this data load, kept exactly as long as it is (a `Vec` grown by
    /// doubling may hold up to twice its length).
    fn owned(body: impl Into<Vec<u8>>) -> Self {
        Self::new(body.into().into_boxed_slice())
    }

    fn new(body: impl Into<Bytes>) -> Self {
        use std::hash::{Hash, Hasher};
        let body = body.into();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        let tag = format!("\"{:016x}-{:x}\"", h.finish(), body.len());
        let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
        Self { body, etag }
    }
}

/// One table of the bottleneck report, as JSON and CSV.
#[derive(Debug, Clone)]
pub(crate) struct ReportTable {
    pub(crate) name: String,
    pub(crate) json: PreparedBody,
    pub(crate) csv: PreparedBody,
}

/// Everything the dashboard and the BI endpoints serve, serialised once per data load.
#[derive(Debug, Clone)]
pub struct WebData {
    pub(crate) page: PreparedBody,
    pub(crate) assets: Vec<(&'static str, &'static str, PreparedBody)>,
    /// The prepared collections the exports `demand` and `flags` are written from per request
    /// (shared with the OGC API: the rows are not kept twice).
    pub(crate) tables: Arc<Prepared>,
    pub(crate) bottlenecks_json: PreparedBody,
    pub(crate) bottleneck_tables: Vec<ReportTable>,
    pub(crate) pyramids: PreparedBody,
}

/// What the page learns from the server beside the OGC API (embedded in the HTML).
#[derive(Serialize)]
struct PageConfig<'a> {
    dataset: &'a str,
    municipality: Option<&'a str>,
    first_year: i32,
    base_year: i32,
    horizon_year: i32,
    notes: &'a [String],
    dataset_notes: &'a [String],
    has_pipeline: bool,
    reference: Option<&'static reference::ReferenceForecast>,
    bottleneck_tables: Vec<&'a str>,
}

impl WebData {
    /// Prepares every page and asset from one data load.
    ///
    /// `notes` are the data load's notes on its data ([`crate::layers::Layers::notes`]);
    /// `tables` are the collections prepared from its layers (those the OGC API serves,
    /// shared, not copied): the
    /// `demand` and `flags` collections become `/export/demand.csv|json` and
    /// `/export/flags.csv|json`, written per request, one row per feature with the layer's
    /// fields as columns (a missing collection gives an empty table with its header).
    pub fn new(
        dataset: &Dataset,
        run: &ModelRun,
        report: &BottleneckReport,
        notes: &[String],
        tables: Arc<Prepared>,
    ) -> Result<Self, WebDataError> {
        let json_err = |part| move |source| WebDataError::Json { part, source };
        let csv_err = |part| move |source| WebDataError::Csv { part, source };

        // The bottleneck report, its projects named and placed, and every table in it.
        let mut report_json =
            Json::from_serialize(report).map_err(json_err("bottleneck report"))?;
        enrich_projects(&mut report_json, dataset);
        let mut bottleneck_tables = Vec::new();
        if let Json::Object(fields) = &report_json {
            for (name, value) in fields {
                if let Json::Array(rows) = value {
                    if !value.is_table() {
                        continue;
                    }
                    let json = serde_json::to_vec(value).map_err(json_err("bottleneck report"))?;
                    let csv = table::to_csv(rows, &[]).map_err(csv_err("bottleneck report"))?;
                    bottleneck_tables.push(ReportTable {
                        name: name.clone(),
                        json: PreparedBody::owned(json),
                        csv: PreparedBody::owned(with_bom(csv)),
                    });
                }
            }
        }
        let bottlenecks_json =
            serde_json::to_vec(&report_json).map_err(json_err("bottleneck report"))?;

        let pyramids = serde_json::to_vec(&pyramids(dataset, run)).map_err(json_err("pyramids"))?;

        let config = PageConfig {
            dataset: &dataset.name,
            municipality: dataset.municipality.as_deref(),
            first_year: run.first_year,
            base_year: run.base_year,
            horizon_year: run.horizon_year,
            notes: &run.notes,
            dataset_notes: notes,
            has_pipeline: !dataset.projects.is_empty(),
            reference: reference::for_municipality(dataset.municipality.as_deref()),
            bottleneck_tables: bottleneck_tables.iter().map(|t| t.name.as_str()).collect(),
        };
        let config_json = serde_json::to_string(&config).map_err(json_err("page settings"))?;
        let page = assets::render_page(&format!("Housing need — {}", dataset.name), &config_json);

        Ok(Self {
            page: PreparedBody::owned(page),
            assets: assets::ASSETS
                .iter()
                .map(|(name, ctype, content)| (*name, *ctype, PreparedBody::new(*content)))
                .collect(),
            tables,
            bottlenecks_json: PreparedBody::owned(bottlenecks_json),
            bottleneck_tables,
            pyramids: PreparedBody::owned(pyramids),
        })
    }

    /// Names of the bottleneck report's tables (`stages`, `projects`, …), each available as
    /// `/bottlenecks?f=csv&table=NAME`.
    pub fn bottleneck_tables(&self) -> Vec<&str> {
        self.bottleneck_tables
            .iter()
            .map(|t| t.name.as_str())
            .collect()
    }
}

/// Persons by sex and age band of one district in one year, for the population pyramid.
#[derive(Serialize)]
struct SexBands {
    male: Vec<f64>,
    female: Vec<f64>,
}

/// `/dashboard/data/pyramids.json`: every district's population by sex and band in the base
/// year and at the horizon, from the model's cohorts (the demand collection has only four
/// broad age groups). Persons rounded to 0.1.
#[derive(Serialize)]
struct Pyramids {
    bands: Vec<String>,
    years: Vec<i32>,
    districts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, SexBands>>,
}

fn pyramids(dataset: &Dataset, run: &ModelRun) -> Pyramids {
    let c = &run.cohorts;
    let years = if run.base_year == run.horizon_year {
        vec![run.base_year]
    } else {
        vec![run.base_year, run.horizon_year]
    };
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let mut districts = std::collections::BTreeMap::new();
    for (i, d) in dataset.districts.iter().enumerate() {
        let mut per_year = std::collections::BTreeMap::new();
        for &year in &years {
            if let Some(p) = c.slice(year, i) {
                let nb = c.bands;
                per_year.insert(
                    year.to_string(),
                    SexBands {
                        male: p[..nb].iter().copied().map(round).collect(),
                        female: p[nb..2 * nb].iter().copied().map(round).collect(),
                    },
                );
            }
        }
        if !per_year.is_empty() {
            districts.insert(d.id.clone(), per_year);
        }
    }
    Pyramids {
        bands: dataset
            .bands
            .as_slice()
            .iter()
            .map(|b| b.to_string())
            .collect(),
        years,
        districts,
    }
}

fn with_bom(csv: String) -> String {
    let mut s = String::with_capacity(csv.len() + 3);
    s.push_str(table::UTF8_BOM);
    s.push_str(&csv);
    s
}

/// Adds to each entry of the report's `projects` table what a reader needs beside the id:
/// name, district code and name, dwellings, type, tenure and whether the plan was appealed.
/// Fields the report already has are left as they are.
fn enrich_projects(report: &mut Json, dataset: &Dataset) {
    let by_id: HashMap<&str, &crate::domain::Project> = dataset
        .projects
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();
    let Json::Object(fields) = report else {
        return;
    };
    let Some((_, Json::Array(projects))) = fields.iter_mut().find(|(k, _)| k == "projects") else {
        return;
    };
    for entry in projects.iter_mut() {
        let Some(project) = entry
            .get("project")
            .and_then(Json::as_str)
            .and_then(|id| by_id.get(id))
        else {
            continue;
        };
        let Json::Object(cols) = entry else {
            continue;
        };
        let district = project.district.and_then(|i| dataset.districts.get(i));
        let text = |s: Option<&str>| s.map_or(Json::Null, |s| Json::String(s.to_string()));
        let extra = [
            ("name", Json::String(project.name.clone())),
            ("district", text(district.map(|d| d.id.as_str()))),
            ("district_name", text(district.map(|d| d.name.as_str()))),
            (
                "dwellings",
                serde_json::Number::from_f64(project.dwellings).map_or(Json::Null, Json::Number),
            ),
            (
                "dwelling_type",
                Json::String(project.dwelling_type.code().to_string()),
            ),
            ("tenure", Json::String(project.tenure.code().to_string())),
            ("appealed", Json::Bool(project.appealed)),
        ];
        let at = cols
            .iter()
            .position(|(k, _)| k == "project")
            .map_or(cols.len(), |i| i + 1);
        let mut insert = Vec::new();
        for (k, v) in extra {
            if !cols.iter().any(|(c, _)| c == k) {
                insert.push((k.to_string(), v));
            }
        }
        cols.splice(at..at, insert);
    }
}
